// Joins continuation lines (stack traces, wrapped messages) onto the line that
// started the event, for the file tail: start-of-event regex in, records out.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace re2 {
class RE2;
}

namespace lt::parsers {

class MultilineAssembler {
 public:
  using Clock = std::chrono::steady_clock;

  struct Record {
    std::string text;             // the lines joined by '\n', at most max_bytes
    bool truncated = false;       // lines or bytes were cut to stay within max_bytes
    std::size_t lines = 0;        // lines fed into it, cut ones included
    std::uint64_t end_position = 0;  // the position fed with its last line: checkpoint here once acked
  };

  // `start_pattern` is RE2, matched anywhere in the line (anchor it with ^);
  // returns an error for a person when it does not compile.
  static std::variant<MultilineAssembler, std::string> make(std::string_view start_pattern, std::size_t max_bytes);

  MultilineAssembler(MultilineAssembler&&) noexcept;
  MultilineAssembler& operator=(MultilineAssembler&&) noexcept;
  ~MultilineAssembler();

  // Feeds one line without its terminator; `end_position` is where the line
  // ends in the source (file offset). Returns the previous record when `line`
  // starts a new one. A non-start line with nothing pending starts a record
  // of its own: the head of a file may begin inside a stack trace.
  std::optional<Record> feed(std::string_view line, std::uint64_t end_position = 0,
                             Clock::time_point now = Clock::now());

  // The pending record, if any: at end of input, or when nothing came for a while.
  std::optional<Record> flush();
  // flush() when the last line arrived at least `idle` before `now`.
  std::optional<Record> flush_if_idle(Clock::time_point now, Clock::duration idle);

  bool has_pending() const noexcept { return pending_.lines > 0; }
  std::size_t max_bytes() const noexcept { return max_bytes_; }

 private:
  MultilineAssembler(std::unique_ptr<re2::RE2> start, std::size_t max_bytes);
  void append(std::string_view line);

  std::unique_ptr<re2::RE2> start_;
  std::size_t max_bytes_;
  Record pending_;
  Clock::time_point last_feed_{};
};

}  // namespace lt::parsers
