#include "process/retry.h"

namespace lt {

std::chrono::milliseconds Backoff::ceiling(int attempt) const {
  using ms = std::chrono::milliseconds;
  if (attempt < 1) attempt = 1;
  const auto cap = std::max<std::int64_t>(0, policy_.max_backoff.count());
  std::int64_t d = std::max<std::int64_t>(0, policy_.initial_backoff.count());
  // Doubling stops at the cap, so large attempt numbers cannot overflow.
  for (int i = 1; i < attempt && d < cap; ++i) d *= 2;
  return ms(std::min(d, cap));
}

std::chrono::milliseconds Backoff::next_delay(int attempt) {
  const auto hi = ceiling(attempt).count();
  if (hi <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::int64_t> dist(0, hi);
  return std::chrono::milliseconds(dist(rng_));
}

}  // namespace lt
