// The fallback parser: the whole line is the message. It only sniffs an
// obvious leading level word ("ERROR ...", "[WARN] ...") and nothing else.
#pragma once

#include <optional>
#include <string_view>

#include "core/level.h"
#include "parsers/parser.h"

namespace lt::parsers {

ParserOrError make_raw_parser(const ParserOptions& options);

// An upper-case level word (TRACE DEBUG INFO WARN WARNING ERROR FATAL CRITICAL)
// as the first token, optionally in brackets or followed by ':', or right after
// a leading timestamp. Anything less obvious is not a level.
std::optional<Level> sniff_level(std::string_view line) noexcept;

}  // namespace lt::parsers
