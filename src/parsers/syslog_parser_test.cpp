#include "parsers/syslog_parser.h"

#include <gtest/gtest.h>

#include "parsers/test_support.h"
#include "parsers/timestamps.h"

namespace lt::parsers {
namespace {

using testing::attr;
using testing::parser_named;

TEST(SyslogParser, Rfc5424WithStructuredDataAndBom) {
  auto p = parser_named("syslog");
  LogEvent e;
  e.host = "ctx-host";
  ASSERT_EQ(p->parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 "
                     "[exampleSDID@32473 iut=\"3\" eventSource=\"Appli\\\"cation\"][meta seq=\"7\"] "
                     "\xEF\xBB\xBF" "An application event log entry...",
                     e),
            ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Info);  // 165 = local4.notice
  EXPECT_EQ(attr(e, "facility"), "local4");
  EXPECT_EQ(e.timestamp, *parse_rfc3339("2003-10-11T22:14:15.003Z"));
  EXPECT_EQ(e.host, "mymachine.example.com");
  EXPECT_EQ(attr(e, "app"), "evntslog");
  EXPECT_EQ(attr(e, "pid"), "1234");
  EXPECT_EQ(e.attribute("pid")->type, AttrType::Number);
  EXPECT_EQ(attr(e, "msgid"), "ID47");
  EXPECT_EQ(attr(e, "exampleSDID@32473.iut"), "3");
  EXPECT_EQ(attr(e, "exampleSDID@32473.eventSource"), "Appli\"cation");
  EXPECT_EQ(attr(e, "meta.seq"), "7");
  EXPECT_EQ(e.message, "An application event log entry...");
}

TEST(SyslogParser, Rfc5424NilValuesKeepTheContext) {
  auto p = parser_named("syslog");
  LogEvent e;
  e.host = "ctx-host";
  ASSERT_EQ(p->parse("<11>1 - - - - - -", e), ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Error);  // user.err
  EXPECT_EQ(e.host, "ctx-host");
  EXPECT_EQ(e.message, "");
  EXPECT_EQ(e.attribute("app"), nullptr);
}

TEST(SyslogParser, Rfc5424MalformedStructuredDataIsPartial) {
  auto p = parser_named("syslog");
  LogEvent e;
  const std::string line = "<11>1 - host app - - [id k=\"unterminated] msg";
  ASSERT_EQ(p->parse(line, e), ParseStatus::Partial);
  EXPECT_EQ(e.message, line);
  EXPECT_EQ(e.host, "");  // nothing half-parsed leaks into the event
}

TEST(SyslogParser, Rfc3164WithPri) {
  auto p = parser_named("syslog");
  LogEvent e;
  ASSERT_EQ(p->parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", e),
            ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Fatal);  // auth.crit
  EXPECT_EQ(attr(e, "facility"), "auth");
  EXPECT_EQ(e.host, "mymachine");
  EXPECT_EQ(attr(e, "app"), "su");
  EXPECT_EQ(e.attribute("pid"), nullptr);
  EXPECT_EQ(e.message, "'su root' failed for lonvick on /dev/pts/8");
  EXPECT_EQ(format_rfc3339(e.timestamp).substr(4), "-10-11T22:14:15.000000000Z");
}

TEST(SyslogParser, BsdLineWithoutPriAsInVarLogMessages) {
  auto p = parser_named("syslog");
  LogEvent e;
  ASSERT_EQ(p->parse("Jun  9 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown \r\n", e),
            ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Info);  // no PRI: RFC 3164's default user.notice
  EXPECT_EQ(e.host, "combo");
  EXPECT_EQ(attr(e, "app"), "sshd(pam_unix)");
  EXPECT_EQ(attr(e, "pid"), "19939");
  EXPECT_EQ(e.message, "check pass; user unknown");
  EXPECT_EQ(e.attribute("facility"), nullptr);
}

TEST(SyslogParser, TagWithoutHostAndTagsWithSpaces) {
  auto p = parser_named("syslog");
  LogEvent a;
  a.host = "ctx";
  ASSERT_EQ(p->parse("<13>Feb  5 17:32:18 sshd[42]: Accepted publickey", a), ParseStatus::Ok);
  EXPECT_EQ(a.host, "ctx");
  EXPECT_EQ(attr(a, "app"), "sshd");
  EXPECT_EQ(a.message, "Accepted publickey");
  LogEvent b;
  ASSERT_EQ(p->parse("Jun 19 04:09:11 combo syslogd 1.4.1: restart.", b), ParseStatus::Ok);
  EXPECT_EQ(attr(b, "app"), "syslogd 1.4.1");
  EXPECT_EQ(b.message, "restart.");
  LogEvent c;
  ASSERT_EQ(p->parse("Jun 19 04:09:11 combo no tag here at all", c), ParseStatus::Ok);
  EXPECT_EQ(c.attribute("app"), nullptr);
  EXPECT_EQ(c.message, "no tag here at all");
}

TEST(SyslogParser, RsyslogHighPrecisionTimestampAndBarePri) {
  auto p = parser_named("syslog");
  LogEvent e;
  ASSERT_EQ(p->parse("<30>2026-11-27T23:08:51.123456+01:00 web-1 nginx[7]: started", e), ParseStatus::Ok);
  EXPECT_EQ(format_rfc3339(e.timestamp), "2026-11-27T22:08:51.123456000Z");
  EXPECT_EQ(e.host, "web-1");
  EXPECT_EQ(e.level, Level::Info);  // daemon.info
  LogEvent bare;
  ASSERT_EQ(p->parse("<12>just a message", bare), ParseStatus::Ok);
  EXPECT_EQ(bare.level, Level::Warn);
  EXPECT_EQ(bare.message, "just a message");
}

TEST(SyslogParser, NotSyslogIsPartial) {
  auto p = parser_named("syslog");
  for (std::string_view line : {"hello world", "<999>Jun 14 15:16:01 h x: y", "<13", "Jux 14 15:16:01 h a: b"}) {
    LogEvent e;
    EXPECT_EQ(p->parse(line, e), ParseStatus::Partial) << line;
    EXPECT_EQ(e.message, line);
  }
}

TEST(YearlessDates, TakeTheCurrentYearUnlessThatPutsThemInTheFuture) {
  const TimestampNs nov_2026 = *parse_rfc3339("2026-11-27T23:00:00Z");
  const TimestampNs jan_2027 = *parse_rfc3339("2027-01-02T00:00:00Z");
  EXPECT_EQ(year_for_yearless(6, nov_2026), 2026);
  EXPECT_EQ(year_for_yearless(12, nov_2026), 2026);
  EXPECT_EQ(year_for_yearless(12, jan_2027), 2026);  // a December line read in January
  EXPECT_EQ(year_for_yearless(2, jan_2027), 2027);
}

}  // namespace
}  // namespace lt::parsers
