// The canonical JSON wire format of LogEvent (docs/event-format.md): a fast,
// tolerant decoder (simdjson On-Demand, common aliases accepted) and an
// allocation-light encoder that always emits valid UTF-8 JSON.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/log_event.h"

namespace lt {

enum class DecodeErrc {
  TooLarge,        // input over DecodeOptions::max_bytes
  NotJson,         // not parseable as JSON (or trailing garbage)
  NotObject,       // valid JSON, but not an object
  InvalidUtf8,     // bytes are not UTF-8
  TooDeep,         // nesting beyond DecodeOptions::max_depth
  WrongType,       // a known field has the wrong JSON type ("service": 42)
  MissingMessage,  // no message / msg / log field
};

std::string_view to_string(DecodeErrc code) noexcept;

struct DecodeError {
  DecodeErrc code;
  std::string detail;  // which field, which byte, which limit
  // "decode.not_json: expected a JSON object (TAPE_ERROR at byte 12)"
  std::string message() const;
};

struct DecodeOptions {
  size_t max_bytes = 1 << 20;
  size_t max_depth = 32;
  size_t max_attributes = 1024;  // bounds the work a hostile object with many keys can cause
};

// Not thread-safe: one decoder per thread (it owns a simdjson parser and buffer).
class EventDecoder {
 public:
  explicit EventDecoder(DecodeOptions options = {});
  ~EventDecoder();
  EventDecoder(EventDecoder&&) noexcept;
  EventDecoder& operator=(EventDecoder&&) noexcept;

  // Decodes one JSON object into `out` (cleared first). Fields absent from the
  // input stay empty/zero; call fill_defaults() to assign an id and a time.
  std::optional<DecodeError> decode(std::string_view json, LogEvent& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Assigns an id and the current time to an event that lacks them.
void fill_defaults(LogEvent& event);

// Appends the canonical JSON of `event` to `out`.
void encode_json(const LogEvent& event, std::string& out);
std::string to_json(const LogEvent& event);
// The size of encode_json's output for an event that needs no escaping, and a
// lower bound otherwise: what to reserve before encoding many events end to end.
std::size_t encoded_size_hint(const LogEvent& event) noexcept;

// Appends the JSON of `event` to `out` in at most `max_bytes` (Kafka's
// message.max.bytes): a longer event gets its message cut on a UTF-8 boundary and
// the attribute `truncated: true`, like a line cut at max_line_bytes. TooLarge: even
// an empty message would not fit (other fields are that big); `out` then holds
// the full encoding and `event` is unchanged.
enum class FitResult : std::uint8_t { Fits, Truncated, TooLarge };
FitResult encode_json_within(LogEvent& event, std::string& out, std::size_t max_bytes);

// Appends `s` as a JSON string literal (quotes included), escaping as needed and
// replacing invalid UTF-8 with U+FFFD.
void append_json_string(std::string_view s, std::string& out);

}  // namespace lt
