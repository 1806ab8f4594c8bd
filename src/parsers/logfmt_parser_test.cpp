#include "parsers/logfmt_parser.h"

#include <gtest/gtest.h>

#include "parsers/test_support.h"

namespace lt::parsers {
namespace {

using testing::attr;
using testing::parser_named;

TEST(LogfmtParser, WellKnownKeysBecomeFieldsAndOthersTypedAttributes) {
  auto p = parser_named("logfmt");
  LogEvent e;
  e.service = "ctx";
  ASSERT_EQ(p->parse("ts=2026-11-27T23:08:51.5Z lvl=warn msg=\"disk \\\"almost\\\" full\\n\" host=db-1 "
                     "env=prod trace_id=abc span_id=def used=0.93 count=12 big=123456789012345678901 "
                     "ok=true cached debug path=/var/lib",
                     e),
            ParseStatus::Ok);
  EXPECT_EQ(e.timestamp, *parse_rfc3339("2026-11-27T23:08:51.5Z"));
  EXPECT_EQ(e.level, Level::Warn);
  EXPECT_EQ(e.message, "disk \"almost\" full\n");
  EXPECT_EQ(e.host, "db-1");
  EXPECT_EQ(e.environment, "prod");
  EXPECT_EQ(e.service, "ctx");  // not in the line: the context stays
  EXPECT_EQ(e.trace_id, "abc");
  EXPECT_EQ(e.span_id, "def");
  EXPECT_EQ(e.attribute("used")->type, AttrType::Number);
  EXPECT_EQ(e.attribute("count")->type, AttrType::Number);
  EXPECT_EQ(e.attribute("big")->type, AttrType::String);  // beyond what a double keeps exactly
  EXPECT_EQ(e.attribute("ok")->type, AttrType::Bool);
  EXPECT_EQ(e.attribute("cached")->type, AttrType::Bool);  // a bare key is a flag
  EXPECT_EQ(attr(e, "path"), "/var/lib");
}

TEST(LogfmtParser, QuotedNumbersStayStringsAndEqualsInValuesIsKept) {
  auto p = parser_named("logfmt");
  LogEvent e;
  ASSERT_EQ(p->parse(R"(msg=x zip="01234" q=a=b empty= service=billing date=2026-01-02)", e), ParseStatus::Ok);
  EXPECT_EQ(attr(e, "date"), "2026-01-02");
  EXPECT_EQ(e.attribute("zip")->type, AttrType::String);
  EXPECT_EQ(attr(e, "q"), "a=b");
  EXPECT_EQ(attr(e, "empty"), "");
  EXPECT_EQ(e.service, "billing");
}

TEST(LogfmtParser, UnknownLevelAndTimeAreKeptNotLost) {
  auto p = parser_named("logfmt");
  LogEvent e;
  ASSERT_EQ(p->parse("level=loud time=yesterday msg=hi", e), ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Info);
  EXPECT_EQ(attr(e, "original_level"), "loud");
  EXPECT_EQ(attr(e, "original_timestamp"), "yesterday");
  LogEvent n;
  ASSERT_EQ(p->parse("level=50 ts=1764284931 msg=x", n), ParseStatus::Ok);  // bunyan numbers, epoch seconds
  EXPECT_EQ(n.level, Level::Error);
  EXPECT_EQ(n.timestamp, 1764284931LL * 1'000'000'000);
}

TEST(LogfmtParser, LineWithoutMessageKeyIsItsOwnMessage) {
  auto p = parser_named("logfmt");
  LogEvent e;
  ASSERT_EQ(p->parse("at=info method=GET status=200", e), ParseStatus::Ok);
  EXPECT_EQ(e.message, "at=info method=GET status=200");
  EXPECT_EQ(e.attribute("status")->type, AttrType::Number);
}

TEST(LogfmtParser, UnterminatedQuoteIsPartialWithTheRawLine) {
  auto p = parser_named("logfmt");
  LogEvent e;
  const std::string line = "level=error msg=\"never closed";
  ASSERT_EQ(p->parse(line, e), ParseStatus::Partial);
  EXPECT_EQ(e.message, line);
  EXPECT_EQ(attr(e, "parse_error"), "logfmt: unterminated quote at column 17");
  EXPECT_EQ(e.level, Level::Error);  // what came before the quote was well-formed
}

TEST(LogfmtParser, ProseAndStrayEqualsAreMismatches) {
  auto p = parser_named("logfmt");
  LogEvent e;
  EXPECT_EQ(p->parse("just some words", e), ParseStatus::Partial);
  EXPECT_EQ(e.message, "just some words");
  LogEvent f;
  EXPECT_EQ(p->parse("a=1 =2", f), ParseStatus::Partial);
  EXPECT_EQ(attr(f, "parse_error"), "logfmt: '=' without a key at column 5");
}

}  // namespace
}  // namespace lt::parsers
