#include "process/pipeline_builder.h"

namespace lt {

std::variant<std::shared_ptr<const Pipeline>, Error> build_pipeline(const ProcessOptions& o, MetricsRegistry& metrics) {
  std::vector<std::unique_ptr<Processor>> steps;
  std::optional<Error> failed;
  auto add = [&](auto created) {
    if (failed) return;
    if (auto* e = std::get_if<Error>(&created)) failed = std::move(*e);
    else steps.push_back(std::move(std::get<0>(created)));
  };
  add(Filter::create(o.filter, metrics));
  if (o.geoip) add(Geoip::create(*o.geoip, metrics));
  if (o.lookup) add(LookupTable::create(*o.lookup, metrics));
  if (o.http_lookup) add(HttpLookup::create(*o.http_lookup, metrics));
  if (o.static_fields) steps.push_back(std::make_unique<StaticFields>(*o.static_fields));
  if (o.redact) add(Redact::create(*o.redact, metrics));
  if (failed) return std::move(*failed);
  return std::make_shared<const Pipeline>(std::move(steps), metrics);
}

}  // namespace lt
