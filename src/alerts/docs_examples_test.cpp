// Runs every ```yaml example of docs/alerts.md: each is parsed with
// parse_alerts_yaml() and driven through a scenario, so the documentation cannot drift.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "alerts/alerts_config.h"
#include "alerts/test_events.h"
#include "alerts/test_http_receiver.h"

namespace lt::alerts {
namespace {

using testing::at;

std::vector<std::string> yaml_blocks(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::vector<std::string> blocks;
  std::string line, current;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line.rfind("```yaml", 0) == 0) {
      inside = true;
      current.clear();
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      blocks.push_back(current);
    } else if (inside) {
      current += line + "\n";
    }
  }
  EXPECT_FALSE(inside) << "unclosed ```yaml block";
  return blocks;
}

std::vector<AlertNotification> drive(AlertEngine& engine, int from, int to) {
  std::vector<AlertNotification> out;
  for (int s = from; s <= to; ++s) {
    auto batch = engine.tick(at(s));
    out.insert(out.end(), batch.begin(), batch.end());
  }
  return out;
}

void checkout_errors(const AlertsConfig& config) {
  ASSERT_EQ(config.rules.size(), 1u);
  const auto& rule = config.rules[0];
  EXPECT_EQ(rule.type, RuleType::Threshold);
  EXPECT_EQ(rule.threshold, 50u);
  EXPECT_EQ(rule.window, std::chrono::minutes(1));
  EXPECT_EQ(rule.group_by, std::vector<std::string>{"service"});
  EXPECT_EQ(rule.severity, Severity::Critical);
  EXPECT_EQ(rule.renotify, std::chrono::minutes(30));
  EXPECT_EQ(rule.labels.at("team"), "payments");
  MetricsRegistry metrics;
  auto engine = testing::make_engine(config.rules, metrics);
  std::vector<AlertNotification> out;
  for (int s = 0; s < 10; ++s) {
    for (int i = 0; i < 6; ++i) engine->observe(testing::error_event("checkout", "payment failed"), at(s));
    for (int i = 0; i < 3; ++i) engine->observe(testing::error_event("search", "index missing"), at(s));
    auto batch = drive(*engine, s, s);
    out.insert(out.end(), batch.begin(), batch.end());
  }
  auto rest = drive(*engine, 10, 3600);
  out.insert(out.end(), rest.begin(), rest.end());
  ASSERT_EQ(out.size(), 2u) << "one firing, one resolved, only for checkout";
  EXPECT_EQ(out[0].state, AlertState::Firing);
  EXPECT_EQ(out[0].group_key, "service=checkout");
  EXPECT_EQ(out[0].message, "54 errors in 1m from service=checkout; first: payment failed");
  EXPECT_EQ(out[1].state, AlertState::Resolved);
  EXPECT_EQ(out[1].resolved_at, at(61));
}

void out_of_memory(const AlertsConfig& config) {
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(config.rules[0].type, RuleType::Pattern);
  EXPECT_EQ(config.rules[0].cooldown, std::chrono::minutes(10));
  MetricsRegistry metrics;
  auto engine = testing::make_engine(config.rules, metrics);
  engine->observe(testing::event("api", Level::Error, "java.lang.OutOfMemoryError: Java heap space", 1), at(0));
  auto out = drive(*engine, 0, 59);
  engine->observe(testing::event("api", Level::Fatal, "segfault in libfoo.so", 2), at(60));
  engine->observe(testing::event("api", Level::Error, "ordinary failure", 3), at(61));
  auto later = drive(*engine, 60, 1000);
  out.insert(out.end(), later.begin(), later.end());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].message, "out-of-memory: java.lang.OutOfMemoryError: Java heap space (1 so far)");
  EXPECT_EQ(out[1].state, AlertState::Resolved);
  EXPECT_EQ(out[1].resolved_at, at(660));
  EXPECT_EQ(out[1].count, 2u);
}

void payments_silent(const AlertsConfig& config) {
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(config.rules[0].for_duration, std::chrono::minutes(5));
  MetricsRegistry metrics;
  auto engine = testing::make_engine(config.rules, metrics);
  engine->observe(testing::event("checkout", Level::Info, "not payments", 1), at(100));
  auto out = drive(*engine, 1, 400);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].started_at, at(300));
  EXPECT_EQ(out[0].message, "no logs from payments for 5m; last seen: ");
  engine->observe(testing::event("payments", Level::Info, "settled", 2), at(401));
  out = drive(*engine, 401, 401);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, AlertState::Resolved);
}

