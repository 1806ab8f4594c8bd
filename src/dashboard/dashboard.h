// The dashboard core: ingestion (events, alerts, dead letters; thread-safe and
// cheap), the event window, the live-tail hub, and the HTTP/WebSocket API (docs/api.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "core/log_event.h"
#include "dashboard/alert_store.h"
#include "dashboard/event_window.h"
#include "dashboard/tail_hub.h"
#include "net/http_server.h"

namespace lt::dashboard {

struct DashboardOptions {
  WindowLimits window;
  TailOptions tail;
  std::size_t max_page = 1000;  // largest `limit` of /api/v1/events
};

class Dashboard {
 public:
  explicit Dashboard(DashboardOptions options = {});
  ~Dashboard();

  void start();  // the tail fan-out thread
  void stop();

  void ingest(LogEvent event);
  bool ingest_alert(std::string_view json);
  void ingest_dead_letter(DeadLetter record);
  // Consumer lag in records, when the Kafka side knows it (nullopt: unknown).
  void set_lag_source(std::function<std::optional<std::int64_t>()> lag);

  // Mounts every route of docs/api.md on `server`: /api/v1/*, the tail
  // WebSocket, /metrics, /healthz and the embedded front end.
  void mount(net::HttpServer& server);

  // The headers every dashboard response carries (CSP, nosniff, no referrer...).
  static net::Headers security_headers();

  EventWindow& window() noexcept { return window_; }
  TailHub& hub() noexcept { return hub_; }
  AlertStore& alerts() noexcept { return alerts_; }
  DeadLetterStore& dead_letters() noexcept { return dead_letters_; }

  std::string stats_json() const;

 private:
  double ingest_rate() const;

  DashboardOptions opt_;
  EventWindow window_;
  TailHub hub_;
  AlertStore alerts_;
  DeadLetterStore dead_letters_;
  std::function<std::optional<std::int64_t>()> lag_;
  std::atomic<std::uint64_t> ingested_{0};
  std::atomic<std::uint64_t> duplicates_{0};
  // Ingest rate: events per whole second, over the last few seconds.
  static constexpr int kRateSlots = 8;
  struct RateSlot {
    std::atomic<std::int64_t> second{0};
    std::atomic<std::uint64_t> count{0};
  };
  mutable RateSlot rate_[kRateSlots];
};

// Time parameter of the API: epoch milliseconds ("1764284931000") or RFC 3339.
std::optional<TimestampNs> parse_time_param(std::string_view text);

}  // namespace lt::dashboard
