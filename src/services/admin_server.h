// The small admin listener of `produce` and `consume`: /metrics and /healthz.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "config/config.h"
#include "core/error.h"
#include "net/http_server.h"

namespace lt::services {

// Starts an admin listener on `admin.listen` ("" = none: returns nullptr without error).
// With tls.* it serves HTTPS (certificate reloaded when its files change); with a
// token, /metrics needs "Authorization: Bearer <token>" while /healthz stays open,
// since health checkers rarely send credentials and it reveals only up/down.
// Whether a non-loopback bind is allowed is decided by config validation (insecure).
std::variant<std::unique_ptr<net::HttpServer>, Error> start_admin_server(const config::AdminConfig& admin,
                                                                       std::function<std::string()> healthy);

}  // namespace lt::services
