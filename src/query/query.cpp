#include "query/query.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "query/node.h"

namespace lt::query {
namespace detail {

FieldRef resolve_field(std::string_view name) {
  struct Alias {
    std::string_view name;
    FieldId id;
  };
  static constexpr Alias kFields[] = {
      {"service", FieldId::Service},     {"service_name", FieldId::Service}, {"env", FieldId::Environment},
      {"environment", FieldId::Environment}, {"host", FieldId::Host},     {"hostname", FieldId::Host},
      {"source", FieldId::Source},       {"message", FieldId::Message},      {"msg", FieldId::Message},
      {"id", FieldId::Id},               {"trace_id", FieldId::TraceId},     {"span_id", FieldId::SpanId},
      {"level", FieldId::Level},         {"timestamp", FieldId::Timestamp},
  };
  for (const auto& f : kFields)
    if (f.name == name) return FieldRef{f.id, std::string(name)};
  return FieldRef{FieldId::Attribute, std::string(name)};
}

bool field_text(const FieldRef& field, const LogEvent& e, std::string_view& out, TimestampText& scratch) noexcept {
  switch (field.id) {
    case FieldId::Service: out = e.service; return true;
    case FieldId::Environment: out = e.environment; return true;
    case FieldId::Host: out = e.host; return true;
    case FieldId::Source: out = e.source; return true;
    case FieldId::Message: out = e.message; return true;
    case FieldId::Id: out = e.id; return true;
    case FieldId::TraceId: out = e.trace_id; return !e.trace_id.empty();
    case FieldId::SpanId: out = e.span_id; return !e.span_id.empty();
    case FieldId::Level: out = to_string(e.level); return true;
    case FieldId::Timestamp: out = std::string_view(scratch.bytes, format_rfc3339(e.timestamp, scratch.bytes)); return true;
    case FieldId::Attribute:
      if (const auto* a = e.attribute(field.name)) {
        out = a->value;
        return true;
      }
      return false;
  }
  return false;
}

bool field_exists(const FieldRef& field, const LogEvent& e) noexcept {
  switch (field.id) {
    case FieldId::Level: return true;
    case FieldId::Timestamp: return e.timestamp != 0;
    case FieldId::Attribute: return e.attribute(field.name) != nullptr;
    default: {
      std::string_view text;
      TimestampText unused;
      return field_text(field, e, text, unused) && !text.empty();
    }
  }
}

namespace {

constexpr std::size_t kMaxSpansPerTerm = 10000;

bool parse_number(std::string_view text, double& out) noexcept {
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(text.data(), last, out);
  return !text.empty() && ec == std::errc() && end == last;
}

template <typename T>
bool compare(Cmp cmp, T lhs, T rhs) noexcept {
  switch (cmp) {
    case Cmp::Lt: return lhs < rhs;
    case Cmp::Le: return lhs <= rhs;
    case Cmp::Gt: return lhs > rhs;
    case Cmp::Ge: return lhs >= rhs;
  }
  return false;
}

bool level_in(std::uint8_t mask, Level level) noexcept {
  const auto l = static_cast<unsigned>(level);
  return l < static_cast<unsigned>(kLevelCount) && ((mask >> l) & 1u) != 0;
}

// Relative evaluation cost: a bit test, then field compares (attributes need a
// scan), then message scans, then regexes.
std::uint32_t leaf_cost(const Node& n) noexcept {
  const std::uint32_t attribute = n.field.id == FieldId::Attribute ? 4 : 0;
  switch (n.kind) {
    case Kind::All:
    case Kind::None: return 0;
    case Kind::LevelIn: return 1;
    case Kind::FieldTime: return 2;
    case Kind::Exists: return 2 + attribute;
    case Kind::FieldText: return (n.glob.has_wildcard() ? 8 : 4) + attribute + (n.field.id == FieldId::Timestamp ? 20 : 0);
    case Kind::FieldNumber: return 12 + attribute + (n.field.id == FieldId::Timestamp ? 20 : 0);
    case Kind::MessageText: return 20 + (n.glob.has_wildcard() ? 10 : 0);
    case Kind::FieldRegex: return 100 + attribute;
    case Kind::MessageRegex: return 120;
    default: return 0;
  }
}

Node constant(bool value) {
  Node n;
  n.kind = value ? Kind::All : Kind::None;
  return n;
}

Node level_node(std::uint8_t mask, std::uint32_t column) {
  if (mask == kAllLevels) return constant(true);
  if (mask == 0) return constant(false);
  Node n;
  n.kind = Kind::LevelIn;
  n.level_mask = mask;
  n.cost = 1;
  n.column = column;
  return n;
}

// Simplifies bottom-up (flattening, constant folding, merging level tests) and
// orders every and/or cheapest child first; both are commutative and the
// terms have no side effects, so only speed changes.
void optimize(Node& n) {
  for (auto& c : n.children) optimize(c);
  if (n.kind == Kind::Not) {
    Node& c = n.children.front();
    if (c.kind == Kind::Not) {
      Node inner = std::move(c.children.front());
      n = std::move(inner);
    } else if (c.kind == Kind::LevelIn) {
      n = level_node(static_cast<std::uint8_t>(kAllLevels & ~c.level_mask), n.column);
    } else if (c.kind == Kind::All || c.kind == Kind::None) {
      n = constant(c.kind == Kind::None);
    } else {
      n.cost = c.cost;
    }
    return;
  }
  if (n.kind != Kind::And && n.kind != Kind::Or) {
    n.cost = leaf_cost(n);
    return;
  }
  const bool is_and = n.kind == Kind::And;
  const Kind neutral = is_and ? Kind::All : Kind::None;
  const Kind absorbing = is_and ? Kind::None : Kind::All;
  std::vector<Node> flat;
  std::uint8_t levels = is_and ? kAllLevels : 0;
  bool saw_level = false;
  for (auto& c : n.children) {
    if (c.kind == absorbing) {
      n = constant(!is_and);
      return;
    }
    if (c.kind == neutral) continue;
    if (c.kind == n.kind) {
      for (auto& g : c.children) flat.push_back(std::move(g));
    } else if (c.kind == Kind::LevelIn) {
      levels = is_and ? (levels & c.level_mask) : (levels | c.level_mask);
      saw_level = true;
    } else {
      flat.push_back(std::move(c));
    }
  }
  if (saw_level) {
    Node level = level_node(levels, n.column);
    if (level.kind == absorbing) {
      n = constant(!is_and);
      return;
    }
    if (level.kind != neutral) flat.push_back(std::move(level));
  }
  if (flat.empty()) {
    n = constant(is_and);
    return;
  }
  if (flat.size() == 1) {
    Node only = std::move(flat.front());
    n = std::move(only);
    return;
  }
  std::stable_sort(flat.begin(), flat.end(), [](const Node& a, const Node& b) { return a.cost < b.cost; });
  std::uint64_t cost = 0;
  for (const auto& c : flat) cost += c.cost;
  n.children = std::move(flat);
  n.cost = static_cast<std::uint32_t>(std::min<std::uint64_t>(cost, std::numeric_limits<std::uint32_t>::max()));
}

bool eval(const Node& n, const LogEvent& e) noexcept;

// Field tests live apart from eval() so that the and/or/level path keeps a
// small stack frame; the scratch buffer for timestamps is only paid for here.
[[gnu::noinline]] bool eval_field(const Node& n, const LogEvent& e) noexcept {
  std::string_view text;
  TimestampText scratch;
  if (!field_text(n.field, e, text, scratch)) return false;
  switch (n.kind) {
    case Kind::FieldText: return n.glob.matches(text);
    case Kind::FieldRegex: return RE2::PartialMatch(text, *n.regex);
    case Kind::FieldNumber: {
      double value = 0;
      return parse_number(text, value) && compare(n.cmp, value, n.number);
    }
    default: return false;
  }
}

// Level tests are the cheapest and, after ordering, usually an and/or's first
// child: testing them inline saves an indirect jump per event.
inline bool eval_child(const Node& c, const LogEvent& e) noexcept {
  if (c.kind == Kind::LevelIn) return level_in(c.level_mask, e.level);
  return eval(c, e);
}

bool eval(const Node& n, const LogEvent& e) noexcept {
  switch (n.kind) {
    case Kind::All: return true;
    case Kind::None: return false;
    case Kind::And:
      for (const auto& c : n.children)
        if (!eval_child(c, e)) return false;
      return true;
    case Kind::Or:
      for (const auto& c : n.children)
        if (eval_child(c, e)) return true;
      return false;
    case Kind::Not: return !eval_child(n.children.front(), e);
    case Kind::LevelIn: return level_in(n.level_mask, e.level);
    case Kind::Exists: return field_exists(n.field, e);
    case Kind::MessageText: return n.glob.matches(e.message);
    case Kind::MessageRegex: return RE2::PartialMatch(e.message, *n.regex);
    case Kind::FieldTime: return compare(n.cmp, e.timestamp, n.time);
    case Kind::FieldText:
    case Kind::FieldNumber:
    case Kind::FieldRegex: return eval_field(n, e);
  }
  return false;
}

void collect_spans(const Node& n, std::string_view message, bool positive, std::vector<Span>& out) {
  switch (n.kind) {
    case Kind::Not: collect_spans(n.children.front(), message, !positive, out); return;
    case Kind::And:
    case Kind::Or:
      for (const auto& c : n.children) collect_spans(c, message, positive, out);
      return;
    case Kind::MessageText: {
      if (!positive) return;
      std::size_t from = 0, begin = 0, end = 0;
      for (std::size_t k = 0; k < kMaxSpansPerTerm && n.glob.find(message, from, begin, end); ++k) {
        out.push_back({begin, end});
        from = end > begin ? end : begin + 1;
      }
      return;
    }
    case Kind::MessageRegex: {
      if (!positive) return;
      re2::StringPiece match;
      std::size_t from = 0;
      for (std::size_t k = 0; k < kMaxSpansPerTerm && from <= message.size(); ++k) {
        if (!n.regex->Match(message, from, message.size(), RE2::UNANCHORED, &match, 1)) break;
        const auto begin = static_cast<std::size_t>(match.data() - message.data());
        const auto end = begin + match.size();
        if (end > begin) out.push_back({begin, end});
        from = end > begin ? end : begin + 1;
      }
      return;
    }
    default: return;
  }
}

void append_quoted(std::string& out, std::string_view text) {
  out += '\'';
  out += text;
  out += '\'';
}

void append_number(std::string& out, double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, ec == std::errc() ? end : buf);
}

std::string_view cmp_text(Cmp cmp) noexcept {
  switch (cmp) {
    case Cmp::Lt: return " < ";
    case Cmp::Le: return " <= ";
    case Cmp::Gt: return " > ";
    case Cmp::Ge: return " >= ";
  }
  return " ? ";
}

void explain(const Node& n, std::string& out) {
  auto list = [&](std::string_view name) {
    out += name;
    out += '(';
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (i > 0) out += ", ";
      explain(n.children[i], out);
    }
    out += ')';
  };
  auto glob = [&](std::string_view verb) {
    out += verb;
    out += n.glob.has_wildcard() ? " glob " : " ";
    append_quoted(out, n.glob.pattern());
    if (n.glob.fold_case()) out += " (any case)";
  };
  switch (n.kind) {
    case Kind::All: out += "all"; return;
    case Kind::None: out += "none"; return;
    case Kind::And: list("and"); return;
    case Kind::Or: list("or"); return;
    case Kind::Not: list("not"); return;
    case Kind::LevelIn: {
      out += "level in {";
      bool first = true;
      for (int l = 0; l < kLevelCount; ++l) {
        if (!level_in(n.level_mask, static_cast<Level>(l))) continue;
        if (!first) out += ',';
        out += to_string(static_cast<Level>(l));
        first = false;
      }
      out += '}';
      return;
    }
    case Kind::Exists: out += "exists(" + n.field.name + ")"; return;
    case Kind::FieldText:
      out += n.field.name;
      glob(" =");
      return;
    case Kind::MessageText: glob("message contains"); return;
    case Kind::FieldNumber:
      out += n.field.name;
      out += cmp_text(n.cmp);
      append_number(out, n.number);
      return;
    case Kind::FieldTime:
      out += "timestamp";
      out += cmp_text(n.cmp);
      out += format_rfc3339(n.time);
      return;
    case Kind::FieldRegex:
    case Kind::MessageRegex:
      out += n.kind == Kind::MessageRegex ? std::string("message") : n.field.name;
      out += " =~ /" + n.regex->pattern() + "/";
      if (!n.regex->options().case_sensitive()) out += 'i';
      return;
  }
}

}  // namespace
}  // namespace detail

