#include "services/admin_server.h"

#include <gtest/gtest.h>

#include "net/http_client.h"
#include "net/test_pki.h"

namespace lt::services {
namespace {

int status(std::variant<net::HttpResponse, Error> r) {
  if (auto* e = std::get_if<Error>(&r)) {
    ADD_FAILURE() << e->message;
    return 0;
  }
  return std::get<net::HttpResponse>(r).status;
}

std::unique_ptr<net::HttpServer> start(const config::AdminConfig& admin) {
  auto started = start_admin_server(admin, [] { return std::string(); });
  if (auto* e = std::get_if<Error>(&started)) {
    ADD_FAILURE() << e->message;
    return nullptr;
  }
  return std::move(std::get<0>(started));
}

TEST(AdminServer, TokenGuardsMetricsButNotHealthz) {
  config::AdminConfig admin;
  admin.listen = "127.0.0.1:0";
  admin.token = "s3cret";
  auto server = start(admin);
  ASSERT_TRUE(server);
  const std::string base = "http://127.0.0.1:" + std::to_string(server->port());
  net::HttpClient client;
  EXPECT_EQ(status(client.get(base + "/metrics")), 401);
  EXPECT_EQ(status(client.get(base + "/metrics", {{"Authorization", "Bearer wrong"}})), 401);
  EXPECT_EQ(status(client.get(base + "/metrics", {{"Authorization", "Basic s3cret"}})), 401);
  auto ok = client.get(base + "/metrics", {{"Authorization", "Bearer s3cret"}});
  ASSERT_TRUE(std::holds_alternative<net::HttpResponse>(ok));
  EXPECT_EQ(std::get<net::HttpResponse>(ok).status, 200);
  EXPECT_NE(std::get<net::HttpResponse>(ok).header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_EQ(status(client.get(base + "/healthz")), 200) << "health checks need no token";
}

TEST(AdminServer, WithoutTokenMetricsStayOpen) {
  config::AdminConfig admin;
  admin.listen = "127.0.0.1:0";
  auto server = start(admin);
  ASSERT_TRUE(server);
  net::HttpClient client;
  EXPECT_EQ(status(client.get("http://127.0.0.1:" + std::to_string(server->port()) + "/metrics")), 200);
}

TEST(AdminServer, ServesTlsAndPicksUpARenewedCertificate) {
  net::testing::TestPki pki("admin");
  config::AdminConfig admin;
  admin.listen = "127.0.0.1:0";
  admin.token = "tok";
  admin.tls = {pki.cert_pem, pki.key_pem};
  auto server = start(admin);
  ASSERT_TRUE(server);
  const std::string base = "https://localhost:" + std::to_string(server->port());
  net::HttpClientOptions co;
  co.ca_file = pki.ca_pem;
  net::HttpClient client(co);
  EXPECT_EQ(status(client.get(base + "/metrics", {{"Authorization", "Bearer tok"}})), 200);
  EXPECT_EQ(status(client.get(base + "/metrics")), 401);
  EXPECT_EQ(status(client.get(base + "/healthz")), 200);
  // Plain HTTP to the TLS port gets no HTTP answer.
  net::HttpClient plain;
  auto cleartext = plain.get("http://127.0.0.1:" + std::to_string(server->port()) + "/healthz");
  EXPECT_FALSE(std::holds_alternative<net::HttpResponse>(cleartext) &&
               std::get<net::HttpResponse>(cleartext).status == 200);

  pki.issue("renewed.localhost", "DNS:renewed.localhost");  // rotated files are served without a restart
  net::testing::TlsClient renewed(server->port(), pki.ca_pem, "renewed.localhost");
  EXPECT_TRUE(renewed.connected);
}

TEST(AdminServer, UnloadableCertificateIsAStartError) {
  config::AdminConfig admin;
  admin.listen = "127.0.0.1:0";
  admin.tls = {"/nonexistent/cert.pem", "/nonexistent/key.pem"};
  auto started = start_admin_server(admin, {});
  ASSERT_TRUE(std::holds_alternative<Error>(started));
  EXPECT_NE(std::get<Error>(started).message.find("admin.tls"), std::string::npos) << std::get<Error>(started).message;
}

TEST(AdminServer, EmptyListenStartsNothing) {
  auto started = start_admin_server(config::AdminConfig{}, {});
  ASSERT_TRUE(std::holds_alternative<std::unique_ptr<net::HttpServer>>(started));
  EXPECT_EQ(std::get<0>(started), nullptr);
}

}  // namespace
}  // namespace lt::services
