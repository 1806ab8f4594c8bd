// kafka.security against a real broker: its own scripts/kafka broker with the secure
// listeners (LT_KAFKA_SECURE_PORT; CA and certificates generated at start), started once
// for the whole binary. Events go through TLS with hostname verification (the real
// `logtracer produce` and `logtracer consume`), mutual TLS with a plain and an encrypted
// key, and SASL_SSL with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. Every misconfiguration
// (wrong CA, hostname mismatch, expired broker or client certificate, missing or untrusted
// client certificate, bad password, wrong protocol) makes produce, consume and dashboard
// exit non-zero at once with a message naming the broker and the cause, never the secret.
// CMakeLists.txt runs this binary as one ctest test so that the cases share the broker.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "config/load.h"
#include "core/json_codec.h"
#include "kafka/connection_check.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "services/config_map.h"
#include "test_util.h"

namespace lt::it {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using kafka::testing::unique_name;
using kafka::testing::wait_until;
using lt::testing::write_file;

constexpr auto kFailFast = 20s;  // bound on a failing start (it takes about half a second)

// The broker of this run: its own data dir and seven consecutive free ports (PLAINTEXT,
// controller, then the secure base N: SSL; N+1 MTLS, N+2 SASL_SSL, N+3 WRONGHOST,
// N+4 EXPIRED), so that two runs at once (two checkouts on one machine) never meet.
struct BrokerPlace {
  std::string dir;
  int port = 0;
};
BrokerPlace place;

bool port_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Below Linux's ephemeral range (32768+), where outgoing connections take their ports.
int free_port_run(int count) {
  std::mt19937 rng{std::random_device{}()};
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int base = std::uniform_int_distribution<int>(20000, 32000)(rng);
    bool all = true;
    for (int i = 0; i < count && all; ++i) all = port_free(base + i);
    if (all) return base;
  }
  return 0;
}

int plain_port() { return place.port; }
int secure_port() { return place.port + 2; }

std::string script_env() {
  return "LT_KAFKA_DIR=" + place.dir + " LT_KAFKA_PORT=" + std::to_string(place.port) +
         " LT_KAFKA_CONTROLLER_PORT=" + std::to_string(place.port + 1) +
         " LT_KAFKA_SECURE_PORT=" + std::to_string(secure_port()) + " LT_KAFKA_HEAP=256m ";
}