void payments_host_silent(const AlertsConfig& config) {
  ASSERT_EQ(config.rules.size(), 1u);
  EXPECT_EQ(config.rules[0].severity, Severity::Info);
  MetricsRegistry metrics;
  auto engine = testing::make_engine(config.rules, metrics);
  auto on = [](std::string host, long seq) {
    auto e = testing::event("payments", Level::Info, "ok", seq);
    e.host = std::move(host);
    return e;
  };
  engine->observe(on("h1", 1), at(0));
  for (int s = 0; s <= 300; s += 30) engine->observe(on("h2", s + 10), at(s));
  auto out = drive(*engine, 1, 300);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].group_key, "host=h1");
  EXPECT_EQ(out[0].started_at, at(120));
}

void notifiers(const AlertsConfig& config) {
  ASSERT_TRUE(config.rules.empty());
  const auto& n = config.notifiers;
  EXPECT_TRUE(n.log);
  EXPECT_TRUE(n.kafka);
  ASSERT_EQ(n.webhooks.size(), 2u);
  EXPECT_EQ(n.webhooks[0].name, "ops");
  EXPECT_EQ(n.webhooks[0].format, WebhookFormat::Json);
  EXPECT_EQ(n.webhooks[0].max_attempts, 5u);
  EXPECT_EQ(n.webhooks[0].timeout, std::chrono::seconds(5));
  EXPECT_EQ(n.webhooks[0].headers.at("Authorization"), "Bearer 0123456789abcdef");
  EXPECT_EQ(n.webhooks[1].format, WebhookFormat::Slack);

  // Deliver for real, with the URLs pointed at local receivers.
  testing::TestHttpReceiver ops, slack;
  auto local = n;
  local.webhooks[0].url = ops.url();
  local.webhooks[1].url = slack.url();
  MetricsRegistry metrics;
  DispatcherOptions options;
  options.metrics = &metrics;
  std::atomic<int> kafka_records{0};
  auto dispatcher = make_dispatcher(local, [&](std::string_view, std::string) { ++kafka_records; }, options);
  AlertNotification alert;
  alert.notification_id = "n1";
  alert.alert_id = alert_id("r", {});
  alert.rule = "r";
  alert.message = "hello";
  dispatcher->submit(alert);
  ASSERT_TRUE(ops.wait_for_accepted(1));
  ASSERT_TRUE(slack.wait_for_accepted(1));
  dispatcher->stop();
  EXPECT_EQ(kafka_records.load(), 1);
  EXPECT_EQ(ops.accepted()[0].headers["authorization"], "Bearer 0123456789abcdef");
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(ops.accepted()[0].body).get(doc));
  EXPECT_EQ(std::string_view(doc["notification_id"]), "n1");
  ASSERT_FALSE(parser.parse(slack.accepted()[0].body).get(doc));
  EXPECT_EQ(std::string_view(doc["text"]), "[FIRING] r: hello");
}

TEST(DocsAlerts, EveryYamlExampleRunsAsAScenario) {
  const std::map<std::string, std::function<void(const AlertsConfig&)>> scenarios = {
      {"checkout-errors", checkout_errors},
      {"out-of-memory", out_of_memory},
      {"payments-silent", payments_silent},
      {"payments-host-silent", payments_host_silent},
      {"notifiers", notifiers},
  };
  auto blocks = yaml_blocks(std::string(LT_SOURCE_DIR) + "/docs/alerts.md");
  std::set<std::string> ran;
  for (const auto& block : blocks) {
    auto parsed = parse_alerts_yaml(block);
    ASSERT_TRUE(std::holds_alternative<AlertsConfig>(parsed)) << std::get<Error>(parsed).message << "\n" << block;
    const auto& config = std::get<AlertsConfig>(parsed);
    std::string key = config.rules.empty() ? "notifiers" : config.rules[0].name;
    auto scenario = scenarios.find(key);
    ASSERT_NE(scenario, scenarios.end()) << "docs/alerts.md example without a scenario:\n" << block;
    SCOPED_TRACE("example " + key);
    scenario->second(config);
    ran.insert(key);
  }
  EXPECT_EQ(ran.size(), scenarios.size()) << "a scenario lost its example in docs/alerts.md";
}

