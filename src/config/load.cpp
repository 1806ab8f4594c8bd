#include "config/load.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "config/builtin_checks.h"
#include "config/schema.h"
#include "core/utf8.h"

namespace lt::config {
namespace {

// Text from the file echoed in a message: bounded, printable, valid UTF-8.
std::string quoted(std::string_view text) {
  std::string out = "'";
  std::string clean;
  append_sanitized_utf8(truncate_utf8(text, 80), clean);
  for (unsigned char c : clean) {
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > 80) out += "...";
  return out + "'";
}

std::string join_path(std::string_view prefix, std::string_view leaf) {
  return prefix.empty() ? std::string(leaf) : std::string(prefix) + "." + std::string(leaf);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string or_list(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += i + 1 == values.size() ? " or " : ", ";
    out += values[i];
  }
  return out;
}

std::optional<double> numeric(const Value& value) {
  if (auto v = std::get_if<std::int64_t>(&value)) return static_cast<double>(*v);
  if (auto v = std::get_if<std::uint64_t>(&value)) return static_cast<double>(*v);
  if (auto v = std::get_if<double>(&value)) return *v;
  if (auto v = std::get_if<Duration>(&value)) return static_cast<double>(v->count());
  return std::nullopt;
}

enum class Applies { Yes, No, Unknown };

class Walker {
 public:
  Walker(Diagnostics& diags, const EnvLookup& env) : diags_(diags), index_(schema_index()), env_(env) {}

  void walk_root(const YAML::Node& root, Config& config) {
    if (root.IsNull()) return;
    if (!root.IsMap()) {
      error(root.Mark(), "the top level must be a mapping with the sections kafka, producer, consumer, dashboard");
      return;
    }
    walk_map(root, "", "", &config, nullptr);
  }

 private:
  void error(const YAML::Mark& mark, std::string message) {
    if (mark.is_null()) {
      diags_.add(Severity::Error, 0, 0, std::move(message));
    } else {
      diags_.add(Severity::Error, mark.line + 1, mark.column + 1, std::move(message));
    }
  }

  void record(const std::string& instance_path, const YAML::Mark& mark) {
    if (!mark.is_null()) diags_.record_position(instance_path, mark.line + 1, mark.column + 1);
  }

  static YAML::Mark mark_of(const YAML::Node& value, const YAML::Node& key) {
    YAML::Mark mark = value.Mark();
    return mark.is_null() ? key.Mark() : mark;
  }

  // The value of sibling `key` in the list item being read, as written (lower-cased).
  std::optional<std::string> sibling_text(const YAML::Node* item, const std::string& key) const {
    if (item == nullptr) return std::nullopt;
    // yaml-cpp iterators yield temporaries: copy the pair, never bind a reference into it.
    for (const auto& pair : *item) {
      if (pair.first.IsScalar() && pair.first.Scalar() == key) {
        if (!pair.second.IsScalar()) return std::string("\x01");  // present but unusable
        return lower(pair.second.Scalar());
      }
    }
    return std::nullopt;
  }

  // Whether `row` applies, given the discriminator key of the enclosing list item.
  Applies applies(const KeyRow& row, const YAML::Node* item, std::string& actual) const {
    if (!row.only_when) return Applies::Yes;
    const auto& cond = *row.only_when;
    std::string scope(owner_scope(row.path));
    auto discriminators = index_.rows_at(scope + "." + cond.key);
    if (discriminators.empty()) return Applies::Unknown;
    const KeyRow& discriminator = *discriminators.front();
    auto text = sibling_text(item, cond.key);
    if (!text) {
      if (discriminator.required) return Applies::Unknown;  // its absence is reported on its own
      text = discriminator.default_text;
      actual = "not set";
    } else {
      actual = *text;
    }
    bool known = std::any_of(discriminator.enum_values.begin(), discriminator.enum_values.end(),
                             [&](const std::string& v) { return lower(v) == *text; });
    if (!known && !(text->empty() && !discriminator.required)) return Applies::Unknown;
    bool match = std::any_of(cond.values.begin(), cond.values.end(),
                             [&](const std::string& v) { return lower(v) == *text; });
    return match ? Applies::Yes : Applies::No;
  }

