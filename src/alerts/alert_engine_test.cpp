#include "alerts/alert_engine.h"

#include <gtest/gtest.h>

#include <thread>

#include "alerts/test_events.h"

namespace lt::alerts {
namespace {

using testing::at;
using testing::error_event;
using testing::make_engine;

AlertRuleOptions threshold_rule(std::uint64_t n = 50, Millis window = std::chrono::minutes(1)) {
  AlertRuleOptions r;
  r.name = "errors";
  r.type = RuleType::Threshold;
  r.query = "level>=ERROR";
  r.threshold = n;
  r.window = window;
  r.group_by = {"service"};
  r.cooldown = Millis(0);
  r.renotify = Millis(0);
  r.message = "{{count}} errors in {{window}} for {{group}}: first '{{first_message}}', last '{{last_message}}'";
  return r;
}

std::size_t count_state(const std::vector<AlertNotification>& ns, AlertState state, bool repeat = false) {
  std::size_t n = 0;
  for (const auto& x : ns) n += x.state == state && x.repeat == repeat;
  return n;
}

// Drives the engine with a tick every second from `from` to `to` (seconds), collecting notifications.
void run_ticks(AlertEngine& engine, int from, int to, std::vector<AlertNotification>& out) {
  for (int s = from; s <= to; ++s) {
    auto batch = engine.tick(at(s));
    out.insert(out.end(), batch.begin(), batch.end());
  }
}

TEST(AlertEngine, ThresholdFiresOnceThenResolvesWhenTheWindowClears) {
  MetricsRegistry metrics;
  auto engine = make_engine({threshold_rule()}, metrics);
  std::vector<AlertNotification> out;
  // 60 errors from one service within 10 s (6 per second), ticking every second.
  int seq = 0;
  for (int s = 0; s < 10; ++s) {
    for (int i = 0; i < 6; ++i, ++seq) {
      engine->observe(testing::event("checkout", Level::Error, "boom " + std::to_string(seq), seq), at(s));
    }
    run_ticks(*engine, s, s, out);
  }
  ASSERT_EQ(count_state(out, AlertState::Firing), 1u);
  const AlertNotification fired = out.front();
  EXPECT_EQ(fired.rule, "errors");
  EXPECT_EQ(fired.group_key, "service=checkout");
  EXPECT_EQ(fired.alert_id, alert_id("errors", {{"service", "checkout"}}));
  EXPECT_GE(fired.count, 50u);
  EXPECT_EQ(fired.started_at, at(8));  // 54 events by second 8
  EXPECT_EQ(fired.message.rfind("54 errors in 1m for service=checkout: first 'boom 0', last 'boom 53'", 0), 0u)
      << fired.message;
  EXPECT_FALSE(fired.sample_event_ids.empty());
  EXPECT_EQ(fired.sample_event_ids.front(), "id-0");

  // Still firing while the window holds >= 50; no repeat (renotify 0).
  run_ticks(*engine, 10, 55, out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(engine->firing().size(), 1u);
  EXPECT_EQ(metrics.gauge("logtracer_alert_firing", "", {{"rule", "errors"}}).value(), 1.0);

  // The first second's 6 events leave the 60 s window at second 60 (54 left), the next at 61 (48 < 50).
  run_ticks(*engine, 56, 120, out);
  ASSERT_EQ(out.size(), 2u);
  const auto& resolved = out[1];
  EXPECT_EQ(resolved.state, AlertState::Resolved);
  EXPECT_EQ(resolved.alert_id, fired.alert_id);
  EXPECT_EQ(resolved.resolved_at, at(61));
  EXPECT_EQ(resolved.started_at, at(8));
  EXPECT_EQ(resolved.reason, "condition_cleared");
  EXPECT_LT(resolved.count, 50u);
  EXPECT_NE(resolved.notification_id, fired.notification_id);
  EXPECT_TRUE(engine->firing().empty());
  EXPECT_EQ(metrics.counter("logtracer_alert_rule_matches_total", "", {{"rule", "errors"}}).value(), 60u);
}

TEST(AlertEngine, BelowThresholdNeverFires) {
  MetricsRegistry metrics;
  auto engine = make_engine({threshold_rule(61)}, metrics);  // 1 error/s: at most 60 in any minute
  std::vector<AlertNotification> out;
  for (int s = 0; s < 180; ++s) {
    engine->observe(error_event("checkout", "x"), at(s));
    run_ticks(*engine, s, s, out);
  }
  EXPECT_TRUE(out.empty());
}

TEST(AlertEngine, NonMatchingEventsAreNotCounted) {
  MetricsRegistry metrics;
  auto engine = make_engine({threshold_rule(5)}, metrics);
  for (int i = 0; i < 100; ++i) engine->observe(testing::event("checkout", Level::Info, "fine", i), at(0));
  EXPECT_TRUE(engine->tick(at(1)).empty());
  EXPECT_EQ(metrics.counter("logtracer_alert_rule_evaluations_total", "", {{"rule", "errors"}}).value(), 100u);
  EXPECT_EQ(metrics.counter("logtracer_alert_rule_matches_total", "", {{"rule", "errors"}}).value(), 0u);
}

TEST(AlertEngine, GroupBySeparatesServices) {
  MetricsRegistry metrics;
  auto engine = make_engine({threshold_rule(50)}, metrics);
  for (int i = 0; i < 30; ++i) {
    engine->observe(error_event("a", "x"), at(1));
    engine->observe(error_event("b", "x"), at(1));
  }
  EXPECT_TRUE(engine->tick(at(2)).empty()) << "60 errors in total, but 30 per service";
  for (int i = 0; i < 20; ++i) engine->observe(error_event("a", "x"), at(3));
  auto out = engine->tick(at(4));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].group_key, "service=a");
  ASSERT_EQ(out[0].group.size(), 1u);
  EXPECT_EQ(out[0].group[0], (std::pair<std::string, std::string>{"service", "a"}));
  EXPECT_EQ(out[0].count, 50u);
  EXPECT_EQ(out[0].alert_id, alert_id("errors", {{"service", "a"}}));
  EXPECT_NE(alert_id("errors", {{"service", "a"}}), alert_id("errors", {{"service", "b"}}));
}

TEST(AlertEngine, GroupsBeyondTheLimitAreCountedAsOverflow) {
  MetricsRegistry metrics;
  EngineOptions options;
  options.max_groups_per_rule = 3;
  options.metrics = &metrics;
  auto created = AlertEngine::create({threshold_rule(1)}, at(0), options);
  auto& engine = std::get<std::unique_ptr<AlertEngine>>(created);
  for (int i = 0; i < 10; ++i) engine->observe(error_event("svc" + std::to_string(i), "x"), at(0));
  EXPECT_EQ(engine->tick(at(1)).size(), 3u);
  EXPECT_EQ(metrics.counter("logtracer_alert_groups_overflow_total", "", {{"rule", "errors"}}).value(), 7u);
}

TEST(AlertEngine, ThresholdCooldownDelaysARefire) {
  MetricsRegistry metrics;
  auto rule = threshold_rule(3, std::chrono::seconds(10));
  rule.cooldown = std::chrono::seconds(60);
  auto engine = make_engine({rule}, metrics);
  std::vector<AlertNotification> out;
  for (int i = 0; i < 3; ++i) engine->observe(error_event("a", "x"), at(0));
  run_ticks(*engine, 0, 15, out);  // fires at 0, resolves at 10
  ASSERT_EQ(out.size(), 2u);
  for (int i = 0; i < 3; ++i) engine->observe(error_event("a", "x"), at(20));
  run_ticks(*engine, 20, 29, out);
  EXPECT_EQ(out.size(), 2u) << "condition is back within the cooldown: no new firing";
  for (int s = 50; s <= 70; ++s) {
    for (int i = 0; i < 3; ++i) engine->observe(error_event("a", "x"), at(s));
    run_ticks(*engine, s, s, out);
  }
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].state, AlertState::Firing);
  EXPECT_EQ(out[2].started_at, at(60));
}

