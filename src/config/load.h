// Reading a config: YAML text -> validated Config, or every problem found, each with file:line:col.
// Startup/reload code, not the hot path: allocation and exceptions are fine inside, none escape.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/value.h"

namespace lt::config {

// A check a module adds on top of the schema (e.g. "the filter queries compile").
// It sees the config even when other keys had errors (those keys hold their defaults), so it
// should stay quiet about empty values: required keys are already reported by the loader.
using Validator = std::function<void(const Config&, Diagnostics&)>;

// Validators used by every load_* call (validate, produce, consume, run, reload).
// Modules register theirs explicitly, from cmd/, before loading: no static initializers.
void register_validator(std::string name, Validator validator);
// Names of the registered validators (for tests and `validate --verbose`).
std::vector<std::string> registered_validators();

struct LoadOptions {
  std::vector<Validator> extra_validators;  // run after the registered ones
  bool use_registered_validators = true;
  EnvLookup env;  // defaults to the process environment
};

struct LoadResult {
  std::optional<Config> config;  // set when there is no error (warnings allowed)
  std::vector<Diagnostic> diagnostics;
  // Instance paths the file wrote itself ("kafka.brokers"), as opposed to defaults:
  // `logtracer run` puts Kafka between its stages only when kafka.brokers is written.
  std::vector<std::string> written_keys;

  bool ok() const { return config.has_value(); }
  bool wrote(std::string_view path) const;
  // All diagnostics, one per line.
  std::string report() const;
};

LoadResult load_file(const std::string& path, const LoadOptions& options = {});
// `name` is the file name used in diagnostics.
LoadResult load_string(std::string_view text, const std::string& name, const LoadOptions& options = {});

// Files larger than this are refused: a config is small, a huge one is a mistake.
inline constexpr std::size_t kMaxConfigBytes = 4 * 1024 * 1024;

// The effective configuration as YAML (every key, defaults included), secrets shown as "***".
std::string dump_yaml(const Config& config);

}  // namespace lt::config
