#include "sources/generator.h"


#include <array>
#include <cmath>
#include <fmt/compile.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <iterator>
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
    : services_(o.services.empty() ? std::vector<std::string>{fallback_service.empty() ? "app" : fallback_service}
                                   : o.services),
      environments_(o.environments.empty()
                        ? std::vector<std::string>{fallback_environment.empty() ? "prod" : fallback_environment}
                        : o.environments),
      burst_service_(o.burst_service.empty() ? services_.front() : o.burst_service) {
  std::uint64_t x = o.seed;  // splitmix64: any seed, even 0, gives a well-mixed state
  for (auto& word : state_) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    word = z ^ (z >> 31);
  }
}

namespace {

// Appends a formatted message to a string that keeps its capacity from event to event.
template <typename Format, typename... Args>
void assign_format(std::string& out, const Format& format, const Args&... args) {
  out.clear();
  fmt::format_to(std::back_inserter(out), format, args...);
}

void set_number(LogEvent& out, std::string_view key, std::uint64_t value) {
  char buf[24];
  const auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.set_attribute(key, std::string_view(buf, static_cast<std::size_t>(end - buf)), AttrType::Number);
}

}  // namespace

std::size_t EventSimulator::client_ip(char* out) {
  const IpRange& r = kClientRanges[uniform(kClientRanges.size())];
  const std::uint32_t hosts = r.prefix >= 32 ? 1u : (1u << (32 - r.prefix));
  // Skip network and broadcast addresses.
  const std::uint32_t ip = r.base + 1 + static_cast<std::uint32_t>(uniform(hosts > 2 ? hosts - 2 : 1));
  char* p = out;
  for (int shift = 24; shift >= 0; shift -= 8) {
    p = std::to_chars(p, p + 3, (ip >> shift) & 255).ptr;
    if (shift) *p++ = '.';
  }
  return static_cast<std::size_t>(p - out);
}

std::size_t EventSimulator::user_id(char* out) {
  out[0] = 'u';
  out[1] = '-';
  return static_cast<std::size_t>(std::to_chars(out + 2, out + 6, 1000 + uniform(9000)).ptr - out);
}

void EventSimulator::hex(std::size_t digits, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out.resize(digits);
  char* p = out.data();
  for (std::size_t i = 0; i < digits; i += 16) {
    std::uint64_t bits = next_u64();
    const std::size_t n = std::min<std::size_t>(16, digits - i);
    for (std::size_t j = 0; j < n; ++j, bits >>= 4) p[i + j] = kDigits[bits & 15];
  }
}

void EventSimulator::http_event(LogEvent& out, Level level) {
  const Route& route = kRoutes[uniform(kRoutes.size())];
  char path_buf[48];
  std::string_view path = route.path;
  if (const auto at = path.find("{}"); at != std::string_view::npos) {
    char* p = std::copy_n(path.data(), at, path_buf);
    p = std::to_chars(p, path_buf + sizeof path_buf, 1000 + uniform(90000)).ptr;
    const std::string_view rest = path.substr(at + 2);
    p = std::copy(rest.begin(), rest.end(), p);
    path = std::string_view(path_buf, static_cast<std::size_t>(p - path_buf));
  }
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
  const auto latency_ms = static_cast<std::uint64_t>(latency);
  char ip_buf[16];
  const std::string_view ip(ip_buf, client_ip(ip_buf));
  char user_buf[8];
  const std::string_view user(user_buf, user_id(user_buf));
  assign_format(out.message, FMT_COMPILE("{} {} {} {}ms client={} user={}"), route.method, path, status, latency_ms, ip,
                user);
  out.set_attribute("http_method", route.method);
  out.set_attribute("http_path", path);
  set_number(out, "http_status", static_cast<std::uint64_t>(status));
  set_number(out, "latency_ms", latency_ms);
  out.set_attribute("client_ip", ip);
  out.set_attribute("user_id", user);
}

void EventSimulator::app_event(LogEvent& out, Level level) {
  char user_buf[8];
  const std::string_view user(user_buf, user_id(user_buf));
  const auto ms = 1 + uniform(level >= Level::Warn ? 5000 : 200);
  switch (level) {
    case Level::Debug:
      assign_format(out.message, FMT_COMPILE("cache {} for key product:{} ({} us)"), unit() < 0.8 ? "hit" : "miss",
                    uniform(50000), ms * 10);
      break;
    case Level::Warn:
      assign_format(out.message, FMT_COMPILE("slow query on orders took {} ms for user {}"), 500 + ms, user);
      break;
    case Level::Error:
      assign_format(out.message, FMT_COMPILE("failed to charge card for user {}: gateway returned 502 after {} ms"),
                    user, ms);
      break;
    case Level::Fatal:
      assign_format(out.message, FMT_COMPILE("out of memory in worker {}, shutting down"), uniform(16));
      break;
    default:
      if (unit() < 0.5) {
        char ip_buf[16];
        assign_format(out.message, FMT_COMPILE("user {} logged in from {}"), user,
                      std::string_view(ip_buf, client_ip(ip_buf)));
      } else {
        assign_format(out.message, FMT_COMPILE("order {} placed by {} in {} ms"), 100000 + uniform(900000), user, ms);
      }
  }
  out.set_attribute("user_id", user);
  set_number(out, "latency_ms", ms);
}

void EventSimulator::next(LogEvent& out, bool storm) {
  hex(32, out.trace_id);
  hex(16, out.span_id);
  if (storm) {
    out.service = burst_service_;
    out.environment = environments_.front();
    out.level = unit() < 0.85 ? Level::Error : Level::Fatal;
    const auto ms = 1000 + uniform(29000);
    assign_format(out.message, fmt::runtime(kStormMessages[uniform(kStormMessages.size())]), ms);
    set_number(out, "latency_ms", ms);
    char ip_buf[16];
    out.set_attribute("client_ip", std::string_view(ip_buf, client_ip(ip_buf)));
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
  yield_cpu_to_downstream();
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
