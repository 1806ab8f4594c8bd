// The embedded default of `logtracer run`: sources, processing and the
// dashboard in one process, joined by bounded in-process queues instead of
// topics, with the same acknowledgement semantics: a source's position advances
// only after its event was processed and stored in the dashboard window.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/pipeline.h"
#include "dashboard/dashboard.h"
#include "services/record_processor.h"

namespace lt::services {

// The sink the sources write into: one bounded queue per processing worker,
// chosen by service, so one service's events stay in order (as a Kafka key would).
class EmbeddedPipeline : public EventSink {
 public:
  EmbeddedPipeline(dashboard::Dashboard& dashboard, std::shared_ptr<PipelineSlot> pipeline, RetryPolicy retry,
                   EventObserver* observer, std::size_t workers, std::size_t queue_capacity);
  ~EmbeddedPipeline() override;

  bool send(Envelope& env, std::chrono::milliseconds wait) override;
  // Processes what is queued, then stops the workers. Call after the sources stopped.
  void stop();

 private:
  struct Worker;
  dashboard::Dashboard& dashboard_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace lt::services
