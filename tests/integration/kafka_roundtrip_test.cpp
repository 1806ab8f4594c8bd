// 10,000 events through the real broker of scripts/kafka and back through a
// consumer group: every event exactly once, order kept per key, offsets committed.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>

#include "core/ack.h"
#include "core/id.h"
#include "core/json_codec.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "kafka/testing.h"

namespace lt::kafka {
namespace {

using namespace std::chrono_literals;

constexpr int kEvents = 10'000;
constexpr int kServices = 10;
constexpr int kPartitions = 3;

LogEvent make_event(int n, int service, std::int64_t seq) {
  LogEvent e;
  e.id = new_event_id();
  e.timestamp = now_ns();
  e.level = n % 10 == 0 ? Level::Error : Level::Info;
  e.service = "svc-" + std::to_string(service);
  e.environment = "test";
  e.host = "it-host";
  e.source = "generator";
  e.message = "event " + std::to_string(n) + " with \"quotes\" and ünïcode";
  e.set_attribute("seq", std::to_string(seq), AttrType::Number);
  return e;
}

TEST(KafkaRoundtrip, TenThousandEventsExactlyOnceInOrderPerKey) {
  const auto config = testing::local_config("it-roundtrip");
  const std::string topic = testing::unique_name("it.roundtrip");
  auto admin = Admin::create(config);
  ASSERT_TRUE(admin) << admin.error().message;
  ASSERT_FALSE((*admin)->create_topic(topic, kPartitions)) << "is the broker up? scripts/kafka start";

  // Produce, each event acknowledged through the ack core.
  std::set<std::string> sent_ids;
  {
    auto producer = Producer::create(config);
    ASSERT_TRUE(producer) << producer.error().message;
    auto tracker = std::make_shared<AckTracker>(kEvents, 0);
    std::int64_t seq[kServices] = {};
    for (int n = 0; n < kEvents; ++n) {
      const int service = n % kServices;
      const LogEvent event = make_event(n, service, ++seq[service]);
      sent_ids.insert(event.id);
      const std::string json = to_json(event);
      AckRef ack{tracker, *tracker->try_track(n + 1)};
      Status status;
      // Backpressure: a full local queue is retried until the deadline.
      ASSERT_TRUE(testing::wait_until(
          [&] {
            status = (*producer)->produce({.topic = topic, .key = event.service, .payload = json}, ack);
            return !status || !status->retriable();
          },
          30s, 1ms));
      ASSERT_FALSE(status) << status->message;
    }
    ASSERT_FALSE((*producer)->flush(60s));
    EXPECT_EQ(tracker->committed(), kEvents) << "every delivery report acknowledged";
    EXPECT_EQ((*producer)->metrics().delivered.load(), static_cast<std::uint64_t>(kEvents));
    EXPECT_EQ((*producer)->metrics().failed.load(), 0u);
  }
  ASSERT_EQ(sent_ids.size(), static_cast<size_t>(kEvents));

  // Consume through a group, storing each offset after it was processed.
  ConsumerOptions options;
  options.group_id = testing::unique_name("it.roundtrip.group");
  auto consumer = Consumer::create(config, options);
  ASSERT_TRUE(consumer) << consumer.error().message;
  ASSERT_FALSE((*consumer)->subscribe({topic}));

  EventDecoder decoder;
  LogEvent event;
  std::unordered_map<std::string, int> seen;
  std::map<std::string, std::int64_t> last_seq;
  std::map<std::int32_t, std::int64_t> next_offset;
  int order_violations = 0, key_mismatches = 0, decode_errors = 0;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (seen.size() < sent_ids.size() && std::chrono::steady_clock::now() < deadline) {
    Message m = (*consumer)->poll(200ms);
    if (!m) continue;
    ASSERT_FALSE(m.error()) << m.error()->message;
    if (auto err = decoder.decode(m.payload(), event)) {
      ++decode_errors;
      continue;
    }
    ++seen[event.id];
    if (m.key() != event.service) ++key_mismatches;
    const Attribute* a = event.attribute("seq");
    ASSERT_NE(a, nullptr);
    const std::int64_t s = std::stoll(a->value);
    auto [it, fresh] = last_seq.try_emplace(event.service, s);
    if (!fresh) {
      if (s <= it->second) ++order_violations;
      it->second = s;
    }
    ASSERT_FALSE((*consumer)->store_offset(m.topic(), m.partition(), m.offset() + 1));
    next_offset[m.partition()] = m.offset() + 1;
  }

  EXPECT_EQ(seen.size(), sent_ids.size()) << "events missing after 90 s";
  int duplicates = 0, strangers = 0;
  for (const auto& [id, count] : seen) {
    if (count != 1) ++duplicates;
    if (!sent_ids.count(id)) ++strangers;
  }
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(strangers, 0);
  EXPECT_EQ(order_violations, 0) << "per-key order broken";
  EXPECT_EQ(key_mismatches, 0);
  EXPECT_EQ(decode_errors, 0);
  EXPECT_EQ(last_seq.size(), static_cast<size_t>(kServices));
  for (const auto& [service, s] : last_seq) EXPECT_EQ(s, kEvents / kServices) << service;

  // Committed offsets reach the high watermark: consumer lag is zero.
  ASSERT_FALSE((*consumer)->commit());
  std::vector<TopicPartition> partitions;
  for (int p = 0; p < kPartitions; ++p) partitions.push_back({topic, p});
  auto committed = (*consumer)->committed(partitions, 10s);
  ASSERT_TRUE(committed) << committed.error().message;
  for (const auto& tp : *committed) {
    auto marks = (*consumer)->query_watermarks(topic, tp.partition, 10s);
    ASSERT_TRUE(marks) << marks.error().message;
    if (marks->high == 0) continue;  // no key hashed to this partition
    EXPECT_EQ(tp.offset, marks->high) << "lag on partition " << tp.partition;
    EXPECT_EQ(tp.offset, next_offset[tp.partition]);
  }
  EXPECT_FALSE((*consumer)->close());
  // Destroy the client before deleting its topic (see Consumer's class comment).
  consumer->reset();
  EXPECT_FALSE((*admin)->delete_topic(topic));
}

}  // namespace
}  // namespace lt::kafka
