// `logtracer dashboard`: reads the processed, alerts and dead-letter topics into
// the dashboard core and serves the web interface and its API.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <thread>

#include "cmd/commands.h"
#include "dashboard/assets.h"
#include "dashboard/dashboard.h"
#include "net/http_server.h"
#include "services/config_map.h"
#include "services/dashboard_feed.h"
#include "services/dashboard_setup.h"

namespace lt::cmd {
namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

int run_dashboard(const std::string& config_path, const std::string& listen_override, bool no_kafka) {
  auto loaded_config = services::load_config_or_report(config_path);
  if (!loaded_config) return 2;
  config::Config cfg = std::move(*loaded_config);
  const auto& dc = cfg.dashboard;
  auto server_options = services::dashboard_server_options(dc, listen_override);
  if (auto* e = std::get_if<Error>(&server_options)) {
    spdlog::error("dashboard: {}", e->message);
    return 2;
  }
  const net::ServerOptions& so = std::get<net::ServerOptions>(server_options);
  dashboard::Auth auth(services::dashboard_auth_options(dc, so.tls != nullptr));
  dashboard::Dashboard dash(services::dashboard_options(dc));
  net::HttpServer server(so);
  dash.mount(server);
  auth.protect(server);
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

  std::unique_ptr<services::DashboardFeed> feed;
  if (!no_kafka) {
    auto created = services::DashboardFeed::create(cfg, dash, std::to_string(server.port()));
    if (auto* e = std::get_if<Error>(&created)) {
      spdlog::error("{}", e->message);
      server.stop();
      return 1;
    }
    feed = std::move(std::get<0>(created));
  }
  if (feed) {
    feed->run(g_stop);
  } else {
    while (!g_stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  spdlog::info("dashboard: stopping");
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
  sub->footer(
      "Examples:\n"
      "  logtracer dashboard --config config/dashboard.yaml\n"
      "  logtracer dashboard --config config/dashboard.yaml --listen 127.0.0.1:0\n"
      "Prints \"logtracer dashboard listening on URL\" once it serves. Each instance reads the topics with a\n"
      "consumer group of its own, starting dashboard.history back, and commits nothing: run as many as you\n"
      "like. A non-loopback dashboard.listen is refused without dashboard.tls or dashboard.auth, unless\n"
      "dashboard.insecure is set.\n"
      "The API is in docs/api.md. SIGTERM stops it.");
  sub->callback([&exit_code] { exit_code = run_dashboard(config_path, listen, no_kafka); });
}

}  // namespace lt::cmd
