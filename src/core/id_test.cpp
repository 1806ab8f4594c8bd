#include "core/id.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace lt {
namespace {

std::string encode(std::uint64_t ms, std::uint64_t hi, std::uint64_t lo) {
  std::string s(26, '?');
  detail::encode_ulid(ms, hi, lo, s.data());
  return s;
}

// The in-place increment of the text must equal encoding the incremented number,
// carries and the wrap at 2^80 included.
TEST(EventId, IncrementingTheTextIsIncrementingTheNumber) {
  std::mt19937_64 rng(7);
  struct Case {
    std::uint64_t hi, lo;
  };
  std::vector<Case> cases = {{0, 0},        {0, 30},         {0, 31},          {0, 1023},
                             {0, ~0ULL},    {0x1234, ~0ULL}, {0xFFFF, ~0ULL},  {0xFFFF, ~0ULL - 1},
                             {0xFFFF, 0},   {1, ~0ULL >> 1}};
  for (int i = 0; i < 1000; ++i) cases.push_back({rng() & 0xFFFF, rng()});
  for (const auto& c : cases) {
    std::string id = encode(1'764'284'931'000, c.hi, c.lo);
    detail::increment_ulid_random(id.data());
    const std::uint64_t lo = c.lo + 1;
    const std::uint64_t hi = lo == 0 ? (c.hi + 1) & 0xFFFF : c.hi;
    EXPECT_EQ(id, encode(1'764'284'931'000, hi, lo)) << c.hi << " " << c.lo;
  }
  EXPECT_EQ(encode(0, 0xFFFF, ~0ULL), "0000000000ZZZZZZZZZZZZZZZZ");
  std::string wrap = encode(0, 0xFFFF, ~0ULL);
  detail::increment_ulid_random(wrap.data());
  EXPECT_EQ(wrap, "00000000000000000000000000");
}

TEST(EventId, SameMillisecondCountsUpNewMillisecondStartsFresh) {
  const TimestampNs t = 1'764'284'931'000'000'000;
  std::string a, b, c;
  assign_event_id(t - 5'000'000, a);  // another millisecond first, whatever ran before on this thread
  assign_event_id(t, a);
  assign_event_id(t + 999'999, b);  // the same millisecond
  assign_event_id(t + 1'000'000, c);
  ASSERT_EQ(a.size(), 26u);
  EXPECT_EQ(a.substr(0, 10), b.substr(0, 10));
  std::string next = a;
  detail::increment_ulid_random(next.data());
  EXPECT_EQ(b, next);
  EXPECT_NE(c.substr(0, 10), a.substr(0, 10));
  EXPECT_GT(c, b);
  EXPECT_EQ(a.substr(0, 10), encode(t / 1'000'000, 0, 0).substr(0, 10));
  // A reused string keeps its capacity and gets exactly the id.
  std::string reused(100, 'x');
  assign_event_id(t + 1'000'000, reused);
  ASSERT_EQ(reused.size(), 26u);
  next = c;
  detail::increment_ulid_random(next.data());
  EXPECT_EQ(reused, next);
}

}  // namespace
}  // namespace lt
