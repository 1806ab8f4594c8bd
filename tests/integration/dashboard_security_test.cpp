// The real `logtracer dashboard` with dashboard.auth and dashboard.tls against
// the shared broker: 401 without credentials, tokens, password login with the
// session cookie, HTTPS with a certificate generated here, Origin checks,
// `logtracer tail` over wss with a token, the Host check against DNS rebinding on
// an open loopback dashboard, and tail's text output (colours, escaping, filtering).
#include <gtest/gtest.h>

#include <regex>

#include "net/http_client.h"
#include "net/test_pki.h"
#include "net/test_upgrade.h"
#include "test_util.h"

namespace lt::it {
namespace {

using lt::testing::write_file;

constexpr const char* kToken = "it-token-0123456789abcdef";

// The first line of `logtracer hash-password` fed `password` on stdin.
std::string hash_with_the_cli(const TempDir& dir, const std::string& password) {
  const std::string log = dir.path() + "/hash.log";
  Child c({"hash-password"}, log, true);
  c.write_stdin(password + "\n");
  c.close_stdin();
  auto status = c.wait_exit(30s);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << read_file(log);
  std::string out = read_file(log);
  return out.substr(0, out.find('\n'));
}

// A running dashboard and its base URL (from its "listening on" line).
struct Dashboard {
  std::string log;
  std::unique_ptr<Child> child;
  std::string url;  // http(s)://127.0.0.1:PORT
  int port = 0;

  Dashboard(const TempDir& dir, const std::string& name, const std::string& config_text) {
    const std::string config = dir.path() + "/" + name + ".yaml";
    write_file(config, config_text);
    log = dir.path() + "/" + name + ".log";
    child = std::make_unique<Child>(std::vector<std::string>{"dashboard", "--config", config}, log);
    static const std::regex line(R"(listening on (https?)://127\.0\.0\.1:([0-9]+))");
    kafka::testing::wait_until(
        [&] {
          std::smatch m;
          std::string text = read_file(log);
          if (!std::regex_search(text, m, line)) return false;
          url = m[1].str() + "://127.0.0.1:" + m[2].str();
          port = std::stoi(m[2]);
          return true;
        },
        20s, 50ms);
  }
};

std::string config(const std::string& topic, const std::string& hash, const std::string& tls = "") {
  return "kafka:\n  brokers: " + kafka::testing::brokers() + "\n  topics:\n    processed: " + topic +
         "\n    alerts: " + topic + "-alerts\n    dlq: " + topic + "-dlq\n"
         "dashboard:\n  listen: 127.0.0.1:0\n" + tls +
         "  auth:\n    tokens: [" + kToken + "]\n    session_ttl: 10m\n    users:\n"
         "      - username: alice\n        password_hash: \"" + hash + "\"\n";
}

net::HttpResponse get(const std::string& url, std::vector<net::HttpHeader> headers = {},
                      net::HttpClientOptions o = {}) {
  o.keep_alive = false;
  net::HttpClient c(o);
  auto r = c.get(url, std::move(headers));
  if (auto* e = std::get_if<Error>(&r)) ADD_FAILURE() << url << ": " << e->message;
  return std::holds_alternative<net::HttpResponse>(r) ? std::get<net::HttpResponse>(r) : net::HttpResponse{};
}

net::HttpResponse post_json(const std::string& url, const std::string& body,
                            std::vector<net::HttpHeader> headers = {}) {
  net::HttpClient c;
  auto r = c.post(url, body, "application/json", std::move(headers));
  if (auto* e = std::get_if<Error>(&r)) ADD_FAILURE() << url << ": " << e->message;
  return std::holds_alternative<net::HttpResponse>(r) ? std::get<net::HttpResponse>(r) : net::HttpResponse{};
}

// Status of an upgrade request to the live tail (101 = accepted), read as plain HTTP.
int tail_upgrade(int port, std::vector<net::HttpHeader> headers) {
  return net::testing::upgrade_status(static_cast<std::uint16_t>(port), std::move(headers));
}

class DashboardSecurity : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(topic.error(), "");
    hash = hash_with_the_cli(dir, "wonderland");
    ASSERT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  }
  TempDir dir;
  TestTopic topic{"it-dashsec"};
  std::string hash;
};

