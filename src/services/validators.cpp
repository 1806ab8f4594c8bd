#include "services/validators.h"

#include <string>
#include <variant>

#include "config/load.h"
#include "query/query.h"

namespace lt::services {
namespace {

void check_query(const std::string& path, const std::string& text, config::Diagnostics& diags) {
  if (text.empty()) return;  // a missing required query is reported by the schema
  auto compiled = query::Query::compile(text);
  if (const auto* err = std::get_if<query::QueryError>(&compiled)) {
    // The column inside the query; +1 skips an opening quote in the YAML when there is one
    // (close enough either way: the line is right and the message names the column too).
    diags.error(path, "query: " + err->message, static_cast<int>(err->column));
  }
}

}  // namespace

void register_config_validators() {
  config::register_validator("queries", [](const config::Config& cfg, config::Diagnostics& diags) {
    for (std::size_t i = 0; i < cfg.consumer.filters.size(); ++i)
      check_query("consumer.filters[" + std::to_string(i) + "].query", cfg.consumer.filters[i].query, diags);
    for (std::size_t i = 0; i < cfg.consumer.alerts.size(); ++i)
      check_query("consumer.alerts[" + std::to_string(i) + "].query", cfg.consumer.alerts[i].query, diags);
  });
}

}  // namespace lt::services
