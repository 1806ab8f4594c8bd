#include "net/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <mutex>
#include <thread>

#include "net/metrics_endpoint.h"

namespace lt::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

ServerOptions test_options() {
  ServerOptions o;
  o.io_threads = 2;
  o.thread_name = "test-http";
  o.max_body_bytes = 1024;
  o.max_header_bytes = 2048;
  o.read_timeout = 400ms;
  o.handler_timeout = 500ms;
  o.default_headers = {{"X-Content-Type-Options", "nosniff"}, {"Content-Security-Policy", "default-src 'self'"}};
  return o;
}

struct Client {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  explicit Client(std::uint16_t port) { stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port)); }

  http::response<http::string_body> request(http::verb method, std::string target, std::string body = {},
                                            Headers headers = {}) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (auto& [k, v] : headers) req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    stream.expires_after(5s);
    http::read(stream, buf, res);
    return res;
  }
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions o = test_options()) {
    server = std::make_unique<HttpServer>(std::move(o));
    server->get("/hello/{name}", [](const Request& r) {
      std::string q(r.query_param("q").value_or("-"));
      return make_response(http::status::ok, "hi " + std::string(r.param("name")) + " " + q, "text/plain");
    });
    server->route(http::verb::post, "/echo", [](const Request& r) {
      return make_response(http::status::ok, r.raw.body(), "text/plain");
    });
    server->route(http::verb::get, "/later", AsyncHandler([](const Request&, Responder done) {
                    std::thread([done] {
                      std::this_thread::sleep_for(30ms);
                      done(make_response(http::status::accepted, "done", "text/plain"));
                    }).detach();
                  }));
    server->route(http::verb::get, "/never", AsyncHandler([this](const Request&, Responder done) {
                    kept = std::make_unique<Responder>(done);
                  }));
    server->websocket(
        "/ws",
        [this](std::shared_ptr<WebSocket> ws, const Request& r) {
          ws->send("welcome " + std::string(r.query_param("q").value_or("")));
          std::weak_ptr<WebSocket> weak = ws;
          ws->on_message = [weak](std::string_view text) {
            if (auto w = weak.lock()) w->send("echo " + std::string(text));
          };
          ws->on_close = [this] { closed.fetch_add(1); };
          std::lock_guard lock(sockets_mu);
          sockets.push_back(ws);
        },
        [](const Request& r) -> std::optional<Response> {
          if (r.query_param("q") == "bad") return json_error(http::status::bad_request, "bad query", ",\"column\":1");
          return std::nullopt;
        });
    mount_metrics_endpoints(*server);
    ASSERT_FALSE(server->start());
    ASSERT_NE(server->port(), 0);
  }
  void TearDown() override {
    if (server) server->stop();
  }

  std::unique_ptr<HttpServer> server;
  std::unique_ptr<Responder> kept;
  // Accepted sockets. The handler runs on either IO thread (two of them), so two
  // upgrades at once push back concurrently: unguarded, one reallocation lost
  // the other's buffer (LeakSanitizer in CI).
  std::mutex sockets_mu;
  std::vector<std::shared_ptr<WebSocket>> sockets;
  std::vector<std::shared_ptr<WebSocket>> accepted() {
    std::lock_guard lock(sockets_mu);
    return sockets;
  }
  std::atomic<int> closed{0};
};

TEST_F(HttpServerTest, RoutesCaptureParamsAndQueryAndAddSecurityHeaders) {
  start();
  Client c(server->port());
  auto res = c.request(http::verb::get, "/hello/w%C3%B6rld?q=a+b%26c");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), "hi w\xC3\xB6rld a b&c");
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["Content-Security-Policy"], "default-src 'self'");
  // Keep-alive: a second request on the same connection.
  auto again = c.request(http::verb::post, "/echo", "payload");
  EXPECT_EQ(again.body(), "payload");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405WithHeaders) {
  start();
  Client c(server->port());
  auto res = c.request(http::verb::get, "/nope");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  auto m = c.request(http::verb::delete_, "/echo");
  EXPECT_EQ(m.result(), http::status::method_not_allowed);
}

TEST_F(HttpServerTest, OversizeBodyIs413) {
  start();
  Client c(server->port());
  auto res = c.request(http::verb::post, "/echo", std::string(4096, 'x'));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(res["Content-Security-Policy"], "default-src 'self'");
}

TEST_F(HttpServerTest, OversizeHeadersAre431) {
  start();
  Client c(server->port());
  auto res = c.request(http::verb::get, "/hello/x", {}, {{"X-Big", std::string(4096, 'h')}});
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
}

