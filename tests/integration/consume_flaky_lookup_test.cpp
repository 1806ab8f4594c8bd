// A flaky HTTP lookup service (30% of calls answer 503 or time out) behind a real
// `logtracer consume`: failed lookups are retried, and every event ends in the
// processed topic with the lookup's fields, or (only if all its attempts
// failed) in the dead-letter topic with the reason; none is lost. The same run
// reads the consumer's /metrics: retries counted, and a lag gauge per input
// partition that rises while the consumer is behind and returns to 0.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>
#include <regex>

#include "consume_util.h"
#include "core/id.h"
#include "net/http_test_server.h"

namespace lt::it {
namespace {

using kafka::testing::unique_name;
using net::testing::TestHttpServer;
using net::testing::TestRequest;
using net::testing::TestResponse;

constexpr int kEvents = 300;
constexpr int kPartitions = 3;

// The lookup service: GET /users/<id> answers {"name": "User <id>"}, except for
// 30% of calls (seeded, so a failure reproduces): half 503, half too slow for
// the consumer's 100 ms timeout.
class FlakyUsers {
 public:
  TestResponse answer(const TestRequest& req) {
    const std::string prefix = "/users/";
    if (req.target.rfind(prefix, 0) != 0) return {404, "{}"};
    const std::string id = req.target.substr(prefix.size());
    std::lock_guard lock(mu_);
    ++calls_[id];
    const auto roll = rng_() % 100;
    if (roll < 15) {
      ++failed_;
      return {503, R"({"error":"overloaded"})"};
    }
    if (roll < 30) {
      ++failed_;
      TestResponse slow{200, R"({"name":"too late"})"};
      slow.delay = std::chrono::milliseconds(400);
      return slow;
    }
    return {200, R"({"name":"User )" + id + R"(","plan":"pro"})"};
  }
  int failed() {
    std::lock_guard lock(mu_);
    return failed_;
  }
  std::size_t keys_called() {
    std::lock_guard lock(mu_);
    return calls_.size();
  }

