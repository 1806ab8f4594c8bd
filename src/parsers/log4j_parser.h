// Java-style logs (log4j, logback, and the Hadoop/Spark/ZooKeeper layouts):
// DATE TIME [pid] LEVEL [thread] logger: message | logger - message.
#pragma once

#include "parsers/parser.h"

namespace lt::parsers {

// Accepts, after a timestamp (ISO-like, "yyMMdd HHmmss", "yy/MM/dd HH:mm:ss",
// optionally in brackets) and an optional " - ":
//   [pid] LEVEL [thread] logger: message       (Hadoop, Spark: %c: %m)
//   LEVEL [thread] logger - message            (log4j %-5p [%t] %c - %m)
//   [thread] LEVEL logger - message            (logback default)
//   LEVEL [thread:Class@line] - message        (ZooKeeper)
// A line without a timestamp and a level word is a mismatch (Partial).
ParserOrError make_log4j_parser(const ParserOptions& options);

}  // namespace lt::parsers