TEST_F(HttpServerTest, SlowHeadersTimeOut) {
  start();
  Client c(server->port());
  asio::write(c.stream.socket(), asio::buffer(std::string_view("GET /hello/x HTTP/1.1\r\nHost: a\r\n")));
  auto t0 = std::chrono::steady_clock::now();
  // The server must close the connection (EOF) after read_timeout, not wait for the rest.
  char buf[64];
  beast::error_code ec;
  c.stream.expires_after(5s);
  c.stream.socket().read_some(asio::buffer(buf), ec);
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
  EXPECT_LT(waited, 3s);
  EXPECT_GE(waited, 300ms);
}

TEST_F(HttpServerTest, AsyncHandlerAnswersFromAnotherThread) {
  start();
  Client c(server->port());
  auto res = c.request(http::verb::get, "/later");
  EXPECT_EQ(res.result(), http::status::accepted);
  EXPECT_EQ(res.body(), "done");
}

TEST_F(HttpServerTest, HandlerThatNeverAnswersGets503AfterTimeout) {
  start();
  Client c(server->port());
  auto res = c.request(http::verb::get, "/never");
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  (*kept)(make_response(http::status::ok, "too late", "text/plain"));  // ignored, must not crash
}

TEST_F(HttpServerTest, MetricsAndHealthz) {
  start();
  Client c(server->port());
  auto h = c.request(http::verb::get, "/healthz");
  EXPECT_EQ(h.result(), http::status::ok);
  auto m = c.request(http::verb::get, "/metrics");
  EXPECT_EQ(m.result(), http::status::ok);
  EXPECT_NE(m[http::field::content_type].find("version=0.0.4"), beast::string_view::npos);
}

