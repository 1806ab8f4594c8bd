#include "services/dashboard_feed.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <charconv>
#include <map>
#include <optional>

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

// Bounds each broker lookup made while choosing start offsets (it runs inside the
// rebalance callback, on the polling thread).
constexpr int kLookupTimeoutMs = 5000;

}  // namespace

DashboardFeed::DashboardFeed(const config::Config& cfg, dashboard::Dashboard& dashboard)
    : topics_(cfg.kafka.topics),
      history_(cfg.dashboard.history),
      window_events_(cfg.dashboard.window_events),
      since_ms_(now_ns() / 1'000'000 - history_.count()),
      dashboard_(dashboard) {}

std::int64_t DashboardFeed::fallback_offset(const std::string& topic) const {
  // The window never holds more than window_events processed events, and the newest
  // N overall are among the newest N of each partition.
  if (topic == topics_.processed && window_events_ > 0)
    return RD_KAFKA_OFFSET_TAIL(static_cast<std::int64_t>(window_events_));
  return RD_KAFKA_OFFSET_BEGINNING;
}

void DashboardFeed::choose_start_offsets(std::vector<kafka::TopicPartition>& parts) {
  // Partitions read before (an eager rebalance hands them back) continue where they were.
  std::vector<kafka::TopicPartition*> by_time;
  for (auto& tp : parts) {
    auto it = next_offset_.find({tp.topic, tp.partition});
    if (it != next_offset_.end()) {
      tp.offset = it->second;
    } else {
      by_time.push_back(&tp);
    }
  }
  if (by_time.empty()) return;
  // The others start at their first record stamped at or after since_ms_ (timestamps
  // in place of offsets in the query list; the answer replaces them).
  using Found = std::optional<std::vector<kafka::TopicPartition>>;
  auto lookup = [&](const std::vector<kafka::TopicPartition*>& which) -> Found {
    std::vector<kafka::TopicPartition> query;
    for (const auto* tp : which) query.push_back({tp->topic, tp->partition, since_ms_});
    auto list = kafka::to_partition_list(query);
    if (rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(consumer_->handle(), list.get(), kLookupTimeoutMs)) {
      spdlog::warn("dashboard: offsets for time failed ({}); starting from the fallback offsets",
                   rd_kafka_err2str(err));
      return std::nullopt;
    }
    std::vector<kafka::TopicPartition> out = kafka::from_partition_list(list.get());
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR)
        out[static_cast<std::size_t>(i)].offset = RD_KAFKA_OFFSET_INVALID;
    }
    return out;
  };
  const auto found = lookup(by_time);
  std::vector<kafka::TopicPartition*> none_newer;
  for (std::size_t i = 0; i < by_time.size(); ++i) {
    kafka::TopicPartition& tp = *by_time[i];
    const std::int64_t offset = found ? (*found)[i].offset : RD_KAFKA_OFFSET_INVALID;
    if (offset >= 0) {
      tp.offset = offset;
    } else if (offset == RD_KAFKA_OFFSET_END) {
      none_newer.push_back(&tp);
    } else {
      tp.offset = fallback_offset(tp.topic);
    }
  }
  // No record that new: start at the end, pinned to the high watermark read now. A
  // record may land between the two queries, so ask again: what is still "none" below
  // that watermark truly is, and anything written later is at or after it.
  if (none_newer.empty()) return;
  std::vector<std::int64_t> high;
  for (auto* tp : none_newer) {
    auto wm = consumer_->query_watermarks(tp->topic, tp->partition, std::chrono::milliseconds(kLookupTimeoutMs));
    high.push_back(wm ? wm->high : RD_KAFKA_OFFSET_END);
  }
  const auto again = lookup(none_newer);
  for (std::size_t i = 0; i < none_newer.size(); ++i) {
    const std::int64_t offset = again ? (*again)[i].offset : RD_KAFKA_OFFSET_INVALID;
    none_newer[i]->offset = offset >= 0 ? offset : high[i];
  }
}

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
  // Start offsets go in with the assignment itself: a seek after it races librdkafka's
  // fetcher ("Erroneous state") and fell back to reading all retention.
  DashboardFeed* self = feed.get();
  co.hooks.start_offsets = [self](std::vector<kafka::TopicPartition>& parts) {
    if (self->consumer_) self->choose_start_offsets(parts);
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
  auto last_lag = std::chrono::steady_clock::now();
  std::uint64_t bad_events = 0;
  while (!stop.load()) {
    kafka::Message m = consumer_->poll(std::chrono::milliseconds(200));
    if (m) {
      if (auto err = m.error()) {
        spdlog::warn("dashboard: kafka: {}", err->message);
      } else {
        std::string_view topic = m.topic();
        next_offset_[{std::string(topic), m.partition()}] = m.offset() + 1;
        if (topic == topics_.processed) {
          if (auto derr = decoder.decode(m.payload(), event)) {
            if (++bad_events % 1000 == 1) spdlog::warn("dashboard: undecodable processed record: {}", derr->message());
          } else {
            fill_defaults(event);
            // History is cut by when Kafka stored the record (a fallback start offset
            // may begin earlier than since_ms_), never by the event's own timestamp:
            // backfilled or late-shipped logs arrive now and must show.
            const std::int64_t record_ms = m.timestamp_ms();
            if ((record_ms >= 0 ? record_ms : event.timestamp / 1'000'000) >= since_ms_)
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
      for (const auto& [tp, next] : next_offset_) {
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
