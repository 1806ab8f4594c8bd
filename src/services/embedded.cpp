#include "services/embedded.h"

#include <functional>

namespace lt::services {

using namespace std::chrono_literals;

struct EmbeddedPipeline::Worker {
  Worker(EmbeddedPipeline& owner, std::shared_ptr<PipelineSlot> pipeline, RetryPolicy retry, EventObserver* observer,
         std::size_t capacity, int index)
      : owner(owner), queue(capacity), processor(std::move(pipeline), retry, observer) {
    thread = std::thread([this, index] {
      pthread_setname_np(pthread_self(), ("lt-process-" + std::to_string(index)).c_str());
      loop();
    });
  }

  void loop() {
    std::vector<Output> outputs;
    const Origin origin{"embedded", -1, -1};
    while (true) {
      auto env = queue.pop(100ms);
      if (!env) {
        if (queue.closed() && queue.size() == 0) return;
        continue;
      }
      outputs.clear();
      processor.process_event(std::move(env->event), {}, origin, outputs);
      for (auto& out : outputs) {
        if (out.kind == Output::Kind::Processed) {
          owner.dashboard_.ingest(std::move(out.event));
          continue;
        }
        dashboard::DeadLetter d;
        for (const auto& [k, v] : out.headers) {
          if (k == kDlqErrorCode) d.code = v;
          else if (k == kDlqErrorMessage) d.message = v;
          else if (k == kDlqStage) d.stage = v;
          else if (k == kDlqAttempts) d.attempts = static_cast<std::uint32_t>(std::stoul(v));
        }
        d.origin_topic = "embedded";
        d.failed_at = now_ns();
        d.payload = std::move(out.payload);
        owner.dashboard_.ingest_dead_letter(std::move(d));
      }
      // Stored in the window (or kept as a dead letter): the source may move on.
      env->ack.ack();
    }
  }

  EmbeddedPipeline& owner;
  BoundedQueue<Envelope> queue;
  RecordProcessor processor;
  std::thread thread;
};

EmbeddedPipeline::EmbeddedPipeline(dashboard::Dashboard& dashboard, std::shared_ptr<PipelineSlot> pipeline,
                                   RetryPolicy retry, EventObserver* observer, std::size_t workers,
                                   std::size_t queue_capacity)
    : dashboard_(dashboard) {
  const std::size_t n = std::max<std::size_t>(1, workers);
  for (std::size_t i = 0; i < n; ++i)
    workers_.push_back(std::make_unique<Worker>(*this, pipeline, retry, observer,
                                                std::max<std::size_t>(1, queue_capacity / n), static_cast<int>(i)));
}

EmbeddedPipeline::~EmbeddedPipeline() { stop(); }

bool EmbeddedPipeline::send(Envelope& env, std::chrono::milliseconds wait) {
  const std::size_t i = std::hash<std::string>{}(env.event.service) % workers_.size();
  return workers_[i]->queue.push(std::move(env), wait);
}

void EmbeddedPipeline::stop() {
  for (auto& w : workers_) w->queue.close();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

}  // namespace lt::services
