#include "services/admin_server.h"

#include <spdlog/spdlog.h>

#include "net/credentials.h"
#include "net/listen_address.h"
#include "net/metrics_endpoint.h"
#include "net/server_tls.h"

namespace lt::services {

std::variant<std::unique_ptr<net::HttpServer>, Error> start_admin_server(const config::AdminConfig& admin,
                                                                       std::function<std::string()> healthy) {
  const std::string& listen = admin.listen;
  if (listen.empty()) return std::unique_ptr<net::HttpServer>{};
  std::string err;
  auto addr = net::parse_listen(listen, err);
  if (!addr) return Error::permanent("admin.listen", "admin.listen: " + err);
  net::ServerOptions o;
  o.bind_address = addr->address;
  o.port = addr->port;
  o.thread_name = "admin";
  o.max_body_bytes = 1024;
  if (admin.tls.enabled() || !admin.tls.key_file.empty()) {
    o.tls = net::ServerTls::load(admin.tls.cert_file, admin.tls.key_file, err);
    if (!o.tls) return Error::permanent("admin.tls", "admin.tls: " + err);
  }
  auto server = std::make_unique<net::HttpServer>(o);
  net::mount_metrics_endpoints(*server, std::move(healthy));
  if (!admin.token.empty()) {
    server->guard([token = admin.token](const net::Request& req, std::string_view route) -> std::optional<net::Response> {
      if (route == "/healthz") return std::nullopt;
      auto presented = net::bearer_token(req.header("Authorization"));
      if (presented && net::constant_time_equal(*presented, token)) return std::nullopt;
      auto r = net::json_error(net::http::status::unauthorized, "missing or wrong bearer token");
      r.set("WWW-Authenticate", "Bearer");
      return r;
    });
  }
  if (auto ec = server->start())
    return Error::permanent("admin.listen", "admin listener on " + listen + ": " + ec.message());
  if (!addr->loopback() && (!o.tls || admin.token.empty()))
    spdlog::warn("admin listener bound to {} without {}", listen,
                 !o.tls && admin.token.empty() ? "TLS or a token" : !o.tls ? "TLS" : "a token");
  spdlog::info("admin: {}://{}:{}/metrics", o.tls ? "https" : "http", addr->address, server->port());
  return server;
}

}  // namespace lt::services
