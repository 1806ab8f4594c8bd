// The consumer group against the real broker: three `logtracer consume`
// processes, one killed with SIGKILL mid-run and one added later; a verifier
// checks every event id. At-least-once: every valid event is in the output and
// every poison record in the dead-letter topic. Exactly-once (transactions): a
// read_committed reader sees every event exactly once.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "core/id.h"
#include "core/json_codec.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "kafka/testing.h"
#include "process_util.h"
#include "test_util.h"

namespace lt {
namespace {

using namespace std::chrono_literals;
using kafka::testing::unique_name;
using kafka::testing::wait_until;
using lt::testing::Child;
using lt::testing::TempDir;
using lt::testing::write_file;

struct Topics {
  std::string raw, processed, dlq, alerts;
};

Topics make_topics(const std::string& prefix, int partitions) {
  Topics t{unique_name(prefix + ".raw"), unique_name(prefix + ".processed"), unique_name(prefix + ".dlq"),
           unique_name(prefix + ".alerts")};
  auto admin = kafka::Admin::create(kafka::testing::local_config("it-consume-admin"));
  EXPECT_TRUE(admin.ok());
  for (const auto& name : {t.raw, t.processed, t.dlq, t.alerts})
    EXPECT_FALSE((*admin)->create_topic(name, name == t.raw || name == t.processed ? partitions : 1))
        << "is the broker up? scripts/kafka start";
  return t;
}

std::string config_text(const Topics& t, const std::string& group, bool exactly_once) {
  return "kafka:\n  brokers: " + kafka::testing::brokers() + "\n  topics: {raw: " + t.raw + ", processed: " +
         t.processed + ", dlq: " + t.dlq + ", alerts: " + t.alerts +
         "}\n  message_timeout: 10s\n  properties:\n    transaction.timeout.ms: \"10000\"\n"
         "consumer:\n  group_id: " + group + "\n  guarantee: " + (exactly_once ? "exactly_once" : "at_least_once") +
         "\n  workers: 2\n  admin: {listen: \"127.0.0.1:0\"}\n  enrich:\n    static: {region: it}\n";
}

// Writes `valid` events (ids returned) and `poison` undecodable records, spread
// over `duration`; at the halfway mark it calls `halfway` (which waits for the
// kill), so that the second half is written while a member is gone.
struct Written {
  std::set<std::string> ids;
  std::set<std::string> poison;
};

Written produce_input(const std::string& topic, int valid, int poison, std::chrono::milliseconds duration,
                      const std::function<void()>& halfway) {
  auto producer = kafka::Producer::create(kafka::testing::local_config("it-consume-input"));
  EXPECT_TRUE(producer.ok());
  Written w;
  std::atomic<int> failed{0};
  const int total = valid + poison;
  const auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration paused{0};
  int poison_every = poison ? total / poison : 0;
  int made_poison = 0;
  for (int i = 0; i < total; ++i) {
    // 60 keys reach all 6 partitions (librdkafka hashes keys with CRC32); 7 left partitions 1 and 4 empty,
    // so a consumer 0 that owned just those two never processed anything and the kill never came.
    std::string key = "svc-" + std::to_string(i % 60);
    std::string payload;
    if (poison_every && i % poison_every == 0 && made_poison < poison) {
      payload = "poison-" + std::to_string(made_poison++) + " {not json";
      w.poison.insert(payload);
    } else {
      LogEvent e;
      e.id = new_event_id();
      e.timestamp = now_ns();
      e.service = key;
      e.environment = "it";
      e.message = "event " + std::to_string(i);
      w.ids.insert(e.id);
      payload = to_json(e);
    }
    while (true) {
      auto st = (*producer)->produce({.topic = topic, .key = key, .payload = payload},
                                     [&](const kafka::DeliveryReport& r) {
                                       if (!r.ok()) ++failed;
                                     });
      if (!st) break;
      EXPECT_TRUE(st->retriable()) << st->message;
      std::this_thread::sleep_for(1ms);
    }
    if (i + 1 == total / 2) {
      halfway();
      paused += std::chrono::steady_clock::now() - start - duration / 2;
    }
    // Pace the input over `duration` (plus the time it waited at the halfway mark).
    const auto due = start + paused + duration * (i + 1) / total;
    if (due > std::chrono::steady_clock::now()) std::this_thread::sleep_until(due);
  }
  EXPECT_FALSE((*producer)->flush(30s));
  EXPECT_EQ(failed.load(), 0);
  return w;
}

// The partitions of `topic` a consumer owns according to its log: each
// "consume: assigned ..." adds, each "consume: revoked ..." removes (incremental
// cooperative rebalancing logs only the changes).
std::set<int> owned_partitions(const std::string& log, const std::string& topic) {
  static const std::regex change(R"(consume: (assigned|revoked) (.*))");
  const std::regex partition(it::regex_escape(topic) + R"(\[([0-9]+)\])");
  std::set<int> owned;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, change)) continue;
    const bool assigned = m[1] == "assigned";
    const std::string list = m[2];
    for (auto p = std::sregex_iterator(list.begin(), list.end(), partition); p != std::sregex_iterator(); ++p) {
      const int n = std::stoi((*p)[1]);
      if (assigned) owned.insert(n);
      else owned.erase(n);
    }
  }
  return owned;
}

