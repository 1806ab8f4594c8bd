// Kafka producer over librdkafka: every message's delivery report reaches its
// caller exactly once (an AckRef, a callback), and a full queue is backpressure.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/ack.h"
#include "kafka/client_config.h"
#include "kafka/topic_partition.h"

namespace lt::kafka {

class Consumer;

struct ProducerOptions {
  std::string compression = "lz4";  // none, gzip, snappy, lz4, zstd
  int linger_ms = 20;
  int batch_size = 1'000'000;   // bytes per partition batch
  bool idempotent = true;       // no duplicates or reordering from internal retries
  std::string acks = "all";
  int queue_buffering_max_messages = 100'000;  // local queue bound: QUEUE_FULL past it
  int queue_buffering_max_kbytes = 65'536;
  // How long librdkafka keeps retrying a message before failing it with
  // kafka.msg_timed_out (transient). librdkafka's default, 5 minutes: a broker
  // outage shorter than this loses nothing.
  int message_timeout_ms = 300'000;
  std::optional<std::string> transactional_id;
  // With a transactional_id: the broker aborts a transaction open longer than
  // this; message_timeout_ms is capped to it (librdkafka requires that).
  int transaction_timeout_ms = 60'000;
  // A dedicated thread serves delivery reports; without it, call poll().
  bool poll_thread = true;
  std::string poll_thread_name = "lt-kafka-dr";
  // What the destructor waits for outstanding messages before failing them.
  std::chrono::milliseconds close_timeout{10'000};
  // Cold path: every failed delivery, whatever callback the message had.
  std::function<void(const Error&)> on_delivery_error;
  // librdkafka's statistics JSON (queue depth, batch sizes, idempotence state:
  // "eos"), every statistics_interval_ms on the poll thread; 0 disables.
  int statistics_interval_ms = 0;
  std::function<void(std::string_view json)> on_statistics;
  // Non-empty: the producer's ProducerMetrics are served on /metrics as
  // logtracer_kafka_producer_*{producer="<label>"} (docs/operations.md).
  std::string metrics_label;
};

struct OutgoingMessage {
  std::string_view topic;
  std::string_view key;  // empty: no key
  std::string_view payload;
  std::span<const Header> headers = {};
  std::int32_t partition = RD_KAFKA_PARTITION_UA;  // default: partitioner on key
  std::int64_t timestamp_ms = 0;                   // 0: now
};

struct DeliveryReport {
  std::string_view topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  const Error* error = nullptr;  // null when delivered
  bool ok() const noexcept { return error == nullptr; }
};

// Called exactly once per accepted message, on a thread serving reports (the
// poll thread, or one inside poll()/flush()): keep it short and thread-safe.
using DeliveryCallback = std::function<void(const DeliveryReport&)>;

struct ProducerMetrics {
  std::atomic<std::uint64_t> accepted{0};   // produce() calls that queued a message
  std::atomic<std::uint64_t> delivered{0};  // acknowledged by the broker
  std::atomic<std::uint64_t> failed{0};     // delivery reports with an error
  // Accepted, report not yet served. Read while reports arrive: a snapshot, never below 0.
  std::int64_t in_flight() const noexcept {
    const std::uint64_t done = delivered.load(std::memory_order_relaxed) + failed.load(std::memory_order_relaxed);
    const std::uint64_t queued = accepted.load(std::memory_order_relaxed);
    return queued > done ? static_cast<std::int64_t>(queued - done) : 0;
  }
};

// A transaction call's failure: `requires_abort` means abort_transaction() and
// start over; error.fatal() means the producer must be recreated; a retriable
// error may be retried as is.
struct TxnError {
  Error error;
  bool requires_abort = false;
};
using TxnStatus = std::optional<TxnError>;

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> create(const ClientConfig& config,
                                                  const ProducerOptions& options = {});
  // Flushes for close_timeout, then fails what is left: every callback has been
  // called when the destructor returns.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // On error (kafka.queue_full is transient backpressure) nothing was queued and
  // no callback will fire: the caller still owns the message and its ack.
  [[nodiscard]] Status produce(const OutgoingMessage& message);
  [[nodiscard]] Status produce(const OutgoingMessage& message, AckRef ack);
  [[nodiscard]] Status produce(const OutgoingMessage& message, DeliveryCallback callback);

