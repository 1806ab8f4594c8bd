// A user's RE2 pattern with named groups: groups named after event fields
// (timestamp, level, message, host, ...) fill them, every other group is an attribute.
#pragma once

#include <string>
#include <string_view>

#include "parsers/parser.h"

namespace lt::parsers {

// Validates and compiles `options.pattern`; errors name the problem and column.
ParserOrError make_regex_parser(const ParserOptions& options);

// PCRE/JavaScript spell a named group "(?<name>"; RE2 of Debian 12 knows only
// "(?P<name>". Rewrites the former so users can paste what they have.
std::string to_re2_named_groups(std::string_view pattern);

}  // namespace lt::parsers
