// Helpers for tests that talk to the local broker of scripts/kafka: where it is,
// names that never collide between runs, and bounded waiting.
#pragma once

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "kafka/client_config.h"

namespace lt::kafka::testing {

// ${LT_KAFKA_BROKERS:-127.0.0.1:9092}
inline std::string brokers() {
  const char* env = std::getenv("LT_KAFKA_BROKERS");
  return env != nullptr && *env != '\0' ? env : "127.0.0.1:9092";
}

inline ClientConfig local_config(std::string client_id = "logtracer-test") {
  ClientConfig config;
  config.brokers = brokers();
  config.client_id = std::move(client_id);
  return config;
}

// "it.roundtrip.3f9a0c17d2": topics and groups unique per run.
inline std::string unique_name(std::string_view prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  out += '.';
  auto bits = rng();
  for (int i = 0; i < 10; ++i, bits >>= 4) out += kHex[bits & 0xf];
  return out;
}

// Polls `condition` until it holds or `timeout` passes; returns its last value.
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

}  // namespace lt::kafka::testing