  void walk_map(const YAML::Node& map, const std::string& schema_prefix, const std::string& instance_prefix,
                void* owner, const YAML::Node* item) {
    std::map<std::string, YAML::Mark> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key_node = it->first;  // copies: the iterator's pair is a temporary
      const YAML::Node value = it->second;
      if (!key_node.IsScalar()) {
        error(key_node.Mark(), "keys must be plain names");
        continue;
      }
      const std::string key = key_node.Scalar();
      if (schema_prefix.empty() && key.rfind("x-", 0) == 0) continue;  // room for YAML anchors
      const std::string schema_path = join_path(schema_prefix, key);
      const std::string instance_path = join_path(instance_prefix, key);
      if (auto [first, inserted] = seen.emplace(key, key_node.Mark()); !inserted) {
        error(key_node.Mark(), "duplicate key " + quoted(key) + " (first at line " +
                                   std::to_string(first->second.line + 1) + ")");
        continue;
      }
      record(instance_path, mark_of(value, key_node));

      // A key is one name: a dot or brackets in it would address a row of another scope
      // (`producer.sources[].name` at the top level), whose setter expects another owner.
      const bool plain = key.find_first_of(".[]") == std::string::npos;
      auto rows = plain ? index_.rows_at(schema_path) : std::vector<const KeyRow*>{};
      if (rows.empty()) {
        unknown_key(key_node, key, schema_prefix, instance_prefix);
        continue;
      }
      const KeyRow* row = nullptr;
      bool unknown = false;
      std::string actual;
      std::vector<std::string> allowed;
      for (const KeyRow* candidate : rows) {
        Applies a = applies(*candidate, item, actual);
        if (a == Applies::Yes) {
          row = candidate;
          break;
        }
        if (a == Applies::Unknown) unknown = true;
        if (candidate->only_when) {
          for (const auto& v : candidate->only_when->values) allowed.push_back(v);
        }
      }
      if (row == nullptr) {
        if (!unknown) {
          const auto& cond = *rows.front()->only_when;
          error(key_node.Mark(), join_path(instance_prefix, key) + ": only valid when " + cond.key + " is " +
                                     or_list(allowed) + " (" + cond.key + " is " +
                                     (actual == "not set" ? actual : quoted(actual)) + ")");
        }
        continue;
      }
      read_value(*row, key_node, value, schema_path, instance_path, owner, item);
    }
    // Required keys that are missing.
    for (const KeyRow* row : index_.children(schema_prefix)) {
      if (!row->required) continue;
      std::string leaf(leaf_name(row->path));
      if (seen.count(leaf) != 0) continue;
      std::string actual;
      if (applies(*row, item, actual) != Applies::Yes) continue;
      std::string why;
      if (row->only_when) why = " (needed when " + row->only_when->key + " is " + quoted(actual) + ")";
      error(map.Mark(), (instance_prefix.empty() ? std::string() : instance_prefix + ": ") + "missing required key " +
                            quoted(leaf) + why);
    }
  }

  void unknown_key(const YAML::Node& key_node, const std::string& key, const std::string& schema_prefix,
                   const std::string& instance_prefix) {
    const auto& candidates = index_.child_names(schema_prefix);
    std::string where = instance_prefix.empty() ? std::string("unknown section ") + quoted(key)
                                                : "unknown key " + quoted(key) + " in " + instance_prefix;
    if (auto suggestion = closest_match(key, candidates)) {
      error(key_node.Mark(), where + "; did you mean '" + *suggestion + "'?");
      return;
    }
    std::string valid;
    for (const auto& c : candidates) valid += (valid.empty() ? "" : ", ") + c;
    error(key_node.Mark(), where + " (valid here: " + valid + ")");
  }

