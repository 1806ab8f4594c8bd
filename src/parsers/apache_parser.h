// Apache httpd logs: the access log (common/combined) and the error log
// ("[Sun Dec 04 04:47:44 2005] [notice] message", 2.4's "[core:error] [pid N]").
#pragma once

#include "parsers/parser.h"

namespace lt::parsers {

// Tries the access log format first, then the error log format.
ParserOrError make_apache_parser(const ParserOptions& options);

}  // namespace lt::parsers
