// Byte stream → records, shared by the file, stdin and syslog sources: splits
// lines with bounded memory however long a line is, and reports truncation.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lt::sources {

// Splits a byte stream into newline-terminated lines. A line longer than
// `max_line_bytes` keeps only its head (so memory stays bounded whatever the
// input) and is reported truncated; it is never dropped. A trailing '\r' is
// removed. `sink(line, end_position, truncated)` returns false to stop early
// (backpressure gave up, or a rewind): feed() then returns false and the caller
// resets the splitter before feeding from a new position.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line_bytes) : max_(max_line_bytes ? max_line_bytes : 1) {}

  // `base` is the stream position of data[0].
  template <typename Sink>
  bool feed(std::string_view data, std::int64_t base, Sink&& sink) {
    std::size_t start = 0;
    while (start < data.size()) {
      const void* hit = std::memchr(data.data() + start, '\n', data.size() - start);
      if (!hit) break;
      const std::size_t nl = static_cast<const char*>(hit) - data.data();
      const std::int64_t end = base + static_cast<std::int64_t>(nl) + 1;
      std::string_view segment = data.substr(start, nl - start);
      start = nl + 1;
      if (carry_.empty() && !carry_cut_) {
        const bool cut = segment.size() > max_;
        if (cut) segment = segment.substr(0, max_ + kSlack);
        if (!segment.empty() && segment.back() == '\r' && !cut) segment.remove_suffix(1);
        if (!sink(segment, end, cut)) return false;
      } else {
        append(segment);
        std::string_view line = carry_;
        const bool cut = carry_cut_ || line.size() > max_;
        if (!line.empty() && line.back() == '\r' && !cut) line.remove_suffix(1);
        const bool ok = sink(line, end, cut);
        carry_.clear();
        carry_cut_ = false;
        if (!ok) return false;
      }
    }
    append(data.substr(start));
    return true;
  }

  // The unterminated tail (at end of input: a last line without newline).
  bool has_partial() const noexcept { return !carry_.empty() || carry_cut_; }
  template <typename Sink>
  bool flush_partial(std::int64_t end, Sink&& sink) {
    if (!has_partial()) return true;
    const bool ok = sink(std::string_view(carry_), end, carry_cut_ || carry_.size() > max_);
    reset();
    return ok;
  }
  void reset() noexcept {
    carry_.clear();
    carry_cut_ = false;
  }

 private:
  // A few bytes past the limit so truncate_utf8 can cut on a character boundary.
  static constexpr std::size_t kSlack = 4;
  void append(std::string_view s) {
    const std::size_t room = max_ + kSlack > carry_.size() ? max_ + kSlack - carry_.size() : 0;
    if (s.size() > room) {
      carry_cut_ = true;
      s = s.substr(0, room);
    }
    carry_.append(s);
  }

  std::size_t max_;
  std::string carry_;
  bool carry_cut_ = false;
};

}  // namespace lt::sources
