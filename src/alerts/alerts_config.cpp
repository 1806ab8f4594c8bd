#include "alerts/alerts_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <set>
#include <string>

#include "config/value.h"

namespace lt::alerts {

namespace {

struct Failure {
  Error error;
};

[[noreturn]] void fail(const YAML::Node& at, std::string_view where, std::string_view what) {
  auto mark = at.Mark();
  throw Failure{Error::permanent("alerts.config", fmt::format("line {}, column {}: {}: {}", mark.line + 1,
                                                              mark.column + 1, where, what))};
}

std::string scalar(const YAML::Node& node, std::string_view where) {
  if (!node.IsScalar()) fail(node, where, "expected a scalar");
  return node.Scalar();
}

Millis duration(const YAML::Node& node, std::string_view where) {
  auto parsed = config::parse_duration(scalar(node, where));
  if (!parsed) fail(node, where, fmt::format("'{}' is not a duration (e.g. 30s, 5m, 1h30m)", node.Scalar()));
  return *parsed;
}

std::uint64_t unsigned_number(const YAML::Node& node, std::string_view where) {
  std::string text = scalar(node, where);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) fail(node, where, "expected a non-negative integer");
  return value;
}

bool boolean(const YAML::Node& node, std::string_view where) {
  std::string text = scalar(node, where);
  if (text == "true") return true;
  if (text == "false") return false;
  fail(node, where, "expected true or false");
}

std::vector<std::string> string_list(const YAML::Node& node, std::string_view where) {
  if (node.IsScalar()) return {node.Scalar()};
  if (!node.IsSequence()) fail(node, where, "expected a list of strings");
  std::vector<std::string> out;
  for (const auto& item : node) out.push_back(scalar(item, where));
  return out;
}

std::map<std::string, std::string> string_map(const YAML::Node& node, std::string_view where) {
  if (!node.IsMap()) fail(node, where, "expected a map of strings");
  std::map<std::string, std::string> out;
  for (const auto& item : node) out[scalar(item.first, where)] = scalar(item.second, where);
  return out;
}

AlertRuleOptions parse_rule(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) fail(node, where, "expected a map");
  AlertRuleOptions rule;
  std::set<std::string> seen;
  for (const auto& item : node) {
    std::string key = scalar(item.first, where);
    const YAML::Node& value = item.second;
    std::string at = where + "." + key;
    if (!seen.insert(key).second) fail(item.first, where, fmt::format("key '{}' given twice", key));
    if (key == "name") {
      rule.name = scalar(value, at);
    } else if (key == "type") {
      auto type = parse_rule_type(scalar(value, at));
      if (!type) fail(value, at, "expected threshold, pattern or absence");
      rule.type = *type;
    } else if (key == "query") {
      rule.query = scalar(value, at);
    } else if (key == "threshold") {
      rule.threshold = unsigned_number(value, at);
    } else if (key == "window") {
      rule.window = duration(value, at);
    } else if (key == "group_by") {
      rule.group_by = string_list(value, at);
    } else if (key == "for") {
      rule.for_duration = duration(value, at);
    } else if (key == "severity") {
      auto severity = parse_severity(scalar(value, at));
      if (!severity) fail(value, at, "expected info, warning or critical");
      rule.severity = *severity;
    } else if (key == "cooldown") {
      rule.cooldown = duration(value, at);
    } else if (key == "renotify") {
      rule.renotify = duration(value, at);
    } else if (key == "labels") {
      rule.labels = string_map(value, at);
    } else if (key == "message") {
      rule.message = scalar(value, at);
    } else {
      fail(item.first, where, fmt::format("unknown key '{}'", key));
    }
  }
  for (const char* required : {"name", "type", "query"}) {
    if (!seen.count(required)) fail(node, where, fmt::format("missing required key '{}'", required));
  }
  if (rule.type == RuleType::Threshold && !seen.count("threshold")) fail(node, where, "missing required key 'threshold'");
  if (rule.type == RuleType::Absence && !seen.count("for")) fail(node, where, "missing required key 'for'");
  if (auto compiled = CompiledRule::compile(rule); auto* error = std::get_if<Error>(&compiled)) {
    fail(node, where, error->message);
  }
  return rule;
}

WebhookOptions parse_webhook(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap()) fail(node, where, "expected a map");
  WebhookOptions webhook;
  std::set<std::string> seen;
  for (const auto& item : node) {
    std::string key = scalar(item.first, where);
    const YAML::Node& value = item.second;
    std::string at = where + "." + key;
    if (!seen.insert(key).second) fail(item.first, where, fmt::format("key '{}' given twice", key));
    if (key == "name") {
      webhook.name = scalar(value, at);
    } else if (key == "url") {
      webhook.url = scalar(value, at);
    } else if (key == "format") {
      std::string format = scalar(value, at);
      if (format != "json" && format != "slack") fail(value, at, "expected json or slack");
      webhook.format = format == "slack" ? WebhookFormat::Slack : WebhookFormat::Json;
    } else if (key == "max_attempts") {
      auto attempts = unsigned_number(value, at);
      if (attempts < 1 || attempts > 100) fail(value, at, "must be between 1 and 100");
      webhook.max_attempts = static_cast<std::uint32_t>(attempts);
    } else if (key == "timeout") {
      webhook.timeout = duration(value, at);
    } else if (key == "headers") {
      webhook.headers = string_map(value, at);
    } else {
      fail(item.first, where, fmt::format("unknown key '{}'", key));
    }
  }
  if (webhook.name.empty()) fail(node, where, "missing required key 'name'");
  if (webhook.url.rfind("http://", 0) != 0 && webhook.url.rfind("https://", 0) != 0) {
    fail(node, where, "url must start with http:// or https://");
  }
  return webhook;
}

}  // namespace

