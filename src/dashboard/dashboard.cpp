#include "dashboard/dashboard.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/json_codec.h"
#include "core/metrics.h"
#include "dashboard/assets.h"
#include "net/metrics_endpoint.h"

namespace lt::dashboard {

namespace http = net::http;

namespace {

Counter& ingested_counter() {
  static Counter& c = MetricsRegistry::global().counter("logtracer_dashboard_events_total",
                                                        "Processed events received by the dashboard");
  return c;
}

std::string query_error_json(const query::QueryError& err) {
  std::string extra = ",\"column\":" + std::to_string(err.column);
  return extra;
}

// Compiles ?q=; on error fills `error` with the 400 response.
std::optional<query::Query> compile_param(const net::Request& req, std::optional<net::Response>& error) {
  std::string_view text = req.query_param("q").value_or("");
  auto compiled = query::Query::compile(text);
  if (auto* err = std::get_if<query::QueryError>(&compiled)) {
    error = net::json_error(http::status::bad_request, err->message, query_error_json(*err));
    return std::nullopt;
  }
  return std::get<query::Query>(std::move(compiled));
}

std::optional<TimeRange> range_param(const net::Request& req, std::optional<net::Response>& error) {
  TimeRange r;
  for (auto [name, field] : {std::pair{"from", &r.from}, std::pair{"to", &r.to}}) {
    auto v = req.query_param(name);
    if (!v || v->empty()) continue;
    auto t = parse_time_param(*v);
    if (!t) {
      error = net::json_error(http::status::bad_request,
                              std::string("invalid '") + name + "': expected epoch milliseconds or RFC 3339");
      return std::nullopt;
    }
    *field = *t;
  }
  return r;
}

std::size_t size_param(const net::Request& req, std::string_view name, std::size_t def, std::size_t max) {
  auto v = req.query_param(name);
  if (!v) return def;
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n == 0) return def;
  return std::min(n, max);
}

void append_ms(TimestampNs ns, std::string& out) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e6);
  out.append(buf, static_cast<std::size_t>(n));
}

void append_events(const std::vector<EventPtr>& events, std::string& out) {
  out += '[';
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) out += ',';
    out += events[i]->json;
  }
  out += ']';
}

net::Response no_store(net::Response res) {
  res.set(http::field::cache_control, "no-store");
  return res;
}

net::Response ok_json(std::string body) { return no_store(net::json_response(http::status::ok, std::move(body))); }

}  // namespace

std::optional<TimestampNs> parse_time_param(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool digits = true;
  for (char c : text) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    std::int64_t ms = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || p != text.data() + text.size() || ms > 32503680000000) return std::nullopt;
    return ms * 1'000'000;
  }
  return parse_rfc3339(text);
}

Dashboard::Dashboard(DashboardOptions options)
    : opt_(options), window_(options.window), hub_(options.tail), alerts_(), dead_letters_() {}

Dashboard::~Dashboard() { stop(); }

void Dashboard::start() { hub_.start(); }
void Dashboard::stop() { hub_.stop(); }