TEST(AlertEngine, PatternFiresOnceAndIsRateLimitedByCooldown) {
  MetricsRegistry metrics;
  AlertRuleOptions rule;
  rule.name = "oom";
  rule.type = RuleType::Pattern;
  rule.query = "OutOfMemoryError or segfault";
  rule.cooldown = std::chrono::minutes(5);
  rule.renotify = Millis(0);
  rule.severity = Severity::Critical;
  rule.message = "{{name}}: {{last_message}} ({{count}}x)";
  auto engine = make_engine({rule}, metrics);
  std::vector<AlertNotification> out;
  engine->observe(testing::event("api", Level::Error, "java.lang.OutOfMemoryError: heap", 1), at(0));
  run_ticks(*engine, 0, 1, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, AlertState::Firing);
  EXPECT_EQ(out[0].severity, Severity::Critical);
  EXPECT_EQ(out[0].group_key, "");
  EXPECT_EQ(out[0].message, "oom: java.lang.OutOfMemoryError: heap (1x)");
  // More matches within the cooldown: no new notification, the quiet period restarts.
  for (int s = 10; s <= 200; s += 10) {
    engine->observe(testing::event("api", Level::Error, "segfault at 0x0", s), at(s));
    run_ticks(*engine, s, s + 9, out);
  }
  EXPECT_EQ(out.size(), 1u);
  run_ticks(*engine, 210, 499, out);  // last match at 200: resolves at 500
  EXPECT_EQ(out.size(), 1u);
  run_ticks(*engine, 500, 510, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].state, AlertState::Resolved);
  EXPECT_EQ(out[1].resolved_at, at(500));
  EXPECT_EQ(out[1].count, 21u);
  // A new match after the resolve fires again.
  engine->observe(testing::event("api", Level::Error, "segfault again", 999), at(600));
  run_ticks(*engine, 600, 600, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].state, AlertState::Firing);
  EXPECT_EQ(out[2].count, 1u);
  EXPECT_EQ(out[2].message, "oom: segfault again (1x)");
}

