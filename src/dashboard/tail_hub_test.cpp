#include "dashboard/tail_hub.h"

#include <gtest/gtest.h>

#include <simdjson.h>

#include <thread>

namespace lt::dashboard {
namespace {

using namespace std::chrono_literals;

// A WebSocket whose reader can be made slow: frames stay "queued" until drained.
class FakeSocket final : public net::WebSocket {
 public:
  bool send(std::string text) override {
    std::lock_guard lock(mu);
    if (!open) return false;
    if (slow) {
      pending.push_back(std::move(text));
    } else {
      frames.push_back(std::move(text));
    }
    return true;
  }
  std::size_t queued() const override {
    std::lock_guard lock(mu);
    return pending.size();
  }
  void close() override {
    std::lock_guard lock(mu);
    open = false;
  }
  bool is_open() const override {
    std::lock_guard lock(mu);
    return open;
  }
  void drain() {
    std::lock_guard lock(mu);
    for (auto& p : pending) frames.push_back(std::move(p));
    pending.clear();
  }
  // Events received (ids) and skipped counts, from the frames.
  void tally(std::vector<std::string>& ids, std::uint64_t& skipped) {
    std::lock_guard lock(mu);
    simdjson::dom::parser parser;
    for (const auto& f : frames) {
      simdjson::dom::element doc = parser.parse(f);
      std::string_view type = doc["type"].get_string();
      if (type == "skipped") {
        skipped += doc["count"].get_uint64();
      } else if (type == "events") {
        for (auto e : doc["events"].get_array()) ids.emplace_back(std::string_view(e["id"].get_string()));
      }
    }
  }

  mutable std::mutex mu;
  bool open = true;
  bool slow = false;
  std::vector<std::string> frames;
  std::vector<std::string> pending;
};

EventPtr event(int i, Level level) {
  LogEvent e;
  e.id = "e" + std::to_string(i);
  e.timestamp = 1'764'000'000'000'000'000 + i;
  e.level = level;
  e.service = "api";
  e.message = "message " + std::to_string(i);
  return make_stored_event(std::move(e));
}

query::Query compile(std::string_view text) { return std::get<query::Query>(query::Query::compile(text)); }

TEST(TailHub, EachClientGetsOnlyItsMatchesInBatches) {
  TailHub hub({.client_queue = 1000});
  auto all = std::make_shared<FakeSocket>();
  auto errors = std::make_shared<FakeSocket>();
  ASSERT_TRUE(hub.add_client(all, compile("")));
  ASSERT_TRUE(hub.add_client(errors, compile("level:ERROR")));
  for (int i = 0; i < 10; ++i) hub.publish(event(i, i % 2 ? Level::Error : Level::Info));
  hub.flush();
  std::vector<std::string> a, e;
  std::uint64_t sa = 0, se = 0;
  all->tally(a, sa);
  errors->tally(e, se);
  EXPECT_EQ(a.size(), 10u);
  EXPECT_EQ(all->frames.size(), 1u);  // one batch, not one frame per event
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0], "e1");
  EXPECT_EQ(sa + se, 0u);
}

TEST(TailHub, SlowClientIsToldWhatItMissedAndFastClientIsUnaffected) {
  TailHub hub({.client_queue = 100, .max_frames_in_flight = 1});
  auto fast = std::make_shared<FakeSocket>();
  auto slow = std::make_shared<FakeSocket>();
  slow->slow = true;
  ASSERT_TRUE(hub.add_client(fast, compile("")));
  ASSERT_TRUE(hub.add_client(slow, compile("")));
  const int kRounds = 10, kPerRound = 50;
  int n = 0;
  for (int r = 0; r < kRounds; ++r) {
    for (int i = 0; i < kPerRound; ++i) hub.publish(event(n++, Level::Info));
    hub.flush();  // the slow client's first frame never drains: it stays "in flight"
  }
  std::vector<std::string> fast_ids;
  std::uint64_t fast_skipped = 0;
  fast->tally(fast_ids, fast_skipped);
  EXPECT_EQ(fast_ids.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(fast_skipped, 0u);

  slow->drain();
  slow->slow = false;
  hub.flush();
  std::vector<std::string> slow_ids;
  std::uint64_t slow_skipped = 0;
  slow->tally(slow_ids, slow_skipped);
  // Got the first batch, then the newest 100 held in its queue; told exactly how many fell in between.
  EXPECT_EQ(slow_ids.size(), static_cast<std::size_t>(kPerRound + 100));
  EXPECT_EQ(slow_skipped + slow_ids.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(slow_ids.back(), "e" + std::to_string(n - 1));
  EXPECT_EQ(hub.skipped_total(), slow_skipped);
}

TEST(TailHub, AReaderThatKeepsUpGetsMoreThanOneBatchPerCycleWithoutSkipping) {
  TailHub hub({.client_queue = 1000, .max_batch = 100, .max_frames_in_flight = 4});
  auto c = std::make_shared<FakeSocket>();
  ASSERT_TRUE(hub.add_client(c, compile("")));
  for (int i = 0; i < 350; ++i) hub.publish(event(i, Level::Info));
  hub.flush();
  std::vector<std::string> ids;
  std::uint64_t skipped = 0;
  c->tally(ids, skipped);
  EXPECT_EQ(ids.size(), 350u);
  EXPECT_EQ(c->frames.size(), 4u);  // 100 + 100 + 100 + 50
  EXPECT_EQ(skipped, 0u);
  EXPECT_EQ(ids.back(), "e349");
}

EventPtr big_event(int i, std::size_t message_bytes) {
  LogEvent e;
  e.id = "e" + std::to_string(i);
  e.timestamp = 1'764'000'000'000'000'000 + i;
  e.level = Level::Info;
  e.service = "api";
  e.message.assign(message_bytes, 'x');
  return make_stored_event(std::move(e));
}

TEST(TailHub, BatchesAreCappedInBytesAsWellAsInCount) {
  // 64 KiB lines: 2,000 of them would be a 128 MiB frame. Default options.
  TailHub hub({.client_queue = 1000, .max_frames_in_flight = 100});
  auto c = std::make_shared<FakeSocket>();
  ASSERT_TRUE(hub.add_client(c, compile("")));
  constexpr int kEvents = 100;
  for (int i = 0; i < kEvents; ++i) hub.publish(big_event(i, 64 << 10));
  hub.flush();
  std::vector<std::string> ids;
  std::uint64_t skipped = 0;
  c->tally(ids, skipped);
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kEvents));  // all of them, in order, none skipped
  EXPECT_EQ(ids.front(), "e0");
  EXPECT_EQ(ids.back(), "e" + std::to_string(kEvents - 1));
  EXPECT_EQ(skipped, 0u);
  EXPECT_GE(c->frames.size(), 7u);  // 100 × 64 KiB in frames of at most 1 MiB
  for (const auto& f : c->frames) EXPECT_LE(f.size(), std::size_t{1} << 20);
}

