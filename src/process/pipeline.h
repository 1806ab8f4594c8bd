// The consumer's per-event processing chain: an immutable, ordered list of
// processors, counted per stage and outcome. Live reload builds a new Pipeline
// and swaps it in PipelineSlot; events in flight finish on the old one.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "process/processor.h"

namespace lt {

struct PipelineResult {
  Outcome outcome;
  std::size_t stage = 0;  // index of the step that dropped or failed the event; size() when kept
  std::string_view stage_name;  // its name, empty when kept
};

class Pipeline {
 public:
  explicit Pipeline(std::vector<std::unique_ptr<Processor>> steps,
                    MetricsRegistry& metrics = MetricsRegistry::global());
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // Runs the steps from `from_stage` on; stops at the first Drop or Fail. A caller
  // retrying a transient failure passes the failed stage back to resume there:
  // the steps before it already ran on the event. Thread-safe.
  PipelineResult run(LogEvent& event, std::size_t from_stage = 0) const;

  // Every step's Processor::scrub over `text`, so a dead letter carries no more than an event would.
  void scrub(std::string& text, bool json) const {
    for (const auto& s : steps_) s.processor->scrub(text, json);
  }

  std::size_t size() const noexcept { return steps_.size(); }
  const Processor& step(std::size_t i) const { return *steps_[i].processor; }

 private:
  struct Step {
    std::unique_ptr<Processor> processor;
    Counter* kept;
    Counter* dropped;
    Counter* failed;
  };
  std::vector<Step> steps_;
};

// The pipeline currently in force. Workers load() once per event (or batch) and
// keep the shared_ptr for the event's life; reload store()s a new one.
class PipelineSlot {
 public:
  explicit PipelineSlot(std::shared_ptr<const Pipeline> initial = nullptr) : current_(std::move(initial)) {}
  std::shared_ptr<const Pipeline> load() const noexcept { return current_.load(std::memory_order_acquire); }
  void store(std::shared_ptr<const Pipeline> next) noexcept {
    current_.store(std::move(next), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const Pipeline>> current_;
};

}  // namespace lt
