#include "parsers/parser.h"

#include "parsers/json_parser.h"
#include "parsers/raw_parser.h"

namespace lt::parsers {

namespace {

constexpr ParserDescriptor kParsers[] = {
    {"json", "one JSON object per line, with the event model's aliases (msg, lvl, @timestamp, ...)", false,
     make_json_parser},
    {"raw", "the whole line is the message; an obvious leading level word sets the level", false,
     make_raw_parser},
};

}  // namespace

std::string_view to_string(ParseStatus status) noexcept {
  switch (status) {
    case ParseStatus::Ok: return "ok";
    case ParseStatus::Partial: return "partial";
  }
  return "unknown";
}

std::span<const ParserDescriptor> parser_descriptors() noexcept { return kParsers; }

ParserOrError make_parser(const ParserOptions& options) {
  for (const auto& d : kParsers) {
    if (d.name != options.name) continue;
    if (d.needs_pattern && options.pattern.empty())
      return std::string(d.name) + ": a pattern is required";
    return d.make(options);
  }
  std::string error = "unknown parser '" + options.name + "'; expected one of";
  for (const auto& d : kParsers) {
    error += ' ';
    error += d.name;
  }
  return error;
}

}  // namespace lt::parsers