// `scripts/kafka action` for this broker; output appended to its log.
int run_script(const std::string& action, const std::string& log) {
  const std::string command =
      script_env() + std::string(LT_SOURCE_DIR) + "/scripts/kafka " + action + " >>" + log + " 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// LT_KAFKA_* from `scripts/kafka secure-env`.
std::map<std::string, std::string> secure_env() {
  std::map<std::string, std::string> env;
  const std::string command = script_env() + std::string(LT_SOURCE_DIR) + "/scripts/kafka secure-env";
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return env;
  char line[1024];
  while (std::fgets(line, sizeof line, p) != nullptr) {
    std::string s(line);
    if (s.rfind("export ", 0) != 0) continue;
    const auto eq = s.find('=');
    std::string value = s.substr(eq + 1);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    env[s.substr(7, eq - 7)] = value;
  }
  ::pclose(p);
  return env;
}

struct Security {
  std::string protocol = "ssl";
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string key_password;
  std::string sasl_mechanism;
  std::string username;
  std::string password;
};

class KafkaSecurity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/lt-kafka-secure-it-XXXXXX";
    place.dir = ::mkdtemp(tmpl);
    log_ = new std::string(place.dir + ".script.log");
    const auto t0 = Clock::now();
    // A port taken between the check and the broker's bind: once more on other ports.
    for (int attempt = 0; attempt < 2 && !started_; ++attempt) {
      place.port = free_port_run(7);
      started_ = place.port != 0 && run_script("start", *log_) == 0;
    }
    env_ = new std::map<std::string, std::string>(secure_env());
    std::printf("[ security ] broker with secure listeners started in %lld ms\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
  }
  static void TearDownTestSuite() {
    run_script("reset", *log_);  // stop, and delete the data and the generated keys
    if (::testing::UnitTest::GetInstance()->Passed()) std::remove(log_->c_str());
    delete env_;
    delete log_;
  }
  void SetUp() override {
    ASSERT_TRUE(started_) << "scripts/kafka start with LT_KAFKA_SECURE_PORT failed:\n" << read_file(*log_);
    ASSERT_FALSE(env("LT_KAFKA_CA_FILE").empty()) << "scripts/kafka secure-env printed nothing";
  }

  static std::string env(const std::string& name) {
    auto it = env_->find(name);
    return it == env_->end() ? std::string() : it->second;
  }

  // A complete config: brokers, topics, kafka.security, no admin listeners.
  static std::string config_yaml(const std::string& brokers, const Security& s, const std::string& raw,
                                 const std::string& processed = "it.sec.processed") {
    std::string y = "kafka:\n  brokers: \"" + brokers + "\"\n  topics: {raw: " + raw + ", processed: " + processed +
                    ", dlq: " + processed + ".dlq, alerts: " + processed + ".alerts}\n  message_timeout: 20s\n"
                    "  security:\n    protocol: " + s.protocol + "\n";
    auto add = [&y](const char* key, const std::string& value) {
      if (!value.empty()) y += std::string("    ") + key + ": \"" + value + "\"\n";
    };
    add("ca_file", s.ca_file);
    add("cert_file", s.cert_file);
    add("key_file", s.key_file);
    add("key_password", s.key_password);
    add("sasl_mechanism", s.sasl_mechanism);
    add("username", s.username);
    add("password", s.password);
    y += "producer:\n  admin: {listen: \"\"}\n  checkpoint_dir: " + place.dir + "/checkpoints\n"
         "consumer:\n  group_id: " + unique_name("it.sec.group") + "\n  admin: {listen: \"\"}\n";
    return y;
  }

  // The librdkafka client settings logtracer derives from that config.
  static kafka::ClientConfig client_for(const std::string& brokers, const Security& s) {
    auto loaded = config::load_string(config_yaml(brokers, s, "unused"), "it.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.report();
    return loaded.ok() ? services::kafka_client(loaded.config->kafka) : kafka::ClientConfig{};
  }

  // Produces `n` records through the library with these settings and reads them back
  // (partition 0, assigned: no group join), all over the secure listener.
  static void library_roundtrip(const std::string& brokers, const Security& s, int n = 20) {
    const auto client = client_for(brokers, s);
    ASSERT_FALSE(kafka::check_connection(client, 20s)) << "the connection check refused working settings";
    const std::string topic = unique_name("it.sec.roundtrip");
    std::set<std::string> sent;
    {
      auto producer = kafka::Producer::create(client);
      ASSERT_TRUE(producer) << producer.error().message;
      for (int i = 0; i < n; ++i) {
        std::string payload = topic + "#" + std::to_string(i);
        ASSERT_FALSE((*producer)->produce({.topic = topic, .payload = payload, .partition = 0}));
        sent.insert(payload);
      }
      ASSERT_FALSE((*producer)->flush(30s)) << "not delivered over " << s.protocol;
      EXPECT_EQ((*producer)->metrics().delivered.load(), static_cast<std::uint64_t>(n));
    }
    kafka::ConsumerOptions o;
    o.group_id = unique_name("it.sec.reader");
    o.auto_commit = false;
    auto consumer = kafka::Consumer::create(client, o);
    ASSERT_TRUE(consumer) << consumer.error().message;
    kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    ASSERT_EQ(rd_kafka_assign((*consumer)->handle(), list.get()), RD_KAFKA_RESP_ERR_NO_ERROR);
    std::set<std::string> got;
    wait_until(
        [&] {
          kafka::Message m = (*consumer)->poll(200ms);
          if (m && !m.error()) got.insert(std::string(m.payload()));
          return got.size() >= sent.size();
        },
        30s, 0ms);
    EXPECT_EQ(got, sent) << "read back over " << s.protocol;
    (void)(*consumer)->close();
  }

  // Runs `logtracer <command> --config <yaml>` (produce gets one event on stdin) and
  // expects a non-zero exit within kFailFast; returns its output.
  static std::string expect_fails_fast(const std::string& command, const std::string& yaml,
                                       const std::vector<std::string>& extra_args = {}) {
    TempDir dir;
    const auto cfg = dir.file("config.yaml");
    const auto log = dir.file(command + ".log");
    write_file(cfg, yaml);
    std::vector<std::string> args{command, "--config", cfg};
    if (command == "produce") args.insert(args.end(), {"--stdin", "--service", "it"});
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    const auto t0 = Clock::now();
    Child child(args, log, command == "produce");
    if (command == "produce") {
      child.write_stdin("one event\n");
      child.close_stdin();
    }
    const auto status = child.wait_exit(kFailFast);
    const std::string out = read_file(log);
    EXPECT_TRUE(status.has_value()) << "`logtracer " << command << "` still running after " << kFailFast.count()
                                    << " s instead of failing:\n"
                                    << out;
    if (status) {
      EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << "exit status " << *status << "\n" << out;
    }
    std::printf("[ security ] %s failed in %lld ms: %s", command.c_str(),
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()),
                out.substr(out.find("kafka:") == std::string::npos ? 0 : out.find("kafka:")).c_str());
    return out;
  }

  Security tls() const { return {.protocol = "ssl", .ca_file = env("LT_KAFKA_CA_FILE")}; }
  Security mtls(const std::string& cert, const std::string& key, const std::string& key_password = "") const {
    Security s = tls();
    s.cert_file = cert;
    s.key_file = key;
    s.key_password = key_password;
    return s;
  }
  Security sasl(const std::string& mechanism, const std::string& password) const {
    return {.protocol = "sasl_ssl",
            .ca_file = env("LT_KAFKA_CA_FILE"),
            .sasl_mechanism = mechanism,
            .username = env("LT_KAFKA_SASL_USERNAME"),
            .password = password};
  }

  static inline bool started_ = false;
  static inline std::string* log_ = nullptr;
  static inline std::map<std::string, std::string>* env_ = nullptr;
};

