#include "core/id.h"

#include <random>

namespace lt {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct IdState {
  std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t last_ms = 0;
  std::uint64_t hi = 0;  // 16 random bits
  std::uint64_t lo = 0;  // 64 random bits
};

}  // namespace

std::string new_event_id(TimestampNs now) {
  std::string out;
  assign_event_id(now, out);
  return out;
}

void assign_event_id(TimestampNs now, std::string& out) {
  thread_local IdState st;
  const std::uint64_t ms = static_cast<std::uint64_t>(now / 1'000'000) & ((1ULL << 48) - 1);
  if (ms == st.last_ms) {
    // Same millisecond: increment the random part so ids stay ordered.
    if (++st.lo == 0) st.hi = (st.hi + 1) & 0xFFFF;
  } else {
    st.last_ms = ms;
    st.hi = st.rng() & 0xFFFF;
    st.lo = st.rng();
  }
  out.resize(26);
  // 10 chars of time (50 bits, top 2 zero), 16 chars of randomness (80 bits).
  std::uint64_t t = ms;
  for (int i = 9; i >= 0; --i) {
    out[i] = kCrockford[t & 31];
    t >>= 5;
  }
  // 80 bits: hi(16) lo(64) -> 16 groups of 5 bits.
  std::uint64_t lo = st.lo, hi = st.hi;
  for (int i = 25; i >= 10; --i) {
    out[i] = kCrockford[lo & 31];
    lo = (lo >> 5) | ((hi & 31) << 59);
    hi >>= 5;
  }
}

std::string new_event_id() { return new_event_id(now_ns()); }

}  // namespace lt
