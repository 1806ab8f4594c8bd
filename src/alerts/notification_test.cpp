#include "alerts/notification.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "alerts/test_events.h"

namespace lt::alerts {
namespace {

AlertNotification sample() {
  AlertNotification n;
  n.notification_id = "01JDXYZ";
  n.alert_id = alert_id("checkout-errors", {{"service", "checkout"}});
  n.state = AlertState::Firing;
  n.rule = "checkout-errors";
  n.type = RuleType::Threshold;
  n.severity = Severity::Critical;
  n.group = {{"service", "checkout"}};
  n.group_key = "service=checkout";
  n.query = "level>=ERROR";
  n.count = 54;
  n.threshold = 50;
  n.window = std::chrono::minutes(1);
  n.started_at = testing::at(8);
  n.sent_at = testing::at(8);
  n.labels = {{"team", "payments"}};
  n.message = "54 errors: \"quoted\" <!channel> & \xff broken";
  n.first_message = "first";
  n.last_message = "last\nline";
  n.sample_event_ids = {"id-0", "id-53"};
  return n;
}

TEST(AlertId, IsStableAndDependsOnRuleAndGroup) {
  // Pinned (checked against an independent FNV-1a): receivers de-duplicate on it across releases.
  EXPECT_EQ(alert_id("checkout-errors", {{"service", "checkout"}}), "d14131cfd52a9060");
  EXPECT_EQ(alert_id("r", {}).size(), 16u);
  EXPECT_NE(alert_id("r", {}), alert_id("r", {{"service", ""}}));
  EXPECT_NE(alert_id("ab", {{"c", "d"}}), alert_id("a", {{"bc", "d"}}));
}

TEST(NotificationJson, HasEveryDocumentedField) {
  auto json = to_json(sample());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(json).get(doc)) << json;
  EXPECT_EQ(std::string_view(doc["notification_id"]), "01JDXYZ");
  EXPECT_EQ(std::string_view(doc["alert_id"]), "d14131cfd52a9060");
  EXPECT_EQ(std::string_view(doc["state"]), "firing");
  EXPECT_FALSE(bool(doc["repeat"]));
  EXPECT_EQ(std::string_view(doc["rule"]), "checkout-errors");
  EXPECT_EQ(std::string_view(doc["type"]), "threshold");
  EXPECT_EQ(std::string_view(doc["severity"]), "critical");
  EXPECT_EQ(std::string_view(doc["group"]["service"]), "checkout");
  EXPECT_EQ(std::string_view(doc["group_key"]), "service=checkout");
  EXPECT_EQ(std::string_view(doc["query"]), "level>=ERROR");
  EXPECT_EQ(uint64_t(doc["count"]), 54u);
  EXPECT_EQ(uint64_t(doc["threshold"]), 50u);
  EXPECT_EQ(uint64_t(doc["window_ms"]), 60000u);
  EXPECT_EQ(std::string_view(doc["started_at"]), format_rfc3339(testing::at(8)));
  EXPECT_TRUE(doc["resolved_at"].is_null());
  EXPECT_EQ(std::string_view(doc["sent_at"]), format_rfc3339(testing::at(8)));
  EXPECT_EQ(std::string_view(doc["labels"]["team"]), "payments");
  EXPECT_EQ(std::string_view(doc["message"]), "54 errors: \"quoted\" <!channel> & \xEF\xBF\xBD broken");
  EXPECT_EQ(std::string_view(doc["last_message"]), "last\nline");
  EXPECT_EQ(simdjson::dom::array(doc["sample_event_ids"]).size(), 2u);
  EXPECT_TRUE(doc["reason"].error() == simdjson::NO_SUCH_FIELD);
  EXPECT_TRUE(doc["undelivered"].error() == simdjson::NO_SUCH_FIELD);

