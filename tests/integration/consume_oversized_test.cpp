// Outputs the broker can never take must not stall a partition of `logtracer
// consume` (issue #5: "a poison record never stalls its partition"), and an alert
// caused by a record is one of its outputs. The consumer's producer is given a
// small message.max.bytes (200 kB) and the input carries:
//   - an event whose processed form is too big → cut to fit, flagged `truncated`;
//   - a non-JSON record too big to dead-letter whole → dead letter cut to fit,
//     with `lt.payload.truncated` saying the original size;
//   - an event matching an alert rule → processed, and a notification on `alerts`;
// and the records after them are processed, and every offset is committed.
#include <gtest/gtest.h>

#include "core/id.h"
#include "core/utf8.h"
#include "kafka/producer.h"
#include "test_util.h"

namespace lt::it {
namespace {

using kafka::testing::unique_name;

std::string event_json(const std::string& message) {
  LogEvent e;
  e.id = new_event_id();
  e.timestamp = now_ns();
  e.level = Level::Error;
  e.service = "api";
  e.message = message;
  return to_json(e);
}

TEST(ConsumeOversized, TooBigOutputsAreCutNotRetriedForeverAndAlertsAreDelivered) {
  TestTopic raw{"it.oversized.raw"}, processed{"it.oversized.processed"}, dlq{"it.oversized.dlq"},
      alerts{"it.oversized.alerts"};
  for (const auto* topic : {&raw, &processed, &dlq, &alerts})
    ASSERT_EQ(topic->error(), "") << "is the broker up? scripts/kafka start";

  std::string big_message = "big ";
  while (big_message.size() < 400'000) big_message += "\xE2\x82\xAC";  // 3-byte characters
  const std::string garbage(400'000, '#');
  const std::vector<std::string> input = {event_json("small 0"), event_json(big_message), garbage,
                                          event_json("java.lang.OutOfMemoryError: heap"), event_json("small 1")};
  {
    auto producer = kafka::Producer::create(kafka::testing::local_config("it-oversized-input"));
    ASSERT_TRUE(producer.ok());
    std::atomic<int> failed{0};
    for (const auto& payload : input)
      ASSERT_FALSE((*producer)->produce({.topic = raw.name(), .key = "k", .payload = payload},
                                        [&](const kafka::DeliveryReport& r) { failed += !r.ok(); }));
    ASSERT_FALSE((*producer)->flush(30s));
    ASSERT_EQ(failed.load(), 0);
  }

  TempDir dir;
  const std::string group = unique_name("it.oversized");
  const std::string config = dir.file("consume.yaml"), log = dir.file("consume.log");
  write_by_rename(config, "kafka:\n  brokers: " + kafka::testing::brokers() + "\n  topics: {raw: " + raw.name() +
                              ", processed: " + processed.name() + ", dlq: " + dlq.name() +
                              ", alerts: " + alerts.name() +
                              "}\n"
                              "  properties: {message.max.bytes: \"200000\"}\n"
                              "consumer:\n"
                              "  group_id: " + group + "\n"
                              "  alerts:\n"
                              "    - name: out-of-memory\n"
                              "      type: pattern\n"
                              "      query: OutOfMemoryError\n");
  Child consumer({"consume", "--config", config}, log);

  struct Out {
    std::string topic, payload;
    std::map<std::string, std::string> headers;
  };
  std::vector<Out> outs;
  {
    kafka::ConsumerOptions o;
    o.group_id = unique_name("it.oversized.verifier");
    auto reader = kafka::Consumer::create(kafka::testing::local_config("it-oversized-verifier"), o);
    ASSERT_TRUE(reader.ok());
    ASSERT_FALSE((*reader)->subscribe({processed.name(), dlq.name(), alerts.name()}));
    kafka::testing::wait_until(
        [&] {
          kafka::Message m = (*reader)->poll(200ms);
          if (m && !m.error()) {
            Out out{std::string(m.topic()), std::string(m.payload()), {}};
            for (const char* h : {"lt.stage", "lt.error.code", "lt.payload.truncated"})
              if (auto v = m.header(h)) out.headers[h] = std::string(*v);
            outs.push_back(std::move(out));
          }
          return outs.size() >= 6 || !consumer.alive();
        },
        40s, 0ms);
    (void)(*reader)->close();
  }
  ASSERT_EQ(outs.size(), 6U) << "4 processed, 1 dead letter, 1 alert expected\n" << read_file(log).substr(0, 4000);

  EventDecoder decoder;
  LogEvent e;
  std::vector<std::string> messages;
  int dead = 0, notifications = 0;
  for (const auto& out : outs) {
    if (out.topic == processed.name()) {
      ASSERT_FALSE(decoder.decode(out.payload, e)) << out.payload.substr(0, 200);
      messages.push_back(e.message.substr(0, 4));
      if (e.message.rfind("big ", 0) == 0) {
        const Attribute* flag = e.attribute("truncated");
        EXPECT_TRUE(flag && flag->value == "true") << "a cut event is flagged";
        EXPECT_LE(out.payload.size(), 200'000U);
        EXPECT_GT(out.payload.size(), 150'000U) << "cut no more than needed";
        EXPECT_TRUE(is_valid_utf8(e.message));
      }
    } else if (out.topic == dlq.name()) {
      ++dead;
      EXPECT_EQ(out.headers.at("lt.stage"), "decode");
      EXPECT_EQ(out.headers.count("lt.payload.truncated"), 1U);
      if (out.headers.count("lt.payload.truncated")) {
        EXPECT_EQ(out.headers.at("lt.payload.truncated"), "400000");
      }
      EXPECT_LE(out.payload.size(), 200'000U);
      EXPECT_EQ(out.payload, garbage.substr(0, out.payload.size())) << "the head of the original bytes";
    } else {
      ++notifications;
      EXPECT_NE(out.payload.find("out-of-memory"), std::string::npos) << out.payload;
    }
  }
  EXPECT_EQ(messages, (std::vector<std::string>{"smal", "big ", "java", "smal"}));
  EXPECT_EQ(dead, 1);
  EXPECT_EQ(notifications, 1);

  // SIGTERM drains and commits: every input offset, the alert-causing one included.
  consumer.kill(SIGTERM);
  const auto status = consumer.wait_exit(30s);
  ASSERT_TRUE(status.has_value()) << "SIGTERM did not stop the consumer";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log).substr(0, 4000);
  kafka::ConsumerOptions o;
  o.group_id = group;
  auto probe = kafka::Consumer::create(kafka::testing::local_config("it-oversized-probe"), o);
  ASSERT_TRUE(probe.ok());
  auto committed = (*probe)->committed({kafka::TopicPartition{raw.name(), 0, 0}}, 10s);
  ASSERT_TRUE(committed.ok()) << committed.error().message;
  ASSERT_EQ(committed->size(), 1U);
  EXPECT_EQ((*committed)[0].offset, static_cast<std::int64_t>(input.size())) << read_file(log).substr(0, 4000);
  (void)(*probe)->close();
}

}  // namespace
}  // namespace lt::it
