#include "sources/http_ingest.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/http_client.h"
#include "net/test_pki.h"
#include "sources/testing_sink.h"

namespace lt::sources {
namespace {

using testing::TestSink;

class IngestHandlerTest : public ::testing::Test {
 protected:
  IngestHandlerTest() : common_(make_common()), http_(make_http()), metrics_(testing::unique_name("ingest_unit")), handler_(common_, http_, metrics_) {}
  static SourceOptions make_common() {
    SourceOptions c;
    c.name = "ingest_unit";
    c.service = "default-svc";
    c.environment = "dev";
    c.host = "ingest-host";
    c.max_line_bytes = 64;
    return c;
  }
  static HttpOptions make_http() {
    HttpOptions h;
    h.max_body_bytes = 4096;
    h.ack_timeout_ms = 300;
    return h;
  }
  IngestResponse call(const std::string& body, EventSink& sink, const std::string& auth = "") {
    return handler_.handle(IngestRequest{body, auth}, sink, stop_);
  }
  SourceOptions common_;
  HttpOptions http_;
  SourceMetrics metrics_;
  IngestHandler handler_;
  StopSignal stop_;
};

TEST_F(IngestHandlerTest, NdjsonIsAcceptedAfterEveryAck) {
  TestSink sink;
  auto r = call("{\"message\":\"a\",\"level\":\"error\"}\n\n{\"msg\":\"b\",\"service\":\"own\"}\r\n", sink);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"accepted\":2}");
  const auto ev = sink.events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].level, Level::Error);
  EXPECT_EQ(ev[0].service, "default-svc");  // context fills what the event lacks
  EXPECT_EQ(ev[1].service, "own");          // but never overrides what it carries
  EXPECT_EQ(ev[0].source, "http");
  EXPECT_EQ(ev[0].host, "ingest-host");
  EXPECT_EQ(ev[0].id.size(), 26u);
  EXPECT_GT(ev[0].timestamp, 0);
}

TEST_F(IngestHandlerTest, JsonArrayIsSplitIntoEvents) {
  TestSink sink;
  auto r = call(" [ {\"message\":\"x\"}, {\"message\":\"y\",\"attrs\":{\"k\":1}} ]", sink);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"accepted\":2}");
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"x", "y"}));
}

TEST_F(IngestHandlerTest, OneBadLineRejectsTheWholeRequest) {
  TestSink sink;
  auto r = call("{\"message\":\"ok\"}\n{\"message\":\"ok2\"}\nnot json\n", sink);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("line 3"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\"line\":3"), std::string::npos);
  EXPECT_NE(r.body.find("nothing was ingested"), std::string::npos);
  EXPECT_EQ(sink.count(), 0u);
  auto arr = call("[{\"message\":\"ok\"}, 42]", sink);
  EXPECT_EQ(arr.status, 400);
  EXPECT_NE(arr.body.find("element 2"), std::string::npos) << arr.body;
  EXPECT_EQ(call("", sink).status, 400);
  EXPECT_EQ(call("[1, 2", sink).status, 400);
  EXPECT_EQ(call("{\"message\":\"\xff\xfe\"}", sink).status, 400);  // invalid UTF-8 named, not guessed
  EXPECT_EQ(sink.count(), 0u);
}

TEST_F(IngestHandlerTest, BodyLimitAndLongMessages) {
  TestSink sink;
  EXPECT_EQ(call(std::string(5000, ' '), sink).status, 413);
  auto r = call("{\"message\":\"" + std::string(200, 'm') + "\"}", sink);
  EXPECT_EQ(r.status, 200);
  const auto ev = sink.events().at(0);
  EXPECT_EQ(ev.message.size(), 64u);
  ASSERT_NE(ev.attribute("truncated"), nullptr);
}

TEST_F(IngestHandlerTest, BearerTokenIsRequiredWhenConfigured) {
  http_.bearer_token = "s3cret";
  TestSink sink;
  auto none = call("{\"message\":\"a\"}", sink);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.headers.at(0).first, "WWW-Authenticate");
  EXPECT_EQ(call("{\"message\":\"a\"}", sink, "Bearer s3cre").status, 401);
  EXPECT_EQ(call("{\"message\":\"a\"}", sink, "Bearer s3cret!").status, 401);
  EXPECT_EQ(call("{\"message\":\"a\"}", sink, "Basic s3cret").status, 401);
  EXPECT_EQ(sink.count(), 0u);
  EXPECT_EQ(call("{\"message\":\"a\"}", sink, "Bearer s3cret").status, 200);
}

TEST_F(IngestHandlerTest, RequestsFromWebPagesAreRefused) {
  TestSink sink;  // no token: the case a cross-site page could otherwise use
  auto r = handler_.handle(IngestRequest{"{\"message\":\"a\"}", "", "https://attacker.example"}, sink, stop_);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("Origin"), std::string::npos) << r.body;
  EXPECT_EQ(sink.count(), 0u);
  EXPECT_EQ(call("{\"message\":\"a\"}", sink).status, 200);
}

TEST_F(IngestHandlerTest, FullSinkAnswers503WithRetryAfterAndSendsNothing) {
  TestSink sink(TestSink::Mode::Refuse);
  auto r = call("{\"message\":\"a\"}\n{\"message\":\"b\"}", sink);
  EXPECT_EQ(r.status, 503);
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0], std::make_pair(std::string("Retry-After"), std::string("1")));
  EXPECT_NE(r.body.find("\"sent_before_giving_up\":0"), std::string::npos);
}

