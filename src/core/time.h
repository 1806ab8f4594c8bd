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

// Days since 1970-01-01 for a civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;

}  // namespace lt
