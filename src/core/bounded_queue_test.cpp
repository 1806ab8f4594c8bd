#include "core/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/metrics.h"

namespace lt {
namespace {

using namespace std::chrono_literals;

TEST(BoundedQueue, BoundsAndTimesOut) {
  BoundedQueue<int> q(2);
  EXPECT_TRUE(q.try_push(1));
  EXPECT_TRUE(q.try_push(2));
  EXPECT_FALSE(q.push(3, 10ms));
  EXPECT_EQ(q.pop(0ms), 1);
  EXPECT_TRUE(q.try_push(3));
  std::vector<int> out;
  EXPECT_EQ(q.drain(out, 10), 2u);
  EXPECT_EQ(out, (std::vector<int>{2, 3}));
  EXPECT_FALSE(q.pop(10ms).has_value());
}

TEST(BoundedQueue, CloseWakesWaiters) {
  BoundedQueue<int> q(1);
  std::thread t([&] { EXPECT_FALSE(q.pop(30s).has_value()); });
  std::this_thread::sleep_for(20ms);  // let the consumer block (not a synchronisation: close() wakes it either way)
  q.close();
  t.join();
  EXPECT_FALSE(q.try_push(1));
}

TEST(BoundedQueue, ManyProducersConsumersLoseNothing) {
  BoundedQueue<int> q(64);
  constexpr int kPer = 50000;
  std::atomic<long> sum{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < 3; ++p)
    ts.emplace_back([&] {
      for (int i = 1; i <= kPer; ++i) ASSERT_TRUE(q.push(i, 10s));
    });
  std::atomic<int> got{0};
  for (int c = 0; c < 2; ++c)
    ts.emplace_back([&] {
      while (got < 3 * kPer) {
        if (auto v = q.pop(10ms)) {
          sum += *v;
          ++got;
        }
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(sum.load(), 3L * kPer * (kPer + 1) / 2);
}

TEST(Metrics, RendersPrometheusText) {
  MetricsRegistry r;
  r.counter("lt_events_total", "Events.", {{"source", "a\"b"}}).inc(3);
  r.gauge("lt_fill", "Fill.").set(0.5);
  r.gauge_fn("lt_lag", "Lag.", {{"partition", "0"}}, [] { return 42.0; });
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE lt_events_total counter\nlt_events_total{source=\"a\\\"b\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lt_fill 0.5\n"), std::string::npos);
  EXPECT_NE(text.find("lt_lag{partition=\"0\"} 42\n"), std::string::npos);
  r.remove_gauge_fn("lt_lag", {{"partition", "0"}});
  EXPECT_EQ(r.render().find("lt_lag{"), std::string::npos);
}

TEST(Metrics, RendersAHistogramWithCumulativeBuckets) {
  MetricsRegistry r;
  auto& h = r.histogram("lt_latency_seconds", "Latency.", {0.001, 0.01}, {{"stage", "x"}});
  h.observe(0.0005);
  h.observe(0.001);  // on the bound: counted in it (le = less or equal)
  h.observe(0.005);
  h.observe(2.0);
  EXPECT_EQ(&h, &r.histogram("lt_latency_seconds", "", {5.0}, {{"stage", "x"}})) << "same handle";
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE lt_latency_seconds histogram\n"
                      "lt_latency_seconds_bucket{stage=\"x\",le=\"0.001\"} 2\n"
                      "lt_latency_seconds_bucket{stage=\"x\",le=\"0.01\"} 3\n"
                      "lt_latency_seconds_bucket{stage=\"x\",le=\"+Inf\"} 4\n"
                      "lt_latency_seconds_sum{stage=\"x\"} 2.0065\n"
                      "lt_latency_seconds_count{stage=\"x\"} 4\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace lt
