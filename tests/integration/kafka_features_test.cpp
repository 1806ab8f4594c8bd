// The broker version chosen in scripts/kafka must give Debian's librdkafka 2.0.2
// what logtracer relies on: idempotence, transactions, cooperative rebalancing.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "kafka/testing.h"

namespace lt::kafka {
namespace {

using namespace std::chrono_literals;

class KafkaFeatures : public ::testing::Test {
 protected:
  void SetUp() override {
    auto admin = Admin::create(config_);
    ASSERT_TRUE(admin) << admin.error().message;
    admin_ = std::move(*admin);
  }
  std::string make_topic(std::string_view prefix, int partitions) {
    std::string topic = testing::unique_name(prefix);
    auto error = admin_->create_topic(topic, partitions);
    EXPECT_FALSE(error) << error->message << " (is the broker up? scripts/kafka start)";
    topics_.push_back(topic);
    return topic;
  }
  void TearDown() override {
    for (const auto& t : topics_) (void)admin_->delete_topic(t);
  }
  // Payloads of every record until `count` arrived or the deadline passed.
  static std::vector<std::string> drain(Consumer& consumer, size_t count, std::chrono::seconds timeout) {
    std::vector<std::string> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
      Message m = consumer.poll(100ms);
      if (m && !m.error()) out.emplace_back(m.payload());
    }
    return out;
  }

  ClientConfig config_ = testing::local_config("it-features");
  std::unique_ptr<Admin> admin_;
  std::vector<std::string> topics_;
};

TEST_F(KafkaFeatures, IdempotentProducerGetsAProducerIdAndDelivers) {
  const std::string topic = make_topic("it.idempotent", 3);
  std::mutex mu;
  std::string last_stats;
  ProducerOptions options;
  options.idempotent = true;
  options.statistics_interval_ms = 100;
  options.on_statistics = [&](std::string_view json) {
    std::lock_guard lock(mu);
    last_stats.assign(json);
  };
  auto producer = Producer::create(config_, options);
  ASSERT_TRUE(producer) << producer.error().message;
  char value[16];
  size_t size = sizeof value;
  ASSERT_EQ(rd_kafka_conf_get(rd_kafka_conf((*producer)->handle()), "enable.idempotence", value, &size),
            RD_KAFKA_CONF_OK);
  EXPECT_STREQ(value, "true");

  for (int i = 0; i < 1000; ++i) {
    const std::string key = "k" + std::to_string(i % 5);
    ASSERT_FALSE((*producer)->produce({.topic = topic, .key = key, .payload = std::to_string(i)}));
  }
  ASSERT_FALSE((*producer)->flush(30s));
  EXPECT_EQ((*producer)->metrics().delivered.load(), 1000u);
  EXPECT_FALSE((*producer)->fatal_error()) << (*producer)->fatal_error()->message;
  // librdkafka switches idempotence off (fatally) against brokers it thinks lack
  // it; state "Assigned" with a producer id proves the broker granted one.
  std::string state;
  std::int64_t producer_id = -1;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        std::lock_guard lock(mu);
        if (last_stats.empty()) return false;
        simdjson::dom::parser parser;
        auto eos = parser.parse(simdjson::padded_string(last_stats))["eos"];
        std::string_view s;
        if (eos["idemp_state"].get(s) != simdjson::SUCCESS) return false;
        state.assign(s);
        if (eos["producer_id"].get(producer_id) != simdjson::SUCCESS) return false;
        return state == "Assigned";
      },
      10s))
      << "idempotence state: " << state;
  EXPECT_GE(producer_id, 0);
}