TEST_F(IngestHandlerTest, NoAnswerBeforeTheAcksAnd503WhenTheyNeverCome) {
  TestSink sink(TestSink::Mode::Hold);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = call("{\"message\":\"a\"}", sink);  // held, never acknowledged: times out after 300 ms
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
  EXPECT_EQ(r.status, 503);
  sink.ack_held();  // the first request's late ack is harmless
  // Acknowledged from another thread while the handler waits: 200.
  std::thread acker([&] {
    testing::eventually([&] { return sink.held() == 1; });
    sink.ack_held();
  });
  auto ok = call("{\"message\":\"b\"}", sink);
  acker.join();
  EXPECT_EQ(ok.status, 200);
}

TEST_F(IngestHandlerTest, FailedEventAnswers503) {
  TestSink sink(TestSink::Mode::Hold);
  std::thread failer([&] {
    testing::eventually([&] { return sink.held() == 2; });
    sink.fail_first_held();
  });
  auto r = call("{\"message\":\"a\"}\n{\"message\":\"b\"}", sink);
  failer.join();
  EXPECT_EQ(r.status, 503);
}

std::string http_post(int port, const std::string& path, const std::string& body, const std::string& extra = "") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string req = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra +
                          "Content-Type: application/x-ndjson\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body;
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) return "";
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return resp;
}

TEST(HttpIngestSource, ServesIngestOverHttp) {
  SourceOptions common;
  common.name = testing::unique_name("ingest_http");
  common.service = "web";
  HttpOptions ho;
  ho.port = 0;
  ho.bearer_token = "tok";
  ho.max_body_bytes = 1024;
  HttpIngestSource src(common, ho);
  TestSink sink;
  ASSERT_FALSE(src.start(sink));
  ASSERT_GT(src.port(), 0);
  const auto ok = http_post(src.port(), "/ingest", "{\"message\":\"hi\"}\n{\"message\":\"there\"}\n",
                            "Authorization: Bearer tok\r\n");
  EXPECT_NE(ok.find("HTTP/1.1 200"), std::string::npos) << ok;
  EXPECT_NE(ok.find("{\"accepted\":2}"), std::string::npos) << ok;
  EXPECT_NE(http_post(src.port(), "/ingest", "{\"message\":\"x\"}").find("HTTP/1.1 401"), std::string::npos);
  EXPECT_NE(http_post(src.port(), "/ingest", "{\"message\":\"x\"}",
                      "Authorization: Bearer tok\r\nOrigin: http://attacker.example\r\n")
                .find("HTTP/1.1 403"),
            std::string::npos);
  EXPECT_NE(http_post(src.port(), "/ingest", std::string(2000, 'x'), "Authorization: Bearer tok\r\n")
                .find("HTTP/1.1 413"),
            std::string::npos);
  src.stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"hi", "there"}));
  EXPECT_EQ(src.metrics().events.value(), 2u);
}


TEST(HttpIngestSource, ServesIngestOverTlsWithTheToken) {
  net::testing::TestPki pki;
  SourceOptions common;
  common.name = testing::unique_name("ingest_https");
  common.service = "web";
  HttpOptions ho;
  ho.port = 0;
  ho.bearer_token = "tok";
  ho.tls_cert_file = pki.cert_pem;
  ho.tls_key_file = pki.key_pem;
  HttpIngestSource src(common, ho);
  TestSink sink;
  ASSERT_FALSE(src.start(sink));
  const std::string url = "https://localhost:" + std::to_string(src.port()) + "/ingest";

  net::HttpClientOptions co;
  co.ca_file = pki.ca_pem;
  net::HttpClient client(co);
  auto ok = client.post(url, "{\"message\":\"over tls\"}\n", "application/x-ndjson", {{"Authorization", "Bearer tok"}});
  ASSERT_TRUE(std::holds_alternative<net::HttpResponse>(ok)) << std::get<Error>(ok).message;
  EXPECT_EQ(std::get<net::HttpResponse>(ok).status, 200) << std::get<net::HttpResponse>(ok).body;
  auto no_token = client.post(url, "{\"message\":\"x\"}\n", "application/x-ndjson");
  ASSERT_TRUE(std::holds_alternative<net::HttpResponse>(no_token));
  EXPECT_EQ(std::get<net::HttpResponse>(no_token).status, 401);
  // Plain HTTP to the TLS port gets no HTTP answer, and nothing is ingested.
  EXPECT_EQ(http_post(src.port(), "/ingest", "{\"message\":\"plain\"}", "Authorization: Bearer tok\r\n").find("HTTP/1.1 200"),
            std::string::npos);

  pki.issue("renewed.localhost", "DNS:renewed.localhost");  // a renewed certificate is served without a restart
  net::testing::TlsClient renewed(src.port(), pki.ca_pem, "renewed.localhost");
  EXPECT_TRUE(renewed.connected);
  src.stop();
  EXPECT_EQ(sink.messages(), (std::vector<std::string>{"over tls"}));
}

TEST(HttpIngestSource, UnloadableCertificateIsAStartError) {
  SourceOptions common;
  common.name = testing::unique_name("ingest_badtls");
  HttpOptions ho;
  ho.port = 0;
  ho.tls_cert_file = "/nonexistent/cert.pem";
  ho.tls_key_file = "/nonexistent/key.pem";
  HttpIngestSource src(common, ho);
  TestSink sink;
  auto err = src.start(sink);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "http.tls");
  EXPECT_NE(err->message.find("/nonexistent/cert.pem"), std::string::npos) << err->message;
}

}  // namespace
}  // namespace lt::sources