// --- what works --------------------------------------------------------------------

TEST_F(KafkaSecurity, ProduceAndConsumeBinariesOverTlsWithHostnameVerification) {
  TempDir dir;
  const std::string raw = unique_name("it.sec.raw");
  const std::string processed = unique_name("it.sec.processed");
  const auto cfg = dir.file("tls.yaml");
  // localhost: the broker certificate's DNS name; the broker advertises 127.0.0.1 (its IP name).
  write_file(cfg, config_yaml("localhost:" + std::to_string(secure_port()), tls(), raw, processed));

  Child produce({"produce", "--config", cfg, "--stdin", "--service", "tls-it"}, dir.file("produce.log"), true);
  for (int i = 0; i < 10; ++i) produce.write_stdin("tls event " + std::to_string(i) + "\n");
  produce.close_stdin();
  const auto produced = produce.wait_exit(60s);
  ASSERT_TRUE(produced && WIFEXITED(*produced) && WEXITSTATUS(*produced) == 0) << read_file(dir.file("produce.log"));

  Child consume({"consume", "--config", cfg}, dir.file("consume.log"));
  const auto client = client_for(env("LT_KAFKA_SSL_BROKERS"), tls());
  kafka::ConsumerOptions o;
  o.group_id = unique_name("it.sec.verify");
  auto reader = kafka::Consumer::create(client, o);
  ASSERT_TRUE(reader) << reader.error().message;
  ASSERT_FALSE((*reader)->subscribe({processed}));
  std::set<std::string> messages;
  EventDecoder decoder;
  LogEvent event;
  wait_until(
      [&] {
        kafka::Message m = (*reader)->poll(200ms);
        if (m && !m.error() && !decoder.decode(m.payload(), event)) messages.insert(event.message);
        return messages.size() >= 10 || !consume.alive();
      },
      60s, 0ms);
  EXPECT_EQ(messages.size(), 10u) << "processed events read back over TLS\nconsume log:\n"
                                  << read_file(dir.file("consume.log"));
  EXPECT_TRUE(messages.count("tls event 9"));
  consume.kill(SIGTERM);
  EXPECT_TRUE(consume.wait_exit(30s));
  (void)(*reader)->close();
}

TEST_F(KafkaSecurity, LibraryRoundTripOverTlsByIpAndByName) {
  library_roundtrip(env("LT_KAFKA_SSL_BROKERS"), tls());
  EXPECT_FALSE(kafka::check_connection(client_for("localhost:" + std::to_string(secure_port()), tls()), 20s));
}

