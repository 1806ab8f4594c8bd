// Self-observability: counters and gauges with labels, rendered in the
// Prometheus text exposition format. Handles are stable pointers; updating one
// is a relaxed atomic add, cheap enough for the per-event path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace lt {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept {
    double cur = v_.load(std::memory_order_relaxed);
    while (!v_.compare_exchange_weak(cur, cur + d, std::memory_order_relaxed)) {
    }
  }
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0};
};

// Counts observations into fixed buckets (upper bounds, ascending) plus their sum
// and count: a Prometheus histogram. observe() is a short scan and two relaxed adds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v) noexcept;
  const std::vector<double>& bounds() const noexcept { return bounds_; }
  // Observations in bucket i (not cumulative); i == bounds().size() is +Inf.
  std::uint64_t bucket(std::size_t i) const noexcept { return counts_[i].load(std::memory_order_relaxed); }
  std::uint64_t count() const noexcept;
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

class MetricsRegistry {
 public:
  // Returns the same handle for the same name + labels. `help` is kept from the first call.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  // Same handle for the same name + labels; `bounds` are kept from the first call.
  Histogram& histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                       const Labels& labels = {});
  // A gauge computed at scrape time (e.g. consumer lag, queue fill).
  void gauge_fn(const std::string& name, const std::string& help, const Labels& labels, std::function<double()> fn);
  // A counter read at scrape time from a value kept elsewhere (it must only grow).
  void counter_fn(const std::string& name, const std::string& help, const Labels& labels, std::function<double()> fn);
  // Removes the gauge functions registered with these labels (a source or partition went away).
  void remove_gauge_fn(const std::string& name, const Labels& labels);

  std::string render() const;  // Prometheus text format 0.0.4

  // The process-wide registry served on /metrics.
  static MetricsRegistry& global();

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::function<double()>> fns;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const std::string& help, const char* type);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// `{a="x",b="y"}` with Prometheus escaping; empty string for no labels.
std::string render_labels(const Labels& labels);

}  // namespace lt
