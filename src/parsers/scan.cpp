#include "parsers/scan.h"

#include <charconv>

#include "core/utf8.h"
#include "parsers/timestamps.h"

namespace lt::parsers {

namespace {
bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
}  // namespace

std::string_view Cursor::take_until(char stop) noexcept {
  const size_t start = pos;
  const size_t end = text.find(stop, pos);
  pos = end == std::string_view::npos ? text.size() : end;
  return text.substr(start, pos - start);
}

std::string_view Cursor::take_token() noexcept {
  const size_t start = pos;
  while (!done() && !is_blank(text[pos])) ++pos;
  return text.substr(start, pos - start);
}

std::string_view strip_line_end(std::string_view line) noexcept {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

std::string_view trim_right(std::string_view s) noexcept {
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

std::string_view trim(std::string_view s) noexcept {
  s = trim_right(s);
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

std::string_view prepare_line(std::string_view line, std::string& scratch) {
  line = strip_line_end(line);
  if (is_valid_utf8(line)) return line;
  scratch.clear();
  append_sanitized_utf8(line, scratch);
  return scratch;
}

namespace {
// RFC 8259's number grammar. Each part may be capped at a number of digits (0:
// any number).
bool scan_json_number(std::string_view s, size_t max_int, size_t max_frac, size_t max_exp) noexcept {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t int_start = i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else {
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  const size_t int_digits = i - int_start;
  if (int_digits == 0 || (max_int != 0 && int_digits > max_int)) return false;
  if (i < s.size() && s[i] == '.') {
    const size_t frac_start = ++i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == frac_start || (max_frac != 0 && i - frac_start > max_frac)) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t exp_start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == exp_start || (max_exp != 0 && i - exp_start > max_exp)) return false;
  }
  return i == s.size();
}
}  // namespace

bool is_json_number(std::string_view s) noexcept { return scan_json_number(s, 0, 0, 0); }

bool is_exact_json_number(std::string_view s) noexcept { return scan_json_number(s, 18, 17, 3); }

void set_typed_attribute(LogEvent& out, std::string_view key, std::string_view value) {
  out.set_attribute(key, value, is_exact_json_number(value) ? AttrType::Number : AttrType::String);
}

void apply_level_text(LogEvent& out, std::string_view text) {
  if (auto level = parse_level(text)) {
    out.level = *level;
    return;
  }
  double n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (auto level = level_from_number(n)) {
      out.level = *level;
      return;
    }
  }
  out.set_attribute("original_level", text);
}

void apply_timestamp_text(LogEvent& out, std::string_view text) {
  if (auto ts = parse_any_timestamp(text, now_ns())) {
    out.timestamp = *ts;
  } else {
    out.set_attribute("original_timestamp", text);
  }
}

ParseStatus mark_partial(LogEvent& out, std::string_view line, std::string_view why) {
  out.message.assign(line);
  out.set_attribute("parse_error", why);
  return ParseStatus::Partial;
}

}  // namespace lt::parsers
