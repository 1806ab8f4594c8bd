// The consumer's work on one record, independent of where records come from
// (Kafka in `consume`, an in-process queue in `run`): decode → pipeline (filter,
// enrich, redact; transient failures retried) → alerts → outputs. A record that
// cannot be processed becomes a dead letter with the reason, never a log line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ack.h"
#include "core/json_codec.h"
#include "core/log_event.h"
#include "core/metrics.h"
#include "process/pipeline.h"
#include "process/retry.h"

namespace lt::services {

// Where a record came from, for dead-letter headers.
struct Origin {
  std::string_view topic;
  std::int32_t partition = -1;
  std::int64_t offset = -1;
};

// Dead-letter record headers (docs/operations.md).
inline constexpr std::string_view kDlqErrorCode = "lt.error.code";
inline constexpr std::string_view kDlqErrorMessage = "lt.error.message";
inline constexpr std::string_view kDlqStage = "lt.stage";
inline constexpr std::string_view kDlqTopic = "lt.origin.topic";
inline constexpr std::string_view kDlqPartition = "lt.origin.partition";
inline constexpr std::string_view kDlqOffset = "lt.origin.offset";
inline constexpr std::string_view kDlqFailedAt = "lt.failed_at";
inline constexpr std::string_view kDlqAttempts = "lt.attempts";
inline constexpr std::string_view kDlqPayloadTruncated = "lt.payload.truncated";  // original size, when cut to fit

struct Output {
  enum class Kind : std::uint8_t { Processed, DeadLetter };
  Kind kind = Kind::Processed;
  std::string key;
  std::string payload;  // processed event JSON, or the original bytes of a dead letter
  std::vector<std::pair<std::string, std::string>> headers;
  LogEvent event;  // Processed: the event itself (the embedded `run` feeds it on without re-decoding)
  // Processed, when the event matched an alert rule: the alert notifications it may
  // cause, which the record's offset waits for like its other outputs.
  std::shared_ptr<AckBatch> alerts;
};

// How a record's outputs acknowledge it (issue #5): the record is acknowledged
// once every output was, and the alert notifications it may cause (Output::alerts)
// were too; it fails if any of them failed. No outputs: `record` is acknowledged
// now and nullptr returned. One output and no alert: nullptr, and that output
// acknowledges `record` itself (no allocation). Otherwise the AckGroup that each
// output reports to once (the alert batch is already wired to it).
std::shared_ptr<AckGroup> join_outputs(const AckRef& record, const std::vector<Output>& outputs);

// The headers every dead letter carries (docs/operations.md): why it failed, at
// which stage, after how many attempts, when, and where the record came from.
std::vector<std::pair<std::string, std::string>> dead_letter_headers(std::string_view code, std::string message,
                                                                     std::string_view stage, const Origin& origin,
                                                                     int attempts);

// logtracer_consumer_dead_lettered_total{stage}: `decode`, a processing step, or
// `output` (the broker refused the processed event for good).
Counter& dead_lettered_counter(std::string_view stage);

// Alert rules see every processed event; implemented over src/alerts by the wiring.
class EventObserver {
 public:
  virtual ~EventObserver() = default;
  // Returns the notifications this event may cause (an AckBatch that completes
  // when they were acknowledged), or nullptr when no rule matched it.
  virtual std::shared_ptr<AckBatch> observe(const LogEvent& event) = 0;
  // Kafka rebalances: alert windows are per process (docs/alerts.md "Rebalances").
  virtual void partitions_revoked() {}
  virtual void partitions_assigned() {}
};

// Not thread-safe (it owns a decoder): one per processing worker. The pipeline
// slot is shared, so a reload reaches every worker at its next record.
class RecordProcessor {
 public:
  RecordProcessor(std::shared_ptr<PipelineSlot> pipeline, RetryPolicy retry, EventObserver* observer = nullptr,
                  DecodeOptions decode = {});

  // Appends the record's outputs to `out`: one Processed, one DeadLetter, or none
  // when a filter dropped it.
  void process_record(std::string_view key, std::string_view payload, const Origin& origin, std::vector<Output>& out);
  // Same for an event that needs no decoding. `original` (the record's bytes, when
  // there are any) is what a dead letter carries; otherwise the event as encoded.
  void process_event(LogEvent event, std::string_view original_key, const Origin& origin, std::vector<Output>& out,
                     std::string_view original = {});

 private:
  void dead_letter(std::string_view key, std::string_view payload, const Origin& origin, std::string_view code,
                   std::string_view message, std::string_view stage, int attempts, bool json_payload,
                   std::vector<Output>& out);

  std::shared_ptr<PipelineSlot> pipeline_;
  Backoff backoff_;
  EventObserver* observer_;
  EventDecoder decoder_;
  LogEvent scratch_;
  std::string payload_;
  Counter& in_;
  Counter& processed_;
  Counter& dropped_;
  Counter& dead_lettered_;
  Counter& retries_;
};

}  // namespace lt::services
