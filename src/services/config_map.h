// From the validated YAML config (src/config) to the options structs of the
// modules. Modules know nothing of the config schema; this is the one place
// that maps one onto the other.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/load.h"
#include "core/error.h"
#include "kafka/client_config.h"
#include "kafka/producer.h"
#include "process/retry.h"
#include "services/consume_service.h"

namespace lt::services {

// The config at `path`, or the defaults when `path` is empty; nullopt after
// printing every diagnostic (FILE:LINE:COL) to stderr. Warnings of a valid config are logged.
std::optional<config::Config> load_config_or_report(const std::string& path);

// Logs each warning of a config that loaded (an `insecure: true` listener, a token sent
// without TLS...): the person starting or reloading a service sees them, not only `validate`.
void log_config_warnings(const config::LoadResult& loaded);

kafka::ClientConfig kafka_client(const config::KafkaConfig& kafka);
kafka::ProducerOptions kafka_producer(const config::KafkaConfig& kafka, const config::ProducerConfig* producer);

RetryPolicy retry_policy(const config::RetryConfig& retry);

// The consumer-group member of `logtracer consume` (and of `run` with Kafka).
ConsumeOptions consume_options(const config::Config& cfg);

}  // namespace lt::services
