#include "parsers/multiline.h"

#include <re2/re2.h>

#include "core/utf8.h"

namespace lt::parsers {

std::variant<MultilineAssembler, std::string> MultilineAssembler::make(std::string_view start_pattern,
                                                                       std::size_t max_bytes) {
  if (start_pattern.empty()) return std::string("multiline: the start-of-event pattern is empty");
  if (max_bytes == 0) return std::string("multiline: max_bytes must be positive");
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(start_pattern.data(), start_pattern.size()), options);
  if (!re->ok()) return "multiline: " + re->error() + " in pattern '" + std::string(start_pattern) + "'";
  return MultilineAssembler(std::move(re), max_bytes);
}

MultilineAssembler::MultilineAssembler(std::unique_ptr<re2::RE2> start, std::size_t max_bytes)
    : start_(std::move(start)), max_bytes_(max_bytes) {}
MultilineAssembler::MultilineAssembler(MultilineAssembler&&) noexcept = default;
MultilineAssembler& MultilineAssembler::operator=(MultilineAssembler&&) noexcept = default;
MultilineAssembler::~MultilineAssembler() = default;

std::optional<MultilineAssembler::Record> MultilineAssembler::feed(std::string_view line,
                                                                   std::uint64_t end_position,
                                                                   Clock::time_point now) {
  std::optional<Record> done;
  if (has_pending() && RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *start_)) done = flush();
  append(line);
  pending_.end_position = end_position;
  last_feed_ = now;
  return done;
}

void MultilineAssembler::append(std::string_view line) {
  std::string& text = pending_.text;
  const bool first = pending_.lines++ == 0;
  if (pending_.truncated) return;  // already full: count the line, keep nothing of it
  const std::size_t separator = first ? 0 : 1;
  if (text.size() + separator + line.size() <= max_bytes_) {
    if (!first) text += '\n';
    text.append(line);
    return;
  }
  pending_.truncated = true;
  if (text.size() + separator >= max_bytes_) return;
  if (!first) text += '\n';
  text.append(truncate_utf8(line, max_bytes_ - text.size()));
}

std::optional<MultilineAssembler::Record> MultilineAssembler::flush() {
  if (!has_pending()) return std::nullopt;
  Record done = std::move(pending_);
  pending_ = Record{};
  return done;
}

std::optional<MultilineAssembler::Record> MultilineAssembler::flush_if_idle(Clock::time_point now,
                                                                            Clock::duration idle) {
  if (!has_pending() || now - last_feed_ < idle) return std::nullopt;
  return flush();
}

}  // namespace lt::parsers
