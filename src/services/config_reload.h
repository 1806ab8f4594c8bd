// Live reload for the long-running commands: the config file is watched (its
// directory, so saves by rename count) and SIGHUP forces a reload. A config that
// does not validate, or that `apply` refuses, is logged and the running one stays.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/watcher.h"
#include "core/error.h"
#include "services/signals.h"

namespace lt::services {

// Applies a validated config on the watcher's thread; an error rejects it.
using ApplyConfig = std::function<std::optional<Error>(const config::Config&)>;

// nullptr when `path` is empty (no file: nothing to reload). Counts
// logtracer_config_reloads_total{result="ok"|"failed"}.
std::shared_ptr<config::ConfigWatcher> watch_config(const std::string& path, SignalWatcher& signals,
                                                    ApplyConfig apply);

}  // namespace lt::services
