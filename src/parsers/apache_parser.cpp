#include "parsers/apache_parser.h"

#include "parsers/access_log.h"
#include "parsers/scan.h"
#include "parsers/timestamps.h"

namespace lt::parsers {

namespace {

// Apache's LogLevel names; trace1..trace8 are all TRACE.
std::optional<Level> apache_level(std::string_view word) noexcept {
  if (word.size() == 6 && word.substr(0, 5) == "trace" && word[5] >= '1' && word[5] <= '8') return Level::Trace;
  return parse_level(word);
}

struct ErrorLine {
  TimestampNs timestamp = 0;
  Level level = Level::Info;
  std::string_view module, pid, client, message;
};

bool scan_error_log(std::string_view line, ErrorLine& e) noexcept {
  Cursor c{line};
  if (!c.eat('[')) return false;
  auto ts = scan_ctime_timestamp(c);
  if (!ts || !c.eat(']') || !c.eat(' ')) return false;
  e.timestamp = *ts;
  auto level_field = c.take_bracketed();
  if (!level_field) return false;
  const size_t colon = level_field->find(':');  // 2.4: "[module:level]"
  if (colon != std::string_view::npos) e.module = level_field->substr(0, colon);
  auto level = apache_level(colon == std::string_view::npos ? *level_field : level_field->substr(colon + 1));
  if (!level) return false;
  e.level = *level;
  // "[pid N:tid M]" (2.4) and "[client ADDR]" blocks become attributes but stay
  // in the message, which is everything after the level (as Loghub records it).
  c.skip_blanks();
  e.message = trim_right(c.rest());
  while (true) {
    Cursor t = c;
    t.skip_blanks();
    auto block = t.take_bracketed();
    if (!block) break;
    if (block->substr(0, 4) == "pid ") {
      e.pid = block->substr(4);
    } else if (block->substr(0, 7) == "client ") {
      e.client = block->substr(7);
    } else {
      break;  // a bracket that belongs to the message
    }
    c = t;
  }
  return true;
}

bool parse_error_log(std::string_view line, LogEvent& out) {
  ErrorLine e;
  if (!scan_error_log(line, e)) return false;
  out.timestamp = e.timestamp;
  out.level = e.level;
  if (!e.module.empty()) out.set_attribute("module", e.module);
  if (!e.pid.empty()) set_typed_attribute(out, "pid", e.pid.substr(0, e.pid.find(':')));
  if (!e.client.empty()) out.set_attribute("client_ip", e.client);
  out.message.assign(e.message);
  return true;
}

}  // namespace

ParserOrError make_apache_parser(const ParserOptions&) { return make_web_server_parser("apache", parse_error_log); }

}  // namespace lt::parsers
