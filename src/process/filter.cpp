#include "process/filter.h"

#include <set>

namespace lt {

std::variant<std::unique_ptr<Filter>, Error> Filter::create(FilterOptions options, MetricsRegistry& metrics) {
  std::unique_ptr<Filter> f(new Filter());
  auto dropped = [&](std::string_view rule) {
    return &metrics.counter("logtracer_filter_dropped_total", "Events dropped by the filter step, by rule.",
                            {{"rule", std::string(rule)}});
  };
  f->min_level_ = options.min_level;
  f->min_level_dropped_ = dropped(kMinLevelRule);
  std::set<std::string> names{std::string(kMinLevelRule), std::string(kNoKeepMatchRule)};
  for (auto& rule : options.rules) {
    if (rule.name.empty()) return Error::permanent("filter.rule", "filter rule without a name: " + rule.query);
    if (!names.insert(rule.name).second)
      return Error::permanent("filter.rule", "filter rule name '" + rule.name + "' is used twice (or reserved)");
    auto compiled = query::Query::compile(rule.query);
    if (auto* err = std::get_if<query::QueryError>(&compiled))
      return Error::permanent("filter.query", "filter rule '" + rule.name + "': " + err->message);
    Compiled c{rule.name, std::get<query::Query>(std::move(compiled)), dropped(rule.name)};
    (rule.action == FilterRule::Action::Drop ? f->drop_ : f->keep_).push_back(std::move(c));
  }
  if (!f->keep_.empty()) f->no_keep_dropped_ = dropped(kNoKeepMatchRule);
  return f;
}

Outcome Filter::process(LogEvent& event) const {
  if (min_level_ && event.level < *min_level_) {
    min_level_dropped_->inc();
    return Outcome::drop(kMinLevelRule);
  }
  for (const auto& rule : drop_) {
    if (rule.query.matches(event)) {
      rule.dropped->inc();
      return Outcome::drop(rule.name);
    }
  }
  if (keep_.empty()) return Outcome::keep();
  for (const auto& rule : keep_)
    if (rule.query.matches(event)) return Outcome::keep();
  no_keep_dropped_->inc();
  return Outcome::drop(kNoKeepMatchRule);
}

}  // namespace lt
