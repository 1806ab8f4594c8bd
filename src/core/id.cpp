#include "core/id.h"

#include <array>
#include <random>

namespace lt {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The Crockford digit after each digit ('Z' wraps to '0', the carry).
constexpr std::array<char, 256> kNextDigit = [] {
  std::array<char, 256> next{};
  for (int i = 0; i < 32; ++i) next[static_cast<unsigned char>(kCrockford[i])] = kCrockford[(i + 1) % 32];
  return next;
}();

struct IdState {
  std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t last_ms = ~0ULL;  // no id yet (a real one has 48 bits)
  // The last id: the next one in the same millisecond is its increment.
  char text[26] = {};
};

}  // namespace

namespace detail {

void encode_ulid(std::uint64_t ms, std::uint64_t hi, std::uint64_t lo, char* out) noexcept {
  // 10 chars of time (50 bits, top 2 zero), 16 chars of randomness (80 bits).
  std::uint64_t t = ms;
  for (int i = 9; i >= 0; --i) {
    out[i] = kCrockford[t & 31];
    t >>= 5;
  }
  // 80 bits: hi(16) lo(64) -> 16 groups of 5 bits.
  for (int i = 25; i >= 10; --i) {
    out[i] = kCrockford[lo & 31];
    lo = (lo >> 5) | ((hi & 31) << 59);
    hi >>= 5;
  }
}

void increment_ulid_random(char* id) noexcept {
  // The 16 digits are the 80-bit number in base 32, so +1 with carry on the text
  // is +1 on the number, wrapping at 2^80 as the number does.
  for (int i = 25; i >= 10; --i) {
    id[i] = kNextDigit[static_cast<unsigned char>(id[i])];
    if (id[i] != '0') return;
  }
}

}  // namespace detail

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
    detail::increment_ulid_random(st.text);
  } else {
    st.last_ms = ms;
    const std::uint64_t hi = st.rng() & 0xFFFF;
    detail::encode_ulid(ms, hi, st.rng(), st.text);
  }
  out.clear();  // then append: cheaper than assign's general replace
  out.append(st.text, sizeof st.text);
}

std::string new_event_id() { return new_event_id(now_ns()); }

}  // namespace lt
