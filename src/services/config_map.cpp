#include "services/config_map.h"

#include <arpa/inet.h>

#include <charconv>

namespace lt::services {

kafka::ClientConfig kafka_client(const config::KafkaConfig& kafka) {
  kafka::ClientConfig c;
  c.brokers = kafka.brokers;
  c.client_id = kafka.client_id;
  const auto& s = kafka.security;
  if (!s.protocol.empty() && s.protocol != "plaintext") {
    c.properties["security.protocol"] = s.protocol;
    if (!s.ca_file.empty()) c.properties["ssl.ca.location"] = s.ca_file;
    if (!s.cert_file.empty()) c.properties["ssl.certificate.location"] = s.cert_file;
    if (!s.key_file.empty()) c.properties["ssl.key.location"] = s.key_file;
    if (!s.key_password.empty()) c.properties["ssl.key.password"] = s.key_password;
    c.properties["ssl.endpoint.identification.algorithm"] = s.verify_hostname ? "https" : "none";
    if (s.protocol.rfind("sasl", 0) == 0) {
      c.properties["sasl.mechanisms"] = s.sasl_mechanism.empty() ? "PLAIN" : s.sasl_mechanism;
      c.properties["sasl.username"] = s.username;
      c.properties["sasl.password"] = s.password;
    }
  }
  for (const auto& [k, v] : kafka.properties) c.properties[k] = v;  // pass-through wins
  return c;
}

kafka::ProducerOptions kafka_producer(const config::KafkaConfig& kafka, const config::ProducerConfig* producer) {
  kafka::ProducerOptions o;
  o.compression = kafka.compression;
  o.linger_ms = static_cast<int>(kafka.linger_ms);
  o.batch_size = static_cast<int>(std::min<std::uint64_t>(kafka.batch_bytes, 2'000'000'000));
  o.message_timeout_ms = static_cast<int>(std::min<std::int64_t>(kafka.message_timeout.count(), 2'000'000'000));
  if (producer) {
    // The producer buffer is the bound on memory while the broker is away:
    // past it, sources pause (files stop being read, HTTP answers 503).
    o.queue_buffering_max_messages = static_cast<int>(std::clamp<std::uint64_t>(producer->buffer_events, 1, 10'000'000));
    o.queue_buffering_max_kbytes =
        static_cast<int>(std::clamp<std::uint64_t>(producer->buffer_bytes / 1024, 1, 2'000'000));
  }
  return o;
}

RetryPolicy retry_policy(const config::RetryConfig& r) {
  RetryPolicy p;
  p.max_attempts = static_cast<int>(std::max<std::uint64_t>(1, r.max_attempts));
  p.initial_backoff = r.initial_backoff;
  p.max_backoff = r.max_backoff;
  p.max_elapsed = r.max_elapsed;
  return p;
}

bool ListenAddress::loopback() const {
  if (address == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::optional<ListenAddress> parse_listen(const std::string& listen, std::string& error) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    error = "'" + listen + "' is not HOST:PORT";
    return std::nullopt;
  }
  ListenAddress a;
  a.address = listen.substr(0, colon);
  if (a.address.size() >= 2 && a.address.front() == '[' && a.address.back() == ']')
    a.address = a.address.substr(1, a.address.size() - 2);
  if (a.address.empty()) a.address = "127.0.0.1";
  const std::string port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || p != port.data() + port.size() || value > 65535) {
    error = "'" + listen + "': bad port '" + port + "'";
    return std::nullopt;
  }
  a.port = static_cast<std::uint16_t>(value);
  return a;
}

}  // namespace lt::services
