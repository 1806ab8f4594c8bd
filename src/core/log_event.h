// The one event type that flows through every stage, and its free attributes.
// Fields are owned strings; the hot path reuses events rather than reallocating.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/level.h"
#include "core/time.h"

namespace lt {

// The JSON type an attribute had on the wire. Number keeps its text as written
// (so no precision is lost); Raw holds a nested object/array as compact JSON.
enum class AttrType : std::uint8_t { String, Number, Bool, Null, Raw };

struct Attribute {
  std::string key;
  std::string value;
  AttrType type = AttrType::String;

  bool operator==(const Attribute&) const = default;
};

struct LogEvent {
  std::string id;             // unique, assigned at ingestion (ULID: sortable by time)
  TimestampNs timestamp = 0;  // UTC, nanoseconds since the epoch
  Level level = Level::Info;
  std::string service;
  std::string environment;
  std::string host;
  std::string source;         // where it was read: "file:/var/log/app.log", "syslog:udp", ...
  std::string message;
  std::string trace_id;
  std::string span_id;
  std::vector<Attribute> attributes;

  // Linear scan: events carry few attributes, and a scan beats a hash map there.
  const Attribute* attribute(std::string_view key) const noexcept;
  Attribute* attribute(std::string_view key) noexcept;
  // Sets (replacing) an attribute.
  void set_attribute(std::string_view key, std::string_view value, AttrType type = AttrType::String);
  // Clears every field but keeps capacity, for reuse on the hot path.
  void clear() noexcept;
  // clear(), then the context a source stamps on every event. A reused event
  // nearly always holds the same context already: each is copied only when it differs.
  void reset(std::string_view service_, std::string_view environment_, std::string_view host_,
             std::string_view source_);

  bool operator==(const LogEvent&) const = default;
};

// A top-level field of the event by its canonical name or alias ("service",
// "env", "level", ...), or an attribute. Returns false when absent. `level`
// and `timestamp` are returned in canonical text form via `scratch`.
bool lookup_field(const LogEvent& event, std::string_view name, std::string_view& out,
                  std::string& scratch);

}  // namespace lt
