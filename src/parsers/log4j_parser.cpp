#include "parsers/log4j_parser.h"

#include <array>

#include "parsers/scan.h"
#include "parsers/timestamps.h"

namespace lt::parsers {

namespace {

bool is_letter(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// One load per character of a logger name, rather than six comparisons.
constexpr std::array<bool, 256> kLoggerChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '$' ||
               c == '_' || c == '-';
  return table;
}();
bool is_logger_char(char c) noexcept { return kLoggerChars[static_cast<unsigned char>(c)]; }

std::optional<TimestampNs> scan_timestamp(Cursor& c) noexcept {
  if (auto ts = scan_iso_like_timestamp(c)) return ts;
  if (auto ts = scan_short_year_timestamp(c)) return ts;
  Cursor t = c;  // "[2026-11-27 23:08:51,123]" as Kafka itself writes it
  if (t.eat('[')) {
    if (auto ts = scan_iso_like_timestamp(t); ts && t.eat(']')) {
      c = t;
      return ts;
    }
  }
  return std::nullopt;
}

std::optional<Level> scan_level(Cursor& c) noexcept {
  Cursor t = c;
  const size_t start = t.pos;
  while (!t.done() && is_letter(t.peek())) ++t.pos;
  if (t.pos == start || t.pos - start > 8 || !(t.done() || t.peek() == ' ' || t.peek() == '\t')) return std::nullopt;
  auto level = parse_level(t.text.substr(start, t.pos - start));
  if (level) c = t;
  return level;
}

// A logger name followed by ':' (Hadoop, Spark: "dfs.DataNode$PacketResponder:")
// or by " - " (log4j, logback). False (cursor unchanged) when there is none.
bool scan_logger(Cursor& c, std::string_view& name) noexcept {
  Cursor t = c;
  const size_t start = t.pos;
  if (!is_letter(t.peek())) return false;
  while (!t.done() && is_logger_char(t.text[t.pos])) ++t.pos;
  const std::string_view found = t.text.substr(start, t.pos - start);
  if (t.eat(':')) {
    if (!(t.done() || t.peek() == ' ')) return false;
  } else {
    t.skip_blanks();
    if (!t.eat('-') || !(t.done() || t.peek() == ' ')) return false;
  }
  c = t;
  name = found;
  return true;
}

// Flags rather than std::optional members: this sits on the stack for every
// line, and a smaller struct is cheaper to set up (no block clear).
struct Fields {
  TimestampNs timestamp = 0;
  std::string_view pid;  // Hadoop's thread number, as written
  std::string_view thread;
  std::string_view logger;
  std::string_view message;
  Level level = Level::Info;
  bool has_thread = false;
  bool has_logger = false;
};

// ZooKeeper's "[%t:%C{1}@%L]": split off the class and line when present.
void apply_thread(std::string_view thread, LogEvent& out) {
  const size_t at = thread.rfind('@');
  const size_t colon = at == std::string_view::npos ? at : thread.rfind(':', at);
  if (colon != std::string_view::npos && at + 1 < thread.size() &&
      thread.find_first_not_of("0123456789", at + 1) == std::string_view::npos) {
    out.set_attribute("thread", thread.substr(0, colon));
    out.set_attribute("logger", thread.substr(colon + 1, at - colon - 1));
    set_typed_attribute(out, "line", thread.substr(at + 1));
    return;
  }
  out.set_attribute("thread", thread);
}

class Log4jParser final : public LineParser {
 public:
  ParseStatus parse(std::string_view raw, LogEvent& out) override {
    const std::string_view line = prepare_line(raw, scratch_);
    Fields f;
    if (auto error = scan(line, f)) return mark_partial(out, line, error);
    out.timestamp = f.timestamp;
    out.level = f.level;
    if (!f.pid.empty()) set_typed_attribute(out, "pid", f.pid);
    if (f.has_thread) apply_thread(f.thread, out);
    if (f.has_logger) out.set_attribute("logger", f.logger);
    out.message.clear();  // then append: cheaper than assign's general replace
    out.message.append(f.message.data(), f.message.size());
    return ParseStatus::Ok;
  }

 private:
  static const char* scan(std::string_view line, Fields& f) noexcept {
    Cursor c{line};
    auto ts = scan_timestamp(c);
    if (!ts) return "log4j: no timestamp at the start of the line";
    f.timestamp = *ts;
    c.skip_blanks();
    if (c.eat("- ")) c.skip_blanks();
    if (c.peek() == '[') {
      const auto thread = c.take_bracketed();
      if (!thread) return "log4j: unterminated '[' before the level";
      f.thread = *thread;
      f.has_thread = true;
      c.skip_blanks();
    } else if (Cursor t = c; t.take_number(18) && t.skip_blanks() > 0) {
      f.pid = trim(line.substr(c.pos, t.pos - c.pos));
      c = t;
    }
    auto level = scan_level(c);
    if (!level) return "log4j: no level word after the timestamp";
    f.level = *level;
    c.skip_blanks();
    if (!f.has_thread && c.peek() == '[') {
      if (Cursor t = c; auto thread = t.take_bracketed()) {
        f.thread = *thread;
        f.has_thread = true;
        c = t;
        c.skip_blanks();
      }
    }
    if (Cursor sep = c; sep.eat('-') && (sep.done() || sep.peek() == ' ')) {
      c = sep;  // ZooKeeper's " - " between the thread and the message
    } else {
      f.has_logger = scan_logger(c, f.logger);
    }
    c.skip_blanks();
    f.message = trim_right(c.rest());
    return nullptr;
  }

  std::string scratch_;
};

}  // namespace

ParserOrError make_log4j_parser(const ParserOptions&) { return std::make_unique<Log4jParser>(); }

}  // namespace lt::parsers
