#include "parsers/json_parser.h"

#include <gtest/gtest.h>

#include "parsers/test_support.h"

namespace lt::parsers {
namespace {

using testing::attr;
using testing::parser_named;

LogEvent with_context() {
  LogEvent e;
  e.service = "ctx-service";
  e.environment = "ctx-env";
  e.host = "ctx-host";
  e.source = "file:/var/log/app.log";
  e.set_attribute("path", "/var/log/app.log");
  return e;
}

TEST(JsonParser, DecodesAliasesAndKeepsContextTheLineDoesNotSet) {
  auto p = parser_named("json");
  LogEvent e = with_context();
  ASSERT_EQ(p->parse(R"({"msg":"paid","lvl":"warning","ts":"2026-11-27T23:08:51Z","host":"web-7","user":"u1","n":5})"
                     "\r\n",
                     e),
            ParseStatus::Ok);
  EXPECT_EQ(e.message, "paid");
  EXPECT_EQ(e.level, Level::Warn);
  EXPECT_EQ(e.timestamp, *parse_rfc3339("2026-11-27T23:08:51Z"));
  EXPECT_EQ(e.host, "web-7");  // the line's own host wins
  EXPECT_EQ(e.service, "ctx-service");
  EXPECT_EQ(e.environment, "ctx-env");
  EXPECT_EQ(e.source, "file:/var/log/app.log");
  EXPECT_EQ(attr(e, "user"), "u1");
  EXPECT_EQ(e.attribute("n")->type, AttrType::Number);
  EXPECT_EQ(attr(e, "path"), "/var/log/app.log");
}

TEST(JsonParser, NotJsonKeepsTheRawLineAndTheContext) {
  auto p = parser_named("json");
  LogEvent e = with_context();
  ASSERT_EQ(p->parse("plain text {not json", e), ParseStatus::Partial);
  EXPECT_EQ(e.message, "plain text {not json");
  EXPECT_EQ(attr(e, "parse_error").rfind("decode.not_json", 0), 0u) << attr(e, "parse_error");
  EXPECT_EQ(e.service, "ctx-service");
  EXPECT_EQ(e.host, "ctx-host");
  EXPECT_EQ(attr(e, "path"), "/var/log/app.log");
}

TEST(JsonParser, WrongTypeLeaksNoHalfDecodedField) {
  auto p = parser_named("json");
  LogEvent e = with_context();
  const std::string line = R"({"msg":"x","host":"h2","service":42})";
  ASSERT_EQ(p->parse(line, e), ParseStatus::Partial);
  EXPECT_EQ(e.message, line);
  EXPECT_EQ(e.host, "ctx-host");
  EXPECT_EQ(e.service, "ctx-service");
  EXPECT_EQ(attr(e, "parse_error").rfind("decode.wrong_type", 0), 0u);
}

TEST(JsonParser, IntegersBeyondEighteenDigitsStayNumbersWithTheirExactText) {
  // parsers_fuzz found the first one: the line's number is a JSON number, so the
  // attribute is typed Number and written back verbatim, digit for digit.
  auto p = parser_named("json");
  for (const std::string n : {"7777777777777777711", "-9223372036854775808", "18446744073709551615"}) {
    LogEvent e = with_context();
    ASSERT_EQ(p->parse(R"({"msg":"m","n":)" + n + "}", e), ParseStatus::Ok) << n;
    const Attribute* a = e.attribute("n");
    ASSERT_NE(a, nullptr) << n;
    EXPECT_EQ(a->type, AttrType::Number) << n;
    EXPECT_EQ(a->value, n);
    EXPECT_TRUE(testing::well_formed(e)) << n;
  }
}

TEST(JsonParser, InvalidUtf8IsRepairedNotRejected) {
  auto p = parser_named("json");
  LogEvent e = with_context();
  ASSERT_EQ(p->parse("{\"msg\":\"caf\xC3 au lait\",\"level\":\"error\"}", e), ParseStatus::Ok);
  EXPECT_EQ(e.message, "caf\xEF\xBF\xBD au lait");
  EXPECT_EQ(e.level, Level::Error);
  EXPECT_TRUE(testing::well_formed(e));
}

TEST(JsonParser, ObjectWithoutMessageKeepsFieldsAndUsesTheLine) {
  auto p = parser_named("json");
  LogEvent e = with_context();
  const std::string line = R"({"event":"login","level":"info","user":"ann"})";
  ASSERT_EQ(p->parse(line, e), ParseStatus::Ok);
  EXPECT_EQ(e.message, line);
  EXPECT_EQ(attr(e, "user"), "ann");
  EXPECT_EQ(e.service, "ctx-service");
}

TEST(JsonParser, ReusedEventDoesNotCarryTheLastLinesFields) {
  auto p = parser_named("json");
  LogEvent e = with_context();
  ASSERT_EQ(p->parse(R"({"msg":"one","service":"line-svc"})", e), ParseStatus::Ok);
  EXPECT_EQ(e.service, "line-svc");
  LogEvent next = with_context();
  ASSERT_EQ(p->parse(R"({"msg":"two"})", next), ParseStatus::Ok);
  EXPECT_EQ(next.service, "ctx-service");
  EXPECT_EQ(next.attributes.size(), 1u);
}

}  // namespace
}  // namespace lt::parsers
