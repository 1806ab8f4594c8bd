#include "services/config_reload.h"

#include <spdlog/spdlog.h>

#include "core/metrics.h"
#include "services/config_map.h"

namespace lt::services {

std::shared_ptr<config::ConfigWatcher> watch_config(const std::string& path, SignalWatcher& signals,
                                                    ApplyConfig apply) {
  if (path.empty()) return nullptr;
  auto& ok = MetricsRegistry::global().counter("logtracer_config_reloads_total", "Config reloads.", {{"result", "ok"}});
  auto& failed =
      MetricsRegistry::global().counter("logtracer_config_reloads_total", "Config reloads.", {{"result", "failed"}});
  auto watcher = std::make_shared<config::ConfigWatcher>(
      path, [&ok, &failed, apply = std::move(apply)](const config::LoadResult& result) {
        if (!result.ok()) {
          failed.inc();
          spdlog::error("config reload rejected, the running config stays:\n{}", result.report());
          return;
        }
        log_config_warnings(result);
        if (auto err = apply(*result.config)) {
          failed.inc();
          spdlog::error("config reload rejected, the running config stays: {}", err->message);
          return;
        }
        ok.inc();
        spdlog::info("config reloaded");
      });
  if (auto err = watcher->start()) spdlog::warn("config watch: {} (SIGHUP still reloads)", err->message);
  // Weak: a SIGHUP that arrives after the command dropped its watcher does nothing.
  signals.on_reload([weak = std::weak_ptr<config::ConfigWatcher>(watcher)] {
    if (auto w = weak.lock()) w->trigger();
  });
  return watcher;
}

}  // namespace lt::services
