// The uniform shape of every producer input (generator, file, syslog, stdin,
// http): one spec struct, one factory list, start/stop, the same metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "core/ack.h"
#include "core/error.h"
#include "core/metrics.h"
#include "core/pipeline.h"
#include "parsers/parser.h"

namespace lt::sources {

// Settings every source has.
struct SourceOptions {
  std::string name;         // unique among the sources; labels metrics and names the checkpoint
  std::string type;         // generator | file | syslog | stdin | http
  std::string service;      // context stamped on each event (the parser may override from the line)
  std::string environment;
  std::string host;         // empty = this machine's host name
  parsers::ParserOptions parser{"raw", ""};
  std::string multiline_start;             // start-of-event regex; empty = one line, one event
  std::size_t max_line_bytes = 64 * 1024;  // longer records are truncated and flagged truncated=true
  std::size_t ack_window = 8192;           // events in flight per ack partition before the source pauses
};

struct GeneratorOptions {
  double rate = 100;         // events/s (token bucket); 0 = as fast as the sink takes them
  std::uint64_t limit = 0;   // total events, then the source is finished; 0 = unlimited
  std::uint64_t seed = 1;    // same seed, same sequence of events (ids and times aside)
  std::vector<std::string> services{"checkout", "payments", "auth", "search", "inventory"};
  std::vector<std::string> environments{"prod", "staging"};
  // Error storm: every `burst_every_ms`, for `burst_duration_ms`, `burst_rate`
  // extra ERROR/FATAL events/s on `burst_service` (default: the first service).
  std::uint32_t burst_every_ms = 0;  // 0 = no storms
  std::uint32_t burst_duration_ms = 0;
  double burst_rate = 0;
  std::string burst_service;
  bool operator==(const GeneratorOptions&) const = default;
};

struct FileOptions {
  std::vector<std::string> paths;    // paths or glob(7) patterns
  // Files found at the source's first start (no checkpoint file yet); every file
  // found later, including at a restart, is new to us and read from 0.
  bool start_at_beginning = false;
  std::string checkpoint_dir;        // empty = positions kept in memory only
  std::uint32_t poll_interval_ms = 100;    // idle wait before looking for new data again
  std::uint32_t rescan_interval_ms = 1000; // glob again for new / rotated files
  std::uint32_t rotate_wait_ms = 5000;     // keep reading a rotated-away file this long after its last growth
  std::uint32_t multiline_flush_ms = 1000; // emit a pending multi-line event after this much quiet
  // The checkpoint is rewritten (no fsync) as soon as an ack advances it, so a
  // kill -9 re-sends only unacknowledged events; it is fsynced this often (and on
  // stop), so a machine crash or power loss re-sends at most this much more.
  std::uint32_t checkpoint_sync_interval_ms = 1000;
  std::size_t read_block_bytes = 256 * 1024;
  bool operator==(const FileOptions&) const = default;
};

struct SyslogOptions {
  std::string address = "127.0.0.1";
  int udp_port = -1;  // -1 = off, 0 = ephemeral (tests)
  int tcp_port = -1;
  std::string framing = "auto";  // TCP: auto (digit first = octet counting) | octet_counting | newline
  bool tls = false;  // RFC 5425: the TCP listener speaks TLS (both files required)
  std::string tls_cert_file;
  std::string tls_key_file;
  std::size_t max_connections = 256;  // further TCP/TLS connections are closed at once
  std::uint32_t handshake_timeout_ms = 10000;  // a TLS peer that does not finish its handshake is dropped
  bool operator==(const SyslogOptions&) const = default;
};

struct StdinOptions {
  int fd = 0;  // read from this descriptor (tests use a pipe)
  std::uint32_t multiline_flush_ms = 1000;
  bool operator==(const StdinOptions&) const = default;
};

struct HttpOptions {
  std::string address = "127.0.0.1";
  int port = 8088;  // 0 = ephemeral
  std::string path = "/ingest";
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  std::string bearer_token;  // empty = no authentication
  std::uint32_t ack_timeout_ms = 30000;  // longest wait for the sink before answering 503
  std::string tls_cert_file;  // both set: HTTPS
  std::string tls_key_file;
  bool operator==(const HttpOptions&) const = default;
};

// One configured source. Only the section named by `common.type` is read.
struct SourceSpec {
  SourceOptions common;
  GeneratorOptions generator;
  FileOptions file;
  SyslogOptions syslog;
  StdinOptions stdin_input;
  HttpOptions http;
};
// Equal specs mean "unchanged" for hot reload.
bool same_spec(const SourceSpec& a, const SourceSpec& b);

// The per-source metrics every source reports (label source=<name>).
struct SourceMetrics {
  explicit SourceMetrics(const std::string& source_name);
  Counter& events;
  Counter& bytes;
  Counter& parse_errors;
  Counter& truncated;
  Counter& dropped;  // only sources that cannot push back (UDP)
  Counter& lost;     // failed delivery in sources that cannot read their events again
  Gauge& paused;     // 1 while the sink or the ack window refuses more
};

// An interruptible wait: stop() wakes every sleeper at once.
class StopSignal {
 public:
  void request();
  bool requested() const noexcept { return stop_.load(std::memory_order_acquire); }
  // Sleeps up to `d`; true when stop was requested (then returns at once).
  bool wait_for(std::chrono::nanoseconds d);
  void rearm();

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

class Source {
 public:
  virtual ~Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Starts reading on the source's own thread(s) and emitting into `sink`,
  // which must outlive stop(). An error when it cannot (bad path, port taken).
  virtual std::optional<Error> start(EventSink& sink) = 0;
  // Stops reading, waits up to `drain` for in-flight events to be acknowledged,
  // saves the checkpoint. Idempotent; the destructor of each source calls it.
  virtual void stop(std::chrono::milliseconds drain = std::chrono::seconds(5)) = 0;
  // Finite sources (stdin, generator with a limit): true once the input ended
  // and every emitted event was acknowledged or failed.
  virtual bool finished() const { return false; }
  // True when every event emitted so far was acknowledged (none pending or failed).
  virtual bool fully_acknowledged() const = 0;