TEST_F(KafkaSecurity, MutualTlsWithAPlainKey) {
  library_roundtrip(env("LT_KAFKA_MTLS_BROKERS"), mtls(env("LT_KAFKA_CLIENT_CERT"), env("LT_KAFKA_CLIENT_KEY")));
}

TEST_F(KafkaSecurity, MutualTlsWithAnEncryptedKeyThroughTheProduceBinary) {
  const Security s = mtls(env("LT_KAFKA_CLIENT_CERT"), env("LT_KAFKA_CLIENT_KEY_ENCRYPTED"),
                          env("LT_KAFKA_CLIENT_KEY_PASSWORD"));
  library_roundtrip(env("LT_KAFKA_MTLS_BROKERS"), s);

  TempDir dir;
  write_file(dir.file("mtls.yaml"), config_yaml(env("LT_KAFKA_MTLS_BROKERS"), s, unique_name("it.sec.mtls")));
  Child produce({"produce", "--config", dir.file("mtls.yaml"), "--stdin"}, dir.file("produce.log"), true);
  produce.write_stdin("over mutual tls\n");
  produce.close_stdin();
  const auto status = produce.wait_exit(60s);
  const std::string out = read_file(dir.file("produce.log"));
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << out;
  EXPECT_THAT(out, Not(HasSubstr(env("LT_KAFKA_CLIENT_KEY_PASSWORD"))));
}

TEST_F(KafkaSecurity, SaslSslWithScramSha256Sha512AndPlain) {
  for (const char* mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"}) {
    SCOPED_TRACE(mechanism);
    library_roundtrip(env("LT_KAFKA_SASL_SSL_BROKERS"), sasl(mechanism, env("LT_KAFKA_SASL_PASSWORD")), 5);
  }
}

// --- what must fail at once, and say why -----------------------------------------

TEST_F(KafkaSecurity, WrongCaFailsProduceConsumeAndDashboardNamingTheBrokerAndTheCaFile) {
  Security s = tls();
  s.ca_file = env("LT_KAFKA_OTHER_CA_FILE");
  const std::string yaml = config_yaml(env("LT_KAFKA_SSL_BROKERS"), s, unique_name("it.sec.wrongca"));
  for (const char* command : {"produce", "consume", "dashboard"}) {
    SCOPED_TRACE(command);
    const auto out = expect_fails_fast(command, yaml,
                                       std::string(command) == "dashboard"
                                           ? std::vector<std::string>{"--listen", "127.0.0.1:0"}
                                           : std::vector<std::string>{});
    EXPECT_THAT(out, HasSubstr("TLS handshake with " + env("LT_KAFKA_SSL_BROKERS") + " failed: certificate verify failed"));
    EXPECT_THAT(out, HasSubstr("is not signed by a CA in " + s.ca_file));
    EXPECT_THAT(out, HasSubstr("kafka.security.ca_file"));
  }
}

TEST_F(KafkaSecurity, HostnameMismatchIsNamedAsSuch) {
  const auto out = expect_fails_fast("produce", config_yaml(env("LT_KAFKA_WRONGHOST_BROKERS"), tls(), "it.sec.x"));
  EXPECT_THAT(out, HasSubstr("TLS handshake with " + env("LT_KAFKA_WRONGHOST_BROKERS") + " failed"));
  EXPECT_THAT(out, HasSubstr("address mismatch"));
  EXPECT_THAT(out, HasSubstr("is for DNS:wrong-host.invalid, not for 127.0.0.1"));
  EXPECT_THAT(out, HasSubstr("kafka.security.verify_hostname"));
}

TEST_F(KafkaSecurity, ExpiredBrokerCertificateSaysWhenItExpired) {
  const auto out = expect_fails_fast("consume", config_yaml(env("LT_KAFKA_EXPIRED_BROKERS"), tls(), "it.sec.x"));
  EXPECT_THAT(out, HasSubstr("TLS handshake with " + env("LT_KAFKA_EXPIRED_BROKERS") + " failed"));
  EXPECT_THAT(out, HasSubstr("certificate has expired"));
  EXPECT_THAT(out, HasSubstr("expired on 2020-01-02 00:00:00 UTC"));
}

