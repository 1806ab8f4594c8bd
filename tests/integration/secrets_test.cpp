// Secrets from ${ENV} and file: references never show up where a person or a
// scraper can read them: `validate` (with --print and with errors about those
// very keys), the logs of a real `produce` / `run` at startup, reload and stop
// (librdkafka's own messages included), and /metrics. Needs the local broker.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <regex>
#include <thread>

#include "test_util.h"

namespace lt::it {
namespace {

using lt::testing::write_file;

// Distinctive values: a hit in any output can only be a leak.
const std::string kKafkaPassword = "kafkaPw-7f3a9c0e";   // ${LT_IT_S_KAFKA_PW}
const std::string kKeyPassword = "keyPw-c81d22b4";       // file:
const std::string kDashToken = "dashTok-91be0f3a";       // ${LT_IT_S_DASH}
const std::string kIngestToken = "ingestTok-44aa1093";   // file:
const std::string kIngestToken2 = "ingestTok-reloaded-5b6c";  // file:, after a reload
const std::string kWebhookToken = "whk-5e6f7081ab";      // ${LT_IT_S_WEBHOOK}
const std::string kPropertyPassword = "propPw-0d9e8f7a";  // ${LT_IT_S_PROP} in kafka.properties
// Credentials inside URLs: user:pass@, a query value, a Slack-style secret path.
const std::string kUrlPassword = "S3cretLookupPw-61c2";    // https://svc:...@
const std::string kUrlToken = "urlTok-9a8b7c6d";           // ?token=...
const std::string kSlackPath = "B0SLACK/xoxSecretPath42";  // https://hooks.slack.com/services/T0/...

const std::vector<std::string>& all_secrets() {
  static const std::vector<std::string> v = {kKafkaPassword, kKeyPassword,      kDashToken, kIngestToken,
                                             kIngestToken2,  kWebhookToken,     kPropertyPassword, kUrlPassword,
                                             kUrlToken,      "xoxSecretPath42"};
  return v;
}

void expect_no_secret(const std::string& where, const std::string& text) {
  for (const auto& s : all_secrets()) EXPECT_EQ(text.find(s), std::string::npos) << s << " leaked in " << where << ":\n" << text;
}

using Run = lt::testing::Captured;

Run run(const std::string& args) { return lt::testing::capture(std::string(LT_BINARY) + " " + args + " 2>&1"); }

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("LT_IT_S_KAFKA_PW", kKafkaPassword.c_str(), 1);
    ::setenv("LT_IT_S_DASH", kDashToken.c_str(), 1);
    ::setenv("LT_IT_S_WEBHOOK", kWebhookToken.c_str(), 1);
    ::setenv("LT_IT_S_PROP", kPropertyPassword.c_str(), 1);
    ::setenv("LT_IT_S_URL_PW", kUrlPassword.c_str(), 1);
    ::setenv("LT_IT_S_URL_TOKEN", kUrlToken.c_str(), 1);
    write_file(dir.file("key_password"), kKeyPassword + "\n");
    write_file(dir.file("ingest_token"), kIngestToken + "\n");
    write_file(dir.file("ingest_token2"), kIngestToken2 + "\n");
  }

  // Every secret-bearing key, each from ${ENV} or file:.
  // Without `brokers`, `run` joins its stages in-process (no shared topics touched).
  std::string config(const std::string& protocol, const std::string& token_file, const std::string& extra_kafka = "",
                     bool brokers = true) {
    return "kafka:\n" + (brokers ? "  brokers: " + kafka::testing::brokers() + "\n" : std::string()) +
           "  topics:\n"
           "    raw: lt-it-secrets-" + std::to_string(::getpid()) + "\n"
           "  security:\n"
           "    protocol: " + protocol + "\n"
           "    username: lt-user\n"
           "    password: ${LT_IT_S_KAFKA_PW}\n"
           "    key_password: file:" + dir.file("key_password") + "\n" + extra_kafka +
           "producer:\n"
           "  checkpoint_dir: " + dir.file("ckpt") + "\n"
           "  admin:\n"
           "    listen: 127.0.0.1:0\n"
           "  sources:\n"
           "    - name: ingest\n"
           "      type: http\n"
           "      listen: 127.0.0.1:0\n"
           "      token: file:" + dir.file(token_file) + "\n"
           "consumer:\n"
           "  notifiers:\n"
           "    webhooks:\n"
           "      - name: hook\n"
           "        url: http://127.0.0.1:9/alerts\n"
           "        headers:\n"
           "          Authorization: \"Bearer ${LT_IT_S_WEBHOOK}\"\n"
           "dashboard:\n"
           "  listen: 127.0.0.1:0\n"
           "  auth:\n"
           "    tokens: [\"${LT_IT_S_DASH}\"]\n";
  }

  TempDir dir;
};

