// Lexer and recursive-descent parser of the query language. Grammar:
//   query  := or EOF          or    := and ("or" and)*
//   and    := unary (["and"] unary)*
//   unary  := ("not" | "-") unary | "(" or ")" | term
// Recursion is bounded by kMaxNesting, so hostile input cannot exhaust the stack.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "core/time.h"
#include "core/utf8.h"
#include "query/node.h"

namespace lt::query::detail {
namespace {

constexpr std::string_view kLevelChoices = "expected one of TRACE DEBUG INFO WARN ERROR FATAL";
constexpr std::size_t kQuoteLimit = 40;  // bytes of user text quoted back in an error

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_delimiter(char c) noexcept { return is_space(c) || c == '(' || c == ')'; }
bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_field_start(char c) noexcept { return is_alpha(c) || c == '_' || c == '@'; }
bool is_field_char(char c) noexcept {
  return is_field_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x | 0x20);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y | 0x20);
    if (x != y) return false;
  }
  return true;
}

// User text echoed in an error: bounded, and valid UTF-8 whatever was typed.
std::string quoted(std::string_view text) {
  std::string out = "'";
  const auto cut = truncate_utf8(text, kQuoteLimit);
  append_sanitized_utf8(cut, out);
  if (cut.size() < text.size()) out += "...";
  out += "'";
  return out;
}

enum class Tok { End, LParen, RParen, And, Or, Not, Minus, Word, Phrase, Regex, Field };
enum class Op { Colon, NotEqual, Lt, Le, Gt, Ge };
enum class ValueKind { Bare, Quoted, Regex };

std::string_view op_text(Op op) noexcept {
  switch (op) {
    case Op::Colon: return ":";
    case Op::NotEqual: return "!=";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
  }
  return ":";
}

