// The diagnosis of librdkafka's connection errors (reasons as librdkafka 2.0.2 reports
// them against Kafka 3.9), local certificate checks, and secrets kept out of errors.
// The same failures against a real broker: tests/integration/kafka_security_test.cpp.
#include "kafka/connection_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace lt::kafka {
namespace {

using ::testing::HasSubstr;

ClientConfig tls_config() {
  ClientConfig c;
  c.brokers = "127.0.0.1:19192";
  c.properties["security.protocol"] = "ssl";
  c.properties["ssl.ca.location"] = "/etc/lt/ca.pem";
  return c;
}

TEST(KafkaDiagnosis, BrokerAddressAndTimingComeOffLibrdkafkasReason) {
  EXPECT_EQ(broker_address("ssl://127.0.0.1:19192/bootstrap: SSL handshake failed: x"), "127.0.0.1:19192");
  EXPECT_EQ(broker_address("sasl_ssl://kafka-1.example:9094/3: SASL authentication error: y"),
            "kafka-1.example:9094");
  EXPECT_EQ(broker_address("1/1 brokers are down"), "");
  EXPECT_EQ(strip_timing("a: b (after 5ms in state SSL_HANDSHAKE, 1 identical error(s) suppressed)"), "a: b");
  EXPECT_EQ(strip_timing("no timing here"), "no timing here");
}

TEST(KafkaDiagnosis, HostnameMismatchNamesTheBrokerTheCertificateAndTheSwitch) {
  CertificateProblem p;
  p.x509_error = X509_V_ERR_IP_ADDRESS_MISMATCH;
  p.error_text = "IP address mismatch";
  p.subject = "CN=wrong-host.invalid";
  p.alt_names = "DNS:wrong-host.invalid";
  auto e = diagnose(RD_KAFKA_RESP_ERR__SSL,
                    "ssl://127.0.0.1:19195/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate "
                    "verify failed: broker certificate could not be verified, verify that ssl.ca.location is "
                    "correctly configured (after 140ms in state SSL_HANDSHAKE)",
                    &p, tls_config());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "kafka.ssl");
  EXPECT_FALSE(e->retriable());
  EXPECT_THAT(e->message, HasSubstr("TLS handshake with 127.0.0.1:19195 failed"));
  EXPECT_THAT(e->message, HasSubstr("(IP address mismatch)"));
  EXPECT_THAT(e->message, HasSubstr("is for DNS:wrong-host.invalid, not for 127.0.0.1"));
  EXPECT_THAT(e->message, HasSubstr("kafka.security.verify_hostname"));
  // librdkafka's generic hint would send the user to the CA file: it is not repeated.
  EXPECT_EQ(e->message.find("could not be verified"), std::string::npos);
}

TEST(KafkaDiagnosis, UntrustedAndExpiredBrokerCertificatesSayWhichAndWhatToDo) {
  CertificateProblem untrusted;
  untrusted.x509_error = X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN;
  untrusted.error_text = "self-signed certificate in certificate chain";
  untrusted.depth = 1;
  untrusted.subject = untrusted.issuer = "CN=corp CA";
  auto e = diagnose(RD_KAFKA_RESP_ERR__SSL, "ssl://b1:9093/bootstrap: SSL handshake failed: certificate verify failed",
                    &untrusted, tls_config());
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, HasSubstr("the CA certificate CN=corp CA in the broker's chain"));
  EXPECT_THAT(e->message, HasSubstr("is not signed by a CA in /etc/lt/ca.pem"));
  EXPECT_THAT(e->message, HasSubstr("kafka.security.ca_file"));

  CertificateProblem expired;
  expired.x509_error = X509_V_ERR_CERT_HAS_EXPIRED;
  expired.error_text = "certificate has expired";
  expired.subject = "CN=b1";
  expired.not_after = "2020-01-02 00:00:00 UTC";
  e = diagnose(RD_KAFKA_RESP_ERR__SSL, "ssl://b1:9093/bootstrap: SSL handshake failed: certificate verify failed",
               &expired, tls_config());
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, HasSubstr("TLS handshake with b1:9093 failed: certificate verify failed (certificate has "
                                    "expired): the broker certificate (CN=b1) expired on 2020-01-02 00:00:00 UTC"));
}

