// NDJSON lines through the event model's decoder (lt::EventDecoder), so every
// alias it accepts (msg, lvl, @timestamp, service_name, ...) works here too.
#pragma once

#include "parsers/parser.h"

namespace lt::parsers {

ParserOrError make_json_parser(const ParserOptions& options);

}  // namespace lt::parsers
