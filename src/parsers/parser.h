// Line parsers turn one raw record (a log line, a syslog message, an NDJSON
// line) into a LogEvent. Every source uses one, chosen by name in its config.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "core/log_event.h"

namespace lt::parsers {

struct ParserOptions {
  std::string name;     // json | logfmt | regex | nginx | apache | syslog | log4j | raw
  std::string pattern;  // for `regex`: RE2 with named groups (timestamp, level, message, and any other → attribute)
};

enum class ParseStatus {
  Ok,       // fully parsed
  Partial,  // the line did not match the format; `out.message` holds the raw line, attribute parse_error says why
};

std::string_view to_string(ParseStatus status) noexcept;

// Not thread-safe (parsers keep scratch buffers): one parser per source thread.
class LineParser {
 public:
  virtual ~LineParser() = default;
  // Fills fields found in `line` into `out`; `out` arrives with the source's
  // context (service, environment, host, source) already set, which the parser
  // keeps unless the line carries its own. Never drops the line: on a mismatch
  // the raw line becomes the message (ParseStatus::Partial). Invalid UTF-8 is
  // repaired (U+FFFD), never rejected.
  virtual ParseStatus parse(std::string_view line, LogEvent& out) = 0;
};

// Creates a parser, or returns an error message for a person ("unknown parser
// 'foo'; expected one of json logfmt regex nginx apache syslog log4j raw",
// "regex: missing ')' at column 12").
using ParserOrError = std::variant<std::unique_ptr<LineParser>, std::string>;
ParserOrError make_parser(const ParserOptions& options);

// One row per parser, in one explicit list: the config validation ("did you
// mean"), the generated docs and make_parser all read it.
struct ParserDescriptor {
  std::string_view name;
  std::string_view description;
  bool needs_pattern;  // `pattern` is required (regex)
  ParserOrError (*make)(const ParserOptions& options);
};

std::span<const ParserDescriptor> parser_descriptors() noexcept;

}  // namespace lt::parsers
