// Test doubles for source tests: an in-memory sink that acknowledges at once,
// holds acks until told, fails on demand or refuses (backpressure), a parser,
// and a fixture with a fresh temporary directory.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/pipeline.h"
#include "parsers/parser.h"

namespace lt::sources::testing {

// A test with its own directory under /tmp (`dir_`), removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lt_sources_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

class TestSink final : public EventSink {
 public:
  enum class Mode { AckNow, Hold, Refuse };

  // `batches`: takes EventBatches (one held ack per batch), as the Kafka sink does.
  explicit TestSink(Mode mode = Mode::AckNow, bool batches = false) : mode_(mode), batches_(batches) {}

  bool accepts_batches() const override { return batches_; }
  bool send_batch(EventBatch& batch, std::chrono::milliseconds wait) override {
    std::unique_lock lock(mu_);
    if (!batches_ || !cv_.wait_for(lock, wait, [&] { return mode_ != Mode::Refuse; })) {
      ++refused_;
      return false;
    }
    for (std::size_t i = 0; i < batch.size; ++i) events_.push_back(batch.events[i]);
    batch.size = 0;
    AckRef ack = std::exchange(batch.ack, AckRef{});
    ++batches_taken_;
    if (mode_ == Mode::Hold) {
      held_.push_back(std::move(ack));
      cv_.notify_all();
      return true;
    }
    cv_.notify_all();
    lock.unlock();
    ack.ack();
    return true;
  }
  std::size_t batches_taken() const {
    std::lock_guard lock(mu_);
    return batches_taken_;
  }

  bool send(Envelope& env, std::chrono::milliseconds wait) override {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait, [&] { return mode_ != Mode::Refuse; })) {
      ++refused_;
      return false;
    }
    events_.push_back(std::move(env.event));
    AckRef ack = std::move(env.ack);
    if (mode_ == Mode::Hold) {
      held_.push_back(std::move(ack));
      cv_.notify_all();
      return true;
    }
    cv_.notify_all();
    lock.unlock();
    ack.ack();
    return true;
  }

  void set_mode(Mode m) {
    std::lock_guard lock(mu_);
    mode_ = m;
    cv_.notify_all();
  }
  // Acknowledges every held event (oldest first).
  void ack_held() {
    auto held = take_held();
    for (auto& a : held) a.ack();
  }
  // Acknowledges the oldest `n` held events, keeps the rest held.
  void ack_first(std::size_t n) {
    std::vector<AckRef> first;
    {
      std::lock_guard lock(mu_);
      while (n-- > 0 && !held_.empty()) {
        first.push_back(std::move(held_.front()));
        held_.pop_front();
      }
    }
    for (auto& a : first) a.ack();
  }
  // Fails the oldest held event and acknowledges the rest.
  void fail_first_held() {
    auto held = take_held();
    for (std::size_t i = 0; i < held.size(); ++i) i == 0 ? held[i].fail() : held[i].ack();
  }
  std::size_t held() const {
    std::lock_guard lock(mu_);
    return held_.size();
  }
  std::size_t refused() const {
    std::lock_guard lock(mu_);
    return refused_;
  }
  std::size_t count() const {
    std::lock_guard lock(mu_);
    return events_.size();
  }
  std::vector<LogEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<std::string> messages() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : events_) out.push_back(e.message);
    return out;
  }
  void clear() {
    std::lock_guard lock(mu_);
    events_.clear();
  }
  // Waits (bounded) until at least `n` events arrived.
  bool wait_count(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }

 private:
  std::vector<AckRef> take_held() {
    std::lock_guard lock(mu_);
    std::vector<AckRef> out(held_.begin(), held_.end());
    held_.clear();
    return out;
  }
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  Mode mode_;
  bool batches_ = false;
  std::size_t batches_taken_ = 0;
  std::vector<LogEvent> events_;
  std::deque<AckRef> held_;
  std::size_t refused_ = 0;
};

// Keeps the line as the message; lines starting with "!" count as a format mismatch.
class MessageParser final : public parsers::LineParser {
 public:
  parsers::ParseStatus parse(std::string_view line, LogEvent& out) override {
    out.message.assign(line);
    return !line.empty() && line[0] == '!' ? parsers::ParseStatus::Partial : parsers::ParseStatus::Ok;
  }
};

inline std::unique_ptr<parsers::LineParser> message_parser() { return std::make_unique<MessageParser>(); }

// A source name not used before in this process: metrics are global, and
// --gtest_repeat must not see the previous run's counts.
inline std::string unique_name(const std::string& base) {
  static std::atomic<int> n{0};
  return base + "_" + std::to_string(n.fetch_add(1));
}

// Polls `cond` until true or the timeout passes.
template <typename Cond>
bool eventually(Cond&& cond, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return cond();
}

}  // namespace lt::sources::testing
