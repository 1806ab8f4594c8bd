#include "parsers/parser.h"

#include "parsers/apache_parser.h"
#include "parsers/json_parser.h"
#include "parsers/log4j_parser.h"
#include "parsers/logfmt_parser.h"
#include "parsers/nginx_parser.h"
#include "parsers/raw_parser.h"
#include "parsers/regex_parser.h"
#include "parsers/syslog_parser.h"

namespace lt::parsers {

namespace {

constexpr ParserDescriptor kParsers[] = {
    {"json", "one JSON object per line, with the event model's aliases (msg, lvl, @timestamp, ...)", false,
     make_json_parser},
    {"logfmt", "key=value pairs; level, msg, ts, service, env, host, trace_id, span_id become fields", false,
     make_logfmt_parser},
    {"regex", "an RE2 pattern with named groups (timestamp, level, message, ... and attributes)", true,
     make_regex_parser},
    {"nginx", "nginx access log (combined) or error log", false, make_nginx_parser},
    {"apache", "Apache access log (common/combined) or error log", false, make_apache_parser},
    {"syslog", "RFC 5424, RFC 3164, and BSD lines without <PRI> (/var/log/messages)", false, make_syslog_parser},
    {"log4j", "log4j/logback-style DATE TIME LEVEL [thread] logger - message, Hadoop/Spark/ZooKeeper layouts", false,
     make_log4j_parser},
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
