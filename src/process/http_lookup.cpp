#include "process/http_lookup.h"

#include <simdjson.h>

#include "core/url_redact.h"
#include "net/http_server.h"  // percent_encode
#include "process/json_attributes.h"

namespace lt {

using Clock = std::chrono::steady_clock;

CircuitBreaker::CircuitBreaker(int failure_threshold, std::chrono::milliseconds reset_timeout, Clock clock)
    : threshold_(std::max(1, failure_threshold)), reset_(reset_timeout), clock_(std::move(clock)) {}

bool CircuitBreaker::allow() {
  std::lock_guard lock(mu_);
  switch (state_) {
    case State::Closed:
      return true;
    case State::Open:
      if (clock_() < open_until_) return false;
      state_ = State::HalfOpen;
      trial_in_flight_ = true;
      return true;
    case State::HalfOpen:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::success() {
  std::lock_guard lock(mu_);
  state_ = State::Closed;
  failures_ = 0;
  trial_in_flight_ = false;
}

void CircuitBreaker::failure() {
  std::lock_guard lock(mu_);
  trial_in_flight_ = false;
  if (state_ == State::HalfOpen || ++failures_ >= threshold_) {
    state_ = State::Open;
    open_until_ = clock_() + reset_;
    failures_ = 0;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

HttpLookup::HttpLookup(HttpLookupOptions options)
    : options_(std::move(options)), breaker_(options_.failure_threshold, options_.reset_timeout) {}

HttpLookup::~HttpLookup() = default;

std::variant<std::unique_ptr<HttpLookup>, Error> HttpLookup::create(HttpLookupOptions options,
                                                                    MetricsRegistry& metrics) {
  const auto at = options.url.find("{key}");
  if (at == std::string::npos)
    return Error::permanent("http_lookup.url", "http_lookup url '" + redact_url(options.url) + "' has no {key} placeholder");
  std::string probe = options.url;
  probe.replace(at, 5, "k");
  if (auto parsed = net::Url::parse(probe); std::holds_alternative<Error>(parsed))
    return std::get<Error>(std::move(parsed));
  std::unique_ptr<HttpLookup> h(new HttpLookup(std::move(options)));
  h->url_before_ = h->options_.url.substr(0, at);
  h->url_after_ = h->options_.url.substr(at + 5);
  const std::string name = "logtracer_enrich_total", help = "Enrichment lookups by enricher and result.";
  h->hit_ = &metrics.counter(name, help, {{"enricher", "http_lookup"}, {"result", "hit"}});
  h->miss_ = &metrics.counter(name, help, {{"enricher", "http_lookup"}, {"result", "miss"}});
  h->error_ = &metrics.counter(name, help, {{"enricher", "http_lookup"}, {"result", "error"}});
  return h;
}

bool HttpLookup::cache_get(std::string_view key, Attributes& out) const {
  if (options_.cache_size == 0) return false;
  std::lock_guard lock(cache_mu_);
  const auto it = index_.find(key);
  if (it == index_.end()) return false;
  if (Clock::now() >= it->second->expires) {
    lru_.erase(it->second);
    index_.erase(it);
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  out = it->second->attributes;
  return true;
}

void HttpLookup::cache_put(std::string_view key, Attributes value) const {
  if (options_.cache_size == 0) return;
  const auto ttl = value ? options_.cache_ttl : options_.negative_ttl;
  std::lock_guard lock(cache_mu_);
  if (const auto it = index_.find(key); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front({std::string(key), std::move(value), Clock::now() + ttl});
  index_.emplace(lru_.front().key, lru_.begin());
  while (lru_.size() > options_.cache_size) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

std::unique_ptr<net::HttpClient> HttpLookup::acquire() const {
  {
    std::lock_guard lock(pool_mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  net::HttpClientOptions o;
  o.connect_timeout = options_.timeout;
  o.read_timeout = options_.timeout;
  o.ca_file = options_.ca_file;
  o.verify_peer = options_.verify_peer;
  o.max_body_bytes = 1u << 20;
  return std::make_unique<net::HttpClient>(o);
}

void HttpLookup::release(std::unique_ptr<net::HttpClient> client) const {
  std::lock_guard lock(pool_mu_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(client));
}

std::variant<HttpLookup::Attributes, Error> HttpLookup::fetch(std::string_view key) const {
  const std::string url = url_before_ + net::percent_encode(key) + url_after_;
  auto client = acquire();
  auto result = client->get(url, options_.headers);
  release(std::move(client));
  if (auto* err = std::get_if<Error>(&result)) return std::move(*err);
  const auto& res = std::get<net::HttpResponse>(result);
  if (res.status == 404) return Attributes{};
  if (auto err = net::status_error(res.status, "http_lookup GET " + url)) return std::move(*err);
  if (res.status != 200)
    return Error::permanent("http_lookup.status", "http_lookup GET " + url + ": unexpected HTTP " +
                                                      std::to_string(res.status));
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(res.body).get(object) != simdjson::SUCCESS)
    return Error::permanent("http_lookup.bad_response", "http_lookup GET " + url + ": body is not a JSON object");
  auto attrs = std::make_shared<std::vector<Attribute>>();
  append_json_attributes(object, options_.prefix, {}, *attrs);
  return Attributes(std::move(attrs));
}

Outcome HttpLookup::process(LogEvent& event) const {
  std::string_view key;
  std::string scratch;
  if (!lookup_field(event, options_.key_field, key, scratch) || key.empty()) {
    miss_->inc();
    return Outcome::keep();
  }
  Attributes attrs;
  if (!cache_get(key, attrs)) {
    if (!breaker_.allow()) {
      error_->inc();
      return Outcome::fail(Error::transient("http_lookup.circuit_open",
                                            "http_lookup " + url_before_ + "...: circuit open after repeated failures"));
    }
    auto fetched = fetch(key);
    if (auto* err = std::get_if<Error>(&fetched)) {
      // A permanent error means the service answered: it is up, the request is wrong.
      if (err->retriable()) breaker_.failure();
      else breaker_.success();
      error_->inc();
      return Outcome::fail(std::move(*err));
    }
    breaker_.success();
    attrs = std::get<Attributes>(std::move(fetched));
    cache_put(key, attrs);
  }
  if (!attrs) {
    miss_->inc();
    return Outcome::keep();
  }
  for (const auto& a : *attrs) event.set_attribute(a.key, a.value, a.type);
  hit_->inc();
  return Outcome::keep();
}

}  // namespace lt
