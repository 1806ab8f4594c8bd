#include "sources/stdin_input.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
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
  EventBuilder builder(options_, parsers_ ? parsers_() : nullptr, metrics_);
  LineSplitter splitter(options_.max_line_bytes);
  std::optional<parsers::MultilineAssembler> joiner;
  if (!options_.multiline_start.empty()) {
    auto made = parsers::MultilineAssembler::make(options_.multiline_start, options_.max_line_bytes);
    joiner.emplace(std::move(std::get<parsers::MultilineAssembler>(made)));
  }
  Envelope env;
  auto emit = [&](std::string_view text, std::int64_t end, bool truncated) {
    builder.build(text, "stdin", truncated, env.event);
    auto seq = track(*tracker_, end, stop_, metrics_);
    if (!seq) {
      if (stop_.requested()) return false;
      // A pipe cannot be read again: report the loss through fully_acknowledged().
      spdlog::error("source {}: a line from stdin failed delivery and cannot be re-read", name());
      lost_ = true;
      tracker_->reset(sent_.load());
      seq = tracker_->try_track(end);
      if (!seq) return false;
    }
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
                                             std::chrono::milliseconds(stdin_.multiline_flush_ms)))
          emit(rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated);
      }
      continue;
    }
    const ssize_t n = ::read(stdin_.fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      spdlog::error("source {}: read: {}", name(), std::strerror(errno));
      break;
    }
    if (n == 0) {  // EOF: the last line may lack its newline; nothing more will join a pending event
      if (splitter.flush_partial(offset, on_line) && joiner) {
        if (auto rec = joiner->flush()) emit(rec->text, static_cast<std::int64_t>(rec->end_position), rec->truncated);
      }
      break;
    }
    if (!splitter.feed(std::string_view(buf.data(), static_cast<std::size_t>(n)), offset, on_line)) break;
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
}

bool StdinSource::finished() const {
  return eof_ && tracker_ && (tracker_->failed() || tracker_->committed() >= sent_.load());
}

bool StdinSource::fully_acknowledged() const {
  return tracker_ && !lost_ && !tracker_->failed() && tracker_->committed() >= sent_.load();
}

}  // namespace lt::sources
