#include "sources/generator.h"


#include <array>
#include <cmath>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "core/id.h"

namespace lt::sources {

namespace {

// Well-known public allocations, so enrichment (GeoIP) has real countries to find.
struct IpRange {
  std::uint32_t base;
  int prefix;
  const char* where;  // for readers of this table only
};
constexpr std::uint32_t ip4(unsigned a, unsigned b, unsigned c, unsigned d) { return (a << 24) | (b << 16) | (c << 8) | d; }
constexpr std::array<IpRange, 7> kClientRanges{{
    {ip4(8, 8, 8, 0), 24, "US (Google)"},
    {ip4(81, 2, 69, 0), 24, "GB"},
    {ip4(2, 16, 0, 0), 13, "EU / various (Akamai)"},
    {ip4(1, 0, 0, 0), 24, "AU (APNIC/Cloudflare)"},
    {ip4(200, 160, 0, 0), 16, "BR (NIC.br)"},
    {ip4(133, 0, 0, 0), 8, "JP"},
    {ip4(193, 0, 0, 0), 21, "NL (RIPE NCC)"},
}};

struct Route {
  const char* method;
  const char* path;  // {} = a numeric id
};
constexpr std::array<Route, 8> kRoutes{{
    {"GET", "/api/orders/{}"},
    {"POST", "/api/orders"},
    {"GET", "/api/products/{}"},
    {"GET", "/api/search"},
    {"POST", "/api/login"},
    {"PUT", "/api/cart/{}"},
    {"DELETE", "/api/cart/{}"},
    {"GET", "/healthz"},
}};

constexpr std::array<const char*, 4> kStormMessages{{
    "upstream payment provider timed out after {} ms",
    "database connection pool exhausted (waited {} ms)",
    "circuit breaker open for inventory-db after {} ms of failures",
    "unhandled exception in request handler (after {} ms): NullPointerException",
}};

}  // namespace

EventSimulator::EventSimulator(const GeneratorOptions& o, const std::string& fallback_service,
                               const std::string& fallback_environment)
    : rng_(o.seed),
      services_(o.services.empty() ? std::vector<std::string>{fallback_service.empty() ? "app" : fallback_service}
                                   : o.services),
      environments_(o.environments.empty()
                        ? std::vector<std::string>{fallback_environment.empty() ? "prod" : fallback_environment}
                        : o.environments),
      burst_service_(o.burst_service.empty() ? services_.front() : o.burst_service) {}

std::string EventSimulator::client_ip() {
  const IpRange& r = kClientRanges[uniform(kClientRanges.size())];
  const std::uint32_t hosts = r.prefix >= 32 ? 1u : (1u << (32 - r.prefix));
  // Skip network and broadcast addresses.
  const std::uint32_t ip = r.base + 1 + static_cast<std::uint32_t>(uniform(hosts > 2 ? hosts - 2 : 1));
  return fmt::format("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

std::string EventSimulator::hex(std::size_t digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(digits, '0');
  std::uint64_t bits = rng_();
  for (std::size_t i = 0; i < digits; ++i) {
    if (i % 16 == 15) bits = rng_();
    s[i] = kDigits[bits & 15];
    bits >>= 4;
  }
  return s;
}

void EventSimulator::http_event(LogEvent& out, Level level) {
  const Route& route = kRoutes[uniform(kRoutes.size())];
  std::string path = route.path;
  if (auto at = path.find("{}"); at != std::string::npos) path.replace(at, 2, std::to_string(1000 + uniform(90000)));
  int status = 200;
  double latency = 5 + std::exp(unit() * 5.0);  // long-tailed, 6 ms .. ~150 ms
  switch (level) {
    case Level::Warn:
      status = unit() < 0.5 ? 404 : 429;
      latency *= 3;
      break;
    case Level::Error:
    case Level::Fatal:
      status = unit() < 0.7 ? 500 : 503;
      latency *= 20;
      break;
    default:
      status = std::string_view(route.method) == "POST" ? 201 : 200;
  }
  const auto latency_ms = static_cast<std::int64_t>(latency);
  const std::string ip = client_ip();
  const std::string user = fmt::format("u-{}", 1000 + uniform(9000));
  out.message = fmt::format("{} {} {} {}ms client={} user={}", route.method, path, status, latency_ms, ip, user);
  out.set_attribute("http_method", route.method);
  out.set_attribute("http_path", path);
  out.set_attribute("http_status", std::to_string(status), AttrType::Number);
  out.set_attribute("latency_ms", std::to_string(latency_ms), AttrType::Number);
  out.set_attribute("client_ip", ip);
  out.set_attribute("user_id", user);
}

void EventSimulator::app_event(LogEvent& out, Level level) {
  const std::string user = fmt::format("u-{}", 1000 + uniform(9000));
  const auto ms = 1 + uniform(level >= Level::Warn ? 5000 : 200);
  switch (level) {
    case Level::Debug:
      out.message = fmt::format("cache {} for key product:{} ({} us)", unit() < 0.8 ? "hit" : "miss",
                                uniform(50000), ms * 10);
      break;
    case Level::Warn:
      out.message = fmt::format("slow query on orders took {} ms for user {}", 500 + ms, user);
      break;
    case Level::Error:
      out.message = fmt::format("failed to charge card for user {}: gateway returned 502 after {} ms", user, ms);
      break;
    case Level::Fatal:
      out.message = fmt::format("out of memory in worker {}, shutting down", uniform(16));
      break;
    default:
      out.message = unit() < 0.5 ? fmt::format("user {} logged in from {}", user, client_ip())
                                 : fmt::format("order {} placed by {} in {} ms", 100000 + uniform(900000), user, ms);
  }
  out.set_attribute("user_id", user);
  out.set_attribute("latency_ms", std::to_string(ms), AttrType::Number);
}

void EventSimulator::next(LogEvent& out, bool storm) {
  out.trace_id = hex(32);
  out.span_id = hex(16);
  if (storm) {
    out.service = burst_service_;
    out.environment = environments_.front();
    out.level = unit() < 0.85 ? Level::Error : Level::Fatal;
    const auto ms = 1000 + uniform(29000);
    out.message = fmt::format(fmt::runtime(kStormMessages[uniform(kStormMessages.size())]), ms);
    out.set_attribute("latency_ms", std::to_string(ms), AttrType::Number);
    out.set_attribute("client_ip", client_ip());
    out.set_attribute("storm", "true", AttrType::Bool);
    return;
  }
  out.service = services_[uniform(services_.size())];
  // The first environment carries most of the traffic, as production does.
  out.environment = environments_.size() == 1 || unit() < 0.7 ? environments_.front()
                                                              : environments_[1 + uniform(environments_.size() - 1)];
  const double p = unit();
  out.level = p < 0.10 ? Level::Debug : p < 0.85 ? Level::Info : p < 0.95 ? Level::Warn : p < 0.99 ? Level::Error : Level::Fatal;
  if (unit() < 0.6) {
    http_event(out, out.level);
  } else {
    app_event(out, out.level);
  }
}

EmissionSchedule::EmissionSchedule(const GeneratorOptions& o)
    : rate_(o.rate),
      burst_rate_(o.burst_every_ms && o.burst_duration_ms ? o.burst_rate : 0),
      every_ns_(static_cast<std::int64_t>(o.burst_every_ms) * 1000000),
      duration_ns_(static_cast<std::int64_t>(std::min(o.burst_duration_ms, o.burst_every_ms)) * 1000000) {}

std::int64_t EmissionSchedule::storm_window_start(std::int64_t t) const {
  // The first instant >= t inside a storm window. Windows close each period
  // ([every - duration, every)), so a run starts calm and the first storm comes later.
  const std::int64_t into = t % every_ns_;
  const std::int64_t opens = every_ns_ - duration_ns_;
  return into >= opens ? t : t - into + opens;
}

EmissionSchedule::Next EmissionSchedule::next(std::chrono::nanoseconds elapsed_d) {
  const std::int64_t now = elapsed_d.count();
  constexpr std::int64_t kBucket = 1000000000;  // at most one second of catch-up
  Next n;
  std::int64_t storm_due = INT64_MAX;
  if (burst_rate_ > 0) {
    if (next_storm_ < now - kBucket) next_storm_ = now - kBucket;
    next_storm_ = storm_window_start(next_storm_);
    storm_due = next_storm_;
  }
  std::int64_t base_due = INT64_MAX;
  if (rate_ == 0) {
    base_due = now;
  } else if (rate_ > 0) {
    if (next_base_ < now - kBucket) next_base_ = now - kBucket;
    base_due = next_base_;
  }
  if (storm_due <= now && storm_due <= base_due) {
    n.due = n.storm = true;
    next_storm_ += static_cast<std::int64_t>(1e9 / burst_rate_);
    return n;
  }
  if (base_due <= now) {
    n.due = true;
    if (rate_ > 0) next_base_ += static_cast<std::int64_t>(1e9 / rate_);
    return n;
  }
  n.wait = std::chrono::nanoseconds(std::min(storm_due, base_due) - now);
  return n;
}

GeneratorSource::GeneratorSource(SourceOptions common, GeneratorOptions options)
    : Source(std::move(common)), gen_(std::move(options)) {}

GeneratorSource::~GeneratorSource() { stop(std::chrono::milliseconds(0)); }

std::optional<Error> GeneratorSource::start(EventSink& sink) {
  if (started_) return Error::permanent("source.started", "source " + name() + " already started");
  if (gen_.rate < 0 || gen_.burst_rate < 0)
    return Error::permanent("generator.rate", "source " + name() + ": rates must be >= 0");
  sink_ = &sink;
  tracker_ = std::make_shared<AckTracker>(options_.ack_window, 0);
  started_ = true;
  thread_ = named_thread("lt-gen-", name(), [this] { run(); });
  return std::nullopt;
}

void GeneratorSource::run() {
  EventSimulator sim(gen_, options_.service, options_.environment);
  EmissionSchedule schedule(gen_);
  const std::string host = options_.host.empty() ? local_host_name() : options_.host;
  const auto t0 = std::chrono::steady_clock::now();
  Envelope env;
  std::uint64_t seq = 0;  // events handed to the sink
  auto fill = [&](LogEvent& ev, bool storm) {
    ev.clear();
    sim.next(ev, storm);
    ev.timestamp = now_ns();
    assign_event_id(ev.timestamp, ev.id);
    ev.host = host;
    ev.source = "generator";
  };
  // With a sink that takes batches: due events gathered, sent when full or before waiting.
  EventBatch batch;
  std::size_t batch_bytes = 0;
  auto send_batch = [&] {  // false when stop was requested
    if (batch.size == 0) return true;
    const std::uint64_t end = seq + batch.size;
    auto tracked = track(*tracker_, static_cast<std::int64_t>(end), stop_, metrics_);
    if (!tracked) {
      batch.size = 0;
      batch_bytes = 0;
      if (stop_.requested()) return false;
      spdlog::warn("source {}: generated events failed delivery and are not generated again", name());
      lost_ = true;
      give_up_in_flight(*tracker_, static_cast<std::int64_t>(seq), metrics_);
      return true;
    }
    batch.ack = AckRef{tracker_, *tracked};
    if (!deliver_batch(*sink_, batch, stop_, metrics_, std::exchange(batch_bytes, 0))) {
      batch.size = 0;
      batch.ack = AckRef{};
      return false;
    }
    seq = end;
    emitted_.store(seq, std::memory_order_release);
    return true;
  };
  bool batching = false;
  while (!stop_.requested() && (gen_.limit == 0 || seq + batch.size < gen_.limit)) {
    const auto next = schedule.next(std::chrono::steady_clock::now() - t0);
    if (!next.due) {
      if (!send_batch()) break;
      stop_.wait_for(std::min<std::chrono::nanoseconds>(next.wait, std::chrono::milliseconds(100)));
      continue;
    }
    if (batch.size == 0) batching = sink_->accepts_batches();
    if (batching) {
      LogEvent& ev = batch.next();
      fill(ev, next.storm);
      batch_bytes += ev.message.size();
      if (batch.size >= kMaxBatchEvents && !send_batch()) break;
      continue;
    }
    LogEvent& ev = env.event;
    fill(ev, next.storm);
    auto tracked = track(*tracker_, static_cast<std::int64_t>(seq + 1), stop_, metrics_);
    if (!tracked) {
      if (stop_.requested()) break;
      // Synthetic events are not worth re-sending; note the loss and carry on.
      spdlog::warn("source {}: generated events failed delivery and are not generated again", name());
      lost_ = true;
      give_up_in_flight(*tracker_, static_cast<std::int64_t>(seq), metrics_);
      continue;
    }
    env.ack = AckRef{tracker_, *tracked};
    if (!deliver(*sink_, env, stop_, metrics_, ev.message.size())) break;
    ++seq;
    emitted_.store(seq, std::memory_order_release);
  }
  if (!stop_.requested()) send_batch();  // the limit was reached mid-batch
  done_ = true;
}

void GeneratorSource::stop(std::chrono::milliseconds drain) {
  if (!started_) return;
  started_ = false;
  stop_.request();
  if (thread_.joinable()) thread_.join();
  wait_committed(*tracker_, static_cast<std::int64_t>(emitted()), std::chrono::steady_clock::now() + drain);
  if (tracker_->failed()) {  // failed after the last event was generated: nothing else gave it up
    lost_ = true;
    give_up_in_flight(*tracker_, static_cast<std::int64_t>(emitted()), metrics_);
  }
}

bool GeneratorSource::finished() const {
  return done_ && tracker_ && (tracker_->failed() || tracker_->committed() >= static_cast<std::int64_t>(emitted()));
}

bool GeneratorSource::fully_acknowledged() const {
  return !lost_ && tracker_ && !tracker_->failed() && tracker_->committed() >= static_cast<std::int64_t>(emitted());
}

}  // namespace lt::sources