// Events a consumer processed so far, from its /metrics (-1 when unreadable).
double processed_by(const std::string& log_path) {
  const int port = it::admin_port(log_path);
  if (!port) return -1;
  static const std::regex line(R"(\nlogtracer_consumer_events_total\{outcome="processed"\} ([0-9.eE+]+))");
  const std::string metrics = it::http_get(port, "/metrics");
  std::smatch m;
  return std::regex_search(metrics, m, line) ? std::stod(m[1]) : -1;
}

// Reads a topic until `done` holds for what was read (bounded by `timeout`).
struct Seen {
  std::map<std::string, int> ids;         // processed: event id -> times seen
  std::map<std::string, int> dlq;         // dead letters: payload -> times seen
  std::set<std::string> dlq_without_reason;
};

void read_outputs(const Topics& t, Seen& seen, const std::function<bool(const Seen&)>& done,
                  std::chrono::milliseconds timeout) {
  kafka::ConsumerOptions o;
  o.group_id = unique_name("it.verifier");
  o.auto_commit = false;
  o.isolation_level = "read_committed";
  auto c = kafka::Consumer::create(kafka::testing::local_config("it-verifier"), o);
  ASSERT_TRUE(c.ok());
  ASSERT_FALSE((*c)->subscribe({t.processed, t.dlq}));
  EventDecoder decoder;
  LogEvent e;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(seen) && std::chrono::steady_clock::now() < deadline) {
    kafka::Message m = (*c)->poll(200ms);
    if (!m || m.error()) continue;
    if (m.topic() == t.processed) {
      ASSERT_FALSE(decoder.decode(m.payload(), e)) << m.payload();
      ++seen.ids[e.id];
      ASSERT_NE(e.attribute("region"), nullptr) << "processed without enrichment";
    } else {
      ++seen.dlq[std::string(m.payload())];
      if (!m.header("lt.error.code") || !m.header("lt.origin.offset"))
        seen.dlq_without_reason.insert(std::string(m.payload()));
    }
  }
  (void)(*c)->close();
}

