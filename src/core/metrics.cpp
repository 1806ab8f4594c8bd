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

void MetricsRegistry::gauge_fn(const std::string& name, const std::string& help, const Labels& labels,
                               std::function<double()> fn) {
  std::lock_guard lock(mu_);
  family(name, help, "gauge").fns[render_labels(labels)] = std::move(fn);
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