  // Scalar text after ${ENV} substitution and, for secrets, file: references.
  std::optional<std::string> resolve_text(const KeyRow& row, const YAML::Node& node, const std::string& path) {
    if (!is_valid_utf8(node.Scalar())) {
      error(node.Mark(), path + ": not valid UTF-8");
      return std::nullopt;
    }
    std::string problem;
    auto text = substitute_env(node.Scalar(), env_, problem);
    if (!text) {
      error(node.Mark(), path + ": " + problem);
      return std::nullopt;
    }
    if (row.secret && text->rfind("file:", 0) == 0) {
      std::string file = text->substr(5);
      std::ifstream in(file, std::ios::binary);
      if (!in) {
        error(node.Mark(), path + ": cannot read secret file " + quoted(file) + ": " + std::strerror(errno));
        return std::nullopt;
      }
      std::string content;
      char buffer[4096];
      while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        content.append(buffer, static_cast<std::size_t>(in.gcount()));
        if (content.size() > 65536) {
          error(node.Mark(), path + ": secret file " + quoted(file) + " is larger than 64KiB");
          return std::nullopt;
        }
      }
      while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
      return content;
    }
    return text;
  }

  void read_value(const KeyRow& row, const YAML::Node& key_node, const YAML::Node& value,
                  const std::string& schema_path, const std::string& path, void* owner, const YAML::Node* item) {
    const YAML::Mark mark = mark_of(value, key_node);
    switch (row.type) {
      case KeyType::Object:
        if (value.IsNull()) return;
        if (!value.IsMap()) {
          error(mark, path + ": expected a mapping of keys");
          return;
        }
        walk_map(value, schema_path, path, owner, item);
        return;
      case KeyType::ObjectList:
        read_list(row, value, mark, schema_path, path, owner);
        return;
      case KeyType::StringList: {
        StringList out;
        if (value.IsScalar()) {
          auto text = resolve_text(row, value, path);
          if (!text) return;
          out.push_back(std::move(*text));
        } else if (value.IsSequence()) {
          bool fine = true;
          for (std::size_t i = 0; i < value.size(); ++i) {
            const YAML::Node element = value[i];
            if (!element.IsScalar()) {
              error(element.Mark().is_null() ? mark : element.Mark(),
                    path + "[" + std::to_string(i) + "]: expected a string");
              fine = false;
              continue;
            }
            auto text = resolve_text(row, element, path + "[" + std::to_string(i) + "]");
            if (!text) {
              fine = false;
              continue;
            }
            out.push_back(std::move(*text));
          }
          if (!fine) return;
        } else if (!value.IsNull()) {
          error(mark, path + ": expected a list of strings");
          return;
        }
        finish_value(row, Value(std::move(out)), mark, path, owner);
        return;
      }
      case KeyType::StringMap: {
        StringMap out;
        if (value.IsMap()) {
          bool fine = true;
          for (auto it = value.begin(); it != value.end(); ++it) {
            const YAML::Node entry_key = it->first;
            const YAML::Node entry_value = it->second;
            if (!entry_key.IsScalar() || !(entry_value.IsScalar() || entry_value.IsNull())) {
              error(entry_key.Mark(), path + ": keys and values must be strings");
              fine = false;
              continue;
            }
            const std::string name = entry_key.Scalar();
            if (!is_valid_utf8(name)) {
              error(entry_key.Mark(), path + ": key is not valid UTF-8");
              fine = false;
              continue;
            }
            std::string entry_path = path + "." + name;
            if (out.count(name) != 0) {
              error(entry_key.Mark(), entry_path + ": duplicate key");
              fine = false;
              continue;
            }
            std::optional<std::string> text = std::string();
            if (entry_value.IsScalar()) text = resolve_text(row, entry_value, entry_path);
            if (!text) {
              fine = false;
              continue;
            }
            out.emplace(name, std::move(*text));
          }
          if (!fine) return;
        } else if (!value.IsNull()) {
          error(mark, path + ": expected a mapping of strings");
          return;
        }
        finish_value(row, Value(std::move(out)), mark, path, owner);
        return;
      }
      default:
        break;
    }
    // Scalars.
    std::string text;
    if (value.IsNull()) {
      if (row.type != KeyType::String && !(row.type == KeyType::Enum && row.default_text.empty())) {
        error(mark, path + ": missing value (expected " + std::string(type_name(row.type)) + ")");
        return;
      }
    } else if (!value.IsScalar()) {
      error(mark, path + ": expected a single " + std::string(type_name(row.type)) + ", got a " +
                      (value.IsMap() ? "mapping" : "list"));
      return;
    } else {
      auto resolved = resolve_text(row, value, path);
      if (!resolved) return;
      text = std::move(*resolved);
    }
    std::string problem;
    auto parsed = parse_text(row, text, problem);
    if (!parsed) {
      error(mark, path + ": " + (row.secret ? std::string("invalid value") : problem));
      return;
    }
    finish_value(row, std::move(*parsed), mark, path, owner);
  }

