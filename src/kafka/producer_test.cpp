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
  EXPECT_EQ((*producer)->metrics().in_flight(), 0);
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

// `payloads` as borrowed messages keyed `key`, all sharing `node`.
std::vector<rd_kafka_message_t> borrowed(const std::vector<std::string_view>& payloads, std::string_view key,
                                         Producer::DeliveryNode* node) {
  std::vector<rd_kafka_message_t> out(payloads.size());
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    out[i].payload = const_cast<char*>(payloads[i].data());
    out[i].len = payloads[i].size();
    out[i].key = key.empty() ? nullptr : const_cast<char*>(key.data());
    out[i].key_len = key.size();
    out[i]._private = node;
  }
  return out;
}

TEST(KafkaProducer, BorrowedBatchSharesOneNodeThatSeesEveryReport) {
  auto producer = Producer::create(mock_config());
  ASSERT_TRUE(producer) << producer.error().message;
  auto topic = (*producer)->topic("unit.borrowed");
  ASSERT_TRUE(topic) << topic.error().message;
  SharedNode node;
  std::vector<std::size_t> starts;
  for (int i = 0; i < 100; ++i) {
    starts.push_back(node.buffer.size());
    node.buffer += "payload-" + std::to_string(i);
  }
  starts.push_back(node.buffer.size());
  std::vector<std::string_view> payloads;
  for (std::size_t i = 0; i + 1 < starts.size(); ++i)
    payloads.push_back(std::string_view(node.buffer).substr(starts[i], starts[i + 1] - starts[i]));
  auto messages = borrowed(payloads, "svc", &node);
  ASSERT_EQ((*producer)->produce_batch_borrowed(topic->get(), messages), 100);
  for (const auto& m : messages) EXPECT_EQ(m.err, RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_FALSE((*producer)->flush(10s));
  EXPECT_EQ(node.ok.load(), 100);
  EXPECT_EQ(node.failed.load(), 0);
  EXPECT_EQ((*producer)->metrics().accepted.load(), 100u);
  EXPECT_EQ((*producer)->metrics().delivered.load(), 100u);
  EXPECT_EQ((*producer)->metrics().in_flight(), 0);
  topic->reset();  // before the producer
}

TEST(KafkaProducer, BorrowedBatchFailsItsNodeWhenTheBrokerStaysDown) {
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
  auto messages = borrowed({std::string_view(node.buffer).substr(0, 1), std::string_view(node.buffer).substr(1)}, "",
                           &node);
  ASSERT_EQ((*producer)->produce_batch_borrowed(topic->get(), messages), 2);
  ASSERT_TRUE(wait_until([&] { return node.failed.load() == 2; }, 10s));
  EXPECT_EQ(node.ok.load(), 0);
  topic->reset();
}

TEST(KafkaProducer, BorrowedBatchStopsAtAFullQueueAndQueuesNothingAfter) {
  ProducerOptions options;
  options.queue_buffering_max_messages = 3;
  options.close_timeout = 300ms;
  SharedNode node;
  node.buffer = "abcdef";
  {
    auto producer = Producer::create(mock_config(), options);
    ASSERT_TRUE(producer) << producer.error().message;
    rd_kafka_mock_broker_set_down(rd_kafka_handle_mock_cluster((*producer)->handle()), 1);
    auto topic = (*producer)->topic("unit.borrowed.full");
    ASSERT_TRUE(topic) << topic.error().message;
    std::vector<std::string_view> payloads;
    for (std::size_t i = 0; i < node.buffer.size(); ++i) payloads.push_back(std::string_view(node.buffer).substr(i, 1));
    auto messages = borrowed(payloads, "svc", &node);
    ASSERT_EQ((*producer)->produce_batch_borrowed(topic->get(), messages), 3);
    for (std::size_t i = 0; i < messages.size(); ++i)
      EXPECT_EQ(messages[i].err, i < 3 ? RD_KAFKA_RESP_ERR_NO_ERROR : RD_KAFKA_RESP_ERR__QUEUE_FULL) << i;
    EXPECT_EQ((*producer)->metrics().accepted.load(), 3u);
    EXPECT_EQ((*producer)->metrics().in_flight(), 3);
    topic->reset();
  }
  // Closing purged the three queued messages: each reported once, failed; the
  // three refused ones were never reported.
  EXPECT_EQ(node.failed.load(), 3);
  EXPECT_EQ(node.ok.load(), 0);
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
    EXPECT_EQ((*producer)->metrics().in_flight(), 1);
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
