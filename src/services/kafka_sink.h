// EventSink over the Kafka producer: the producer side of "no loss". An event's
// AckRef is acknowledged by the broker's delivery report (acks=all, idempotent),
// and a full producer queue is backpressure on the source, never a drop.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

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
  // Stops the batch worker. Batches it had not handed to the producer yet are
  // never acknowledged, so their sources re-read them: call drain() first.
  ~KafkaSink() override;

  bool send(Envelope& env, std::chrono::milliseconds wait) override;

  // A batch is encoded and produced on the caller's thread when the producer
  // has room for it and the caller's earlier batches are all produced. Otherwise
  // the sink's worker takes it (up to a few batches, then `wait` and false: the
  // source pauses) and produces it once delivery reports make room, so a source
  // stays free to stop while the broker is away. Batches are produced in the
  // order they were taken. (Several sources may produce at once: one that finds
  // the queue filled by another in the meantime waits for room on its thread.)
  bool accepts_batches() const override { return handle_ != nullptr; }
  bool send_batch(EventBatch& batch, std::chrono::milliseconds wait) override;
  // Waits until every batch taken was handed to the producer (not acknowledged:
  // Producer::flush waits for that). False on timeout.
  bool drain(std::chrono::milliseconds timeout);

  const std::string& topic() const noexcept { return topic_; }

 private:
  void work();
  void produce_batch(EventBatch& batch);
  // Appends the event's JSON, cut to the producer's maximum message size if need be.
  void encode_fitted(LogEvent& event, std::string& out);

  kafka::Producer& producer_;
  std::string topic_;
  Counter& rejected_;
  Counter& truncated_;
  kafka::Producer::TopicHandle handle_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // for the worker: batch queued, stop
  std::condition_variable idle_cv_;  // for callers: batch taken, worker idle, producing here done
  std::deque<EventBatch> queue_;   // taken, not yet produced (bounded)
  std::vector<EventBatch> spare_;  // produced: their storage goes back to the sources
  bool busy_ = false;              // the worker holds a batch outside queue_
  int producing_here_ = 0;         // callers producing a batch on their own thread
  std::atomic<bool> stop_{false};
  std::thread worker_;
};

// A process's way into kafka.topics.raw: its producer and the sink over it,
// replaced whole when a reload changes `kafka:`. The sink (its encoder thread and
// topic handle) must go before the producer: members are destroyed in reverse order,
// and a replacement goes through replace().
struct RawTopicOutput {
  std::unique_ptr<kafka::Producer> producer;
  std::unique_ptr<KafkaSink> sink;

  RawTopicOutput() = default;
  RawTopicOutput(RawTopicOutput&&) = default;
  RawTopicOutput& operator=(RawTopicOutput&& other) noexcept {
    sink.reset();
    producer = std::move(other.producer);
    sink = std::move(other.sink);
    return *this;
  }
};
std::variant<RawTopicOutput, Error> connect_raw_topic(const config::Config& cfg);

}  // namespace lt::services
