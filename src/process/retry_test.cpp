#include "process/retry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lt {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

RetryPolicy policy(int attempts, ms initial, ms max, ms elapsed) {
  RetryPolicy p;
  p.max_attempts = attempts;
  p.initial_backoff = initial;
  p.max_backoff = max;
  p.max_elapsed = elapsed;
  return p;
}

// A fake clock that the fake sleep advances: the test runs in no real time.
struct FakeTime {
  std::chrono::steady_clock::time_point now{};
  std::vector<ms> sleeps;
  SleepFn sleep() {
    return [this](ms d) {
      sleeps.push_back(d);
      now += d;
    };
  }
  ClockFn clock() {
    return [this] { return now; };
  }
};

// A call that always fails with `e`, counting its calls.
auto failing(int& calls, Error e) {
  return [&calls, e]() -> std::variant<int, Error> {
    ++calls;
    return e;
  };
}

TEST(Backoff, CeilingDoublesUpToTheCap) {
  Backoff b(policy(10, 100ms, 1000ms, 60s), 1);
  EXPECT_EQ(b.ceiling(1), 100ms);
  EXPECT_EQ(b.ceiling(2), 200ms);
  EXPECT_EQ(b.ceiling(3), 400ms);
  EXPECT_EQ(b.ceiling(4), 800ms);
  EXPECT_EQ(b.ceiling(5), 1000ms);
  EXPECT_EQ(b.ceiling(1000), 1000ms);  // no overflow for absurd attempt numbers
}

TEST(Backoff, FullJitterStaysInRangeAndIsDeterministicForASeed) {
  Backoff a(policy(10, 100ms, 1000ms, 60s), 42), b(policy(10, 100ms, 1000ms, 60s), 42);
  bool varied = false;
  ms first = a.next_delay(3);
  EXPECT_EQ(first, b.next_delay(3));
  for (int i = 0; i < 1000; ++i) {
    const int attempt = 1 + i % 6;
    const ms d = a.next_delay(attempt);
    EXPECT_EQ(d, b.next_delay(attempt));
    EXPECT_GE(d, 0ms);
    EXPECT_LE(d, a.ceiling(attempt));
    if (d != first) varied = true;
  }
  EXPECT_TRUE(varied) << "full jitter must spread delays, not repeat one value";
}

TEST(Backoff, ZeroBackoffNeverWaits) {
  Backoff b(policy(3, 0ms, 0ms, 1s), 7);
  EXPECT_EQ(b.next_delay(1), 0ms);
  EXPECT_EQ(b.next_delay(5), 0ms);
}

TEST(Retry, RetriesTransientErrorsUntilSuccess) {
  FakeTime t;
  Backoff b(policy(5, 10ms, 100ms, 10s), 3);
  int calls = 0;
  auto r = retry(
      [&]() -> std::variant<int, Error> {
        if (++calls < 3) return Error::transient("test.flaky", "try again");
        return 42;
      },
      b, t.sleep(), t.clock());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<int>(r.value), 42);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(t.sleeps.size(), 2u);
}

TEST(Retry, PermanentErrorIsNotRetried) {
  FakeTime t;
  Backoff b(policy(5, 10ms, 100ms, 10s), 3);
  int calls = 0;
  auto r = retry(failing(calls, Error::permanent("test.bad", "no")), b, t.sleep(), t.clock());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(std::get<Error>(r.value).code, "test.bad");
  EXPECT_TRUE(t.sleeps.empty());
}

TEST(Retry, FatalErrorIsNotRetried) {
  FakeTime t;
  Backoff b(policy(5, 10ms, 100ms, 10s), 3);
  int calls = 0;
  auto r = retry(failing(calls, Error::make_fatal("test.fatal", "stop")), b, t.sleep(), t.clock());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(std::get<Error>(r.value).fatal());
}

TEST(Retry, StopsAfterMaxAttempts) {
  FakeTime t;
  Backoff b(policy(4, 10ms, 100ms, 10s), 3);
  int calls = 0;
  auto r = retry(failing(calls, Error::transient("test.down", "down")), b, t.sleep(), t.clock());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(t.sleeps.size(), 3u);
  for (size_t i = 0; i < t.sleeps.size(); ++i) EXPECT_LE(t.sleeps[i], b.ceiling(static_cast<int>(i) + 1));
}

TEST(Retry, StopsWhenTheNextAttemptWouldExceedMaxElapsed) {
  FakeTime t;
  // Constant 1 s ceiling; the seeded jitter is bounded, so at most a handful fit in 2 s.
  Backoff b(policy(1000, 1000ms, 1000ms, 2000ms), 11);
  int calls = 0;
  auto r = retry(
      [&]() -> std::variant<int, Error> {
        ++calls;
        t.now += 100ms;  // each call itself takes time
        return Error::transient("test.down", "down");
      },
      b, t.sleep(), t.clock());
  EXPECT_FALSE(r.ok());
  EXPECT_LT(calls, 1000);
  EXPECT_LE(t.now - std::chrono::steady_clock::time_point{}, 2000ms + 100ms)
      << "no attempt may start after max_elapsed";
}

TEST(Retry, MaxAttemptsBelowOneStillCallsOnce) {
  FakeTime t;
  Backoff b(policy(0, 10ms, 100ms, 10s), 3);
  int calls = 0;
  auto r = retry(
      [&]() -> std::variant<std::string, Error> {
        ++calls;
        return Error::transient("x", "y");
      },
      b, t.sleep(), t.clock());
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace lt
