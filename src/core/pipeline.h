// The seam between stages: an event travels with its acknowledgement handle.
// Sources emit Envelopes into an EventSink; a sink acknowledges each envelope
// once its output is durable (Kafka delivery report, store write) or fails it.
// No source knows which sink it feeds, and no sink knows which source fed it.
#pragma once

#include <chrono>

#include "core/ack.h"
#include "core/log_event.h"

namespace lt {

struct Envelope {
  LogEvent event;
  AckRef ack;  // empty for fire-and-forget inputs (there are none in production paths)
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // Takes the envelope, or returns false after waiting up to `wait` when the
  // sink is full (backpressure: the source pauses and tries again).
  // On false the envelope is left untouched in `env`.
  virtual bool send(Envelope& env, std::chrono::milliseconds wait) = 0;
};

}  // namespace lt
