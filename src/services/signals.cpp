#include "services/signals.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace lt::services {

namespace {
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}
}  // namespace

SignalWatcher::SignalWatcher() {
  sigset_t set = handled_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a closed socket is an error value, not a death
  thread_ = std::thread([this, set] {
    pthread_setname_np(pthread_self(), "lt-signals");
    const timespec tick{0, 200'000'000};
    while (!quit_.load()) {
      const int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig < 0) continue;
      if (sig == SIGHUP) {
        spdlog::info("SIGHUP: reloading the configuration");
        std::function<void()> fn;
        {
          std::lock_guard lock(mu_);
          fn = reload_;
        }
        if (fn) fn();
        continue;
      }
      if (stop_.exchange(true)) {
        spdlog::warn("second stop signal: exiting now");
        std::_Exit(130);
      }
      spdlog::info("{}: stopping cleanly (send again to exit at once)", sig == SIGINT ? "SIGINT" : "SIGTERM");
    }
  });
}

SignalWatcher::~SignalWatcher() {
  quit_ = true;
  if (thread_.joinable()) thread_.join();
}

void SignalWatcher::on_reload(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  reload_ = std::move(fn);
}

}  // namespace lt::services
