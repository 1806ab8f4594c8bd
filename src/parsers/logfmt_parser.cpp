#include "parsers/logfmt_parser.h"

#include "parsers/scan.h"
#include "parsers/well_known_fields.h"

namespace lt::parsers {

namespace {

bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

class LogfmtParser final : public LineParser {
 public:
  ParseStatus parse(std::string_view raw, LogEvent& out) override {
    const std::string_view line = prepare_line(raw, scratch_);
    Cursor c{line};
    bool any_pair = false;
    bool have_message = false;
    while (true) {
      c.skip_blanks();
      if (c.done()) break;
      const size_t key_start = c.pos;
      while (!c.done() && c.peek() != '=' && !is_blank(c.peek())) ++c.pos;
      const std::string_view key = line.substr(key_start, c.pos - key_start);
      if (!c.eat('=')) {
        out.set_attribute(key, "true", AttrType::Bool);  // a bare key is a flag
        continue;
      }
      if (key.empty()) return mark_partial(out, line, "logfmt: '=' without a key at column " + column(key_start));
      any_pair = true;
      std::string_view value;
      const bool quoted = c.peek() == '"' && !c.done();
      if (quoted) {
        const size_t quote_at = c.pos;
        if (!read_quoted(c)) return mark_partial(out, line, "logfmt: unterminated quote at column " + column(quote_at));
        value = value_;
      } else {
        value = c.take_token();
      }
      WellKnown field = classify_field_name(key);
      if (field == WellKnown::Time) field = WellKnown::Timestamp;  // logfmt's time= is a whole timestamp
      if (field == WellKnown::Date) field = WellKnown::None;       // a lone date is no timestamp: keep it
      if (field == WellKnown::Message) have_message = true;
      if (field != WellKnown::None) {
        if (!value.empty()) assign_well_known(out, field, value);
      } else if (quoted) {
        out.set_attribute(key, value);
      } else if (value == "true" || value == "false") {
        out.set_attribute(key, value, AttrType::Bool);
      } else {
        set_typed_attribute(out, key, value);
      }
    }
    if (!any_pair) return mark_partial(out, line, "logfmt: no key=value pair");
    if (!have_message) out.message.assign(line);  // structured but message-less: the line is searchable
    return ParseStatus::Ok;
  }

 private:
  static std::string column(size_t pos) { return std::to_string(pos + 1); }

  // At an opening quote: unescapes into value_ and consumes the closing quote.
  bool read_quoted(Cursor& c) {
    value_.clear();
    size_t i = c.pos + 1;
    const std::string_view s = c.text;
    while (i < s.size()) {
      const char ch = s[i];
      if (ch == '"') {
        c.pos = i + 1;
        return true;
      }
      if (ch == '\\' && i + 1 < s.size()) {
        const char e = s[i + 1];
        switch (e) {
          case 'n': value_ += '\n'; break;
          case 't': value_ += '\t'; break;
          case 'r': value_ += '\r'; break;
          case '"': case '\\': case '/': value_ += e; break;
          default: value_ += '\\'; value_ += e; break;  // unknown escapes stay as written
        }
        i += 2;
        continue;
      }
      value_ += ch;
      ++i;
    }
    return false;
  }

  std::string scratch_;
  std::string value_;
};

}  // namespace

ParserOrError make_logfmt_parser(const ParserOptions&) { return std::make_unique<LogfmtParser>(); }

}  // namespace lt::parsers
