// Timestamps: nanoseconds since the Unix epoch, UTC. RFC 3339 parsing and
// formatting without locale or allocation on the parse path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lt {

using TimestampNs = std::int64_t;

TimestampNs now_ns() noexcept;

// "2026-11-27T23:08:51Z", "2026-11-27T23:08:51.123456+01:00", also a space in
// place of 'T' and a lower-case 'z'. Returns nullopt on anything else.
std::optional<TimestampNs> parse_rfc3339(std::string_view text) noexcept;

// Epoch number in seconds, milliseconds, microseconds or nanoseconds, told apart
// by magnitude (as Vector and Fluent Bit do).
TimestampNs from_epoch_number(double value) noexcept;

// "2026-11-27T23:08:51.123456789Z" (always 9 fractional digits, UTC).
std::string format_rfc3339(TimestampNs ts);
// Appends the same form to `out`; returns the number of characters written (30).
size_t format_rfc3339(TimestampNs ts, char* out) noexcept;
// The same time with only the fractional digits it needs: 3, 6 or 9
// ("2026-11-27T23:08:51.123Z"), the form events cross Kafka in (most log times
// are milliseconds: 6 bytes less per event). rfc3339_compact_size() says how
// many characters it writes (24, 27 or 30).
size_t format_rfc3339_compact(TimestampNs ts, char* out) noexcept;
constexpr size_t rfc3339_compact_size(TimestampNs ts) noexcept {
  const TimestampNs ns = ts % 1'000'000'000;
  return ns % 1'000'000 == 0 ? 24 : ns % 1'000 == 0 ? 27 : 30;
}

// Days since 1970-01-01 for a civil date (proleptic Gregorian). Inline: every
// parsed timestamp goes through it. Howard Hinnant's algorithm (public domain).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace lt
