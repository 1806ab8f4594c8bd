// Fault injection with librdkafka's mock cluster: delivery outcomes reach the
// caller exactly once and carry the right class. The real-broker behaviour is
// covered by tests/integration/kafka_*_test.cpp.
#include "kafka/producer.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka/testing.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lt::kafka {
namespace {

using namespace std::chrono_literals;

constexpr std::int16_t kProduceApiKey = 0;

// Kafka's mock cluster lives inside the client: one broker, topic auto-created.
ClientConfig mock_config() {
  ClientConfig config;
  config.properties["test.mock.num.brokers"] = "1";
  return config;
}

struct Outcomes {
  std::mutex mu;
  std::vector<DeliveryReport> reports;
  std::vector<Error> errors;
  std::atomic<int> calls{0};

  DeliveryCallback callback() {
    return [this](const DeliveryReport& r) {
      std::lock_guard lock(mu);
      reports.push_back(r);
      if (r.error) errors.push_back(*r.error);
      calls.fetch_add(1);
    };
  }
};

using testing::wait_until;

TEST(KafkaProducer, DeliveredMessagesAckTheirTrackerContiguously) {
  auto producer = Producer::create(mock_config());
  ASSERT_TRUE(producer) << producer.error().message;
  auto tracker = std::make_shared<AckTracker>(1000, 0);
  for (int i = 1; i <= 200; ++i) {
    auto seq = tracker->try_track(i);
    ASSERT_TRUE(seq);
    const std::string key = "svc" + std::to_string(i % 7);
    ASSERT_FALSE((*producer)->produce({.topic = "unit.acks", .key = key, .payload = "x"},
                                      AckRef{tracker, *seq}));
  }
  ASSERT_FALSE((*producer)->flush(10s));
  EXPECT_EQ(tracker->committed(), 200);
  EXPECT_FALSE(tracker->failed());
  EXPECT_EQ((*producer)->metrics().accepted.load(), 200u);
  EXPECT_EQ((*producer)->metrics().delivered.load(), 200u);
  EXPECT_EQ((*producer)->metrics().in_flight.load(), 0);
}

// Counts the reports of the messages sharing it; the buffer they point into lives here.
struct SharedNode final : Producer::DeliveryNode {
  void complete(const DeliveryReport& report) noexcept override {
    (report.ok() ? ok : failed).fetch_add(1);
  }
  std::string buffer;
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
};

TEST(KafkaProducer, BorrowedPayloadsShareOneNodeThatSeesEveryReport) {
  auto producer = Producer::create(mock_config());
  ASSERT_TRUE(producer) << producer.error().message;
  auto topic = (*producer)->topic("unit.borrowed");
  ASSERT_TRUE(topic) << topic.error().message;
  SharedNode node;
  for (int i = 0; i < 100; ++i) node.buffer += "payload-" + std::to_string(i) + ";";
  std::string_view rest = node.buffer;
  int sent = 0;
  while (!rest.empty()) {
    const auto cut = rest.find(';') + 1;
    ASSERT_FALSE((*producer)->produce_borrowed(topic->get(), "svc", rest.substr(0, cut), &node));
    rest.remove_prefix(cut);
    ++sent;
  }
  ASSERT_FALSE((*producer)->flush(10s));
  EXPECT_EQ(node.ok.load(), sent);
  EXPECT_EQ(node.failed.load(), 0);
  EXPECT_EQ((*producer)->metrics().delivered.load(), 100u);
  EXPECT_EQ((*producer)->metrics().in_flight.load(), 0);
  topic->reset();  // before the producer
}

TEST(KafkaProducer, BorrowedPayloadsFailTheirNodeWhenTheBrokerStaysDown) {
  ProducerOptions options;
  options.message_timeout_ms = 1'000;
  auto producer = Producer::create(mock_config(), options);
  ASSERT_TRUE(producer) << producer.error().message;
  auto* mock = rd_kafka_handle_mock_cluster((*producer)->handle());
  ASSERT_EQ(rd_kafka_mock_broker_set_down(mock, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto topic = (*producer)->topic("unit.borrowed.down");
  ASSERT_TRUE(topic) << topic.error().message;
  SharedNode node;
  node.buffer = "ab";
  ASSERT_FALSE((*producer)->produce_borrowed(topic->get(), "", std::string_view(node.buffer).substr(0, 1), &node));
  ASSERT_FALSE((*producer)->produce_borrowed(topic->get(), "", std::string_view(node.buffer).substr(1), &node));
  ASSERT_TRUE(wait_until([&] { return node.failed.load() == 2; }, 10s));
  EXPECT_EQ(node.ok.load(), 0);
  topic->reset();
}

TEST(KafkaProducer, PermanentBrokerErrorFailsOnceAndIsClassified) {
  std::atomic<int> hook_calls{0};
  ProducerOptions options;
  options.idempotent = false;  // the error must reach the message, not the idempotence state
  options.on_delivery_error = [&](const Error&) { hook_calls.fetch_add(1); };
  auto producer = Producer::create(mock_config(), options);
  ASSERT_TRUE(producer) << producer.error().message;
  // Warm up: the topic exists and the connection is up before the fault.
  ASSERT_FALSE((*producer)->produce({.topic = "unit.fail", .payload = "warm"}));
  ASSERT_FALSE((*producer)->flush(10s));
  auto* mock = rd_kafka_handle_mock_cluster((*producer)->handle());
  ASSERT_NE(mock, nullptr);
  rd_kafka_mock_push_request_errors(mock, kProduceApiKey, 1,
                                    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);

  Outcomes outcomes;
  ASSERT_FALSE((*producer)->produce({.topic = "unit.fail", .payload = "doomed"}, outcomes.callback()));
  ASSERT_FALSE((*producer)->flush(10s));
  ASSERT_TRUE(wait_until([&] { return outcomes.calls.load() >= 1; }, 5s));
  std::this_thread::sleep_for(200ms);  // a second (wrong) report would arrive in this window
  std::lock_guard lock(outcomes.mu);
  ASSERT_EQ(outcomes.calls.load(), 1);
  ASSERT_EQ(outcomes.errors.size(), 1u);
  EXPECT_EQ(outcomes.errors[0].code, "kafka.topic_authorization_failed");
  EXPECT_EQ(outcomes.errors[0].klass, ErrorClass::Permanent);
  EXPECT_NE(outcomes.errors[0].message.find("unit.fail"), std::string::npos);
  EXPECT_EQ(hook_calls.load(), 1);
  EXPECT_EQ((*producer)->metrics().failed.load(), 1u);
}

TEST(KafkaProducer, BrokerDownTimesOutAsTransientAndFailsTheAck) {
  ProducerOptions options;
  options.message_timeout_ms = 1'000;
  auto producer = Producer::create(mock_config(), options);
  ASSERT_TRUE(producer) << producer.error().message;
  auto* mock = rd_kafka_handle_mock_cluster((*producer)->handle());
  ASSERT_EQ(rd_kafka_mock_broker_set_down(mock, 1), RD_KAFKA_RESP_ERR_NO_ERROR);

  auto tracker = std::make_shared<AckTracker>(16, 0);
  Outcomes outcomes;
  ASSERT_FALSE((*producer)->produce({.topic = "unit.down", .payload = "a"}, outcomes.callback()));
  ASSERT_FALSE((*producer)->produce({.topic = "unit.down", .payload = "b"},
                                    AckRef{tracker, *tracker->try_track(1)}));
  ASSERT_TRUE(wait_until([&] { return outcomes.calls.load() == 1 && tracker->failed(); }, 10s));
  std::lock_guard lock(outcomes.mu);
  ASSERT_EQ(outcomes.errors.size(), 1u);
  EXPECT_EQ(outcomes.errors[0].code, "kafka.msg_timed_out");
  EXPECT_TRUE(outcomes.errors[0].retriable());
  EXPECT_EQ(tracker->committed(), 0);
}

TEST(KafkaProducer, FullQueueIsTransientBackpressureAndCloseFailsTheRest) {
  ProducerOptions options;
  options.queue_buffering_max_messages = 1;
  options.close_timeout = 300ms;
  Outcomes outcomes;
  {
    auto producer = Producer::create(mock_config(), options);
    ASSERT_TRUE(producer) << producer.error().message;
    rd_kafka_mock_broker_set_down(rd_kafka_handle_mock_cluster((*producer)->handle()), 1);
    ASSERT_FALSE((*producer)->produce({.topic = "unit.full", .payload = "1"}, outcomes.callback()));
    auto second = (*producer)->produce({.topic = "unit.full", .payload = "2"}, outcomes.callback());
    ASSERT_TRUE(second);
    EXPECT_EQ(second->code, "kafka.queue_full");
    EXPECT_TRUE(second->retriable());
    EXPECT_EQ((*producer)->metrics().in_flight.load(), 1);
  }
  // The destructor purged the undelivered message: its callback fired once,
  // with a transient error; the rejected one never fires.
  ASSERT_EQ(outcomes.calls.load(), 1);
  ASSERT_EQ(outcomes.errors.size(), 1u);
  EXPECT_TRUE(outcomes.errors[0].retriable()) << outcomes.errors[0].code;
}

TEST(KafkaProducer, FatalIdempotenceErrorIsReportedAsFatal) {
  auto producer = Producer::create(mock_config());
  ASSERT_TRUE(producer) << producer.error().message;
  ASSERT_FALSE((*producer)->produce({.topic = "unit.fatal", .payload = "ok"}));
  ASSERT_FALSE((*producer)->flush(10s));
  EXPECT_FALSE((*producer)->fatal_error());
  rd_kafka_test_fatal_error((*producer)->handle(), RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                            "injected by test");
  auto fatal = (*producer)->fatal_error();
  ASSERT_TRUE(fatal);
  EXPECT_TRUE(fatal->fatal());
  EXPECT_EQ(fatal->code, "kafka.out_of_order_sequence_number");
  auto after = (*producer)->produce({.topic = "unit.fatal", .payload = "late"});
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->fatal()) << after->code;
}

TEST(KafkaProducer, HeadersAndExplicitPartitionAreAccepted) {
  auto producer = Producer::create(mock_config());
  ASSERT_TRUE(producer) << producer.error().message;
  const Header headers[] = {{"why", "test"}, {"from", "unit"}};
  Outcomes outcomes;
  ASSERT_FALSE((*producer)->produce(
      {.topic = "unit.headers", .key = "k", .payload = "v", .headers = headers, .partition = 2},
      outcomes.callback()));
  ASSERT_FALSE((*producer)->flush(10s));
  ASSERT_EQ(outcomes.calls.load(), 1);
  EXPECT_TRUE(outcomes.reports[0].ok());
  EXPECT_EQ(outcomes.reports[0].partition, 2);
  EXPECT_GE(outcomes.reports[0].offset, 0);
}

}  // namespace
}  // namespace lt::kafka
