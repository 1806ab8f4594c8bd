// Bounded retries for transient failures: exponential backoff with full jitter
// (AWS architecture blog), capped in attempts and in total time. Only errors
// classified ErrorClass::Transient are retried; a permanent error returns at once.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.h"

namespace lt {

struct RetryPolicy {
  int max_attempts = 5;                                // first call included; 1 = no retry
  std::chrono::milliseconds initial_backoff{50};       // cap of the first delay
  std::chrono::milliseconds max_backoff{5000};         // cap of any delay
  std::chrono::milliseconds max_elapsed{30000};        // no new attempt starts after this much time
};

// Draws the delays of one retry sequence. Not thread-safe: one per sequence or per worker.
class Backoff {
 public:
  explicit Backoff(RetryPolicy policy, std::uint64_t seed = std::random_device{}())
      : policy_(policy), rng_(seed) {}

  // Delay before attempt `attempt + 1`, after `attempt` (>= 1) failed attempts:
  // uniform in [0, min(max_backoff, initial_backoff * 2^(attempt-1))].
  std::chrono::milliseconds next_delay(int attempt);
  // The upper bound of next_delay(attempt), without jitter.
  std::chrono::milliseconds ceiling(int attempt) const;

  const RetryPolicy& policy() const noexcept { return policy_; }

 private:
  RetryPolicy policy_;
  std::mt19937_64 rng_;
};

// The outcome of retry(): the last result, and how many attempts it took.
template <typename T>
struct RetryResult {
  std::variant<T, Error> value;
  int attempts = 0;
  bool ok() const noexcept { return value.index() == 0; }
};

using SleepFn = std::function<void(std::chrono::milliseconds)>;
using ClockFn = std::function<std::chrono::steady_clock::time_point()>;

// Calls `fn` (returning std::variant<T, Error>) until it succeeds, fails with a
// non-transient error, runs out of attempts, or the next attempt would start
// after max_elapsed. `sleep` and `clock` are injectable so tests need not wait.
template <typename Fn>
auto retry(Fn&& fn, Backoff& backoff,
           const SleepFn& sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); },
           const ClockFn& clock = [] { return std::chrono::steady_clock::now(); })
    -> RetryResult<std::variant_alternative_t<0, std::invoke_result_t<Fn&>>> {
  using T = std::variant_alternative_t<0, std::invoke_result_t<Fn&>>;
  const auto& policy = backoff.policy();
  const auto start = clock();
  RetryResult<T> result;
  for (int attempt = 1;; ++attempt) {
    result.value = fn();
    result.attempts = attempt;
    if (result.ok()) return result;
    const Error& err = std::get<Error>(result.value);
    if (!err.retriable() || attempt >= std::max(1, policy.max_attempts)) return result;
    const auto delay = backoff.next_delay(attempt);
    if (clock() - start + delay > policy.max_elapsed) return result;
    sleep(delay);
  }
}

}  // namespace lt
