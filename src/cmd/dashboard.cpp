// `logtracer dashboard`: reads the processed, alerts and dead-letter topics into
// the dashboard core and serves the web interface and its API.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <csignal>
#include <map>
#include <mutex>
#include <thread>

#include "cmd/commands.h"
#include "services/config_map.h"
#include "config/load.h"
#include "core/json_codec.h"
#include "dashboard/assets.h"
#include "dashboard/dashboard.h"
#include "kafka/consumer.h"
#include "net/http_server.h"
#include "services/dashboard_setup.h"

namespace lt::cmd {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

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

int run_dashboard(const std::string& config_path, const std::string& listen_override, bool no_kafka) {
  auto loaded_config = services::load_config_or_report(config_path);
  if (!loaded_config) return 2;
  config::Config cfg = std::move(*loaded_config);
  const auto& dc = cfg.dashboard;
  if (dc.auth.enabled())
    spdlog::warn("dashboard: dashboard.auth is configured but not enforced by this build yet (issue 8)");
  auto server_options = services::dashboard_server_options(dc, listen_override);
  if (auto* e = std::get_if<Error>(&server_options)) {
    spdlog::error("dashboard: {}", e->message);
    return 2;
  }
  const net::ServerOptions& so = std::get<net::ServerOptions>(server_options);
  dashboard::Dashboard dash(services::dashboard_options(dc));
  net::HttpServer server(so);
  dash.mount(server);
  if (auto ec = server.start()) {
    spdlog::error("dashboard: cannot listen on {}:{}: {}", so.bind_address, so.port, ec.message());
    return 1;
  }
  dash.start();
  if (dashboard::assets_are_placeholder())
    spdlog::warn("dashboard: the front end was not built into this binary (run `make build`)");
  // Printed on stdout, one line, for people and for scripts that start us on port 0.
  std::printf("logtracer dashboard listening on %s\n", services::dashboard_url(server).c_str());
  std::fflush(stdout);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  std::unique_ptr<kafka::Consumer> consumer;
  if (!no_kafka) {
    kafka::ClientConfig kc;
    kc.brokers = cfg.kafka.brokers;
    kc.client_id = cfg.kafka.client_id.empty() ? "logtracer-dashboard" : cfg.kafka.client_id + "-dashboard";
    // Notice topics created after we subscribed within seconds, not librdkafka's default 5 minutes.
    kc.properties["topic.metadata.refresh.interval.ms"] = "5000";
    for (const auto& [k, v] : cfg.kafka.properties) kc.properties[k] = v;
    kafka::ConsumerOptions co;
    char hostname[256] = {};
    gethostname(hostname, sizeof hostname - 1);
    // Our own group per instance, never committed: every start re-reads `history`.
    co.group_id = fmt::format("logtracer-dashboard-{}-{}-{}", hostname, server.port(), getpid());
    co.auto_commit = false;
    co.auto_offset_reset = "earliest";
    const std::int64_t since_ms = (now_ns() / 1'000'000) - dc.history.count();
    kafka::Consumer* raw = nullptr;
    co.hooks.on_assigned = [&raw, since_ms](const std::vector<kafka::TopicPartition>& parts) {
      if (raw) seek_to_time(*raw, parts, since_ms);
    };
    auto created = kafka::Consumer::create(kc, co);
    if (!created) {
      spdlog::error("dashboard: Kafka consumer: {}", created.error().message);
      server.stop();
      return 1;
    }
    consumer = std::move(created.value());
    raw = consumer.get();
    std::vector<std::string> topics;
    for (const auto* t : {&cfg.kafka.topics.processed, &cfg.kafka.topics.alerts, &cfg.kafka.topics.dlq})
      if (!t->empty()) topics.push_back(*t);
    if (auto st = consumer->subscribe(topics)) {
      spdlog::error("dashboard: subscribe: {}", st->message);
      server.stop();
      return 1;
    }
    spdlog::info("dashboard: reading {} from {} (history {} s)", fmt::join(topics, ", "), kc.brokers,
                 dc.history.count() / 1000);
  }

  // Consumer lag from the last fetch's high watermarks, refreshed by the poll loop.
  std::atomic<std::int64_t> lag{-1};
  dash.set_lag_source([&lag]() -> std::optional<std::int64_t> {
    std::int64_t v = lag.load();
    return v < 0 ? std::nullopt : std::optional<std::int64_t>(v);
  });

  EventDecoder decoder;
  LogEvent event;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offset;
  auto last_lag = std::chrono::steady_clock::now();
  std::uint64_t bad_events = 0;
  while (!g_stop.load()) {
    if (!consumer) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    kafka::Message m = consumer->poll(std::chrono::milliseconds(200));
    if (m) {
      if (auto err = m.error()) {
        spdlog::warn("dashboard: kafka: {}", err->message);
      } else {
        std::string_view topic = m.topic();
        next_offset[{std::string(topic), m.partition()}] = m.offset() + 1;
        if (topic == cfg.kafka.topics.processed) {
          if (auto derr = decoder.decode(m.payload(), event)) {
            if (++bad_events % 1000 == 1) spdlog::warn("dashboard: undecodable processed record: {}", derr->message());
          } else {
            fill_defaults(event);
            if (event.timestamp / 1'000'000 >= (now_ns() / 1'000'000) - dc.history.count())
              dash.ingest(std::move(event));
          }
        } else if (topic == cfg.kafka.topics.alerts) {
          if (!dash.ingest_alert(m.payload())) spdlog::warn("dashboard: ignoring an alert record that is not a notification");
        } else if (topic == cfg.kafka.topics.dlq) {
          dash.ingest_dead_letter(dead_letter_from(m));
        }
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_lag > std::chrono::seconds(1)) {
      last_lag = now;
      std::int64_t total = 0;
      bool known = false;
      for (const auto& [tp, next] : next_offset) {
        auto wm = consumer->cached_watermarks(tp.first, tp.second);
        if (!wm || wm->high < 0) continue;
        known = true;
        total += std::max<std::int64_t>(0, wm->high - next);
      }
      lag.store(known ? total : -1);
    }
  }
  spdlog::info("dashboard: stopping");
  if (consumer) consumer->close();
  server.stop();
  dash.stop();
  return 0;
}

}  // namespace

void add_dashboard(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("dashboard",
                                 "Serve the web dashboard: live tail, search, histogram, alerts and failures, fed "
                                 "from the processed, alerts and dead-letter topics.");
  static std::string config_path, listen;
  static bool no_kafka = false;
  sub->add_option("-c,--config", config_path, "Configuration file (YAML); defaults apply without one")
      ->check(CLI::ExistingFile);
  sub->add_option("--listen", listen, "HOST:PORT to listen on (overrides dashboard.listen; port 0 picks one)");
  sub->add_flag("--no-kafka", no_kafka, "Serve the API without reading Kafka (an empty window; for API checks)");
  sub->callback([&exit_code] { exit_code = run_dashboard(config_path, listen, no_kafka); });
}

}  // namespace lt::cmd
