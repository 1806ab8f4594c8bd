#include "sources/source.h"

#include <pthread.h>
#include <unistd.h>

#include <thread>

#include "core/id.h"
#include "core/utf8.h"

namespace lt::sources {

bool same_spec(const SourceSpec& a, const SourceSpec& b) {
  const auto& x = a.common;
  const auto& y = b.common;
  const bool common = x.name == y.name && x.type == y.type && x.service == y.service &&
                      x.environment == y.environment && x.host == y.host && x.parser.name == y.parser.name &&
                      x.parser.pattern == y.parser.pattern && x.multiline_start == y.multiline_start &&
                      x.max_line_bytes == y.max_line_bytes && x.ack_window == y.ack_window;
  if (!common) return false;
  // Only the section of the source's type matters: a stray change elsewhere must not restart it.
  if (x.type == "generator") return a.generator == b.generator;
  if (x.type == "file") return a.file == b.file;
  if (x.type == "syslog") return a.syslog == b.syslog;
  if (x.type == "stdin") return a.stdin_input == b.stdin_input;
  if (x.type == "http") return a.http == b.http;
  return true;
}

namespace {
Labels source_label(const std::string& name) { return {{"source", name}}; }
}  // namespace

SourceMetrics::SourceMetrics(const std::string& n)
    : events(MetricsRegistry::global().counter("logtracer_source_events_total",
                                               "Events a source handed to the pipeline.", source_label(n))),
      bytes(MetricsRegistry::global().counter("logtracer_source_bytes_total",
                                              "Raw bytes of the records a source handed to the pipeline.",
                                              source_label(n))),
      parse_errors(MetricsRegistry::global().counter(
          "logtracer_source_parse_errors_total",
          "Records that did not match the source's format (kept, raw line as message).", source_label(n))),
      truncated(MetricsRegistry::global().counter("logtracer_source_truncated_total",
                                                  "Records cut at max_line_bytes (flagged truncated=true).",
                                                  source_label(n))),
      dropped(MetricsRegistry::global().counter(
          "logtracer_source_dropped_total",
          "Records dropped because the input cannot be paused (UDP) while the pipeline was full.",
          source_label(n))),
      lost(MetricsRegistry::global().counter(
          "logtracer_source_lost_total",
          "Events given up after failed delivery (kafka.message_timeout or a permanent error) by sources that "
          "cannot read them again (syslog, stdin, generator); an upper bound.",
          source_label(n))),
      paused(MetricsRegistry::global().gauge("logtracer_source_paused",
                                             "1 while the source waits for the pipeline (backpressure).",
                                             source_label(n))) {}

void StopSignal::request() {
  {
    std::lock_guard lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

bool StopSignal::wait_for(std::chrono::nanoseconds d) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, d, [&] { return stop_.load(std::memory_order_acquire); });
}

void StopSignal::rearm() { stop_.store(false, std::memory_order_release); }

Source::Source(SourceOptions options) : options_(std::move(options)), metrics_(options_.name) {}

void give_up_in_flight(AckTracker& tracker, std::int64_t sent, SourceMetrics& metrics) {
  const std::int64_t given_up = sent - tracker.committed();
  if (given_up > 0) metrics.lost.inc(static_cast<std::uint64_t>(given_up));
  tracker.reset(sent);
}

std::string local_host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

std::thread named_thread(const std::string& prefix, const std::string& source_name, std::function<void()> body) {
  return std::thread([name = (prefix + source_name).substr(0, 15), body = std::move(body)] {
    pthread_setname_np(pthread_self(), name.c_str());
    body();
  });
}

EventBuilder::EventBuilder(const SourceOptions& options, std::unique_ptr<parsers::LineParser> parser,
                           SourceMetrics& metrics)
    : options_(options),
      parser_(std::move(parser)),
      metrics_(metrics),
      host_(options.host.empty() ? local_host_name() : options.host) {}

void EventBuilder::build(std::string_view record, std::string_view source_label, bool truncated, LogEvent& out,
                         TimestampNs now) {
  if (record.size() > options_.max_line_bytes) {
    record = truncate_utf8(record, options_.max_line_bytes);
    truncated = true;
  }
  out.reset(options_.service, options_.environment, host_, source_label);
  if (parser_) {
    if (parser_->parse(record, out) != parsers::ParseStatus::Ok) metrics_.parse_errors.inc();
  } else {
    append_sanitized_utf8(record, out.message);
  }
  if (now == 0 && (out.timestamp == 0 || out.id.empty())) now = now_ns();
  if (out.timestamp == 0) out.timestamp = now;
  if (out.id.empty()) assign_event_id(now, out.id);
  if (truncated) {
    out.set_attribute("truncated", "true", AttrType::Bool);
    metrics_.truncated.inc();
  }
}

std::optional<std::uint64_t> track(AckTracker& tracker, std::int64_t end_position, StopSignal& stop,
                                   SourceMetrics& metrics) {
  bool paused = false;
  for (;;) {
    if (tracker.failed()) break;
    if (auto seq = tracker.try_track(end_position)) {
      if (paused) metrics.paused.set(0);
      return seq;
    }
    if (!paused) {
      metrics.paused.set(1);
      paused = true;
    }
    // The tracker has no wake-up; a short sleep keeps this far from a hot spin.
    if (stop.wait_for(std::chrono::milliseconds(2))) break;
  }
  if (paused) metrics.paused.set(0);
  return std::nullopt;
}

namespace {
// Offers to the sink until it takes (the source is paused meanwhile); false when stop was requested.
template <typename Offer>
bool offer_until_taken(Offer&& offer, StopSignal& stop, SourceMetrics& metrics) {
  bool paused = false;
  for (;;) {
    if (offer(std::chrono::milliseconds(paused ? 100 : 0))) break;
    if (!paused) {
      metrics.paused.set(1);
      paused = true;
    }
    // A sink that refuses without waiting must not turn this into a hot loop.
    if (stop.wait_for(std::chrono::milliseconds(1))) {
      metrics.paused.set(0);
      return false;
    }
  }
  if (paused) metrics.paused.set(0);
  return true;
}
}  // namespace

bool deliver(EventSink& sink, Envelope& env, StopSignal& stop, SourceMetrics& metrics, std::size_t raw_bytes) {
  if (!offer_until_taken([&](std::chrono::milliseconds wait) { return sink.send(env, wait); }, stop, metrics))
    return false;
  metrics.events.inc();
  metrics.bytes.inc(raw_bytes);
  return true;
}

bool deliver_batch(EventSink& sink, EventBatch& batch, StopSignal& stop, SourceMetrics& metrics,
                   std::size_t raw_bytes) {
  const std::size_t n = batch.size;
  if (!offer_until_taken([&](std::chrono::milliseconds wait) { return sink.send_batch(batch, wait); }, stop,
                         metrics))
    return false;
  metrics.events.inc(n);
  metrics.bytes.inc(raw_bytes);
  return true;
}

bool wait_committed(const AckTracker& tracker, std::int64_t position,
                    std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (tracker.committed() >= position) return true;
    if (tracker.failed() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace lt::sources