TEST(KafkaDiagnosis, BrokerAlertsTellAMissingFromARefusedClientCertificate) {
  const std::string reason =
      "ssl://127.0.0.1:19193/bootstrap: Receive failed: error:0A000412:SSL routines::sslv3 alert bad certificate: SSL "
      "alert number 42 (after 34ms in state APIVERSION_QUERY)";
  auto missing = diagnose(RD_KAFKA_RESP_ERR__TRANSPORT, reason, nullptr, tls_config());
  ASSERT_TRUE(missing);
  EXPECT_THAT(missing->message, HasSubstr("the broker 127.0.0.1:19193 requires a client certificate (TLS alert 'bad "
                                          "certificate')"));
  EXPECT_THAT(missing->message, HasSubstr("kafka.security.cert_file"));

  auto config = tls_config();
  config.properties["ssl.certificate.location"] = "/etc/lt/client.pem";
  auto refused = diagnose(RD_KAFKA_RESP_ERR__TRANSPORT,
                          "ssl://127.0.0.1:19193/bootstrap: Receive failed: error:0A000416:SSL routines::sslv3 alert "
                          "certificate unknown: SSL alert number 46",
                          nullptr, config);
  ASSERT_TRUE(refused);
  EXPECT_THAT(refused->message, HasSubstr("refused the client certificate /etc/lt/client.pem (TLS alert 'certificate "
                                          "unknown')"));
}

TEST(KafkaDiagnosis, BadSaslCredentialsPointAtTheSaslKeysWithoutTheirValues) {
  auto config = tls_config();
  config.properties["security.protocol"] = "sasl_ssl";
  config.properties["sasl.username"] = "svc";
  config.properties["sasl.password"] = "hunter2-very-secret";
  auto e = diagnose(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                    "sasl_ssl://127.0.0.1:19194/bootstrap: SASL authentication error: Authentication failed during "
                    "authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 687ms in state "
                    "AUTH_REQ)",
                    nullptr, config);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "kafka.authentication");
  EXPECT_EQ(e->message,
            "SASL authentication with 127.0.0.1:19194 failed: Authentication failed during authentication due to "
            "invalid credentials with SASL mechanism SCRAM-SHA-512 — check kafka.security.username, "
            "kafka.security.password and kafka.security.sasl_mechanism");
  EXPECT_EQ(e->message.find("hunter2"), std::string::npos);
}

TEST(KafkaDiagnosis, WrongSecurityProtocolEitherWay) {
  ClientConfig plain;
  plain.brokers = "127.0.0.1:19192";
  auto e = diagnose(RD_KAFKA_RESP_ERR__TRANSPORT,
                    "127.0.0.1:19192/bootstrap: Disconnected while requesting ApiVersion: might be caused by incorrect "
                    "security.protocol configuration (connecting to a SSL listener?) or broker version is < 0.10 (see "
                    "api.version.request) (after 1ms in state APIVERSION_QUERY)",
                    nullptr, plain);
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, HasSubstr("check kafka.security.protocol (now 'plaintext')"));

  e = diagnose(RD_KAFKA_RESP_ERR__SSL,
               "ssl://127.0.0.1:9092/bootstrap: SSL handshake failed: error:0A000126:SSL routines::unexpected eof while "
               "reading (after 33ms in state SSL_HANDSHAKE)",
               nullptr, tls_config());
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, HasSubstr("the listener does not seem to speak TLS"));
}