  // Serves delivery reports (only needed without the poll thread). Returns the
  // number of events served.
  int poll(std::chrono::milliseconds timeout);
  // Waits until every queued message has its delivery report.
  [[nodiscard]] Status flush(std::chrono::milliseconds timeout);

  [[nodiscard]] TxnStatus init_transactions(std::chrono::milliseconds timeout);
  [[nodiscard]] TxnStatus begin_transaction();
  // `offsets` are next-to-read offsets (last processed + 1) of `consumer`'s group.
  [[nodiscard]] TxnStatus send_offsets_to_transaction(const Consumer& consumer,
                                                      const std::vector<TopicPartition>& offsets,
                                                      std::chrono::milliseconds timeout);
  [[nodiscard]] TxnStatus commit_transaction(std::chrono::milliseconds timeout);
  [[nodiscard]] TxnStatus abort_transaction(std::chrono::milliseconds timeout);

  // Per-message context for the report, freed (or recycled) by complete().
  struct DeliveryNode {
    virtual ~DeliveryNode() = default;
    // Called exactly once per message that carried the node; takes ownership.
    virtual void complete(const DeliveryReport& report) noexcept = 0;
  };
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* t) const noexcept { rd_kafka_topic_destroy(t); }
  };
  using TopicHandle = std::unique_ptr<rd_kafka_topic_t, TopicDeleter>;
  // A handle to produce to `topic` without a lookup by name per message. Must be
  // released before the producer is destroyed.
  Result<TopicHandle> topic(const std::string& topic);

  // The batch fast path: many messages in one call, in order, with one clock
  // read and one topic lock for all (rd_kafka_produce_batch). Payloads are NOT
  // copied and must stay valid until their node (the message's _private, a
  // DeliveryNode*; several messages may share one node and one buffer) gets the
  // report; keys are copied. Each message's `err` says whether it was queued (a
  // node is called only for those); after RD_KAFKA_RESP_ERR__QUEUE_FULL none of
  // the rest was. Returns how many were queued.
  int produce_batch_borrowed(rd_kafka_topic_t* topic, std::span<rd_kafka_message_t> messages);

  const ProducerMetrics& metrics() const noexcept { return *metrics_; }
  // The largest payload librdkafka accepts with this key and these headers
  // (`message.max.bytes` less the record's framing, with headroom). A bigger one
  // is refused for good (kafka.msg_size_too_large): callers cut it to fit first.
  std::size_t max_payload_bytes(std::size_t key_bytes = 0, std::size_t header_bytes = 0) const noexcept {
    const std::size_t overhead = 512 + key_bytes + header_bytes;
    return max_message_bytes_ > overhead ? max_message_bytes_ - overhead : 0;
  }
  // Messages queued locally or in flight to the broker.
  std::size_t queue_length() const;
  // How many messages fit in the local queue (queue.buffering.max.messages):
  // produce calls past it fail with QUEUE_FULL until delivery reports make room.
  std::size_t queue_capacity() const noexcept { return queue_capacity_; }
  // Set once the producer hit an unrecoverable error (idempotence or transaction
  // state lost): recreate it.
  std::optional<Error> fatal_error() const;
  rd_kafka_t* handle() const noexcept { return rk_.get(); }

 private:
  explicit Producer(ProducerOptions options) : options_(std::move(options)) {}
  Status enqueue(const OutgoingMessage& message, DeliveryNode* node);
  void start_poll_thread();
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t* rk, int code, const char* reason, void* opaque);
  static int on_statistics(rd_kafka_t* rk, char* json, size_t size, void* opaque);
  void handle_delivery(const rd_kafka_message_t* message);

  HandlePtr rk_;
  ProducerOptions options_;
  // Shared with the /metrics functions, which outlive a producer replaced by a reload.
  std::shared_ptr<ProducerMetrics> metrics_ = std::make_shared<ProducerMetrics>();
  std::size_t max_message_bytes_ = 1'000'000;  // librdkafka's default message.max.bytes
  std::size_t queue_capacity_ = 100'000;      // librdkafka's default queue.buffering.max.messages
  std::atomic<bool> stop_{false};
  std::thread poll_thread_;
};

}  // namespace lt::kafka