 private:
  std::mutex mu_;
  std::mt19937 rng_{20261128};
  std::map<std::string, int> calls_;
  int failed_ = 0;
};

struct Topics {
  TestTopic raw{"it.flaky.raw", kPartitions};
  TestTopic processed{"it.flaky.processed", kPartitions};
  TestTopic dlq{"it.flaky.dlq"};
  TestTopic alerts{"it.flaky.alerts"};
};

// Event i: user "u<i>" (a distinct key each, so every event calls the service).
std::map<std::string, std::string> produce_events(const std::string& topic) {
  auto producer = kafka::Producer::create(kafka::testing::local_config("it-flaky-input"));
  EXPECT_TRUE(producer.ok());
  std::map<std::string, std::string> user_of;  // event id -> user id
  std::atomic<int> failed{0};
  for (int i = 0; i < kEvents; ++i) {
    LogEvent e;
    e.id = new_event_id();
    e.timestamp = now_ns();
    e.service = "checkout";
    e.message = "order placed " + std::to_string(i);
    const std::string user = "u" + std::to_string(i);
    e.set_attribute("user_id", user);
    user_of[e.id] = user;
    const std::string key = "k" + std::to_string(i % 11);
    EXPECT_FALSE((*producer)->produce({.topic = topic, .key = key, .payload = to_json(e)},
                                      [&](const kafka::DeliveryReport& r) {
                                        if (!r.ok()) ++failed;
                                      }));
  }
  EXPECT_FALSE((*producer)->flush(30s));
  EXPECT_EQ(failed.load(), 0);
  return user_of;
}

// logtracer_consumer_lag samples of `topic`: partition -> value.
std::map<std::string, double> lag_of(const std::string& metrics, const std::string& topic) {
  static const std::regex line(R"(logtracer_consumer_lag\{([^}]*)\} ([0-9.eE+-]+))");
  static const std::regex partition(R"(partition="([0-9]+)\")");
  std::map<std::string, double> out;
  for (auto it = std::sregex_iterator(metrics.begin(), metrics.end(), line); it != std::sregex_iterator(); ++it) {
    const std::string labels = (*it)[1];
    std::smatch p;
    if (labels.find("topic=\"" + topic + "\"") == std::string::npos || !std::regex_search(labels, p, partition))
      continue;
    out[p[1]] = std::stod((*it)[2]);
  }
  return out;
}

TEST(ConsumeFlakyLookup, FailedCallsAreRetriedAndNoEventIsLost) {
  Topics t;
  for (const auto* topic : {&t.raw, &t.processed, &t.dlq, &t.alerts})
    ASSERT_EQ(topic->error(), "") << "is the broker up? scripts/kafka start";
  FlakyUsers users;
  TestHttpServer server([&](const TestRequest& r) { return users.answer(r); });

  // The input is written before the consumer starts, so that it begins behind.
  const auto user_of = produce_events(t.raw.name());
  ASSERT_EQ(user_of.size(), static_cast<std::size_t>(kEvents));

  TempDir dir;
  const std::string config = dir.file("consume.yaml"), log = dir.file("consume.log");
  write_by_rename(config, "kafka:\n  brokers: " + kafka::testing::brokers() + "\n  topics: {raw: " + t.raw.name() +
                              ", processed: " + t.processed.name() + ", dlq: " + t.dlq.name() +
                              ", alerts: " + t.alerts.name() +
                              "}\n"
                              "consumer:\n"
                              "  group_id: " + unique_name("it.flaky") + "\n"
                              "  workers: 2\n"
                              "  max_in_flight: 4\n"  // the poll loop waits for the workers: lag is visible
                              "  admin: {listen: \"127.0.0.1:0\"}\n"
                              "  retry: {max_attempts: 10, initial_backoff: 5ms, max_backoff: 50ms, max_elapsed: 30s}\n"
                              "  enrich:\n"
                              "    http_lookup:\n"
                              "      url: " + server.url("/users/{key}") + "\n"
                              "      key_field: user_id\n"
                              "      timeout: 100ms\n"
                              "      breaker_failures: 50\n");
  Child consumer({"consume", "--config", config}, log);

  // Lag: above 0 for some partition while the consumer works through the backlog.
  int port = 0;
  double max_lag = 0;
  kafka::testing::wait_until(
      [&] {
        if (!port) port = admin_port(log);
        if (port)
          for (const auto& [p, v] : lag_of(http_get(port, "/metrics"), t.raw.name())) max_lag = std::max(max_lag, v);
        return max_lag > 0 || !consumer.alive();
      },
      30s, 50ms);
  ASSERT_NE(port, 0) << read_file(log);
  EXPECT_GT(max_lag, 0) << "no partition of the input showed lag while the consumer was behind";

  // Every event: processed with the lookup's fields, or dead-lettered by http_lookup with a reason.
  std::map<std::string, int> processed, dead;
  std::vector<std::string> wrong;
  {
    kafka::ConsumerOptions o;
    o.group_id = unique_name("it.flaky.verifier");
    auto reader = kafka::Consumer::create(kafka::testing::local_config("it-flaky-verifier"), o);
    ASSERT_TRUE(reader.ok());
    ASSERT_FALSE((*reader)->subscribe({t.processed.name(), t.dlq.name()}));
    EventDecoder decoder;
    LogEvent e;
    kafka::testing::wait_until(
        [&] {
          kafka::Message m = (*reader)->poll(200ms);
          if (!m || m.error()) return false;
          if (decoder.decode(m.payload(), e)) {
            wrong.push_back("undecodable output: " + std::string(m.payload()));
            return false;
          }
          const auto user = user_of.find(e.id);
          if (user == user_of.end()) {
            wrong.push_back("an event nobody wrote: " + e.id);
          } else if (m.topic() == t.processed.name()) {
            ++processed[e.id];
            const Attribute* name = e.attribute("user.name");
            if (!name || name->value != "User " + user->second)
              wrong.push_back("processed without the lookup's fields: " + std::string(m.payload()));
          } else {
            ++dead[e.id];
            // Given up only after every attempt failed.
            auto stage = m.header("lt.stage"), code = m.header("lt.error.code"), attempts = m.header("lt.attempts");
            if (!stage || *stage != "http_lookup" || !code || code->empty() || !attempts || *attempts != "10")
              wrong.push_back("dead letter without an http_lookup reason after 10 attempts: " +
                              std::string(m.payload()));
          }
          std::size_t accounted = 0;
          for (const auto& [id, user] : user_of) accounted += processed.count(id) || dead.count(id);
          return accounted == user_of.size();
        },
        60s, 0ms);
    (void)(*reader)->close();
  }
  std::size_t missing = 0;
  for (const auto& [id, user] : user_of) missing += !processed.count(id) && !dead.count(id);
  EXPECT_EQ(missing, 0u) << read_file(log).substr(0, 4000);
  EXPECT_THAT(wrong, ::testing::IsEmpty());
  EXPECT_GT(users.failed(), 0) << "the service never failed: the test proves nothing";
  EXPECT_EQ(users.keys_called(), static_cast<std::size_t>(kEvents));

  // Retries counted; lag back to 0 on every input partition once all is consumed.
  std::string metrics;
  std::map<std::string, double> lag;
  const bool caught_up = kafka::testing::wait_until(
      [&] {
        metrics = http_get(port, "/metrics");
        lag = lag_of(metrics, t.raw.name());
        if (lag.size() != kPartitions) return false;
        for (const auto& [p, v] : lag)
          if (v != 0) return false;
        return true;
      },
      20s, 200ms);
  EXPECT_TRUE(caught_up) << metrics;
  EXPECT_GT(metric_value(metrics, "logtracer_consumer_retries_total"), 0) << metrics;
  std::printf("[ verifier ] %d events: %zu processed, %zu dead-lettered, 0 missing; service failed %d calls; "
              "retries %.0f; max lag seen %.0f\n",
              kEvents, processed.size(), dead.size(), users.failed(),
              metric_value(metrics, "logtracer_consumer_retries_total"), max_lag);

  consumer.kill(SIGTERM);
  const auto status = consumer.wait_exit(30s);
  ASSERT_TRUE(status.has_value()) << "SIGTERM did not stop the consumer";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log).substr(0, 4000);
}

}  // namespace
}  // namespace lt::it
