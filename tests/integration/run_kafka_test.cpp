// `logtracer run` with kafka.brokers written in its config: the same command, with
// Kafka between the stages. Events with known ids go from a file source through
// the raw topic and a consumer-group member into the processed topic, and from
// there into the dashboard's API; SIGTERM stops the whole process cleanly.
#include <gtest/gtest.h>

#include <cstdio>

#include "test_util.h"

namespace lt::it {
namespace {

std::string event_id(const std::string& tag, int i) { return tag + "-" + std::to_string(i); }

TEST(RunKafka, FileEventsReachTheProcessedTopicAndTheDashboardApi) {
  TempDir dir;
  TestTopic raw("it.run.raw", 3), processed("it.run.processed", 3), dlq("it.run.dlq"), alerts("it.run.alerts");
  for (const auto* t : {&raw, &processed, &dlq, &alerts})
    ASSERT_EQ(t->error(), "") << "is the broker up? scripts/kafka start";
  const std::string tag = kafka::testing::unique_name("runk");
  const std::string service = "runkafkait";
  constexpr int kEvents = 300;

  // JSON lines carry their own ids, so each event can be followed by id end to end.
  const std::string app_log = dir.file("app.log");
  {
    std::FILE* f = std::fopen(app_log.c_str(), "w");
    ASSERT_NE(f, nullptr);
    for (int i = 0; i < kEvents; ++i)
      std::fprintf(f, R"({"id":"%s","level":"INFO","service":"%s","message":"order %d placed"})" "\n",
                   event_id(tag, i).c_str(), service.c_str(), i);
    std::fclose(f);
  }
  const std::string config = dir.file("run.yaml");
  std::ofstream(config) << "kafka:\n  brokers: " << kafka::testing::brokers() << "\n  topics:\n    raw: " << raw.name()
                        << "\n    processed: " << processed.name() << "\n    dlq: " << dlq.name()
                        << "\n    alerts: " << alerts.name() << "\n"
                        << "producer:\n  checkpoint_dir: " << dir.file("checkpoints") << "\n  admin:\n    listen: \"\"\n"
                        << "  sources:\n"
                        << file_source("app", app_log, "      parser: json\n")
                        << "consumer:\n  group_id: " << kafka::testing::unique_name("it.run.group")
                        << "\n  admin:\n    listen: \"\"\n"
                        << "  enrich:\n    static:\n      stage: run-kafka\n"
                        << "dashboard:\n  listen: 127.0.0.1:0\n  history: 10m\n";

  const std::string log = dir.file("run.log");
  Child child({"run", "--config", config}, log);
  ASSERT_GT(child.pid(), 0);
  int port = 0;
  ASSERT_TRUE(kafka::testing::wait_until([&] { return (port = run_dashboard_port(log)) > 0 || !child.alive(); }, 30s,
                                         50ms) &&
              port > 0)
      << read_file(log);
  EXPECT_NE(read_file(log).find("stages joined by Kafka"), std::string::npos) << read_file(log);

  // Every id is in the processed topic, processed (the static field is there).
  TopicReader reader(processed.name());
  ASSERT_EQ(reader.error(), "");
  ASSERT_TRUE(reader.read_until([&] { return reader.distinct_ids(service) >= static_cast<std::size_t>(kEvents); },
                                60s))
      << "processed topic has " << reader.distinct_ids(service) << " of " << kEvents << " ids\n"
      << read_file(log);
  EXPECT_EQ(reader.decode_errors(), 0);

  // And every id reached the dashboard, read back from the processed topic.
  std::string body;
  int missing = kEvents;
  kafka::testing::wait_until(
      [&] {
        body = http_get(port, "/api/v1/events?q=service:" + service + "&limit=1000");
        missing = 0;
        for (int i = 0; i < kEvents; ++i)
          if (body.find("\"" + event_id(tag, i) + "\"") == std::string::npos) ++missing;
        return missing == 0;
      },
      30s, 200ms);
  EXPECT_EQ(missing, 0) << body.substr(0, 2000) << "\n" << read_file(log);
  EXPECT_NE(body.find("\"stage\":\"run-kafka\""), std::string::npos) << "events were not processed: "
                                                                   << body.substr(0, 1000);

  // SIGTERM: sources drain, the producer flushes, the consumer commits, exit 0.
  child.kill(SIGTERM);
  auto status = child.wait_exit(60s);
  ASSERT_TRUE(status.has_value()) << "still running 60 s after SIGTERM\n" << read_file(log);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "status " << *status << "\n" << read_file(log);
}

}  // namespace
}  // namespace lt::it
