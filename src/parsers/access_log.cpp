#include "parsers/access_log.h"

#include <optional>

#include "parsers/scan.h"
#include "parsers/timestamps.h"

namespace lt::parsers {

namespace {

struct AccessLine {
  std::string_view client, user, request, status, bytes, referer, user_agent, extra;
  TimestampNs timestamp = 0;
};

// A double-quoted field; both servers escape an inner quote with a backslash.
std::optional<std::string_view> take_quoted(Cursor& c) noexcept {
  if (c.peek() != '"' || c.done()) return std::nullopt;
  for (size_t i = c.pos + 1; i < c.text.size(); ++i) {
    if (c.text[i] == '\\') {
      ++i;
    } else if (c.text[i] == '"') {
      const std::string_view inside = c.text.substr(c.pos + 1, i - c.pos - 1);
      c.pos = i + 1;
      return inside;
    }
  }
  return std::nullopt;
}

bool all_digits(std::string_view s) noexcept {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

bool scan(std::string_view line, AccessLine& a) noexcept {
  Cursor c{line};
  a.client = c.take_token();
  if (a.client.empty() || !c.eat(' ')) return false;
  for (char ch : a.client)
    if (static_cast<unsigned char>(ch) < 0x21 || ch == '[' || ch == '"') return false;
  c.take_token();  // ident (RFC 1413), in practice always "-"
  if (!c.eat(' ')) return false;
  a.user = c.take_token();
  if (!c.eat(' ') || !c.eat('[')) return false;
  auto ts = scan_clf_timestamp(c);
  if (!ts || !c.eat(']') || !c.eat(' ')) return false;
  a.timestamp = *ts;
  auto request = take_quoted(c);
  if (!request || !c.eat(' ')) return false;
  a.request = *request;
  a.status = c.take_token();
  if (a.status.size() != 3 || !all_digits(a.status) || a.status[0] < '1' || a.status[0] > '5' || !c.eat(' '))
    return false;
  a.bytes = c.take_token();
  if (a.bytes != "-" && !all_digits(a.bytes)) return false;
  Cursor combined = c;
  if (combined.eat(' ')) {
    auto referer = take_quoted(combined);
    if (referer && combined.eat(' ')) {
      if (auto agent = take_quoted(combined)) {
        a.referer = *referer;
        a.user_agent = *agent;
        c = combined;
      }
    }
  }
  a.extra = trim(c.rest());  // nginx configs often append "$http_x_forwarded_for" or timings
  return true;
}

bool is_method(std::string_view s) noexcept {
  if (s.empty() || s.size() > 16) return false;
  for (char ch : s)
    if (ch < 'A' || ch > 'Z') return false;
  return true;
}

}  // namespace

bool parse_access_log(std::string_view line, LogEvent& out) {
  AccessLine a;
  if (!scan(line, a)) return false;
  out.timestamp = a.timestamp;
  const int status = (a.status[0] - '0') * 100 + (a.status[1] - '0') * 10 + (a.status[2] - '0');
  out.level = status >= 500 ? Level::Error : status >= 400 ? Level::Warn : Level::Info;
  out.set_attribute("client_ip", a.client);
  if (a.user != "-") out.set_attribute("user", a.user);
  Cursor r{a.request};
  const std::string_view method = r.take_token();
  if (is_method(method) && r.eat(' ')) {
    const std::string_view path = r.take_token();
    out.set_attribute("method", method);
    out.set_attribute("path", path);
    if (r.eat(' ')) out.set_attribute("protocol", r.rest());
  } else {
    out.set_attribute("request", a.request);  // "-" or a probe's binary noise: keep it as sent
  }
  out.set_attribute("status", a.status, AttrType::Number);
  if (a.bytes != "-") set_typed_attribute(out, "bytes", a.bytes);
  if (!a.referer.empty() && a.referer != "-") out.set_attribute("referer", a.referer);
  if (!a.user_agent.empty() && a.user_agent != "-") out.set_attribute("user_agent", a.user_agent);
  if (!a.extra.empty()) out.set_attribute("extra", a.extra);
  out.message.assign(trim_right(line));
  return true;
}

namespace {

class WebServerParser final : public LineParser {
 public:
  WebServerParser(std::string_view server, ErrorLogScanner error_log)
      : mismatch_(std::string(server) + ": neither an access log line nor an error log line"),
        error_log_(error_log) {}

  ParseStatus parse(std::string_view raw, LogEvent& out) override {
    const std::string_view line = prepare_line(raw, scratch_);
    if (parse_access_log(line, out) || error_log_(line, out)) return ParseStatus::Ok;
    return mark_partial(out, line, mismatch_);
  }

 private:
  std::string mismatch_;
  ErrorLogScanner error_log_;
  std::string scratch_;
};

}  // namespace

std::unique_ptr<LineParser> make_web_server_parser(std::string_view server, ErrorLogScanner error_log) {
  return std::make_unique<WebServerParser>(server, error_log);
}

}  // namespace lt::parsers