void run_group_scenario(bool exactly_once) {
  const Topics t = make_topics(exactly_once ? "it.eos" : "it.alo", 6);
  TempDir dir;
  const std::string group = unique_name("it.consumers");
  write_file(dir.file("config.yaml"), config_text(t, group, exactly_once));
  const std::vector<std::string> args = {"consume", "--config", dir.file("config.yaml")};

  std::vector<std::unique_ptr<Child>> consumers;
  for (int i = 0; i < 3; ++i)
    consumers.push_back(std::make_unique<Child>(args, dir.file("consumer" + std::to_string(i) + ".log")));

  constexpr int kValid = 30'000;
  constexpr int kPoison = 300;  // 1%
  Written written;
  std::atomic<bool> at_halfway{false}, killed{false};
  std::thread input([&] {
    written = produce_input(t.raw, kValid, kPoison, 8s, [&] {
      at_halfway = true;
      wait_until([&] { return killed.load(); }, 90s);
    });
  });

  // The kill lands mid-stream (the input holds at its halfway mark for it) on a
  // member that owns partitions and has processed events.
  std::set<int> owned;
  double processed = 0;
  const bool ready = wait_until(
      [&] {
        owned = owned_partitions(consumers[0]->output(), t.raw);
        processed = processed_by(dir.file("consumer0.log"));
        return !owned.empty() && processed > 0 && at_halfway.load();
      },
      60s, 50ms);
  consumers[0]->kill(SIGKILL);
  killed = true;
  EXPECT_TRUE(ready) << "consumer 0 owned " << owned.size() << " partitions, processed " << processed << "\n"
                     << consumers[0]->output().substr(0, 4000);

  // The member added later takes part of the work.
  consumers.push_back(std::make_unique<Child>(args, dir.file("consumer3.log")));
  std::set<int> added;
  EXPECT_TRUE(wait_until([&] { return !(added = owned_partitions(consumers[3]->output(), t.raw)).empty(); }, 60s,
                         100ms))
      << "the added consumer never got a partition\n" << consumers[3]->output().substr(0, 4000);
  input.join();
  ASSERT_EQ(written.ids.size(), static_cast<std::size_t>(kValid));

  Seen seen;
  read_outputs(
      t, seen,
      [&](const Seen& s) {
        if (s.dlq.size() < written.poison.size()) return false;
        for (const auto& id : written.ids)
          if (!s.ids.count(id)) return false;
        return true;
      },
      exactly_once ? 150s : 120s);

  std::size_t missing = 0, duplicates = 0;
  for (const auto& id : written.ids) {
    auto it = seen.ids.find(id);
    if (it == seen.ids.end()) {
      ++missing;
    } else if (it->second > 1) {
      ++duplicates;
    }
  }
  std::size_t poison_missing = 0;
  for (const auto& p : written.poison)
    if (!seen.dlq.count(p)) ++poison_missing;
  std::string logs;
  for (auto& c : consumers) logs += c->output().substr(0, 4000) + "\n----\n";
  EXPECT_EQ(missing, 0u) << logs;
  EXPECT_EQ(poison_missing, 0u) << logs;
  EXPECT_TRUE(seen.dlq_without_reason.empty());
  for (const auto& [id, n] : seen.ids) EXPECT_TRUE(written.ids.count(id)) << "an event nobody wrote: " << id;
  if (exactly_once) {
    EXPECT_EQ(duplicates, 0u) << "exactly_once: a read_committed reader must see each event once";
    for (const auto& [p, n] : seen.dlq) EXPECT_EQ(n, 1) << p;
  }
  std::printf("[ verifier ] %zu events, %zu poison: missing %zu, duplicated %zu (%s); consumer 0 killed owning %zu "
              "partitions after %.0f events; the added one got %zu\n",
              written.ids.size(), written.poison.size(), missing, duplicates,
              exactly_once ? "exactly_once" : "at_least_once", owned.size(), processed, added.size());
  for (std::size_t i = 1; i < consumers.size(); ++i) {
    consumers[i]->kill(SIGTERM);
    EXPECT_EQ(consumers[i]->wait(30s), 0) << "SIGTERM drains and exits cleanly\n" << consumers[i]->output();
  }
}

TEST(ConsumeGroup, AtLeastOnceSurvivesSigkillAndScaleOut) { run_group_scenario(false); }

TEST(ConsumeGroup, ExactlyOnceWithTransactions) { run_group_scenario(true); }

}  // namespace
}  // namespace lt
