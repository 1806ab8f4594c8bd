// The `filter` step: drops events below a level, events matching a drop rule,
// and, when keep rules exist, events matching none of them (query language).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/level.h"
#include "core/metrics.h"
#include "process/processor.h"
#include "query/query.h"

namespace lt {

struct FilterRule {
  enum class Action { Drop, Keep };
  std::string name;  // the `rule` label of logtracer_filter_dropped_total
  Action action = Action::Drop;
  std::string query;  // docs/query-language.md
};

// Semantics, in this order:
//  1. min_level: an event below it is dropped (rule "min_level");
//  2. drop rules: the first matching one drops the event (its name);
//  3. keep rules: if any exist, an event matching none is dropped (rule "no_keep_match").
// An event surviving all three is kept. Keep rules never rescue an event from 1 or 2.
struct FilterOptions {
  std::optional<Level> min_level;
  std::vector<FilterRule> rules;
};

inline constexpr std::string_view kMinLevelRule = "min_level";
inline constexpr std::string_view kNoKeepMatchRule = "no_keep_match";

class Filter final : public Processor {
 public:
  // Fails naming the rule and the column when a query does not compile, or
  // when two rules share a name (their counts would merge).
  static std::variant<std::unique_ptr<Filter>, Error> create(FilterOptions options,
                                                             MetricsRegistry& metrics = MetricsRegistry::global());
  std::string_view name() const override { return "filter"; }
  Outcome process(LogEvent& event) const override;

 private:
  struct Compiled {
    std::string name;
    query::Query query;
    Counter* dropped;
  };
  Filter() = default;
  std::optional<Level> min_level_;
  Counter* min_level_dropped_ = nullptr;
  Counter* no_keep_dropped_ = nullptr;
  std::vector<Compiled> drop_, keep_;
};

}  // namespace lt