std::variant<AlertsConfig, Error> parse_alerts_yaml(const YAML::Node& root) {
  try {
    const YAML::Node consumer = root.IsMap() && root["consumer"] ? root["consumer"] : root;
    AlertsConfig out;
    if (!consumer.IsMap()) return out;
    if (const YAML::Node alerts = consumer["alerts"]) {
      if (!alerts.IsSequence()) fail(alerts, "alerts", "expected a list of rules");
      std::set<std::string> names;
      for (std::size_t i = 0; i < alerts.size(); ++i) {
        out.rules.push_back(parse_rule(alerts[i], fmt::format("alerts[{}]", i)));
        if (!names.insert(out.rules.back().name).second) {
          fail(alerts[i], fmt::format("alerts[{}]", i), fmt::format("rule name '{}' used twice", out.rules.back().name));
        }
      }
    }
    if (const YAML::Node notifiers = consumer["notifiers"]) {
      if (!notifiers.IsMap()) fail(notifiers, "notifiers", "expected a map");
      for (const auto& item : notifiers) {
        std::string key = scalar(item.first, "notifiers");
        if (key == "webhooks") {
          if (!item.second.IsSequence()) fail(item.second, "notifiers.webhooks", "expected a list");
          for (std::size_t i = 0; i < item.second.size(); ++i) {
            out.notifiers.webhooks.push_back(parse_webhook(item.second[i], fmt::format("notifiers.webhooks[{}]", i)));
          }
        } else if (key == "log") {
          out.notifiers.log = boolean(item.second, "notifiers.log");
        } else if (key == "kafka") {
          out.notifiers.kafka = boolean(item.second, "notifiers.kafka");
        } else {
          fail(item.first, "notifiers", fmt::format("unknown key '{}'", key));
        }
      }
    }
    return out;
  } catch (const Failure& failure) {
    return failure.error;
  } catch (const YAML::Exception& e) {
    return Error::permanent("alerts.config", e.what());
  }
}

std::variant<AlertsConfig, Error> parse_alerts_yaml(std::string_view text) {
  try {
    return parse_alerts_yaml(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    return Error::permanent("alerts.config", e.what());
  }
}

std::variant<AlertRuleOptions, Error> rule_from_config(const config::AlertRule& rule) {
  AlertRuleOptions out;
  out.name = rule.name;
  auto type = parse_rule_type(rule.type);
  if (!type) return Error::permanent("alerts.config", fmt::format("alert rule '{}': unknown type '{}'", rule.name, rule.type));
  out.type = *type;
  out.query = rule.query;
  out.threshold = rule.threshold;
  if (rule.window.count() > 0) out.window = rule.window;
  out.group_by = rule.group_by;
  out.for_duration = rule.for_duration;
  if (!rule.severity.empty()) {
    auto severity = parse_severity(rule.severity);
    if (!severity) {
      return Error::permanent("alerts.config",
                              fmt::format("alert rule '{}': unknown severity '{}'", rule.name, rule.severity));
    }
    out.severity = *severity;
  }
  out.cooldown = rule.cooldown;
  out.renotify = rule.renotify;
  out.labels = rule.labels;
  if (!rule.message.empty()) out.message = rule.message;
  if (auto compiled = CompiledRule::compile(out); auto* error = std::get_if<Error>(&compiled)) return *error;
  return out;
}

std::variant<NotifiersOptions, Error> notifiers_from_config(const config::NotifiersConfig& notifiers) {
  NotifiersOptions out;
  out.log = notifiers.log;
  out.kafka = notifiers.kafka;
  for (const auto& webhook : notifiers.webhooks) {
    WebhookOptions w;
    w.name = webhook.name;
    w.url = webhook.url;
    if (webhook.format == "slack") {
      w.format = WebhookFormat::Slack;
    } else if (!webhook.format.empty() && webhook.format != "json") {
      return Error::permanent("alerts.config",
                              fmt::format("webhook '{}': unknown format '{}'", webhook.name, webhook.format));
    }
    if (webhook.max_attempts > 0) w.max_attempts = static_cast<std::uint32_t>(std::min<std::uint64_t>(webhook.max_attempts, 100));
    if (webhook.timeout.count() > 0) w.timeout = webhook.timeout;
    w.headers = webhook.headers;
    out.webhooks.push_back(std::move(w));
  }
  return out;
}

}  // namespace lt::alerts