struct Query::Impl {
  std::string text;
  detail::Node root;
};

namespace {
const std::string kEmptyText;
}

std::variant<Query, QueryError> Query::compile(std::string_view text) {
  auto parsed = text.find_first_not_of(" \t\n\r\f\v") == std::string_view::npos
                    ? std::variant<detail::Node, QueryError>(detail::Node{})
                    : detail::parse(text);
  if (auto* error = std::get_if<QueryError>(&parsed)) return std::move(*error);
  auto impl = std::make_shared<Impl>();
  impl->text.assign(text);
  impl->root = std::move(std::get<detail::Node>(parsed));
  detail::optimize(impl->root);
  Query q;
  q.impl_ = std::move(impl);
  return q;
}

Query::Query() = default;
Query::~Query() = default;
Query::Query(Query&&) noexcept = default;
Query& Query::operator=(Query&&) noexcept = default;
Query::Query(const Query&) = default;
Query& Query::operator=(const Query&) = default;

bool Query::matches(const LogEvent& event) const { return !impl_ || detail::eval(impl_->root, event); }

void Query::highlight(const LogEvent& event, std::vector<Span>& out) const {
  if (!impl_) return;
  const std::size_t first = out.size();
  detail::collect_spans(impl_->root, event.message, true, out);
  const auto begin = out.begin() + static_cast<std::ptrdiff_t>(first);
  std::sort(begin, out.end(), [](const Span& a, const Span& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
  // Merge overlapping and touching spans so the caller can wrap each one in a mark.
  std::size_t kept = first;
  for (std::size_t i = first; i < out.size(); ++i) {
    if (kept > first && out[i].begin <= out[kept - 1].end) {
      out[kept - 1].end = std::max(out[kept - 1].end, out[i].end);
    } else {
      out[kept++] = out[i];
    }
  }
  out.resize(kept);
}

const std::string& Query::text() const noexcept { return impl_ ? impl_->text : kEmptyText; }

bool Query::match_all() const noexcept { return !impl_ || impl_->root.kind == detail::Kind::All; }

std::string Query::explain() const {
  std::string out;
  if (!impl_) return "all";
  detail::explain(impl_->root, out);
  return out;
}

}  // namespace lt::query
