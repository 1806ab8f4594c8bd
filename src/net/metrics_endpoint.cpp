#include "net/metrics_endpoint.h"

#include "core/metrics.h"

namespace lt::net {

void mount_metrics_endpoints(HttpServer& server, std::function<std::string()> healthy) {
  server.get("/metrics", [](const Request&) {
    return make_response(http::status::ok, MetricsRegistry::global().render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.get("/healthz", [healthy = std::move(healthy)](const Request&) {
    std::string problem = healthy ? healthy() : std::string{};
    if (problem.empty()) return make_response(http::status::ok, "ok\n", "text/plain; charset=utf-8");
    return make_response(http::status::service_unavailable, problem + "\n", "text/plain; charset=utf-8");
  });
}

}  // namespace lt::net
