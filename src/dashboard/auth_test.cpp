#include "dashboard/auth.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <thread>

#include "net/http_client.h"
#include "net/test_upgrade.h"

namespace lt::dashboard {
namespace {

using net::testing::upgrade_status;
using namespace std::chrono_literals;

// Fast hashes for tests; production uses libsodium's interactive limits.
std::string quick_hash(std::string_view password) {
  return hash_password(password, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN);
}

TEST(Password, HashIsArgon2idAndVerifies) {
  std::string h = quick_hash("correct horse");
  EXPECT_EQ(h.rfind("$argon2id$", 0), 0u) << h;
  EXPECT_TRUE(verify_password(h, "correct horse"));
  EXPECT_FALSE(verify_password(h, "correct hors"));
  EXPECT_FALSE(verify_password("not a hash", "correct horse"));
  EXPECT_NE(quick_hash("correct horse"), h);  // salted
}

TEST(Cookies, ValueByNameAmongOthers) {
  EXPECT_EQ(Auth::cookie_value("a=1; lt_session=abc; b=2", "lt_session"), "abc");
  EXPECT_EQ(Auth::cookie_value("lt_session=abc", "lt_session"), "abc");
  EXPECT_EQ(Auth::cookie_value("xlt_session=abc", "lt_session"), "");
  EXPECT_EQ(Auth::cookie_value("", "lt_session"), "");
}

struct Fixture : ::testing::Test {
  void start(AuthOptions o) {
    auth = std::make_unique<Auth>(std::move(o));
    net::ServerOptions so;
    server = std::make_unique<net::HttpServer>(so);
    server->get("/api/v1/stats", [](const net::Request&) { return net::json_response(net::http::status::ok, "{}"); });
    server->get("/healthz", [](const net::Request&) { return net::json_response(net::http::status::ok, "ok"); });
    server->websocket("/api/v1/tail", [](std::shared_ptr<net::WebSocket> ws, const net::Request&) {
      ws->send("hello");
    });
    server->fallback([](const net::Request& r) -> std::optional<net::Response> {
      if (r.path != "/") return std::nullopt;
      return net::make_response(net::http::status::ok, "<!doctype html>", "text/html");
    });
    auth->protect(*server);
    ASSERT_FALSE(server->start());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  void TearDown() override {
    if (server) server->stop();
  }
  AuthOptions options() {
    AuthOptions o;
    o.tokens = {"tok-1", "tok-2"};
    o.users = {{"alice", quick_hash("wonderland")}, {"bob", quick_hash("builder")}};
    return o;
  }

  net::HttpResponse get(const std::string& path, std::vector<net::HttpHeader> headers = {}) {
    net::HttpClient c;
    auto r = c.get(base + path, std::move(headers));
    EXPECT_TRUE(std::holds_alternative<net::HttpResponse>(r));
    return std::get<net::HttpResponse>(r);
  }
  net::HttpResponse post(const std::string& path, std::string body, std::string type,
                         std::vector<net::HttpHeader> headers = {}) {
    net::HttpClient c;
    auto r = c.post(base + path, std::move(body), type, std::move(headers));
    EXPECT_TRUE(std::holds_alternative<net::HttpResponse>(r));
    return std::get<net::HttpResponse>(r);
  }
  net::HttpResponse login(const std::string& user, const std::string& password) {
    return post("/api/v1/login", R"({"username":")" + user + R"(","password":")" + password + "\"}",
                "application/json");
  }
  // "lt_session=<id>" out of a Set-Cookie line.
  static std::string cookie_pair(std::string_view set_cookie) {
    return std::string(set_cookie.substr(0, set_cookie.find(';')));
  }

  // Status of an upgrade request to the live tail (101 = accepted), read as plain HTTP.
  int upgrade(std::vector<net::HttpHeader> headers) { return upgrade_status(server->port(), std::move(headers)); }

