#include "core/json_codec.h"

#include <simdjson.h>

#include <emmintrin.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "core/id.h"
#include "core/utf8.h"

namespace lt {


std::string_view to_string(DecodeErrc code) noexcept {
  switch (code) {
    case DecodeErrc::TooLarge: return "decode.too_large";
    case DecodeErrc::NotJson: return "decode.not_json";
    case DecodeErrc::NotObject: return "decode.not_object";
    case DecodeErrc::InvalidUtf8: return "decode.invalid_utf8";
    case DecodeErrc::TooDeep: return "decode.too_deep";
    case DecodeErrc::WrongType: return "decode.wrong_type";
    case DecodeErrc::MissingMessage: return "decode.missing_message";
  }
  return "decode.unknown";
}

std::string DecodeError::message() const {
  std::string s(to_string(code));
  if (!detail.empty()) {
    s += ": ";
    s += detail;
  }
  return s;
}

namespace {

enum class Field { Id, Timestamp, Level, Service, Environment, Host, Source, Message, TraceId, SpanId, Attributes, Other };

struct FieldName {
  std::string_view name;
  Field field;
  bool canonical;  // canonical names win over aliases when both are present
};

constexpr FieldName kFields[] = {
    {"id", Field::Id, true},
    {"timestamp", Field::Timestamp, true},
    {"@timestamp", Field::Timestamp, false},
    {"time", Field::Timestamp, false},
    {"ts", Field::Timestamp, false},
    {"level", Field::Level, true},
    {"severity_level", Field::Level, false},
    {"severity", Field::Level, false},
    {"lvl", Field::Level, false},
    {"loglevel", Field::Level, false},
    {"log.level", Field::Level, false},
    {"service", Field::Service, true},
    {"service_name", Field::Service, false},
    {"service.name", Field::Service, false},
    {"environment", Field::Environment, true},
    {"env", Field::Environment, false},
    {"deployment.environment", Field::Environment, false},
    {"host", Field::Host, true},
    {"hostname", Field::Host, false},
    {"host.name", Field::Host, false},
    {"source", Field::Source, true},
    {"message", Field::Message, true},
    {"msg", Field::Message, false},
    {"log", Field::Message, false},
    {"trace_id", Field::TraceId, true},
    {"traceId", Field::TraceId, false},
    {"trace.id", Field::TraceId, false},
    {"span_id", Field::SpanId, true},
    {"spanId", Field::SpanId, false},
    {"span.id", Field::SpanId, false},
    {"attributes", Field::Attributes, true},
};

// Every key of every record is classified: index the names by (length, first
// byte) so that a key is compared with at most a few candidates, not all 31.
struct FieldIndex {
  std::uint8_t first[24][6] = {};  // by name length: 1 + index into kFields; 0 ends the list
  constexpr FieldIndex() {
    for (std::size_t i = 0; i < std::size(kFields); ++i) {
      bool placed = false;
      for (auto& slot : first[kFields[i].name.size()])
        if (!placed && slot == 0) {
          slot = static_cast<std::uint8_t>(i + 1);
          placed = true;
        }
      if (!placed) throw "FieldIndex: more names of one length than slots";  // fails the constant evaluation
    }
  }
};
constexpr FieldIndex kFieldIndex;

const FieldName* classify(std::string_view key) noexcept {
  if (key.size() >= std::size(kFieldIndex.first)) return nullptr;
  for (const std::uint8_t i : kFieldIndex.first[key.size()]) {
    if (i == 0) return nullptr;
    const FieldName& f = kFields[i - 1];
    if (f.name[0] == key[0] && f.name == key) return &f;
  }
  return nullptr;
}

DecodeErrc classify_simdjson(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::UTF8_ERROR: return DecodeErrc::InvalidUtf8;
    case simdjson::DEPTH_ERROR: return DecodeErrc::TooDeep;
    case simdjson::CAPACITY: return DecodeErrc::TooLarge;
    case simdjson::INCORRECT_TYPE: return DecodeErrc::NotObject;
    default: return DecodeErrc::NotJson;
  }
}

DecodeError make_error(DecodeErrc code, std::string detail) { return DecodeError{code, std::move(detail)}; }

DecodeError from_simdjson(simdjson::error_code e, std::string_view where) {
  std::string d(where);
  if (!d.empty()) d += ": ";
  d += simdjson::error_message(e);
  return make_error(classify_simdjson(e), std::move(d));
}

}  // namespace

