#include "parsers/nginx_parser.h"

#include "parsers/access_log.h"
#include "parsers/scan.h"
#include "parsers/timestamps.h"

namespace lt::parsers {

namespace {

struct ErrorLine {
  TimestampNs timestamp = 0;
  Level level = Level::Info;
  std::int64_t pid = 0;
  std::int64_t tid = 0;
  std::optional<std::int64_t> connection;
  std::string_view message;
};

bool scan_error_log(std::string_view line, ErrorLine& e) noexcept {
  Cursor c{line};
  auto ts = scan_iso_like_timestamp(c);
  if (!ts || !c.eat(' ')) return false;
  e.timestamp = *ts;
  auto level_word = c.take_bracketed();
  if (!level_word) return false;
  auto level = parse_level(*level_word);
  if (!level || !c.eat(' ')) return false;
  e.level = *level;
  auto pid = c.take_number(10);
  if (!pid || !c.eat('#')) return false;
  auto tid = c.take_number(18);
  if (!tid || !c.eat(':')) return false;
  e.pid = *pid;
  e.tid = *tid;
  c.skip_blanks();
  if (Cursor t = c; t.eat('*')) {
    if (auto id = t.take_number(18); id && t.eat(' ')) {
      e.connection = id;
      c = t;
    }
  }
  e.message = trim_right(c.rest());
  return true;
}

// The error log's ", client: 1.2.3.4," trailer names the peer.
std::string_view client_of(std::string_view message) noexcept {
  constexpr std::string_view kKey = ", client: ";
  const size_t at = message.find(kKey);
  if (at == std::string_view::npos) return {};
  const std::string_view rest = message.substr(at + kKey.size());
  return rest.substr(0, rest.find(','));
}

bool parse_error_log(std::string_view line, LogEvent& out) {
  ErrorLine e;
  if (!scan_error_log(line, e)) return false;
  out.timestamp = e.timestamp;
  out.level = e.level;
  out.set_attribute("pid", std::to_string(e.pid), AttrType::Number);
  out.set_attribute("tid", std::to_string(e.tid), AttrType::Number);
  if (e.connection) out.set_attribute("connection", std::to_string(*e.connection), AttrType::Number);
  if (auto client = client_of(e.message); !client.empty()) out.set_attribute("client_ip", client);
  out.message.assign(e.message);
  return true;
}

}  // namespace

ParserOrError make_nginx_parser(const ParserOptions&) { return make_web_server_parser("nginx", parse_error_log); }

}  // namespace lt::parsers
