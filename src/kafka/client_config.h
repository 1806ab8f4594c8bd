// Connection settings shared by producer, consumer and admin client, and the one
// place that turns them into an rd_kafka_conf_t (errors name the bad property).
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/errors.h"

namespace lt::kafka {

struct ClientConfig {
  std::string brokers = "127.0.0.1:9092";
  std::string client_id = "logtracer";
  // Pass-through librdkafka properties (CONFIGURATION.md names), applied last so
  // they override anything the wrappers set. The security section (TLS, SASL)
  // lands here too, through apply_security().
  std::map<std::string, std::string> properties;
};

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const noexcept {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

using Property = std::pair<std::string, std::string>;

// Properties whose values never appear in an error or a log line (passwords, secrets,
// JAAS and OAuth settings, an inline private key).
bool is_secret_property(std::string_view name);

// Sets one property; the error names the property and librdkafka's reason (and the
// value, unless is_secret_property).
Status set_property(rd_kafka_conf_t* conf, std::string_view name, std::string_view value);

// Hook for the `kafka.security` section (TLS, SASL): translates it into
// properties. Today it only validates what is already in `config.properties`.
Status apply_security(const ClientConfig& config, rd_kafka_conf_t* conf);

// bootstrap.servers + client.id, then `defaults` (the wrapper's choices), then
// apply_security, then `config.properties`. Routes librdkafka's log lines to
// spdlog (logger "kafka").
Result<ConfPtr> build_conf(const ClientConfig& config, const std::vector<Property>& defaults);

// Creates the rd_kafka_t; takes ownership of `conf` in every case.
Result<HandlePtr> create_handle(rd_kafka_type_t type, ConfPtr conf);

}  // namespace lt::kafka