// The DOM API dispatches at run time to the best kernel of the CPU (AVX-512,
// AVX2, SSE4.2); On-Demand would be fixed at compile time to the baseline.
struct EventDecoder::Impl {
  DecodeOptions options;
  simdjson::dom::parser parser;
  std::string buffer;  // input copy with SIMDJSON_PADDING bytes of slack
  bool have_canonical[16] = {};
  bool seen[16] = {};
  std::string_view alias_key[16];            // valid until the next parse
  simdjson::dom::element alias_value[16];

  explicit Impl(DecodeOptions o) : options(o), parser(o.max_bytes) {}

  static void read_attribute(std::string_view key, simdjson::dom::element v, Attribute& attr) {
    using T = simdjson::dom::element_type;
    attr.key.assign(key);
    switch (v.type()) {
      case T::STRING:
        attr.value.assign(v.get_string().value_unsafe());
        attr.type = AttrType::String;
        return;
      case T::INT64:
      case T::UINT64: {
        // Integers print as they were written; to_chars skips minify's string builder.
        char buf[24];
        const auto r = v.is_int64() ? std::to_chars(buf, buf + sizeof buf, v.get_int64().value_unsafe())
                                    : std::to_chars(buf, buf + sizeof buf, v.get_uint64().value_unsafe());
        attr.value.assign(buf, static_cast<std::size_t>(r.ptr - buf));
        attr.type = AttrType::Number;
        return;
      }
      case T::DOUBLE:
        attr.value = simdjson::minify(v);
        attr.type = AttrType::Number;
        return;
      case T::BOOL:
        attr.value = v.get_bool().value_unsafe() ? "true" : "false";
        attr.type = AttrType::Bool;
        return;
      case T::NULL_VALUE:
        attr.value.clear();
        attr.type = AttrType::Null;
        return;
      case T::ARRAY:
      case T::OBJECT:
        attr.value = simdjson::minify(v);
        attr.type = AttrType::Raw;
        return;
    }
  }

  // Duplicate keys: the last one wins, as in most JSON readers.
  std::optional<DecodeError> upsert_attribute(std::string_view key, simdjson::dom::element v, LogEvent& out) {
    if (auto* existing = out.attribute(key)) {
      read_attribute(key, v, *existing);
      return std::nullopt;
    }
    if (out.attributes.size() >= options.max_attributes)
      return make_error(DecodeErrc::TooLarge, "more than " + std::to_string(options.max_attributes) + " attributes");
    out.attributes.emplace_back();
    read_attribute(key, v, out.attributes.back());
    return std::nullopt;
  }

  static std::optional<DecodeError> read_string(std::string_view key, simdjson::dom::element v, std::string& out) {
    if (!v.is_string()) return make_error(DecodeErrc::WrongType, "field '" + std::string(key) + "' must be a string");
    out.assign(v.get_string().value_unsafe());
    return std::nullopt;
  }

  std::optional<DecodeError> read_field(const FieldName& f, std::string_view key, simdjson::dom::element v, LogEvent& out) {
    const int slot = static_cast<int>(f.field);
    if (!f.canonical && have_canonical[slot]) {
      // The canonical name was already seen: keep it, but do not lose the alias's value.
      return upsert_attribute(key, v, out);
    }
    if (f.canonical) {
      const bool alias_first = seen[slot] && !have_canonical[slot];
      have_canonical[slot] = true;
      if (alias_first) {
        // An alias filled this field first; the canonical name wins, the alias's value is kept.
        if (auto err = upsert_attribute(alias_key[slot], alias_value[slot], out)) return err;
      }
    } else {
      alias_key[slot] = key;
      alias_value[slot] = v;
    }
    seen[slot] = true;
    switch (f.field) {
      case Field::Id: return read_string(key, v, out.id);
      case Field::Service: return read_string(key, v, out.service);
      case Field::Environment: return read_string(key, v, out.environment);
      case Field::Host: return read_string(key, v, out.host);
      case Field::Source: return read_string(key, v, out.source);
      case Field::Message: return read_string(key, v, out.message);
      case Field::TraceId: return read_string(key, v, out.trace_id);
      case Field::SpanId: return read_string(key, v, out.span_id);
      case Field::Timestamp: {
        if (v.is_number()) {
          out.timestamp = from_epoch_number(v.get_double().value_unsafe());
          return std::nullopt;
        }
        if (!v.is_string())
          return make_error(DecodeErrc::WrongType, "field '" + std::string(key) + "' must be an RFC 3339 string or an epoch number");
        const std::string_view s = v.get_string().value_unsafe();
        if (auto ts = parse_rfc3339(s)) {
          out.timestamp = *ts;
        } else {
          // Numeric strings are epoch numbers; anything else is kept, not lost.
          double d;
          auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
          if (ec == std::errc() && p == s.data() + s.size()) {
            out.timestamp = from_epoch_number(d);
          } else {
            out.set_attribute("original_timestamp", s);
          }
        }
        return std::nullopt;
      }
      case Field::Level: {
        if (v.is_number()) {
          if (auto l = level_from_number(v.get_double().value_unsafe())) out.level = *l;
          return std::nullopt;
        }
        if (!v.is_string())
          return make_error(DecodeErrc::WrongType, "field '" + std::string(key) + "' must be a string or a number");
        const std::string_view s = v.get_string().value_unsafe();
        if (auto l = parse_level(s)) {
          out.level = *l;
        } else {
          out.level = Level::Info;
          out.set_attribute("original_level", s);
        }
        return std::nullopt;
      }
      case Field::Attributes: {
        simdjson::dom::object attrs;
        if (v.get_object().get(attrs)) return make_error(DecodeErrc::WrongType, "field 'attributes' must be an object");
        for (auto [k, mv] : attrs) {
          if (auto err = upsert_attribute(k, mv, out)) return err;
        }
        return std::nullopt;
      }
      case Field::Other: break;
    }
    return std::nullopt;
  }

