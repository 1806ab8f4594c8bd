// Alert rules: the plain options of one rule (what `consumer.alerts[]` configures)
// and the validated, compiled form (query + message template) the engine evaluates.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "query/query.h"

namespace lt::alerts {

using Millis = std::chrono::milliseconds;

enum class RuleType : std::uint8_t { Threshold, Pattern, Absence };
enum class Severity : std::uint8_t { Info, Warning, Critical };

std::string_view to_string(RuleType type) noexcept;
std::string_view to_string(Severity severity) noexcept;
std::optional<RuleType> parse_rule_type(std::string_view text) noexcept;
std::optional<Severity> parse_severity(std::string_view text) noexcept;

inline constexpr std::string_view kDefaultMessage = "{{name}}: {{count}} events matching {{query}}";

// Defaults are those of the config schema (src/config/schema.cpp, consumer.alerts[]).
struct AlertRuleOptions {
  std::string name;
  RuleType type = RuleType::Threshold;
  std::string query;
  std::uint64_t threshold = 1;      // threshold: matches within `window` that fire
  Millis window{60000};             // threshold: sliding window
  std::vector<std::string> group_by;  // one alert instance per distinct value tuple
  Millis for_duration{0};           // absence: silence that fires (YAML key `for`)
  Severity severity = Severity::Warning;
  Millis cooldown{300000};  // minimum time between two firings of one instance; pattern: quiet time that resolves
  Millis renotify{3600000};  // repeat a still-firing alert this often; 0 = never
  std::map<std::string, std::string> labels;
  std::string message{kDefaultMessage};

  bool operator==(const AlertRuleOptions&) const = default;
};

// The values a message template can cite. Inserted as plain text: escaping is the
// notifier's job (JSON, Slack), never the template's.
struct TemplateValues {
  std::string_view name;
  std::uint64_t count = 0;
  std::string_view group;
  std::string_view query;
  std::string_view window;
  std::string_view severity;
  std::string_view first_message;
  std::string_view last_message;
};

// A message template parsed once: `{{name}}`, `{{count}}`, `{{group}}`, `{{query}}`,
// `{{window}}`, `{{severity}}`, `{{first_message}}`, `{{last_message}}`.
class MessageTemplate {
 public:
  // An unknown placeholder or an unclosed `{{` is an error naming the column.
  static std::variant<MessageTemplate, std::string> parse(std::string_view text);
  std::string render(const TemplateValues& values) const;

 private:
  enum class Field : std::uint8_t { Literal, Name, Count, Group, Query, Window, Severity, FirstMessage, LastMessage };
  struct Part {
    Field field = Field::Literal;
    std::string literal;
  };
  std::vector<Part> parts_;
};

// A rule checked and compiled: what the engine holds.
struct CompiledRule {
  AlertRuleOptions options;
  query::Query query;
  MessageTemplate message;

  // Validates every field; the error (code "alerts.invalid_rule") names the rule and the key.
  static std::variant<CompiledRule, Error> compile(const AlertRuleOptions& options);
};

}  // namespace lt::alerts