TEST_F(HttpServerTest, MaxConnectionsClosesExtraConnections) {
  auto o = test_options();
  o.max_connections = 2;
  o.read_timeout = 5s;
  start(o);
  Client a(server->port()), b(server->port());
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (server->connections() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(server->connections(), 2u);
  Client extra(server->port());
  char buf[8];
  beast::error_code ec;
  extra.stream.socket().read_some(asio::buffer(buf), ec);
  EXPECT_TRUE(ec == asio::error::eof || ec == asio::error::connection_reset) << ec.message();
}

struct WsClient {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::error_code connect(std::uint16_t port, std::string target, std::string origin) {
    beast::error_code ec;
    beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
    if (ec) return ec;
    ws.set_option(websocket::stream_base::decorator([origin](websocket::request_type& req) {
      if (!origin.empty()) req.set(http::field::origin, origin);
    }));
    ws.handshake("127.0.0.1:" + std::to_string(port), target, ec);
    return ec;
  }
  std::string read() {
    beast::flat_buffer buf;
    beast::get_lowest_layer(ws).expires_after(5s);
    ws.read(buf);
    return beast::buffers_to_string(buf.data());
  }
};

TEST_F(HttpServerTest, WebSocketSameOriginAndNoOriginAccepted) {
  start();
  WsClient same;
  ASSERT_FALSE(same.connect(server->port(), "/ws?q=level%3Derror", "http://127.0.0.1:" + std::to_string(server->port())));
  EXPECT_EQ(same.read(), "welcome level=error");
  same.ws.write(asio::buffer(std::string_view("ping")));
  EXPECT_EQ(same.read(), "echo ping");
  WsClient none;
  ASSERT_FALSE(none.connect(server->port(), "/ws", ""));
  EXPECT_EQ(none.read(), "welcome ");
  none.ws.close(websocket::close_code::normal);
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (closed.load() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(closed.load(), 1);
}

Headers upgrade_headers(std::string origin) {
  Headers h = {{"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
               {"Sec-WebSocket-Version", "13"}};
  if (!origin.empty()) h.emplace_back("Origin", origin);
  return h;
}

TEST_F(HttpServerTest, WebSocketForeignOriginRefused403) {
  start();
  WsClient evil;
  EXPECT_TRUE(evil.connect(server->port(), "/ws", "https://evil.example"));
  Client c(server->port());
  auto res = c.request(http::verb::get, "/ws", {}, upgrade_headers("https://evil.example"));
  EXPECT_EQ(res.result(), http::status::forbidden);
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_TRUE(accepted().empty());
}

TEST_F(HttpServerTest, WebSocketAllowedOriginListAndCheckRefusal) {
  auto o = test_options();
  o.allowed_origins = {"https://logs.example.com"};
  start(o);
  WsClient listed;
  EXPECT_FALSE(listed.connect(server->port(), "/ws", "https://logs.example.com"));
  Client c(server->port());
  auto res = c.request(http::verb::get, "/ws?q=bad", {}, upgrade_headers(""));
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(res.body(), R"({"error":"bad query","column":1})");
}

TEST(HostAllowed, LoopbackLocalhostOwnAddressAndListedNamesOnly) {
  const std::vector<std::string> none;
  for (const char* ok : {"127.0.0.1", "127.0.0.1:8080", "127.9.8.7:1", "localhost", "LOCALHOST:8080", "localhost.",
                         "[::1]", "[::1]:8080", "[::ffff:127.0.0.1]:80"})
    EXPECT_TRUE(host_allowed(ok, "127.0.0.1", "127.0.0.1", none)) << ok;
  // The names a rebinding page would send, and malformed values.
  for (const char* bad : {"attacker.example", "attacker.example:8080", "localhost.attacker.example", "127.0.0.1.nip.io",
                          "10.0.0.5:8080", "", ":8080", "::1", "[::1", "[::1]x", "localhost:80a", "a:b:c"})
    EXPECT_FALSE(host_allowed(bad, "127.0.0.1", "127.0.0.1", none)) << bad;
  // The bind address, and with a wildcard bind the address the connection arrived on.
  EXPECT_TRUE(host_allowed("10.0.0.5:8080", "10.0.0.5", "10.0.0.5", none));
  EXPECT_TRUE(host_allowed("10.0.0.5:8080", "0.0.0.0", "10.0.0.5", none));
  EXPECT_TRUE(host_allowed("10.0.0.5", "::", "::ffff:10.0.0.5", none));
  EXPECT_FALSE(host_allowed("10.0.0.6", "0.0.0.0", "10.0.0.5", none));
  // allowed_hosts: a name matches any port, name:port only that port, "*" anything.
  const std::vector<std::string> listed = {"Logs.Example.com", "tail.example.com:8443", "[fd00::1]"};
  EXPECT_TRUE(host_allowed("logs.example.com", "127.0.0.1", "127.0.0.1", listed));
  EXPECT_TRUE(host_allowed("LOGS.example.com:9999", "127.0.0.1", "127.0.0.1", listed));
  EXPECT_TRUE(host_allowed("tail.example.com:8443", "127.0.0.1", "127.0.0.1", listed));
  EXPECT_FALSE(host_allowed("tail.example.com:8080", "127.0.0.1", "127.0.0.1", listed));
  EXPECT_FALSE(host_allowed("tail.example.com", "127.0.0.1", "127.0.0.1", listed));
  EXPECT_TRUE(host_allowed("[fd00::1]:8080", "127.0.0.1", "127.0.0.1", listed));
  EXPECT_FALSE(host_allowed("sub.logs.example.com", "127.0.0.1", "127.0.0.1", listed));
  EXPECT_TRUE(host_allowed("anything.example", "127.0.0.1", "127.0.0.1", {"*"}));
}

TEST_F(HttpServerTest, HostCheckRefusesForeignHostsOnRoutesFallbackAndUpgrades) {
  auto o = test_options();
  o.check_host = true;
  o.allowed_hosts = {"logs.example.com"};
  start(o);
  const std::string port = std::to_string(server->port());
  const std::vector<std::string> refused_hosts = {"attacker.example", "attacker.example:" + port};
  for (const std::string& host : refused_hosts) {
    Client c(server->port());
    auto res = c.request(http::verb::get, "/hello/x", {}, {{"Host", host}});
    EXPECT_EQ(res.result(), http::status::misdirected_request) << host;
    EXPECT_NE(res.body().find("DNS rebinding"), std::string::npos);
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
    // Paths no route knows are refused too (before the 404), and so is the upgrade, even same-"origin".
    Client c2(server->port());
    EXPECT_EQ(c2.request(http::verb::get, "/no/such", {}, {{"Host", host}}).result(),
              http::status::misdirected_request);
    Client c3(server->port());
    Headers h = upgrade_headers("http://" + host);
    h.emplace_back("Host", host);
    EXPECT_EQ(c3.request(http::verb::get, "/ws", {}, h).result(), http::status::misdirected_request);
  }
  EXPECT_TRUE(accepted().empty());
  const std::vector<std::string> accepted_hosts = {"127.0.0.1:" + port, "localhost:" + port,
                                                   "logs.example.com:" + port};
  for (const std::string& host : accepted_hosts) {
    Client c(server->port());
    auto res = c.request(http::verb::get, "/hello/x", {}, {{"Host", host}});
    EXPECT_EQ(res.result(), http::status::ok) << host;
    WsClient ws;
    ws.ws.set_option(websocket::stream_base::decorator(
        [host](websocket::request_type& req) { req.set(http::field::origin, "http://" + host); }));
    beast::error_code ec;
    beast::get_lowest_layer(ws.ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    ws.ws.handshake(host, "/ws", ec);
    EXPECT_FALSE(ec) << host << ": " << ec.message();
  }
}

TEST_F(HttpServerTest, HostCheckIsOffUnlessAsked) {
  start();
  Client c(server->port());
  EXPECT_EQ(c.request(http::verb::get, "/hello/x", {}, {{"Host", "attacker.example"}}).result(), http::status::ok);
}

TEST_F(HttpServerTest, WebSocketMessageOverTheLimitClosesTheConnection) {
  auto o = test_options();
  o.ws_max_message_bytes = 1024;
  start(o);
  WsClient c;
  ASSERT_FALSE(c.connect(server->port(), "/ws", ""));
  EXPECT_EQ(c.read(), "welcome ");
  c.ws.write(asio::buffer(std::string(512, 'a')));
  EXPECT_EQ(c.read().size(), 5 + 512);  // "echo " + the message: under the limit, served
  c.ws.write(asio::buffer(std::string(4096, 'b')));
  beast::error_code ec;
  beast::flat_buffer buf;
  c.ws.read(buf, ec);
  EXPECT_TRUE(ec) << "an oversized message must end the connection";
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (closed.load() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(closed.load(), 1);
}

TEST_F(HttpServerTest, GuardRefusesRoutesAndUpgradesButNotTheFallbackOr404) {
  server = std::make_unique<HttpServer>(test_options());
  server->get("/open", [](const Request&) { return make_response(http::status::ok, "open", "text/plain"); });
  server->get("/data", [](const Request&) { return make_response(http::status::ok, "data", "text/plain"); });
  server->websocket("/ws", [](std::shared_ptr<WebSocket>, const Request&) {});
  server->fallback([](const Request& r) -> std::optional<Response> {
    if (r.path != "/index.html") return std::nullopt;
    return make_response(http::status::ok, "<html>", "text/html");
  });
  std::vector<std::string> seen;
  std::mutex mu;
  server->guard([&](const Request& r, std::string_view route) -> std::optional<Response> {
    std::lock_guard lock(mu);
    seen.emplace_back(route);
    if (route == "/open" || r.header("X-Key") == "k") return std::nullopt;
    return json_error(http::status::unauthorized, "no");
  });
  ASSERT_FALSE(server->start());
  Client c(server->port());
  EXPECT_EQ(c.request(http::verb::get, "/open").result(), http::status::ok);
  EXPECT_EQ(c.request(http::verb::get, "/data").result(), http::status::unauthorized);
  // Empty segments and percent-encoding reach the same route, and the same guard.
  EXPECT_EQ(c.request(http::verb::get, "//%64ata/").result(), http::status::unauthorized);
  EXPECT_EQ(c.request(http::verb::get, "/data", {}, {{"X-Key", "k"}}).body(), "data");
  EXPECT_EQ(c.request(http::verb::get, "/index.html").result(), http::status::ok);
  EXPECT_EQ(c.request(http::verb::get, "/nothing").result(), http::status::not_found);
  Client u(server->port());
  EXPECT_EQ(u.request(http::verb::get, "/ws", {}, upgrade_headers("")).result(), http::status::unauthorized);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"/open", "/data", "/data", "/data", "/ws"}));
}

TEST_F(HttpServerTest, SendAfterStopIsRefusedAndStopIsPrompt) {
  start();
  WsClient c;
  ASSERT_FALSE(c.connect(server->port(), "/ws", ""));
  c.read();
  // The handler sends the welcome before it records the socket.
  auto deadline = std::chrono::steady_clock::now() + 3s;
  while (accepted().empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  const auto ws = accepted();
  ASSERT_EQ(ws.size(), 1u);
  auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_FALSE(ws[0]->send("after stop"));
}

TEST(PercentCoding, DecodesQueryStringsAndKeepsInvalidEscapes) {
  auto q = parse_query_string("q=service%3Dapi+AND+%22x%22&empty&bad=%zz%4");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].second, "service=api AND \"x\"");
  EXPECT_EQ(q[1].first, "empty");
  EXPECT_EQ(q[2].second, "%zz%4");
  EXPECT_EQ(percent_decode(percent_encode("a b/&=\xff"), false), "a b/&=\xff");
}

}  // namespace
}  // namespace lt::net
