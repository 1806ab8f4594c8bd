#include "sources/source_manager.h"

#include <algorithm>
#include <set>
#include <spdlog/spdlog.h>

namespace lt::sources {

SourceManager::SourceManager(EventSink& sink, Factory factory, std::chrono::milliseconds drain)
    : sink_(sink), drain_(drain) {
  if (factory) {
    factory_ = std::move(factory);
  } else {
    factory_ = [](const SourceSpec& spec) { return make_source(spec); };
  }
}

SourceManager::~SourceManager() { stop_all(); }

SourceManager::Outcome SourceManager::apply(const std::vector<SourceSpec>& specs) {
  std::lock_guard lock(mu_);
  Outcome out;
  std::set<std::string> wanted;
  std::vector<const SourceSpec*> to_start;
  for (const auto& spec : specs) {
    if (!wanted.insert(spec.common.name).second) {
      out.errors.push_back(Error::permanent("source.duplicate", "source '" + spec.common.name + "' is defined twice"));
      continue;
    }
    auto it = running_.find(spec.common.name);
    if (it != running_.end() && same_spec(it->second.spec, spec)) {
      out.unchanged.push_back(spec.common.name);
      continue;
    }
    to_start.push_back(&spec);
  }
  for (auto it = running_.begin(); it != running_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    it->second.source->stop(drain_);
    spdlog::info("source {} stopped (removed from the configuration)", it->first);
    out.stopped.push_back(it->first);
    it = running_.erase(it);
  }
  for (const SourceSpec* spec : to_start) {
    const std::string& name = spec->common.name;
    // Build the replacement first: a spec that cannot even be built leaves the old source running.
    auto made = factory_(*spec);
    if (auto* err = std::get_if<Error>(&made)) {
      out.errors.push_back(*err);
      continue;
    }
    auto fresh = std::move(std::get<std::unique_ptr<Source>>(made));
    auto old = running_.find(name);
    std::optional<SourceSpec> previous;
    if (old != running_.end()) {
      // Drained and checkpointed before the replacement reads: nothing lost, nothing twice.
      old->second.source->stop(drain_);
      previous = old->second.spec;
      running_.erase(old);
    }
    if (auto err = fresh->start(sink_)) {
      out.errors.push_back(*err);
      if (previous) {  // put the old source back rather than leave a hole
        auto again = factory_(*previous);
        if (auto* src = std::get_if<std::unique_ptr<Source>>(&again); src && !(*src)->start(sink_)) {
          spdlog::warn("source {}: new settings failed ({}); kept the previous ones", name, err->message);
          running_[name] = Running{*previous, std::move(*src)};
        }
      }
      continue;
    }
    (previous ? out.restarted : out.started).push_back(name);
    spdlog::info("source {} {}", name, previous ? "restarted with new settings" : "started");
    running_[name] = Running{*spec, std::move(fresh)};
  }
  return out;
}

bool SourceManager::stop_all(std::optional<std::chrono::milliseconds> drain) {
  std::lock_guard lock(mu_);
  bool acked = true;
  // One deadline for all: N sources stuck behind an unreachable broker must not
  // hold a shutdown for N drains (a service manager kills it well before).
  const auto deadline = std::chrono::steady_clock::now() + drain.value_or(drain_);
  for (auto& [name, r] : running_) {
    r.source->stop(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                deadline - std::chrono::steady_clock::now()),
                            std::chrono::milliseconds(0)));
    if (!r.source->fully_acknowledged()) {
      spdlog::warn("source {}: stopped with events not acknowledged by Kafka", name);
      acked = false;
    }
  }
  running_.clear();
  return acked;
}

std::vector<std::string> SourceManager::names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, r] : running_) out.push_back(name);
  return out;
}

Source* SourceManager::find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = running_.find(name);
  return it == running_.end() ? nullptr : it->second.source.get();
}

bool SourceManager::all_finished() const {
  std::lock_guard lock(mu_);
  for (const auto& [name, r] : running_)
    if (!r.source->finished()) return false;
  return true;
}

}  // namespace lt::sources
