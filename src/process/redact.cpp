#include "process/redact.h"

#include <cstring>

#include "core/json_codec.h"

namespace lt {
namespace {

constexpr std::string_view kMetric = "logtracer_redact_total";
constexpr std::string_view kHelp = "Secrets replaced by the redact step, by kind.";

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_email_local(char c) noexcept {  // [A-Za-z0-9._%+-]
  return is_alnum(c) || c == '.' || c == '%' || c == '+' || c == '-';
}
bool is_email_label(char c) noexcept { return is_alpha(c) || is_digit(c) || c == '-'; }  // [A-Za-z0-9-]

// Where an email whose '@' is at `at` ends, or npos. The domain part of the
// email pattern (see redact_emails) is [A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}:
// labels are the maximal runs between single dots, the greedy star takes as many
// as it can, so the match ends in the last label (after the first) that starts
// with two or more letters, right after those letters.
std::size_t email_domain_end(std::string_view t, std::size_t at) noexcept {
  const std::size_t n = t.size();
  std::size_t e = at + 1;
  while (e < n && is_email_label(t[e])) ++e;
  if (e == at + 1) return std::string_view::npos;
  std::size_t end = std::string_view::npos;
  while (e + 1 < n && t[e] == '.' && is_email_label(t[e + 1])) {
    const std::size_t label = e + 1;
    std::size_t letters = label;
    while (letters < n && is_alpha(t[letters])) ++letters;
    if (letters - label >= 2) end = letters;
    e = letters;
    while (e < n && is_email_label(t[e])) ++e;
  }
  return end;
}

// RE2 rewrite strings treat '\' as an escape; a literal replacement must double it.
std::string literal_rewrite(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::unique_ptr<RE2> compile(std::string_view pattern) {
  RE2::Options o;
  o.set_log_errors(false);
  return std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), o);
}

std::size_t apply(const std::unique_ptr<RE2>& re, const std::string& rewrite, Counter* counter, std::string& text) {
  const int n = RE2::GlobalReplace(&text, *re, rewrite);
  if (n > 0 && counter) counter->inc(static_cast<std::uint64_t>(n));
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

struct DigitGroup {
  std::size_t begin, end;
};

bool luhn_over(std::string_view text, const DigitGroup* first, const DigitGroup* last) noexcept {
  int sum = 0;
  bool twice = false;
  for (const DigitGroup* g = last;; --g) {
    for (std::size_t i = g->end; i-- > g->begin;) {
      int d = text[i] - '0';
      if (twice && (d *= 2) > 9) d -= 9;
      sum += d;
      twice = !twice;
    }
    if (g == first) break;
  }
  return sum % 10 == 0;
}

}  // namespace

bool luhn_valid(std::string_view digits) noexcept {
  int sum = 0, count = 0;
  bool twice = false;
  for (std::size_t i = digits.size(); i-- > 0;) {
    if (!is_digit(digits[i])) continue;
    int d = digits[i] - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
    ++count;
  }
  return count > 0 && sum % 10 == 0;
}

// The words are searched before their regexes run, sixteen bytes at a time
// (most messages hold neither, and a regex search costs far more than the scan).
Redact::Redact(RedactOptions options)
    : options_(std::move(options)), authorization_word_("authorization", true), bearer_word_("bearer", true) {}
Redact::~Redact() = default;

std::variant<std::unique_ptr<Redact>, Error> Redact::create(RedactOptions options, MetricsRegistry& metrics) {
  auto counter = [&](const std::string& kind) {
    return &metrics.counter(std::string(kMetric), std::string(kHelp), {{"kind", kind}});
  };
  const std::string repl = literal_rewrite(options.replacement);
  std::unique_ptr<Redact> r(new Redact(std::move(options)));
  auto& o = r->options_;
  for (const auto& a : o.attributes)
    if (a == "*") r->all_attributes_ = true;

  // The user may be empty ("redis://:pw@host"); the password runs to the last '@' before the
  // path, so an unencoded '@' inside it ("p@ss") cannot leave a tail visible.
  r->url_password_ = {compile(R"(([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*):[^\s/]+@)"), "\\1:" + repl + "@",
                      counter("url_password")};
  r->email_ = counter("email");
  // "Authorization: Bearer x", "authorization=Basic x", "\"authorization\":\"x\"": the scheme goes too.
  r->authorization_ = {
      compile(R"((?i)(authorization"?\s*[:=]\s*"?)(?:(?:bearer|basic|digest|token|negotiate)\s+)?[^\s",;']+)"),
      "\\1" + repl, counter("authorization")};
  // 8+ characters keeps prose ("the bearer of") readable.
  r->bearer_ = {compile(R"((?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]{8,}=*)"), "\\1" + repl, counter("bearer")};
  r->cards_ = counter("card");

  for (const auto& p : o.patterns) {
    auto re = compile(p.pattern);
    if (!re->ok())
      return Error::permanent("redact.bad_pattern", "redact pattern '" + p.name + "': " + re->error());
    std::string err;
    if (!re->CheckRewriteString(p.replacement, &err))
      return Error::permanent("redact.bad_replacement", "redact pattern '" + p.name + "' replacement: " + err);
    r->custom_.push_back({std::move(re), p.replacement, counter(p.name)});
  }
  return r;
}

std::size_t Redact::redact_cards(std::string& text) const {
  // Digit runs made of groups joined by single spaces or dashes. A run may hold
  // a card among other numbers ("order 12 4111 1111 1111 1111"), so every
  // contiguous span of whole groups with 13–19 digits is a candidate; the
  // longest valid one from each start wins.
  std::string out;
  std::size_t copied = 0, replaced = 0;
  DigitGroup groups[64];
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (!is_digit(text[i]) || (i > 0 && is_alnum(text[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t count = 0, p = i;
    bool overflow = false;
    for (;;) {
      std::size_t b = p;
      while (p < n && is_digit(text[p])) ++p;
      if (count < std::size(groups)) groups[count++] = {b, p};
      else overflow = true;
      if (p + 1 < n && (text[p] == ' ' || text[p] == '-') && is_digit(text[p + 1])) {
        ++p;
        continue;
      }
      break;
    }
    const std::size_t run_end = p;
    i = run_end;
    // "4111111111111111abc" or a digit run glued to letters is an identifier, not a card.
    if (overflow || (run_end < n && is_alnum(text[run_end]))) continue;
    std::size_t digits_total = 0;
    for (std::size_t g = 0; g < count; ++g) digits_total += groups[g].end - groups[g].begin;
    if (digits_total < 13) continue;

    for (std::size_t g = 0; g < count;) {
      std::size_t digits = 0, best = count;
      for (std::size_t h = g; h < count; ++h) {
        digits += groups[h].end - groups[h].begin;
        if (digits > 19) break;
        if (digits >= 13 && luhn_over(text, &groups[g], &groups[h])) best = h;
      }
      if (best == count) {
        ++g;
        continue;
      }
      out.append(text, copied, groups[g].begin - copied);
      out += options_.replacement;
      copied = groups[best].end;
      ++replaced;
      g = best + 1;
    }
  }
  if (replaced == 0) return 0;
  out.append(text, copied, std::string::npos);
  text.swap(out);
  cards_->inc(replaced);
  return replaced;
}

std::size_t Redact::redact_emails(std::string& text) const {
  // The same matches as RE2 finds for [A-Za-z0-9._%+-]+@<domain> (leftmost-first),
  // without a regex search: redact_test compares the two on random text.
  std::string out;
  std::size_t copied = 0, pos = 0, replaced = 0;
  for (std::size_t at; (at = text.find('@', pos)) != std::string::npos;) {
    std::size_t start = at;
    while (start > pos && is_email_local(text[start - 1])) --start;
    const std::size_t end = start == at ? std::string::npos : email_domain_end(text, at);
    if (end == std::string::npos) {
      pos = at + 1;
      continue;
    }
    out.append(text, copied, start - copied);
    out += options_.replacement;
    copied = pos = end;
    ++replaced;
  }
  if (replaced == 0) return 0;
  out.append(text, copied, std::string::npos);
  text.swap(out);
  email_->inc(replaced);
  return replaced;
}

std::size_t Redact::redact(std::string& text) const {
  if (text.empty()) return 0;
  std::size_t n = 0;
  const bool has_at = std::memchr(text.data(), '@', text.size()) != nullptr;
  if (options_.url_passwords && has_at && text.find("://") != std::string::npos)
    n += apply(url_password_.re, url_password_.rewrite, url_password_.counter, text);
  if (options_.emails && has_at) n += redact_emails(text);
  if (options_.bearer_tokens) {
    if (authorization_word_.find(text) != std::string::npos)
      n += apply(authorization_.re, authorization_.rewrite, authorization_.counter, text);
    if (bearer_word_.find(text) != std::string::npos) n += apply(bearer_.re, bearer_.rewrite, bearer_.counter, text);
  }
  if (options_.card_numbers) n += redact_cards(text);
  for (const auto& rule : custom_) n += apply(rule.re, rule.rewrite, rule.counter, text);
  return n;
}

namespace {

// Decodes the content of a JSON string literal (between the quotes). False on a
// malformed escape: the caller then leaves the literal as it is.
bool json_unescape(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= in.size()) return false;
    switch (in[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        auto hex4 = [&](std::size_t at, unsigned& v) {
          if (at + 4 > in.size()) return false;
          v = 0;
          for (std::size_t k = at; k < at + 4; ++k) {
            const char h = in[k];
            v <<= 4;
            if (h >= '0' && h <= '9') v |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') v |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') v |= static_cast<unsigned>(h - 'A' + 10);
            else return false;
          }
          return true;
        };
        unsigned cp = 0;
        if (!hex4(i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 2 < in.size() && in[i + 1] == '\\' && in[i + 2] == 'u') {
          unsigned lo = 0;
          if (hex4(i + 3, lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (cp >> 18));
          out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: return false;
    }
  }
  return true;
}

// A whole JSON number token that reads as a card number (13–19 digits, Luhn).
bool is_card_number(std::string_view token) noexcept {
  if (token.size() < 13 || token.size() > 19) return false;
  for (char c : token)
    if (!is_digit(c)) return false;
  return luhn_valid(token);
}

}  // namespace

std::size_t Redact::redact_json(std::string& raw) const {
  // Nested JSON (an object or array attribute) is rewritten value by value, so
  // the result stays valid JSON: each string value is decoded, redacted and
  // re-encoded; a number that is a card number becomes the replacement string.
  // Object keys are left alone (they name fields, they do not carry data).
  std::string out, decoded;
  std::size_t copied = 0, replaced = 0;
  const std::size_t n = raw.size();
  for (std::size_t i = 0; i < n;) {
    const char c = raw[i];
    if (c == '"') {
      std::size_t end = i + 1;
      while (end < n && raw[end] != '"') end += raw[end] == '\\' ? 2 : 1;
      if (end >= n) break;  // unterminated: not ours to repair
      std::size_t next = end + 1;
      while (next < n && (raw[next] == ' ' || raw[next] == '\t' || raw[next] == '\n' || raw[next] == '\r')) ++next;
      const bool is_key = next < n && raw[next] == ':';
      if (!is_key && json_unescape(std::string_view(raw).substr(i + 1, end - i - 1), decoded)) {
        if (const std::size_t k = redact(decoded); k > 0) {
          out.append(raw, copied, i - copied);
          append_json_string(decoded, out);
          copied = end + 1;
          replaced += k;
        }
      }
      i = end + 1;
    } else if (options_.card_numbers && is_digit(c) && (i == 0 || (!is_alnum(raw[i - 1]) && raw[i - 1] != '-'))) {
      std::size_t end = i;
      while (end < n && (is_digit(raw[end]) || raw[end] == '.' || raw[end] == 'e' || raw[end] == 'E' ||
                         raw[end] == '+' || raw[end] == '-'))
        ++end;
      if (is_card_number(std::string_view(raw).substr(i, end - i))) {
        out.append(raw, copied, i - copied);
        append_json_string(options_.replacement, out);
        copied = end;
        ++replaced;
        cards_->inc();
      }
      i = end;
    } else {
      ++i;
    }
  }
  if (replaced == 0) return 0;
  out.append(raw, copied, std::string::npos);
  raw.swap(out);
  return replaced;
}

std::size_t Redact::redact_attribute(Attribute& a) const {
  switch (a.type) {
    case AttrType::String: return redact(a.value);
    case AttrType::Raw: return redact_json(a.value);
    case AttrType::Number:
      // {"card": 4111111111111111} decodes to a number attribute.
      if (options_.card_numbers && is_card_number(a.value)) {
        a.value = options_.replacement;
        a.type = AttrType::String;
        cards_->inc();
        return 1;
      }
      return 0;
    default: return 0;
  }
}

Outcome Redact::process(LogEvent& event) const {
  if (options_.message) redact(event.message);
  if (all_attributes_) {
    for (auto& a : event.attributes) redact_attribute(a);
  } else {
    for (const auto& key : options_.attributes)
      if (auto* a = event.attribute(key)) redact_attribute(*a);
  }
  return Outcome::keep();
}

}  // namespace lt