  std::optional<DecodeError> decode(std::string_view json, LogEvent& out) {
    out.clear();
    std::fill(std::begin(have_canonical), std::end(have_canonical), false);
    std::fill(std::begin(seen), std::end(seen), false);
    if (json.size() > options.max_bytes)
      return make_error(DecodeErrc::TooLarge, std::to_string(json.size()) + " bytes, limit " + std::to_string(options.max_bytes));
    size_t first = 0;
    while (first < json.size() && (json[first] == ' ' || json[first] == '\t' || json[first] == '\n' || json[first] == '\r')) ++first;
    if (first == json.size()) return make_error(DecodeErrc::NotJson, "empty input");

    buffer.assign(json);
    buffer.append(simdjson::SIMDJSON_PADDING, '\0');
    simdjson::dom::element doc;
    if (auto e = parser.parse(buffer.data(), json.size(), false).get(doc)) return from_simdjson(e, "");
    simdjson::dom::object root;
    if (doc.get_object().get(root)) return make_error(DecodeErrc::NotObject, "expected a JSON object");
    for (auto [key, v] : root) {
      if (const FieldName* f = classify(key)) {
        if (auto err = read_field(*f, key, v, out)) return err;
      } else if (auto err = upsert_attribute(key, v, out)) {
        return err;
      }
    }
    if (!seen[static_cast<int>(Field::Message)])
      return make_error(DecodeErrc::MissingMessage, "no 'message', 'msg' or 'log' field");
    return std::nullopt;
  }
};

EventDecoder::EventDecoder(DecodeOptions options) : impl_(std::make_unique<Impl>(options)) {
  if (impl_->parser.allocate(std::max<size_t>(options.max_bytes, 64), options.max_depth) != simdjson::SUCCESS)
    throw std::bad_alloc();
}
EventDecoder::~EventDecoder() = default;
EventDecoder::EventDecoder(EventDecoder&&) noexcept = default;
EventDecoder& EventDecoder::operator=(EventDecoder&&) noexcept = default;

std::optional<DecodeError> EventDecoder::decode(std::string_view json, LogEvent& out) {
  return impl_->decode(json, out);
}

void fill_defaults(LogEvent& event) {
  const TimestampNs now = now_ns();
  if (event.timestamp == 0) event.timestamp = now;
  if (event.id.empty()) event.id = new_event_id(now);
}

namespace {

// Index of the first byte at or after `i` that is not plain printable ASCII (a
// control byte, '"', '\\' or a byte >= 0x80), or `n`. Sixteen bytes at a time:
// as signed bytes, both controls and non-ASCII compare below 0x20.
[[gnu::always_inline]] inline std::size_t skip_plain(const char* p, std::size_t i, std::size_t n) noexcept {
  const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (const int mask = _mm_movemask_epi8(special)) return i + static_cast<std::size_t>(__builtin_ctz(mask));
  }
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return i;
  }
  return n;
}

}  // namespace

