#include "net/server_tls.h"

#include <gtest/gtest.h>

#include <fstream>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/test_pki.h"

namespace lt::net {
namespace {

using testing::TestPki;

struct TlsServer {
  std::shared_ptr<ServerTls> tls;
  std::unique_ptr<HttpServer> server;
  explicit TlsServer(const TestPki& pki) {
    std::string error;
    tls = ServerTls::load(pki.cert_pem, pki.key_pem, error);
    EXPECT_TRUE(tls) << error;
    ServerOptions o;
    o.tls = tls;
    server = std::make_unique<HttpServer>(o);
    server->get("/", [](const Request&) { return make_response(http::status::ok, "over tls", "text/plain"); });
    EXPECT_FALSE(server->start());
  }
  std::string url(const char* host = "localhost") const {
    return std::string("https://") + host + ":" + std::to_string(server->port()) + "/";
  }
};

// A fresh connection per request, so each one sees the certificate current at that moment.
std::variant<HttpResponse, Error> fetch(const TestPki& pki, const std::string& url) {
  HttpClientOptions o;
  o.ca_file = pki.ca_pem;
  o.keep_alive = false;
  HttpClient client(o);
  return client.get(url);
}

TEST(ServerTls, LoadFailsClearlyOnMissingOrMismatchedFiles) {
  TestPki a("tls_a"), b("tls_b");
  std::string error;
  EXPECT_FALSE(ServerTls::load("/nonexistent.pem", a.key_pem, error));
  EXPECT_NE(error.find("/nonexistent.pem"), std::string::npos) << error;
  error.clear();
  EXPECT_FALSE(ServerTls::load(a.cert_pem, b.key_pem, error));  // a key that is not the certificate's
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
  EXPECT_TRUE(ServerTls::load(a.cert_pem, a.key_pem, error));
}

TEST(ServerTls, ServesHttpsAndRefusesPlainHttp) {
  TestPki pki("tls_serve");
  TlsServer s(pki);
  auto ok = fetch(pki, s.url());
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(ok)) << std::get<Error>(ok).message;
  EXPECT_EQ(std::get<HttpResponse>(ok).body, "over tls");
  HttpClient plain;
  auto refused = plain.get("http://127.0.0.1:" + std::to_string(s.server->port()) + "/");
  EXPECT_TRUE(std::holds_alternative<Error>(refused) || std::get<HttpResponse>(refused).status != 200);
}

TEST(ServerTls, RotatedCertificateIsUsedByNewConnectionsWithoutRestart) {
  TestPki pki("tls_rotate");
  TlsServer s(pki);
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(fetch(pki, s.url())));

  // Rotate to a certificate for another name: a client of "localhost" must now fail verification.
  pki.issue("other.test", "DNS:other.test");
  auto rejected = fetch(pki, s.url());
  ASSERT_TRUE(std::holds_alternative<Error>(rejected)) << "the server still presents the old certificate";
  EXPECT_EQ(std::get<Error>(rejected).code, "http.tls_verify") << std::get<Error>(rejected).message;
  EXPECT_EQ(s.tls->reloads(), 1u);

  // And back: accepted again.
  pki.issue("localhost", "DNS:localhost");
  auto ok = fetch(pki, s.url());
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(ok)) << std::get<Error>(ok).message;
  EXPECT_EQ(s.tls->reloads(), 2u);
}

TEST(ServerTls, BrokenRotationKeepsServingThePreviousCertificate) {
  TestPki pki("tls_broken");
  TlsServer s(pki);
  std::ofstream(pki.cert_pem, std::ios::trunc) << "-----BEGIN CERTIFICATE-----\nnot a certificate\n";
  auto ok = fetch(pki, s.url());
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(ok)) << std::get<Error>(ok).message;
  EXPECT_EQ(s.tls->failed_reloads(), 1u);
  EXPECT_EQ(s.tls->reloads(), 0u);
  // No retry storm: the same broken files are not parsed again per connection.
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(fetch(pki, s.url())));
  EXPECT_EQ(s.tls->failed_reloads(), 1u);
}

}  // namespace
}  // namespace lt::net
