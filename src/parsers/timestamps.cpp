#include "parsers/timestamps.h"

#include <charconv>
#include <cmath>

namespace lt::parsers {

namespace {

constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The fraction after the seconds, ".fff" or ",fff" (up to 9 digits kept), when
// a digit follows the point.
void scan_fraction(Cursor& t, CivilTime& ct) noexcept {
  const std::string_view r = t.rest();
  if (r.size() < 2 || (r[0] != '.' && r[0] != ',') || r[1] < '0' || r[1] > '9') return;
  size_t i = 1;
  int ndigits = 0;
  std::int64_t frac = 0;
  for (; i < r.size() && r[i] >= '0' && r[i] <= '9'; ++i) {
    if (ndigits < 9) {
      frac = frac * 10 + (r[i] - '0');
      ++ndigits;
    }
  }
  // Scaled to nanoseconds by one multiplication, not a loop of up to 8.
  static constexpr std::int64_t kScale[] = {1'000'000'000, 100'000'000, 10'000'000, 1'000'000, 100'000,
                                            10'000,        1'000,       100,        10,        1};
  ct.nanos = frac * kScale[ndigits];
  t.pos += i;
}

// "HH:MM:SS" with an optional ".fff" or ",fff" fraction (up to 9 digits kept).
bool scan_hms(Cursor& t, CivilTime& ct) noexcept {
  auto h = t.take_digits(2);
  if (!h || !t.eat(':')) return false;
  auto m = t.take_digits(2);
  if (!m || !t.eat(':')) return false;
  auto s = t.take_digits(2);
  if (!s) return false;
  ct.hour = *h;
  ct.minute = *m;
  ct.second = *s;
  scan_fraction(t, ct);
  return true;
}

// Two ASCII digits at `p` as 0..99, or -1.
int two_digits(const char* p) noexcept {
  const unsigned a = static_cast<unsigned>(static_cast<unsigned char>(p[0])) - unsigned{'0'};
  const unsigned b = static_cast<unsigned>(static_cast<unsigned char>(p[1])) - unsigned{'0'};
  return a > 9 || b > 9 ? -1 : static_cast<int>(a * 10 + b);
}

// "+hh:mm", "+hhmm", "-hh" (the sign already at the cursor).
bool scan_offset(Cursor& t, CivilTime& ct) noexcept {
  const char sign = t.peek();
  if (sign != '+' && sign != '-') return false;
  Cursor u = t;
  ++u.pos;
  auto oh = u.take_digits(2);
  if (!oh) return false;
  int om = 0;
  Cursor v = u;
  v.eat(':');
  if (auto m = v.take_digits(2)) {
    om = *m;
    u = v;
  }
  if (*oh > 23 || om > 59) return false;
  ct.offset_seconds = (*oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
  t = u;
  return true;
}

// "Jan".."Dec" at the cursor.
bool scan_month_abbrev(Cursor& t, CivilTime& ct) noexcept {
  ct.month = month_from_abbrev(t.rest().substr(0, 3));
  if (ct.month == 0) return false;
  t.pos += 3;
  return true;
}

bool not_followed_by_digit(const Cursor& t) noexcept { return !(t.peek() >= '0' && t.peek() <= '9'); }

std::optional<TimestampNs> finish(Cursor& c, const Cursor& t, const CivilTime& ct) noexcept {
  auto ts = to_timestamp(ct);
  if (ts) c = t;
  return ts;
}

}  // namespace

std::optional<TimestampNs> to_timestamp(const CivilTime& t) noexcept {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 60 ||
      t.year < 1 || t.year > 9999)
    return std::nullopt;
  const std::int64_t days = days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day));
  const std::int64_t secs =
      days * 86400 + t.hour * 3600 + t.minute * 60 + std::min(t.second, 59) - t.offset_seconds;
  // Nanoseconds in 64 bits end in 2262: later (or before 1677) is no time we can hold.
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(secs, std::int64_t{1'000'000'000}, &ns) || __builtin_add_overflow(ns, t.nanos, &ns))
    return std::nullopt;
  return ns;
}

std::optional<TimestampNs> parse_rfc3339_in_range(std::string_view text) noexcept {
  // core's parse_rfc3339 does not guard the 64-bit range; years 1678..2261 are safe.
  Cursor c{text};
  auto year = c.take_digits(4);
  if (!year || *year < 1678 || *year > 2261) return std::nullopt;
  return parse_rfc3339(text);
}

int month_from_abbrev(std::string_view s) noexcept {
  if (s.size() != 3) return 0;
  for (int i = 0; i < 12; ++i) {
    const auto m = kMonths[i];
    if (lower(s[0]) == m[0] && lower(s[1]) == m[1] && lower(s[2]) == m[2]) return i + 1;
  }
  return 0;
}

int year_for_yearless(int month, TimestampNs now) noexcept {
  char buf[30];
  format_rfc3339(now, buf);
  const int year = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 + (buf[3] - '0');
  const int current_month = (buf[5] - '0') * 10 + (buf[6] - '0');
  return month - current_month > 1 ? year - 1 : year;
}

std::optional<TimestampNs> scan_bsd_timestamp(Cursor& c, TimestampNs now) noexcept {
  Cursor t = c;
  CivilTime ct;
  if (!scan_month_abbrev(t, ct)) return std::nullopt;
  if (t.skip_blanks() == 0) return std::nullopt;
  auto day = t.take_number(2);
  if (!day || !t.eat(' ') || !scan_hms(t, ct)) return std::nullopt;
  ct.day = static_cast<int>(*day);
  ct.year = year_for_yearless(ct.month, now);
  return finish(c, t, ct);
}

std::optional<TimestampNs> scan_ctime_timestamp(Cursor& c) noexcept {
  Cursor t = c;
  CivilTime ct;
  const std::string_view r = t.rest();
  if (r.size() < 8 || !is_alpha(r[0]) || !is_alpha(r[1]) || !is_alpha(r[2]) || r[3] != ' ') return std::nullopt;
  t.pos += 4;
  if (!scan_month_abbrev(t, ct)) return std::nullopt;
  if (t.skip_blanks() == 0) return std::nullopt;
  auto day = t.take_number(2);
  if (!day || !t.eat(' ') || !scan_hms(t, ct) || !t.eat(' ')) return std::nullopt;
  auto year = t.take_digits(4);
  if (!year || !not_followed_by_digit(t)) return std::nullopt;
  ct.day = static_cast<int>(*day);
  ct.year = *year;
  return finish(c, t, ct);
}

std::optional<TimestampNs> scan_clf_timestamp(Cursor& c) noexcept {
  Cursor t = c;
  CivilTime ct;
  auto day = t.take_digits(2);
  if (!day || !t.eat('/')) return std::nullopt;
  if (!scan_month_abbrev(t, ct)) return std::nullopt;
  if (!t.eat('/')) return std::nullopt;
  auto year = t.take_digits(4);
  if (!year || !t.eat(':') || !scan_hms(t, ct)) return std::nullopt;
  ct.day = *day;
  ct.year = *year;
  Cursor z = t;
  if (z.eat(' ') && scan_offset(z, ct)) t = z;
  return finish(c, t, ct);
}

std::optional<TimestampNs> scan_iso_like_timestamp(Cursor& c) noexcept {
  // "yyyy-mm-dd hh:mm:ss" has fixed offsets: read in place (the first thing the
  // log4j and raw parsers try on every line), not digit group by digit group.
  const std::string_view r = c.rest();
  if (r.size() < 19) return std::nullopt;
  const char* p = r.data();
  const char sep = p[4];
  const int y_hi = two_digits(p), y_lo = two_digits(p + 2), month = two_digits(p + 5), day = two_digits(p + 8);
  if (y_hi < 0 || y_lo < 0 || (sep != '-' && sep != '/') || month < 0 || p[7] != sep || day < 0 ||
      (p[10] != ' ' && p[10] != 'T' && p[10] != 't'))
    return std::nullopt;
  const int hour = two_digits(p + 11), minute = two_digits(p + 14), second = two_digits(p + 17);
  if (hour < 0 || p[13] != ':' || minute < 0 || p[16] != ':' || second < 0) return std::nullopt;
  CivilTime ct;
  ct.year = y_hi * 100 + y_lo;
  ct.month = month;
  ct.day = day;
  ct.hour = hour;
  ct.minute = minute;
  ct.second = second;
  Cursor t = c;
  t.pos += 19;
  scan_fraction(t, ct);
  if (!t.eat('Z') && !t.eat('z')) scan_offset(t, ct);
  return finish(c, t, ct);
}

std::optional<TimestampNs> scan_short_year_timestamp(Cursor& c) noexcept {
  Cursor t = c;
  CivilTime ct;
  auto yy = t.take_digits(2);
  if (!yy) return std::nullopt;
  if (t.eat('/')) {  // yy/MM/dd HH:mm:ss
    auto month = t.take_digits(2);
    if (!month || !t.eat('/')) return std::nullopt;
    auto day = t.take_digits(2);
    if (!day || !t.eat(' ') || !scan_hms(t, ct)) return std::nullopt;
    ct.month = *month;
    ct.day = *day;
  } else {  // yyMMdd HHmmss
    auto month = t.take_digits(2);
    auto day = month ? t.take_digits(2) : std::nullopt;
    if (!day || !t.eat(' ')) return std::nullopt;
    auto h = t.take_digits(2);
    auto m = h ? t.take_digits(2) : std::nullopt;
    auto s = m ? t.take_digits(2) : std::nullopt;
    if (!s || !not_followed_by_digit(t)) return std::nullopt;
    ct.month = *month;
    ct.day = *day;
    ct.hour = *h;
    ct.minute = *m;
    ct.second = *s;
  }
  ct.year = 2000 + *yy;
  return finish(c, t, ct);
}

std::optional<TimestampNs> parse_any_timestamp(std::string_view text, TimestampNs now) noexcept {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (auto ts = parse_rfc3339_in_range(text)) return ts;
  using Scan = std::optional<TimestampNs> (*)(Cursor&);
  static constexpr Scan kScanners[] = {scan_iso_like_timestamp, scan_clf_timestamp, scan_ctime_timestamp,
                                       scan_short_year_timestamp};
  for (Scan scan : kScanners) {
    Cursor c{text};
    if (auto ts = scan(c); ts && c.done()) return ts;
  }
  Cursor c{text};
  if (auto ts = scan_bsd_timestamp(c, now); ts && c.done()) return ts;
  // Integers exactly (a double would blur milliseconds), fractions through double.
  std::int64_t i = 0;
  if (auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      ec == std::errc() && end == text.data() + text.size()) {
    const std::int64_t a = i < 0 ? -(i + 1) : i;
    const std::int64_t scale = a < 100'000'000'000         ? 1'000'000'000  // seconds
                               : a < 100'000'000'000'000     ? 1'000'000      // milliseconds
                               : a < 100'000'000'000'000'000 ? 1'000          // microseconds
                                                             : 1;             // nanoseconds
    std::int64_t ns = 0;
    if (__builtin_mul_overflow(i, scale, &ns)) return std::nullopt;
    return ns;
  }
  double n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(n)) return std::nullopt;
  const double a = std::fabs(n);
  const double ns = n * (a < 1e11 ? 1e9 : a < 1e14 ? 1e6 : a < 1e17 ? 1e3 : 1.0);
  if (std::fabs(ns) >= 9.2e18) return std::nullopt;  // beyond 2262
  return static_cast<TimestampNs>(std::llround(ns));
}

}  // namespace lt::parsers
