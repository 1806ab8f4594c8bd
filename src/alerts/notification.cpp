#include "alerts/notification.h"

#include <fmt/format.h>

#include "core/json_codec.h"

namespace lt::alerts {

std::string_view to_string(AlertState state) noexcept {
  return state == AlertState::Firing ? "firing" : "resolved";
}

std::string alert_id(std::string_view rule, const GroupValues& group) {
  std::uint64_t hash = 14695981039346656037ull;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  auto mix_sized = [&](std::string_view bytes) {
    auto size = static_cast<std::uint32_t>(bytes.size());
    const char little_endian[4] = {static_cast<char>(size), static_cast<char>(size >> 8),
                                   static_cast<char>(size >> 16), static_cast<char>(size >> 24)};
    mix({little_endian, 4});
    mix(bytes);
  };
  mix_sized(rule);
  for (const auto& [field, value] : group) {
    mix_sized(field);
    mix_sized(value);
  }
  return fmt::format("{:016x}", hash);
}

namespace {

void key(std::string_view name, std::string& out) {
  if (out.back() != '{') out += ',';
  append_json_string(name, out);
  out += ':';
}

void string_field(std::string_view name, std::string_view value, std::string& out) {
  key(name, out);
  append_json_string(value, out);
}

void time_field(std::string_view name, TimestampNs ts, std::string& out) {
  key(name, out);
  if (ts == 0) {
    out += "null";
    return;
  }
  out += '"';
  out += format_rfc3339(ts);
  out += '"';
}

template <typename Map>
void object_field(std::string_view name, const Map& entries, std::string& out) {
  key(name, out);
  out += '{';
  bool first = true;
  for (const auto& [k, v] : entries) {
    if (!first) out += ',';
    first = false;
    append_json_string(k, out);
    out += ':';
    append_json_string(v, out);
  }
  out += '}';
}

// Slack mrkdwn treats <...> as links and mentions; &, < and > must be entities.
std::string slack_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string_view slack_color(const AlertNotification& n) {
  if (n.state == AlertState::Resolved) return "#2eb886";
  switch (n.severity) {
    case Severity::Critical: return "#d00000";
    case Severity::Warning: return "#daa038";
    case Severity::Info: return "#439fe0";
  }
  return "#daa038";
}

}  // namespace

std::string to_json(const AlertNotification& n) {
  std::string out = "{";
  string_field("notification_id", n.notification_id, out);
  string_field("alert_id", n.alert_id, out);
  string_field("state", to_string(n.state), out);
  key("repeat", out);
  out += n.repeat ? "true" : "false";
  string_field("rule", n.rule, out);
  string_field("type", to_string(n.type), out);
  string_field("severity", to_string(n.severity), out);
  object_field("group", n.group, out);
  string_field("group_key", n.group_key, out);
  string_field("query", n.query, out);
  key("count", out);
  out += std::to_string(n.count);
  key("threshold", out);
  out += std::to_string(n.threshold);
  key("window_ms", out);
  out += std::to_string(n.window.count());
  time_field("started_at", n.started_at, out);
  time_field("resolved_at", n.resolved_at, out);
  time_field("sent_at", n.sent_at, out);
  object_field("labels", n.labels, out);
  string_field("message", n.message, out);
  string_field("first_message", n.first_message, out);
  string_field("last_message", n.last_message, out);
  key("sample_event_ids", out);
  out += '[';
  for (std::size_t i = 0; i < n.sample_event_ids.size(); ++i) {
    if (i) out += ',';
    append_json_string(n.sample_event_ids[i], out);
  }
  out += ']';
  if (!n.reason.empty()) string_field("reason", n.reason, out);
  if (!n.undelivered_notifier.empty()) {
    key("undelivered", out);
    out += '{';
    string_field("notifier", n.undelivered_notifier, out);
    string_field("error", n.undelivered_error, out);
    out += '}';
  }
  out += '}';
  return out;
}

std::string to_slack_json(const AlertNotification& n) {
  const bool firing = n.state == AlertState::Firing;
  std::string title = fmt::format("[{}{}] {}{}", firing ? "FIRING" : "RESOLVED", n.repeat ? ", repeat" : "",
                                  n.rule, n.group_key.empty() ? "" : " (" + n.group_key + ")");
  std::string out = "{";
  string_field("text", slack_escape(title + ": " + n.message), out);
  key("attachments", out);
  out += "[{";
  string_field("color", slack_color(n), out);
  string_field("title", slack_escape(title), out);
  string_field("text", slack_escape(n.message), out);
  key("fields", out);
  out += '[';
  auto field = [&](std::string_view name, std::string_view value, bool first = false) {
    if (!first) out += ',';
    out += '{';
    string_field("title", name, out);
    string_field("value", slack_escape(value), out);
    key("short", out);
    out += "true}";
  };
  field("Severity", to_string(n.severity), true);
  field("State", to_string(n.state));
  field("Count", std::to_string(n.count));
  field("Query", n.query);
  for (const auto& [k, v] : n.labels) field(k, v);
  out += ']';
  string_field("footer", fmt::format("logtracer alert {}", n.alert_id), out);
  key("ts", out);
  out += std::to_string((firing ? n.started_at : n.resolved_at) / 1'000'000'000);
  out += "}]}";
  return out;
}

}  // namespace lt::alerts
