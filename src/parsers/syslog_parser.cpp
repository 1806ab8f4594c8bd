#include "parsers/syslog_parser.h"

#include "parsers/scan.h"
#include "parsers/timestamps.h"

namespace lt::parsers {

namespace {

constexpr std::string_view kFacilities[] = {
    "kern",     "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",     "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "solaris-cron",
    "local0",   "local1", "local2", "local3", "local4", "local5", "local6", "local7"};

constexpr size_t kMaxTagBytes = 48;  // RFC 3164 says 32; real daemons overrun it a little

// "<PRI>" with PRI in 0..191, or -1 when absent/invalid (the cursor then stays).
int scan_pri(Cursor& c) noexcept {
  Cursor t = c;
  if (!t.eat('<')) return -1;
  auto pri = t.take_number(3);
  if (!pri || *pri > 191 || !t.eat('>')) return -1;
  c = t;
  return static_cast<int>(*pri);
}

void apply_pri(LogEvent& out, int pri) {
  out.level = level_from_syslog_severity(pri & 7);
  out.set_attribute("facility", kFacilities[pri >> 3]);
}

bool is_nil(std::string_view s) noexcept { return s == "-"; }

class SyslogParser final : public LineParser {
 public:
  ParseStatus parse(std::string_view raw, LogEvent& out) override {
    const std::string_view line = prepare_line(raw, scratch_);
    Cursor c{line};
    const int pri = scan_pri(c);
    if (pri >= 0 && c.peek() >= '1' && c.peek() <= '9' && (c.peek(1) == ' ' || c.peek(2) == ' ')) {
      Cursor version = c;
      if (version.take_number(2) && version.eat(' ')) return parse_5424(line, version, pri, out);
    }
    return parse_3164(line, c, pri, out);
  }

 private:
  ParseStatus parse_5424(std::string_view line, Cursor c, int pri, LogEvent& out) {
    const std::string_view timestamp = c.take_token();
    std::string_view fields[4];  // hostname, app-name, procid, msgid
    for (auto& f : fields) {
      if (!c.eat(' ')) return mark_partial(out, line, "syslog: RFC 5424 header is incomplete");
      f = c.take_token();
    }
    if (!c.eat(' ')) return mark_partial(out, line, "syslog: RFC 5424 header is incomplete");
    // Structured data is checked whole before anything is written to the event.
    const size_t sd_start = c.pos;
    if (!c.eat('-') && !skip_structured_data(c))
      return mark_partial(out, line, "syslog: malformed structured data at column " + std::to_string(sd_start + 1));
    const std::string_view sd = line.substr(sd_start, c.pos - sd_start);
    if (!c.done() && !c.eat(' ')) return mark_partial(out, line, "syslog: no space after structured data");

    apply_pri(out, pri);
    if (!is_nil(timestamp)) {
      if (auto ts = parse_rfc3339_in_range(timestamp)) {
        out.timestamp = *ts;
      } else {
        out.set_attribute("original_timestamp", timestamp);
      }
    }
    if (!is_nil(fields[0])) out.host.assign(fields[0]);
    if (!is_nil(fields[1])) out.set_attribute("app", fields[1]);
    if (!is_nil(fields[2])) set_typed_attribute(out, "pid", fields[2]);
    if (!is_nil(fields[3])) out.set_attribute("msgid", fields[3]);
    if (sd != "-") apply_structured_data(sd, out);
    std::string_view message = c.rest();
    if (message.substr(0, 3) == "\xEF\xBB\xBF") message.remove_prefix(3);  // the BOM RFC 5424 allows
    out.message.assign(trim_right(message));
    return ParseStatus::Ok;
  }

  // [id name="value" ...][id2 ...] — values escape '"', '\' and ']' with '\'.
  static bool skip_structured_data(Cursor& c) noexcept {
    Cursor t = c;
    if (t.peek() != '[') return false;
    while (t.peek() == '[' && !t.done()) {
      ++t.pos;
      bool in_value = false;
      while (true) {
        if (t.done()) return false;
        const char ch = t.peek();
        if (in_value) {
          if (ch == '\\') {
            t.pos += 2;
            continue;
          }
          if (ch == '"') in_value = false;
        } else if (ch == '"') {
          in_value = true;
        } else if (ch == ']') {
          ++t.pos;
          break;
        }
        ++t.pos;
      }
    }
    c = t;
    return true;
  }

  void apply_structured_data(std::string_view sd, LogEvent& out) {
    Cursor c{sd};
    while (c.eat('[')) {
      const size_t id_start = c.pos;
      while (!c.done() && c.peek() != ' ' && c.peek() != ']') ++c.pos;
      const std::string_view id = sd.substr(id_start, c.pos - id_start);
      while (c.eat(' ')) {
        const std::string_view name = c.take_until('=');
        if (!c.eat('=') || !c.eat('"')) return;
        value_.clear();
        while (!c.done() && c.peek() != '"') {
          if (c.peek() == '\\' && c.pos + 1 < sd.size()) ++c.pos;
          value_ += c.peek();
          ++c.pos;
        }
        c.eat('"');
        key_.assign(id).append(".").append(name);
        out.set_attribute(key_, value_);
      }
      c.take_until(']');
      c.eat(']');
    }
  }

  ParseStatus parse_3164(std::string_view line, Cursor c, int pri, LogEvent& out) {
    std::optional<TimestampNs> ts = scan_bsd_timestamp(c, now_ns());
    if (!ts) {
      // rsyslog's high-precision template puts an RFC 3339 time here.
      Cursor t = c;
      ts = parse_rfc3339_in_range(t.take_token());
      if (ts) c = t;
    }
    if (!ts) {
      // A bare "<PRI>message" is still syslog (RFC 3164 4.3.3); without PRI it is not.
      if (pri < 0) return mark_partial(out, line, "syslog: no <PRI> and no timestamp at the start");
      apply_pri(out, pri);
      out.message.assign(trim_right(c.rest()));
      return ParseStatus::Ok;
    }
    if (pri >= 0) apply_pri(out, pri);
    out.timestamp = *ts;
    c.skip_blanks();
    // HOSTNAME, unless the next word already is the tag ("sshd[12]:", "kernel:").
    Cursor host = c;
    const std::string_view word = host.take_token();
    if (!word.empty() && word.find('[') == std::string_view::npos && word.back() != ':') {
      out.host.assign(word);
      c = host;
      c.skip_blanks();
    }
    scan_tag(c, out);
    c.skip_blanks();
    out.message.assign(trim_right(c.rest()));
    return ParseStatus::Ok;
  }

  // TAG[PID]: — the tag may hold spaces ("syslogd 1.4.1:"), never ':' or '['.
  static void scan_tag(Cursor& c, LogEvent& out) {
    const std::string_view rest = c.rest();
    const size_t end = rest.find_first_of(":[");
    if (end == std::string_view::npos || end == 0 || end > kMaxTagBytes) return;
    const std::string_view tag = trim(rest.substr(0, end));
    Cursor t{rest, end};
    std::optional<std::string_view> pid;
    if (t.peek() == '[') {
      pid = t.take_bracketed();
      if (!pid) return;
    }
    if (!t.eat(':') || !(t.done() || t.peek() == ' ' || t.peek() == '\t') || tag.empty()) return;
    out.set_attribute("app", tag);
    if (pid) set_typed_attribute(out, "pid", *pid);
    c.pos += t.pos;
  }

  std::string scratch_;
  std::string key_;
  std::string value_;
};

}  // namespace

ParserOrError make_syslog_parser(const ParserOptions&) { return std::make_unique<SyslogParser>(); }

}  // namespace lt::parsers
