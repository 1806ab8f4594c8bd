// libFuzzer target: compiles arbitrary bytes as a query and, when they compile,
// evaluates and highlights them on a few events. Checks the invariants callers rely on.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "query/query.h"

namespace {

std::vector<lt::LogEvent> make_events() {
  std::vector<lt::LogEvent> events(3);
  auto& a = events[0];
  a.id = "01JDA";
  a.level = lt::Level::Error;
  a.service = "checkout";
  a.environment = "production";
  a.host = "web-1";
  a.trace_id = "4bf92f3577b34da6";
  a.timestamp = 1'764'284'400'000'000'000;
  a.message = "POST /api/checkout failed: upstream Timeout after 3000 ms";
  a.set_attribute("status", "504", lt::AttrType::Number);
  a.set_attribute("latency_ms", "3000.5", lt::AttrType::Number);
  a.set_attribute("user_id", "u-42");
  auto& b = events[1];
  b.level = lt::Level::Debug;
  b.service = "auth";
  b.message = "user \xc3\xa9 logged in \xff\xfe timeout timeout";
  b.set_attribute("latency_ms", "n/a");
  b.set_attribute("", "");
  // events[2] stays empty: every field absent.
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<lt::LogEvent> events = make_events();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto compiled = lt::query::Query::compile(text);
  if (auto* error = std::get_if<lt::query::QueryError>(&compiled)) {
    // An error must point inside the query (or just past its end).
    if (error->column < 1 || (error->column > size + 1 && error->column != lt::query::kMaxQueryBytes + 1)) std::abort();
    if (error->message.find(" at column ") == std::string::npos) std::abort();
    return 0;
  }
  const auto& query = std::get<lt::query::Query>(compiled);
  if (query.text() != text) std::abort();
  const lt::query::Query copy = query;
  (void)query.explain();
  for (const auto& event : events) {
    if (query.matches(event) != copy.matches(event)) std::abort();
    std::vector<lt::query::Span> spans;
    query.highlight(event, spans);
    std::size_t last_end = 0;
    for (std::size_t i = 0; i < spans.size(); ++i) {
      const auto& s = spans[i];
      // Sorted, non-empty, non-overlapping, inside the message.
      if (s.begin >= s.end || s.end > event.message.size()) std::abort();
      if (i > 0 && s.begin <= last_end) std::abort();
      last_end = s.end;
    }
  }
  return 0;
}