  std::unique_ptr<Auth> auth;
  std::unique_ptr<net::HttpServer> server;
  std::string base;
};

TEST_F(Fixture, WithoutCredentialsDataIs401ButLoginPageAndHealthzAreOpen) {
  start(options());
  auto r = get("/api/v1/stats");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"logtracer\"");
  EXPECT_EQ(get("/").status, 200);
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(get("/api/v1/session").body,
            R"({"auth_required":true,"password_login":true,"authenticated":false,"username":null})");
  EXPECT_EQ(upgrade({}), 401);
}

TEST_F(Fixture, BearerTokensOpenApiAndWebSocket) {
  start(options());
  EXPECT_EQ(get("/api/v1/stats", {{"Authorization", "Bearer tok-2"}}).status, 200);
  EXPECT_EQ(get("/api/v1/stats", {{"Authorization", "Bearer tok-"}}).status, 401);
  EXPECT_EQ(get("/api/v1/stats", {{"Authorization", "Basic dG9rLTE="}}).status, 401);
  EXPECT_EQ(upgrade({{"Authorization", "Bearer tok-1"}}), 101);
  EXPECT_EQ(upgrade({{"Authorization", "Bearer nope"}}), 401);
}

TEST_F(Fixture, WrongPasswordAndUnknownUserAreIndistinguishable) {
  start(options());
  auto wrong = login("alice", "looking-glass");
  auto unknown = login("mallory", "wonderland");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(wrong.header("Set-Cookie"), "");
  EXPECT_EQ(auth->sessions(), 0u);
}

TEST_F(Fixture, LoginSetsAStrictHttpOnlyCookieThatWorksUntilLogout) {
  start(options());
  auto ok = login("alice", "wonderland");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, R"({"ok":true,"username":"alice","expires_in":43200})");
  std::string set = std::string(ok.header("Set-Cookie"));
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  EXPECT_NE(set.find("; Path=/"), std::string::npos) << set;
  EXPECT_EQ(set.find("Secure"), std::string::npos) << "plain http: a Secure cookie would be dropped";
  EXPECT_EQ(ok.header("Cache-Control"), "no-store");
  std::string cookie = cookie_pair(set);
  ASSERT_EQ(cookie.size(), std::string("lt_session=").size() + 64) << "256-bit id, hex";

  EXPECT_EQ(get("/api/v1/stats", {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(upgrade({{"Cookie", cookie}}), 101);
  EXPECT_EQ(get("/api/v1/session", {{"Cookie", cookie}}).body,
            R"({"auth_required":true,"password_login":true,"authenticated":true,"username":"alice"})");

  auto out = post("/api/v1/logout", "{}", "application/json", {{"Cookie", cookie}});
  EXPECT_EQ(out.status, 200);
  EXPECT_NE(out.header("Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(get("/api/v1/stats", {{"Cookie", cookie}}).status, 401) << "the server forgot the session";
  EXPECT_EQ(upgrade({{"Cookie", cookie}}), 401);
}

TEST_F(Fixture, SecureCookieOverTlsOrBehindATlsProxy) {
  auto o = options();
  o.tls = true;
  start(o);
  auto ok = login("bob", "builder");
  ASSERT_EQ(ok.status, 200);
  EXPECT_NE(ok.header("Set-Cookie").find("; Secure"), std::string::npos);
  server->stop();
  start(options());
  auto proxied = post("/api/v1/login", R"({"username":"bob","password":"builder"})", "application/json",
                      {{"X-Forwarded-Proto", "https"}});
  EXPECT_NE(proxied.header("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST_F(Fixture, FormLoginRedirectsHomeAndForeignOriginIsRefused) {
  start(options());
  net::HttpClient c;
  auto r = std::get<net::HttpResponse>(
      c.post(base + "/api/v1/login", "username=alice&password=wonderland", "application/x-www-form-urlencoded"));
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.header("Location"), "/");
  EXPECT_NE(r.header("Set-Cookie").find("lt_session="), std::string::npos);
  auto evil = post("/api/v1/login", R"({"username":"alice","password":"wonderland"})", "application/json",
                   {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 403);
  EXPECT_EQ(evil.header("Set-Cookie"), "");
  EXPECT_EQ(post("/api/v1/login", "garbage", "text/plain").status, 400);
}

TEST_F(Fixture, ForgedOrMalformedCookiesAreRefused) {
  start(options());
  EXPECT_EQ(get("/api/v1/stats", {{"Cookie", "lt_session=" + std::string(64, 'a')}}).status, 401);
  EXPECT_EQ(get("/api/v1/stats", {{"Cookie", "lt_session="}}).status, 401);
  EXPECT_EQ(get("/api/v1/stats", {{"Cookie", "lt_session=../../x"}}).status, 401);
}

TEST_F(Fixture, SessionsExpireOnTheServer) {
  auto o = options();
  o.session_ttl = 1s;
  start(o);
  std::string cookie = cookie_pair(login("alice", "wonderland").header("Set-Cookie"));
  EXPECT_EQ(get("/api/v1/stats", {{"Cookie", cookie}}).status, 200);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    status = get("/api/v1/stats", {{"Cookie", cookie}}).status;
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(auth->sessions(), 0u);
}

TEST_F(Fixture, WithoutAuthConfiguredEverythingIsOpen) {
  start(AuthOptions{});
  EXPECT_EQ(get("/api/v1/stats").status, 200);
  EXPECT_EQ(upgrade({}), 101);
  EXPECT_EQ(get("/api/v1/session").body,
            R"({"auth_required":false,"password_login":false,"authenticated":true,"username":null})");
  EXPECT_EQ(login("alice", "x").status, 401);
}

TEST(AuthDirect, TokensOnlyConfigRefusesEveryLogin) {
  AuthOptions o;
  o.tokens = {"t"};
  Auth auth(o);
  EXPECT_TRUE(auth.enabled());
  EXPECT_FALSE(auth.login("anyone", "anything"));
}

}  // namespace
}  // namespace lt::dashboard
