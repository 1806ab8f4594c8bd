// From the validated YAML config (src/config) to the options structs of the
// modules. Modules know nothing of the config schema; this is the one place
// that maps one onto the other.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "kafka/client_config.h"
#include "kafka/producer.h"
#include "process/retry.h"

namespace lt::services {

kafka::ClientConfig kafka_client(const config::KafkaConfig& kafka);
kafka::ProducerOptions kafka_producer(const config::KafkaConfig& kafka, const config::ProducerConfig* producer);

RetryPolicy retry_policy(const config::RetryConfig& retry);

// "127.0.0.1:8080", "[::1]:8080", ":8080" (loopback) → address and port.
struct ListenAddress {
  std::string address;
  std::uint16_t port = 0;
  bool loopback() const;
};
std::optional<ListenAddress> parse_listen(const std::string& listen, std::string& error);

}  // namespace lt::services
