// The dashboard's memory: the most recent processed events, bounded by count and
// bytes, searchable newest-first with paging, plus histogram, facets and context.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/level.h"
#include "core/log_event.h"
#include "core/time.h"
#include "query/query.h"

namespace lt::dashboard {

// An event as the dashboard keeps it: encoded to JSON once, shared (never copied)
// between the window, the search results and every tail client.
struct StoredEvent {
  LogEvent event;
  std::string json;       // canonical JSON (lt::encode_json)
  std::uint64_t seq = 0;  // arrival order in this window
  std::size_t bytes() const noexcept;
};
using EventPtr = std::shared_ptr<const StoredEvent>;

EventPtr make_stored_event(LogEvent event);

struct WindowLimits {
  std::size_t max_events = 100'000;
  std::size_t max_bytes = 256u << 20;
};

// [from, to) in nanoseconds; 0 means unbounded on that side.
struct TimeRange {
  TimestampNs from = 0;
  TimestampNs to = 0;
  bool contains(TimestampNs t) const noexcept { return (from == 0 || t >= from) && (to == 0 || t < to); }
};

struct SearchPage {
  std::vector<EventPtr> events;  // newest first
  bool more = false;             // older matches exist: pass the last id as `before`
  bool cursor_unknown = false;   // `before` is not (or no longer) in the window
};

struct Histogram {
  TimestampNs from = 0;
  TimestampNs step = 0;  // bucket width in ns
  std::vector<std::array<std::uint64_t, kLevelCount>> counts;  // [bucket][level]
};

struct FacetValue {
  std::string value;
  std::uint64_t count = 0;
};
struct Facets {
  std::uint64_t matched = 0;
  // service, environment, host, level — each sorted by count, then value.
  std::array<std::vector<FacetValue>, 4> fields;
  static constexpr std::array<std::string_view, 4> kNames = {"service", "environment", "host", "level"};
};

struct Context {
  std::vector<EventPtr> before;  // oldest first
  EventPtr event;
  std::vector<EventPtr> after;  // oldest first
};

// Thread-safe: add() takes a writer lock for O(1) work; queries share a reader lock.
class EventWindow {
 public:
  explicit EventWindow(WindowLimits limits = {});

  // Adds an event; returns nullptr when an event with the same id is already
  // in the window (Kafka redelivers after a rebalance: show it once).
  EventPtr add(LogEvent event);

  SearchPage search(const query::Query& q, TimeRange range, std::size_t limit, std::string_view before = {}) const;
  // `buckets` equal-width buckets over `range`; an unbounded side is taken from the window's events.
  Histogram histogram(const query::Query& q, TimeRange range, std::size_t buckets) const;
  Facets facets(const query::Query& q, TimeRange range, std::size_t top_n) const;
  // Up to `n` events before and after `id` from the same service and host.
  std::optional<Context> context(std::string_view id, std::size_t n) const;
  EventPtr find(std::string_view id) const;

  std::size_t size() const;
  std::size_t bytes() const;
  std::uint64_t evicted() const;
  const WindowLimits& limits() const noexcept { return limits_; }

 private:
  std::optional<std::size_t> index_of(std::string_view id) const;
  void evict_locked();

  WindowLimits limits_;
  mutable std::shared_mutex mu_;
  std::deque<EventPtr> events_;  // events_[i]->seq == first_seq_ + i
  std::unordered_map<std::string_view, std::uint64_t> by_id_;  // views into the held events' ids
  std::uint64_t next_seq_ = 0;
  std::uint64_t first_seq_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace lt::dashboard
