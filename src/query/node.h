// Internal: the compiled form of a query, shared by the parser (which builds
// it) and the evaluator (which optimises and runs it). Not a public API.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/log_event.h"
#include "query/query.h"
#include "query/text_search.h"

namespace lt::query::detail {

// Each regex may use this much memory (RE2 bounds its program and DFA cache by it).
inline constexpr std::int64_t kRegexMaxMemory = 4 << 20;
inline constexpr int kMaxRegexProgramSize = 20000;
inline constexpr int kMaxRegexes = 16;

enum class Kind : std::uint8_t {
  All,           // matches every event
  None,          // matches no event
  And,
  Or,
  Not,
  LevelIn,       // level_mask has the event's level bit
  Exists,        // field is present
  FieldText,     // glob on a field's whole text
  FieldNumber,   // numeric comparison on a field's text
  FieldTime,     // timestamp comparison
  FieldRegex,    // RE2 partial match on a field
  MessageText,   // glob anywhere in the message (substrings, phrases)
  MessageRegex,  // RE2 partial match on the message
};

enum class Cmp : std::uint8_t { Lt, Le, Gt, Ge };

enum class FieldId : std::uint8_t {
  Service, Environment, Host, Source, Message, Id, TraceId, SpanId, Level, Timestamp, Attribute
};

// A field resolved once at compile time, so evaluation never compares names
// of event fields and never allocates (lookup_field formats timestamps into a string).
struct FieldRef {
  FieldId id = FieldId::Message;
  std::string name;  // as written; the attribute key when id == Attribute
};

FieldRef resolve_field(std::string_view name);

// Room for a formatted RFC 3339 timestamp.
struct TimestampText {
  char bytes[40];
};

// The field's text, false when absent; same presence rules as lt::lookup_field.
bool field_text(const FieldRef& field, const LogEvent& event, std::string_view& out,
                TimestampText& scratch) noexcept;
// `exists:` is stricter for the event's own text fields: they count only when non-empty.
bool field_exists(const FieldRef& field, const LogEvent& event) noexcept;

struct Node {
  Kind kind = Kind::All;
  Cmp cmp = Cmp::Ge;
  std::uint8_t level_mask = 0;
  std::uint32_t column = 0;  // where the term starts, 1-based
  std::uint32_t cost = 0;    // estimated evaluation cost, for ordering children
  FieldRef field;
  Glob glob;
  double number = 0;
  TimestampNs time = 0;
  std::unique_ptr<const RE2> regex;
  std::vector<Node> children;
};

inline constexpr std::uint8_t kAllLevels = (1u << kLevelCount) - 1;

// Parses `text` into an unoptimised tree.
std::variant<Node, QueryError> parse(std::string_view text);

}  // namespace lt::query::detail
