#include "core/time.h"

#include <gtest/gtest.h>

#include "core/id.h"
#include "core/level.h"
#include "core/utf8.h"

namespace lt {
namespace {

TEST(Time, ParsesRfc3339Variants) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:01.5Z"), 1'500'000'000);
  EXPECT_EQ(parse_rfc3339("1970-01-01 01:00:00+01:00"), 0);
  EXPECT_EQ(parse_rfc3339("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_EQ(parse_rfc3339("2026-11-27T23:08:51.123456789123Z"), *parse_rfc3339("2026-11-27T23:08:51.123456789Z"));
  EXPECT_EQ(parse_rfc3339("2000-02-29T12:00:00+0000"), 951'825'600LL * 1'000'000'000);
}

TEST(Time, RejectsGarbage) {
  for (const char* s : {"", "2026", "2026-13-01T00:00:00Z", "2026-11-27T25:00:00Z", "2026-11-27T10:00:00",
                        "2026-11-27T10:00:00.Z", "2026-11-27T10:00:00Zjunk", "yesterday", "2026-11-27T10:00:00+99:00",
                        "4052-11-27T23:08:51Z", "1500-01-01T00:00:00Z"})
    EXPECT_FALSE(parse_rfc3339(s).has_value()) << s;
}

TEST(Time, FormatRoundTrips) {
  for (TimestampNs ts : {0LL, 1'764'284'931'123'456'789LL, 951'825'600'000'000'001LL, -1'000'000'000LL}) {
    EXPECT_EQ(parse_rfc3339(format_rfc3339(ts)), ts);
  }
  EXPECT_EQ(format_rfc3339(1'764'284'931'123'456'789), "2025-11-27T23:08:51.123456789Z");
}

TEST(Time, CompactFormKeepsTheDigitsTheTimeNeeds) {
  const std::pair<TimestampNs, const char*> cases[] = {
      {1'764'284'931'000'000'000, "2025-11-27T23:08:51.000Z"},
      {1'764'284'931'123'000'000, "2025-11-27T23:08:51.123Z"},
      {1'764'284'931'123'400'000, "2025-11-27T23:08:51.123400Z"},
      {1'764'284'931'000'001'000, "2025-11-27T23:08:51.000001Z"},
      {1'764'284'931'123'456'789, "2025-11-27T23:08:51.123456789Z"},
      {1'764'284'931'000'000'001, "2025-11-27T23:08:51.000000001Z"},
      {-1, "1969-12-31T23:59:59.999999999Z"},
      {-1'000'000, "1969-12-31T23:59:59.999Z"},
      {0, "1970-01-01T00:00:00.000Z"},
  };
  for (const auto& [ts, want] : cases) {
    char buf[30];
    const std::string got(buf, format_rfc3339_compact(ts, buf));
    EXPECT_EQ(got, want) << ts;
    EXPECT_EQ(got.size(), rfc3339_compact_size(ts));
    EXPECT_EQ(parse_rfc3339(got), ts) << got;
  }
}

TEST(Time, FormatIsRightAcrossSecondsWhateverCameBefore) {
  // The seconds part is remembered per thread: each call must still stand alone,
  // including the second before the epoch and going back to an earlier second.
  const std::pair<TimestampNs, const char*> cases[] = {
      {-1, "1969-12-31T23:59:59.999999999Z"},
      {0, "1970-01-01T00:00:00.000000000Z"},
      {999'999'999, "1970-01-01T00:00:00.999999999Z"},
      {1'000'000'000, "1970-01-01T00:00:01.000000000Z"},
      {-1'000'000'000, "1969-12-31T23:59:59.000000000Z"},
      {-1, "1969-12-31T23:59:59.999999999Z"},
      {1'764'284'931'123'456'789, "2025-11-27T23:08:51.123456789Z"},
      {1'764'284'931'000'000'000, "2025-11-27T23:08:51.000000000Z"},
      {1'764'284'932'000'000'001, "2025-11-27T23:08:52.000000001Z"},
      {1'764'284'931'500'000'000, "2025-11-27T23:08:51.500000000Z"},
  };
  for (int round = 0; round < 2; ++round)
    for (const auto& [ts, want] : cases) EXPECT_EQ(format_rfc3339(ts), want) << ts;
}

TEST(Time, EpochNumbersOutOfRangeAreZeroNotUndefined) {
  EXPECT_EQ(from_epoch_number(5e10), 0);  // seconds, but past 2262
  EXPECT_EQ(from_epoch_number(1e30), 0);
  EXPECT_EQ(from_epoch_number(-1e30), 0);
  EXPECT_EQ(from_epoch_number(1.5), 1'500'000'000);
}

TEST(Level, NamesAliasesAndOrder) {
  EXPECT_LT(Level::Trace, Level::Fatal);
  EXPECT_EQ(parse_level("warning"), Level::Warn);
  EXPECT_EQ(parse_level("ERR"), Level::Error);
  EXPECT_EQ(parse_canonical_level("warn"), Level::Warn);
  EXPECT_FALSE(parse_canonical_level("warning"));
  EXPECT_FALSE(parse_level("WRN2"));
  EXPECT_EQ(level_from_syslog_severity(0), Level::Fatal);
  EXPECT_EQ(level_from_syslog_severity(4), Level::Warn);
  EXPECT_EQ(level_from_syslog_severity(7), Level::Debug);
  for (int i = 0; i < kLevelCount; ++i) EXPECT_EQ(parse_level(to_string(static_cast<Level>(i))), static_cast<Level>(i));
}

TEST(Level, CaseInsensitiveForAsciiOnly) {
  EXPECT_EQ(parse_level("iNfO"), Level::Info);
  EXPECT_EQ(parse_canonical_level("fAtAl"), Level::Fatal);
  EXPECT_EQ(parse_level("Warning"), Level::Warn);
  // Bytes that differ from a letter only in bit 5 are not that letter.
  EXPECT_FALSE(parse_level("INF\x0f"));  // 'O' is 0x4f
  EXPECT_FALSE(parse_level("\x09NFO"));  // 'I' is 0x49, 0x09 | 0x20 is ')'
  EXPECT_FALSE(parse_level("INFO\xff"));
  EXPECT_FALSE(parse_level("\xc4\xb0NFO"));  // U+0130, a capital I with a dot
  EXPECT_FALSE(parse_level("INF@"));  // '@' | 0x20 is '`', neither is 'o'
  EXPECT_FALSE(parse_level("[NFO"));
  EXPECT_FALSE(parse_level(""));
}

TEST(EventId, UniqueSortableUlid) {
  std::string prev;
  for (int i = 0; i < 10000; ++i) {
    auto id = new_event_id(1'764'284'931'000'000'000 + (i / 100) * 1'000'000);
    ASSERT_EQ(id.size(), 26u);
    ASSERT_GT(id, prev);
    prev = id;
  }
}

TEST(Utf8, SanitizeAndTruncate) {
  std::string out;
  append_sanitized_utf8(std::string_view("a\xffz\xe2\x82", 5), out);
  EXPECT_EQ(out, "a\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(out));
  const std::string euro = "ab\xe2\x82\xac";
  EXPECT_EQ(truncate_utf8(euro, 4), "ab");
  EXPECT_EQ(truncate_utf8(euro, 5), euro);
}

}  // namespace
}  // namespace lt
