// Live reload: watches the config file's directory (editors that save by rename included) and
// SIGHUP (via trigger()), and hands each validated new config — or its diagnostics — to a callback.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "config/load.h"
#include "core/error.h"

namespace lt::config {

class ConfigWatcher {
 public:
  // Called on the watcher's own thread ("lt-config-watch"). result.ok(): a valid new config to
  // apply; otherwise result.diagnostics say why it was rejected and the running config stays.
  using Callback = std::function<void(const LoadResult& result)>;

  struct Options {
    std::chrono::milliseconds debounce{200};  // editors write in several steps; wait for quiet
    LoadOptions load;
  };

  ConfigWatcher(std::string path, Callback on_change, Options options);
  ConfigWatcher(std::string path, Callback on_change) : ConfigWatcher(std::move(path), std::move(on_change), Options{}) {}
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Starts watching. The file's current content counts as already loaded: only changes call back.
  std::optional<Error> start();
  void stop();

  // Reload now, even if the content did not change. Async-signal-safe (one write to an eventfd),
  // so a SIGHUP handler may call it directly.
  void trigger() noexcept;

  std::uint64_t reloads_ok() const { return reloads_ok_.load(std::memory_order_relaxed); }
  std::uint64_t reloads_failed() const { return reloads_failed_.load(std::memory_order_relaxed); }
  const std::string& path() const { return path_; }

 private:
  void run();
  void reload(bool forced);

  std::string path_;
  std::string directory_;
  std::string file_name_;
  Callback on_change_;
  Options options_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::string last_text_;  // content of the last reload attempt, to ignore no-op events
  std::atomic<std::uint64_t> reloads_ok_{0};
  std::atomic<std::uint64_t> reloads_failed_{0};
};

}  // namespace lt::config
