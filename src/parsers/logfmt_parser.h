// logfmt lines (key=value, quoted values with escapes, bare keys): well-known
// keys become event fields, the others typed attributes.
#pragma once

#include "parsers/parser.h"

namespace lt::parsers {

ParserOrError make_logfmt_parser(const ParserOptions& options);

}  // namespace lt::parsers
