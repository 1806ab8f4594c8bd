// End to end over real HTTP: engine (injected clock) -> dispatcher -> webhook
// notifier -> lt::net::HttpClient -> a local receiver. Delivery is asynchronous; waits are bounded polls.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <mutex>

#include "alerts/dispatcher.h"
#include "alerts/test_events.h"
#include "alerts/test_http_receiver.h"

namespace lt::alerts {
namespace {

using testing::at;
using testing::TestHttpReceiver;

// Fast retries so a test does not sleep for real backoffs.
constexpr RetryOptions kQuickRetry{.max_attempts = 5, .initial_backoff = Millis(20), .max_backoff = Millis(100)};

struct Fixture {
  MetricsRegistry metrics;
  std::mutex kafka_mu;
  std::vector<std::pair<std::string, std::string>> kafka;  // (key, json)

  std::unique_ptr<AlertDispatcher> dispatcher(std::vector<WebhookOptions> webhooks, RetryOptions retry = kQuickRetry) {
    NotifiersOptions notifiers;
    notifiers.webhooks = std::move(webhooks);
    notifiers.log = false;
    DispatcherOptions options;
    options.metrics = &metrics;
    return make_dispatcher(
        notifiers,
        [this](std::string_view key, std::string json) {
          std::lock_guard lock(kafka_mu);
          kafka.emplace_back(std::string(key), std::move(json));
        },
        options, retry);
  }
  std::vector<std::pair<std::string, std::string>> kafka_records() {
    std::lock_guard lock(kafka_mu);
    return kafka;
  }
  std::uint64_t notifications(const std::string& notifier, const std::string& result) {
    return metrics.counter("logtracer_alert_notifications_total", "", {{"notifier", notifier}, {"result", result}})
        .value();
  }
};

WebhookOptions webhook(const TestHttpReceiver& receiver, std::string name = "ops") {
  WebhookOptions w;
  w.name = std::move(name);
  w.url = receiver.url();
  w.timeout = Millis(2000);
  w.headers = {{"Authorization", "Bearer s3cret"}};
  return w;
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element doc;
  EXPECT_FALSE(parser.parse(body).get(doc)) << body;
  return doc;
}

AlertRuleOptions errors_per_service() {
  AlertRuleOptions rule;
  rule.name = "errors-per-service";
  rule.type = RuleType::Threshold;
  rule.query = "level>=ERROR";
  rule.threshold = 50;
  rule.window = std::chrono::minutes(1);
  rule.group_by = {"service"};
  rule.severity = Severity::Critical;
  return rule;
}

TEST(WebhookDelivery, SixtyErrorsInTenSecondsGiveOneFiringThenOneResolvedPost) {
  TestHttpReceiver receiver;
  Fixture f;
  auto dispatcher = f.dispatcher({webhook(receiver)});
  auto engine = testing::make_engine({errors_per_service()}, f.metrics);
  for (int s = 0; s < 10; ++s) {
    for (int i = 0; i < 6; ++i) engine->observe(testing::error_event("checkout", "payment failed"), at(s + i / 6.0));
    dispatcher->submit(engine->tick(at(s)));
  }
  ASSERT_TRUE(receiver.wait_for_accepted(1));
  for (int s = 10; s < 58; ++s) dispatcher->submit(engine->tick(at(s)));
  for (int s = 58; s <= 130; ++s) dispatcher->submit(engine->tick(at(s)));
  ASSERT_TRUE(receiver.wait_for_accepted(2));
  // Nothing else arrives: one more round of ticks, then a drain of the dispatcher.
  for (int s = 131; s <= 300; ++s) dispatcher->submit(engine->tick(at(s)));
  dispatcher->stop();

  auto posts = receiver.accepted();
  ASSERT_EQ(posts.size(), 2u);
  simdjson::dom::parser parser;
  auto fired = parse(parser, posts[0].body);
  EXPECT_EQ(std::string_view(fired["state"]), "firing");
  EXPECT_EQ(std::string_view(fired["rule"]), "errors-per-service");
  EXPECT_EQ(std::string_view(fired["group"]["service"]), "checkout");
  EXPECT_GE(uint64_t(fired["count"]), 50u);
  std::string alert = std::string(std::string_view(fired["alert_id"]));
  auto resolved = parse(parser, posts[1].body);
  EXPECT_EQ(std::string_view(resolved["state"]), "resolved");
  EXPECT_EQ(std::string_view(resolved["alert_id"]), alert);
  EXPECT_FALSE(resolved["resolved_at"].is_null());
  EXPECT_EQ(posts[0].method, "POST");
  EXPECT_EQ(posts[0].target, "/hook");
  EXPECT_EQ(posts[0].headers["content-type"], "application/json");
  EXPECT_EQ(posts[0].headers["authorization"], "Bearer s3cret");
  EXPECT_EQ(f.notifications("ops", "delivered"), 2u);
  EXPECT_EQ(f.notifications("ops", "failed"), 0u);
  // The Kafka notifier saw the same two, keyed by the alert id.
  auto records = f.kafka_records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].first, alert);
  EXPECT_TRUE(dispatcher->undelivered().empty());
}

