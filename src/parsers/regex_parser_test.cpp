#include "parsers/regex_parser.h"

#include <gtest/gtest.h>

#include "parsers/test_support.h"

namespace lt::parsers {
namespace {

using testing::attr;
using testing::parser_named;

TEST(RegexParser, NamedGroupsFillFieldsAndAttributes) {
  auto p = parser_named("regex",
                        R"(^(?P<timestamp>\S+) \[(?P<level>\w+)\] (?P<service>[\w-]+)@(?P<host>\S+) )"
                        R"(user=(?P<user>\w+) ms=(?P<ms>\d+) (?P<message>.*)$)");
  LogEvent e;
  ASSERT_EQ(p->parse("2026-11-27T23:08:51Z [error] pay-api@web-3 user=ann ms=42 card declined\r\n", e),
            ParseStatus::Ok);
  EXPECT_EQ(e.timestamp, *parse_rfc3339("2026-11-27T23:08:51Z"));
  EXPECT_EQ(e.level, Level::Error);
  EXPECT_EQ(e.service, "pay-api");
  EXPECT_EQ(e.host, "web-3");
  EXPECT_EQ(attr(e, "user"), "ann");
  EXPECT_EQ(e.attribute("ms")->type, AttrType::Number);
  EXPECT_EQ(e.message, "card declined");
}

TEST(RegexParser, SeparateDateAndTimeGroupsMakeOneTimestamp) {
  auto p = parser_named("regex", R"(^(?P<date>\S+) (?P<time>\S+) (?P<msg>.*)$)");
  LogEvent e;
  ASSERT_EQ(p->parse("2015-07-29 17:41:44,747 hello", e), ParseStatus::Ok);
  EXPECT_EQ(format_rfc3339(e.timestamp), "2015-07-29T17:41:44.747000000Z");
  EXPECT_EQ(e.message, "hello");
}

TEST(RegexParser, WithoutAMessageGroupTheLineIsTheMessage) {
  auto p = parser_named("regex", R"(status=(?P<status>\d{3}))");
  LogEvent e;
  ASSERT_EQ(p->parse("GET / status=503 took 3ms", e), ParseStatus::Ok);
  EXPECT_EQ(e.message, "GET / status=503 took 3ms");
  EXPECT_EQ(attr(e, "status"), "503");
}

TEST(RegexParser, AcceptsPcreStyleNamedGroups) {
  EXPECT_EQ(to_re2_named_groups(R"((?<level>\w+) \(?<x\) [(?<]+(?<message>.*))"),
            R"((?P<level>\w+) \(?<x\) [(?<]+(?P<message>.*))");
  auto p = parser_named("regex", R"(^(?<level>\w+): (?<message>.*)$)");
  LogEvent e;
  ASSERT_EQ(p->parse("WARN: low disk", e), ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Warn);
  EXPECT_EQ(e.message, "low disk");
}

TEST(RegexParser, NonMatchingLineIsPartialWithTheRawLine) {
  auto p = parser_named("regex", R"(^(?P<level>[A-Z]+) (?P<message>.*)$)");
  LogEvent e;
  ASSERT_EQ(p->parse("lower case line", e), ParseStatus::Partial);
  EXPECT_EQ(e.message, "lower case line");
  EXPECT_EQ(attr(e, "parse_error"), "regex: the line does not match the pattern");
}

TEST(RegexParser, BadPatternsAreRejectedAtCreationWithAClearError) {
  auto error_of = [](std::string pattern) {
    auto made = make_parser(ParserOptions{"regex", std::move(pattern)});
    auto* e = std::get_if<std::string>(&made);
    return e ? *e : std::string("<accepted>");
  };
  const std::string unbalanced = error_of("^(?P<level>\\w+ (?P<message>.*)$");
  EXPECT_NE(unbalanced.find("regex: missing )"), std::string::npos) << unbalanced;
  EXPECT_NE(unbalanced.find("column 1"), std::string::npos) << unbalanced;
  EXPECT_NE(error_of("^\\w+ .*$").find("no named group"), std::string::npos);
  EXPECT_NE(error_of("").find("pattern is required"), std::string::npos);
  EXPECT_NE(error_of("(?P<x>a)\\1").find("regex:"), std::string::npos);  // RE2 has no backreferences
}

}  // namespace
}  // namespace lt::parsers
