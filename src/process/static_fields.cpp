#include "process/static_fields.h"

#include <unistd.h>

#include <climits>
#include <cstring>

namespace lt {

std::string local_hostname() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
  return std::string(buf, strnlen(buf, sizeof buf));
}

StaticFields::StaticFields(StaticFieldsOptions options, std::string hostname)
    : fields_(std::move(options.fields)), overwrite_(options.overwrite) {
  if (!options.processing_host_attribute.empty())
    fields_.emplace_back(std::move(options.processing_host_attribute),
                         hostname.empty() ? local_hostname() : std::move(hostname));
}

Outcome StaticFields::process(LogEvent& event) const {
  for (const auto& [key, value] : fields_) {
    if (!overwrite_ && event.attribute(key)) continue;
    event.set_attribute(key, value);
  }
  return Outcome::keep();
}

}  // namespace lt
