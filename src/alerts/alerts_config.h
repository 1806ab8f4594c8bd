// Alert rules and notifiers from configuration: from a YAML document (the
// `consumer.alerts` / `consumer.notifiers` keys, as in docs/alerts.md) or from the typed src/config structs.
#pragma once

#include <string_view>
#include <variant>
#include <vector>

#include "alerts/dispatcher.h"
#include "alerts/rule.h"
#include "config/config.h"
#include "core/error.h"

namespace YAML {
class Node;
}

namespace lt::alerts {

struct AlertsConfig {
  std::vector<AlertRuleOptions> rules;
  NotifiersOptions notifiers;
};

// `text` is a YAML document with a top-level `consumer:` map (or the consumer map
// itself) holding `alerts:` and/or `notifiers:`; other consumer keys are ignored.
// Unknown keys inside a rule or notifier are errors ("line 7, column 5: alerts[0]: unknown key 'treshold'").
// Startup code: allocates freely, never throws.
std::variant<AlertsConfig, Error> parse_alerts_yaml(std::string_view text);
std::variant<AlertsConfig, Error> parse_alerts_yaml(const YAML::Node& consumer);

// The typed config (already validated by the schema) mapped onto the options structs.
std::variant<AlertRuleOptions, Error> rule_from_config(const config::AlertRule& rule);
std::variant<NotifiersOptions, Error> notifiers_from_config(const config::NotifiersConfig& notifiers);

}  // namespace lt::alerts
