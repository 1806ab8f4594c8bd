// Query evaluation speed on realistic events (docs/benchmarks.md, "Query
// evaluation"), with the naive alternatives a user might write, in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "query/query.h"

namespace {

// A few thousand events shaped like a mixed fleet: HTTP access lines and
// application messages, INFO-heavy levels, the usual attributes.
const std::vector<lt::LogEvent>& events() {
  static const std::vector<lt::LogEvent> all = [] {
    std::mt19937 rng(42);
    auto pick = [&](auto const& options) { return options[rng() % std::size(options)]; };
    const char* services[] = {"checkout", "payments", "auth", "search", "inventory", "gateway", "notifications", "frontend"};
    const char* envs[] = {"production", "production", "production", "staging"};
    const char* methods[] = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};
    const char* paths[] = {"/api/v1/orders", "/api/v1/cart", "/api/v1/users/me", "/api/v1/search?q=shoes",
                           "/healthz", "/api/v1/payments/authorize", "/static/app.js"};
    const char* app_messages[] = {
        "connection to db-3:5432 timed out after 5000 ms",
        "upstream request timeout while calling inventory-svc",
        "cache miss for key user:%d, loading from store",
        "retrying request (attempt 2/5) after connection refused",
        "payment declined for card ending 4242: insufficient funds",
        "scheduled job reindex-products finished in 1532 ms",
        "user %d logged in from 203.0.113.7 via oauth",
        "slow query detected: SELECT * FROM orders WHERE customer_id = ? took 812 ms",
        "circuit breaker opened for payments-api after 20 failures",
        "TLS handshake failed: certificate has expired",
        "published 128 events to topic logs.processed",
        "Timeout waiting for lock on order %d",
    };
    std::vector<lt::LogEvent> out(4096);
    for (auto& e : out) {
      const unsigned roll = rng() % 100;
      e.level = roll < 20 ? lt::Level::Debug : roll < 80 ? lt::Level::Info : roll < 92 ? lt::Level::Warn
                : roll < 99 ? lt::Level::Error : lt::Level::Fatal;
      e.service = pick(services);
      e.environment = pick(envs);
      e.host = "web-" + std::to_string(rng() % 12 + 1);
      e.source = "file:/var/log/" + e.service + ".log";
      e.id = "01JDAXYZ" + std::to_string(rng());
      e.timestamp = 1'764'284'400'000'000'000 + static_cast<std::int64_t>(rng() % 3'600'000) * 1'000'000;
      const int status = rng() % 10 < 8 ? 200 : rng() % 2 ? 404 : static_cast<int>(500 + rng() % 4);
      const int latency = static_cast<int>(rng() % 100 < 90 ? rng() % 300 : rng() % 8000);
      char buf[256];
      if (rng() % 2) {
        std::snprintf(buf, sizeof buf, "%s %s HTTP/1.1 %d %d bytes in %d ms", pick(methods), pick(paths), status,
                      static_cast<int>(rng() % 20000), latency);
      } else {
        std::snprintf(buf, sizeof buf, pick(app_messages), static_cast<int>(rng() % 100000));
      }
      e.message = buf;
      e.set_attribute("status", std::to_string(status), lt::AttrType::Number);
      e.set_attribute("latency_ms", std::to_string(latency), lt::AttrType::Number);
      e.set_attribute("user_id", "u-" + std::to_string(rng() % 5000));
    }
    return out;
  }();
  return all;
}

lt::query::Query compile(const char* text) {
  auto compiled = lt::query::Query::compile(text);
  if (auto* error = std::get_if<lt::query::QueryError>(&compiled)) {
    std::fprintf(stderr, "query %s: %s\n", text, error->message.c_str());
    std::abort();
  }
  return std::get<lt::query::Query>(std::move(compiled));
}

void BM_Query(benchmark::State& state, const char* text) {
  const auto query = compile(text);
  const auto& evs = events();
  std::size_t hits = 0;
  for (auto _ : state) {
    for (const auto& e : evs) hits += query.matches(e);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * evs.size()));
  state.counters["match_pct"] = 100.0 * static_cast<double>(hits) / static_cast<double>(state.iterations() * evs.size());
}

BENCHMARK_CAPTURE(BM_Query, level_ge_warn, "level>=WARN");
BENCHMARK_CAPTURE(BM_Query, service_and_phrase, "service:checkout \"timeout\"");
BENCHMARK_CAPTURE(BM_Query, three_terms_one_substring, "service:checkout level>=WARN timeout");
BENCHMARK_CAPTURE(BM_Query, substring_only, "timeout");
BENCHMARK_CAPTURE(BM_Query, case_sensitive_substring, "Timeout");
BENCHMARK_CAPTURE(BM_Query, regex_message, "/time[sd]? ?out|refused/");
BENCHMARK_CAPTURE(BM_Query, or_numeric, "status>=500 or latency_ms>1000");
BENCHMARK_CAPTURE(BM_Query, wildcard_and_not, "host:web-1* -level:debug -service:gateway");

// What a hand-written case-insensitive filter often looks like: lower-case a
// copy of the message, then std::string::find.
bool lowercase_copy_contains(const std::string& message, const char* needle) {
  std::string lowered = message;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered.find(needle) != std::string::npos;
}

// Baseline for the three-term query, written by hand with the cheap tests first.
void BM_Baseline_LowercaseCopyFind_ThreeTerms(benchmark::State& state) {
  const auto& evs = events();
  std::size_t hits = 0;
  for (auto _ : state) {
    for (const auto& e : evs)
      hits += e.service == "checkout" && e.level >= lt::Level::Warn && lowercase_copy_contains(e.message, "timeout");
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * evs.size()));
}
BENCHMARK(BM_Baseline_LowercaseCopyFind_ThreeTerms);

// Baseline for the single substring query `timeout`.
void BM_Baseline_LowercaseCopyFind_SubstringOnly(benchmark::State& state) {
  const auto& evs = events();
  std::size_t hits = 0;
  for (auto _ : state) {
    for (const auto& e : evs) hits += lowercase_copy_contains(e.message, "timeout");
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * evs.size()));
}
BENCHMARK(BM_Baseline_LowercaseCopyFind_SubstringOnly);

// Baseline: std::regex (backtracking; never used on untrusted input) for the regex query.
void BM_Baseline_StdRegex(benchmark::State& state) {
  const std::regex re("time[sd]? ?out|refused");
  const auto& evs = events();
  std::size_t hits = 0;
  for (auto _ : state) {
    for (const auto& e : evs) hits += std::regex_search(e.message, re);
    benchmark::DoNotOptimize(hits);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * evs.size()));
}
BENCHMARK(BM_Baseline_StdRegex);

}  // namespace

BENCHMARK_MAIN();
