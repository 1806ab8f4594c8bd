// Helpers for integration tests that run the real `logtracer` binary against the
// local broker: temp dirs, child processes, topic readers and /proc probes.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/json_codec.h"
#include "core/log_event.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/testing.h"
#include "process_util.h"

namespace lt::it {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// TempDir and read_file come from process_util.h (shared with the consumer tests).
using lt::testing::read_file;
using lt::testing::TempDir;

// Writes `text` to `path` through a temp file renamed over it, as editors save.
inline void write_by_rename(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
  }
  std::filesystem::rename(tmp, path);
}

// A child process of LT_BINARY with stdout+stderr appended to `log_path` (a
// restart keeps the first run's log) and optionally a pipe as its stdin; unlike
// process_util.h's Child it allocates nothing between fork() and exec(), as the
// parent has librdkafka threads. Killed (SIGKILL) and reaped on destruction.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::string& log_path, bool stdin_pipe = false) {
    // Everything the child needs is prepared before fork(): other threads may
    // hold the malloc lock at that moment.
    int pipefd[2] = {-1, -1};
    if (stdin_pipe && ::pipe2(pipefd, O_CLOEXEC) != 0) return;
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    std::string binary = LT_BINARY;
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    argv.push_back(binary.data());
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(stdin_pipe ? pipefd[0] : null, 0);
      ::dup2(log, 1);
      ::dup2(log, 2);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(log);
    ::close(null);
    if (stdin_pipe) {
      ::close(pipefd[0]);
      stdin_ = pipefd[1];
    }
  }
  ~Child() {
    close_stdin();
    kill(SIGKILL);
    wait_exit(10s);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return stdin_; }
  void close_stdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }
  bool write_stdin(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(stdin_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  void kill(int sig) {
    if (pid_ > 0 && !status_) ::kill(pid_, sig);
  }
  // Still running (reaps it if it exited).
  bool alive() {
    if (pid_ <= 0 || status_) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      status_ = st;
      return false;
    }
    return true;
  }
  // Waits up to `timeout` for the exit; its raw wait status, or nullopt.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    kafka::testing::wait_until([&] { return !alive(); }, timeout, 20ms);
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  std::optional<int> status_;
};

// SIGTERM, then the process must exit 0 within `timeout`; its log (from `log_path`)
// is in the failure message.
inline void expect_clean_stop(Child& child, const std::string& log_path, std::chrono::milliseconds timeout = 30s) {
  child.kill(SIGTERM);
  const auto status = child.wait_exit(timeout);
  ASSERT_TRUE(status.has_value()) << "still running " << timeout.count() << " ms after SIGTERM\n"
                                  << read_file(log_path).substr(0, 4000);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "status " << *status << "\n" << read_file(log_path).substr(0, 4000);
}

// VmRSS of `pid` in KiB (0 when unreadable).
inline std::int64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

// `text` as a literal inside a std::regex.
inline std::string regex_escape(const std::string& text) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(text, special, R"(\$&)");
}

// Port of the admin listener, from the "admin: http://127.0.0.1:PORT/metrics" log line (0 if not yet).
inline int admin_port(const std::string& log_path) {
  static const std::regex line(R"(admin: http://127\.0\.0\.1:([0-9]+)/metrics)");
  std::smatch m;
  const std::string text = read_file(log_path);
  return std::regex_search(text, m, line) ? std::stoi(m[1]) : 0;
}

// A loopback port nobody listens on right now (bound to 0, then released).
// The dashboard port `logtracer run` prints ("logtracer is running: open
// http://127.0.0.1:PORT") into its log; 0 until printed.
inline int run_dashboard_port(const std::string& log_path) {
  static const std::regex line(R"(logtracer is running: open http://127\.0\.0\.1:([0-9]+))");
  std::smatch m;
  const std::string text = read_file(log_path);
  return std::regex_search(text, m, line) ? std::stoi(m[1]) : 0;
}

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