void Dashboard::ingest(LogEvent event) {
  EventPtr stored = window_.add(std::move(event));
  if (!stored) {
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  ingested_.fetch_add(1, std::memory_order_relaxed);
  ingested_counter().inc();
  std::int64_t sec = now_ns() / 1'000'000'000;
  RateSlot& slot = rate_[sec % kRateSlots];
  if (slot.second.load(std::memory_order_relaxed) != sec) {
    // First event of a new second in this slot; a racing increment may be lost, which a rate tolerates.
    slot.count.store(0, std::memory_order_relaxed);
    slot.second.store(sec, std::memory_order_relaxed);
  }
  slot.count.fetch_add(1, std::memory_order_relaxed);
  hub_.publish(std::move(stored));
}

bool Dashboard::ingest_alert(std::string_view json) { return alerts_.ingest(json); }

void Dashboard::ingest_dead_letter(DeadLetter record) { dead_letters_.ingest(std::move(record)); }

void Dashboard::set_lag_source(std::function<std::optional<std::int64_t>()> lag) { lag_ = std::move(lag); }

double Dashboard::ingest_rate() const {
  // Average over the last complete seconds (the current one is still filling).
  std::int64_t now = now_ns() / 1'000'000'000;
  constexpr int kSeconds = 5;
  std::uint64_t total = 0;
  for (int back = 1; back <= kSeconds; ++back) {
    const RateSlot& slot = rate_[(now - back) % kRateSlots];
    if (slot.second.load(std::memory_order_relaxed) == now - back) total += slot.count.load(std::memory_order_relaxed);
  }
  return static_cast<double>(total) / kSeconds;
}

std::string Dashboard::stats_json() const {
  std::string out = "{\"ingest_rate\":";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", ingest_rate());
  out += buf;
  out += ",\"ingested_total\":" + std::to_string(ingested_.load());
  out += ",\"duplicates_total\":" + std::to_string(duplicates_.load());
  out += ",\"window_events\":" + std::to_string(window_.size());
  out += ",\"window_bytes\":" + std::to_string(window_.bytes());
  out += ",\"window_evicted\":" + std::to_string(window_.evicted());
  out += ",\"window_max_events\":" + std::to_string(window_.limits().max_events);
  out += ",\"tail_clients\":" + std::to_string(hub_.clients());
  out += ",\"tail_skipped_total\":" + std::to_string(hub_.skipped_total());
  out += ",\"dead_letters_total\":" + std::to_string(dead_letters_.total());
  out += ",\"alerts_firing\":" + std::to_string(alerts_.firing());
  out += ",\"consumer_lag\":";
  std::optional<std::int64_t> lag = lag_ ? lag_() : std::nullopt;
  out += lag ? std::to_string(*lag) : "null";
  out += '}';
  return out;
}

net::Headers Dashboard::security_headers() {
  return {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
      {"Cross-Origin-Resource-Policy", "same-origin"},
  };
}

void Dashboard::mount(net::HttpServer& server) {
  server.get("/api/v1/events", [this](const net::Request& req) {
    std::optional<net::Response> error;
    auto q = compile_param(req, error);
    if (!q) return std::move(*error);
    auto range = range_param(req, error);
    if (!range) return std::move(*error);
    std::size_t limit = size_param(req, "limit", 200, opt_.max_page);
    std::string_view before = req.query_param("before").value_or("");
    SearchPage page = window_.search(*q, *range, limit, before);
    if (page.cursor_unknown)
      return net::json_error(http::status::gone, "the 'before' event is no longer in the window; search again");
    std::string out = "{\"events\":";
    append_events(page.events, out);
    out += ",\"more\":";
    out += page.more ? "true" : "false";
    out += ",\"next_before\":";
    if (page.more && !page.events.empty())
      append_json_string(page.events.back()->event.id, out);
    else
      out += "null";
    out += '}';
    return ok_json(std::move(out));
  });

  server.get("/api/v1/events/{id}/context", [this](const net::Request& req) {
    std::size_t n = size_param(req, "n", 20, 200);
    auto ctx = window_.context(req.param("id"), n);
    if (!ctx) return net::json_error(http::status::not_found, "no such event in the window");
    std::string out = "{\"before\":";
    append_events(ctx->before, out);
    out += ",\"event\":";
    out += ctx->event->json;
    out += ",\"after\":";
    append_events(ctx->after, out);
    out += '}';
    return ok_json(std::move(out));
  });

  server.get("/api/v1/histogram", [this](const net::Request& req) {
    std::optional<net::Response> error;
    auto q = compile_param(req, error);
    if (!q) return std::move(*error);
    auto range = range_param(req, error);
    if (!range) return std::move(*error);
    std::size_t buckets = size_param(req, "buckets", 60, 1000);
    Histogram h = window_.histogram(*q, *range, buckets);
    std::string out = "{\"from_ms\":";
    append_ms(h.from, out);
    out += ",\"step_ms\":";
    append_ms(h.step, out);
    out += ",\"levels\":[";
    for (int l = 0; l < kLevelCount; ++l) {
      if (l) out += ',';
      out += '"';
      out += to_string(static_cast<Level>(l));
      out += '"';
    }
    out += "],\"counts\":[";
    for (std::size_t b = 0; b < h.counts.size(); ++b) {
      if (b) out += ',';
      out += '[';
      for (int l = 0; l < kLevelCount; ++l) {
        if (l) out += ',';
        out += std::to_string(h.counts[b][static_cast<std::size_t>(l)]);
      }
      out += ']';
    }
    out += "]}";
    return ok_json(std::move(out));
  });

  server.get("/api/v1/facets", [this](const net::Request& req) {
    std::optional<net::Response> error;
    auto q = compile_param(req, error);
    if (!q) return std::move(*error);
    auto range = range_param(req, error);
    if (!range) return std::move(*error);
    std::size_t top = size_param(req, "top", 10, 100);
    Facets f = window_.facets(*q, *range, top);
    std::string out = "{\"matched\":" + std::to_string(f.matched) + ",\"fields\":{";
    for (std::size_t i = 0; i < f.fields.size(); ++i) {
      if (i) out += ',';
      append_json_string(Facets::kNames[i], out);
      out += ":[";
      for (std::size_t j = 0; j < f.fields[i].size(); ++j) {
        if (j) out += ',';
        out += "{\"value\":";
        append_json_string(f.fields[i][j].value, out);
        out += ",\"count\":" + std::to_string(f.fields[i][j].count) + "}";
      }
      out += ']';
    }
    out += "}}";
    return ok_json(std::move(out));
  });

  server.get("/api/v1/alerts", [this](const net::Request&) { return ok_json(alerts_.render_json()); });
  server.get("/api/v1/deadletters", [this](const net::Request&) { return ok_json(dead_letters_.render_json()); });
  server.get("/api/v1/stats", [this](const net::Request&) { return ok_json(stats_json()); });

  server.get("/api/v1/query/validate", [](const net::Request& req) {
    std::optional<net::Response> error;
    auto q = compile_param(req, error);
    if (!q) return no_store(std::move(*error));
    return ok_json(R"({"ok":true})");
  });

  server.websocket(
      "/api/v1/tail",
      [this](std::shared_ptr<net::WebSocket> socket, const net::Request& req) {
        auto compiled = query::Query::compile(req.query_param("q").value_or(""));
        auto* q = std::get_if<query::Query>(&compiled);
        if (!q || !hub_.add_client(socket, std::move(*q))) {
          socket->send(R"({"type":"error","error":"too many live-tail clients"})");
          socket->close();
          return;
        }
        socket->send(R"({"type":"hello"})");
      },
      [this](const net::Request& req) -> std::optional<net::Response> {
        std::optional<net::Response> error;
        if (!compile_param(req, error)) return error;
        if (hub_.clients() >= opt_.tail.max_clients)
          return net::json_error(http::status::service_unavailable, "too many live-tail clients");
        return std::nullopt;
      });

  net::mount_metrics_endpoints(server);

  server.fallback([](const net::Request& req) -> std::optional<net::Response> {
    const Asset* asset = find_asset(req.path);
    if (!asset) return std::nullopt;
    net::Response res = net::make_response(http::status::ok, std::string(asset->body), asset->content_type);
    // Vite puts a content hash in every name under /assets/; index.html must always be revalidated.
    res.set(http::field::cache_control,
            asset->path.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    return res;
  });
}

}  // namespace lt::dashboard
