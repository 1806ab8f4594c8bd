#include "parsers/timestamps.h"

#include <gtest/gtest.h>

namespace lt::parsers {
namespace {

std::string any(std::string_view text) {
  auto ts = parse_any_timestamp(text, *parse_rfc3339("2026-11-27T00:00:00Z"));
  return ts ? format_rfc3339(*ts) : "<none>";
}

TEST(Timestamps, EveryShapeParsesToUtc) {
  EXPECT_EQ(any("2026-11-27T23:08:51.5+01:00"), "2026-11-27T22:08:51.500000000Z");
  EXPECT_EQ(any("2015-07-29 17:41:44,747"), "2015-07-29T17:41:44.747000000Z");
  EXPECT_EQ(any("2011/05/26 18:19:54"), "2011-05-26T18:19:54.000000000Z");
  EXPECT_EQ(any("10/Oct/2000:13:55:36 -0700"), "2000-10-10T20:55:36.000000000Z");
  EXPECT_EQ(any("Sun Dec 04 04:47:44 2005"), "2005-12-04T04:47:44.000000000Z");
  EXPECT_EQ(any("Sun Dec  4 04:47:44 2005"), "2005-12-04T04:47:44.000000000Z");
  EXPECT_EQ(any("081109 203615"), "2008-11-09T20:36:15.000000000Z");
  EXPECT_EQ(any("17/06/09 20:10:40"), "2017-06-09T20:10:40.000000000Z");
  EXPECT_EQ(any("Jun 14 15:16:01"), "2026-06-14T15:16:01.000000000Z");
  EXPECT_EQ(any("1764284931"), "2025-11-27T23:08:51.000000000Z");
  EXPECT_EQ(any("1764284931123"), "2025-11-27T23:08:51.123000000Z");
  EXPECT_EQ(any("1764284931.5"), "2025-11-27T23:08:51.500000000Z");
}

TEST(Timestamps, RejectsNearMisses) {
  for (std::string_view bad : {"", "2026-13-01 00:00:00", "2026-11-27 25:00:00", "Foo 14 15:16:01",
                               "0811091 203615", "10/Oct/2000", "2026-11-27 12:00:00 trailing", "NaN",
                               "99999999999", "1e400", "2263-01-01T00:00:00Z",
                               "9999-12-31 23:59:59", "0001-01-01T00:00:00Z", "99999999999.5"})  // beyond what nanoseconds hold
    EXPECT_EQ(any(bad), "<none>") << bad;
}

TEST(Timestamps, ScannersLeaveTheCursorOnFailure) {
  Cursor c{"Jun 14 xx:16:01 rest"};
  EXPECT_FALSE(scan_bsd_timestamp(c, 0));
  EXPECT_EQ(c.pos, 0u);
  Cursor ok{"Jun 14 15:16:01 rest"};
  EXPECT_TRUE(scan_bsd_timestamp(ok, 0));
  EXPECT_EQ(ok.rest(), " rest");
}

TEST(Timestamps, IsoFractionOfAnyLengthAndWhatFollows) {
  auto iso = [](std::string_view text, std::string_view rest) -> std::string {
    Cursor c{text};
    auto ts = scan_iso_like_timestamp(c);
    if (!ts) return "<none>";
    EXPECT_EQ(c.rest(), rest) << text;
    return format_rfc3339(*ts);
  };
  EXPECT_EQ(iso("2015-07-29 17:41:44,7 x", " x"), "2015-07-29T17:41:44.700000000Z");
  EXPECT_EQ(iso("2015-07-29 17:41:44,747", ""), "2015-07-29T17:41:44.747000000Z");
  EXPECT_EQ(iso("2015-07-29T17:41:44.12345678Z]", "]"), "2015-07-29T17:41:44.123456780Z");
  EXPECT_EQ(iso("2015-07-29t17:41:44.123456789+01:30", ""), "2015-07-29T16:11:44.123456789Z");
  EXPECT_EQ(iso("2015/07/29 17:41:44.1234567891234 x", " x"), "2015-07-29T17:41:44.123456789Z");
  EXPECT_EQ(iso("2015-07-29 17:41:44. x", ". x"), "2015-07-29T17:41:44.000000000Z");  // no digit: no fraction
  EXPECT_EQ(iso("2015-07-29 17:41:44,", ","), "2015-07-29T17:41:44.000000000Z");
  EXPECT_EQ(iso("2015-07-29 17:41:44-0200", ""), "2015-07-29T19:41:44.000000000Z");
  // One character short, a mixed separator, a wrong byte at each fixed position.
  EXPECT_EQ(iso("2015-07-29 17:41:4", ""), "<none>");
  EXPECT_EQ(iso("2015-07/29 17:41:44", ""), "<none>");
  const std::string good = "2015-07-29 17:41:44";
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = i == 4 || i == 7 ? 'x' : i == 10 ? '_' : i == 13 || i == 16 ? '.' : '\xff';
    EXPECT_EQ(iso(bad, ""), "<none>") << bad;
  }
}

}  // namespace
}  // namespace lt::parsers