TEST(WebhookDelivery, AbsenceFiresAndResolvesOverHttp) {
  TestHttpReceiver receiver;
  Fixture f;
  auto dispatcher = f.dispatcher({webhook(receiver)});
  AlertRuleOptions rule;
  rule.name = "payments-silent";
  rule.type = RuleType::Absence;
  rule.query = "service:payments";
  rule.for_duration = std::chrono::minutes(5);
  auto engine = testing::make_engine({rule}, f.metrics);
  for (int s = 1; s <= 310; ++s) dispatcher->submit(engine->tick(at(s)));
  ASSERT_TRUE(receiver.wait_for_accepted(1));
  engine->observe(testing::event("payments", Level::Info, "hello again", 1), at(311));
  dispatcher->submit(engine->tick(at(312)));
  ASSERT_TRUE(receiver.wait_for_accepted(2));
  dispatcher->stop();
  auto posts = receiver.accepted();
  ASSERT_EQ(posts.size(), 2u);
  simdjson::dom::parser parser;
  EXPECT_EQ(std::string_view(parse(parser, posts[0].body)["state"]), "firing");
  auto resolved = parse(parser, posts[1].body);
  EXPECT_EQ(std::string_view(resolved["state"]), "resolved");
  EXPECT_EQ(std::string_view(resolved["last_message"]), "hello again");
  EXPECT_EQ(std::string_view(resolved["sample_event_ids"].at(0)), "id-1");
}

TEST(WebhookDelivery, ReceiverFailingItsFirstThreeCallsGetsTheAlertExactlyOnce) {
  TestHttpReceiver receiver(/*fail_first=*/3, /*fail_status=*/500);
  Fixture f;
  auto dispatcher = f.dispatcher({webhook(receiver)});
  auto engine = testing::make_engine({errors_per_service()}, f.metrics);
  for (int i = 0; i < 60; ++i) engine->observe(testing::error_event("checkout", "x"), at(i / 6.0));
  dispatcher->submit(engine->tick(at(10)));
  ASSERT_TRUE(receiver.wait_for_accepted(1));
  dispatcher->stop();
  auto calls = receiver.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(receiver.accepted().size(), 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(calls[i].status, 500);
  // Every attempt carried the same notification: a receiver that did get a "failed" one can de-duplicate.
  EXPECT_EQ(calls[0].body, calls[3].body);
  EXPECT_EQ(f.notifications("ops", "delivered"), 1u);
  EXPECT_EQ(f.metrics.counter("logtracer_alert_notification_retries_total", "", {{"notifier", "ops"}}).value(), 3u);
  EXPECT_TRUE(dispatcher->undelivered().empty());
}

TEST(WebhookDelivery, PermanentFailureIsNotRetriedAndIsKept) {
  TestHttpReceiver receiver(/*fail_first=*/100, /*fail_status=*/404);
  Fixture f;
  auto dispatcher = f.dispatcher({webhook(receiver)});
  auto engine = testing::make_engine({errors_per_service()}, f.metrics);
  for (int i = 0; i < 50; ++i) engine->observe(testing::error_event("checkout", "x"), at(0));
  auto fired = engine->tick(at(1));
  ASSERT_EQ(fired.size(), 1u);
  dispatcher->submit(fired);
  ASSERT_TRUE(receiver.wait_for_calls(1));
  dispatcher->stop();
  EXPECT_EQ(receiver.calls().size(), 1u) << "a 404 will not change on retry";
  auto kept = dispatcher->undelivered();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].notifier, "ops");
  EXPECT_EQ(kept[0].notification.alert_id, fired[0].alert_id);
  EXPECT_FALSE(kept[0].error.retriable());
  EXPECT_EQ(f.notifications("ops", "failed"), 1u);
  // The Kafka notifier got the notification itself and the copy marked undelivered.
  auto records = f.kafka_records();
  ASSERT_EQ(records.size(), 2u);
  simdjson::dom::parser parser;
  auto copy = parse(parser, records[1].second);
  EXPECT_EQ(std::string_view(copy["undelivered"]["notifier"]), "ops");
  EXPECT_NE(std::string_view(copy["undelivered"]["error"]).find("HTTP 404"), std::string_view::npos);
}