TEST(TailHub, AnEventLargerThanTheByteCapStillGoesAlone) {
  TailHub hub({.client_queue = 1000, .max_batch_bytes = 4096});
  auto c = std::make_shared<FakeSocket>();
  ASSERT_TRUE(hub.add_client(c, compile("")));
  hub.publish(big_event(0, 10'000));
  hub.publish(event(1, Level::Info));
  hub.publish(event(2, Level::Info));
  hub.flush();
  std::vector<std::string> ids;
  std::uint64_t skipped = 0;
  c->tally(ids, skipped);
  EXPECT_EQ(ids, (std::vector<std::string>{"e0", "e1", "e2"}));
  ASSERT_EQ(c->frames.size(), 2u);  // the big one alone, then the two small ones together
  EXPECT_GT(c->frames[0].size(), 10'000u);
}

TEST(TailHub, InboxOverflowIsCountedForEveryClientWhateverItsQuery) {
  // Events dropped before matching cannot be matched: each client is told it may
  // have missed them (docs/api.md says so).
  TailHub hub({.client_queue = 1000, .inbox_capacity = 10});
  auto errors = std::make_shared<FakeSocket>();
  ASSERT_TRUE(hub.add_client(errors, compile("level:ERROR")));
  for (int i = 0; i < 15; ++i) hub.publish(event(i, Level::Info));
  hub.flush();
  std::vector<std::string> ids;
  std::uint64_t skipped = 0;
  errors->tally(ids, skipped);
  EXPECT_TRUE(ids.empty());
  EXPECT_EQ(skipped, 5u);
}

TEST(TailHub, InFlightFramesLimitWhatOneCycleSends) {
  TailHub hub({.client_queue = 1000, .max_batch = 100, .max_frames_in_flight = 2});
  auto c = std::make_shared<FakeSocket>();
  c->slow = true;  // nothing it is sent is written yet
  ASSERT_TRUE(hub.add_client(c, compile("")));
  for (int i = 0; i < 500; ++i) hub.publish(event(i, Level::Info));
  hub.flush();
  EXPECT_EQ(c->queued(), 2u);  // the budget, not five frames
  hub.flush();
  EXPECT_EQ(c->queued(), 2u);  // nothing new while both are still in flight
  c->drain();
  c->slow = false;
  hub.flush();
  std::vector<std::string> ids;
  std::uint64_t skipped = 0;
  c->tally(ids, skipped);
  EXPECT_EQ(ids.size(), 400u);  // two frames drained, then two more: the rest waits for the next cycle
  EXPECT_EQ(skipped, 0u);
}

TEST(TailHub, ClosedClientsAreDroppedAndMaxClientsEnforced) {
  TailHub hub({.max_clients = 2});
  auto a = std::make_shared<FakeSocket>();
  auto b = std::make_shared<FakeSocket>();
  EXPECT_TRUE(hub.add_client(a, compile("")));
  EXPECT_TRUE(hub.add_client(b, compile("")));
  EXPECT_FALSE(hub.add_client(std::make_shared<FakeSocket>(), compile("")));
  a->close();
  hub.flush();
  EXPECT_EQ(hub.clients(), 1u);
}

TEST(TailHub, ThreadDeliversWithinAFewBatchIntervals) {
  TailHub hub({.batch_interval = 20ms});
  auto c = std::make_shared<FakeSocket>();
  ASSERT_TRUE(hub.add_client(c, compile("")));
  hub.start();
  hub.publish(event(1, Level::Warn));
  auto deadline = std::chrono::steady_clock::now() + 3s;
  std::vector<std::string> ids;
  while (std::chrono::steady_clock::now() < deadline) {
    ids.clear();
    std::uint64_t s = 0;
    c->tally(ids, s);
    if (!ids.empty()) break;
    std::this_thread::sleep_for(5ms);
  }
  hub.stop();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], "e1");
}

}  // namespace
}  // namespace lt::dashboard