AlertRuleOptions absence_rule(std::vector<std::string> group_by = {}) {
  AlertRuleOptions rule;
  rule.name = "payments-silent";
  rule.type = RuleType::Absence;
  rule.query = "service:payments";
  rule.for_duration = std::chrono::minutes(5);
  rule.group_by = std::move(group_by);
  rule.cooldown = Millis(0);
  rule.renotify = Millis(0);
  rule.message = "no logs from {{query}} for {{window}}";
  return rule;
}

TEST(AlertEngine, AbsenceFiresAfterSilenceSinceStartAndResolvesOnAMatch) {
  MetricsRegistry metrics;
  auto engine = make_engine({absence_rule()}, metrics);  // created at(0)
  std::vector<AlertNotification> out;
  engine->observe(testing::event("checkout", Level::Info, "other service", 1), at(10));
  run_ticks(*engine, 1, 299, out);
  EXPECT_TRUE(out.empty());
  run_ticks(*engine, 300, 400, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, AlertState::Firing);
  EXPECT_EQ(out[0].started_at, at(300));
  EXPECT_EQ(out[0].message, "no logs from service:payments for 5m");
  engine->observe(testing::event("payments", Level::Info, "back", 2), at(401));
  run_ticks(*engine, 401, 402, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].state, AlertState::Resolved);
  EXPECT_EQ(out[1].resolved_at, at(401));
  EXPECT_EQ(out[1].last_message, "back");
  // Steady traffic keeps it quiet; then silence fires again 5 min after the last match.
  for (int s = 403; s < 600; s += 60) {
    engine->observe(testing::event("payments", Level::Info, "tick", s), at(s));
    run_ticks(*engine, s, s + 59, out);
  }
  EXPECT_EQ(out.size(), 2u);
  run_ticks(*engine, 660, 900, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].started_at, at(583 + 300));
}

TEST(AlertEngine, AbsencePerGroupOnlyForGroupsSeenAtLeastOnce) {
  MetricsRegistry metrics;
  auto rule = absence_rule({"host"});
  auto engine = make_engine({rule}, metrics);
  std::vector<AlertNotification> out;
  auto on_host = [](std::string host, int seq) {
    auto e = testing::event("payments", Level::Info, "ok", seq);
    e.host = std::move(host);
    return e;
  };
  engine->observe(on_host("h1", 1), at(0));
  engine->observe(on_host("h2", 2), at(0));
  for (int s = 60; s <= 600; s += 60) engine->observe(on_host("h2", s), at(s));
  run_ticks(*engine, 1, 600, out);
  ASSERT_EQ(out.size(), 1u) << "h1 went silent, h2 did not, h3 was never seen";
  EXPECT_EQ(out[0].group_key, "host=h1");
  EXPECT_EQ(out[0].started_at, at(300));
}