void append_json_string(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t start = out.size();
  std::size_t i = skip_plain(s.data(), 0, s.size());
  if (i == s.size()) {
    // Nothing to escape (most keys and values): one copy between the quotes.
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  out.push_back('"');
  bool utf8_checked = false;  // validated once, at the first non-ASCII byte: most log text is ASCII
  size_t run = 0;             // start of the pending run of bytes that need no escaping
  for (; (i = skip_plain(s.data(), i, s.size())) < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (!utf8_checked) {
        if (!is_valid_utf8(s)) {
          // Invalid UTF-8 becomes U+FFFD: emit the repaired text instead.
          out.resize(start);
          std::string repaired;
          append_sanitized_utf8(s, repaired);
          append_json_string(repaired, out);
          return;
        }
        utf8_checked = true;
      }
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {

void append_attribute_value(const Attribute& a, std::string& out) {
  switch (a.type) {
    case AttrType::String: append_json_string(a.value, out); break;
    case AttrType::Number:
    case AttrType::Bool:
    case AttrType::Raw:
      if (a.value.empty()) {
        out.append("null");
      } else {
        out.append(a.value);
      }
      break;
    case AttrType::Null: out.append("null"); break;
  }
}

}  // namespace

namespace {

// Any event, any content: escapes as it goes.
void encode_json_escaping(const LogEvent& e, std::string& out) {
  // One allocation for the usual event: escaping rarely adds more than the slack.
  std::size_t size = 192 + e.id.size() + e.service.size() + e.environment.size() + e.host.size() + e.source.size() +
                     e.message.size() + e.trace_id.size() + e.span_id.size();
  for (const auto& a : e.attributes) size += a.key.size() + a.value.size() + 6;
  out.reserve(out.size() + size);
  out.append("{\"id\":");
  append_json_string(e.id, out);
  out.append(",\"timestamp\":\"");
  char ts[30];
  out.append(ts, format_rfc3339_compact(e.timestamp, ts));
  out.append("\",\"level\":\"");
  out.append(to_string(e.level));
  out.push_back('"');
  out.append(",\"service\":");
  append_json_string(e.service, out);
  out.append(",\"environment\":");
  append_json_string(e.environment, out);
  out.append(",\"host\":");
  append_json_string(e.host, out);
  out.append(",\"source\":");
  append_json_string(e.source, out);
  out.append(",\"message\":");
  append_json_string(e.message, out);
  if (!e.trace_id.empty()) {
    out.append(",\"trace_id\":");
    append_json_string(e.trace_id, out);
  }
  if (!e.span_id.empty()) {
    out.append(",\"span_id\":");
    append_json_string(e.span_id, out);
  }
  if (!e.attributes.empty()) {
    out.append(",\"attributes\":{");
    bool first = true;
    for (const auto& a : e.attributes) {
      if (!first) out.push_back(',');
      first = false;
      append_json_string(a.key, out);
      out.push_back(':');
      append_attribute_value(a, out);
    }
    out.push_back('}');
  }
  out.push_back('}');
}

constexpr std::string_view kHead = "{\"id\":\"", kTs = "\",\"timestamp\":\"", kLevel = "\",\"level\":\"",
                           kService = "\",\"service\":\"", kEnv = "\",\"environment\":\"", kHost = "\",\"host\":\"",
                           kSource = "\",\"source\":\"", kMessage = "\",\"message\":\"",
                           kTrace = "\",\"trace_id\":\"", kSpan = "\",\"span_id\":\"", kAttrs = "\",\"attributes\":{",
                           kNull = "null";
}  // namespace

std::size_t encoded_size_hint(const LogEvent& e) noexcept {
  std::size_t size = kHead.size() + e.id.size() + kTs.size() + rfc3339_compact_size(e.timestamp) + kLevel.size() +
                     to_string(e.level).size() + kService.size() + e.service.size() + kEnv.size() +
                     e.environment.size() + kHost.size() + e.host.size() + kSource.size() + e.source.size() +
                     kMessage.size() + e.message.size() + 2;
  if (!e.trace_id.empty()) size += kTrace.size() + e.trace_id.size();
  if (!e.span_id.empty()) size += kSpan.size() + e.span_id.size();
  if (!e.attributes.empty()) {
    size += kAttrs.size() - 1;  // the message's closing quote is part of kAttrs
    for (const auto& a : e.attributes) {
      size += a.key.size() + 4;  // "key": and a comma or the closing brace
      const bool quoted = a.type == AttrType::String;
      const bool null = a.type == AttrType::Null || (!quoted && a.value.empty());
      size += null ? kNull.size() : a.value.size() + (quoted ? 2 : 0);
    }
  }
  return size;
}

namespace {
// The usual event, whose strings need no escaping: measured exactly, then
// written with one resize and plain copies. False (nothing written) otherwise.
bool encode_json_plain(const LogEvent& e, std::string& out) {
  auto plain = [](std::string_view v) { return skip_plain(v.data(), 0, v.size()) == v.size(); };
  if (!plain(e.id) || !plain(e.service) || !plain(e.environment) || !plain(e.host) || !plain(e.source) ||
      !plain(e.message) || !plain(e.trace_id) || !plain(e.span_id))
    return false;
  for (const auto& a : e.attributes)
    if (!plain(a.key) || (a.type == AttrType::String && !plain(a.value))) return false;
  const std::string_view level = to_string(e.level);
  const std::size_t size = encoded_size_hint(e);
  const std::size_t base = out.size();
  out.resize(base + size);
  char* p = out.data() + base;
  auto put = [&p](std::string_view v) {
    std::memcpy(p, v.data(), v.size());
    p += v.size();
  };
  put(kHead);
  put(e.id);
  put(kTs);
  p += format_rfc3339_compact(e.timestamp, p);
  put(kLevel);
  put(level);
  put(kService);
  put(e.service);
  put(kEnv);
  put(e.environment);
  put(kHost);
  put(e.host);
  put(kSource);
  put(e.source);
  put(kMessage);
  put(e.message);
  if (!e.trace_id.empty()) {
    put(kTrace);
    put(e.trace_id);
  }
  if (!e.span_id.empty()) {
    put(kSpan);
    put(e.span_id);
  }
  if (e.attributes.empty()) {
    *p++ = '"';
  } else {
    put(kAttrs);
    bool first = true;
    for (const auto& a : e.attributes) {
      if (!first) *p++ = ',';
      first = false;
      *p++ = '"';
      put(a.key);
      *p++ = '"';
      *p++ = ':';
      if (a.type == AttrType::String) {
        *p++ = '"';
        put(a.value);
        *p++ = '"';
      } else if (a.type == AttrType::Null || a.value.empty()) {
        put(kNull);
      } else {
        put(a.value);
      }
    }
    *p++ = '}';
  }
  *p++ = '}';
  return true;
}

}  // namespace

void encode_json(const LogEvent& e, std::string& out) {
  if (!encode_json_plain(e, out)) encode_json_escaping(e, out);
}

std::string to_json(const LogEvent& event) {
  std::string s;
  encode_json(event, s);
  return s;
}

FitResult encode_json_within(LogEvent& event, std::string& out, std::size_t max_bytes) {
  const std::size_t base = out.size();
  encode_json(event, out);
  const std::size_t total = out.size() - base;
  if (total <= max_bytes) return FitResult::Fits;
  // Escaping makes a message byte cost 1 to 6 output bytes, so find the longest
  // head of the message whose JSON string fits the room the other fields leave
  // (a binary search that encodes only the message: rare events, bounded work).
  std::string scratch;
  auto encoded_size = [&scratch](std::string_view text) {
    scratch.clear();
    append_json_string(text, scratch);
    return scratch.size();
  };
  std::string message = std::move(event.message);
  const std::size_t others = total - encoded_size(message);
  constexpr std::size_t kFlagRoom = 32;  // ,"truncated":true
  if (others + kFlagRoom + 2 <= max_bytes) {
    const std::size_t room = max_bytes - others - kFlagRoom;
    std::size_t lo = 0, hi = message.size();  // invariant: a head of lo bytes fits
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo + 1) / 2;
      if (encoded_size(truncate_utf8(message, mid)) <= room) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    const Attribute* flag = event.attribute("truncated");
    const std::optional<Attribute> prior_flag = flag ? std::optional<Attribute>(*flag) : std::nullopt;
    event.message.assign(truncate_utf8(message, lo));
    event.set_attribute("truncated", "true", AttrType::Bool);
    out.resize(base);
    encode_json(event, out);
    if (out.size() - base <= max_bytes) return FitResult::Truncated;
    if (prior_flag) {
      event.set_attribute(prior_flag->key, prior_flag->value, prior_flag->type);
    } else {
      std::erase_if(event.attributes, [](const Attribute& a) { return a.key == "truncated"; });
    }
  }
  // Other fields alone are too big: give the event back as it was.
  event.message = std::move(message);
  out.resize(base);
  encode_json(event, out);
  return FitResult::TooLarge;
}

}  // namespace lt
