// Mounts the admin endpoints every service exposes on an HttpServer:
// /metrics (Prometheus text format 0.0.4 of MetricsRegistry::global()) and /healthz.
#pragma once

#include <functional>
#include <string>

#include "net/http_server.h"

namespace lt::net {

// `healthy` reports readiness ("" when healthy, else the reason, answered with 503);
// without it /healthz always answers 200 "ok".
void mount_metrics_endpoints(HttpServer& server, std::function<std::string()> healthy = {});

}  // namespace lt::net
