#include "dashboard/event_window.h"

#include <algorithm>
#include <mutex>

#include "core/json_codec.h"

namespace lt::dashboard {

std::size_t StoredEvent::bytes() const noexcept {
  std::size_t n = sizeof(StoredEvent) + json.capacity() + event.id.capacity() + event.service.capacity() +
                  event.environment.capacity() + event.host.capacity() + event.source.capacity() +
                  event.message.capacity() + event.trace_id.capacity() + event.span_id.capacity();
  for (const auto& a : event.attributes) n += sizeof(Attribute) + a.key.capacity() + a.value.capacity();
  return n + 64;  // shared_ptr control block and index entry
}

EventPtr make_stored_event(LogEvent event) {
  auto stored = std::make_shared<StoredEvent>();
  stored->event = std::move(event);
  encode_json(stored->event, stored->json);
  return stored;
}

EventWindow::EventWindow(WindowLimits limits) : limits_(limits) {
  if (limits_.max_events == 0) limits_.max_events = 1;
}

EventPtr EventWindow::add(LogEvent event) {
  auto stored = std::make_shared<StoredEvent>();
  stored->event = std::move(event);
  encode_json(stored->event, stored->json);  // outside the lock: the expensive part
  const std::size_t size = stored->bytes();
  std::unique_lock lock(mu_);
  if (!stored->event.id.empty() && by_id_.count(stored->event.id)) return nullptr;
  stored->seq = next_seq_++;
  if (events_.empty()) first_seq_ = stored->seq;
  if (!stored->event.id.empty()) by_id_.emplace(stored->event.id, stored->seq);
  bytes_ += size;
  events_.push_back(stored);
  evict_locked();
  return stored;
}

void EventWindow::evict_locked() {
  while (!events_.empty() && (events_.size() > limits_.max_events || (bytes_ > limits_.max_bytes && events_.size() > 1))) {
    const EventPtr& oldest = events_.front();
    bytes_ -= oldest->bytes();
    if (!oldest->event.id.empty()) {
      auto it = by_id_.find(oldest->event.id);
      if (it != by_id_.end() && it->second == oldest->seq) by_id_.erase(it);
    }
    events_.pop_front();
    ++first_seq_;
    ++evicted_;
  }
}

std::optional<std::size_t> EventWindow::index_of(std::string_view id) const {
  auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second < first_seq_) return std::nullopt;
  std::size_t i = static_cast<std::size_t>(it->second - first_seq_);
  if (i >= events_.size()) return std::nullopt;
  return i;
}

SearchPage EventWindow::search(const query::Query& q, TimeRange range, std::size_t limit, std::string_view before) const {
  SearchPage page;
  std::shared_lock lock(mu_);
  std::size_t end = events_.size();  // exclusive, scanning backwards
  if (!before.empty()) {
    auto idx = index_of(before);
    if (!idx) {
      page.cursor_unknown = true;
      return page;
    }
    end = *idx;
  }
  for (std::size_t i = end; i-- > 0;) {
    const StoredEvent& e = *events_[i];
    if (!range.contains(e.event.timestamp) || !q.matches(e.event)) continue;
    if (page.events.size() == limit) {
      page.more = true;
      break;
    }
    page.events.push_back(events_[i]);
  }
  return page;
}

Histogram EventWindow::histogram(const query::Query& q, TimeRange range, std::size_t buckets) const {
  Histogram h;
  buckets = std::clamp<std::size_t>(buckets, 1, 1000);
  std::shared_lock lock(mu_);
  TimestampNs from = range.from, to = range.to;
  if (from == 0 || to == 0) {
    TimestampNs lo = 0, hi = 0;
    for (const auto& e : events_) {
      TimestampNs t = e->event.timestamp;
      if (lo == 0 || t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (from == 0) from = lo;
    if (to == 0) to = hi + 1;
  }
  if (to <= from) to = from + 1;
  h.from = from;
  h.step = std::max<TimestampNs>(1, (to - from + static_cast<TimestampNs>(buckets) - 1) / static_cast<TimestampNs>(buckets));
  h.counts.assign(buckets, {});
  for (const auto& e : events_) {
    TimestampNs t = e->event.timestamp;
    if (t < from || t >= to || !q.matches(e->event)) continue;
    std::size_t b = static_cast<std::size_t>((t - from) / h.step);
    if (b >= buckets) b = buckets - 1;
    h.counts[b][static_cast<std::size_t>(e->event.level)]++;
  }
  return h;
}

Facets EventWindow::facets(const query::Query& q, TimeRange range, std::size_t top_n) const {
  Facets f;
  std::array<std::unordered_map<std::string_view, std::uint64_t>, 4> counts;
  std::shared_lock lock(mu_);
  for (const auto& e : events_) {
    const LogEvent& ev = e->event;
    if (!range.contains(ev.timestamp) || !q.matches(ev)) continue;
    ++f.matched;
    counts[0][ev.service]++;
    counts[1][ev.environment]++;
    counts[2][ev.host]++;
    counts[3][to_string(ev.level)]++;
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    auto& out = f.fields[i];
    out.reserve(counts[i].size());
    for (const auto& [value, n] : counts[i])
      if (!value.empty()) out.push_back({std::string(value), n});
    std::sort(out.begin(), out.end(), [](const FacetValue& a, const FacetValue& b) {
      return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
    if (out.size() > top_n) out.resize(top_n);
  }
  return f;
}

std::optional<Context> EventWindow::context(std::string_view id, std::size_t n) const {
  std::shared_lock lock(mu_);
  auto idx = index_of(id);
  if (!idx) return std::nullopt;
  Context c;
  c.event = events_[*idx];
  const LogEvent& center = c.event->event;
  auto same_origin = [&](const LogEvent& e) { return e.service == center.service && e.host == center.host; };
  for (std::size_t i = *idx; i-- > 0 && c.before.size() < n;)
    if (same_origin(events_[i]->event)) c.before.push_back(events_[i]);
  std::reverse(c.before.begin(), c.before.end());
  for (std::size_t i = *idx + 1; i < events_.size() && c.after.size() < n; ++i)
    if (same_origin(events_[i]->event)) c.after.push_back(events_[i]);
  return c;
}

EventPtr EventWindow::find(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto idx = index_of(id);
  return idx ? events_[*idx] : nullptr;
}

std::size_t EventWindow::size() const {
  std::shared_lock lock(mu_);
  return events_.size();
}

std::size_t EventWindow::bytes() const {
  std::shared_lock lock(mu_);
  return bytes_;
}

std::uint64_t EventWindow::evicted() const {
  std::shared_lock lock(mu_);
  return evicted_;
}

}  // namespace lt::dashboard
