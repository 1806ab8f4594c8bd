// What changed between two configs, key by key, walked through the schema table: for reload
// logs ("reload: changed kafka.brokers, producer.sources[1].paths") and for deciding what to restart.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace lt::config {

// Instance paths of the keys whose values differ ("kafka.brokers", "producer.sources[2].paths");
// a list whose length differs is reported as "producer.sources" plus the items both have in common.
// Values are never included, so secrets stay out of logs.
std::vector<std::string> changed_keys(const Config& before, const Config& after);

}  // namespace lt::config
