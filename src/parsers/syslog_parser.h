// Syslog lines: RFC 5424, RFC 3164 (with or without the <PRI> header, as
// /var/log/messages holds them). Severity becomes the level, hostname the host.
#pragma once

#include "parsers/parser.h"

namespace lt::parsers {

// Year-less RFC 3164 dates take the current year (the previous one for a date
// more than a month ahead): see year_for_yearless in parsers/timestamps.h.
ParserOrError make_syslog_parser(const ParserOptions& options);

}  // namespace lt::parsers
