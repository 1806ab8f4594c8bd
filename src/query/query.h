// The one query language of logtracer (docs/query-language.md), used by
// consumer filters, alert conditions and dashboard search. A query compiles once
// into a predicate; evaluation allocates nothing per event.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/log_event.h"

namespace lt::query {

// Bounds that keep hostile queries cheap to reject (see docs/query-language.md).
inline constexpr std::size_t kMaxQueryBytes = 4096;
inline constexpr int kMaxNesting = 64;  // parentheses and negations, nested

struct QueryError {
  std::size_t column = 0;  // 1-based column in the query text
  std::string message;     // "unknown level 'WRN' at column 8; expected one of TRACE DEBUG INFO WARN ERROR FATAL"
};

// A byte range [begin, end) in the event message that a term matched.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const Span&) const = default;
};

class Query {
 public:
  // Compiles `text`; an empty (or blank) query matches every event.
  static std::variant<Query, QueryError> compile(std::string_view text);

  Query();  // matches everything
  ~Query();
  Query(Query&&) noexcept;
  Query& operator=(Query&&) noexcept;
  Query(const Query&);
  Query& operator=(const Query&);

  // Thread-safe, allocation-free.
  bool matches(const LogEvent& event) const;
  // Appends the message spans matched by the positive message terms (for highlighting).
  void highlight(const LogEvent& event, std::vector<Span>& out) const;

  const std::string& text() const noexcept;
  bool match_all() const noexcept;
  // The compiled predicate in evaluation order, for debugging and tests:
  // and(level in {WARN,ERROR,FATAL}, service = 'checkout', message contains 'timeout').
  std::string explain() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;  // immutable once compiled: cheap to copy and share across threads
};

}  // namespace lt::query
