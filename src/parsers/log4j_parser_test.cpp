#include "parsers/log4j_parser.h"

#include <gtest/gtest.h>

#include "parsers/test_support.h"

namespace lt::parsers {
namespace {

using testing::attr;
using testing::parser_named;

TEST(Log4jParser, ClassicLog4jLayout) {
  auto p = parser_named("log4j");
  LogEvent e;
  ASSERT_EQ(p->parse("2026-11-27 23:08:51,123 ERROR [http-nio-8080-exec-1] com.shop.PaymentService - card declined",
                     e),
            ParseStatus::Ok);
  EXPECT_EQ(format_rfc3339(e.timestamp), "2026-11-27T23:08:51.123000000Z");
  EXPECT_EQ(e.level, Level::Error);
  EXPECT_EQ(attr(e, "thread"), "http-nio-8080-exec-1");
  EXPECT_EQ(attr(e, "logger"), "com.shop.PaymentService");
  EXPECT_EQ(e.message, "card declined");
}

TEST(Log4jParser, LogbackDefaultLayoutThreadBeforeLevel) {
  auto p = parser_named("log4j");
  LogEvent e;
  ASSERT_EQ(p->parse("2026-11-27 23:08:51.123 [main] WARN  c.s.Config - missing key: timeout", e), ParseStatus::Ok);
  EXPECT_EQ(e.level, Level::Warn);
  EXPECT_EQ(attr(e, "thread"), "main");
  EXPECT_EQ(attr(e, "logger"), "c.s.Config");
  EXPECT_EQ(e.message, "missing key: timeout");
}

TEST(Log4jParser, HadoopSparkAndZookeeperLayouts) {
  auto p = parser_named("log4j");
  LogEvent hdfs;
  ASSERT_EQ(p->parse("081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating", hdfs),
            ParseStatus::Ok);
  EXPECT_EQ(format_rfc3339(hdfs.timestamp), "2008-11-09T20:36:15.000000000Z");
  EXPECT_EQ(attr(hdfs, "pid"), "148");
  EXPECT_EQ(attr(hdfs, "logger"), "dfs.DataNode$PacketResponder");
  EXPECT_EQ(hdfs.message, "PacketResponder 1 terminating");

  LogEvent spark;
  ASSERT_EQ(p->parse("17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for "
                     "[TERM, HUP, INT]",
                     spark),
            ParseStatus::Ok);
  EXPECT_EQ(format_rfc3339(spark.timestamp), "2017-06-09T20:10:40.000000000Z");
  EXPECT_EQ(spark.message, "Registered signal handlers for [TERM, HUP, INT]");

  LogEvent zk;
  ASSERT_EQ(p->parse("2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774]"
                     " - Notification time out: 3200",
                     zk),
            ParseStatus::Ok);
  EXPECT_EQ(attr(zk, "thread"), "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181");
  EXPECT_EQ(attr(zk, "logger"), "FastLeaderElection");
  EXPECT_EQ(attr(zk, "line"), "774");
  EXPECT_EQ(zk.message, "Notification time out: 3200");
}

TEST(Log4jParser, KafkaStyleBracketedTimestamp) {
  auto p = parser_named("log4j");
  LogEvent e;
  ASSERT_EQ(p->parse("[2026-11-27 23:08:51,123] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)", e),
            ParseStatus::Ok);
  EXPECT_EQ(attr(e, "thread"), "KafkaServer id=1");
  EXPECT_EQ(e.message, "started (kafka.server.KafkaServer)");
}

TEST(Log4jParser, ProseAfterTheLevelIsNotMistakenForALogger) {
  auto p = parser_named("log4j");
  LogEvent e;
  ASSERT_EQ(p->parse("2026-11-27 23:08:51 INFO server started on port 80", e), ParseStatus::Ok);
  EXPECT_EQ(e.attribute("logger"), nullptr);
  EXPECT_EQ(e.message, "server started on port 80");
}

TEST(Log4jParser, MissingTimestampOrLevelIsPartial) {
  auto p = parser_named("log4j");
  for (std::string_view line : {"INFO no timestamp", "2026-11-27 23:08:51,123 NOTALEVEL x",
                                "\tat com.foo.Bar.baz(Bar.java:42)", "2026-11-27 23:08:51 [unterminated INFO x"}) {
    LogEvent e;
    EXPECT_EQ(p->parse(line, e), ParseStatus::Partial) << line;
    EXPECT_EQ(e.message, line);
    EXPECT_EQ(e.timestamp, 0);  // nothing half-parsed leaks into the event
  }
}

}  // namespace
}  // namespace lt::parsers
