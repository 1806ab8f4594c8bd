// What the dashboard knows about alerts (from the alerts topic) and dead letters
// (from the DLQ topic): the latest state per alert and a bounded recent history.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "core/time.h"

namespace lt::dashboard {

class AlertStore {
 public:
  explicit AlertStore(std::size_t max_recent = 200, std::size_t max_alerts = 1000);
  // Accepts one alert notification (docs/alerts.md payload): a JSON object with
  // string members "alert_id" and "state" ("firing" | "resolved"). Returns false
  // (and keeps nothing) for anything else.
  bool ingest(std::string_view json);
  // {"firing":[...latest payloads still firing...],"recent":[...newest first...]}
  std::string render_json() const;
  std::size_t firing() const;

 private:
  struct Entry {
    bool firing = false;
    std::uint64_t seq = 0;
    std::string json;
  };
  std::size_t max_recent_, max_alerts_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> latest_;
  std::deque<std::string> recent_;
  std::uint64_t seq_ = 0;
};

// One record of the dead-letter topic, from its headers (docs/operations.md).
struct DeadLetter {
  std::string code;     // "decode.not_json"
  std::string message;  // why, for a person
  std::string stage;    // "decode", "enrich", ...
  std::string origin_topic;
  std::int32_t origin_partition = -1;
  std::int64_t origin_offset = -1;
  TimestampNs failed_at = 0;
  std::uint32_t attempts = 0;
  std::string payload;  // the original bytes, possibly not UTF-8 nor JSON
};

class DeadLetterStore {
 public:
  explicit DeadLetterStore(std::size_t max_recent = 500, std::size_t max_payload_bytes = 16 << 10);
  void ingest(DeadLetter record);
  // {"total":N,"recent":[{code,message,stage,origin:{topic,partition,offset},failed_at,
  //  attempts,payload,payload_truncated}...newest first]}; payload is text with
  // invalid UTF-8 replaced by U+FFFD.
  std::string render_json() const;
  std::uint64_t total() const;

 private:
  std::size_t max_recent_, max_payload_bytes_;
  mutable std::mutex mu_;
  std::deque<std::pair<DeadLetter, bool>> recent_;  // record, payload truncated
  std::uint64_t total_ = 0;
};

}  // namespace lt::dashboard