TEST_F(DashboardSecurity, TokensPasswordsSessionsAndOrigins) {
  Dashboard d(dir, "plain", config(topic.name(), hash));
  ASSERT_NE(d.port, 0) << read_file(d.log);
  const std::string api = d.url + "/api/v1/events";

  EXPECT_EQ(get(api).status, 401) << "no credentials";
  EXPECT_EQ(get(d.url + "/metrics").status, 401) << "metrics on the dashboard need credentials too";
  EXPECT_EQ(get(d.url + "/healthz").status, 200);
  EXPECT_EQ(get(d.url + "/").status, 200) << "the login page loads without credentials";
  EXPECT_EQ(get(api, {{"Authorization", std::string("Bearer ") + kToken}}).status, 200);
  EXPECT_EQ(get(api, {{"Authorization", "Bearer wrong"}}).status, 401);

  auto wrong_password = post_json(d.url + "/api/v1/login", R"({"username":"alice","password":"looking-glass"})");
  auto unknown_user = post_json(d.url + "/api/v1/login", R"({"username":"mallory","password":"wonderland"})");
  EXPECT_EQ(wrong_password.status, 401);
  EXPECT_EQ(unknown_user.status, 401);
  EXPECT_EQ(wrong_password.body, unknown_user.body) << "no hint which part was wrong";
  EXPECT_EQ(wrong_password.header("Set-Cookie"), "");

  auto ok = post_json(d.url + "/api/v1/login", R"({"username":"alice","password":"wonderland"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  const std::string set_cookie(ok.header("Set-Cookie"));
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Max-Age=600"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "plain http on loopback: no Secure";
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  EXPECT_EQ(get(api, {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(tail_upgrade(d.port, {{"Cookie", cookie}}), 101);

  // The WebSocket: credentials are not enough from a foreign page.
  EXPECT_EQ(tail_upgrade(d.port, {{"Cookie", cookie}, {"Origin", "https://evil.example"}}), 403);
  EXPECT_EQ(tail_upgrade(d.port, {{"Origin", d.url}}), 401);
  EXPECT_EQ(tail_upgrade(d.port, {{"Authorization", std::string("Bearer ") + kToken}, {"Origin", d.url}}), 101);

  EXPECT_EQ(post_json(d.url + "/api/v1/logout", "{}", {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(get(api, {{"Cookie", cookie}}).status, 401) << "logout ends the session on the server";
  EXPECT_EQ(tail_upgrade(d.port, {{"Cookie", cookie}}), 401);
}

TEST_F(DashboardSecurity, HttpsWithAGeneratedCertificateAndTailOverWss) {
  net::testing::TestPki pki("it_dashsec");
  Dashboard d(dir, "tls", config(topic.name(), hash,
                                 "  tls:\n    cert_file: " + pki.cert_pem + "\n    key_file: " + pki.key_pem + "\n"));
  ASSERT_NE(d.port, 0) << read_file(d.log);
  ASSERT_EQ(d.url.rfind("https://", 0), 0u) << d.url;
  const std::string base = "https://localhost:" + std::to_string(d.port);
  net::HttpClientOptions trust;
  trust.ca_file = pki.ca_pem;
  EXPECT_EQ(get(base + "/api/v1/stats", {{"Authorization", std::string("Bearer ") + kToken}}, trust).status, 200);
  EXPECT_EQ(get(base + "/api/v1/stats", {}, trust).status, 401);

  // Plain http to the TLS port gets no HTTP answer.
  net::HttpClient plain;
  auto r = plain.get("http://127.0.0.1:" + std::to_string(d.port) + "/healthz");
  EXPECT_TRUE(std::holds_alternative<Error>(r) || std::get<net::HttpResponse>(r).status != 200);

  // Secure cookie over TLS.
  net::HttpClient c(trust);
  auto login = c.post(base + "/api/v1/login", R"({"username":"alice","password":"wonderland"})", "application/json");
  ASSERT_TRUE(std::holds_alternative<net::HttpResponse>(login));
  EXPECT_NE(std::get<net::HttpResponse>(login).header("Set-Cookie").find("; Secure"), std::string::npos);

  // `logtracer tail` over wss with the CA and the token (from LT_TOKEN would work the same).
  const std::string tail_log = dir.path() + "/tail.log";
  Child tail({"tail", "--server", base, "--ca-file", pki.ca_pem, "--token", kToken, "--json"}, tail_log);
  // Events produced after the tail is connected reach it; produce until one shows up.
  const std::string event_file = dir.path() + "/event.json";
  write_file(event_file, R"({"level":"ERROR","service":"dashsec","message":"hello over wss"})" "\n");
  const std::string kcat = "kcat -P -b " + kafka::testing::brokers() + " -t " + topic.name() + " -l " + event_file;
  bool seen = kafka::testing::wait_until(
      [&] {
        if (std::system(kcat.c_str()) != 0) return false;
        return read_file(tail_log).find("hello over wss") != std::string::npos;
      },
      30s, 500ms);
  EXPECT_TRUE(seen) << read_file(tail_log) << read_file(d.log);

  // Without the CA the certificate is refused, with a message a user can act on.
  const std::string untrusted_log = dir.path() + "/tail-untrusted.log";
  Child untrusted({"tail", "--server", base, "--token", kToken}, untrusted_log);
  auto status = untrusted.wait_exit(20s);
  ASSERT_TRUE(status) << "tail must fail, not hang";
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_NE(read_file(untrusted_log).find("certificate"), std::string::npos) << read_file(untrusted_log);

  // A wrong token: refused with a clear message.
  const std::string bad_log = dir.path() + "/tail-badtoken.log";
  Child bad({"tail", "--server", base, "--ca-file", pki.ca_pem, "--token", "nope"}, bad_log);
  status = bad.wait_exit(20s);
  ASSERT_TRUE(status);
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  EXPECT_NE(read_file(bad_log).find("refused the token"), std::string::npos) << read_file(bad_log);
}

TEST_F(DashboardSecurity, HostCheckStopsDnsRebindingOnAnOpenLoopbackDashboard) {
  // No auth: open on loopback, the case a rebound page would exploit.
  Dashboard d(dir, "open",
              "kafka:\n  brokers: " + kafka::testing::brokers() + "\n  topics:\n    processed: " + topic.name() +
                  "\n    alerts: " + topic.name() + "-alerts\n    dlq: " + topic.name() +
                  "-dlq\ndashboard:\n  listen: 127.0.0.1:0\n  allowed_hosts: [logs.example.test]\n");
  ASSERT_NE(d.port, 0) << read_file(d.log);
  const std::string port = std::to_string(d.port);
  const std::string api = d.url + "/api/v1/events";

  // What a page on attacker.example sends once its name resolves to 127.0.0.1:
  // Origin and Host agree, so only the Host check stands in the way.
  const std::vector<std::string> refused_hosts = {"attacker.example", "attacker.example:" + port};
  for (const std::string& host : refused_hosts) {
    auto refused = get(api, {{"Host", host}, {"Origin", "http://" + host}});
    EXPECT_EQ(refused.status, 421) << host;
    EXPECT_NE(refused.body.find("DNS rebinding"), std::string::npos) << refused.body;
    EXPECT_EQ(refused.body.find("\"events\""), std::string::npos);
    EXPECT_EQ(tail_upgrade(d.port, {{"Host", host}, {"Origin", "http://" + host}}), 421) << host;
  }
  const std::vector<std::string> accepted_hosts = {"127.0.0.1:" + port, "localhost:" + port,
                                                   "logs.example.test:" + port};
  for (const std::string& host : accepted_hosts) {
    EXPECT_EQ(get(api, {{"Host", host}}).status, 200) << host;
    EXPECT_EQ(tail_upgrade(d.port, {{"Host", host}, {"Origin", "http://" + host}}), 101) << host;
  }
}

TEST_F(DashboardSecurity, TailPrintsColouredEscapedFilteredText) {
  Dashboard d(dir, "tailtext",
              "kafka:\n  brokers: " + kafka::testing::brokers() + "\n  topics:\n    processed: " + topic.name() +
                  "\n    alerts: " + topic.name() + "-alerts\n    dlq: " + topic.name() +
                  "-dlq\ndashboard:\n  listen: 127.0.0.1:0\n");
  ASSERT_NE(d.port, 0) << read_file(d.log);
  const std::string tail_log = dir.path() + "/tail-text.log";
  Child tail({"tail", "--server", "http://localhost:" + std::to_string(d.port), "--color", "level>=WARN"}, tail_log);
  // Clear screen (C0 ESC), 8-bit CSI (U+009B), OSC 8 link, and a right-to-left override.
  const std::string event_file = dir.path() + "/events.json";
  write_file(event_file,
             R"({"level":"INFO","service":"dashsec","host":"h1","message":"quiet info"})" "\n"
             R"({"level":"WARN","service":"dashsec","host":"h1","message":"careful now"})" "\n"
             R"({"level":"ERROR","service":"dashsec","host":"h1",)"
             R"("message":"boom \u001b[2J \u009b31m \u001b]8;;http://x/\u0007link \u202etxt.exe"})" "\n");
  const std::string kcat = "kcat -P -b " + kafka::testing::brokers() + " -t " + topic.name() + " -l " + event_file;
  bool seen = kafka::testing::wait_until(
      [&] {
        if (std::system(kcat.c_str()) != 0) return false;
        return read_file(tail_log).find("txt.exe") != std::string::npos;
      },
      30s, 500ms);
  ASSERT_TRUE(seen) << read_file(tail_log) << read_file(d.log);
  const std::string out = read_file(tail_log);
  EXPECT_NE(out.find("\x1b[33mWARN \x1b[0m \x1b[2mdashsec@h1\x1b[0m careful now\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[31mERROR\x1b[0m \x1b[2mdashsec@h1\x1b[0m boom \\x1b[2J \\u009b31m "
                     "\\x1b]8;;http://x/\\x07link \\u202etxt.exe\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("quiet info"), std::string::npos) << "the query filters on the server";
  for (const char* raw : {"\x1b[2J", "\x1b]8", "\x07", "\xC2\x9B", "\xE2\x80\xAE"})
    EXPECT_EQ(out.find(raw), std::string::npos) << "raw control reached the terminal";
}

}  // namespace
}  // namespace lt::it
