// nginx logs: the access log (the default "combined" format, extra fields
// kept) and the error log ("2011/05/26 18:19:54 [error] 1234#0: *1 message").
#pragma once

#include "parsers/parser.h"

namespace lt::parsers {

// Tries the access log format first, then the error log format.
ParserOrError make_nginx_parser(const ParserOptions& options);

}  // namespace lt::parsers
