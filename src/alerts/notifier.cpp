#include "alerts/notifier.h"

#include <spdlog/spdlog.h>

#include "core/json_codec.h"

namespace lt::alerts {

std::optional<Error> LogNotifier::deliver(const AlertNotification& n) {
  std::string message;
  append_json_string(n.message, message);
  std::string group;
  append_json_string(n.group_key, group);
  if (!n.undelivered_notifier.empty()) {
    std::string error;
    append_json_string(n.undelivered_error, error);
    spdlog::error("alert {} {} rule={} group={} severity={} NOT DELIVERED to {}: {} message={}", n.alert_id,
                  to_string(n.state), n.rule, group, to_string(n.severity), n.undelivered_notifier, error, message);
  } else if (n.state == AlertState::Firing) {
    spdlog::warn("alert {} firing{} rule={} group={} severity={} count={} message={}", n.alert_id,
                 n.repeat ? " (repeat)" : "", n.rule, group, to_string(n.severity), n.count, message);
  } else {
    spdlog::info("alert {} resolved ({}) rule={} group={} severity={} message={}", n.alert_id, n.reason, n.rule,
                 group, to_string(n.severity), message);
  }
  return std::nullopt;
}

std::optional<Error> KafkaNotifier::deliver(const AlertNotification& n) {
  if (!publish_) return Error::permanent("alerts.kafka_unwired", "no Kafka producer wired to the alerts notifier");
  publish_(n.alert_id, to_json(n));
  return std::nullopt;
}

}  // namespace lt::alerts
