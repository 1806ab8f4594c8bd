#include "config/watcher.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace lt::config {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

ConfigWatcher::ConfigWatcher(std::string path, Callback on_change, Options options)
    : on_change_(std::move(on_change)), options_(std::move(options)) {
  std::filesystem::path full = std::filesystem::absolute(path);
  path_ = full.string();
  directory_ = full.parent_path().string();
  file_name_ = full.filename().string();
}

ConfigWatcher::~ConfigWatcher() { stop(); }

std::optional<Error> ConfigWatcher::start() {
  if (thread_.joinable()) return std::nullopt;
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) return Error::make_fatal("config.watch", std::string("inotify_init1: ") + std::strerror(errno));
  // Events on the directory, not the file: a rename-over replaces the inode a file watch would follow.
  constexpr std::uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_DELETE;
  if (inotify_add_watch(inotify_fd_, directory_.c_str(), mask) < 0) {
    int err = errno;
    ::close(inotify_fd_);
    inotify_fd_ = -1;
    return Error::make_fatal("config.watch", "cannot watch " + directory_ + ": " + std::strerror(err));
  }
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    ::close(inotify_fd_);
    inotify_fd_ = -1;
    return Error::make_fatal("config.watch", std::string("eventfd: ") + std::strerror(errno));
  }
  last_text_ = read_file(path_).value_or(std::string());
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  return std::nullopt;
}

void ConfigWatcher::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  trigger();
  thread_.join();
  ::close(inotify_fd_);
  ::close(wake_fd_);
  inotify_fd_ = wake_fd_ = -1;
}

void ConfigWatcher::trigger() noexcept {
  if (wake_fd_ < 0) return;
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
}

void ConfigWatcher::run() {
  pthread_setname_np(pthread_self(), "lt-config-watch");
  using Clock = std::chrono::steady_clock;
  bool pending = false;  // a file event is waiting for the debounce to pass
  Clock::time_point due{};
  alignas(inotify_event) char buffer[8192];
  while (!stopping_) {
    int timeout = -1;
    if (pending) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count();
      timeout = static_cast<int>(std::max<long long>(0, left));
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int ready = ::poll(fds, 2, timeout);
    if (ready < 0 && errno != EINTR) break;
    if (stopping_) break;
    if (ready > 0 && (fds[1].revents & POLLIN)) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto got = ::read(wake_fd_, &count, sizeof count);
      pending = false;
      reload(/*forced=*/true);
      continue;
    }
    if (ready > 0 && (fds[0].revents & POLLIN)) {
      ssize_t length;
      while ((length = ::read(inotify_fd_, buffer, sizeof buffer)) > 0) {
        for (char* p = buffer; p < buffer + length;) {
          auto* event = reinterpret_cast<inotify_event*>(p);
          // "..data" is how Kubernetes swaps a mounted ConfigMap (a symlink flip).
          if (event->len > 0 && (file_name_ == event->name || std::strcmp(event->name, "..data") == 0)) {
            pending = true;
            due = Clock::now() + options_.debounce;
          }
          p += sizeof(inotify_event) + event->len;
        }
      }
    }
    if (pending && Clock::now() >= due) {
      pending = false;
      reload(/*forced=*/false);
    }
  }
}

void ConfigWatcher::reload(bool forced) {
  auto text = read_file(path_);
  LoadResult result;
  if (!text) {
    // Deleted (or mid-replace past the debounce): keep running on the current config.
    result.diagnostics.push_back(
        Diagnostic{path_, 0, 0, Severity::Error, std::string("cannot open: ") + std::strerror(errno)});
  } else {
    if (!forced && *text == last_text_) return;  // touched, not changed
    last_text_ = *text;
    result = load_string(*text, path_, options_.load);
  }
  if (result.ok()) {
    reloads_ok_.fetch_add(1, std::memory_order_relaxed);
  } else {
    reloads_failed_.fetch_add(1, std::memory_order_relaxed);
  }
  if (on_change_) on_change_(result);
}

}  // namespace lt::config
