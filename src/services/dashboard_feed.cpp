#include "services/dashboard_feed.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <map>

#include "core/json_codec.h"
#include "core/time.h"
#include "services/config_map.h"
#include "services/kafka_check.h"

namespace lt::services {
namespace {

dashboard::DeadLetter dead_letter_from(const kafka::Message& m) {
  dashboard::DeadLetter d;
  auto h = [&](std::string_view key) { return std::string(m.header(key).value_or("")); };
  d.code = h("lt.error.code");
  d.message = h("lt.error.message");
  d.stage = h("lt.stage");
  d.origin_topic = h("lt.origin.topic");
  auto num = [](const std::string& s, auto& out) { std::from_chars(s.data(), s.data() + s.size(), out); };
  num(h("lt.origin.partition"), d.origin_partition);
  num(h("lt.origin.offset"), d.origin_offset);
  num(h("lt.attempts"), d.attempts);
  std::string failed_at = h("lt.failed_at");
  if (auto t = parse_rfc3339(failed_at)) {
    d.failed_at = *t;
  } else if (m.timestamp_ms() > 0) {
    d.failed_at = m.timestamp_ms() * 1'000'000;
  }
  d.payload = std::string(m.payload());
  return d;
}

// Starts each assigned partition at the first record newer than `since_ms`, so a
// restart rebuilds the window from `dashboard.history` instead of all retention.
void seek_to_time(kafka::Consumer& consumer, const std::vector<kafka::TopicPartition>& parts, std::int64_t since_ms) {
  if (parts.empty()) return;
  std::vector<kafka::TopicPartition> query = parts;
  for (auto& tp : query) tp.offset = since_ms;
  auto list = kafka::to_partition_list(query);
  if (rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(consumer.handle(), list.get(), 5000)) {
    spdlog::warn("dashboard: offsets for time failed ({}); reading from the earliest retained record",
                 rd_kafka_err2str(err));
    return;
  }
  for (const auto& tp : kafka::from_partition_list(list.get())) {
    if (tp.offset < 0) continue;  // no record that new: the default (earliest) reads nothing old anyway
    if (auto st = consumer.seek(tp, std::chrono::milliseconds(5000)))
      spdlog::warn("dashboard: seek {}[{}] to {} failed: {}", tp.topic, tp.partition, tp.offset, st->message);
  }
}

}  // namespace

DashboardFeed::DashboardFeed(const config::Config& cfg, dashboard::Dashboard& dashboard)
    : topics_(cfg.kafka.topics), history_(cfg.dashboard.history), dashboard_(dashboard) {}

std::variant<std::unique_ptr<DashboardFeed>, Error> DashboardFeed::create(const config::Config& cfg,
                                                                          dashboard::Dashboard& dashboard,
                                                                          const std::string& instance) {
  std::unique_ptr<DashboardFeed> feed(new DashboardFeed(cfg, dashboard));
  kafka::ClientConfig kc = kafka_client(cfg.kafka);
  kc.client_id = cfg.kafka.client_id.empty() ? "logtracer-dashboard" : cfg.kafka.client_id + "-dashboard";
  // Notice topics created after we subscribed within seconds, not librdkafka's default 5 minutes.
  if (!cfg.kafka.properties.count("topic.metadata.refresh.interval.ms"))
    kc.properties["topic.metadata.refresh.interval.ms"] = "5000";
  if (auto e = check_kafka(kc, "dashboard")) return Error::permanent(e->code, "dashboard: kafka: " + e->message);
  kafka::ConsumerOptions co;
  char hostname[256] = {};
  gethostname(hostname, sizeof hostname - 1);
  co.group_id = fmt::format("logtracer-dashboard-{}-{}-{}", hostname, instance, getpid());
  co.auto_commit = false;
  co.auto_offset_reset = "earliest";
  const std::int64_t since_ms = (now_ns() / 1'000'000) - feed->history_.count();
  DashboardFeed* self = feed.get();
  co.hooks.on_assigned = [self, since_ms](const std::vector<kafka::TopicPartition>& parts) {
    if (self->consumer_) seek_to_time(*self->consumer_, parts, since_ms);
  };
  auto created = kafka::Consumer::create(kc, co);
  if (!created) return Error::permanent("kafka", "dashboard: Kafka consumer: " + created.error().message);
  feed->consumer_ = std::move(created.value());
  std::vector<std::string> topics;
  for (const auto* t : {&feed->topics_.processed, &feed->topics_.alerts, &feed->topics_.dlq})
    if (!t->empty()) topics.push_back(*t);
  if (auto st = feed->consumer_->subscribe(topics))
    return Error::permanent("kafka", "dashboard: subscribe: " + st->message);
  spdlog::info("dashboard: reading {} from {} (history {} s)", fmt::join(topics, ", "), kc.brokers,
               feed->history_.count() / 1000);
  dashboard.set_lag_source([lag = feed->lag_]() -> std::optional<std::int64_t> {
    std::int64_t v = lag->load();
    return v < 0 ? std::nullopt : std::optional<std::int64_t>(v);
  });
  return feed;
}

void DashboardFeed::run(const std::atomic<bool>& stop) {
  EventDecoder decoder;
  LogEvent event;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offset;
  auto last_lag = std::chrono::steady_clock::now();
  std::uint64_t bad_events = 0;
  while (!stop.load()) {
    kafka::Message m = consumer_->poll(std::chrono::milliseconds(200));
    if (m) {
      if (auto err = m.error()) {
        spdlog::warn("dashboard: kafka: {}", err->message);
      } else {
        std::string_view topic = m.topic();
        next_offset[{std::string(topic), m.partition()}] = m.offset() + 1;
        if (topic == topics_.processed) {
          if (auto derr = decoder.decode(m.payload(), event)) {
            if (++bad_events % 1000 == 1) spdlog::warn("dashboard: undecodable processed record: {}", derr->message());
          } else {
            fill_defaults(event);
            if (event.timestamp / 1'000'000 >= (now_ns() / 1'000'000) - history_.count())
              dashboard_.ingest(std::move(event));
          }
        } else if (topic == topics_.alerts) {
          if (!dashboard_.ingest_alert(m.payload()))
            spdlog::warn("dashboard: ignoring an alert record that is not a notification");
        } else if (topic == topics_.dlq) {
          dashboard_.ingest_dead_letter(dead_letter_from(m));
        }
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_lag > std::chrono::seconds(1)) {
      last_lag = now;
      std::int64_t total = 0;
      bool known = false;
      for (const auto& [tp, next] : next_offset) {
        auto wm = consumer_->cached_watermarks(tp.first, tp.second);
        if (!wm || wm->high < 0) continue;
        known = true;
        total += std::max<std::int64_t>(0, wm->high - next);
      }
      lag_->store(known ? total : -1);
    }
  }
  consumer_->close();
}

}  // namespace lt::services
