// The `static` enrichment step: fixed attributes from config (region, cluster,
// ...) and the name of the host that processed the event.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "process/processor.h"

namespace lt {

struct StaticFieldsOptions {
  // Attribute name → value, added to every event in this order.
  std::vector<std::pair<std::string, std::string>> fields;
  // Attribute receiving gethostname() of the consumer; empty disables it.
  std::string processing_host_attribute = "processing_host";
  // When false, an attribute the event already carries is left as it came.
  bool overwrite = false;
};

class StaticFields final : public Processor {
 public:
  // `hostname` overrides gethostname() (tests, containers with meaningless names).
  explicit StaticFields(StaticFieldsOptions options, std::string hostname = {});
  std::string_view name() const override { return "static"; }
  Outcome process(LogEvent& event) const override;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;  // processing host included
  bool overwrite_;
};

// gethostname(), or "unknown" when it fails.
std::string local_hostname();

}  // namespace lt