TEST(WebhookDelivery, UnreachableReceiverExhaustsRetriesAndKeepsTheNotification) {
  std::string dead_url;
  {
    TestHttpReceiver gone;  // bind, learn a free port, close it
    dead_url = gone.url();
  }
  Fixture f;
  WebhookOptions w;
  w.name = "dead";
  w.url = dead_url;
  w.max_attempts = 3;
  w.timeout = Millis(500);
  auto dispatcher = f.dispatcher({w});
  auto engine = testing::make_engine({errors_per_service()}, f.metrics);
  for (int i = 0; i < 50; ++i) engine->observe(testing::error_event("checkout", "x"), at(0));
  dispatcher->submit(engine->tick(at(1)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (dispatcher->undelivered().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(Millis(5));
  }
  auto kept = dispatcher->undelivered();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_TRUE(kept[0].error.retriable());
  EXPECT_NE(kept[0].error.message.find("after 3 attempts"), std::string::npos) << kept[0].error.message;
  EXPECT_EQ(f.metrics.counter("logtracer_alert_notification_retries_total", "", {{"notifier", "dead"}}).value(), 2u);
}

TEST(WebhookDelivery, SubmitNeverBlocksWhenTheQueueIsFull) {
  TestHttpReceiver receiver(/*fail_first=*/1000, /*fail_status=*/503);
  Fixture f;
  NotifiersOptions notifiers;
  notifiers.webhooks = {webhook(receiver)};
  notifiers.log = false;
  notifiers.kafka = false;
  DispatcherOptions options;
  options.metrics = &f.metrics;
  options.queue_capacity = 2;
  options.shutdown_deadline = Millis(200);
  auto dispatcher = make_dispatcher(notifiers, {}, options,
                                    {.max_attempts = 100, .initial_backoff = Millis(50), .max_backoff = Millis(50)});
  AlertNotification n;
  n.alert_id = "a";
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) dispatcher->submit(n);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_GE(f.notifications("ops", "queue_full"), 17u);
  dispatcher->stop();  // bounded by shutdown_deadline, although attempts remain
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(dispatcher->undelivered().size(), 20u) << "every notification is accounted for";
}

TEST(WebhookDelivery, SlackFormatPostsASlackPayload) {
  TestHttpReceiver receiver;
  Fixture f;
  auto w = webhook(receiver, "slack");
  w.format = WebhookFormat::Slack;
  auto dispatcher = f.dispatcher({w});
  AlertRuleOptions rule;
  rule.name = "oom";
  rule.type = RuleType::Pattern;
  rule.query = "OutOfMemoryError";
  rule.message = "{{name}}: {{last_message}}";
  auto engine = testing::make_engine({rule}, f.metrics);
  engine->observe(testing::event("api", Level::Error, "java.lang.OutOfMemoryError <@here>", 1), at(0));
  dispatcher->submit(engine->tick(at(1)));
  ASSERT_TRUE(receiver.wait_for_accepted(1));
  dispatcher->stop();
  simdjson::dom::parser parser;
  auto doc = parse(parser, receiver.accepted()[0].body);
  EXPECT_EQ(std::string_view(doc["text"]), "[FIRING] oom: oom: java.lang.OutOfMemoryError &lt;@here&gt;");
  EXPECT_EQ(simdjson::dom::array(doc["attachments"]).size(), 1u);
}

TEST(WebhookNotifier, ClassifiesStatusesAndKeepsTheUrlPathOutOfErrors) {
  WebhookOptions w;
  w.name = "slack";
  w.url = "https://hooks.slack.com/services/T0/B0/SECRET";
  std::variant<int, Error> answer = 429;
  WebhookNotifier notifier(w, [&](const std::string& url, const auto&, const std::string&, Millis) {
    if (auto* error = std::get_if<Error>(&answer)) {
      return std::variant<int, Error>(Error::transient(error->code, "request to https://hooks.slack.com:443" +
                                                                        url.substr(url.find("/services")) + ": timeout"));
    }
    return answer;
  });
  AlertNotification n;
  auto error = notifier.deliver(n);
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->retriable()) << "429: try again later";
  answer = 503;
  EXPECT_TRUE(notifier.deliver(n)->retriable());
  answer = 301;
  EXPECT_FALSE(notifier.deliver(n)->retriable()) << "redirects are not followed";
  answer = 403;
  EXPECT_FALSE(notifier.deliver(n)->retriable());
  answer = 204;
  EXPECT_FALSE(notifier.deliver(n).has_value());
  answer = Error::transient("http.timeout", "");
  error = notifier.deliver(n);
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->retriable());
  EXPECT_EQ(error->message.find("SECRET"), std::string::npos) << error->message;
  EXPECT_NE(error->message.find("hooks.slack.com:443/...: timeout"), std::string::npos) << error->message;
}

TEST(WebhookNotifier, ARefusedUrlIsReportedWithoutUserinfoTokenOrPath) {
  // validate refuses user:pass@, so only a programmatic caller gets here; the HTTP client
  // refuses it before connecting, and its error must still not quote the credential.
  WebhookOptions w;
  w.name = "hook";
  w.url = "https://hook:pw-4c1d@hooks.example/services/SECRETPATH?token=tok-77e";
  w.timeout = Millis(200);
  WebhookNotifier notifier(w, default_http_post());
  auto error = notifier.deliver(AlertNotification{});
  ASSERT_TRUE(error);
  EXPECT_FALSE(error->retriable());
  for (const char* secret : {"pw-4c1d", "SECRETPATH", "tok-77e", "hook:"})
    EXPECT_EQ(error->message.find(secret), std::string::npos) << secret << ": " << error->message;
  EXPECT_NE(error->message.find("webhook 'hook': bad URL 'https://***@hooks.example/...?token=***'"), std::string::npos)
      << error->message;
}

}  // namespace
}  // namespace lt::alerts
