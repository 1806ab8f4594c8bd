#include "net/http_client.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "net/http_test_server.h"
#include "net/test_pki.h"

namespace lt::net {
namespace {

using namespace std::chrono_literals;
using testing::TestHttpServer;
using testing::TestRequest;
using testing::TestResponse;

HttpResponse ok(std::variant<HttpResponse, Error> r) {
  if (auto* e = std::get_if<Error>(&r)) {
    ADD_FAILURE() << e->code << ": " << e->message;
    return {};
  }
  return std::get<HttpResponse>(std::move(r));
}

Error err(std::variant<HttpResponse, Error> r) {
  if (auto* res = std::get_if<HttpResponse>(&r)) {
    ADD_FAILURE() << "expected an error, got HTTP " << res->status;
    return {};
  }
  return std::get<Error>(std::move(r));
}

TEST(Url, ParsesWhatWeUseAndRejectsGarbage) {
  auto u = std::get<Url>(Url::parse("HTTPS://example.com:8443/a/b?c=d#frag"));
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, "8443");
  EXPECT_EQ(u.target, "/a/b?c=d");
  u = std::get<Url>(Url::parse("http://[::1]/x"));
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, "80");
  u = std::get<Url>(Url::parse("http://h?q=1"));
  EXPECT_EQ(u.target, "/?q=1");
  for (const char* bad : {"", "example.com", "ftp://x/", "http://", "http://h:0/", "http://h:99999/",
                          "http://h:12a/", "http://u:p@h/", "http://[::1/", "http://h/a b", "http://h\r\n/"}) {
    auto r = Url::parse(bad);
    ASSERT_TRUE(std::holds_alternative<Error>(r)) << bad;
    EXPECT_EQ(std::get<Error>(r).code, "http.bad_url");
    EXPECT_FALSE(std::get<Error>(r).retriable());
  }
}

TEST(StatusError, ClassifiesRetriableStatuses) {
  EXPECT_FALSE(status_error(200, "x"));
  EXPECT_FALSE(status_error(304, "x"));
  EXPECT_TRUE(status_error(503, "x")->retriable());
  EXPECT_TRUE(status_error(500, "x")->retriable());
  EXPECT_TRUE(status_error(429, "x")->retriable());
  EXPECT_TRUE(status_error(408, "x")->retriable());
  EXPECT_FALSE(status_error(400, "x")->retriable());
  EXPECT_FALSE(status_error(403, "x")->retriable());
}

TEST(HttpClient, GetAndPostAgainstARealServerReuseTheConnection) {
  TestHttpServer server([](const TestRequest& r) {
    TestResponse res;
    res.body = r.method + " " + r.target + " " + r.body;
    for (auto& [k, v] : r.headers)
      if (k == "x-test") res.body += " x-test=" + v;
    return res;
  });
  HttpClient client;
  auto res = ok(client.get(server.url("/users/42?x=1"), {{"X-Test", "yes"}}));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "GET /users/42?x=1  x-test=yes");
  EXPECT_EQ(res.header("content-type"), "application/json");
  res = ok(client.post(server.url("/hook"), R"({"a":1})", "application/json"));
  EXPECT_EQ(res.body, R"(POST /hook {"a":1})");
  EXPECT_EQ(server.connections(), 1) << "keep-alive: both requests on one connection";
  EXPECT_EQ(server.requests(), 2);
}

TEST(HttpClient, ReconnectsWhenTheServerClosedTheKeptAliveConnection) {
  TestHttpServer server([](const TestRequest&) {
    TestResponse res;
    res.body = "ok";
    res.close = true;  // "Connection: close" then close
    return res;
  });
  HttpClient client;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ok(client.get(server.url())).body, "ok");
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpClient, StatusesAreResponsesNotErrors) {
  TestHttpServer server([](const TestRequest&) {
    TestResponse res;
    res.status = 503;
    res.body = "busy";
    return res;
  });
  HttpClient client;
  auto res = ok(client.get(server.url()));
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(res.body, "busy");
}

