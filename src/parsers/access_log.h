// The NCSA common/combined access log line that Apache and nginx both write:
// host ident user [time] "request" status bytes ["referer" "user-agent"] [extra].
#pragma once

#include <string_view>

#include "core/log_event.h"
#include "parsers/parser.h"

namespace lt::parsers {

// Fills `out` and returns true when `line` is an access log line; otherwise
// returns false and leaves `out` untouched. The whole line stays the message;
// client_ip, user, method, path, protocol, status, bytes, referer, user_agent
// become attributes; the level follows the status (5xx ERROR, 4xx WARN).
bool parse_access_log(std::string_view line, LogEvent& out);

// A server's own error log format: fills `out` and returns true, or returns
// false with `out` untouched.
using ErrorLogScanner = bool (*)(std::string_view line, LogEvent& out);

// Apache and nginx alike: the access log format first, then `error_log`; a line
// that is neither is Partial with "<server>: neither an access log line nor ...".
std::unique_ptr<LineParser> make_web_server_parser(std::string_view server, ErrorLogScanner error_log);

}  // namespace lt::parsers
