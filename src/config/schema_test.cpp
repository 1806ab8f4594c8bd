#include "config/schema.h"

#include <gtest/gtest.h>

#include <set>

#include "config/load.h"

namespace lt::config {
namespace {

bool is_snake_case(std::string_view leaf) {
  if (leaf.size() > 2 && leaf.substr(leaf.size() - 2) == "[]") return false;
  for (char c : leaf) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return !leaf.empty();
}

// Walks the whole table, as librdkafka's unit test walks its property table.
TEST(Schema, EveryRowIsComplete) {
  const auto& index = schema_index();
  for (const auto& row : schema()) {
    SCOPED_TRACE(row.path);
    EXPECT_FALSE(row.description.empty());
    EXPECT_EQ(row.description.back(), '.') << "descriptions are sentences";
    EXPECT_TRUE(is_snake_case(leaf_name(row.path)));
    // The parent of every key is a declared section or list.
    std::string_view parent = parent_path(row.path);
    if (!parent.empty()) {
      std::string container(parent);
      if (container.size() > 2 && container.substr(container.size() - 2) == "[]") container.resize(container.size() - 2);
      auto parents = index.rows_at(container);
      ASSERT_FALSE(parents.empty()) << "no section row for " << container;
      EXPECT_TRUE(parents.front()->is_container());
    }
    if (row.is_container()) {
      EXPECT_TRUE(row.default_text.empty());
      if (row.type == KeyType::ObjectList) {
        EXPECT_TRUE(row.append && row.count && row.at);
        EXPECT_NE(row.item, std::type_index(typeid(void)));
      }
      continue;
    }
    EXPECT_TRUE(row.set) << "no setter";
    EXPECT_TRUE(row.get) << "no getter";
    // The default parses under the row's own type and passes the row's own checks.
    if (!row.default_text.empty()) {
      std::string error;
      auto value = parse_text(row, row.default_text, error);
      ASSERT_TRUE(value.has_value()) << error;
      if (row.check) {
        EXPECT_EQ(row.check(*value), "") << "default fails its own check";
      }
      if (auto* n = std::get_if<std::uint64_t>(&*value)) {
        if (row.min) {
          EXPECT_GE(static_cast<double>(*n), *row.min);
        }
        if (row.max) {
          EXPECT_LE(static_cast<double>(*n), *row.max);
        }
      }
      if (auto* d = std::get_if<Duration>(&*value)) {
        if (row.min) {
          EXPECT_GE(static_cast<double>(d->count()), *row.min);
        }
        if (row.max) {
          EXPECT_LE(static_cast<double>(d->count()), *row.max);
        }
      }
    }
    if (row.type == KeyType::Enum) {
      EXPECT_FALSE(row.enum_values.empty());
    } else {
      EXPECT_TRUE(row.enum_values.empty()) << "enum values on a non-enum key";
    }
    if (row.min || row.max) {
      EXPECT_TRUE(row.type == KeyType::Int || row.type == KeyType::Uint || row.type == KeyType::Double ||
                  row.type == KeyType::Duration || row.type == KeyType::Size);
    }
    if (row.unique) {
      EXPECT_FALSE(owner_scope(row.path).empty()) << "unique outside a list";
    }
  }
}

// The type-erased owner of each row is the struct its list creates (or Config), so the setter
// casts are right; a mismatch here would be memory corruption at load time.
TEST(Schema, OwnersMatchTheirLists) {
  const auto& index = schema_index();
  for (const auto& row : schema()) {
    SCOPED_TRACE(row.path);
    std::string_view scope = owner_scope(row.path);
    if (scope.empty()) {
      EXPECT_EQ(row.owner, std::type_index(typeid(Config)));
      continue;
    }
    auto lists = index.rows_at(scope.substr(0, scope.size() - 2));
    ASSERT_EQ(lists.size(), 1u);
    EXPECT_EQ(lists.front()->type, KeyType::ObjectList);
    EXPECT_EQ(row.owner, lists.front()->item);
  }
}

// Rows sharing a path (e.g. `listen` of syslog and http) must be told apart by disjoint conditions.
TEST(Schema, SharedPathsHaveDisjointConditions) {
  const auto& index = schema_index();
  std::set<std::string> paths;
  for (const auto& row : schema()) paths.insert(row.path);
  for (const auto& path : paths) {
    auto rows = index.rows_at(path);
    if (rows.size() < 2) continue;
    SCOPED_TRACE(path);
    std::set<std::string> seen;
    for (const KeyRow* row : rows) {
      ASSERT_TRUE(row->only_when.has_value());
      EXPECT_EQ(row->only_when->key, rows.front()->only_when->key);
      EXPECT_EQ(row->type, rows.front()->type);
      for (const auto& v : row->only_when->values) EXPECT_TRUE(seen.insert(v).second) << v << " twice";
    }
  }
}

// Conditions name a sibling enum key and only its values.
TEST(Schema, ConditionsReferToRealEnumValues) {
  const auto& index = schema_index();
  for (const auto& row : schema()) {
    if (!row.only_when) continue;
    SCOPED_TRACE(row.path);
    auto discriminators = index.rows_at(std::string(owner_scope(row.path)) + "." + row.only_when->key);
    ASSERT_EQ(discriminators.size(), 1u);
    const auto& allowed = discriminators.front()->enum_values;
    for (const auto& v : row.only_when->values) {
      EXPECT_NE(std::find(allowed.begin(), allowed.end(), v), allowed.end()) << v;
    }
  }
}

// Every key of every struct can be set: setting a non-default value through the table changes
// the config, and reading it back through the table gives the same value.
TEST(Schema, SettersAndGettersReachDistinctFields) {
  Config config = default_config();
  Config pristine = config;
  for (const auto& row : schema()) {
    if (row.is_container() || !owner_scope(row.path).empty()) continue;
    SCOPED_TRACE(row.path);
    Value before = row.get(&config);
    Value changed = before;
    std::visit(
        [&](auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>) {
            v = row.type == KeyType::Enum ? row.enum_values.back() + "" : v + "x";
            if (v == std::get<std::string>(before)) v = row.enum_values.front();
          } else if constexpr (std::is_same_v<V, bool>) {
            v = !v;
          } else if constexpr (std::is_same_v<V, Duration>) {
            v += Duration(1);
          } else if constexpr (std::is_same_v<V, StringList>) {
            v.push_back("x");
          } else if constexpr (std::is_same_v<V, StringMap>) {
            v["x"] = "y";
          } else if constexpr (std::is_same_v<V, std::monostate>) {
          } else {
            v += 1;
          }
        },
        changed);
    row.set(&config, changed);
    EXPECT_EQ(row.get(&config), changed);
    EXPECT_FALSE(config == pristine) << "setter changed nothing";
    row.set(&config, before);
    EXPECT_TRUE(config == pristine) << "setter touched another field";
  }
}

TEST(Values, Durations) {
  EXPECT_EQ(parse_duration("250ms"), Duration(250));
  EXPECT_EQ(parse_duration("5s"), Duration(5000));
  EXPECT_EQ(parse_duration("1m"), Duration(60000));
  EXPECT_EQ(parse_duration("1h30m"), Duration(5400000));
  EXPECT_EQ(parse_duration("30"), Duration(30000));
  EXPECT_EQ(parse_duration("0.5"), Duration(500));
  EXPECT_EQ(parse_duration("1.5h"), Duration(5400000));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("-5s"));
  EXPECT_FALSE(parse_duration("5 minutes"));
  EXPECT_FALSE(parse_duration("5s3"));
  EXPECT_FALSE(parse_duration("1e400s"));
  EXPECT_FALSE(parse_duration("99999999999999999999d"));
  EXPECT_EQ(format_duration(Duration(5400000)), "1h30m");
  EXPECT_EQ(format_duration(Duration(250)), "250ms");
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  for (auto text : {"250ms", "5s", "12h", "1d2h3m4s5ms"}) EXPECT_EQ(format_duration(*parse_duration(text)), text);
}