TEST(AlertEngine, RenotifyRepeatsAStillFiringAlert) {
  MetricsRegistry metrics;
  auto rule = absence_rule();
  rule.renotify = std::chrono::minutes(10);
  auto engine = make_engine({rule}, metrics);
  std::vector<AlertNotification> out;
  run_ticks(*engine, 1, 300 + 25 * 60, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(count_state(out, AlertState::Firing, false), 1u);
  EXPECT_EQ(count_state(out, AlertState::Firing, true), 2u);
  EXPECT_EQ(out[1].sent_at, at(300 + 600));
  EXPECT_EQ(out[2].sent_at, at(300 + 1200));
  EXPECT_EQ(out[1].alert_id, out[0].alert_id);
  EXPECT_EQ(out[1].started_at, out[0].started_at);
  EXPECT_NE(out[1].notification_id, out[0].notification_id);
}

TEST(AlertEngine, ReconfigureKeepsStateOfUnchangedRules) {
  MetricsRegistry metrics;
  auto kept = threshold_rule(5);
  auto changed = threshold_rule(5);
  changed.name = "changed";
  auto removed = threshold_rule(5);
  removed.name = "removed";
  auto engine = make_engine({kept, changed, removed}, metrics);
  for (int i = 0; i < 5; ++i) engine->observe(error_event("a", "x"), at(0));
  ASSERT_EQ(engine->tick(at(1)).size(), 3u);

  auto changed_now = changed;
  changed_now.threshold = 6;
  auto added = threshold_rule(1);
  added.name = "added";
  auto result = engine->reconfigure({kept, changed_now, added}, at(2));
  ASSERT_TRUE(std::holds_alternative<std::vector<AlertNotification>>(result));
  auto& resolved = std::get<std::vector<AlertNotification>>(result);
  ASSERT_EQ(resolved.size(), 2u);
  EXPECT_EQ(resolved[0].rule, "changed");
  EXPECT_EQ(resolved[0].reason, "rule_changed");
  EXPECT_EQ(resolved[1].rule, "removed");
  EXPECT_EQ(resolved[1].reason, "rule_removed");

  // `errors` kept its window and its firing state: no second firing, and it resolves on schedule.
  EXPECT_TRUE(engine->tick(at(3)).empty());
  auto firing = engine->firing();
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].rule, "errors");
  std::vector<AlertNotification> out;
  run_ticks(*engine, 4, 70, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, "errors");
  EXPECT_EQ(out[0].state, AlertState::Resolved);
  EXPECT_EQ(out[0].started_at, at(1));

  // A bad rule set changes nothing.
  auto bad = kept;
  bad.query = "level>=NOPE";
  auto failed = engine->reconfigure({bad}, at(80));
  ASSERT_TRUE(std::holds_alternative<Error>(failed));
  EXPECT_NE(std::get<Error>(failed).message.find("query"), std::string::npos);
  EXPECT_EQ(engine->rules().size(), 3u);
}

TEST(AlertEngine, RebalanceHoldsFiringAlertsInsteadOfResolvingThem) {
  MetricsRegistry metrics;
  EngineOptions options;
  options.metrics = &metrics;
  options.held_expiry = std::chrono::minutes(30);
  auto created = AlertEngine::create({threshold_rule(5), absence_rule({"service"})}, at(0), options);
  auto& engine = std::get<std::unique_ptr<AlertEngine>>(created);
  std::vector<AlertNotification> out;
  for (int i = 0; i < 5; ++i) {
    engine->observe(error_event("a", "x"), at(0));
    engine->observe(error_event("b", "x"), at(0));
  }
  engine->observe(testing::event("payments", Level::Info, "ok", 7), at(0));
  run_ticks(*engine, 0, 1, out);
  ASSERT_EQ(out.size(), 2u);

  engine->on_partitions_revoked(at(2));
  engine->on_partitions_assigned(at(2));
  // Service a's partition stayed here: its events keep coming. b's moved away.
  for (int s = 3; s < 100; ++s) engine->observe(error_event("a", "x"), at(s));
  run_ticks(*engine, 2, 200, out);
  ASSERT_EQ(out.size(), 3u) << "only a resolves (its data proves it is ours); b is held, payments not fired";
  EXPECT_EQ(out[2].group_key, "service=a");
  EXPECT_EQ(out[2].state, AlertState::Resolved);
  auto firing = engine->firing();
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].group_key, "service=b");
  EXPECT_TRUE(firing[0].held);

  // Held past the expiry: dropped without a false "resolved".
  run_ticks(*engine, 201, 2000, out);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_TRUE(engine->firing().empty());
  EXPECT_EQ(metrics.counter("logtracer_alert_held_expired_total", "", {{"rule", "errors"}}).value(), 1u);
}

