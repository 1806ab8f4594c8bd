#include "services/pipeline_builder.h"

#include <algorithm>

#include "process/filter.h"
#include "process/geoip.h"
#include "process/http_lookup.h"
#include "process/lookup.h"
#include "process/redact.h"
#include "process/static_fields.h"

namespace lt::services {
namespace {

std::string as_prefix(const std::string& p) {
  if (p.empty() || p.back() == '.') return p;
  return p + ".";
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

template <typename T>
std::optional<Error> add(std::vector<std::unique_ptr<Processor>>& steps, std::variant<std::unique_ptr<T>, Error> made) {
  if (auto* e = std::get_if<Error>(&made)) return *e;
  steps.push_back(std::move(std::get<0>(made)));
  return std::nullopt;
}

}  // namespace

std::variant<std::shared_ptr<const Pipeline>, Error> build_pipeline(const config::ConsumerConfig& c) {
  std::vector<std::unique_ptr<Processor>> steps;

  FilterOptions filter;
  if (!c.min_level.empty()) filter.min_level = parse_canonical_level(c.min_level);
  for (const auto& r : c.filters)
    filter.rules.push_back(
        FilterRule{r.name, r.action == "keep" ? FilterRule::Action::Keep : FilterRule::Action::Drop, r.query});
  if (filter.min_level || !filter.rules.empty()) {
    if (auto e = add(steps, Filter::create(std::move(filter)))) return *e;
  }

  const auto& g = c.enrich.geoip;
  if (!g.database.empty() || !g.asn_database.empty()) {
    GeoipOptions o;
    if (!g.database.empty()) o.databases.push_back(g.database);
    if (!g.asn_database.empty()) o.databases.push_back(g.asn_database);
    o.field = g.source_field;
    o.search_message = g.from_message;
    o.prefix = as_prefix(g.target);
    o.layout = g.layout == "geolite2" ? GeoipLayout::MaxMind : g.layout == "flat" ? GeoipLayout::Flat : GeoipLayout::Auto;
    if (auto e = add(steps, Geoip::create(std::move(o)))) return *e;
  }

  for (const auto& t : c.enrich.lookup) {
    LookupOptions o;
    o.file = t.file;
    o.key_field = t.key_field;
    o.prefix = as_prefix(t.prefix);
    o.check_interval = t.reload ? std::chrono::milliseconds(1000) : std::chrono::milliseconds(0);
    if (auto e = add(steps, LookupTable::create(std::move(o)))) return *e;
  }

  const auto& h = c.enrich.http_lookup;
  if (!h.url.empty()) {
    HttpLookupOptions o;
    o.url = h.url;
    o.key_field = h.key_field;
    for (const auto& [name, value] : h.headers) o.headers.push_back({name, value});
    o.timeout = h.timeout;
    o.cache_size = h.cache_size;
    o.cache_ttl = h.cache_ttl;
    o.failure_threshold = static_cast<int>(h.breaker_failures);
    o.reset_timeout = h.breaker_reset;
    if (auto e = add(steps, HttpLookup::create(std::move(o)))) return *e;
  }

  if (!c.enrich.static_fields.empty() || c.enrich.processing_host) {
    StaticFieldsOptions o;
    for (const auto& [k, v] : c.enrich.static_fields) o.fields.emplace_back(k, v);
    if (!c.enrich.processing_host) o.processing_host_attribute.clear();
    steps.push_back(std::make_unique<StaticFields>(std::move(o)));
  }

  // Last, so nothing added above leaves the consumer unredacted.
  if (c.redact.enabled) {
    RedactOptions o;
    o.emails = contains(c.redact.builtin, "emails");
    o.card_numbers = contains(c.redact.builtin, "credit_cards");
    o.bearer_tokens = contains(c.redact.builtin, "bearer_tokens");
    o.url_passwords = contains(c.redact.builtin, "url_passwords");
    for (const auto& p : c.redact.patterns) o.patterns.push_back(RedactPattern{p.name, p.regex, p.replacement});
    o.message = c.redact.fields.empty() || contains(c.redact.fields, "message");
    for (const auto& f : c.redact.fields)
      if (f != "message") o.attributes.push_back(f);
    if (auto e = add(steps, Redact::create(std::move(o)))) return *e;
  }
  return std::shared_ptr<const Pipeline>(std::make_shared<Pipeline>(std::move(steps)));
}

}  // namespace lt::services
