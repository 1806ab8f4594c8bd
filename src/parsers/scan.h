// Scanning helpers shared by the line parsers: a cursor over the line, line
// preparation (CR/LF, UTF-8 repair), typed attributes and the "mismatch" outcome.
#pragma once

#include <cstddef>
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

// Removes the line terminator(s) a reader may have left: trailing '\n' and '\r'.
std::string_view strip_line_end(std::string_view line) noexcept;
std::string_view trim_right(std::string_view s) noexcept;
std::string_view trim(std::string_view s) noexcept;

// The line without its terminator, as valid UTF-8: either a view of `line` or,
// when repair was needed, of `scratch`.
std::string_view prepare_line(std::string_view line, std::string& scratch);

// True for text a JSON encoder may emit verbatim as a number, and small enough to
// survive a round trip (at most 18 significant integer digits).
bool is_json_number(std::string_view s) noexcept;

// Sets an attribute, typed Number when the text is a JSON number.
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
