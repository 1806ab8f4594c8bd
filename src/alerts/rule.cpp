#include "alerts/rule.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace lt::alerts {

std::string_view to_string(RuleType type) noexcept {
  switch (type) {
    case RuleType::Threshold: return "threshold";
    case RuleType::Pattern: return "pattern";
    case RuleType::Absence: return "absence";
  }
  return "threshold";
}

std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Critical: return "critical";
  }
  return "warning";
}

std::optional<RuleType> parse_rule_type(std::string_view text) noexcept {
  if (text == "threshold") return RuleType::Threshold;
  if (text == "pattern") return RuleType::Pattern;
  if (text == "absence") return RuleType::Absence;
  return std::nullopt;
}

std::optional<Severity> parse_severity(std::string_view text) noexcept {
  if (text == "info") return Severity::Info;
  if (text == "warning") return Severity::Warning;
  if (text == "critical") return Severity::Critical;
  return std::nullopt;
}

std::variant<MessageTemplate, std::string> MessageTemplate::parse(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, Field>, 8> kFields = {{
      {"name", Field::Name},
      {"count", Field::Count},
      {"group", Field::Group},
      {"query", Field::Query},
      {"window", Field::Window},
      {"severity", Field::Severity},
      {"first_message", Field::FirstMessage},
      {"last_message", Field::LastMessage},
  }};
  MessageTemplate out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      out.parts_.push_back({Field::Literal, std::string(text.substr(pos))});
      break;
    }
    if (open > pos) out.parts_.push_back({Field::Literal, std::string(text.substr(pos, open - pos))});
    std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return fmt::format("unclosed '{{{{' at column {}", open + 1);
    std::string_view key = text.substr(open + 2, close - open - 2);
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    bool known = false;
    for (const auto& [spelling, field] : kFields) {
      if (key == spelling) {
        out.parts_.push_back({field, {}});
        known = true;
        break;
      }
    }
    if (!known) {
      return fmt::format(
          "unknown placeholder '{{{{{}}}}}' at column {}; expected one of name, count, group, query, window, "
          "severity, first_message, last_message",
          key, open + 1);
    }
    pos = close + 2;
  }
  return out;
}

std::string MessageTemplate::render(const TemplateValues& values) const {
  std::string out;
  for (const auto& part : parts_) {
    switch (part.field) {
      case Field::Literal: out += part.literal; break;
      case Field::Name: out += values.name; break;
      case Field::Count: out += std::to_string(values.count); break;
      case Field::Group: out += values.group; break;
      case Field::Query: out += values.query; break;
      case Field::Window: out += values.window; break;
      case Field::Severity: out += values.severity; break;
      case Field::FirstMessage: out += values.first_message; break;
      case Field::LastMessage: out += values.last_message; break;
    }
  }
  return out;
}

namespace {

constexpr std::size_t kMaxGroupByFields = 8;
constexpr Millis kMinWindow{1000};
constexpr Millis kMaxWindow{86'400'000};

Error invalid(const AlertRuleOptions& options, std::string_view key, std::string_view what) {
  return Error::permanent("alerts.invalid_rule", fmt::format("alert rule '{}': {}: {}", options.name, key, what));
}

}  // namespace

std::variant<CompiledRule, Error> CompiledRule::compile(const AlertRuleOptions& options) {
  if (options.name.empty()) return invalid(options, "name", "must not be empty");
  auto compiled = query::Query::compile(options.query);
  if (auto* error = std::get_if<query::QueryError>(&compiled)) {
    return invalid(options, "query", fmt::format("{} (column {})", error->message, error->column));
  }
  switch (options.type) {
    case RuleType::Threshold:
      if (options.threshold < 1) return invalid(options, "threshold", "must be at least 1");
      if (options.window < kMinWindow || options.window > kMaxWindow) {
        return invalid(options, "window", "must be between 1s and 1d");
      }
      break;
    case RuleType::Absence:
      if (options.for_duration < kMinWindow) return invalid(options, "for", "must be at least 1s");
      break;
    case RuleType::Pattern: break;
  }
  if (options.group_by.size() > kMaxGroupByFields) {
    return invalid(options, "group_by", fmt::format("at most {} fields", kMaxGroupByFields));
  }
  for (const auto& field : options.group_by) {
    if (field.empty()) return invalid(options, "group_by", "field names must not be empty");
  }
  if (options.cooldown.count() < 0) return invalid(options, "cooldown", "must not be negative");
  if (options.renotify.count() < 0) return invalid(options, "renotify", "must not be negative");
  auto message = MessageTemplate::parse(options.message);
  if (auto* error = std::get_if<std::string>(&message)) return invalid(options, "message", *error);
  return CompiledRule{options, std::move(std::get<query::Query>(compiled)),
                      std::move(std::get<MessageTemplate>(message))};
}

}  // namespace lt::alerts
