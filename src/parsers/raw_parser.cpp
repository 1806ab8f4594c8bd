#include "parsers/raw_parser.h"

#include "parsers/scan.h"
#include "parsers/timestamps.h"

namespace lt::parsers {

namespace {

struct LevelWord {
  std::string_view word;
  Level level;
};
constexpr LevelWord kLevelWords[] = {
    {"TRACE", Level::Trace}, {"DEBUG", Level::Debug}, {"INFO", Level::Info},     {"WARN", Level::Warn},
    {"WARNING", Level::Warn}, {"ERROR", Level::Error}, {"FATAL", Level::Fatal}, {"CRITICAL", Level::Fatal},
};

std::optional<Level> level_word_at(Cursor c) noexcept {
  const bool bracketed = c.eat('[');
  const size_t start = c.pos;
  while (!c.done() && c.peek() >= 'A' && c.peek() <= 'Z') ++c.pos;
  const std::string_view word = c.text.substr(start, c.pos - start);
  const char next = c.peek();
  const bool delimited = bracketed ? next == ']' : (c.done() || next == ' ' || next == '\t' || next == ':');
  if (!delimited) return std::nullopt;
  for (const auto& w : kLevelWords)
    if (w.word == word) return w.level;
  return std::nullopt;
}

class RawParser final : public LineParser {
 public:
  ParseStatus parse(std::string_view raw, LogEvent& out) override {
    const std::string_view line = prepare_line(raw, scratch_);
    out.message.assign(line);
    if (auto level = sniff_level(line)) out.level = *level;
    return ParseStatus::Ok;
  }

 private:
  std::string scratch_;
};

}  // namespace

std::optional<Level> sniff_level(std::string_view line) noexcept {
  Cursor c{line};
  c.skip_blanks();
  if (auto level = level_word_at(c)) return level;
  Cursor after_time = c;
  if (scan_iso_like_timestamp(after_time) || scan_short_year_timestamp(after_time) ||
      scan_bsd_timestamp(after_time, 0)) {
    if (after_time.skip_blanks() > 0) return level_word_at(after_time);
  }
  return std::nullopt;
}

ParserOrError make_raw_parser(const ParserOptions&) { return std::make_unique<RawParser>(); }

}  // namespace lt::parsers