TEST(Values, Sizes) {
  EXPECT_EQ(parse_size("64MiB"), 64u << 20);
  EXPECT_EQ(parse_size("1MB"), 1000000u);
  EXPECT_EQ(parse_size("64KiB"), 65536u);
  EXPECT_EQ(parse_size("64k"), 65536u);
  EXPECT_EQ(parse_size("1.5KiB"), 1536u);
  EXPECT_EQ(parse_size("100"), 100u);
  EXPECT_EQ(parse_size("10 MiB"), 10u << 20);
  EXPECT_FALSE(parse_size("1.1B"));
  EXPECT_FALSE(parse_size("-1"));
  EXPECT_FALSE(parse_size("12 parsecs"));
  EXPECT_FALSE(parse_size("100000000TiB"));
  EXPECT_EQ(format_size(64u << 20), "64MiB");
  EXPECT_EQ(format_size(1000000), "1000000");
}

TEST(Values, EnvSubstitution) {
  EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "A") return "alpha";
    if (name == "EMPTY") return "";
    return std::nullopt;
  };
  std::string error;
  EXPECT_EQ(substitute_env("x-${A}-y", env, error), "x-alpha-y");
  EXPECT_EQ(substitute_env("${B:-beta}", env, error), "beta");
  EXPECT_EQ(substitute_env("${EMPTY:-dflt}", env, error), "dflt");
  EXPECT_EQ(substitute_env("${EMPTY}", env, error), "");
  EXPECT_EQ(substitute_env("cost $$5 and $x", env, error), "cost $5 and $x");
  EXPECT_FALSE(substitute_env("${B}", env, error));
  EXPECT_NE(error.find("'B' is not set"), std::string::npos);
  EXPECT_FALSE(substitute_env("${A", env, error));
  EXPECT_FALSE(substitute_env("${1A}", env, error));
}

TEST(Values, ClosestMatch) {
  std::vector<std::string> keys = {"brokers", "client_id", "topics", "compression", "linger_ms"};
  EXPECT_EQ(closest_match("brokrs", keys), "brokers");
  EXPECT_EQ(closest_match("borkers", keys), "brokers");  // transposition
  EXPECT_EQ(closest_match("Compression", keys), "compression");
  EXPECT_EQ(closest_match("linger", keys), std::nullopt);
  EXPECT_EQ(closest_match("zzz", keys), std::nullopt);
}

}  // namespace
}  // namespace lt::config
