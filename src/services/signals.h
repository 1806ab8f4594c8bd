// Signal handling for the long-running commands: SIGINT/SIGTERM ask for a clean
// stop (drain, flush, commit), SIGHUP asks for a config reload. The signals are
// blocked in every thread and taken by one named thread with sigwait, so no
// handler ever runs in the middle of librdkafka or Asio code.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace lt::services {

class SignalWatcher {
 public:
  // Must be constructed before any other thread starts (threads inherit the mask).
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Set on SIGINT or SIGTERM. A second one exits at once (status 130).
  const std::atomic<bool>& stop_requested() const noexcept { return stop_; }
  void request_stop() noexcept { stop_ = true; }
  // Called on the signal thread for each SIGHUP.
  void on_reload(std::function<void()> fn);

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> quit_{false};
  std::function<void()> reload_;
  std::mutex mu_;
  std::thread thread_;
};

}  // namespace lt::services
