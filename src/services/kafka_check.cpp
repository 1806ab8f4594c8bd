#include "services/kafka_check.h"

#include <spdlog/spdlog.h>

#include "kafka/connection_check.h"

namespace lt::services {

std::optional<Error> check_kafka(const kafka::ClientConfig& client, std::string_view who,
                                 std::chrono::milliseconds timeout) {
  auto property = [&client](const char* name) {
    auto it = client.properties.find(name);
    return it == client.properties.end() ? std::string() : it->second;
  };
  const std::string protocol = property("security.protocol");
  if ((protocol == "ssl" || protocol == "sasl_ssl") && property("ssl.endpoint.identification.algorithm") == "none") {
    spdlog::warn("{}: kafka broker hostname verification is off (kafka.security.verify_hostname: false): any "
                 "certificate the CA signed is accepted for any broker",
                 who);
  }
  auto error = kafka::check_connection(client, timeout);
  if (!error) return std::nullopt;
  if (error->retriable()) {
    spdlog::warn("{}: {}; starting anyway, the Kafka client keeps retrying", who, error->message);
    return std::nullopt;
  }
  return error;
}

}  // namespace lt::services