TEST(KafkaDiagnosis, ARefusedConnectionOrADownBrokerIsNotAConfigurationError) {
  EXPECT_FALSE(diagnose(RD_KAFKA_RESP_ERR__TRANSPORT,
                        "ssl://127.0.0.1:19199/bootstrap: Connect to ipv4#127.0.0.1:19199 failed: Connection refused "
                        "(after 0ms in state CONNECT)",
                        nullptr, tls_config()));
  EXPECT_FALSE(diagnose(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down", nullptr, tls_config()));
  EXPECT_FALSE(diagnose(RD_KAFKA_RESP_ERR__RESOLVE, "ssl://nohost:9093/bootstrap: Failed to resolve 'nohost:9093'",
                        nullptr, tls_config()));
}

int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(KafkaConnectionCheck, NoBrokerListeningIsTransientNotAConfigurationError) {
  ClientConfig config;
  config.brokers = "127.0.0.1:" + std::to_string(closed_port());
  auto e = check_connection(config, std::chrono::seconds(20));
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->retriable()) << e->message;
  EXPECT_EQ(e->code, "kafka.all_brokers_down");
  EXPECT_THAT(e->message, HasSubstr(config.brokers));
}

class CertificateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/lt-certcheck-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // A self-signed certificate valid from `start` to `end` (openssl ca date format), made
  // with the openssl tool at test time: no key material is kept in the repository.
  std::string make_cert(const std::string& name, const std::string& start, const std::string& end) {
    const std::string d = dir_ + "/" + name;
    std::filesystem::create_directories(d);
    std::ofstream(d + "/ca.cnf") << "[ca]\ndefault_ca=x\n[x]\ndatabase=" << d << "/index.txt\nnew_certs_dir=" << d
                                 << "\nserial=" << d << "/serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n";
    std::ofstream(d + "/index.txt");
    std::ofstream(d + "/serial") << "01\n";
    const std::string cmd =
        "cd " + d + " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=ca "
        "-keyout ca.key -out ca.pem && openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-subj /CN=leaf -keyout leaf.key -out leaf.csr && openssl ca -batch -notext -config ca.cnf -cert ca.pem "
        "-keyfile ca.key -startdate " + start + " -enddate " + end + " -in leaf.csr -out leaf.pem";
    EXPECT_EQ(std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()), 0) << cmd;
    return d + "/leaf.pem";
  }
  std::string dir_;
};

TEST_F(CertificateFiles, AnExpiredClientCertificateFailsBeforeAnyConnection) {
  const auto pem = make_cert("expired", "200101000000Z", "200102000000Z");
  auto e = check_certificate_file(pem, "kafka.security.cert_file");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, "kafka.ssl");
  EXPECT_THAT(e->message, HasSubstr(pem + " (kafka.security.cert_file) expired on 2020-01-02 00:00:00 UTC"));
}

TEST_F(CertificateFiles, AFutureCertificateIsNotYetValidAndACurrentOneIsFine) {
  auto e = check_certificate_file(make_cert("future", "400101000000Z", "400102000000Z"), "kafka.security.cert_file");
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, HasSubstr("is not valid before 2040-01-01"));
  EXPECT_FALSE(check_certificate_file(make_cert("current", "200101000000Z", "400102000000Z"), "x"));
}

TEST_F(CertificateFiles, MissingOrNonPemFilesAreNamed) {
  auto e = check_certificate_file(dir_ + "/nope.pem", "kafka.security.cert_file");
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, HasSubstr("cannot read the certificate " + dir_ + "/nope.pem"));
  std::ofstream(dir_ + "/garbage.pem") << "not a certificate\n";
  e = check_certificate_file(dir_ + "/garbage.pem", "kafka.security.cert_file");
  ASSERT_TRUE(e);
  EXPECT_THAT(e->message, HasSubstr("no PEM certificate in"));
}

TEST(KafkaSecrets, AnInvalidSecretPropertyValueIsNotEchoed) {
  EXPECT_TRUE(is_secret_property("sasl.password"));
  EXPECT_TRUE(is_secret_property("ssl.key.password"));
  EXPECT_TRUE(is_secret_property("sasl.jaas.config"));
  EXPECT_FALSE(is_secret_property("ssl.ca.location"));
  ConfPtr conf(rd_kafka_conf_new());
  // An out-of-range value for a numeric property stands in for any rejected value.
  auto plain = set_property(conf.get(), "linger.ms", "not-a-number-123");
  ASSERT_TRUE(plain);
  EXPECT_THAT(plain->message, HasSubstr("not-a-number-123"));
  auto secret = set_property(conf.get(), "sasl.oauthbearer.client.secret.nope", "s3cr3t-value");
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->message.find("s3cr3t-value"), std::string::npos) << secret->message;
}

}  // namespace
}  // namespace lt::kafka
