// The seam between stages: an event travels with its acknowledgement handle.
// Sources emit Envelopes into an EventSink; a sink acknowledges each envelope
// once its output is durable (Kafka delivery report, store write) or fails it.
// No source knows which sink it feeds, and no sink knows which source fed it.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <vector>

#include "core/ack.h"
#include "core/log_event.h"

namespace lt {

struct Envelope {
  LogEvent event;
  AckRef ack;  // empty for fire-and-forget inputs (there are none in production paths)
};

// Consecutive events of one source that share one acknowledgement (one ack-window
// slot, one heap node for all of them): `ack` is acknowledged once every event is
// durable, or failed if any failed. events[0, size) are live; the vector keeps
// more, cleared, so that their strings' capacity is reused.
struct EventBatch {
  std::vector<LogEvent> events;
  std::size_t size = 0;
  AckRef ack;

  // The next slot to fill (an old event: EventBuilder::build clears it first).
  LogEvent& next() {
    if (size == events.size()) events.emplace_back();
    return events[size++];
  }
};

// Called once by the threads that read at their own pace and fill a sink's queue
// (the file, stdin and generator sources, the Kafka sink's encoder): their nice
// value goes 5 above the process's. On a saturated machine the stages after them
// (with Kafka, librdkafka's broker thread, which compresses and sends and is the
// slowest) then get the CPU first, and the readers wait on backpressure instead
// of preempting them (docs/benchmarks.md: file -> Kafka +12% on two busy cores).
// Listeners (syslog, HTTP) keep the process's priority: their peers wait on them.
inline void yield_cpu_to_downstream() noexcept { (void)::nice(5); }

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Takes the envelope, or returns false after waiting up to `wait` when the
  // sink is full (backpressure: the source pauses and tries again).
  // On false the envelope is left untouched in `env`.
  virtual bool send(Envelope& env, std::chrono::milliseconds wait) = 0;

  // Sinks that take whole batches say so; sources then send batches instead of
  // single envelopes (a source uses one or the other, never both, so its order holds).
  virtual bool accepts_batches() const { return false; }
  // Takes the batch (leaving `batch` with size 0 and possibly other, recycled
  // event storage), or returns false after waiting up to `wait`, batch untouched.
  virtual bool send_batch(EventBatch& batch, std::chrono::milliseconds wait) {
    (void)batch;
    (void)wait;
    return false;
  }
};

}  // namespace lt