TEST(AlertsConfigYaml, RejectsMistakesWithTheirPosition) {
  auto typo = parse_alerts_yaml("consumer:\n  alerts:\n    - name: a\n      type: pattern\n      query: x\n      treshold: 5\n");
  ASSERT_TRUE(std::holds_alternative<Error>(typo));
  EXPECT_EQ(std::get<Error>(typo).message, "line 6, column 7: alerts[0]: unknown key 'treshold'");
  auto bad_query = parse_alerts_yaml("alerts:\n  - {name: a, type: pattern, query: 'level>=NOPE'}\n");
  ASSERT_TRUE(std::holds_alternative<Error>(bad_query));
  EXPECT_NE(std::get<Error>(bad_query).message.find("query"), std::string::npos);
  auto missing = parse_alerts_yaml("alerts:\n  - {name: a, type: threshold, query: x}\n");
  ASSERT_TRUE(std::holds_alternative<Error>(missing));
  EXPECT_NE(std::get<Error>(missing).message.find("missing required key 'threshold'"), std::string::npos);
  auto bad_duration = parse_alerts_yaml("alerts:\n  - {name: a, type: absence, query: x, for: soon}\n");
  ASSERT_TRUE(std::holds_alternative<Error>(bad_duration));
  auto twice = parse_alerts_yaml("alerts:\n  - {name: a, type: pattern, query: x}\n  - {name: a, type: pattern, query: y}\n");
  ASSERT_TRUE(std::holds_alternative<Error>(twice));
  auto bad_url = parse_alerts_yaml("notifiers:\n  webhooks:\n    - {name: w, url: 'ftp://x'}\n");
  ASSERT_TRUE(std::holds_alternative<Error>(bad_url));
  for (const char* garbage : {"", "[", "consumer: [1, 2", "alerts: 5", "alerts:\n  - 5\n", "\xff\xfe: \x01",
                              "notifiers: {webhooks: {a: b}}", "alerts:\n  - {name: [a], type: x}\n"}) {
    auto result = parse_alerts_yaml(garbage);  // an error or an empty config, never a crash
    if (auto* config = std::get_if<AlertsConfig>(&result)) {
      EXPECT_TRUE(config->rules.empty()) << garbage;
    }
  }
}

TEST(AlertsConfigYaml, MapsTheTypedConfig) {
  config::AlertRule rule;
  rule.name = "r";
  rule.type = "absence";
  rule.query = "service:payments";
  rule.for_duration = std::chrono::minutes(5);
  rule.severity = "critical";
  rule.cooldown = std::chrono::minutes(1);
  rule.renotify = Millis(0);
  rule.message = "{{name}}";
  auto mapped = rule_from_config(rule);
  ASSERT_TRUE(std::holds_alternative<AlertRuleOptions>(mapped)) << std::get<Error>(mapped).message;
  const auto& options = std::get<AlertRuleOptions>(mapped);
  EXPECT_EQ(options.type, RuleType::Absence);
  EXPECT_EQ(options.severity, Severity::Critical);
  EXPECT_EQ(options.for_duration, std::chrono::minutes(5));
  rule.type = "sometimes";
  EXPECT_TRUE(std::holds_alternative<Error>(rule_from_config(rule)));

  config::NotifiersConfig notifiers;
  notifiers.kafka = false;
  notifiers.webhooks.push_back({"w", "http://127.0.0.1:1/x", "slack", 3, Millis(100), {{"X-Key", "v"}}});
  auto n = notifiers_from_config(notifiers);
  ASSERT_TRUE(std::holds_alternative<NotifiersOptions>(n));
  const auto& opts = std::get<NotifiersOptions>(n);
  EXPECT_FALSE(opts.kafka);
  ASSERT_EQ(opts.webhooks.size(), 1u);
  EXPECT_EQ(opts.webhooks[0].format, WebhookFormat::Slack);
  EXPECT_EQ(opts.webhooks[0].max_attempts, 3u);
}

}  // namespace
}  // namespace lt::alerts