TEST(HttpClient, ConnectionRefusedIsTransient) {
  std::uint16_t port;
  {
    TestHttpServer gone([](const TestRequest&) { return TestResponse{}; });
    port = gone.port();
  }
  HttpClient client;
  auto e = err(client.get("http://127.0.0.1:" + std::to_string(port) + "/"));
  EXPECT_EQ(e.code, "http.connection_refused") << e.message;
  EXPECT_TRUE(e.retriable());
}

TEST(HttpClient, ReadTimeoutIsTransientAndBounded) {
  TestHttpServer server([](const TestRequest&) {
    TestResponse res;
    res.delay = 3s;
    return res;
  });
  HttpClientOptions o;
  o.read_timeout = 200ms;
  HttpClient client(o);
  const auto start = std::chrono::steady_clock::now();
  auto e = err(client.get(server.url()));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.code, "http.timeout") << e.message;
  EXPECT_TRUE(e.retriable());
  EXPECT_LT(took, 2s);
  server.stop();
}

TEST(HttpClient, OversizedBodyIsPermanent) {
  TestHttpServer server([](const TestRequest&) {
    TestResponse res;
    res.body = std::string(10000, 'x');
    return res;
  });
  HttpClientOptions o;
  o.max_body_bytes = 1000;
  HttpClient client(o);
  auto e = err(client.get(server.url()));
  EXPECT_EQ(e.code, "http.body_too_large");
  EXPECT_FALSE(e.retriable());
}

TEST(HttpClient, GarbageResponseIsAnErrorNotACrash) {
  TestHttpServer server([](const TestRequest&) {
    TestResponse res;
    res.raw = "SSH-2.0-OpenSSH_9.2\r\n\xff\xfe\x00garbage\r\n\r\n";
    return res;
  });
  HttpClient client;
  auto e = err(client.get(server.url()));
  EXPECT_TRUE(e.retriable()) << e.code;
}

using testing::TestPki;

TestResponse hello(const TestRequest&) {
  TestResponse res;
  res.body = "hello over tls";
  return res;
}

TEST(HttpClient, HttpsWithTheRightCaAndHostname) {
  TestPki pki;
  TestHttpServer server(hello, pki.server_ctx);
  HttpClientOptions o;
  o.ca_file = pki.ca_pem;
  HttpClient client(o);
  auto res = ok(client.get("https://localhost:" + std::to_string(server.port()) + "/"));
  EXPECT_EQ(res.body, "hello over tls");
}

TEST(HttpClient, HttpsRejectsAnUntrustedCertificate) {
  TestPki pki;
  TestHttpServer server(hello, pki.server_ctx);
  HttpClient client;  // system CAs: our test CA is unknown there
  auto e = err(client.get("https://localhost:" + std::to_string(server.port()) + "/"));
  EXPECT_EQ(e.code, "http.tls_verify") << e.message;
  EXPECT_FALSE(e.retriable());
}

TEST(HttpClient, HttpsRejectsAHostnameMismatch) {
  TestPki pki;
  TestHttpServer server(hello, pki.server_ctx);
  HttpClientOptions o;
  o.ca_file = pki.ca_pem;
  HttpClient client(o);
  // The certificate names "localhost", not the address 127.0.0.1.
  auto e = err(client.get("https://127.0.0.1:" + std::to_string(server.port()) + "/"));
  EXPECT_FALSE(e.retriable()) << e.code << ": " << e.message;
  EXPECT_EQ(e.code, "http.tls_verify") << e.message;

  o.verify_peer = false;  // explicitly insecure: accepted
  HttpClient insecure(o);
  EXPECT_EQ(ok(insecure.get("https://127.0.0.1:" + std::to_string(server.port()) + "/")).body, "hello over tls");
}

TEST(HttpClient, MissingCaFileIsPermanent) {
  HttpClientOptions o;
  o.ca_file = "/nonexistent/ca.pem";
  TestPki pki;
  TestHttpServer server(hello, pki.server_ctx);
  HttpClient client(o);
  auto e = err(client.get("https://localhost:" + std::to_string(server.port()) + "/"));
  EXPECT_EQ(e.code, "http.tls_ca");
}

}  // namespace
}  // namespace lt::net
