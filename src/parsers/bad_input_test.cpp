// Every registered parser against hostile input: empty, garbage, 1 MiB, invalid
// UTF-8, NUL bytes, unterminated quotes. Nothing may crash, nothing may be lost.
#include <gtest/gtest.h>

#include <string>

#include "core/utf8.h"
#include "parsers/scan.h"
#include "parsers/test_support.h"

namespace lt::parsers {
namespace {

using testing::well_formed;

std::unique_ptr<LineParser> make_for_test(std::string_view name) {
  // The regex parser needs a pattern; this one is a typical user pattern.
  const std::string pattern =
      name == "regex" ? R"(^(?P<timestamp>\S+) (?P<level>[A-Z]+) (?P<message>.*)$)" : std::string();
  return testing::parser_named(std::string(name), pattern);
}

std::string sanitized(std::string_view s) {
  std::string out;
  append_sanitized_utf8(strip_line_end(s), out);
  return out;
}

const std::string& huge_line() {
  static const std::string line = [] {
    std::string s;
    s.reserve(1 << 20);
    while (s.size() < (1u << 20)) s += "xyzzy\xC3(\x01garbage";  // no '=', no space: no format matches
    s.resize(1 << 20);
    return s;
  }();
  return line;
}

// Inputs no structured format accepts: a parser either reports Partial with the
// raw line as message, or (raw) keeps the raw line as its message.
std::vector<std::string> unstructured_inputs() {
  return {
      std::string("\x01\x02\x03\xFF\xFE garbage \x80\x81"),
      std::string("inva\xC0\xAFlid \xED\xA0\x80 utf8 \xF4\x90\x80\x80"),
      std::string("nul\0in\0the\0middle", 18),
      std::string("{\"msg\": \"unterminated"),
      std::string("<34"),
      std::string("[Sun Dec 04 04:47:44"),
      huge_line(),
  };
}

class EveryParser : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EveryParser, UnstructuredInputIsKeptVerbatimAndValid) {
  auto p = make_for_test(GetParam());
  ASSERT_TRUE(p);
  for (const auto& input : unstructured_inputs()) {
    LogEvent e;
    e.service = "ctx";
    const ParseStatus status = p->parse(input, e);
    EXPECT_TRUE(well_formed(e)) << GetParam();
    EXPECT_EQ(e.service, "ctx");
    if (GetParam() == "raw") {
      EXPECT_EQ(status, ParseStatus::Ok);
      EXPECT_EQ(e.message, sanitized(input));
    } else {
      EXPECT_EQ(status, ParseStatus::Partial) << GetParam() << " accepted " << input.substr(0, 60);
      EXPECT_EQ(e.message, sanitized(input)) << GetParam();
      EXPECT_NE(e.attribute("parse_error"), nullptr) << GetParam();
    }
  }
}

TEST_P(EveryParser, EmptyAndBlankLinesDoNotCrash) {
  auto p = make_for_test(GetParam());
  ASSERT_TRUE(p);
  for (std::string_view input : {"", "\n", "\r\n", "   ", "\t"}) {
    LogEvent e;
    p->parse(input, e);
    EXPECT_TRUE(well_formed(e));
    EXPECT_EQ(e.message, strip_line_end(input)) << GetParam();
  }
}

TEST_P(EveryParser, UnterminatedQuotesKeepTheLine) {
  auto p = make_for_test(GetParam());
  ASSERT_TRUE(p);
  const std::string input = "level=error msg=\"half a message with \\\"escapes";
  LogEvent e;
  const ParseStatus status = p->parse(input, e);
  EXPECT_TRUE(well_formed(e));
  if (status == ParseStatus::Partial) {
    EXPECT_EQ(e.message, input);
  }
  EXPECT_NE(e.message.find("half a message"), std::string::npos) << GetParam();
}

TEST_P(EveryParser, InvalidUtf8InsideAWellFormedLineIsRepaired) {
  auto p = make_for_test(GetParam());
  ASSERT_TRUE(p);
  const std::vector<std::string> lines = {
      "2026-01-02T03:04:05Z ERROR bad \xFF byte",
      "level=error msg=\"bad \xFF byte\" k\xFE=v\xFD",
      "{\"msg\":\"bad \xFF byte\"}",
      "<11>1 2026-01-02T03:04:05Z h\xFF app 1 - [id k=\"\xFF\"] bad \xFF byte",
      "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: bad \xFF byte",
      "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /\xFF HTTP/1.0\" 200 2326 \"-\" \"\xFF\"",
      "2015-07-29 17:41:44,747 - INFO  [main:Foo@1] - bad \xFF byte",
  };
  for (const auto& line : lines) {
    LogEvent e;
    p->parse(line, e);
    EXPECT_TRUE(well_formed(e)) << GetParam() << ": " << line;
    EXPECT_NE(e.message.find("\xEF\xBF\xBD"), std::string::npos) << GetParam() << ": " << line;
  }
}

TEST_P(EveryParser, NumbersWithLeadingZerosAreNotTypedNumber) {
  auto p = make_for_test(GetParam());
  ASSERT_TRUE(p);
  for (std::string_view line : {
           R"(1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 002 0123)",
           R"(1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 0123)",
           "2015-07-29 17:41:44,747 - INFO  [main:Foo@0012] - x",
           "081109 203615 0148 INFO a.B: x",
           "Jun 14 15:16:01 combo sshd[0042]: x",
           "n=007 m=-0 k=1e5 msg=x",
       }) {
    LogEvent e;
    p->parse(line, e);
    EXPECT_TRUE(well_formed(e)) << GetParam() << ": " << line;
  }
}

std::vector<std::string_view> parser_names() {
  std::vector<std::string_view> names;
  for (const auto& d : parser_descriptors()) names.push_back(d.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Parsers, EveryParser, ::testing::ValuesIn(parser_names()),
                         [](const auto& info) { return std::string(info.param); });

TEST(MakeParser, UnknownNameListsTheKnownOnes) {
  auto made = make_parser(ParserOptions{"jsn", ""});
  ASSERT_TRUE(std::holds_alternative<std::string>(made));
  const auto& error = std::get<std::string>(made);
  EXPECT_NE(error.find("unknown parser 'jsn'"), std::string::npos) << error;
  for (const auto& d : parser_descriptors()) EXPECT_NE(error.find(d.name), std::string::npos) << error;
}

}  // namespace
}  // namespace lt::parsers
