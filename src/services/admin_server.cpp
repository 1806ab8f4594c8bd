#include "services/admin_server.h"

#include <spdlog/spdlog.h>

#include "net/metrics_endpoint.h"
#include "net/listen_address.h"

namespace lt::services {

std::variant<std::unique_ptr<net::HttpServer>, Error> start_admin_server(const std::string& listen,
                                                                       std::function<std::string()> healthy) {
  if (listen.empty()) return std::unique_ptr<net::HttpServer>{};
  std::string err;
  auto addr = net::parse_listen(listen, err);
  if (!addr) return Error::permanent("admin.listen", "admin.listen: " + err);
  net::ServerOptions o;
  o.bind_address = addr->address;
  o.port = addr->port;
  o.thread_name = "admin";
  o.max_body_bytes = 1024;
  auto server = std::make_unique<net::HttpServer>(o);
  net::mount_metrics_endpoints(*server, std::move(healthy));
  if (auto ec = server->start())
    return Error::permanent("admin.listen", "admin listener on " + listen + ": " + ec.message());
  if (!addr->loopback()) spdlog::warn("admin listener bound to {}, not loopback: /metrics is reachable from the network", listen);
  spdlog::info("admin: http://{}:{}/metrics", addr->address, server->port());
  return server;
}

}  // namespace lt::services
