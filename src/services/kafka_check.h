// The startup check of the Kafka settings shared by produce, consume, dashboard and dlq:
// a connection that cannot work as configured stops the command; a broker that is down does not.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "core/error.h"
#include "kafka/client_config.h"

namespace lt::services {

// Long enough for a TLS + SASL handshake with a loaded broker; a refused connection
// returns at once, so only a silent (firewalled) broker waits this long.
inline constexpr std::chrono::seconds kKafkaCheckTimeout{10};

// An error when the TLS/SASL settings cannot work (wrong CA, expired or mismatching
// certificate, refused client certificate, bad credentials, wrong security protocol):
// the caller exits non-zero with it. When no broker answers it only warns and returns
// nullopt: librdkafka keeps trying and events wait in the producer buffer.
std::optional<Error> check_kafka(const kafka::ClientConfig& client, std::string_view who,
                                 std::chrono::milliseconds timeout = kKafkaCheckTimeout);

}  // namespace lt::services
