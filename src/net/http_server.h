// A small reusable HTTP/1.1 + WebSocket server on Boost.Beast: routes, limits
// and timeouts against abusive clients, a fixed pool of named IO threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "net/server_tls.h"

namespace lt::net {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

// A parsed request as handlers see it: the raw Beast message plus the decoded
// path, query parameters and the values captured by `{name}` route segments.
struct Request {
  http::request<http::string_body> raw;
  std::string path;                                        // percent-decoded, no query string
  std::vector<std::pair<std::string, std::string>> query;  // percent-decoded, in order
  std::vector<std::pair<std::string, std::string>> params;  // from `{name}` segments
  std::string remote_address;
  std::string local_address;  // the server address the connection arrived on

  // First value of a query parameter, if present.
  std::optional<std::string_view> query_param(std::string_view name) const;
  std::string_view param(std::string_view name) const;  // empty when absent
  std::string_view header(std::string_view name) const;  // empty when absent
};

// Completes one request, from any thread, exactly once (later calls are
// ignored). Dropping every copy without calling it answers 500.
class Responder {
 public:
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void operator()(Response response) const;

 private:
  std::shared_ptr<State> state_;
};

// Handlers run on an IO thread: do cheap work inline, hand slow work elsewhere
// and call the responder when done (e.g. /ingest answers after Kafka acks).
using AsyncHandler = std::function<void(const Request&, Responder)>;
using Handler = std::function<Response(const Request&)>;

// One accepted WebSocket connection. send() is thread-safe and never blocks:
// the text frame is queued and written in order on the connection's strand.
class WebSocket {
 public:
  virtual ~WebSocket() = default;
  // False when the connection is closed or `max_queued` frames are already waiting.
  virtual bool send(std::string text) = 0;
  // Frames queued and not yet written: the caller's signal of a slow reader.
  virtual std::size_t queued() const = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  // Set these in the open handler (before the first read is issued).
  std::function<void(std::string_view)> on_message;
  std::function<void()> on_close;  // once, from an IO thread
};

// Called once the upgrade succeeded. May keep the shared_ptr for as long as it likes.
using WebSocketHandler = std::function<void(std::shared_ptr<WebSocket>, const Request&)>;
// Optional check before the upgrade: a response (e.g. 400 for a bad query) refuses it.
using WebSocketCheck = std::function<std::optional<Response>(const Request&)>;

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks; read it back with HttpServer::port()
  std::size_t io_threads = 1;
  std::string thread_name = "http";  // threads are named "<name>-<n>" (max 15 chars in total)

  std::size_t max_body_bytes = 1 << 20;     // larger request body → 413
  std::size_t max_header_bytes = 16 << 10;  // larger header block → 431
  std::size_t max_connections = 512;        // further connections are closed at once
  std::size_t ws_max_message_bytes = 64 << 10;
  std::size_t ws_max_queued_frames = 64;  // WebSocket::send() refuses beyond this

  // Slowloris guards: the whole request (headers + body) must arrive within
  // read_timeout; an idle keep-alive connection is closed after idle_timeout.
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds handler_timeout{30'000};  // an async handler that never answers → 503

  // Added to every response, the server's own errors included (security headers).
  Headers default_headers;
  // WebSocket Origin policy: a request without Origin (non-browser clients) is
  // accepted; with one, it must equal the request's own http(s)://Host or be
  // listed here (exact match, e.g. "https://logs.example.com"). Otherwise 403.
  std::vector<std::string> allowed_origins;
  // DNS-rebinding guard: when on, a request (HTTP or WebSocket upgrade) whose Host
  // names anything but this server is answered 421 before routing. Accepted: no Host
  // at all (browsers always send one), `localhost`, loopback literals (127.0.0.0/8,
  // [::1]), the bind address, the address the connection arrived on, and
  // `allowed_hosts` entries (a name matches any port, "name:port" that port only,
  // "*" anything). The Origin rule above trusts Host, so it needs this.
  bool check_host = false;
  std::vector<std::string> allowed_hosts;

  // TLS: when set, every connection is TLS, with the certificate current when it arrived.
  std::shared_ptr<ServerTls> tls;
};

// The WebSocket Origin rule above, for other state-changing endpoints (login).
bool origin_allowed(const Request& req, const std::vector<std::string>& allowed_origins);
// The Host rule of ServerOptions::check_host for one present Host header value.
// `local_address` is the address the connection arrived on (may be empty).
bool host_allowed(std::string_view host, std::string_view bind_address, std::string_view local_address,
                  const std::vector<std::string>& allowed_hosts);

// Runs before every matched route and WebSocket upgrade (not before the
// static fallback, 404 or 405): a response refuses the request (e.g. 401).
// `route` is the pattern as registered, e.g. "/api/v1/events/{id}/context".
using Guard = std::function<std::optional<Response>(const Request&, std::string_view route)>;

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes are registered before start(). A pattern is an exact path whose
  // segments may be `{name}` (one segment, captured into Request::params).
  // An unknown path → 404; a known path with another method → 405.
  void route(http::verb method, std::string pattern, AsyncHandler handler);
  void route(http::verb method, std::string pattern, Handler handler);
  void get(std::string pattern, Handler handler) { route(http::verb::get, std::move(pattern), std::move(handler)); }
  // Fallback for GET requests no route matched (static assets); returns nullopt for 404.
  void fallback(std::function<std::optional<Response>(const Request&)> handler);
  void websocket(std::string pattern, WebSocketHandler on_open, WebSocketCheck check = {});
  // One guard per server, set before start() (see Guard).
  void guard(Guard guard);

  // Binds, listens and starts the IO threads. Returns the bind/listen error, if any.
  std::error_code start();
  // Stops accepting, closes every connection and joins the IO threads. Idempotent.
  void stop();

  std::uint16_t port() const noexcept;
  std::size_t connections() const noexcept;
  const ServerOptions& options() const noexcept;

  struct Impl;  // opaque; public only so the session types in the .cpp can name it

 private:
  std::shared_ptr<Impl> impl_;
};

// Response helpers (Content-Type and Content-Length set).
Response make_response(http::status status, std::string body, std::string_view content_type);
Response json_response(http::status status, std::string body);
// {"error": message} (plus any extra pre-rendered JSON members, e.g. ,"column":3).
Response json_error(http::status status, std::string_view message, std::string_view extra_members = {});

// Percent-decoding ('+' as space when `plus_is_space`); invalid escapes are kept as written.
std::string percent_decode(std::string_view s, bool plus_is_space);
std::string percent_encode(std::string_view s);
std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view qs);

}  // namespace lt::net
