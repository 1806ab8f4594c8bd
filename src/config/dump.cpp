// dump_yaml: the effective configuration, walked through the schema table so that every key
// appears and every secret is masked by the same row flag that the loader uses.
#include <yaml-cpp/yaml.h>

#include "config/load.h"
#include "core/secret_names.h"
#include "core/url_redact.h"
#include "config/schema.h"

namespace lt::config {
namespace {

constexpr const char* kMask = "***";

// The loader substitutes ${...}; "$$" keeps a literal '$' through a reload of the dump.
std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '$') out += '$';
  }
  return out;
}

std::string shown(const KeyRow& row, const std::string& text) {
  if (row.secret && !text.empty()) return kMask;
  return escaped(row.url ? redact_url(text, *row.url) : text);
}

void emit_value(YAML::Emitter& out, const KeyRow& row, const Value& value) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          out << YAML::Null;
        } else if constexpr (std::is_same_v<V, std::string>) {
          out << shown(row, v);
        } else if constexpr (std::is_same_v<V, std::uint64_t>) {
          if (row.type == KeyType::Size) {
            out << format_size(v);
          } else {
            out << v;
          }
        } else if constexpr (std::is_same_v<V, Duration>) {
          out << format_duration(v);
        } else if constexpr (std::is_same_v<V, StringList>) {
          out << YAML::Flow << YAML::BeginSeq;
          for (const auto& item : v) out << shown(row, item);
          out << YAML::EndSeq;
        } else if constexpr (std::is_same_v<V, StringMap>) {
          out << YAML::BeginMap;
          // A free-form map (kafka.properties, static fields) may hold a credential under its own name.
          for (const auto& [key, item] : v)
            out << YAML::Key << key << YAML::Value
                << (looks_secret(key) && !item.empty() ? std::string(kMask) : shown(row, item));
          out << YAML::EndMap;
        } else if constexpr (std::is_same_v<V, bool>) {
          out << YAML::TrueFalseBool << v;
        } else {
          out << v;
        }
      },
      value);
}

// Whether a conditional row applies to `owner`, judged from the owner's own discriminator value.
bool applies_to(const KeyRow& row, const void* owner) {
  if (!row.only_when) return true;
  std::string scope(owner_scope(row.path));
  auto discriminators = schema_index().rows_at(scope + "." + row.only_when->key);
  if (discriminators.empty()) return true;
  Value value = discriminators.front()->get(owner);
  const auto* text = std::get_if<std::string>(&value);
  if (text == nullptr) return true;
  for (const auto& allowed : row.only_when->values) {
    if (allowed == *text) return true;
  }
  return false;
}

void emit_map(YAML::Emitter& out, std::string_view parent, const void* owner) {
  out << YAML::BeginMap;
  for (const KeyRow* row : schema_index().children(parent)) {
    if (!applies_to(*row, owner)) continue;
    out << YAML::Key << std::string(leaf_name(row->path)) << YAML::Value;
    if (row->type == KeyType::Object) {
      emit_map(out, row->path, owner);
    } else if (row->type == KeyType::ObjectList) {
      out << YAML::BeginSeq;
      for (std::size_t i = 0; i < row->count(owner); ++i) emit_map(out, row->path + "[]", row->at(owner, i));
      out << YAML::EndSeq;
    } else {
      emit_value(out, *row, row->get(owner));
    }
  }
  out << YAML::EndMap;
}

}  // namespace

std::string dump_yaml(const Config& config) {
  YAML::Emitter out;
  emit_map(out, "", &config);
  return std::string(out.c_str()) + "\n";
}

}  // namespace lt::config
