#include "core/metrics.h"

#include <cmath>
#include <cstdio>

namespace lt {

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) s += ',';
    first = false;
    s += k;
    s += "=\"";
    for (char c : v) {
      if (c == '\\') s += "\\\\";
      else if (c == '"') s += "\\\"";
      else if (c == '\n') s += "\\n";
      else s += c;
    }
    s += '"';
  }
  s += '}';
  return s;
}

MetricsRegistry::Family& MetricsRegistry::family(const std::string& name, const std::string& help, const char* type) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.help = help;
    f.type = type;
  }
  return f;
}

Counter& MetricsRegistry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "counter").counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& MetricsRegistry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "gauge").gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
}

std::uint64_t Histogram::count() const noexcept {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) n += bucket(i);
  return n;
}

Histogram& MetricsRegistry::histogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                                      const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = family(name, help, "histogram").histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(std::move(bounds));
  return *slot;
}

void MetricsRegistry::gauge_fn(const std::string& name, const std::string& help, const Labels& labels,
                               std::function<double()> fn) {
  std::lock_guard lock(mu_);
  family(name, help, "gauge").fns[render_labels(labels)] = std::move(fn);
}

void MetricsRegistry::counter_fn(const std::string& name, const std::string& help, const Labels& labels,
                                 std::function<double()> fn) {
  std::lock_guard lock(mu_);
  family(name, help, "counter").fns[render_labels(labels)] = std::move(fn);
}

void MetricsRegistry::remove_gauge_fn(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) it->second.fns.erase(render_labels(labels));
}

namespace {
void append_value(std::string& out, double v) {
  char buf[64];
  if (std::isnan(v)) {
    out += "NaN";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    out += buf;
  } else {
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out += buf;
  }
}
}  // namespace

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
    for (const auto& [labels, c] : f.counters) {
      out += name + labels + " ";
      append_value(out, static_cast<double>(c->value()));
      out += '\n';
    }
    for (const auto& [labels, g] : f.gauges) {
      out += name + labels + " ";
      append_value(out, g->value());
      out += '\n';
    }
    for (const auto& [labels, h] : f.histograms) {
      // `le` joins the other labels: {a="x"} becomes {a="x",le="0.1"}.
      const std::string open = labels.empty() ? "{" : labels.substr(0, labels.size() - 1) + ",";
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= h->bounds().size(); ++i) {
        cumulative += h->bucket(i);
        out += name + "_bucket" + open + "le=\"";
        if (i == h->bounds().size()) {
          out += "+Inf";
        } else {
          append_value(out, h->bounds()[i]);
        }
        out += "\"} ";
        append_value(out, static_cast<double>(cumulative));
        out += '\n';
      }
      out += name + "_sum" + labels + " ";
      append_value(out, h->sum());
      out += '\n' + name + "_count" + labels + " ";
      append_value(out, static_cast<double>(cumulative));
      out += '\n';
    }
    for (const auto& [labels, fn] : f.fns) {
      out += name + labels + " ";
      append_value(out, fn());
      out += '\n';
    }
  }
  return out;
}

MetricsRegistry& MetricsRegistry::global() {
  static MetricsRegistry registry;
  return registry;
}

}  // namespace lt
