#include "parsers/well_known_fields.h"

#include "parsers/scan.h"

namespace lt::parsers {

namespace {

struct Name {
  std::string_view name;
  WellKnown field;
};

constexpr Name kNames[] = {
    {"timestamp", WellKnown::Timestamp}, {"ts", WellKnown::Timestamp},      {"@timestamp", WellKnown::Timestamp},
    {"datetime", WellKnown::Timestamp},  {"date", WellKnown::Date},         {"time", WellKnown::Time},
    {"level", WellKnown::Level},         {"lvl", WellKnown::Level},         {"severity", WellKnown::Level},
    {"loglevel", WellKnown::Level},      {"message", WellKnown::Message},   {"msg", WellKnown::Message},
    {"service", WellKnown::Service},     {"service_name", WellKnown::Service}, {"env", WellKnown::Environment},
    {"environment", WellKnown::Environment}, {"host", WellKnown::Host},     {"hostname", WellKnown::Host},
    {"trace_id", WellKnown::TraceId},    {"traceId", WellKnown::TraceId},   {"span_id", WellKnown::SpanId},
    {"spanId", WellKnown::SpanId},
};

}  // namespace

WellKnown classify_field_name(std::string_view name) noexcept {
  for (const auto& n : kNames)
    if (n.name == name) return n.field;
  return WellKnown::None;
}

void assign_well_known(LogEvent& out, WellKnown field, std::string_view value) {
  switch (field) {
    case WellKnown::Timestamp: apply_timestamp_text(out, value); return;
    case WellKnown::Level: apply_level_text(out, value); return;
    case WellKnown::Message: out.message.assign(value); return;
    case WellKnown::Service: out.service.assign(value); return;
    case WellKnown::Environment: out.environment.assign(value); return;
    case WellKnown::Host: out.host.assign(value); return;
    case WellKnown::TraceId: out.trace_id.assign(value); return;
    case WellKnown::SpanId: out.span_id.assign(value); return;
    case WellKnown::None:
    case WellKnown::Date:
    case WellKnown::Time: return;
  }
}

}  // namespace lt::parsers
