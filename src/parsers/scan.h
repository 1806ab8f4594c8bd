// Scanning helpers shared by the line parsers: a cursor over the line, line
// preparation (CR/LF, UTF-8 repair), typed attributes and the "mismatch" outcome.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/log_event.h"
#include "parsers/parser.h"

namespace lt::parsers {

// A position in a line. Every take_/eat_ method either consumes what it reports
// or leaves the position unchanged, so a failed alternative costs nothing.
struct Cursor {
  std::string_view text;
  size_t pos = 0;

  bool done() const noexcept { return pos >= text.size(); }
  char peek(size_t ahead = 0) const noexcept { return pos + ahead < text.size() ? text[pos + ahead] : '\0'; }
  std::string_view rest() const noexcept { return text.substr(std::min(pos, text.size())); }

  bool eat(char c) noexcept;
  bool eat(std::string_view literal) noexcept;
  // Skips spaces and tabs; returns how many.
  size_t skip_blanks() noexcept;
  // Up to (not including) `stop`, or to the end when absent.
  std::string_view take_until(char stop) noexcept;
  // A run of non-blank characters.
  std::string_view take_token() noexcept;
  // Exactly `n` decimal digits.
  std::optional<int> take_digits(size_t n) noexcept;
  // 1..max_digits decimal digits.
  std::optional<std::int64_t> take_number(size_t max_digits) noexcept;
  // "[...]" with nested brackets balanced; returns the inside. Fails (unchanged)
  // when the closing bracket is missing.
  std::optional<std::string_view> take_bracketed() noexcept;
};

// Defined here, not in scan.cpp: every parser calls these several times per
// line, and inlined (constant `n`, no std::optional left in memory) they cost a
// few instructions instead of a call each.
inline bool Cursor::eat(char c) noexcept {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

inline bool Cursor::eat(std::string_view literal) noexcept {
  const size_t at = std::min(pos, text.size());
  if (text.size() - at < literal.size() || std::memcmp(text.data() + at, literal.data(), literal.size()) != 0)
    return false;
  pos += literal.size();
  return true;
}

inline size_t Cursor::skip_blanks() noexcept {
  const size_t start = pos;
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  return pos - start;
}

inline std::optional<int> Cursor::take_digits(size_t n) noexcept {
  if (pos + n > text.size()) return std::nullopt;
  const char* p = text.data() + pos;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned d = static_cast<unsigned>(static_cast<unsigned char>(p[i])) - unsigned{'0'};
    if (d > 9) return std::nullopt;
    v = v * 10 + static_cast<int>(d);
  }
  pos += n;
  return v;
}

inline std::optional<std::int64_t> Cursor::take_number(size_t max_digits) noexcept {
  size_t end = pos;
  std::int64_t v = 0;
  auto digit_at = [&](size_t i) {
    return static_cast<unsigned>(static_cast<unsigned char>(text[i])) - unsigned{'0'};
  };
  while (end < text.size() && digit_at(end) <= 9 && end - pos < max_digits) v = v * 10 + digit_at(end++);
  if (end == pos || (end < text.size() && digit_at(end) <= 9)) return std::nullopt;
  pos = end;
  return v;
}

inline std::optional<std::string_view> Cursor::take_bracketed() noexcept {
  if (pos >= text.size() || text[pos] != '[') return std::nullopt;
  int depth = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    if (text[i] == '[') {
      ++depth;
    } else if (text[i] == ']' && --depth == 0) {
      const std::string_view inside = text.substr(pos + 1, i - pos - 1);
      pos = i + 1;
      return inside;
    }
  }
  return std::nullopt;
}

// Removes the line terminator(s) a reader may have left: trailing '\n' and '\r'.
std::string_view strip_line_end(std::string_view line) noexcept;
std::string_view trim_right(std::string_view s) noexcept;
std::string_view trim(std::string_view s) noexcept;

// The line without its terminator, as valid UTF-8: either a view of `line` or,
// when repair was needed, of `scratch`.
std::string_view prepare_line(std::string_view line, std::string& scratch);

// True for text a JSON encoder may emit verbatim as a number (RFC 8259 grammar,
// any number of digits): what every Number attribute must be.
bool is_json_number(std::string_view s) noexcept;

// A JSON number that also survives a round trip through a decoder unchanged
// (at most 18 integer, 17 fraction and 3 exponent digits): the test for typing
// plain text (logfmt, regex groups) as a number. A 19-digit integer read from
// JSON is a Number already, and keeps its exact text.
bool is_exact_json_number(std::string_view s) noexcept;

// Sets an attribute, typed Number when the text is an exact JSON number.
void set_typed_attribute(LogEvent& out, std::string_view key, std::string_view value);

// Level from free text (canonical names and aliases, or bunyan numbers); an
// unknown word keeps the level and is kept as attribute original_level.
void apply_level_text(LogEvent& out, std::string_view text);

// Timestamp from any format parse_any_timestamp knows; otherwise kept as
// attribute original_timestamp.
void apply_timestamp_text(LogEvent& out, std::string_view text);

// The line did not fit the format: the raw (prepared) line becomes the message
// and attribute parse_error says why.
ParseStatus mark_partial(LogEvent& out, std::string_view line, std::string_view why);

}  // namespace lt::parsers
