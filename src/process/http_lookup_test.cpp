#include "process/http_lookup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>

#include "net/http_test_server.h"
#include "process/pipeline.h"
#include "process/retry.h"

namespace lt {
namespace {

using namespace std::chrono_literals;
using net::testing::TestHttpServer;
using net::testing::TestRequest;
using net::testing::TestResponse;

// /users/<id>: u-<n> exists (name "User <n>"), "banned" → 403, "slow" → 2 s delay, others 404.
TestResponse users(const TestRequest& r) {
  TestResponse res;
  const std::string prefix = "/users/";
  const std::string id = r.target.substr(prefix.size());
  if (id == "banned") {
    res.status = 403;
  } else if (id == "slow") {
    res.delay = 2s;
    res.body = "{}";
  } else if (id.rfind("u-", 0) == 0) {
    res.body = R"({"name":"User )" + id.substr(2) + R"(","plan":"pro","seats":3,"beta":true,"nothing":null})";
  } else {
    res.status = 404;
  }
  return res;
}

class HttpLookupTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpLookup> make(HttpLookupOptions o) {
    auto r = HttpLookup::create(std::move(o), metrics);
    if (auto* e = std::get_if<Error>(&r)) {
      ADD_FAILURE() << e->message;
      return nullptr;
    }
    return std::move(std::get<0>(r));
  }
  static HttpLookupOptions options(const TestHttpServer& s) {
    HttpLookupOptions o;
    o.url = s.url("/users/{key}");
    o.timeout = 300ms;
    return o;
  }
  static LogEvent user(const std::string& id) {
    LogEvent e;
    e.set_attribute("user_id", id);
    return e;
  }
  static std::string attr(const LogEvent& e, const char* key) {
    const auto* a = e.attribute(key);
    return a ? a->value : "<absent>";
  }
  std::uint64_t count(const char* result) {
    return metrics.counter("logtracer_enrich_total", "", {{"enricher", "http_lookup"}, {"result", result}}).value();
  }
  MetricsRegistry metrics;
};

TEST_F(HttpLookupTest, HitAddsAttributesAndIsCached) {
  TestHttpServer server(users);
  auto h = make(options(server));
  auto e = user("u-42");
  EXPECT_TRUE(h->process(e).kept());
  EXPECT_EQ(attr(e, "user.name"), "User 42");
  EXPECT_EQ(attr(e, "user.seats"), "3");
  EXPECT_EQ(e.attribute("user.seats")->type, AttrType::Number);
  EXPECT_EQ(e.attribute("user.beta")->type, AttrType::Bool);
  EXPECT_EQ(e.attribute("user.nothing"), nullptr);
  auto again = user("u-42");
  h->process(again);
  EXPECT_EQ(attr(again, "user.name"), "User 42");
  EXPECT_EQ(server.requests(), 1) << "the second lookup is served from the cache";
  EXPECT_EQ(count("hit"), 2u);
}

TEST_F(HttpLookupTest, NotFoundIsACachedMiss) {
  TestHttpServer server(users);
  auto h = make(options(server));
  for (int i = 0; i < 3; ++i) {
    auto e = user("ghost");
    EXPECT_TRUE(h->process(e).kept());
    EXPECT_EQ(e.attributes.size(), 1u);
  }
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(count("miss"), 3u);
  LogEvent no_key;
  EXPECT_TRUE(h->process(no_key).kept());
}

TEST_F(HttpLookupTest, KeysArePercentEncoded) {
  std::string seen;
  std::mutex mu;
  TestHttpServer server([&](const TestRequest& r) {
    std::lock_guard lock(mu);
    seen = r.target;
    return TestResponse{404};
  });
  auto h = make(options(server));
  auto e = user("a b/../c?d");
  h->process(e);
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, "/users/a%20b%2F..%2Fc%3Fd");
}

