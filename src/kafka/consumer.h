// Kafka consumer-group member over librdkafka: cooperative-sticky rebalances with
// hooks, offsets committed only where the caller stored them (at-least-once).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/topic_partition.h"

namespace lt::kafka {

// One consumed record (or an error event), owning librdkafka's message: views
// stay valid while the Message lives. Empty (false) when poll() timed out.
class Message {
 public:
  Message() = default;
  explicit Message(rd_kafka_message_t* message) noexcept : m_(message) {}
  Message(Message&& other) noexcept : m_(other.m_) { other.m_ = nullptr; }
  Message& operator=(Message&& other) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message();

  explicit operator bool() const noexcept { return m_ != nullptr; }
  // Set for an error event (not a record): broker trouble, unknown topic, ...
  std::optional<Error> error() const;

  std::string_view topic() const noexcept;
  std::int32_t partition() const noexcept { return m_->partition; }
  std::int64_t offset() const noexcept { return m_->offset; }
  std::string_view key() const noexcept;
  std::string_view payload() const noexcept;
  std::int64_t timestamp_ms() const noexcept;  // -1 when the record has none
  std::vector<Header> headers() const;
  // The last value of header `key`, if present.
  std::optional<std::string_view> header(std::string_view key) const;
  rd_kafka_message_t* raw() const noexcept { return m_; }

 private:
  rd_kafka_message_t* m_ = nullptr;
};

// Run on the thread that calls poll() (or close()), during the rebalance.
struct RebalanceHooks {
  // Before newly assigned partitions join the assignment: set each one's `offset`
  // to where fetching starts (an absolute offset, or RD_KAFKA_OFFSET_BEGINNING /
  // _END / RD_KAFKA_OFFSET_TAIL(n)). Left RD_KAFKA_OFFSET_INVALID, a partition
  // resumes from the group's committed offset (auto_offset_reset without one).
  // Starting offsets this way, rather than seek() in on_assigned, never races the
  // fetcher (librdkafka refuses seeks on partitions it is still starting: _STATE).
  // Gets the added partitions: under the eager protocol that is the whole new
  // assignment (the old one was dropped), so an owner that must not re-read
  // remembers its own positions. Unset: committed offsets, as for consume.
  std::function<void(std::vector<TopicPartition>&)> start_offsets;
  // After the partitions were added to the assignment (pause works here; choose
  // where they start with start_offsets).
  std::function<void(const std::vector<TopicPartition>&)> on_assigned;
  // Before the partitions leave the assignment: finish or abandon their work and
  // store offsets now; they are committed right after. `lost` = the group moved
  // on without us (session timeout): nothing can be committed any more.
  std::function<void(const std::vector<TopicPartition>&, bool lost)> on_revoked;
};

struct ConsumerOptions {
  std::string group_id;
  std::string assignor = "cooperative-sticky";
  // Offsets are never stored automatically: only store_offset() marks a record
  // as done. With auto_commit, stored offsets are committed in the background
  // every auto_commit_interval_ms, on revoke and on close. Without it (exactly-
  // once via transactions), only commit() or the producer's transaction commits.
  bool auto_commit = true;
  int auto_commit_interval_ms = 1'000;
  std::string isolation_level = "read_committed";
  std::string auto_offset_reset = "earliest";
  int session_timeout_ms = 10'000;
  int max_poll_interval_ms = 300'000;
  RebalanceHooks hooks;
};

struct ConsumerMetrics {
  std::atomic<std::uint64_t> consumed{0};
  std::atomic<std::uint64_t> assigned_partitions{0};  // total over all rebalances
  std::atomic<std::uint64_t> revoked_partitions{0};
  std::atomic<std::uint64_t> lost_partitions{0};
  std::atomic<std::uint64_t> rebalances{0};  // rebalance callbacks served
};

struct Watermarks {
  std::int64_t low = -1;
  std::int64_t high = -1;  // offset of the next record to be written
};

// Destroy a consumer before deleting a topic it read: librdkafka 2.0.2 can hang
// in rd_kafka_destroy() on partitions of a deleted topic (librdkafka #3007).
class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> create(const ClientConfig& config,
                                                  const ConsumerOptions& options);
  // Calls close() if it was not called.
  ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  [[nodiscard]] Status subscribe(const std::vector<std::string>& topics);
  // A record, an error event, or an empty Message on timeout. Serves rebalance
  // callbacks (hooks run inside).
  Message poll(std::chrono::milliseconds timeout);

  // `next_offset` = offset of the last processed record + 1.
  [[nodiscard]] Status store_offset(std::string_view topic, std::int32_t partition,
                                    std::int64_t next_offset);
  [[nodiscard]] Status store_offsets(const std::vector<TopicPartition>& offsets);
  // Synchronous commit of the stored offsets (nothing stored is not an error).
  [[nodiscard]] Status commit();
  // Synchronous commit of exactly these (next-to-read) offsets.
  [[nodiscard]] Status commit(const std::vector<TopicPartition>& offsets);

  [[nodiscard]] Status pause(const std::vector<TopicPartition>& partitions);
  [[nodiscard]] Status resume(const std::vector<TopicPartition>& partitions);
  // Next poll() of that partition returns `tp.offset`.
  [[nodiscard]] Status seek(const TopicPartition& tp, std::chrono::milliseconds timeout);

  // The group's committed offsets for `partitions` (offset -1001 when none).
  Result<std::vector<TopicPartition>> committed(const std::vector<TopicPartition>& partitions,
                                                std::chrono::milliseconds timeout);
  // Asks the partition leader (network round trip).
  Result<Watermarks> query_watermarks(std::string_view topic, std::int32_t partition,
                                      std::chrono::milliseconds timeout);
  // From the last fetch response (no I/O); only for assigned partitions.
  Result<Watermarks> cached_watermarks(std::string_view topic, std::int32_t partition) const;

  Result<std::vector<TopicPartition>> assignment() const;
  // "COOPERATIVE", "EAGER", or "NONE" before the first rebalance.
  std::string rebalance_protocol() const;

  // Commits stored offsets (with auto_commit), leaves the group (on_revoked runs)
  // and stops fetching. Idempotent.
  Status close();

  const ConsumerMetrics& metrics() const noexcept { return metrics_; }
  rd_kafka_t* handle() const noexcept { return rk_.get(); }

 private:
  explicit Consumer(ConsumerOptions options) : options_(std::move(options)) {}
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void handle_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void choose_start_offsets(rd_kafka_topic_partition_list_t* partitions);
  Status commit_stored(std::string_view why);
  Status store(rd_kafka_topic_partition_list_t* list);

  HandlePtr rk_;
  ConsumerOptions options_;
  ConsumerMetrics metrics_;
  bool closed_ = false;
};

}  // namespace lt::kafka
