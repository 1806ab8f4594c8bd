// The `http_lookup` enrichment step: GETs a JSON object for an event's key from
// an HTTP service, behind an LRU cache (with TTLs), a timeout and a circuit breaker.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/metrics.h"
#include "net/http_client.h"
#include "process/processor.h"

namespace lt {

struct HttpLookupOptions {
  // "{key}" is replaced by the percent-encoded key: "http://users.internal/v1/users/{key}".
  std::string url;
  std::string key_field = "user_id";
  std::string prefix = "user.";
  std::vector<net::HttpHeader> headers;     // e.g. Authorization (from a secret reference)
  std::chrono::milliseconds timeout{500};   // connect, and request + response, each
  std::string ca_file;                      // https: CA bundle; empty = system store
  bool verify_peer = true;
  std::size_t cache_size = 10000;                 // entries; 0 disables the cache
  std::chrono::milliseconds cache_ttl{60000};     // found keys
  std::chrono::milliseconds negative_ttl{10000};  // 404s
  int failure_threshold = 5;                      // consecutive transient failures that open the circuit
  std::chrono::milliseconds reset_timeout{10000}; // open → half-open (one trial request)
  std::size_t max_idle_connections = 8;
};

// Closed → (threshold consecutive failures) → Open → (reset_timeout) → HalfOpen:
// one trial call; its success closes the circuit, its failure opens it again.
class CircuitBreaker {
 public:
  enum class State { Closed, Open, HalfOpen };
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  CircuitBreaker(int failure_threshold, std::chrono::milliseconds reset_timeout,
                 Clock clock = [] { return std::chrono::steady_clock::now(); });
  bool allow();  // false: fail fast without calling
  void success();
  void failure();
  State state() const;

 private:
  mutable std::mutex mu_;
  int threshold_;
  std::chrono::milliseconds reset_;
  Clock clock_;
  State state_ = State::Closed;
  int failures_ = 0;
  bool trial_in_flight_ = false;
  std::chrono::steady_clock::time_point open_until_{};
};

class HttpLookup final : public Processor {
 public:
  static std::variant<std::unique_ptr<HttpLookup>, Error> create(HttpLookupOptions options,
                                                                 MetricsRegistry& metrics = MetricsRegistry::global());
  ~HttpLookup() override;
  std::string_view name() const override { return "http_lookup"; }
  // 200 with a JSON object → attributes (hit, cached); 404 → miss (cached for
  // negative_ttl); timeout, connection failure, 408/429/5xx, open circuit →
  // Fail(Transient), for the caller to retry; other 4xx, non-object body → Fail(Permanent).
  Outcome process(LogEvent& event) const override;

  const CircuitBreaker& breaker() const noexcept { return breaker_; }

 private:
  using Attributes = std::shared_ptr<const std::vector<Attribute>>;  // null: a cached 404
  struct CacheEntry {
    std::string key;
    Attributes attributes;
    std::chrono::steady_clock::time_point expires;
  };
  explicit HttpLookup(HttpLookupOptions options);
  bool cache_get(std::string_view key, Attributes& out) const;
  void cache_put(std::string_view key, Attributes value) const;
  std::unique_ptr<net::HttpClient> acquire() const;
  void release(std::unique_ptr<net::HttpClient> client) const;
  std::variant<Attributes, Error> fetch(std::string_view key) const;

  HttpLookupOptions options_;
  std::string url_before_, url_after_;  // around "{key}"
  mutable CircuitBreaker breaker_;
  mutable std::mutex cache_mu_;
  mutable std::list<CacheEntry> lru_;  // most recent first
  mutable std::unordered_map<std::string_view, std::list<CacheEntry>::iterator> index_;  // views into lru_ keys
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<net::HttpClient>> idle_;
  Counter* hit_ = nullptr;
  Counter* miss_ = nullptr;
  Counter* error_ = nullptr;
};

}  // namespace lt
