// The generator source: a deterministic simulator of several services' logs
// (levels, HTTP traffic, real client IP ranges, error storms) at a set rate.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

#include "sources/source.h"

namespace lt::sources {

// Fills events from a seeded PRNG: same options and seed, same sequence of
// services, levels, messages and attributes (ids and timestamps aside).
class EventSimulator {
 public:
  explicit EventSimulator(const GeneratorOptions& options, const std::string& fallback_service = "app",
                          const std::string& fallback_environment = "prod");
  // `storm`: an event of the error storm (burst service, ERROR/FATAL).
  void next(LogEvent& out, bool storm);

 private:
  // xoshiro256** (Blackman and Vigna), seeded by splitmix64: a few cycles per
  // number where std::mt19937_64 and its distributions were a third of an event.
  std::uint64_t next_u64() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }
  // In [0, n): Lemire's multiply-shift (a bias below n / 2^64, nothing a log simulator shows).
  std::uint64_t uniform(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next_u64()) * n) >> 64);
  }
  // In [0, 1), 53 random bits.
  double unit() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Writes a client address into `out` (at most 15 characters); returns its length.
  std::size_t client_ip(char* out);
  // Writes a user id ("u-1000" .. "u-9999") into `out` (6 characters); returns its length.
  std::size_t user_id(char* out);
  void hex(std::size_t digits, std::string& out);
  void http_event(LogEvent& out, Level level);
  void app_event(LogEvent& out, Level level);

  std::uint64_t state_[4];
  std::vector<std::string> services_;
  std::vector<std::string> environments_;
  std::string burst_service_;
};

// When the next event is due: a base stream at `rate` plus storm windows
// ([(k+1)*every - duration, (k+1)*every)) at `burst_rate`, each a token bucket holding
// at most one second of events (a stalled sink does not cause a flood later).
class EmissionSchedule {
 public:
  explicit EmissionSchedule(const GeneratorOptions& options);
  struct Next {
    bool due = false;
    bool storm = false;
    std::chrono::nanoseconds wait{0};  // until the next due event, when none is due
  };
  // `elapsed`: time since the generator started. A due event is consumed.
  Next next(std::chrono::nanoseconds elapsed);

 private:
  std::int64_t storm_window_start(std::int64_t t) const;
  double rate_;
  double burst_rate_;
  std::int64_t every_ns_;
  std::int64_t duration_ns_;
  std::int64_t next_base_ = 0;
  std::int64_t next_storm_ = 0;
};

class GeneratorSource final : public Source {
 public:
  GeneratorSource(SourceOptions common, GeneratorOptions options);
  ~GeneratorSource() override;

  std::optional<Error> start(EventSink& sink) override;
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5)) override;
  bool finished() const override;
  bool fully_acknowledged() const override;
  std::uint64_t emitted() const noexcept { return emitted_.load(std::memory_order_acquire); }

 private:
  void run();

  GeneratorOptions gen_;
  std::shared_ptr<AckTracker> tracker_;
  EventSink* sink_ = nullptr;
  StopSignal stop_;
  std::thread thread_;
  std::atomic<std::uint64_t> emitted_{0};
  std::atomic<bool> done_{false};
  std::atomic<bool> lost_{false};  // a failed event: synthetic, so not re-sent, only reported
  bool started_ = false;
};

}  // namespace lt::sources
