#include "dashboard/dashboard.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <simdjson.h>

#include "dashboard/assets.h"
#include "net/test_upgrade.h"

namespace lt::dashboard {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class DashboardApi : public ::testing::Test {
 protected:
  void SetUp() override {
    dash = std::make_unique<Dashboard>(DashboardOptions{.tail = {.batch_interval = 20ms}});
    net::ServerOptions o;
    o.default_headers = Dashboard::security_headers();
    server = std::make_unique<net::HttpServer>(o);
    dash->mount(*server);
    ASSERT_FALSE(server->start());
    dash->start();
    for (int i = 0; i < 5; ++i) {
      LogEvent e;
      e.id = "id" + std::to_string(i);
      e.timestamp = 1'764'000'000'000'000'000 + i * 1'000'000'000LL;
      e.level = i == 4 ? Level::Error : Level::Info;
      e.service = i % 2 ? "api" : "web";
      e.host = "h1";
      e.message = i == 4 ? "<img src=x onerror=alert(1)> boom" : "ok " + std::to_string(i);
      dash->ingest(std::move(e));
    }
  }
  void TearDown() override {
    server->stop();
    dash->stop();
  }

  http::response<http::string_body> get(std::string target) {
    asio::io_context ioc;
    beast::tcp_stream s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    s.expires_after(5s);
    http::read(s, buf, res);
    return res;
  }

  std::unique_ptr<Dashboard> dash;
  std::unique_ptr<net::HttpServer> server;
  simdjson::dom::parser parser;
};

TEST_F(DashboardApi, EventsSearchPagesNewestFirstWithSecurityHeaders) {
  auto res = get("/api/v1/events?limit=2");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_NE(res["Content-Security-Policy"].find("default-src 'self'"), beast::string_view::npos);
  EXPECT_NE(res["Content-Security-Policy"].find("frame-ancestors 'none'"), beast::string_view::npos);
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
  simdjson::dom::element doc = parser.parse(res.body());
  auto events = doc["events"].get_array().value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::string_view(events.at(0)["id"]), "id4");
  EXPECT_TRUE(bool(doc["more"]));
  std::string next{std::string_view(doc["next_before"])};
  auto page2 = parser.parse(get("/api/v1/events?limit=10&before=" + next).body());
  EXPECT_EQ(page2["events"].get_array().size(), 3u);
  EXPECT_EQ(get("/api/v1/events?before=gone").result(), http::status::gone);
}

TEST_F(DashboardApi, QueryErrorsAre400WithColumn) {
  auto res = get("/api/v1/events?q=level%3EWRN");
  ASSERT_EQ(res.result(), http::status::bad_request);
  simdjson::dom::element doc = parser.parse(res.body());
  EXPECT_GT(uint64_t(doc["column"]), 0u);
  EXPECT_NE(std::string_view(doc["error"]).find("WRN"), std::string_view::npos);
  auto v = get("/api/v1/query/validate?q=level%3EWRN");
  EXPECT_EQ(v.result(), http::status::bad_request);
  EXPECT_EQ(get("/api/v1/query/validate?q=level%3Aerror").body(), R"({"ok":true})");
  EXPECT_EQ(get("/api/v1/histogram?from=yesterday").result(), http::status::bad_request);
}

