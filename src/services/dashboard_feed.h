// The dashboard's Kafka side: reads the processed, alerts and dead-letter topics
// into a Dashboard, starting `dashboard.history` back. Shared by `logtracer dashboard`
// and `logtracer run` with kafka.brokers set.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>

#include "config/config.h"
#include "core/error.h"
#include "dashboard/dashboard.h"
#include "kafka/consumer.h"

namespace lt::services {

class DashboardFeed {
 public:
  // Subscribes with a group of its own (never committed): every instance reads
  // all partitions, and every start rebuilds the window from history, each
  // partition assigned at its first record of the last `dashboard.history`.
  // `instance` makes the group id unique per process (e.g. the dashboard's port).
  // Also makes `dashboard` report the feed's lag.
  static std::variant<std::unique_ptr<DashboardFeed>, Error> create(const config::Config& cfg,
                                                                    dashboard::Dashboard& dashboard,
                                                                    const std::string& instance);
  DashboardFeed(const DashboardFeed&) = delete;
  DashboardFeed& operator=(const DashboardFeed&) = delete;

  // Polls on the calling thread until `stop` becomes true, then leaves the group.
  void run(const std::atomic<bool>& stop);

 private:
  DashboardFeed(const config::Config& cfg, dashboard::Dashboard& dashboard);
  // Rebalance hook: sets where each newly assigned partition starts.
  void choose_start_offsets(std::vector<kafka::TopicPartition>& parts);
  // Where a partition starts when the broker cannot say which offset matches the time.
  std::int64_t fallback_offset(const std::string& topic) const;

  config::KafkaTopics topics_;
  std::chrono::milliseconds history_;
  std::uint64_t window_events_;
  std::int64_t since_ms_;  // records stamped before this are history we skip
  dashboard::Dashboard& dashboard_;
  std::unique_ptr<kafka::Consumer> consumer_;
  // Next offset to read of each partition read so far (poll thread only).
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> next_offset_;
  // From the last fetch's high watermarks; -1 = unknown. Shared with the dashboard's
  // lag source, which HTTP threads may call after this feed is gone.
  std::shared_ptr<std::atomic<std::int64_t>> lag_ = std::make_shared<std::atomic<std::int64_t>>(-1);
};

}  // namespace lt::services
