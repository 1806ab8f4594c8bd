// Which user-chosen names (logfmt keys, regex group names) mean an event field
// rather than an attribute. One table, so logfmt and regex agree.
#pragma once

#include <string_view>

#include "core/log_event.h"

namespace lt::parsers {

enum class WellKnown { None, Timestamp, Date, Time, Level, Message, Service, Environment, Host, TraceId, SpanId };

// `date` and `time` are separate so that a regex may capture them apart; logfmt
// treats `time` as a whole timestamp (see the callers).
WellKnown classify_field_name(std::string_view name) noexcept;

// Assigns a field value (Timestamp/Level parse with fallback to original_*),
// a no-op for None, Date and Time.
void assign_well_known(LogEvent& out, WellKnown field, std::string_view value);

}  // namespace lt::parsers