TEST_F(HttpLookupTest, ClientErrorIsPermanentTimeoutIsTransient) {
  TestHttpServer server(users);
  auto h = make(options(server));
  auto banned = user("banned");
  auto out = h->process(banned);
  ASSERT_TRUE(out.failed());
  EXPECT_FALSE(out.error.retriable()) << out.error.message;

  auto slow = user("slow");
  const auto start = std::chrono::steady_clock::now();
  out = h->process(slow);
  ASSERT_TRUE(out.failed());
  EXPECT_TRUE(out.error.retriable()) << out.error.message;
  EXPECT_EQ(out.error.code, "http.timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  EXPECT_EQ(count("error"), 2u);
}

TEST_F(HttpLookupTest, CacheTtlAndLruEviction) {
  TestHttpServer server(users);
  auto o = options(server);
  o.cache_size = 2;
  o.cache_ttl = 100ms;
  auto h = make(o);
  for (const char* id : {"u-1", "u-2", "u-3"}) {
    auto e = user(id);
    h->process(e);
  }
  EXPECT_EQ(server.requests(), 3);
  auto e3 = user("u-3");
  h->process(e3);
  EXPECT_EQ(server.requests(), 3) << "u-3 is cached";
  auto e1 = user("u-1");
  h->process(e1);
  EXPECT_EQ(server.requests(), 4) << "u-1 was evicted (cache of 2)";
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (server.requests() == 4 && std::chrono::steady_clock::now() < deadline) {
    auto e = user("u-1");
    h->process(e);
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server.requests(), 5) << "the entry expired after its TTL";
}

TEST_F(HttpLookupTest, CircuitOpensFailsFastAndRecoversThroughHalfOpen) {
  std::atomic<bool> down{true};
  TestHttpServer server([&](const TestRequest& r) {
    if (down) return TestResponse{503};
    return users(r);
  });
  auto o = options(server);
  o.failure_threshold = 3;
  o.reset_timeout = 100ms;
  o.cache_size = 0;
  auto h = make(o);
  for (int i = 0; i < 3; ++i) {
    auto e = user("u-1");
    EXPECT_TRUE(h->process(e).error.retriable());
  }
  EXPECT_EQ(h->breaker().state(), CircuitBreaker::State::Open);
  auto fast = user("u-1");
  auto out = h->process(fast);
  EXPECT_EQ(out.error.code, "http_lookup.circuit_open");
  EXPECT_TRUE(out.error.retriable());
  EXPECT_EQ(server.requests(), 3) << "an open circuit does not call the service";

  down = false;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  bool recovered = false;
  while (!recovered && std::chrono::steady_clock::now() < deadline) {
    auto e = user("u-1");
    recovered = h->process(e).kept();
    if (!recovered) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(recovered);
  EXPECT_EQ(h->breaker().state(), CircuitBreaker::State::Closed);
}

TEST(CircuitBreakerTest, HalfOpenAllowsOneTrialAndAFailureReopens) {
  auto now = std::chrono::steady_clock::time_point{};
  CircuitBreaker b(2, 1000ms, [&] { return now; });
  EXPECT_TRUE(b.allow());
  b.failure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::Closed);
  b.success();  // a success resets the consecutive count
  b.failure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::Closed);
  b.failure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::Open);
  EXPECT_FALSE(b.allow());
  now += 1000ms;
  EXPECT_TRUE(b.allow());  // the trial
  EXPECT_EQ(b.state(), CircuitBreaker::State::HalfOpen);
  EXPECT_FALSE(b.allow()) << "one trial at a time";
  b.failure();
  EXPECT_EQ(b.state(), CircuitBreaker::State::Open);
  EXPECT_FALSE(b.allow());
  now += 1000ms;
  EXPECT_TRUE(b.allow());
  b.success();
  EXPECT_EQ(b.state(), CircuitBreaker::State::Closed);
  EXPECT_TRUE(b.allow());
}

TEST_F(HttpLookupTest, BadOptionsAreErrors) {
  HttpLookupOptions o;
  o.url = "http://127.0.0.1:1/users";  // no {key}
  EXPECT_TRUE(std::holds_alternative<Error>(HttpLookup::create(o, metrics)));
  o.url = "ftp://h/{key}";
  EXPECT_TRUE(std::holds_alternative<Error>(HttpLookup::create(o, metrics)));
}

TEST_F(HttpLookupTest, NonObjectBodyIsPermanent) {
  TestHttpServer server([](const TestRequest&) {
    TestResponse r;
    r.body = "[1,2,3]";
    return r;
  });
  auto h = make(options(server));
  auto e = user("u-1");
  auto out = h->process(e);
  ASSERT_TRUE(out.failed());
  EXPECT_EQ(out.error.code, "http_lookup.bad_response");
}

// The issue's acceptance case: a service failing 30% of calls causes retries,
// not loss. Every event reaches the end of the pipeline, enriched correctly.
TEST_F(HttpLookupTest, FlakyServiceRetriesLoseNothing) {
  std::mutex mu;
  std::mt19937 rng(2026);
  std::atomic<int> failed_calls{0};
  TestHttpServer server([&](const TestRequest& r) {
    bool fail;
    {
      std::lock_guard lock(mu);
      fail = std::uniform_real_distribution<double>(0, 1)(rng) < 0.3;
    }
    if (fail) {
      ++failed_calls;
      return TestResponse{503};
    }
    return users(r);
  });
  auto o = options(server);
  o.failure_threshold = 5;
  o.reset_timeout = 20ms;
  std::vector<std::unique_ptr<Processor>> steps;
  steps.push_back(make(o));
  Pipeline pipeline(std::move(steps), metrics);

  RetryPolicy policy;
  policy.max_attempts = 30;
  policy.initial_backoff = 2ms;
  policy.max_backoff = 50ms;
  policy.max_elapsed = 20s;
  Backoff backoff(policy, 7);

  const int kEvents = 300;
  int enriched = 0, total_attempts = 0;
  for (int i = 0; i < kEvents; ++i) {
    auto e = user("u-" + std::to_string(i));  // distinct keys: the cache hides nothing
    std::size_t stage = 0;
    auto r = retry(
        [&]() -> std::variant<int, Error> {
          auto res = pipeline.run(e, stage);
          if (res.outcome.failed()) {
            stage = res.stage;
            return std::move(res.outcome.error);
          }
          return 0;
        },
        backoff);
    total_attempts += r.attempts;
    ASSERT_TRUE(r.ok()) << "event " << i << " lost: " << std::get<Error>(r.value).message;
    if (attr(e, "user.name") == "User " + std::to_string(i)) ++enriched;
  }
  EXPECT_EQ(enriched, kEvents);
  EXPECT_GT(failed_calls.load(), kEvents / 10) << "the server really failed calls";
  EXPECT_GT(total_attempts, kEvents) << "failures were retried";
}

}  // namespace
}  // namespace lt
