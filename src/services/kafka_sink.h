// EventSink over the Kafka producer: the producer side of "no loss". An event's
// AckRef is acknowledged by the broker's delivery report (acks=all, idempotent),
// and a full producer queue is backpressure on the source, never a drop.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "config/config.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/pipeline.h"
#include "kafka/producer.h"

namespace lt::services {

class KafkaSink : public EventSink {
 public:
  // Key = the event's service, so one service's events stay ordered in one partition.
  KafkaSink(kafka::Producer& producer, std::string topic);

  bool send(Envelope& env, std::chrono::milliseconds wait) override;

  const std::string& topic() const noexcept { return topic_; }

 private:
  kafka::Producer& producer_;
  std::string topic_;
  Counter& rejected_;
};

// A process's way into kafka.topics.raw: its producer and the sink over it,
// replaced whole when a reload changes `kafka:`.
struct RawTopicOutput {
  std::unique_ptr<kafka::Producer> producer;
  std::unique_ptr<KafkaSink> sink;
};
std::variant<RawTopicOutput, Error> connect_raw_topic(const config::Config& cfg);

}  // namespace lt::services