TEST_F(KafkaFeatures, CommittedTransactionIsVisibleAndAbortedIsNot) {
  const std::string topic = make_topic("it.txn", 1);
  ProducerOptions options;
  options.transactional_id = testing::unique_name("it.txn.id");
  auto producer = Producer::create(config_, options);
  ASSERT_TRUE(producer) << producer.error().message;
  auto& p = **producer;
  ASSERT_FALSE(p.init_transactions(30s)) << p.init_transactions(1s)->error.message;

  auto send_batch = [&](const std::string& prefix) {
    for (int i = 0; i < 10; ++i) {
      const std::string payload = prefix + std::to_string(i);
      ASSERT_FALSE(p.produce({.topic = topic, .payload = payload}));
    }
  };
  ASSERT_FALSE(p.begin_transaction());
  send_batch("committed-a-");
  ASSERT_FALSE(p.commit_transaction(30s));
  ASSERT_FALSE(p.begin_transaction());
  send_batch("aborted-");
  ASSERT_FALSE(p.flush(30s));  // the aborted records really reach the log
  ASSERT_FALSE(p.abort_transaction(30s));
  ASSERT_FALSE(p.begin_transaction());
  send_batch("committed-b-");
  ASSERT_FALSE(p.commit_transaction(30s));

  ConsumerOptions committed_only;
  committed_only.group_id = testing::unique_name("it.txn.rc");
  committed_only.isolation_level = "read_committed";
  auto rc = Consumer::create(config_, committed_only);
  ASSERT_TRUE(rc) << rc.error().message;
  ASSERT_FALSE((*rc)->subscribe({topic}));
  const auto seen = drain(**rc, 20, 60s);
  ASSERT_EQ(seen.size(), 20u);
  for (const auto& payload : seen) EXPECT_EQ(payload.rfind("committed-", 0), 0u) << payload;
  // Nothing else arrives: the aborted batch stays invisible.
  EXPECT_TRUE(drain(**rc, 1, 2s).empty());

  ConsumerOptions everything = committed_only;
  everything.group_id = testing::unique_name("it.txn.ru");
  everything.isolation_level = "read_uncommitted";
  auto ru = Consumer::create(config_, everything);
  ASSERT_TRUE(ru) << ru.error().message;
  ASSERT_FALSE((*ru)->subscribe({topic}));
  const auto all = drain(**ru, 30, 60s);
  EXPECT_EQ(all.size(), 30u);
  EXPECT_EQ(std::count_if(all.begin(), all.end(),
                          [](const std::string& s) { return s.rfind("aborted-", 0) == 0; }),
            10);
}

TEST_F(KafkaFeatures, OffsetsSentToATransactionAreCommittedWithIt) {
  const std::string input = make_topic("it.eos.in", 1);
  const std::string output = make_topic("it.eos.out", 1);
  {
    auto seed = Producer::create(config_);
    ASSERT_TRUE(seed) << seed.error().message;
    for (int i = 0; i < 5; ++i) ASSERT_FALSE((*seed)->produce({.topic = input, .payload = "in"}));
    ASSERT_FALSE((*seed)->flush(30s));
  }
  ConsumerOptions copts;
  copts.group_id = testing::unique_name("it.eos.group");
  copts.auto_commit = false;
  auto consumer = Consumer::create(config_, copts);
  ASSERT_TRUE(consumer) << consumer.error().message;
  ASSERT_FALSE((*consumer)->subscribe({input}));

  ProducerOptions popts;
  popts.transactional_id = testing::unique_name("it.eos.id");
  auto producer = Producer::create(config_, popts);
  ASSERT_TRUE(producer) << producer.error().message;
  ASSERT_FALSE((*producer)->init_transactions(30s));
  ASSERT_FALSE((*producer)->begin_transaction());
  std::int64_t next = -1;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (next < 5 && std::chrono::steady_clock::now() < deadline) {
    Message m = (*consumer)->poll(100ms);
    if (!m || m.error()) continue;
    ASSERT_FALSE((*producer)->produce({.topic = output, .payload = m.payload()}));
    next = m.offset() + 1;
  }
  ASSERT_EQ(next, 5);
  ASSERT_FALSE((*producer)->send_offsets_to_transaction(**consumer, {{input, 0, next}}, 30s));
  ASSERT_FALSE((*producer)->commit_transaction(30s));

  auto committed = (*consumer)->committed({{input, 0}}, 10s);
  ASSERT_TRUE(committed) << committed.error().message;
  EXPECT_EQ((*committed)[0].offset, 5);
}

struct RebalanceLog {
  std::mutex mu;
  std::vector<std::vector<TopicPartition>> assigned, revoked;

  RebalanceHooks hooks() {
    return {.on_assigned =
                [this](const std::vector<TopicPartition>& p) {
                  std::lock_guard lock(mu);
                  assigned.push_back(p);
                },
            .on_revoked =
                [this](const std::vector<TopicPartition>& p, bool) {
                  std::lock_guard lock(mu);
                  revoked.push_back(p);
                }};
  }
};

std::set<std::int32_t> partitions_of(Consumer& c) {
  std::set<std::int32_t> out;
  auto a = c.assignment();
  if (a) {
    for (const auto& tp : *a) out.insert(tp.partition);
  }
  return out;
}

