// One alert notification (a firing, repeat or resolved state change of one alert
// instance) and its wire forms: the logtracer JSON payload and a Slack-compatible message.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/rule.h"
#include "core/time.h"

namespace lt::alerts {

enum class AlertState : std::uint8_t { Firing, Resolved };
std::string_view to_string(AlertState state) noexcept;

using GroupValues = std::vector<std::pair<std::string, std::string>>;

struct AlertNotification {
  std::string notification_id;  // unique per notification (ULID); a retried delivery keeps it
  std::string alert_id;         // stable: alert_id(rule, group); receivers de-duplicate on it
  AlertState state = AlertState::Firing;
  bool repeat = false;  // a re-notification of an alert that is still firing
  std::string rule;
  RuleType type = RuleType::Threshold;
  Severity severity = Severity::Warning;
  GroupValues group;      // group_by field -> value, in group_by order
  std::string group_key;  // "service=checkout,env=prod" (for people); empty without group_by
  std::string query;
  std::uint64_t count = 0;      // threshold: matches in window; pattern: matches since it fired; absence: 0
  std::uint64_t threshold = 0;  // threshold rules only
  Millis window{0};             // threshold: window; absence: `for`; pattern: cooldown
  TimestampNs started_at = 0;   // when this alert instance fired
  TimestampNs resolved_at = 0;  // 0 while firing
  TimestampNs sent_at = 0;      // engine time of this notification
  std::map<std::string, std::string> labels;
  std::string message;  // the rendered template, plain text
  std::string first_message;
  std::string last_message;
  std::vector<std::string> sample_event_ids;  // first of the episode, then the most recent
  std::string reason;  // resolved only: "condition_cleared", "rule_changed", "rule_removed"

  // Set only on the copy handed to fallback notifiers when a notifier finally failed.
  std::string undelivered_notifier;
  std::string undelivered_error;
};

// Hex of a 64-bit FNV-1a over the rule name and the length-prefixed group fields and
// values: the same in every process and release, so a receiver can de-duplicate
// across consumers and restarts, and no crafted value can take another group's id.
std::string alert_id(std::string_view rule, const GroupValues& group);

// The logtracer payload (docs/alerts.md "Payload"). Always valid UTF-8 JSON.
std::string to_json(const AlertNotification& notification);
// {"text": ..., "attachments": [...]} for Slack incoming webhooks; log text is
// escaped for Slack's mrkdwn (&, <, >) so it cannot ping @channel or forge links.
std::string to_slack_json(const AlertNotification& notification);

}  // namespace lt::alerts
