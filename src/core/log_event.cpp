#include "core/log_event.h"

namespace lt {

const Attribute* LogEvent::attribute(std::string_view key) const noexcept {
  for (const auto& a : attributes)
    if (a.key == key) return &a;
  return nullptr;
}

Attribute* LogEvent::attribute(std::string_view key) noexcept {
  for (auto& a : attributes)
    if (a.key == key) return &a;
  return nullptr;
}

void LogEvent::set_attribute(std::string_view key, std::string_view value, AttrType type) {
  if (auto* a = attribute(key)) {
    a->value.assign(value);
    a->type = type;
    return;
  }
  attributes.push_back(Attribute{std::string(key), std::string(value), type});
}

void LogEvent::clear() noexcept {
  id.clear();
  timestamp = 0;
  level = Level::Info;
  service.clear();
  environment.clear();
  host.clear();
  source.clear();
  message.clear();
  trace_id.clear();
  span_id.clear();
  attributes.clear();
}

bool lookup_field(const LogEvent& e, std::string_view name, std::string_view& out, std::string& scratch) {
  auto str = [&](const std::string& s) {
    out = s;
    return true;
  };
  if (name == "service" || name == "service_name") return str(e.service);
  if (name == "env" || name == "environment") return str(e.environment);
  if (name == "host" || name == "hostname") return str(e.host);
  if (name == "source") return str(e.source);
  if (name == "message" || name == "msg") return str(e.message);
  if (name == "id") return str(e.id);
  if (name == "trace_id") {
    if (e.trace_id.empty()) return false;
    return str(e.trace_id);
  }
  if (name == "span_id") {
    if (e.span_id.empty()) return false;
    return str(e.span_id);
  }
  if (name == "level") {
    out = to_string(e.level);
    return true;
  }
  if (name == "timestamp") {
    scratch = format_rfc3339(e.timestamp);
    out = scratch;
    return true;
  }
  if (const auto* a = e.attribute(name)) {
    out = a->value;
    return true;
  }
  return false;
}

}  // namespace lt