// GET http://127.0.0.1:port/path with a 3 s timeout; the whole response ("" on failure).
// `headers`: extra request header lines, each ending in "\r\n".
inline std::string http_get(int port, const std::string& path, const std::string& headers = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "Connection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

// A producer test's files in a temp dir: an empty app.log to tail, the
// checkpoint dir, the config and the producer's output.
struct ProducerFiles {
  ProducerFiles() { std::ofstream touch(app_log); }
  TempDir dir;
  std::string app_log = dir.file("app.log");
  std::string checkpoints = dir.file("checkpoints");
  std::string config = dir.file("producer.yaml");
  std::string log = dir.file("produce.log");
};

// A topic created for one test and deleted afterwards.
class TestTopic {
 public:
  explicit TestTopic(const std::string& prefix, int partitions = 1)
      : name_(kafka::testing::unique_name(prefix)) {
    auto admin = kafka::Admin::create(kafka::testing::local_config("it-admin"));
    if (!admin) {
      error_ = admin.error().message;
      return;
    }
    admin_ = std::move(admin).value();
    if (auto st = admin_->create_topic(name_, partitions)) error_ = st->message;
  }
  ~TestTopic() {
    if (admin_ && error_.empty()) (void)admin_->delete_topic(name_);
  }
  const std::string& name() const { return name_; }
  // "" when the topic exists.
  const std::string& error() const { return error_; }

 private:
  std::string name_;
  std::string error_;
  std::unique_ptr<kafka::Admin> admin_;
};

// Reads a topic from the beginning and counts each decoded event's message.
// Destroy it before the TestTopic (see kafka::Consumer's class comment).
class TopicReader {
 public:
  explicit TopicReader(const std::string& topic) {
    kafka::ConsumerOptions options;
    options.group_id = kafka::testing::unique_name("it.reader");
    auto consumer = kafka::Consumer::create(kafka::testing::local_config("it-reader"), options);
    if (!consumer) {
      error_ = consumer.error().message;
      return;
    }
    consumer_ = std::move(consumer).value();
    if (auto st = consumer_->subscribe({topic})) error_ = st->message;
  }
  const std::string& error() const { return error_; }

  // Reads for up to `timeout`, stopping early once `done()` holds.
  template <class Done>
  bool read_until(Done done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      poll_once(100ms);
    }
    return true;
  }
  // Reads whatever arrives during `duration` (to catch late duplicates).
  void read_for(std::chrono::milliseconds duration) {
    const auto deadline = Clock::now() + duration;
    while (Clock::now() < deadline) poll_once(100ms);
  }

  const std::map<std::string, int>& messages() const { return messages_; }
  std::size_t total() const { return total_; }
  std::size_t count_service(const std::string& service) const {
    auto it = services_.find(service);
    return it == services_.end() ? 0 : it->second;
  }
  std::size_t distinct_ids(const std::string& service) const {
    auto it = ids_.find(service);
    return it == ids_.end() ? 0 : it->second.size();
  }
  int decode_errors() const { return decode_errors_; }
  // Records delivered again by the consumer (not counted above).
  std::size_t rereads() const { return reread_; }

 private:
  void poll_once(std::chrono::milliseconds timeout) {
    if (!consumer_) return;
    kafka::Message m = consumer_->poll(timeout);
    if (!m || m.error()) return;
    // A rebalance (e.g. after a broker restart) can deliver records again: a
    // duplicate in the topic is another offset, a re-read is the same one.
    if (!offsets_[m.partition()].insert(m.offset()).second) {
      ++reread_;
      return;
    }
    if (decoder_.decode(m.payload(), event_)) {
      ++decode_errors_;
      return;
    }
    ++total_;
    ++messages_[event_.message];
    ++services_[event_.service];
    ids_[event_.service][event_.id]++;
  }

  std::unique_ptr<kafka::Consumer> consumer_;
  std::string error_;
  EventDecoder decoder_;
  LogEvent event_;
  std::map<std::string, int> messages_;
  std::map<std::string, std::size_t> services_;
  std::map<std::string, std::map<std::string, int>> ids_;
  std::map<std::int32_t, std::set<std::int64_t>> offsets_;
  std::size_t total_ = 0;
  std::size_t reread_ = 0;
  int decode_errors_ = 0;
};

// Lines "<tag> seq=000042 ..." carry a unique sequence number.
inline std::string seq_line(const std::string& tag, int seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08d", seq);
  return tag + " seq=" + buf + " user=u" + std::to_string(seq % 97) + " some payload text";
}

// Appends seq_line(tag, 0), (tag, 1)... to `path` from a thread, `batch` lines
// then a `pause` (pacing, not synchronisation), until stop() or destruction.
class LineWriter {
 public:
  LineWriter(const std::string& path, std::string tag, int batch, std::chrono::milliseconds pause)
      : thread_([this, path, tag = std::move(tag), batch, pause] {
          std::FILE* f = std::fopen(path.c_str(), "a");
          for (int i = 0; f && !stop_.load();) {
            for (const int end = i + batch; i < end; ++i) std::fprintf(f, "%s\n", seq_line(tag, i).c_str());
            std::fflush(f);
            written_.store(i);
            std::this_thread::sleep_for(pause);
          }
          if (f) std::fclose(f);
        }) {}
  ~LineWriter() { stop(); }
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;
  // Lines completely written and flushed; final once stop() returned.
  int written() const { return written_.load(); }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> written_{0};
  std::thread thread_;
};

struct Tally {
  int missing = 0;
  int duplicates = 0;  // extra copies in total
  int first_duplicate = -1;
  int last_duplicate = -1;
  int distinct_duplicated = 0;
};

// How lines [0, n) of `tag` appear among `messages`.
inline Tally tally(const std::map<std::string, int>& messages, const std::string& tag, int n) {
  Tally t;
  for (int i = 0; i < n; ++i) {
    auto it = messages.find(seq_line(tag, i));
    if (it == messages.end()) {
      ++t.missing;
      continue;
    }
    if (it->second > 1) {
      t.duplicates += it->second - 1;
      ++t.distinct_duplicated;
      if (t.first_duplicate < 0) t.first_duplicate = i;
      t.last_duplicate = i;
    }
  }
  return t;
}

// A file source item for producer_config(): `path` read from its beginning.
inline std::string file_source(const std::string& name, const std::string& path, const std::string& extra = "") {
  return "    - name: " + name + "\n      type: file\n      paths: [" + path +
         "]\n      start_at: beginning\n      poll_interval: 50ms\n" + extra;
}

// Minimal config: the local broker, `topic` as the raw topic, no admin listener
// unless `admin` is given; `sources` is the YAML list body (indented 4).
inline std::string producer_config(const std::string& topic, const std::string& checkpoint_dir,
                                   const std::string& sources, const std::string& extra = "",
                                   const std::string& admin = "\"\"") {
  return "kafka:\n"
         "  brokers: " +
         kafka::testing::brokers() +
         "\n"
         "  topics:\n"
         "    raw: " +
         topic +
         "\n"
         "producer:\n"
         "  checkpoint_dir: " +
         checkpoint_dir +
         "\n"
         "  admin:\n"
         "    listen: " +
         admin + "\n" + extra + "  sources:\n" + sources;
}

}  // namespace lt::it
