// The Kafka sink against librdkafka's mock cluster: a source's batches reach the
// topic in order and each batch is acknowledged once, whether the source's own
// thread produced it or, the producer's queue being short of room, the sink's
// worker did. The real broker is covered by tests/integration/produce_*_test.cpp.
#include "services/kafka_sink.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>
#include <vector>

#include "core/ack.h"
#include "kafka/testing.h"

namespace lt::services {
namespace {

using namespace std::chrono_literals;
using kafka::testing::wait_until;

// Every payload of the topic's only partition, from the start, read with a plain
// consumer of the mock cluster (no group).
std::vector<std::string> read_topic(rd_kafka_mock_cluster_t* mock, const std::string& topic, std::size_t count) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mock), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "unit.sink.reader", err, sizeof err);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  EXPECT_NE(consumer, nullptr) << err;
  if (consumer == nullptr) return {};
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(consumer, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<std::string> out;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
      out.emplace_back(static_cast<const char*>(m->payload), m->len);
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return out;
}

TEST(KafkaSink, BatchesArriveInOrderWhicheverThreadProducedThem) {
  kafka::ClientConfig client;
  client.properties["test.mock.num.brokers"] = "1";
  kafka::ProducerOptions options;
  // Room for one batch and a bit: the next one cannot be produced on the
  // source's thread and goes to the worker, and those after it wait behind it.
  options.queue_buffering_max_messages = 300;
  options.linger_ms = 5;
  auto producer = kafka::Producer::create(client, options);
  ASSERT_TRUE(producer) << producer.error().message;
  ASSERT_EQ((*producer)->queue_capacity(), 300u);
  auto* mock = rd_kafka_handle_mock_cluster((*producer)->handle());
  ASSERT_NE(mock, nullptr);
  const std::string topic = "unit.sink.order";
  ASSERT_EQ(rd_kafka_mock_topic_create(mock, topic.c_str(), 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);

  constexpr int kBatches = 12, kPerBatch = 256;
  auto tracker = std::make_shared<AckTracker>(kBatches, 0);
  {
    KafkaSink sink(**producer, topic);
    ASSERT_TRUE(sink.accepts_batches());
    EventBatch batch;
    int refused = 0;
    for (int b = 0; b < kBatches; ++b) {
      for (int i = 0; i < kPerBatch; ++i) {
        LogEvent& e = batch.next();
        e.id = "id";
        e.service = "svc";  // one key: one partition, where order is kept
        e.message = "e" + std::to_string(b * kPerBatch + i);
      }
      auto seq = tracker->try_track(b + 1);
      ASSERT_TRUE(seq);
      batch.ack = AckRef{tracker, *seq};
      while (!sink.send_batch(batch, 100ms)) ++refused;  // full: the source would pause and offer again
      EXPECT_EQ(batch.size, 0u);
    }
    EXPECT_TRUE(sink.drain(30s));
    (void)refused;  // either way is right; the order below is what matters
  }
  ASSERT_TRUE(wait_until([&] { return tracker->committed() == kBatches; }, 30s)) << tracker->committed();
  const auto got = read_topic(mock, topic, kBatches * kPerBatch);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kBatches * kPerBatch));
  for (int i = 0; i < kBatches * kPerBatch; ++i) {
    const std::string want = "\"message\":\"e" + std::to_string(i) + "\"";
    ASSERT_NE(got[i].find(want), std::string::npos) << "record " << i << ": " << got[i];
  }
}

}  // namespace
}  // namespace lt::services
