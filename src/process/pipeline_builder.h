// Builds the consumer's standard processing chain from its options, in the one
// order that makes sense: filter → geoip → lookup → http_lookup → static → redact.
#pragma once

#include <memory>
#include <optional>
#include <variant>

#include "process/filter.h"
#include "process/geoip.h"
#include "process/http_lookup.h"
#include "process/lookup.h"
#include "process/pipeline.h"
#include "process/redact.h"
#include "process/static_fields.h"

namespace lt {

// An absent optional leaves its step out. Filtering runs first so dropped
// events cost no enrichment; redaction runs last so that nothing an enricher
// adds (a user's email from the lookup table) escapes it.
struct ProcessOptions {
  FilterOptions filter;
  std::optional<GeoipOptions> geoip;
  std::optional<LookupOptions> lookup;
  std::optional<HttpLookupOptions> http_lookup;
  std::optional<StaticFieldsOptions> static_fields;
  std::optional<RedactOptions> redact = RedactOptions{};
};

// Validates everything (queries, patterns, database and table files) before
// returning, so a reload either yields a complete new pipeline or an error
// and leaves the running one alone.
std::variant<std::shared_ptr<const Pipeline>, Error> build_pipeline(
    const ProcessOptions& options, MetricsRegistry& metrics = MetricsRegistry::global());

}  // namespace lt