TEST_F(KafkaSecurity, ExpiredClientCertificateIsRefusedBeforeConnecting) {
  const auto s = mtls(env("LT_KAFKA_EXPIRED_CLIENT_CERT"), env("LT_KAFKA_EXPIRED_CLIENT_KEY"));
  const auto out = expect_fails_fast("produce", config_yaml(env("LT_KAFKA_MTLS_BROKERS"), s, "it.sec.x"));
  EXPECT_THAT(out, HasSubstr(s.cert_file + " (kafka.security.cert_file) expired on 2020-01-02"));
}

TEST_F(KafkaSecurity, MissingClientCertificateOnTheMutualTlsListener) {
  const auto out = expect_fails_fast("produce", config_yaml(env("LT_KAFKA_MTLS_BROKERS"), tls(), "it.sec.x"));
  EXPECT_THAT(out, HasSubstr("the broker " + env("LT_KAFKA_MTLS_BROKERS") + " requires a client certificate"));
  EXPECT_THAT(out, HasSubstr("kafka.security.cert_file"));
}

TEST_F(KafkaSecurity, ClientCertificateFromAnUntrustedCaIsRefusedByTheBroker) {
  const auto s = mtls(env("LT_KAFKA_UNTRUSTED_CLIENT_CERT"), env("LT_KAFKA_UNTRUSTED_CLIENT_KEY"));
  const auto out = expect_fails_fast("produce", config_yaml(env("LT_KAFKA_MTLS_BROKERS"), s, "it.sec.x"));
  EXPECT_THAT(out, HasSubstr("the broker " + env("LT_KAFKA_MTLS_BROKERS") + " refused the client certificate " +
                             s.cert_file));
}

TEST_F(KafkaSecurity, WrongKeyPasswordNamesTheKeySettingsNotThePassword) {
  const std::string wrong = "wrong-key-password-4711";
  const auto s = mtls(env("LT_KAFKA_CLIENT_CERT"), env("LT_KAFKA_CLIENT_KEY_ENCRYPTED"), wrong);
  const auto out = expect_fails_fast("produce", config_yaml(env("LT_KAFKA_MTLS_BROKERS"), s, "it.sec.x"));
  EXPECT_THAT(out, HasSubstr("ssl.key.location"));
  EXPECT_THAT(out, HasSubstr("key_password"));
  EXPECT_THAT(out, Not(HasSubstr(wrong)));
}

TEST_F(KafkaSecurity, BadSaslPasswordFailsForEachMechanismWithoutEchoingIt) {
  const std::string wrong = "not-the-password-0815";
  for (const char* mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"}) {
    SCOPED_TRACE(mechanism);
    const auto out =
        expect_fails_fast("produce", config_yaml(env("LT_KAFKA_SASL_SSL_BROKERS"), sasl(mechanism, wrong), "it.sec.x"));
    EXPECT_THAT(out, HasSubstr("SASL authentication with " + env("LT_KAFKA_SASL_SSL_BROKERS") + " failed"));
    EXPECT_THAT(out, HasSubstr("kafka.security.password"));
    EXPECT_THAT(out, Not(HasSubstr(wrong)));
  }
  // Through the library too: a permanent error, which a retry cannot fix.
  auto e = kafka::check_connection(client_for(env("LT_KAFKA_SASL_SSL_BROKERS"), sasl("SCRAM-SHA-512", wrong)), 20s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "kafka.authentication");
  EXPECT_FALSE(e->retriable());
}

TEST_F(KafkaSecurity, PlaintextClientOnTheTlsListenerAndTlsClientOnThePlaintextOne) {
  auto out = expect_fails_fast("produce", config_yaml(env("LT_KAFKA_SSL_BROKERS"), {.protocol = "plaintext"}, "it.sec.x"));
  EXPECT_THAT(out, HasSubstr("check kafka.security.protocol (now 'plaintext')"));
  out = expect_fails_fast("produce", config_yaml("127.0.0.1:" + std::to_string(plain_port()), tls(), "it.sec.x"));
  EXPECT_THAT(out, HasSubstr("the listener does not seem to speak TLS"));
}

}  // namespace
}  // namespace lt::it