TEST_F(SecretsTest, ValidatePrintMasksEverySecret) {
  write_file(dir.file("ok.yaml"),
             config("sasl_plaintext", "ingest_token", "  properties:\n    ssl.keystore.password: ${LT_IT_S_PROP}\n"));
  const auto r = run("validate --print " + dir.file("ok.yaml"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("password: \"***\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ssl.keystore.password: \"***\""), std::string::npos) << r.output;
  expect_no_secret("validate --print", r.output);
}

TEST_F(SecretsTest, ValidateErrorsAboutSecretKeysDoNotQuoteThem) {
  write_file(dir.file("bad.yaml"),
             "kafka:\n"
             "  security:\n"
             "    protocol: sasl_ssl\n"
             "    password: [\"${LT_IT_S_KAFKA_PW}\"]\n"          // a list where a string belongs
             "    key_password: {k: \"${LT_IT_S_KAFKA_PW}\"}\n"
             "producer:\n"
             "  sources:\n"
             "    - name: a\n"
             "      type: http\n"
             "      token: 42${LT_IT_S_DASH}\n"
             "      listen: 0.0.0.0:1\n"                         // exposed: the error names the token key
             "    - name: b\n"
             "      type: file\n"
             "      paths: [/tmp/x]\n"
             "      token: \"${LT_IT_S_DASH}\"\n"                // not a key of a file source
             "consumer:\n"
             "  notifiers:\n"
             "    webhooks:\n"
             "      - name: hook\n"
             "        url: http://127.0.0.1:9/\n"
             "        headers:\n"
             "          Authorization: [\"${LT_IT_S_WEBHOOK}\"]\n"
             "dashboard:\n"
             "  auth:\n"
             "    tokens: \"${LT_IT_S_DASH}\"\n"
             "    users:\n"
             "      - username: ann\n"
             "        password_hash: \"${LT_IT_S_DASH}\"\n"          // a plain password, not a hash
             "      - username: bob\n"
             "        password_hash: \"file:" + dir.file("key_password") + "\"\n");
  const auto r = run("validate " + dir.file("bad.yaml"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("password_hash"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("kafka.security"), std::string::npos) << r.output;
  expect_no_secret("validate errors", r.output);
}

int port_in_log(const std::string& log, const std::regex& re) {
  std::smatch m;
  const std::string text = read_file(log);
  return std::regex_search(text, m, re) ? std::stoi(m[1]) : 0;
}

TEST_F(SecretsTest, RunLogsAndMetricsThroughStartReloadAndStopShowNoSecret) {
  const std::string cfg = dir.file("run.yaml");
  write_file(cfg, config("plaintext", "ingest_token", "", false));
  const std::string log = dir.file("run.log");
  Child child({"run", "--config", cfg}, log);
  static const std::regex url(R"(open http://127\.0\.0\.1:([0-9]+))");
  int port = 0;
  ASSERT_TRUE(kafka::testing::wait_until([&] { return (port = port_in_log(log, url)) > 0 || !child.alive(); }, 20s))
      << read_file(log);
  ASSERT_GT(port, 0) << read_file(log);
  std::string metrics;
  ASSERT_TRUE(kafka::testing::wait_until([&] {
    metrics = http_get(port, "/metrics", "Authorization: Bearer " + kDashToken + "\r\n");
    return metrics.find("logtracer_") != std::string::npos;
  }, 10s)) << metrics;
  expect_no_secret("/metrics", metrics);

  // A reload that changes the ingest token (another file:) restarts that source.
  write_by_rename(cfg, config("plaintext", "ingest_token2", "", false));
  ASSERT_TRUE(kafka::testing::wait_until([&] { return read_file(log).find("config reloaded") != std::string::npos; }, 20s))
      << read_file(log);
  metrics = http_get(port, "/metrics", "Authorization: Bearer " + kDashToken + "\r\n");
  expect_no_secret("/metrics after reload", metrics);

  child.kill(SIGTERM);
  ASSERT_TRUE(child.wait_exit(20s)) << read_file(log);
  expect_no_secret("run log", read_file(log));
}

TEST_F(SecretsTest, ProduceWithSaslLogsNeitherTheSecretsNorLibrdkafkaConfig) {
  // The shared broker speaks PLAINTEXT: SASL fails, and librdkafka logs about
  // it from its own threads. Whatever it and we log must not carry a secret.
  const std::string cfg = dir.file("produce.yaml");
  write_file(cfg, config("sasl_plaintext", "ingest_token", "  properties:\n    debug: security,broker\n"));
  const std::string log = dir.file("produce.log");
  Child child({"produce", "--config", cfg}, log);
  int admin = 0;
  kafka::testing::wait_until([&] { return (admin = admin_port(log)) > 0 || !child.alive(); }, 20s);
  // librdkafka reports the failed connection (or the producer gives up): either way it has spoken.
  EXPECT_TRUE(kafka::testing::wait_until([&] {
    const auto text = read_file(log);
    return text.find("kafka") != std::string::npos || !child.alive();
  }, 20s)) << read_file(log);
  if (admin > 0) expect_no_secret("produce /metrics", http_get(admin, "/metrics"));
  child.kill(SIGTERM);
  child.wait_exit(30s);
  expect_no_secret("produce log", read_file(log));
}

// A webhook receiver that accepts each connection and closes it unanswered: every delivery
// fails with an error about the request, the kind of message that would quote the URL.
class HangUpServer {
 public:
  HangUpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0) return;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (!stop_) {
        const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) continue;
        ++accepted_;
        ::close(c);
      }
    });
  }
  ~HangUpServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST_F(SecretsTest, ValidatePrintShowsUrlsWithoutTheirCredentials) {
  write_file(dir.file("urls.yaml"),
             "consumer:\n"
             "  enrich:\n"
             "    http_lookup:\n"
             "      url: \"https://lookup.example/users/{key}?token=${LT_IT_S_URL_TOKEN}&v=1\"\n"
             "      headers:\n"
             "        Authorization: \"Basic ${LT_IT_S_URL_PW}\"\n"
             "  notifiers:\n"
             "    webhooks:\n"
             "      - name: slack\n"
             "        url: https://hooks.slack.com/services/T0/" + kSlackPath + "\n"
             "        format: slack\n"
             "      - name: tokened\n"
             "        url: \"http://127.0.0.1:9/alerts?token=${LT_IT_S_URL_TOKEN}\"\n");
  const auto r = run("validate --print " + dir.file("urls.yaml"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("https://lookup.example/users/{key}?token=***&v=***"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("https://hooks.slack.com/..."), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("http://127.0.0.1:9/...?token=***"), std::string::npos) << r.output;
  expect_no_secret("validate --print", r.output);
}

TEST_F(SecretsTest, UserinfoInUrlsIsRefusedWithoutQuotingItByValidateAndConsume) {
  const std::string cfg = dir.file("userinfo.yaml");
  write_file(cfg,
             "kafka:\n  brokers: 127.0.0.1:19699\n"
             "consumer:\n"
             "  enrich:\n"
             "    http_lookup:\n"
             "      url: \"https://svc:${LT_IT_S_URL_PW}@lookup.example/k/{key}?token=${LT_IT_S_URL_TOKEN}\"\n"
             "  notifiers:\n"
             "    webhooks:\n"
             "      - name: hook\n"
             "        url: \"https://hook:${LT_IT_S_URL_PW}@hooks.slack.com/services/T0/" + kSlackPath + "\"\n");
  const auto v = run("validate " + cfg);
  EXPECT_EQ(v.status, 1) << v.output;
  EXPECT_NE(v.output.find(cfg + ":6:"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find(cfg + ":10:"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("must not carry a user name or password"), std::string::npos) << v.output;
  expect_no_secret("validate errors", v.output);
  // The service refuses it the same way, before it connects to anything.
  const auto c = run("consume --config " + cfg);
  EXPECT_EQ(c.status, 1) << c.output;
  EXPECT_NE(c.output.find("must not carry a user name or password"), std::string::npos) << c.output;
  expect_no_secret("consume log", c.output);
}

TEST_F(SecretsTest, FailedWebhookDeliveriesNameNeitherTheTokenNorTheSecretPath) {
  HangUpServer receiver;
  ASSERT_GT(receiver.port(), 0);
  const std::string cfg = dir.file("alerts.yaml");
  // Embedded `run` (no brokers): the same AlertRunner, dispatcher and webhook notifier as `consume`.
  write_file(cfg,
             "producer:\n"
             "  checkpoint_dir: " + dir.file("ckpt") + "\n"
             "  sources:\n"
             "    - name: gen\n"
             "      type: generator\n"
             "      rate: 50\n"
             "consumer:\n"
             "  alerts:\n"
             "    - name: any-event\n"
             "      type: pattern\n"
             "      query: \"level>=DEBUG\"\n"
             "  notifiers:\n"
             "    webhooks:\n"
             "      - name: hook\n"
             "        url: \"http://127.0.0.1:" + std::to_string(receiver.port()) + "/services/T0/" + kSlackPath +
                 "?token=${LT_IT_S_URL_TOKEN}\"\n"
             "        max_attempts: 1\n"
             "        timeout: 2s\n"
             "dashboard:\n"
             "  listen: 127.0.0.1:0\n");
  const std::string log = dir.file("alerts.log");
  Child child({"run", "--config", cfg}, log);
  ASSERT_TRUE(kafka::testing::wait_until(
      [&] { return read_file(log).find("NOT DELIVERED to hook") != std::string::npos || !child.alive(); }, 30s))
      << read_file(log);
  EXPECT_GT(receiver.accepted(), 0);
  const std::string text = read_file(log);
  EXPECT_NE(text.find("webhook 'hook'"), std::string::npos) << text;
  // The host stays readable, so the operator knows which receiver failed.
  EXPECT_NE(text.find("127.0.0.1:" + std::to_string(receiver.port())), std::string::npos) << text;
  child.kill(SIGTERM);
  child.wait_exit(20s);
  expect_no_secret("run log with failed webhook deliveries", read_file(log));
}

}  // namespace
}  // namespace lt::it