  auto resolved = sample();
  resolved.state = AlertState::Resolved;
  resolved.resolved_at = testing::at(61);
  resolved.reason = "condition_cleared";
  resolved.undelivered_notifier = "ops";
  resolved.undelivered_error = "HTTP 404";
  ASSERT_FALSE(parser.parse(to_json(resolved)).get(doc));
  EXPECT_EQ(std::string_view(doc["state"]), "resolved");
  EXPECT_EQ(std::string_view(doc["resolved_at"]), format_rfc3339(testing::at(61)));
  EXPECT_EQ(std::string_view(doc["reason"]), "condition_cleared");
  EXPECT_EQ(std::string_view(doc["undelivered"]["notifier"]), "ops");
}

TEST(NotificationSlack, IsASlackMessageWithEscapedLogText) {
  auto json = to_slack_json(sample());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_FALSE(parser.parse(json).get(doc)) << json;
  std::string_view text = doc["text"];
  EXPECT_EQ(text.rfind("[FIRING] checkout-errors (service=checkout): 54 errors", 0), 0u) << text;
  EXPECT_EQ(text.find("<!channel>"), std::string_view::npos) << "log text must not ping a channel";
  EXPECT_NE(text.find("&lt;!channel&gt; &amp;"), std::string_view::npos) << text;
  simdjson::dom::array attachments = doc["attachments"];
  ASSERT_EQ(attachments.size(), 1u);
  simdjson::dom::element a = attachments.at(0);
  EXPECT_EQ(std::string_view(a["color"]), "#d00000");
  EXPECT_EQ(std::string_view(a["footer"]), "logtracer alert d14131cfd52a9060");
  EXPECT_EQ(int64_t(a["ts"]), testing::at(8) / 1'000'000'000);
  simdjson::dom::array fields = a["fields"];
  std::map<std::string, std::string> by_title;
  for (auto f : fields) by_title[std::string(std::string_view(f["title"]))] = std::string(std::string_view(f["value"]));
  EXPECT_EQ(by_title["Severity"], "critical");
  EXPECT_EQ(by_title["State"], "firing");
  EXPECT_EQ(by_title["Count"], "54");
  EXPECT_EQ(by_title["Query"], "level&gt;=ERROR");
  EXPECT_EQ(by_title["team"], "payments");

  auto resolved = sample();
  resolved.state = AlertState::Resolved;
  resolved.repeat = false;
  resolved.resolved_at = testing::at(61);
  ASSERT_FALSE(parser.parse(to_slack_json(resolved)).get(doc));
  EXPECT_EQ(std::string_view(doc["text"]).rfind("[RESOLVED] checkout-errors", 0), 0u);
  EXPECT_EQ(std::string_view(doc["attachments"].at(0)["color"]), "#2eb886");
}

TEST(MessageTemplate, RendersEveryPlaceholderAsPlainText) {
  auto parsed = MessageTemplate::parse(
      "{{name}}|{{count}}|{{group}}|{{query}}|{{window}}|{{severity}}|{{ first_message }}|{{last_message}}|{x}");
  ASSERT_TRUE(std::holds_alternative<MessageTemplate>(parsed)) << std::get<std::string>(parsed);
  auto text = std::get<MessageTemplate>(parsed).render({.name = "n",
                                                        .count = 7,
                                                        .group = "service=a",
                                                        .query = "q",
                                                        .window = "1m",
                                                        .severity = "info",
                                                        .first_message = "{{name}}",
                                                        .last_message = "\"l\""});
  EXPECT_EQ(text, "n|7|service=a|q|1m|info|{{name}}|\"l\"|{x}") << "values are not re-expanded nor escaped";
  EXPECT_TRUE(std::holds_alternative<std::string>(MessageTemplate::parse("{{bogus}}")));
  EXPECT_TRUE(std::holds_alternative<std::string>(MessageTemplate::parse("tail {{")));
  EXPECT_TRUE(std::holds_alternative<MessageTemplate>(MessageTemplate::parse("")));
}

}  // namespace
}  // namespace lt::alerts
