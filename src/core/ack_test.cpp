#include "core/ack.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

namespace lt {
namespace {

TEST(AckTracker, CommitsOnlyContiguousPrefix) {
  AckTracker t(16, 0);
  std::vector<std::uint64_t> seq;
  for (int i = 1; i <= 5; ++i) seq.push_back(*t.try_track(i * 10));
  t.ack(seq[1]);
  t.ack(seq[2]);
  EXPECT_EQ(t.committed(), 0);  // seq 0 still pending
  t.ack(seq[0]);
  EXPECT_EQ(t.committed(), 30);
  t.ack(seq[4]);
  EXPECT_EQ(t.committed(), 30);
  t.ack(seq[3]);
  EXPECT_EQ(t.committed(), 50);
  EXPECT_EQ(t.in_flight(), 0u);
}

TEST(AckTracker, StartsAtTheCheckpoint) {
  AckTracker t(4, 1000);
  EXPECT_EQ(t.committed(), 1000);
  auto s = t.try_track(1100);
  t.ack(*s);
  EXPECT_EQ(t.committed(), 1100);
}

TEST(AckTracker, CallsOnAdvanceOnlyWhenTheCommittedPositionMoves) {
  AckTracker t(8, 0);
  std::vector<std::int64_t> seen;  // committed() as the callback saw it
  t.on_advance([&] { seen.push_back(t.committed()); });
  auto a = *t.try_track(10), b = *t.try_track(20), c = *t.try_track(30);
  t.ack(b);  // behind a pending event: no move, no call
  EXPECT_TRUE(seen.empty());
  t.ack(a);
  t.ack(a);  // duplicate: ignored
  t.fail(c);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{20}));
}

TEST(AckTracker, WindowGivesBackpressure) {
  AckTracker t(3, 0);
  auto a = t.try_track(1);
  ASSERT_TRUE(t.try_track(2));
  ASSERT_TRUE(t.try_track(3));
  EXPECT_FALSE(t.try_track(4));
  t.ack(*a);
  EXPECT_TRUE(t.try_track(4));
}

TEST(AckTracker, FailureHoldsThePositionUntilReset) {
  AckTracker t(8, 0);
  auto a = t.try_track(10);
  auto b = t.try_track(20);
  auto c = t.try_track(30);
  t.ack(*a);
  t.fail(*b);
  t.ack(*c);
  EXPECT_TRUE(t.failed());
  EXPECT_EQ(t.committed(), 10);  // never skips past the failed event
  t.reset(t.committed());
  EXPECT_FALSE(t.failed());
  EXPECT_EQ(t.in_flight(), 0u);
  t.ack(*c);  // a stale ack from before the rewind is ignored
  EXPECT_EQ(t.committed(), 10);
  auto b2 = t.try_track(20);
  t.ack(*b2);
  EXPECT_EQ(t.committed(), 20);
}

TEST(AckTracker, DuplicateAndUnknownAcksAreHarmless) {
  AckTracker t(4, 0);
  auto a = t.try_track(5);
  t.ack(*a);
  t.ack(*a);
  t.ack(12345);
  t.fail(*a);
  EXPECT_EQ(t.committed(), 5);
  EXPECT_FALSE(t.failed());
}

TEST(AckTracker, ManyThreadsOutOfOrderMillionsOfEvents) {
  constexpr int kEvents = 2'000'000;
  constexpr int kAckers = 4;
  auto t = std::make_shared<AckTracker>(4096, 0);
  std::vector<std::vector<std::uint64_t>> work(kAckers);
  std::vector<std::thread> threads;
  std::atomic<bool> done{false};
  std::mutex mu;
  std::vector<std::uint64_t> pending;
  // One producer thread tracks; acker threads ack in shuffled batches.
  std::thread producer([&] {
    for (int i = 1; i <= kEvents;) {
      if (auto s = t->try_track(i)) {
        std::lock_guard lock(mu);
        pending.push_back(*s);
        ++i;
      } else {
        std::this_thread::yield();
      }
    }
    done = true;
  });
  for (int k = 0; k < kAckers; ++k) {
    threads.emplace_back([&, k] {
      std::mt19937 rng(k);
      std::vector<std::uint64_t> mine;
      while (true) {
        {
          std::lock_guard lock(mu);
          mine.swap(pending);
        }
        if (mine.empty()) {
          if (done && t->in_flight() == 0) return;
          std::this_thread::yield();
          continue;
        }
        std::shuffle(mine.begin(), mine.end(), rng);
        for (auto s : mine) t->ack(s);
        mine.clear();
      }
    });
  }
  producer.join();
  for (auto& th : threads) th.join();
  EXPECT_EQ(t->committed(), kEvents);
  EXPECT_EQ(t->in_flight(), 0u);
}

TEST(AckGroup, AcksParentAfterLastOutput) {
  auto t = std::make_shared<AckTracker>(4, 0);
  AckRef ref{t, *t->try_track(7)};
  auto g = AckGroup::create(ref, 2);
  g->ack();
  EXPECT_EQ(t->committed(), 0);
  g->add();
  g->ack();
  EXPECT_EQ(t->committed(), 0);
  g->ack();
  EXPECT_EQ(t->committed(), 7);
}

TEST(AckGroup, AnyFailedOutputFailsTheParent) {
  auto t = std::make_shared<AckTracker>(4, 0);
  AckRef ref{t, *t->try_track(7)};
  auto g = AckGroup::create(ref, 3);
  g->ack();
  g->fail();
  g->ack();
  EXPECT_TRUE(t->failed());
  EXPECT_EQ(t->committed(), 0);
}

TEST(AckBatch, WaitersLearnTheResultOnceEveryOutputReportedAndTheBatchIsSealed) {
  auto batch = AckBatch::create();
  std::vector<bool> results;
  batch->then([&](bool ok) { results.push_back(ok); });
  auto first = batch->add();
  auto second = batch->add();
  second(true);
  first(true);
  EXPECT_TRUE(results.empty()) << "not sealed: more outputs may come";
  batch->seal();
  ASSERT_EQ(results, std::vector<bool>{true});
  batch->then([&](bool ok) { results.push_back(ok); });  // late waiter: answered at once
  EXPECT_EQ(results, (std::vector<bool>{true, true}));
}

TEST(AckBatch, OneFailedOutputFailsTheBatchAndEveryLaterOne) {
  auto first = AckBatch::create();
  auto out = first->add();
  auto second = AckBatch::after(first);
  auto third = AckBatch::after(second);
  std::vector<std::pair<int, bool>> results;
  third->then([&](bool ok) { results.emplace_back(3, ok); });
  second->then([&](bool ok) { results.emplace_back(2, ok); });
  third->seal();
  second->seal();
  first->seal();
  EXPECT_TRUE(results.empty()) << "a later batch waits for the earlier one's output";
  out(false);
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector<std::pair<int, bool>>{{2, false}, {3, false}}));
}

}  // namespace
}  // namespace lt