  void finish_value(const KeyRow& row, Value value, const YAML::Mark& mark, const std::string& path, void* owner) {
    if (auto number = numeric(value)) {
      bool low = row.min && *number < *row.min;
      bool high = row.max && *number > *row.max;
      if (low || high) {
        std::string got = row.secret ? "***" : format_amount(row.type, *number);
        if (row.min && row.max) {
          error(mark, path + ": must be between " + format_amount(row.type, *row.min) + " and " +
                          format_amount(row.type, *row.max) + ", got " + got);
        } else if (low) {
          error(mark, path + ": must be at least " + format_amount(row.type, *row.min) + ", got " + got);
        } else {
          error(mark, path + ": must be at most " + format_amount(row.type, *row.max) + ", got " + got);
        }
        return;
      }
    }
    if (row.check) {
      if (std::string problem = row.check(value); !problem.empty()) {
        error(mark, path + ": " + problem);
        return;
      }
    }
    row.set(owner, value);
  }

  void read_list(const KeyRow& row, const YAML::Node& value, const YAML::Mark& mark, const std::string& schema_path,
                 const std::string& path, void* owner) {
    if (value.IsNull()) return;
    if (!value.IsSequence()) {
      error(mark, path + ": expected a list (each item starting with '- ')");
      return;
    }
    const std::string item_scope = schema_path + "[]";
    for (std::size_t i = 0; i < value.size(); ++i) {
      const YAML::Node element = value[i];
      const std::string item_path = path + "[" + std::to_string(i) + "]";
      YAML::Mark item_mark = element.Mark().is_null() ? mark : element.Mark();
      record(item_path, item_mark);
      if (!element.IsMap()) {
        error(item_mark, item_path + ": expected a mapping of keys");
        continue;
      }
      void* item = row.append(owner);
      apply_defaults(item_scope, item);
      walk_map(element, item_scope, item_path, item, &element);
      if (row.finish) {
        std::vector<std::string> problems;
        row.finish(item, problems);
        for (auto& problem : problems) error(item_mark, item_path + ": " + problem);
      }
    }
    // Values that must be unique within the list.
    for (const KeyRow* child : index_.children(item_scope)) {
      if (!child->unique) continue;
      std::map<std::string, std::size_t> first_index;
      std::size_t count = row.count(owner);
      for (std::size_t i = 0; i < count; ++i) {
        const Value value = child->get(row.at(owner, i));
        const auto* text = std::get_if<std::string>(&value);
        if (text == nullptr || text->empty()) continue;
        auto [it, inserted] = first_index.emplace(*text, i);
        if (inserted) continue;
        std::string leaf(leaf_name(child->path));
        auto first = diags_.position_of(path + "[" + std::to_string(it->second) + "]." + leaf);
        diags_.error(path + "[" + std::to_string(i) + "]." + leaf,
                     path + ": duplicate " + leaf + " " + (child->secret ? std::string("***") : quoted(*text)) +
                         (first.first > 0 ? " (first at line " + std::to_string(first.first) + ")" : std::string()));
      }
    }
  }