struct Token {
  Tok kind = Tok::End;
  std::size_t pos = 0;  // byte offset of the first character
  std::string text;     // word, phrase, regex pattern or field value, unescaped
  bool regex_icase = false;
  std::string_view field;  // Field: the name as written
  Op op = Op::Colon;
  ValueKind value_kind = ValueKind::Bare;
  std::size_t value_pos = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view query) : q_(query) {}

  std::variant<Node, QueryError> run() {
    advance();
    Node root = parse_or(0);
    if (!error_ && cur_.kind == Tok::RParen)
      fail(cur_.pos, "unbalanced ')'", "expected an opening '(' before it");
    if (!error_ && cur_.kind != Tok::End) fail(cur_.pos, "unexpected input", "expected the end of the query");
    if (error_) return std::move(*error_);
    return root;
  }

 private:
  // ---- errors -------------------------------------------------------------
  std::size_t column_of(std::size_t byte_pos) const noexcept {
    // Columns count characters, not bytes: continuation bytes do not advance.
    std::size_t col = 1;
    for (std::size_t i = 0; i < byte_pos && i < q_.size(); ++i)
      if ((static_cast<unsigned char>(q_[i]) & 0xC0) != 0x80) ++col;
    if (byte_pos > q_.size()) col += byte_pos - q_.size();
    return col;
  }

  // Records the first error: "<what> at column N; <expected>".
  void fail(std::size_t byte_pos, std::string_view what, std::string_view expected) {
    if (error_) return;
    const std::size_t col = column_of(byte_pos);
    std::string msg(what);
    msg += " at column " + std::to_string(col);
    if (!expected.empty()) {
      msg += "; ";
      msg += expected;
    }
    error_ = QueryError{col, std::move(msg)};
    cur_.kind = Tok::End;  // stop consuming input
  }

  // ---- lexer --------------------------------------------------------------
  void advance() {
    if (error_) return;
    cur_ = Token{};
    while (pos_ < q_.size() && is_space(q_[pos_])) ++pos_;
    cur_.pos = pos_;
    if (pos_ == q_.size()) return;  // End
    const char c = q_[pos_];
    switch (c) {
      case '(': cur_.kind = Tok::LParen; ++pos_; return;
      case ')': cur_.kind = Tok::RParen; ++pos_; return;
      case '"':
        cur_.kind = Tok::Phrase;
        lex_quoted(cur_.text);
        return;
      case '/':
        cur_.kind = Tok::Regex;
        lex_regex(cur_.text, cur_.regex_icase);
        return;
      case '-':
        if (pos_ + 1 == q_.size() || (is_delimiter(q_[pos_ + 1]) && q_[pos_ + 1] != '(')) {
          fail(pos_, "dangling '-'", "expected a term right after it");
          return;
        }
        cur_.kind = Tok::Minus;
        ++pos_;
        return;
      case ':': case '<': case '>': case '=':
        fail(pos_, "empty field name", "expected a field name before '" + std::string(1, c) +
                                           "' (quote the text to search for it literally)");
        return;
      default: break;
    }
    const std::size_t start = pos_;
    std::size_t i = pos_;
    if (is_field_start(c))
      while (i < q_.size() && is_field_char(q_[i])) ++i;
    if (i > start && i < q_.size()) {
      if (auto op = lex_operator(i)) {
        cur_.kind = Tok::Field;
        cur_.field = q_.substr(start, i - start);
        cur_.op = *op;
        pos_ = i + op_text(*op).size();
        lex_value();
        return;
      }
    }
    while (pos_ < q_.size() && !is_delimiter(q_[pos_])) ++pos_;
    cur_.text.assign(q_.substr(start, pos_ - start));
    if (iequals(cur_.text, "and")) cur_.kind = Tok::And;
    else if (iequals(cur_.text, "or")) cur_.kind = Tok::Or;
    else if (iequals(cur_.text, "not")) cur_.kind = Tok::Not;
    else cur_.kind = Tok::Word;
  }

  std::optional<Op> lex_operator(std::size_t i) const noexcept {
    const std::string_view rest = q_.substr(i);
    if (rest.starts_with(">=")) return Op::Ge;
    if (rest.starts_with("<=")) return Op::Le;
    if (rest.starts_with("!=")) return Op::NotEqual;
    if (rest.starts_with(">")) return Op::Gt;
    if (rest.starts_with("<")) return Op::Lt;
    if (rest.starts_with(":") || rest.starts_with("=")) return Op::Colon;
    return std::nullopt;
  }

  // After a closing quote or slash, a term must end.
  void expect_term_end(std::size_t token_start, std::string_view what) {
    if (pos_ >= q_.size() || is_delimiter(q_[pos_])) return;
    std::size_t stop = pos_;
    while (stop < q_.size() && !is_delimiter(q_[stop])) ++stop;
    std::string hint = "expected a space or ')' after the " + std::string(what);
    if (what == "regex")
      hint += " (to search for text with slashes, quote it: \"" + std::string(q_.substr(token_start, stop - token_start)) + "\")";
    fail(pos_, "unexpected text after the " + std::string(what), hint);
  }

  // "..." with \" and \\ as the only escapes; other backslashes stay as written.
  void lex_quoted(std::string& out) {
    const std::size_t start = pos_++;
    while (true) {
      if (pos_ >= q_.size()) {
        fail(start, "unterminated quote", "expected a closing '\"'");
        return;
      }
      const char c = q_[pos_];
      if (c == '\\' && pos_ + 1 < q_.size() && (q_[pos_ + 1] == '"' || q_[pos_ + 1] == '\\')) {
        out.push_back(q_[pos_ + 1]);
        pos_ += 2;
      } else if (c == '"') {
        ++pos_;
        break;
      } else {
        out.push_back(c);
        ++pos_;
      }
    }
    expect_term_end(start, "closing quote");
  }

  // /.../ with \/ for a slash; every other escape is left for RE2. A trailing
  // `i` makes the regex case-insensitive.
  void lex_regex(std::string& out, bool& icase) {
    const std::size_t start = pos_++;
    while (true) {
      if (pos_ >= q_.size()) {
        fail(start, "unterminated regex", "expected a closing '/'");
        return;
      }
      const char c = q_[pos_];
      if (c == '\\' && pos_ + 1 < q_.size()) {
        if (q_[pos_ + 1] != '/') out.push_back('\\');
        out.push_back(q_[pos_ + 1]);
        pos_ += 2;
      } else if (c == '/') {
        ++pos_;
        break;
      } else {
        out.push_back(c);
        ++pos_;
      }
    }
    if (out.empty()) {
      fail(start, "empty regex", "expected a pattern between the slashes");
      return;
    }
    if (pos_ < q_.size() && q_[pos_] == 'i' && (pos_ + 1 == q_.size() || is_delimiter(q_[pos_ + 1]))) {
      icase = true;
      ++pos_;
    }
    expect_term_end(start, "regex");
  }

  void lex_value() {
    cur_.value_pos = pos_;
    const std::string what = "'" + std::string(cur_.field) + std::string(op_text(cur_.op)) + "'";
    if (pos_ >= q_.size() || is_space(q_[pos_]) || q_[pos_] == ')') {
      fail(pos_, "missing value after " + what, "expected a value, a \"quoted value\" or a /regex/");
      return;
    }
    const char c = q_[pos_];
    if (c == '(') {
      fail(pos_, "unexpected '(' after " + what,
           "expected a single value (write (f:a OR f:b) to accept several)");
      return;
    }
    if (c == '"') {
      cur_.value_kind = ValueKind::Quoted;
      lex_quoted(cur_.text);
      return;
    }
    if (c == '/' && (cur_.op == Op::Colon || cur_.op == Op::NotEqual)) {
      cur_.value_kind = ValueKind::Regex;
      lex_regex(cur_.text, cur_.regex_icase);
      return;
    }
    const std::size_t start = pos_;
    while (pos_ < q_.size() && !is_delimiter(q_[pos_])) ++pos_;
    cur_.text.assign(q_.substr(start, pos_ - start));
  }

  // ---- grammar ------------------------------------------------------------
  static bool starts_term(Tok t) noexcept {
    return t != Tok::End && t != Tok::RParen && t != Tok::And && t != Tok::Or;
  }

  Node combine(Kind kind, std::vector<Node> parts) {
    if (parts.size() == 1) return std::move(parts.front());
    Node n;
    n.kind = kind;
    n.column = parts.front().column;
    n.children = std::move(parts);
    return n;
  }

  Node parse_or(int depth) {
    std::vector<Node> parts;
    parts.push_back(parse_and(depth));
    while (!error_ && cur_.kind == Tok::Or) {
      const std::string word = cur_.text;
      advance();
      if (!error_ && !starts_term(cur_.kind)) {
        fail(cur_.pos, "missing term after '" + word + "'", "expected a term");
        break;
      }
      parts.push_back(parse_and(depth));
    }
    return combine(Kind::Or, std::move(parts));
  }

  Node parse_and(int depth) {
    std::vector<Node> parts;
    parts.push_back(parse_unary(depth));
    while (!error_) {
      if (cur_.kind == Tok::And) {
        const std::string word = cur_.text;
        advance();
        if (!error_ && !starts_term(cur_.kind)) {
          fail(cur_.pos, "missing term after '" + word + "'", "expected a term");
          break;
        }
      } else if (!starts_term(cur_.kind)) {
        break;
      }
      parts.push_back(parse_unary(depth));
    }
    return combine(Kind::And, std::move(parts));
  }

  Node parse_unary(int depth) {
    if (error_) return {};
    if (depth >= kMaxNesting) {
      fail(cur_.pos, "nesting deeper than " + std::to_string(kMaxNesting),
           "expected fewer nested parentheses or negations");
      return {};
    }
    const std::size_t start = cur_.pos;
    switch (cur_.kind) {
      case Tok::Not:
      case Tok::Minus: {
        const std::string word = cur_.kind == Tok::Not ? cur_.text : "-";
        advance();
        if (!error_ && !starts_term(cur_.kind)) {
          fail(cur_.pos, "missing term after '" + word + "'", "expected a term to negate");
          return {};
        }
        Node n;
        n.kind = Kind::Not;
        n.column = static_cast<std::uint32_t>(column_of(start));
        n.children.push_back(parse_unary(depth + 1));
        return n;
      }
      case Tok::LParen: {
        advance();
        if (!error_ && cur_.kind == Tok::RParen) {
          fail(cur_.pos, "empty parentheses", "expected a term inside");
          return {};
        }
        Node inner = parse_or(depth + 1);
        if (error_) return {};
        if (cur_.kind != Tok::RParen) {
          fail(cur_.pos, "missing ')'", "expected ')' to close '(' at column " + std::to_string(column_of(start)));
          return {};
        }
        advance();
        return inner;
      }
      case Tok::RParen:
        fail(cur_.pos, "unbalanced ')'", "expected a term or an opening '(' before it");
        return {};
      case Tok::And:
      case Tok::Or:
        fail(cur_.pos, "unexpected '" + cur_.text + "'", "expected a term before it");
        return {};
      case Tok::End:
        fail(cur_.pos, "missing term", "expected a term");
        return {};
      default: break;
    }
    Node n = term(cur_);
    n.column = static_cast<std::uint32_t>(column_of(start));
    advance();
    return n;
  }

  // ---- terms --------------------------------------------------------------
  Node term(const Token& t) {
    switch (t.kind) {
      case Tok::Word: return text_term(FieldRef{}, t.text, true);
      case Tok::Phrase: return text_term(FieldRef{}, t.text, false);
      case Tok::Regex: return regex_term(FieldRef{}, t.text, t.regex_icase, t.pos);
      case Tok::Field: return field_term(t);
      default: return {};
    }
  }

  static Node negated(Node inner) {
    Node n;
    n.kind = Kind::Not;
    n.children.push_back(std::move(inner));
    return n;
  }

  // A text match on the message (anywhere) or on another field (whole value).
  Node text_term(const FieldRef& field, std::string_view value, bool wildcards) {
    const bool on_message = field.id == FieldId::Message;
    Glob glob(value, !has_ascii_upper(value), !on_message, wildcards);
    if (glob.matches_everything()) {
      Node n;
      n.kind = on_message ? Kind::All : Kind::Exists;
      n.field = field;
      return n;
    }
    Node n;
    n.kind = on_message ? Kind::MessageText : Kind::FieldText;
    n.field = field;
    n.glob = std::move(glob);
    return n;
  }

  std::unique_ptr<const RE2> compile_regex(const std::string& pattern, bool icase, std::size_t pos) {
    if (++regexes_ > kMaxRegexes) {
      fail(pos, "too many regexes", "expected at most " + std::to_string(kMaxRegexes) + " in one query");
      return nullptr;
    }
    RE2::Options options;
    options.set_log_errors(false);
    options.set_max_mem(kRegexMaxMemory);
    options.set_case_sensitive(!icase);
    options.set_never_capture(true);
    auto re = std::make_unique<const RE2>(pattern, options);
    if (!re->ok()) {
      fail(pos, "bad regex (" + re->error() + ")", "expected an RE2 pattern");
      return nullptr;
    }
    if (re->ProgramSize() > kMaxRegexProgramSize) {
      fail(pos, "regex too large (program size " + std::to_string(re->ProgramSize()) + ")",
           "expected a simpler pattern (limit " + std::to_string(kMaxRegexProgramSize) + ")");
      return nullptr;
    }
    return re;
  }

  Node regex_term(const FieldRef& field, const std::string& pattern, bool icase, std::size_t pos) {
    Node n;
    n.kind = field.id == FieldId::Message ? Kind::MessageRegex : Kind::FieldRegex;
    n.field = field;
    n.regex = compile_regex(pattern, icase, pos);
    return n;
  }

  Node field_term(const Token& t) {
    const std::string what = "'" + std::string(t.field) + std::string(op_text(t.op)) + "'";
    if (t.field == "exists" && t.op == Op::Colon && t.value_kind != ValueKind::Regex) {
      const bool valid_name = t.value_kind == ValueKind::Quoted ||
          (is_field_start(t.text.front()) &&
           std::all_of(t.text.begin(), t.text.end(), [](char c) { return is_field_char(c); }));
      if (t.text.empty() || !valid_name) {
        fail(t.value_pos, "bad field name " + quoted(t.text) + " after 'exists:'", "expected a field name");
        return {};
      }
      Node n;
      n.kind = Kind::Exists;
      n.field = resolve_field(t.text);
      return n;
    }
    const FieldRef field = resolve_field(t.field);
    if (field.id == FieldId::Level) return level_term(t);
    if (t.op == Op::Colon || t.op == Op::NotEqual) {
      Node n = t.value_kind == ValueKind::Regex
                   ? regex_term(field, t.text, t.regex_icase, t.value_pos)
                   : text_term(field, t.text, t.value_kind == ValueKind::Bare);
      return t.op == Op::NotEqual ? negated(std::move(n)) : std::move(n);
    }
    Node n;
    n.field = field;
    n.cmp = t.op == Op::Lt ? Cmp::Lt : t.op == Op::Le ? Cmp::Le : t.op == Op::Gt ? Cmp::Gt : Cmp::Ge;
    if (field.id == FieldId::Timestamp) {
      const auto ts = parse_rfc3339(t.text);
      if (!ts) {
        fail(t.value_pos, "bad timestamp " + quoted(t.text),
             "expected an RFC 3339 time like 2026-11-27T23:08:51Z after " + what);
        return {};
      }
      n.kind = Kind::FieldTime;
      n.time = *ts;
      return n;
    }
    const char* first = t.text.data();
    const char* last = first + t.text.size();
    const auto [end, ec] = std::from_chars(first, last, n.number);
    if (t.text.empty() || ec != std::errc() || end != last || !std::isfinite(n.number)) {
      fail(t.value_pos, "bad number " + quoted(t.text), "expected a number after " + what);
      return {};
    }
    n.kind = Kind::FieldNumber;
    return n;
  }

  // Levels compile to a bit set over the six levels, whatever the operator.
  Node level_term(const Token& t) {
    Node n;
    n.kind = Kind::LevelIn;
    std::uint8_t mask = 0;
    if (t.value_kind == ValueKind::Regex) {
      auto re = compile_regex(t.text, t.regex_icase, t.value_pos);
      if (!re) return {};
      for (int l = 0; l < kLevelCount; ++l)
        if (RE2::PartialMatch(to_string(static_cast<Level>(l)), *re)) mask |= 1u << l;
    } else if (t.value_kind == ValueKind::Bare && (t.op == Op::Colon || t.op == Op::NotEqual) &&
               t.text.find('*') != std::string::npos) {
      const Glob glob(t.text, true, true, true);
      for (int l = 0; l < kLevelCount; ++l)
        if (glob.matches(to_string(static_cast<Level>(l)))) mask |= 1u << l;
      if (mask == 0) {
        fail(t.value_pos, "no level matches " + quoted(t.text), kLevelChoices);
        return {};
      }
    } else {
      const auto level = parse_canonical_level(t.text);
      if (!level) {
        fail(t.value_pos, "unknown level " + quoted(t.text), kLevelChoices);
        return {};
      }
      const unsigned l = static_cast<unsigned>(*level);
      switch (t.op) {
        case Op::Colon:
        case Op::NotEqual: mask = static_cast<std::uint8_t>(1u << l); break;
        case Op::Lt: mask = static_cast<std::uint8_t>((1u << l) - 1); break;
        case Op::Le: mask = static_cast<std::uint8_t>((2u << l) - 1); break;
        case Op::Gt: mask = static_cast<std::uint8_t>(kAllLevels & ~((2u << l) - 1)); break;
        case Op::Ge: mask = static_cast<std::uint8_t>(kAllLevels & ~((1u << l) - 1)); break;
      }
    }
    if (t.op == Op::NotEqual) mask = static_cast<std::uint8_t>(kAllLevels & ~mask);
    n.level_mask = mask;
    return n;
  }

  std::string_view q_;
  std::size_t pos_ = 0;
  Token cur_;
  int regexes_ = 0;
  std::optional<QueryError> error_;
};

}  // namespace

std::variant<Node, QueryError> parse(std::string_view text) {
  if (text.size() > kMaxQueryBytes) {
    return QueryError{kMaxQueryBytes + 1, "query too long (" + std::to_string(text.size()) + " bytes) at column " +
                                              std::to_string(kMaxQueryBytes + 1) + "; expected at most " +
                                              std::to_string(kMaxQueryBytes) + " bytes"};
  }
  return Parser(text).run();
}

}  // namespace lt::query::detail
