// Helpers for the integration tests of `logtracer consume`: its topics, its
// config, input records, and a reader that keeps what a verifier checks.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "core/id.h"
#include "core/time.h"
#include "kafka/producer.h"
#include "test_util.h"

namespace lt::it {

// The four topics of one consumer run, created for the test.
struct ConsumeTopics {
  explicit ConsumeTopics(const std::string& prefix, int partitions = 1)
      : raw(prefix + ".raw", partitions), processed(prefix + ".processed", partitions), dlq(prefix + ".dlq"),
        alerts(prefix + ".alerts") {}
  // "" when all exist.
  std::string error() const {
    for (const auto* t : {&raw, &processed, &dlq, &alerts})
      if (!t->error().empty()) return t->error() + " (is the broker up? scripts/kafka start)";
    return "";
  }
  TestTopic raw, processed, dlq, alerts;
};

// A consume config on the local broker: `consumer_body` is YAML indented by 2
// under `consumer:` (after group_id and an admin listener on a free port).
inline std::string consume_config(const ConsumeTopics& t, const std::string& group,
                                  const std::string& consumer_body) {
  return "kafka:\n  brokers: " + kafka::testing::brokers() + "\n  topics: {raw: " + t.raw.name() +
         ", processed: " + t.processed.name() + ", dlq: " + t.dlq.name() + ", alerts: " + t.alerts.name() +
         "}\nconsumer:\n  group_id: " + group + "\n  admin: {listen: \"127.0.0.1:0\"}\n" + consumer_body;
}

// Produces (key, payload) records in order and waits for their delivery; the
// number delivered.
inline int produce_records(const std::string& topic, const std::vector<std::pair<std::string, std::string>>& records) {
  auto producer = kafka::Producer::create(kafka::testing::local_config("it-consume-input"));
  if (!producer) return 0;
  std::atomic<int> delivered{0};
  for (const auto& [key, payload] : records) {
    while (true) {
      auto st = (*producer)->produce({.topic = topic, .key = key, .payload = payload},
                                     [&](const kafka::DeliveryReport& r) {
                                       if (r.ok()) ++delivered;
                                     });
      if (!st || !st->retriable()) break;
      std::this_thread::sleep_for(1ms);
    }
  }
  (void)(*producer)->flush(30s);
  return delivered.load();
}

// The value of the first sample of `name` whose labels contain `labels`
// (e.g. `rule="drop-alpha"`), or -1 when there is none.
inline double metric_value(const std::string& metrics, const std::string& name, const std::string& labels = "") {
  std::istringstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != ' ' && next != '{') continue;
    if (!labels.empty() && line.find(labels) == std::string::npos) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return -1;
}

// How often `needle` occurs in `text` (log lines such as "config reloaded").
inline std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// One record read back, with its headers.
struct Record {
  std::string topic, key, payload;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::map<std::string, std::string> headers;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// Reads topics from their beginning and keeps every record (each offset once:
// a re-read after a rebalance is not a second record).
class RecordReader {
 public:
  explicit RecordReader(const std::vector<std::string>& topics) {
    kafka::ConsumerOptions options;
    options.group_id = kafka::testing::unique_name("it.records");
    options.auto_commit = false;
    auto consumer = kafka::Consumer::create(kafka::testing::local_config("it-records"), options);
    if (!consumer) {
      error_ = consumer.error().message;
      return;
    }
    consumer_ = std::move(consumer).value();
    if (auto st = consumer_->subscribe(topics)) error_ = st->message;
  }
  ~RecordReader() {
    if (consumer_) (void)consumer_->close();
  }
  const std::string& error() const { return error_; }

  // Reads until `done()` holds or `timeout` passes; done()'s last value.
  bool read_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      poll_once(100ms);
    }
    return true;
  }
  // Reads whatever arrives during `duration` (late or duplicate records).
  void read_for(std::chrono::milliseconds duration) {
    const auto deadline = Clock::now() + duration;
    while (Clock::now() < deadline) poll_once(100ms);
  }
  // The partition's high watermark (next offset to be written), -1 on error.
  std::int64_t high_watermark(const std::string& topic, std::int32_t partition = 0) {
    if (!consumer_) return -1;
    auto wm = consumer_->query_watermarks(topic, partition, 10s);
    return wm ? wm->high : -1;
  }
  const std::deque<Record>& records() const { return records_; }
  std::vector<const Record*> of(const std::string& topic) const {
    std::vector<const Record*> out;
    for (const auto& r : records_)
      if (r.topic == topic) out.push_back(&r);
    return out;
  }

 private:
  void poll_once(std::chrono::milliseconds timeout) {
    if (!consumer_) return;
    kafka::Message m = consumer_->poll(timeout);
    if (!m || m.error()) return;
    if (!seen_.insert({std::string(m.topic()), m.partition(), m.offset()}).second) return;
    Record r;
    r.topic = m.topic();
    r.key = m.key();
    r.payload = m.payload();
    r.partition = m.partition();
    r.offset = m.offset();
    for (const auto& h : m.headers()) r.headers[std::string(h.key)] = std::string(h.value);
    records_.push_back(std::move(r));
  }

  std::unique_ptr<kafka::Consumer> consumer_;
  std::string error_;
  std::set<std::tuple<std::string, std::int32_t, std::int64_t>> seen_;
  std::deque<Record> records_;  // a deque: pointers from of() stay valid as it grows
};

// An event of service `service` with id `id` and attributes `attrs`, as JSON.
inline std::string event_json(const std::string& id, const std::string& service, const std::string& message,
                              const std::vector<std::pair<std::string, std::string>>& attrs = {}) {
  LogEvent e;
  e.id = id;
  e.timestamp = now_ns();
  e.service = service;
  e.message = message;
  for (const auto& [k, v] : attrs) e.set_attribute(k, v);
  return to_json(e);
}

// Runs LT_BINARY with `args` to completion (bounded by `timeout`); its exit
// code (-1 if it did not exit) and its output in `output`.
inline int run_command(const std::vector<std::string>& args, const std::string& log_path, std::string& output,
                       std::chrono::milliseconds timeout = 60s) {
  std::filesystem::remove(log_path);
  Child child(args, log_path);
  const auto status = child.wait_exit(timeout);
  output = read_file(log_path);
  if (!status || !WIFEXITED(*status)) return -1;
  return WEXITSTATUS(*status);
}

}  // namespace lt::it