TEST_F(KafkaFeatures, CooperativeStickyRebalancesIncrementally) {
  const std::string topic = make_topic("it.coop", 4);
  const std::string group = testing::unique_name("it.coop.group");
  RebalanceLog log_a, log_b;
  ConsumerOptions oa;
  oa.group_id = group;
  oa.hooks = log_a.hooks();
  ConsumerOptions ob = oa;
  ob.hooks = log_b.hooks();
  auto a = Consumer::create(config_, oa);
  auto b = Consumer::create(config_, ob);
  ASSERT_TRUE(a && b);
  ASSERT_FALSE((*a)->subscribe({topic}));

  ASSERT_TRUE(testing::wait_until(
      [&] {
        (void)(*a)->poll(50ms);
        return partitions_of(**a).size() == 4;
      },
      60s, 0ms));
  EXPECT_EQ((*a)->rebalance_protocol(), "COOPERATIVE");

  ASSERT_FALSE((*b)->subscribe({topic}));
  ASSERT_TRUE(testing::wait_until(
      [&] {
        (void)(*a)->poll(50ms);
        (void)(*b)->poll(50ms);
        const auto pa = partitions_of(**a), pb = partitions_of(**b);
        std::set<std::int32_t> both(pa.begin(), pa.end());
        both.insert(pb.begin(), pb.end());
        return !pa.empty() && !pb.empty() && pa.size() + pb.size() == 4 && both.size() == 4;
      },
      60s, 0ms))
      << "a=" << partitions_of(**a).size() << " b=" << partitions_of(**b).size();
  EXPECT_EQ((*b)->rebalance_protocol(), "COOPERATIVE");
  {
    // Incremental: A gave up only what B took, never its whole assignment.
    std::lock_guard lock(log_a.mu);
    ASSERT_FALSE(log_a.revoked.empty());
    for (const auto& r : log_a.revoked) EXPECT_LT(r.size(), 4u);
  }
  const auto b_had = partitions_of(**b);

  ASSERT_FALSE((*b)->close());
  {
    std::lock_guard lock(log_b.mu);
    ASSERT_FALSE(log_b.revoked.empty()) << "close() leaves the group through on_revoked";
  }
  ASSERT_TRUE(testing::wait_until(
      [&] {
        (void)(*a)->poll(50ms);
        return partitions_of(**a).size() == 4;
      },
      60s, 0ms));
  std::lock_guard lock(log_a.mu);
  // A's last assignment added exactly B's partitions (incremental), not all four.
  ASSERT_FALSE(log_a.assigned.empty());
  std::set<std::int32_t> added;
  for (const auto& tp : log_a.assigned.back()) added.insert(tp.partition);
  EXPECT_EQ(added, b_had);
}

TEST_F(KafkaFeatures, KeysHeadersAndTimestampsRoundTrip) {
  const std::string topic = make_topic("it.headers", 1);
  auto producer = Producer::create(config_);
  ASSERT_TRUE(producer) << producer.error().message;
  const Header headers[] = {{"lt-reason", "decode.not_json"}, {"lt-origin", "logs.raw/2@17"}};
  ASSERT_FALSE((*producer)->produce(
      {.topic = topic, .key = "svc", .payload = "body", .headers = headers, .timestamp_ms = 1'700'000'000'123}));
  ASSERT_FALSE((*producer)->flush(30s));

  ConsumerOptions options;
  options.group_id = testing::unique_name("it.headers.group");
  auto consumer = Consumer::create(config_, options);
  ASSERT_TRUE(consumer) << consumer.error().message;
  ASSERT_FALSE((*consumer)->subscribe({topic}));
  Message got;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        got = (*consumer)->poll(100ms);
        return got && !got.error();
      },
      60s, 0ms));
  EXPECT_EQ(got.key(), "svc");
  EXPECT_EQ(got.payload(), "body");
  EXPECT_EQ(got.timestamp_ms(), 1'700'000'000'123);
  EXPECT_EQ(got.header("lt-reason"), "decode.not_json");
  EXPECT_EQ(got.header("lt-origin"), "logs.raw/2@17");
  EXPECT_FALSE(got.header("absent"));
  ASSERT_EQ(got.headers().size(), 2u);
}

}  // namespace
}  // namespace lt::kafka
