#include "parsers/access_log.h"

#include <gtest/gtest.h>

#include "parsers/test_support.h"

namespace lt::parsers {
namespace {

using testing::attr;
using testing::parser_named;

constexpr std::string_view kCombined =
    R"x(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?a=1 HTTP/1.0" 200 2326 )x"
    R"x("http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")x";

TEST(AccessLog, CombinedFormatThroughBothPresets) {
  for (const char* preset : {"apache", "nginx"}) {
    auto p = parser_named(preset);
    LogEvent e;
    ASSERT_EQ(p->parse(kCombined, e), ParseStatus::Ok) << preset;
    EXPECT_EQ(format_rfc3339(e.timestamp), "2000-10-10T20:55:36.000000000Z");
    EXPECT_EQ(e.level, Level::Info);
    EXPECT_EQ(attr(e, "client_ip"), "127.0.0.1");
    EXPECT_EQ(attr(e, "user"), "frank");
    EXPECT_EQ(attr(e, "method"), "GET");
    EXPECT_EQ(attr(e, "path"), "/apache_pb.gif?a=1");
    EXPECT_EQ(attr(e, "protocol"), "HTTP/1.0");
    EXPECT_EQ(attr(e, "status"), "200");
    EXPECT_EQ(e.attribute("status")->type, AttrType::Number);
    EXPECT_EQ(attr(e, "bytes"), "2326");
    EXPECT_EQ(attr(e, "referer"), "http://www.example.com/start.html");
    EXPECT_EQ(attr(e, "user_agent"), "Mozilla/4.08 [en] (Win98; I ;Nav)");
    EXPECT_EQ(e.message, kCombined);
  }
}

TEST(AccessLog, CommonFormatStatusLevelsAndOddRequests) {
  auto p = parser_named("nginx");
  LogEvent e;
  ASSERT_EQ(p->parse(R"x(10.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "POST /api HTTP/1.1" 503 -)x", e), ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Error);
  EXPECT_EQ(e.attribute("bytes"), nullptr);
  EXPECT_EQ(e.attribute("user"), nullptr);
  LogEvent w;
  ASSERT_EQ(p->parse(R"x(::1 - - [01/Jan/2026:00:00:00 +0000] "\x16\x03\x01 \"x" 400 150 "-" "-" "1.2.3.4" 0.003)x", w),
            ParseStatus::Ok);
  EXPECT_EQ(w.level, Level::Warn);
  EXPECT_EQ(attr(w, "request"), R"x(\x16\x03\x01 \"x)x");
  EXPECT_EQ(w.attribute("referer"), nullptr);
  EXPECT_EQ(attr(w, "extra"), R"x("1.2.3.4" 0.003)x");
}

TEST(ApacheParser, ErrorLogFormats) {
  auto p = parser_named("apache");
  LogEvent old;
  ASSERT_EQ(p->parse("[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] Directory index forbidden", old),
            ParseStatus::Ok);
  EXPECT_EQ(format_rfc3339(old.timestamp), "2005-12-04T04:47:44.000000000Z");
  EXPECT_EQ(old.level, Level::Error);
  EXPECT_EQ(attr(old, "client_ip"), "1.2.3.4");
  EXPECT_EQ(old.message, "[client 1.2.3.4] Directory index forbidden");  // as Loghub records it
  LogEvent v24;
  ASSERT_EQ(p->parse("[Fri Sep 09 10:42:29.902022 2011] [core:trace3] [pid 35708:tid 4328636416] File does not exist",
                     v24),
            ParseStatus::Ok);
  EXPECT_EQ(v24.level, Level::Trace);
  EXPECT_EQ(attr(v24, "module"), "core");
  EXPECT_EQ(attr(v24, "pid"), "35708");
  EXPECT_EQ(format_rfc3339(v24.timestamp), "2011-09-09T10:42:29.902022000Z");
}

TEST(NginxParser, ErrorLogFormat) {
  auto p = parser_named("nginx");
  LogEvent e;
  ASSERT_EQ(p->parse("2011/05/26 18:19:54 [crit] 1234#0: *17 open() \"/x\" failed (2: No such file), client: "
                     "10.1.2.3, server: localhost, request: \"GET / HTTP/1.1\"",
                     e),
            ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Fatal);
  EXPECT_EQ(attr(e, "pid"), "1234");
  EXPECT_EQ(attr(e, "connection"), "17");
  EXPECT_EQ(attr(e, "client_ip"), "10.1.2.3");
  EXPECT_EQ(e.message.rfind("open() \"/x\" failed", 0), 0u);
}

TEST(AccessLog, NearMissesAreMismatches) {
  for (const char* preset : {"apache", "nginx"}) {
    auto p = parser_named(preset);
    for (std::string_view line : {
             R"x(1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 2000 1)x",   // status not 3 digits
             R"x(1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0 200 1)x",     // unterminated request
             R"x(1.2.3.4 - - [99/Foo/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1)x",    // not a date
             "[Sun Dec 04 04:47:44 2005] [loud] message",                             // not a level
         }) {
      LogEvent e;
      EXPECT_EQ(p->parse(line, e), ParseStatus::Partial) << preset << ": " << line;
      EXPECT_EQ(e.message, line);
      EXPECT_EQ(e.attribute("client_ip"), nullptr);
    }
  }
}

}  // namespace
}  // namespace lt::parsers