TEST(AlertEngine, HeldAlertResumesWhenItsGroupIsSeenAgain) {
  MetricsRegistry metrics;
  auto engine = make_engine({threshold_rule(5)}, metrics);
  std::vector<AlertNotification> out;
  for (int i = 0; i < 5; ++i) engine->observe(error_event("b", "x"), at(0));
  run_ticks(*engine, 0, 0, out);
  engine->on_partitions_revoked(at(1));
  engine->on_partitions_assigned(at(1));
  run_ticks(*engine, 1, 69, out);
  EXPECT_EQ(out.size(), 1u) << "held: its window emptied, but that proves nothing";
  for (int i = 0; i < 5; ++i) engine->observe(error_event("b", "y"), at(70));  // b is assigned back
  run_ticks(*engine, 70, 75, out);
  EXPECT_EQ(out.size(), 1u) << "no duplicate firing: the instance never stopped firing";
  run_ticks(*engine, 76, 140, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].state, AlertState::Resolved);
}

TEST(AlertEngine, InvalidRulesAreRejectedWithTheirName) {
  MetricsRegistry metrics;
  EngineOptions options;
  options.metrics = &metrics;
  auto bad_template = threshold_rule();
  bad_template.message = "{{nmae}} fired";
  auto r1 = AlertEngine::create({bad_template}, at(0), options);
  ASSERT_TRUE(std::holds_alternative<Error>(r1));
  EXPECT_NE(std::get<Error>(r1).message.find("alert rule 'errors': message: unknown placeholder '{{nmae}}'"),
            std::string::npos)
      << std::get<Error>(r1).message;
  auto r2 = AlertEngine::create({threshold_rule(), threshold_rule()}, at(0), options);
  ASSERT_TRUE(std::holds_alternative<Error>(r2));
  EXPECT_NE(std::get<Error>(r2).message.find("defined twice"), std::string::npos);
  auto no_for = absence_rule();
  no_for.for_duration = Millis(0);
  EXPECT_TRUE(std::holds_alternative<Error>(AlertEngine::create({no_for}, at(0), options)));
  auto unclosed = threshold_rule();
  unclosed.message = "{{count";
  EXPECT_TRUE(std::holds_alternative<Error>(AlertEngine::create({unclosed}, at(0), options)));
}

TEST(AlertEngine, HostileEventTextIsBoundedAndGroupKeysCannotCollide) {
  MetricsRegistry metrics;
  auto rule = threshold_rule(1);
  rule.group_by = {"service", "env"};
  auto engine = make_engine({rule}, metrics);
  auto e1 = error_event(std::string(10000, 'x') + "\xff\xfe", std::string(100000, 'm'));
  engine->observe(e1, at(0));
  // Both display as "service=a,env=b,env=c": distinct groups, distinct alert ids all the same.
  auto e2 = error_event("a,env=b", "x");
  e2.environment = "c";
  auto e3 = error_event("a", "x");
  e3.environment = "b,env=c";
  engine->observe(e2, at(0));
  engine->observe(e3, at(0));
  auto out = engine->tick(at(1));
  ASSERT_EQ(out.size(), 3u);
  for (const auto& n : out) {
    EXPECT_LE(n.last_message.size(), 1024u);
    EXPECT_LE(n.group_key.size(), 600u);
    auto json = to_json(n);
    EXPECT_TRUE(testing::is_json_object(json)) << json.substr(0, 200);
  }
  std::vector<std::string> forged_ids;
  for (const auto& n : out) {
    if (n.group_key == "service=a,env=b,env=c") forged_ids.push_back(n.alert_id);
  }
  ASSERT_EQ(forged_ids.size(), 2u);
  EXPECT_NE(forged_ids[0], forged_ids[1]);
}

TEST(AlertEngine, ConcurrentObserversAreCountedExactly) {
  MetricsRegistry metrics;
  auto engine = make_engine({threshold_rule(4000)}, metrics);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) engine->observe(error_event("a", "x" + std::to_string(t)), at(0));
    });
  }
  std::vector<AlertNotification> out;
  for (int i = 0; i < 50; ++i) {
    auto batch = engine->tick(at(0));
    out.insert(out.end(), batch.begin(), batch.end());
  }
  for (auto& t : threads) t.join();
  auto last = engine->tick(at(1));
  out.insert(out.end(), last.begin(), last.end());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].count, 4000u);
}

}  // namespace
}  // namespace lt::alerts