TEST_F(DashboardApi, HistogramFacetsContextStatsAlertsDeadLetters) {
  auto h = parser.parse(get("/api/v1/histogram?buckets=5").body());
  EXPECT_EQ(h["counts"].get_array().size(), 5u);
  std::string facets_body = get("/api/v1/facets?q=level%3Ainfo").body();
  auto f = parser.parse(facets_body);
  EXPECT_EQ(uint64_t(f["matched"]), 4u);
  EXPECT_EQ(f["fields"]["service"].get_array().size(), 2u);
  auto c = parser.parse(get("/api/v1/events/id2/context?n=1").body());
  EXPECT_EQ(std::string_view(c["event"]["id"]), "id2");
  EXPECT_EQ(c["before"].get_array().size(), 1u);
  EXPECT_EQ(get("/api/v1/events/nope/context").result(), http::status::not_found);
  dash->ingest_alert(R"({"alert_id":"x","state":"firing"})");
  dash->ingest_dead_letter({.code = "decode.not_json", .payload = "\xff{"});
  std::string stats_body = get("/api/v1/stats").body();
  auto s = parser.parse(stats_body);
  EXPECT_EQ(uint64_t(s["window_events"]), 5u);
  EXPECT_EQ(uint64_t(s["dead_letters_total"]), 1u);
  EXPECT_EQ(uint64_t(s["alerts_firing"]), 1u);
  EXPECT_TRUE(s["consumer_lag"].is_null());
  EXPECT_EQ(parser.parse(get("/api/v1/alerts").body())["firing"].get_array().size(), 1u);
  EXPECT_EQ(parser.parse(get("/api/v1/deadletters").body())["total"].get_uint64().value(), 1u);
  EXPECT_EQ(get("/healthz").result(), http::status::ok);
  EXPECT_EQ(get("/metrics").result(), http::status::ok);
}

TEST_F(DashboardApi, ServesTheEmbeddedFrontEnd) {
  auto res = get("/");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_NE(res[http::field::content_type].find("text/html"), beast::string_view::npos);
  EXPECT_NE(res.body().find("logtracer"), std::string::npos);
  EXPECT_NE(res["Content-Security-Policy"].find("script-src 'self'"), beast::string_view::npos);
  // No inline script in what we serve: the CSP forbids it anyway, and it must not be needed.
  if (!assets_are_placeholder()) {
    EXPECT_EQ(res.body().find("<script>"), std::string::npos);
  }
  EXPECT_EQ(get("/no/such/file.js").result(), http::status::not_found);
}

TEST_F(DashboardApi, TailStreamsMatchingEventsAndRefusesForeignOrigin) {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server->port()));
  std::string host = "127.0.0.1:" + std::to_string(server->port());
  ws.set_option(websocket::stream_base::decorator(
      [host](websocket::request_type& req) { req.set(http::field::origin, "http://" + host); }));
  ws.handshake(host, "/api/v1/tail?q=level%3Aerror");
  beast::flat_buffer buf;
  beast::get_lowest_layer(ws).expires_after(5s);
  ws.read(buf);
  EXPECT_EQ(beast::buffers_to_string(buf.data()), R"({"type":"hello"})");
  buf.clear();
  LogEvent info, err;
  info.id = "live-info";
  info.message = "quiet";
  err.id = "live-err";
  err.level = Level::Error;
  err.message = "loud";
  dash->ingest(info);
  dash->ingest(err);
  // Read batches until the live error arrives; every event sent must match the query
  // (SetUp's ERROR event may come too: it was published just before we subscribed).
  bool got_live_err = false;
  while (!got_live_err) {
    buf.clear();
    beast::get_lowest_layer(ws).expires_after(5s);
    ws.read(buf);
    std::string frame = beast::buffers_to_string(buf.data());
    simdjson::dom::element doc = parser.parse(frame);
    ASSERT_EQ(std::string_view(doc["type"]), "events");
    for (auto e : doc["events"].get_array()) {
      EXPECT_EQ(std::string_view(e["level"]), "ERROR");
      EXPECT_NE(std::string_view(e["id"]), "live-info");
      if (std::string_view(e["id"]) == "live-err") got_live_err = true;
    }
  }

  // A foreign page is refused with 403 before the upgrade (not merely "some error"),
  // and the hub gains no client for it.
  const std::size_t clients = dash->hub().clients();
  EXPECT_EQ(net::testing::upgrade_status(server->port(), {{"Origin", "https://evil.example"}}), 403);
  const std::string evil_same_port = "http://evil.example:" + std::to_string(server->port());
  EXPECT_EQ(net::testing::upgrade_status(server->port(), {{"Origin", evil_same_port}}), 403);
  EXPECT_EQ(dash->hub().clients(), clients);
}

}  // namespace
}  // namespace lt::dashboard