  Diagnostics& diags_;
  const SchemaIndex& index_;
  const EnvLookup& env_;
};

std::mutex registry_mutex;
std::vector<std::pair<std::string, Validator>>& registry() {
  static std::vector<std::pair<std::string, Validator>> validators;
  return validators;
}

// yaml-cpp reports "yaml-cpp: error at line 3, column 5: illegal map value"; keep the part after the position.
std::string yaml_message(const YAML::Exception& e) {
  std::string message = e.msg.empty() ? std::string(e.what()) : e.msg;
  return "YAML syntax error: " + message;
}

}  // namespace

void register_validator(std::string name, Validator validator) {
  std::lock_guard lock(registry_mutex);
  auto& validators = registry();
  auto it = std::find_if(validators.begin(), validators.end(), [&](const auto& v) { return v.first == name; });
  if (it != validators.end()) {
    it->second = std::move(validator);  // registering twice replaces: idempotent setup
  } else {
    validators.emplace_back(std::move(name), std::move(validator));
  }
}

std::vector<std::string> registered_validators() {
  std::lock_guard lock(registry_mutex);
  std::vector<std::string> names;
  for (const auto& v : registry()) names.push_back(v.first);
  return names;
}

bool LoadResult::wrote(std::string_view path) const {
  return std::find(written_keys.begin(), written_keys.end(), path) != written_keys.end();
}

std::string LoadResult::report() const {
  std::string out;
  for (const auto& d : diagnostics) out += d.to_string() + "\n";
  return out;
}

LoadResult load_string(std::string_view text, const std::string& name, const LoadOptions& options) {
  Diagnostics diags(name);
  Config config;
  apply_defaults("", &config);
  if (text.size() > kMaxConfigBytes) {
    diags.add(Severity::Error, 0, 0,
              "the file is " + std::to_string(text.size()) + " bytes; a config may be at most " +
                  format_size(kMaxConfigBytes));
    return {std::nullopt, diags.items()};
  }
  try {
    YAML::Node root = YAML::Load(std::string(text));
    EnvLookup env = options.env ? options.env : process_env();
    Walker walker(diags, env);
    walker.walk_root(root, config);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) {
      diags.add(Severity::Error, 0, 0, yaml_message(e));
    } else {
      diags.add(Severity::Error, e.mark.line + 1, e.mark.column + 1, yaml_message(e));
    }
    return {std::nullopt, diags.items()};
  } catch (const std::exception& e) {
    diags.add(Severity::Error, 0, 0, std::string("cannot read the config: ") + e.what());
    return {std::nullopt, diags.items()};
  }

  std::vector<Validator> validators = builtin_checks();
  if (options.use_registered_validators) {
    std::lock_guard lock(registry_mutex);
    for (const auto& v : registry()) validators.push_back(v.second);
  }
  for (const auto& v : options.extra_validators) validators.push_back(v);
  for (const auto& validator : validators) {
    try {
      validator(config, diags);
    } catch (const std::exception& e) {
      diags.add(Severity::Error, 0, 0, std::string("a config check failed: ") + e.what());
    }
  }

  LoadResult result;
  result.diagnostics = diags.items();
  result.written_keys = diags.recorded_paths();
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  if (!diags.has_errors()) result.config = std::move(config);
  return result;
}

LoadResult load_file(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return {std::nullopt, {Diagnostic{path, 0, 0, Severity::Error, std::string("cannot open: ") + std::strerror(err)}}};
  }
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxConfigBytes) break;
  }
  return load_string(text, path, options);
}

}  // namespace lt::config
