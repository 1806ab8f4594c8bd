#include "services/config_map.h"

#include <charconv>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "config/load.h"

namespace lt::services {

std::optional<config::Config> load_config_or_report(const std::string& path) {
  if (path.empty()) return config::default_config();
  auto loaded = config::load_file(path);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s", loaded.report().c_str());
    return std::nullopt;
  }
  log_config_warnings(loaded);
  return *loaded.config;
}

void log_config_warnings(const config::LoadResult& loaded) {
  for (const auto& d : loaded.diagnostics)
    if (d.severity == config::Severity::Warning) spdlog::warn("config: {}", d.to_string());
}

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

ConsumeOptions consume_options(const config::Config& cfg) {
  ConsumeOptions o;
  o.client = kafka_client(cfg.kafka);
  o.input_topic = cfg.kafka.topics.raw;
  o.processed_topic = cfg.kafka.topics.processed;
  o.dlq_topic = cfg.kafka.topics.dlq;
  o.group_id = cfg.consumer.group_id;
  o.exactly_once = cfg.consumer.guarantee == "exactly_once";
  o.workers = cfg.consumer.workers;
  o.max_in_flight = cfg.consumer.max_in_flight;
  o.retry = retry_policy(cfg.consumer.retry);
  o.producer = kafka_producer(cfg.kafka, nullptr);
  o.producer.metrics_label = "processed";
  return o;
}

}  // namespace lt::services
