#include "core/time.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>

namespace lt {

TimestampNs now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) noexcept {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::optional<TimestampNs> parse_rfc3339(std::string_view s) noexcept {
  int year, mon, day, hh, mm, ss;
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, mon) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' ||
      !digits(s, 17, 2, ss))
    return std::nullopt;
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  size_t pos = 19;
  std::int64_t frac_ns = 0;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    int ndigits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (ndigits < 9) {
        frac_ns = frac_ns * 10 + (s[pos] - '0');
        ++ndigits;
      }
      ++pos;
    }
    if (ndigits == 0) return std::nullopt;
    for (int i = ndigits; i < 9; ++i) frac_ns *= 10;
  }
  std::int64_t offset_s = 0;
  if (pos == s.size()) return std::nullopt;  // RFC 3339 requires a zone
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    const bool neg = s[pos] == '-';
    if (!digits(s, pos + 1, 2, oh)) return std::nullopt;
    size_t p2 = pos + 3;
    if (p2 < s.size() && s[p2] == ':') ++p2;
    if (!digits(s, p2, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (neg ? -1 : 1);
    pos = p2 + 2;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  const std::int64_t secs = days * 86400 + hh * 3600 + mm * 60 + std::min(ss, 59) - offset_s;
  // Nanoseconds in an int64 reach from 1677 to 2262; outside that, no timestamp.
  constexpr std::int64_t kMaxSecs = std::numeric_limits<std::int64_t>::max() / 1'000'000'000 - 1;
  if (secs > kMaxSecs || secs < -kMaxSecs) return std::nullopt;
  return secs * 1'000'000'000 + frac_ns;
}

TimestampNs from_epoch_number(double v) noexcept {
  const double a = std::fabs(v);
  if (!std::isfinite(v)) return 0;
  double ns;
  if (a < 1e11) {
    ns = v * 1e9;  // seconds
  } else if (a < 1e14) {
    ns = v * 1e6;  // milliseconds
  } else if (a < 1e17) {
    ns = v * 1e3;  // microseconds
  } else {
    ns = v;  // nanoseconds
  }
  if (std::fabs(ns) >= 9.2e18) return 0;  // beyond what int64 nanoseconds hold (year 2262)
  return static_cast<TimestampNs>(std::llround(ns));
}

namespace {
void put_digits(char* out, std::int64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// "YYYY-MM-DDTHH:MM:SS." of a second since the epoch (20 characters).
void format_rfc3339_seconds(std::int64_t secs, char* out) noexcept {
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y < 0) y = 0;
  if (y > 9999) y = 9999;
  put_digits(out, y, 4);
  out[4] = '-';
  put_digits(out + 5, m, 2);
  out[7] = '-';
  put_digits(out + 8, d, 2);
  out[10] = 'T';
  put_digits(out + 11, sod / 3600, 2);
  out[13] = ':';
  put_digits(out + 14, (sod / 60) % 60, 2);
  out[16] = ':';
  put_digits(out + 17, sod % 60, 2);
  out[19] = '.';
}

// Writes the 20 characters up to the fraction; returns the nanoseconds in the second.
std::int64_t format_rfc3339_head(TimestampNs ts, char* out) noexcept {
  std::int64_t secs = ts / 1'000'000'000;
  std::int64_t ns = ts % 1'000'000'000;
  if (ns < 0) {
    ns += 1'000'000'000;
    --secs;
  }
  // Consecutive events nearly always fall in the same second: its 20 leading
  // characters are formatted once per thread and second, not once per event.
  thread_local std::int64_t cached_secs = std::numeric_limits<std::int64_t>::min();  // no second is that
  thread_local char cached[20];
  if (secs != cached_secs) {
    format_rfc3339_seconds(secs, cached);
    cached_secs = secs;
  }
  std::memcpy(out, cached, 20);
  return ns;
}
}  // namespace

size_t format_rfc3339(TimestampNs ts, char* out) noexcept {
  put_digits(out + 20, format_rfc3339_head(ts, out), 9);
  out[29] = 'Z';
  return 30;
}

size_t format_rfc3339_compact(TimestampNs ts, char* out) noexcept {
  const std::int64_t ns = format_rfc3339_head(ts, out);
  const size_t size = rfc3339_compact_size(ts);
  const int digits = static_cast<int>(size) - 21;
  std::int64_t fraction = ns;
  for (int d = digits; d < 9; ++d) fraction /= 10;
  put_digits(out + 20, fraction, digits);
  out[size - 1] = 'Z';
  return size;
}

std::string format_rfc3339(TimestampNs ts) {
  std::string s(30, '\0');
  format_rfc3339(ts, s.data());
  return s;
}

}  // namespace lt
