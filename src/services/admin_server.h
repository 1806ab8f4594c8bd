// The small admin listener of `produce` and `consume`: /metrics and /healthz.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <variant>
#include <string>

#include "core/error.h"
#include "net/http_server.h"

namespace lt::services {

// Starts an admin listener on `listen` ("" = none: returns nullptr without error).
// A non-loopback address is allowed (scrapers live elsewhere) with a warning,
// since these endpoints carry no log text and accept no input.
std::variant<std::unique_ptr<net::HttpServer>, Error> start_admin_server(const std::string& listen,
                                                                       std::function<std::string()> healthy);

}  // namespace lt::services
