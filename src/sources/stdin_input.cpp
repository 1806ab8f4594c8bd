#include "sources/stdin_input.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <spdlog/spdlog.h>

#include "parsers/multiline.h"
#include "sources/line_reader.h"

namespace lt::sources {

StdinSource::StdinSource(SourceOptions common, StdinOptions options, ParserFactory parsers)
    : Source(std::move(common)), stdin_(std::move(options)), parsers_(std::move(parsers)) {}

StdinSource::~StdinSource() { stop(std::chrono::milliseconds(0)); }

std::optional<Error> StdinSource::start(EventSink& sink) {
  if (started_) return Error::permanent("source.started", "source " + name() + " already started");
  if (!options_.multiline_start.empty()) {
    auto made = parsers::MultilineAssembler::make(options_.multiline_start, options_.max_line_bytes);
    if (auto* err = std::get_if<std::string>(&made))
      return Error::permanent("source.multiline", "source " + name() + ": " + *err);
  }
  sink_ = &sink;
  tracker_ = std::make_shared<AckTracker>(options_.ack_window, 0);
  started_ = true;
  thread_ = named_thread("lt-in-", name(), [this] { run(); });
  return std::nullopt;
}

void StdinSource::run() {
  yield_cpu_to_downstream();
  EventBuilder builder(options_, parsers_ ? parsers_() : nullptr, metrics_);
  LineSplitter splitter(options_.max_line_bytes);
  std::optional<parsers::MultilineAssembler> joiner;
  if (!options_.multiline_start.empty()) {
    auto made = parsers::MultilineAssembler::make(options_.multiline_start, options_.max_line_bytes);
    joiner.emplace(std::move(std::get<parsers::MultilineAssembler>(made)));
  }
  Envelope env;
  // With a sink that takes batches: the lines of one read, one acknowledgement for all.
  EventBatch batch;
  bool batching = false;
  std::int64_t batch_end = 0;
  std::size_t batch_bytes = 0;
  TimestampNs now = 0;  // one clock read per read(), for ids and undated lines
  auto begin_chunk = [&] {
    batching = sink_->accepts_batches();
    now = now_ns();
  };
  auto track_end = [&](std::int64_t end) -> std::optional<std::uint64_t> {
    auto seq = track(*tracker_, end, stop_, metrics_);
    if (seq || stop_.requested()) return seq;
    // A pipe cannot be read again: report the loss through fully_acknowledged().
    spdlog::error("source {}: lines from stdin failed delivery and cannot be re-read", name());
    lost_ = true;
    give_up_in_flight(*tracker_, sent_.load(), metrics_);
    return tracker_->try_track(end);
  };
  auto send_batch = [&] {
    if (batch.size == 0) return true;
    const std::size_t bytes = std::exchange(batch_bytes, 0);
    auto seq = track_end(batch_end);
    if (seq) {
      batch.ack = AckRef{tracker_, *seq};
      if (deliver_batch(*sink_, batch, stop_, metrics_, bytes)) {
        sent_ = batch_end;
        return true;
      }
    }
    batch.size = 0;
    batch.ack = AckRef{};
    return false;
  };
  // Positions count events, not bytes: a pipe has no checkpoint, and a loss
  // (give_up_in_flight) is reported in events.
  std::int64_t events = 0;
  auto emit = [&](std::string_view text, std::int64_t /*byte offset*/, bool truncated) {
    const std::int64_t end = ++events;
    if (batching) {
      builder.build(text, "stdin", truncated, batch.next(), now);
      batch_end = end;
      batch_bytes += text.size();
      return batch.size < kMaxBatchEvents || send_batch();
    }
    builder.build(text, "stdin", truncated, env.event, now);
    auto seq = track_end(end);
    if (!seq) return false;
    env.ack = AckRef{tracker_, *seq};
    if (!deliver(*sink_, env, stop_, metrics_, text.size())) return false;
    sent_ = end;
    return true;
  };
  auto on_line = [&](std::string_view line, std::int64_t end, bool truncated) {
    if (!joiner) return emit(line, end, truncated);
    if (auto rec = joiner->feed(line, static_cast<std::uint64_t>(end)))
      return emit(rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated);
    return true;
  };
  std::string buf(64 * 1024, '\0');
  std::int64_t offset = 0;
  while (!stop_.requested()) {
    pollfd p{stdin_.fd, POLLIN, 0};
    const int rc = ::poll(&p, 1, 100);  // bounded, so stop() is noticed
    if (rc < 0 && errno != EINTR) {
      spdlog::error("source {}: poll: {}", name(), std::strerror(errno));
      break;
    }
    if (rc <= 0) {
      if (joiner) {
        if (auto rec = joiner->flush_if_idle(parsers::MultilineAssembler::Clock::now(),
                                             std::chrono::milliseconds(stdin_.multiline_flush_ms))) {
          begin_chunk();
          if (emit(rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated)) send_batch();
        }
      }
      continue;
    }
    const ssize_t n = ::read(stdin_.fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      spdlog::error("source {}: read: {}", name(), std::strerror(errno));
      break;
    }
    begin_chunk();
    if (n == 0) {  // EOF: the last line may lack its newline; nothing more will join a pending event
      bool ok = splitter.flush_partial(offset, on_line);
      if (ok && joiner) {
        if (auto rec = joiner->flush())
          ok = emit(rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated);
      }
      if (ok) send_batch();
      break;
    }
    if (!splitter.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), offset, on_line) || !send_batch())
      break;
    offset += n;
  }
  eof_ = true;
}

void StdinSource::stop(std::chrono::milliseconds drain) {
  if (!started_) return;
  started_ = false;
  stop_.request();
  if (thread_.joinable()) thread_.join();
  wait_committed(*tracker_, sent_.load(), std::chrono::steady_clock::now() + drain);
  if (tracker_->failed()) {  // failed after the last line was read: nothing else gave it up
    lost_ = true;
    give_up_in_flight(*tracker_, sent_.load(), metrics_);
  }
}

bool StdinSource::finished() const {
  return eof_ && tracker_ && (tracker_->failed() || tracker_->committed() >= sent_.load());
}

bool StdinSource::fully_acknowledged() const {
  return tracker_ && !lost_ && !tracker_->failed() && tracker_->committed() >= sent_.load();
}

}  // namespace lt::sources
