// `logtracer dashboard` rebuilds its window from Kafka on start: each partition is
// assigned at its first record of the last dashboard.history (offsets for times),
// not seeked after assignment, which librdkafka refused ("Erroneous state") and
// which left the dashboard reading all retention. Checked across a restart, with
// live events whose own timestamps are old (backfill), which are shown.
#include <gtest/gtest.h>

#include "kafka/producer.h"
#include "test_util.h"

namespace lt::it {
namespace {

// "logtracer dashboard listening on http://127.0.0.1:PORT" on stdout; 0 until printed.
int listening_port(const std::string& log_path) {
  static const std::regex line(R"(listening on https?://127\.0\.0\.1:([0-9]+))");
  std::smatch m;
  const std::string text = read_file(log_path);
  return std::regex_search(text, m, line) ? std::stoi(m[1]) : 0;
}

// The messages "<tag> <kind> <n>" found in an API response.
std::set<std::string> messages_of(const std::string& body, const std::string& tag) {
  const std::regex re(regex_escape(tag) + " (old|recent|live|backfill) [0-9]+");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  return out;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class DashboardHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto* t : {&processed_, &alerts_, &dlq_})
      ASSERT_EQ(t->error(), "") << "is the broker up? scripts/kafka start";
    auto p = kafka::Producer::create(kafka::testing::local_config("it-dashhist"));
    ASSERT_TRUE(p) << p.error().message;
    producer_ = std::move(p).value();
  }

  // One processed event; its Kafka record is stamped `record_ms`, the event itself
  // `event_ms`.
  void produce(const std::string& message, std::int32_t partition, std::int64_t record_ms, std::int64_t event_ms) {
    LogEvent e;
    e.id = kafka::testing::unique_name("id");
    e.timestamp = event_ms * 1'000'000;
    e.service = service_;
    e.level = Level::Info;
    e.message = message;
    const std::string json = to_json(e);
    kafka::OutgoingMessage m;
    m.topic = processed_.name();
    m.payload = json;
    m.partition = partition;
    m.timestamp_ms = record_ms;
    ASSERT_EQ(producer_->produce(m), std::nullopt);
  }

  // Starts `logtracer dashboard` logging to `log`; its port, or 0.
  int start(std::unique_ptr<Child>& child, const std::string& log) {
    child = std::make_unique<Child>(std::vector<std::string>{"dashboard", "--config", config_}, log);
    int port = 0;
    kafka::testing::wait_until([&] { return (port = listening_port(log)) > 0 || !child->alive(); }, 15s, 20ms);
    return port;
  }

  // Waits until the window holds `want` (and nothing else of this test).
  std::set<std::string> wait_for(int port, const std::set<std::string>& want) {
    std::set<std::string> got;
    kafka::testing::wait_until(
        [&] {
          got = messages_of(http_get(port, "/api/v1/events?q=service:" + service_ + "&limit=1000"), tag_);
          return got == want;
        },
        10s, 100ms);
    return got;
  }

  TempDir dir_;
  TestTopic processed_{"it.dashhist.processed", 3};
  TestTopic alerts_{"it.dashhist.alerts"};
  TestTopic dlq_{"it.dashhist.dlq"};
  std::unique_ptr<kafka::Producer> producer_;
  const std::string tag_ = kafka::testing::unique_name("dashhist");
  const std::string service_ = "dashhistit";
  std::string config_;
};

TEST_F(DashboardHistory, StartsEachPartitionAtTheHistoryWindowAndAgainAfterARestart) {
  const std::int64_t now = now_ms();
  const std::int64_t two_hours_ago = now - 2 * 3600 * 1000;
  // Old records (Kafka timestamp 2 h back, outside the 30 min history) whose events
  // claim to be recent: the window's own time filter would keep them, so only the
  // start offsets can keep them out. Partition 2 holds nothing newer: it must start
  // at its end, and still deliver what is written there later.
  constexpr int kOld = 30, kRecent = 20;
  std::set<std::string> want;
  for (int i = 0; i < kOld; ++i)
    produce(tag_ + " old " + std::to_string(i), i % 3, two_hours_ago + i, now - 60'000);
  for (int i = 0; i < kRecent; ++i) {
    produce(tag_ + " recent " + std::to_string(i), i % 2, now - 60'000 + i, now - 60'000 + i);
    want.insert(tag_ + " recent " + std::to_string(i));
  }
  ASSERT_EQ(producer_->flush(10s), std::nullopt);

  config_ = dir_.file("dashboard.yaml");
  std::ofstream(config_) << "kafka:\n  brokers: " << kafka::testing::brokers() << "\n  topics:\n    processed: "
                         << processed_.name() << "\n    alerts: " << alerts_.name() << "\n    dlq: " << dlq_.name()
                         << "\n"
                         << "dashboard:\n  listen: 127.0.0.1:0\n  history: 30m\n";

  const std::string log1 = dir_.file("first.log");
  std::unique_ptr<Child> first;
  int port = start(first, log1);
  ASSERT_GT(port, 0) << read_file(log1);
  EXPECT_EQ(wait_for(port, want), want) << read_file(log1);

  // Live events keep arriving, including on the partition that started at its end.
  // Backfilled ones (a source catching up on an old file, a host with a wrong clock)
  // are live too although their events are stamped long ago: history is cut by
  // when Kafka got the record, never by what the event claims.
  for (int i = 0; i < 3; ++i) {
    const std::string text = tag_ + " live " + std::to_string(i);
    produce(text, 2, now_ms(), now_ms());
    want.insert(text);
  }
  for (int i = 0; i < 3; ++i) {
    const std::string text = tag_ + " backfill " + std::to_string(i);
    produce(text, i, now_ms(), two_hours_ago - i * 24 * 3600 * 1000LL);
    want.insert(text);
  }
  ASSERT_EQ(producer_->flush(10s), std::nullopt);
  EXPECT_EQ(wait_for(port, want), want) << read_file(log1);

  first->kill(SIGTERM);
  ASSERT_TRUE(first->wait_exit(15s).has_value()) << read_file(log1);

  // A restart shows the same history, rebuilt from Kafka.
  const std::string log2 = dir_.file("second.log");
  std::unique_ptr<Child> second;
  port = start(second, log2);
  ASSERT_GT(port, 0) << read_file(log2);
  EXPECT_EQ(wait_for(port, want), want) << read_file(log2);
  second.reset();

  for (const auto* log : {&log1, &log2}) {
    const std::string text = read_file(*log);
    EXPECT_EQ(text.find("Erroneous state"), std::string::npos) << text;
    EXPECT_EQ(text.find("offsets for time failed"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace lt::it