  const std::string& name() const noexcept { return options_.name; }
  const SourceOptions& options() const noexcept { return options_; }
  SourceMetrics& metrics() noexcept { return metrics_; }

 protected:
  explicit Source(SourceOptions options);
  SourceOptions options_;
  SourceMetrics metrics_;
};

// Creates a fresh parser for one reading thread (parsers are not thread-safe).
using ParserFactory = std::function<std::unique_ptr<parsers::LineParser>()>;

// Record → LogEvent with the source's context: id, time (parsed or now),
// service/environment/host/source, truncation flag, parse-error count.
class EventBuilder {
 public:
  EventBuilder(const SourceOptions& options, std::unique_ptr<parsers::LineParser> parser, SourceMetrics& metrics);
  // `now` (0 = read the clock) stamps the id and a record without a time: a
  // source reading a block of lines reads the clock once for all of them.
  void build(std::string_view record, std::string_view source_label, bool truncated, LogEvent& out,
             TimestampNs now = 0);

 private:
  const SourceOptions& options_;
  std::unique_ptr<parsers::LineParser> parser_;
  SourceMetrics& metrics_;
  std::string host_;
};

// Waits for a slot in the ack window (polling every few ms, never hot) and
// registers the event. nullopt when stop was requested or the tracker failed
// (the caller rewinds).
std::optional<std::uint64_t> track(AckTracker& tracker, std::int64_t end_position, StopSignal& stop,
                                   SourceMetrics& metrics);
// Hands the envelope to the sink, retrying while it refuses (the source is
// paused meanwhile). False only when stop was requested. Counts events/bytes.
bool deliver(EventSink& sink, Envelope& env, StopSignal& stop, SourceMetrics& metrics, std::size_t raw_bytes);
// Events per EventBatch at most: a read block holds a few thousand typical lines.
// 256 keeps a batch's events and its encoded payloads (~90 KB of typical lines)
// in the cache from parsing to producing: 512 took ~25% more of the producer's
// CPU, 128 and 64 more per batch overhead (docs/benchmarks.md; measured when a
// separate thread encoded every batch, which the Kafka sink now does only under
// backpressure).
inline constexpr std::size_t kMaxBatchEvents = 256;
// The same for a batch (EventSink::send_batch); counts its events and bytes.
bool deliver_batch(EventSink& sink, EventBatch& batch, StopSignal& stop, SourceMetrics& metrics,
                   std::size_t raw_bytes);
// For sources that cannot read an event again (syslog, stdin, generator), whose
// positions count events: after a delivery failure, gives up every event in
// flight past the committed position (counted in `lost`; an upper bound, as some
// may have been acknowledged out of order) and restarts the tracker at `sent`.
void give_up_in_flight(AckTracker& tracker, std::int64_t sent, SourceMetrics& metrics);
// Waits until `tracker` committed `position` (or failed) or the deadline passed.
bool wait_committed(const AckTracker& tracker, std::int64_t position, std::chrono::steady_clock::time_point deadline);

std::string local_host_name();
// A thread named "<prefix><source name>" (cut to the kernel's 15 characters), for top -H and gdb.
std::thread named_thread(const std::string& prefix, const std::string& source_name, std::function<void()> body);

// The explicit list of source types. Errors are for a person ("file: no paths").
std::variant<std::unique_ptr<Source>, Error> make_source(const SourceSpec& spec);
// Same, with the parser factory supplied (tests; callers with their own parsers).
std::variant<std::unique_ptr<Source>, Error> make_source(const SourceSpec& spec, ParserFactory parsers);

}  // namespace lt::sources
