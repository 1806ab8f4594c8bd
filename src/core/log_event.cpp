#include "core/log_event.h"

namespace lt {

namespace {

bool same_key(const std::string& a, std::string_view b) noexcept {
  // The first byte decides most mismatches without a call to memcmp.
  return a.size() == b.size() && (b.empty() || (a[0] == b[0] && a.compare(b) == 0));
}

}  // namespace

const Attribute* LogEvent::attribute(std::string_view key) const noexcept {
  for (const auto& a : attributes)
    if (same_key(a.key, key)) return &a;
  return nullptr;
}

Attribute* LogEvent::attribute(std::string_view key) noexcept {
  for (auto& a : attributes)
    if (same_key(a.key, key)) return &a;
  return nullptr;
}

namespace {
// Attributes of events this thread cleared, kept with their strings' heap
// buffers: a reused event gets its attributes back from here instead of freeing
// and allocating them again on every line (values like a logger name are
// longer than the small-string buffer). Bounded; per thread, so no locking.
constexpr std::size_t kSpareAttributes = 64;
thread_local std::vector<Attribute> spare_attributes;

void recycle_attributes(std::vector<Attribute>& attributes) noexcept {
  if (!attributes.empty() && spare_attributes.capacity() < kSpareAttributes) {
    try {
      spare_attributes.reserve(kSpareAttributes);  // once per thread: push_back below never allocates
    } catch (...) {
      attributes.clear();  // only a cache: clear() frees them instead
      return;
    }
  }
  for (auto& a : attributes) {
    if (spare_attributes.size() == kSpareAttributes) break;
    spare_attributes.push_back(std::move(a));
  }
  attributes.clear();
}
}  // namespace

void LogEvent::set_attribute(std::string_view key, std::string_view value, AttrType type) {
  if (auto* a = attribute(key)) {
    a->value.assign(value);
    a->type = type;
    return;
  }
  if (!spare_attributes.empty()) {
    Attribute& a = attributes.emplace_back(std::move(spare_attributes.back()));
    spare_attributes.pop_back();
    a.key.assign(key);
    a.value.assign(value);
    a.type = type;
    return;
  }
  // Built in place: no temporary Attribute to move from (and free).
  Attribute& a = attributes.emplace_back();
  a.key.append(key.data(), key.size());  // append to an empty string: the shortest path in libstdc++
  a.value.append(value.data(), value.size());
  a.type = type;
}

namespace {
// Every field but the source's context (service, environment, host, source).
void clear_content(LogEvent& e) noexcept {
  e.id.clear();
  e.timestamp = 0;
  e.level = Level::Info;
  e.message.clear();
  e.trace_id.clear();
  e.span_id.clear();
  recycle_attributes(e.attributes);
}
}  // namespace

void LogEvent::clear() noexcept {
  clear_content(*this);
  service.clear();
  environment.clear();
  host.clear();
  source.clear();
}

void LogEvent::reset(std::string_view service_, std::string_view environment_, std::string_view host_,
                     std::string_view source_) {
  auto keep_or_assign = [](std::string& field, std::string_view value) {
    if (field != value) field.assign(value);
  };
  clear_content(*this);
  keep_or_assign(service, service_);
  keep_or_assign(environment, environment_);
  keep_or_assign(host, host_);
  keep_or_assign(source, source_);
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
