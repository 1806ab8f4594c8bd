// The startup check of a Kafka connection: one bounded metadata request that turns a
// TLS, certificate or SASL failure into an error naming the broker, what failed and what to fix.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "kafka/client_config.h"

namespace lt::kafka {

// librdkafka retries a failing handshake forever and only logs it; a service would
// run without ever delivering. This check connects once with the same settings:
//   nullopt               a broker answered a metadata request;
//   permanent error       the connection cannot work as configured: wrong CA, expired
//                         or mismatching certificate, certificate refused by the broker,
//                         bad SASL credentials, TLS towards a plaintext listener (or the
//                         reverse); code kafka.ssl, kafka.authentication or kafka.config;
//   transient error       nobody answered (kafka.all_brokers_down, kafka.timed_out):
//                         the broker may just be down, and librdkafka will keep trying.
// Messages never contain a password (only file names, broker addresses and librdkafka's reason).
Status check_connection(const ClientConfig& config, std::chrono::milliseconds timeout);

// A PEM certificate file (the client certificate of mutual TLS) that cannot be read, or
// is not valid now (expired, not yet valid): a permanent kafka.ssl error naming the file.
Status check_certificate_file(const std::string& path, std::string_view setting);

// --- the diagnosis, separate so that it can be tested without a broker ---

// A certificate OpenSSL refused while verifying a broker (seen through librdkafka's
// certificate verification callback).
struct CertificateProblem {
  int x509_error = 0;      // X509_V_ERR_*
  int depth = 0;           // 0: the broker's own certificate, 1+: a CA above it
  std::string error_text;  // X509_verify_cert_error_string
  std::string subject;     // RFC 2253
  std::string issuer;
  std::string not_before;  // "2020-01-01 00:00:00 UTC"
  std::string not_after;
  std::string alt_names;   // "DNS:localhost, IP:127.0.0.1"
};

// "127.0.0.1:9093" from librdkafka's "ssl://127.0.0.1:9093/bootstrap: SSL handshake failed: ...";
// "" when the reason names no broker.
std::string broker_address(std::string_view reason);
// The reason without librdkafka's " (after 5ms in state SSL_HANDSHAKE...)" tail.
std::string strip_timing(std::string_view reason);

// The error an error-callback report means for the configuration, or nullopt when it
// says nothing about it (a refused connection, a timeout: the broker may come back).
// `problem`: what the certificate check saw at that broker, if anything.
std::optional<Error> diagnose(rd_kafka_resp_err_t code, std::string_view reason,
                              const CertificateProblem* problem, const ClientConfig& config);

}  // namespace lt::kafka
