// From the validated YAML configuration (config::ProducerConfig) to the
// SourceSpecs the SourceManager applies: the one place the two shapes meet.
#pragma once

#include <variant>
#include <vector>

#include "config/config.h"
#include "sources/source.h"

namespace lt::sources {

// One source; `checkpoint_dir` is producer.checkpoint_dir.
std::variant<SourceSpec, Error> source_spec_from_config(const config::SourceConfig& source,
                                                        const std::string& checkpoint_dir);
// Every enabled source of the producer section, in order.
std::variant<std::vector<SourceSpec>, Error> source_specs_from_config(const config::ProducerConfig& producer);

}  // namespace lt::sources
