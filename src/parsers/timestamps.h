// The timestamp shapes found in real logs (syslog, ctime, common log format,
// log4j, Hadoop/Spark) turned into UTC nanoseconds without locale or allocation.
#pragma once

#include <optional>
#include <string_view>

#include "core/time.h"
#include "parsers/scan.h"

namespace lt::parsers {

// A zone-less time is taken as UTC: a line does not say which zone its writer
// was in, and guessing the producer's zone would be wrong as often as right.
struct CivilTime {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::int64_t nanos = 0;
  int offset_seconds = 0;  // east of UTC
};

std::optional<TimestampNs> to_timestamp(const CivilTime& t) noexcept;

// parse_rfc3339 limited to the years a TimestampNs can hold (1678..2261).
std::optional<TimestampNs> parse_rfc3339_in_range(std::string_view text) noexcept;

// "Jan".."Dec" (case-insensitive) → 1..12, else 0.
int month_from_abbrev(std::string_view s) noexcept;

// For year-less syslog dates: the current year of `now`, or the previous one
// when the month lies more than one month ahead (a December line read in January).
int year_for_yearless(int month, TimestampNs now) noexcept;

// Each scanner consumes its shape at the cursor and returns the time, or leaves
// the cursor unchanged and returns nullopt.

// "Jun 14 15:16:01", "Jun  4 15:16:01" (BSD syslog; year from year_for_yearless).
std::optional<TimestampNs> scan_bsd_timestamp(Cursor& c, TimestampNs now) noexcept;
// "Sun Dec 04 04:47:44 2005", also with ".123456" after the seconds (Apache error log).
std::optional<TimestampNs> scan_ctime_timestamp(Cursor& c) noexcept;
// "10/Oct/2000:13:55:36 -0700" (common log format, without the brackets).
std::optional<TimestampNs> scan_clf_timestamp(Cursor& c) noexcept;
// "2015-07-29 17:41:44,747", "2015-07-29T17:41:44.747Z", "2011/05/26 18:19:54"
// (zone optional: Z or ±hh[:]mm).
std::optional<TimestampNs> scan_iso_like_timestamp(Cursor& c) noexcept;
// "081109 203615" (Hadoop yyMMdd HHmmss) and "17/06/09 20:10:40" (yy/MM/dd HH:mm:ss).
std::optional<TimestampNs> scan_short_year_timestamp(Cursor& c) noexcept;

// Whole-text form for user-named fields (regex groups, logfmt ts=): any of the
// shapes above, RFC 3339, or an epoch number in s/ms/us/ns.
std::optional<TimestampNs> parse_any_timestamp(std::string_view text, TimestampNs now) noexcept;

}  // namespace lt::parsers
