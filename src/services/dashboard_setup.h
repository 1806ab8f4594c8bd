// The dashboard's HTTP side from `dashboard:` config: window and tail options,
// server limits, TLS and the safe-default listen check. Shared by
// `logtracer dashboard` and the embedded `logtracer run`.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "config/config.h"
#include "core/error.h"
#include "dashboard/auth.h"
#include "dashboard/dashboard.h"
#include "net/http_server.h"

namespace lt::services {

dashboard::DashboardOptions dashboard_options(const config::DashboardConfig& dc);

// `listen` overrides dashboard.listen when not empty. Refuses a non-loopback
// address without TLS or authentication unless dashboard.insecure is set.
std::variant<net::ServerOptions, Error> dashboard_server_options(const config::DashboardConfig& dc,
                                                                 const std::string& listen);

// dashboard.auth.* for dashboard::Auth; `tls`: the listener speaks TLS (Secure cookies).
dashboard::AuthOptions dashboard_auth_options(const config::DashboardConfig& dc, bool tls);

// "http://127.0.0.1:8080" for a started server.
std::string dashboard_url(const net::HttpServer& server);

}  // namespace lt::services
