#include "services/dashboard_setup.h"

#include <spdlog/spdlog.h>

#include "net/listen_address.h"

namespace lt::services {

namespace {
template <class T>
T or_default(T v, T def) {
  return v ? v : def;
}
}  // namespace

dashboard::DashboardOptions dashboard_options(const config::DashboardConfig& dc) {
  dashboard::DashboardOptions opt;
  opt.window.max_events = or_default<std::size_t>(dc.window_events, 200'000);
  opt.window.max_bytes = or_default<std::size_t>(dc.window_bytes, 256u << 20);
  opt.tail.batch_interval = dc.batch_interval.count() ? dc.batch_interval : std::chrono::milliseconds(100);
  opt.tail.client_queue = or_default<std::size_t>(dc.client_queue, 5000);
  opt.tail.max_clients = or_default<std::size_t>(dc.max_clients, 256);
  return opt;
}

std::variant<net::ServerOptions, Error> dashboard_server_options(const config::DashboardConfig& dc,
                                                                 const std::string& listen_override) {
  const std::string listen = listen_override.empty() ? dc.listen : listen_override;
  std::string err;
  auto addr = net::parse_listen(listen, err);
  if (!addr) return Error::permanent("dashboard.listen", "dashboard.listen: " + err);
  if (!addr->loopback() && !dc.tls.enabled() && !dc.auth.enabled() && !dc.insecure)
    return Error::permanent("dashboard.listen", "refusing to listen on " + listen +
                                                    " without TLS or authentication; set dashboard.insecure: true "
                                                    "to do it anyway");
  if (!addr->loopback() && (!dc.tls.enabled() || !dc.auth.enabled()))
    spdlog::warn("dashboard: listening on {} without {}: reachable from other machines", listen,
                 !dc.tls.enabled() && !dc.auth.enabled() ? "TLS or authentication (dashboard.insecure is set)"
                 : !dc.tls.enabled()                     ? "TLS (passwords, tokens and cookies travel in clear)"
                                                         : "authentication");
  const auto opt = dashboard_options(dc);
  net::ServerOptions so;
  so.bind_address = addr->address;
  so.port = addr->port;
  so.io_threads = 2;
  so.thread_name = "dash-http";
  so.default_headers = dashboard::Dashboard::security_headers();
  so.allowed_origins = dc.allowed_origins;
  // The dashboard is open without login on loopback: a page whose name was re-pointed
  // to 127.0.0.1 (DNS rebinding) would otherwise count as same-origin.
  so.check_host = true;
  so.allowed_hosts = dc.allowed_hosts;
  so.max_connections = opt.tail.max_clients + 64;
  if (dc.limits.max_body_bytes) so.max_body_bytes = dc.limits.max_body_bytes;
  if (dc.limits.max_header_bytes) so.max_header_bytes = dc.limits.max_header_bytes;
  if (dc.limits.ws_max_frame_bytes) so.ws_max_message_bytes = dc.limits.ws_max_frame_bytes;
  if (dc.limits.request_timeout.count()) so.read_timeout = dc.limits.request_timeout;
  if (dc.tls.enabled()) {
    so.tls = net::ServerTls::load(dc.tls.cert_file, dc.tls.key_file, err);
    if (!so.tls) return Error::permanent("dashboard.tls", "dashboard TLS: " + err);
  }
  return so;
}

dashboard::AuthOptions dashboard_auth_options(const config::DashboardConfig& dc, bool tls) {
  dashboard::AuthOptions a;
  a.tokens = dc.auth.tokens;
  for (const auto& u : dc.auth.users) a.users.push_back({u.username, u.password_hash});
  if (dc.auth.session_ttl.count() > 0)
    a.session_ttl = std::chrono::duration_cast<std::chrono::seconds>(dc.auth.session_ttl);
  a.tls = tls;
  a.allowed_origins = dc.allowed_origins;
  return a;
}

std::string dashboard_url(const net::HttpServer& server) {
  const auto& o = server.options();
  const std::string host = o.bind_address.find(':') != std::string::npos ? "[" + o.bind_address + "]" : o.bind_address;
  return std::string(o.tls ? "https" : "http") + "://" + host + ":" + std::to_string(server.port());
}

}  // namespace lt::services
