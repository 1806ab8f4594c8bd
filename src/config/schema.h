// The config schema: one row per key, the single source for parsing, validation,
// reload diffing, secret masking and docs/configuration.md. Add a key here and everything follows.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include "config/config.h"
#include "config/value.h"
#include "core/url_redact.h"

namespace lt::config {

enum class KeyType { String, Int, Uint, Double, Bool, Duration, Size, Enum, StringList, StringMap, Object, ObjectList };

// "string", "duration", "list<object>"...
std::string_view type_name(KeyType type);

// A key that only applies when a sibling key of the same object has one of `values`
// (e.g. `paths` only when `type: file`).
struct Condition {
  std::string key;
  std::vector<std::string> values;
};

struct KeyRow {
  std::string path;  // dotted; list items as "[]": "producer.sources[].paths"
  KeyType type = KeyType::String;
  std::string default_text;  // parsed under `type` ("" = empty/zero); shown in the docs
  std::string default_doc;   // docs text when the default is computed (e.g. depends on `type`)
  std::string description;
  std::vector<std::string> enum_values;  // canonical spellings; matching is case-insensitive
  std::optional<double> min, max;        // base units: milliseconds for durations, bytes for sizes
  bool secret = false;                   // never printed; accepts "file:/path"
  std::optional<UrlSecrecy> url;         // a URL: printed with its credentials masked
  bool required = false;
  bool unique = false;  // within its list: no two items share the value
  std::optional<Condition> only_when;
  // Extra syntax check on the parsed value; returns an error message, "" when fine.
  std::function<std::string(const Value&)> check;

  // Storage, type-erased: `owner` is Config, or the item struct of the nearest enclosing list.
  std::type_index owner = typeid(void);
  std::function<void(void* owner, const Value&)> set;
  std::function<Value(const void* owner)> get;

  // list<object> rows only.
  std::type_index item = typeid(void);
  std::function<void*(void* owner)> append;
  std::function<std::size_t(const void* owner)> count;
  std::function<const void*(const void* owner, std::size_t index)> at;
  // Computed defaults once an item is read (e.g. `parser` from `type`); may report problems.
  std::function<void(void* item, std::vector<std::string>& problems)> finish;

  // Builder modifiers used by the table.
  KeyRow&& range(std::optional<double> lo, std::optional<double> hi) && {
    min = lo;
    max = hi;
    return std::move(*this);
  }
  KeyRow&& values(std::vector<std::string> v) && {
    enum_values = std::move(v);
    return std::move(*this);
  }
  KeyRow&& is_secret() && {
    secret = true;
    return std::move(*this);
  }
  KeyRow&& is_url(UrlSecrecy secrecy) && {
    url = secrecy;
    return std::move(*this);
  }
  KeyRow&& is_required() && {
    required = true;
    return std::move(*this);
  }
  KeyRow&& is_unique() && {
    unique = true;
    return std::move(*this);
  }
  KeyRow&& when(std::string key, std::vector<std::string> vals) && {
    only_when = Condition{std::move(key), std::move(vals)};
    return std::move(*this);
  }
  KeyRow&& checked(std::function<std::string(const Value&)> fn) && {
    check = std::move(fn);
    return std::move(*this);
  }
  KeyRow&& doc_default(std::string text) && {
    default_doc = std::move(text);
    return std::move(*this);
  }

  bool is_container() const { return type == KeyType::Object || type == KeyType::ObjectList; }
};

// The whole table, in document order.
const std::vector<KeyRow>& schema();

// Lookups over the table.
class SchemaIndex {
 public:
  explicit SchemaIndex(const std::vector<KeyRow>& rows);
  // Rows with exactly this path (several when types share a key name, e.g. `listen`).
  std::vector<const KeyRow*> rows_at(std::string_view path) const;
  // Leaf names of the keys directly under `parent` ("" = top level; "producer.sources[]").
  const std::vector<std::string>& child_names(std::string_view parent) const;
  // Rows whose parent is `parent`.
  std::vector<const KeyRow*> children(std::string_view parent) const;
  // Default value of a non-container row, parsed from its default_text.
  const Value& default_value(const KeyRow& row) const;

 private:
  std::multimap<std::string, const KeyRow*, std::less<>> by_path_;
  std::map<std::string, std::vector<std::string>, std::less<>> child_names_;
  std::map<std::string, std::vector<const KeyRow*>, std::less<>> children_;
  std::map<const KeyRow*, Value> defaults_;
};
const SchemaIndex& schema_index();

// "producer.sources[].paths" -> "producer.sources[]"; "kafka.brokers" -> "kafka"; "kafka" -> "".
std::string_view parent_path(std::string_view path);
// "producer.sources[].paths" -> "paths".
std::string_view leaf_name(std::string_view path);
// The list scope a row's owner lives in: "producer.sources[]" or "" for Config.
std::string_view owner_scope(std::string_view path);

// Parses the text of a scalar (or, for list/map types, a YAML flow value) under the row's type,
// without range checks. Returns the value or sets `error` to "expected ..., got ...".
std::optional<Value> parse_text(const KeyRow& row, std::string_view text, std::string& error);

// A bound or value in the unit of `type`: "250ms" for durations, "64MiB" for sizes, "1000" otherwise.
std::string format_amount(KeyType type, double value);

// Sets every default of the rows owned by `scope` on `owner` (Config for "").
void apply_defaults(std::string_view scope, void* owner);

// The type-specific default of `parser` for a source `type`.
std::string default_parser_for(std::string_view source_type);

}  // namespace lt::config
