// Builds the consumer's processing pipeline from `consumer:` — filter, enrich
// (geoip, lookup tables, HTTP lookup, static fields), redact — in that order.
#pragma once

#include <memory>
#include <variant>

#include "config/config.h"
#include "core/error.h"
#include "process/pipeline.h"

namespace lt::services {

std::variant<std::shared_ptr<const Pipeline>, Error> build_pipeline(const config::ConsumerConfig& consumer);

}  // namespace lt::services
