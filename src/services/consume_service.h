// The consumer-group member behind `logtracer consume`: polls the raw topic,
// hands records to processing workers keyed by partition (per-key order), writes
// each record's outputs, and stores an input offset only after every output of
// that record and of all records before it was acknowledged by the broker
// (at-least-once), or commits outputs and offsets in one Kafka transaction
// (exactly-once).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/ack.h"
#include "core/bounded_queue.h"
#include "core/error.h"
#include "core/metrics.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "services/record_processor.h"

namespace lt::services {

struct ConsumeOptions {
  kafka::ClientConfig client;
  std::string input_topic = "logs.raw";
  std::string processed_topic = "logs.processed";
  std::string dlq_topic = "logs.dlq";
  std::string group_id = "logtracer-consumers";
  bool exactly_once = false;
  std::size_t workers = 2;
  std::size_t max_in_flight = 10'000;  // per partition: records taken but not yet fully acknowledged
  RetryPolicy retry;
  DecodeOptions decode;
  kafka::ProducerOptions producer;
  std::chrono::milliseconds revoke_drain{10'000};  // how long a revoke waits for in-flight outputs
};

class ConsumeService {
 public:
  ConsumeService(ConsumeOptions options, std::shared_ptr<PipelineSlot> pipeline, EventObserver* observer = nullptr);
  ~ConsumeService();
  ConsumeService(const ConsumeService&) = delete;
  ConsumeService& operator=(const ConsumeService&) = delete;

  // Connects (producer, then consumer) and subscribes. A clear error when it cannot.
  std::optional<Error> start();
  // Runs the poll loop on the calling thread until `stop` becomes true or a fatal
  // error; then drains in-flight work, commits and leaves the group.
  std::optional<Error> run(const std::atomic<bool>& stop);

  // The producer, for other outputs of this process (alert notifications).
  kafka::Producer* producer() noexcept { return producer_.get(); }

 private:
  struct PartitionState;
  struct Work;
  class Worker;

  std::optional<Error> run_at_least_once(const std::atomic<bool>& stop);
  std::optional<Error> run_exactly_once(const std::atomic<bool>& stop);
  void on_assigned(const std::vector<kafka::TopicPartition>& parts);
  void on_revoked(const std::vector<kafka::TopicPartition>& parts, bool lost);
  std::shared_ptr<PartitionState> state_for(const std::string& topic, std::int32_t partition);
  void store_offsets();
  void rewind_failed_partitions();
  void drain_workers();
  void wait_in_flight(std::chrono::steady_clock::time_point deadline);
  // Exactly-once: commits the open transaction with the offsets processed so far.
  std::optional<Error> commit_transaction();
  void abort_and_rewind(const Error& why);

  ConsumeOptions options_;
  std::shared_ptr<PipelineSlot> pipeline_;
  EventObserver* observer_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::mutex partitions_mu_;
  std::map<std::pair<std::string, std::int32_t>, std::shared_ptr<PartitionState>> partitions_;

  // Exactly-once state (poll thread only).
  std::unique_ptr<RecordProcessor> txn_processor_;
  bool txn_open_ = false;
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> txn_offsets_;
  std::atomic<bool> txn_delivery_failed_{false};

  Counter& rewinds_;
  Counter& offsets_committed_;
  Counter& truncated_;               // processed events cut to fit message.max.bytes
  Histogram& processing_seconds_;    // decode → outputs ready, per record
};

}  // namespace lt::services
