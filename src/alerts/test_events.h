// Test helpers for the alert tests: a deterministic clock, events, an engine
// built or failed loudly, and a JSON validity check.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <memory>
#include <string>

#include "alerts/alert_engine.h"

namespace lt::alerts::testing {

// A fixed, whole-second origin: second `s` of a test is at(s).
inline constexpr TimestampNs kOrigin = 1'800'000'000'000'000'000;
inline TimestampNs at(double seconds) { return kOrigin + static_cast<TimestampNs>(seconds * 1e9); }

inline LogEvent event(std::string service, Level level, std::string message, long seq) {
  LogEvent e;
  e.id = "id-" + std::to_string(seq);
  e.timestamp = kOrigin;
  e.level = level;
  e.service = std::move(service);
  e.message = std::move(message);
  return e;
}

inline LogEvent error_event(std::string service, std::string message) {
  static std::atomic<long> seq{100000};
  return event(std::move(service), Level::Error, std::move(message), seq++);
}

inline std::unique_ptr<AlertEngine> make_engine(const std::vector<AlertRuleOptions>& rules, MetricsRegistry& metrics,
                                                TimestampNs now = at(0)) {
  EngineOptions options;
  options.metrics = &metrics;
  auto created = AlertEngine::create(rules, now, options);
  if (auto* error = std::get_if<Error>(&created)) {
    ADD_FAILURE() << error->message;
    return nullptr;
  }
  return std::move(std::get<std::unique_ptr<AlertEngine>>(created));
}

inline bool is_json_object(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return !parser.parse(json).get(doc) && doc.is_object();
}

}  // namespace lt::alerts::testing
