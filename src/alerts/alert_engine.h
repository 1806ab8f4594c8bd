// The alert engine: evaluates rules on the live event stream (observe) and turns
// windows, silences and matches into firing/resolved notifications (tick). Kafka- and HTTP-free.
#pragma once

#include <cstddef>
#include <memory>
#include <shared_mutex>
#include <string>
#include <variant>
#include <vector>

#include "alerts/notification.h"
#include "alerts/rule.h"
#include "core/error.h"
#include "core/log_event.h"
#include "core/metrics.h"
#include "core/time.h"

namespace lt::alerts {

struct EngineOptions {
  // Distinct groups tracked per rule; events of further groups are counted in
  // logtracer_alert_groups_overflow_total{rule} and otherwise ignored.
  std::size_t max_groups_per_rule = 10'000;
  // After a rebalance, a firing alert whose group is not seen again is dropped
  // (without a "resolved") after this long; see docs/alerts.md "Rebalances".
  Millis held_expiry{3'600'000};
  MetricsRegistry* metrics = nullptr;  // nullptr: MetricsRegistry::global()
};

// What the engine currently considers firing (for /api and tests).
struct FiringAlert {
  std::string alert_id;
  std::string rule;
  std::string group_key;
  TimestampNs started_at = 0;
  bool held = false;  // kept across a rebalance, waiting for its group to be seen again
};

// Time is always passed in (`now`, processing time in ns since the epoch), so
// tests are deterministic; production passes lt::now_ns(). observe() may be
// called from several threads at once; tick(), reconfigure() and the rebalance
// hooks from one thread (e.g. the consumer's poll loop), concurrently with observe().
class AlertEngine {
 public:
  // Validates every rule (unique names, queries, templates); nothing is built on error.
  static std::variant<std::unique_ptr<AlertEngine>, Error> create(const std::vector<AlertRuleOptions>& rules,
                                                                  TimestampNs now, EngineOptions options = {});
  ~AlertEngine();
  AlertEngine(const AlertEngine&) = delete;
  AlertEngine& operator=(const AlertEngine&) = delete;

  // Hot path: one query evaluation per rule; on a match, one bucket increment
  // under the rule's lock. Never blocks on I/O, never throws. True when a rule
  // matched: the next tick() may notify because of this event.
  bool observe(const LogEvent& event, TimestampNs now);

  // Evaluates windows, silences and cooldowns; returns the state changes (firing,
  // repeat, resolved) in rule order. Call it periodically (every second is plenty).
  std::vector<AlertNotification> tick(TimestampNs now);

  // Live reload. A rule with the same name and the same definition keeps its state
  // (windows, firing alerts); a changed or removed rule's firing alerts are resolved
  // (reason "rule_changed" / "rule_removed") in the returned notifications. On a
  // validation error nothing changes.
  std::variant<std::vector<AlertNotification>, Error> reconfigure(const std::vector<AlertRuleOptions>& rules,
                                                                   TimestampNs now);

  // Kafka rebalance hooks (docs/alerts.md "Rebalances"). Revoked: firing alerts are
  // held (never resolved by mere lack of data) until their group is seen again;
  // silent absence groups are forgotten. Assigned: the global absence timer restarts.
  void on_partitions_revoked(TimestampNs now);
  void on_partitions_assigned(TimestampNs now);

  std::vector<FiringAlert> firing() const;
  std::vector<AlertRuleOptions> rules() const;

 private:
  struct RuleState;
  AlertEngine(EngineOptions options, MetricsRegistry& metrics);

  EngineOptions options_;
  MetricsRegistry& metrics_;
  mutable std::shared_mutex rules_mu_;  // shared: observe; exclusive: reconfigure
  std::vector<std::shared_ptr<RuleState>> rules_;
};

}  // namespace lt::alerts
