// Redaction is applied before anything leaves the consumer: processed events
// (the Kafka output of `consume` and the window of the embedded `run`, both fed
// by RecordProcessor) and dead letters, built from a config as a user writes it.
#include "services/record_processor.h"

#include <gtest/gtest.h>

#include <map>

#include "config/load.h"
#include "services/pipeline_builder.h"

namespace lt::services {
namespace {

constexpr std::string_view kSecrets[] = {"alice@example.com", "4111111111111111", "4111 1111 1111 1111",
                                         "eyJhbGciOiJIUzI1NiJ9", "hunter2", "SSN-123-45-6789"};

std::shared_ptr<PipelineSlot> pipeline_from(std::string_view yaml) {
  auto loaded = config::load_string(yaml, "test.yaml");
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.to_string();
  if (!loaded.ok()) return nullptr;
  auto built = build_pipeline(loaded.config->consumer);
  if (auto* e = std::get_if<Error>(&built)) {
    ADD_FAILURE() << e->message;
    return nullptr;
  }
  return std::make_shared<PipelineSlot>(std::get<0>(std::move(built)));
}

void expect_clean(const std::string& text) {
  for (auto secret : kSecrets) EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
}

constexpr std::string_view kConfig = R"(
consumer:
  redact:
    enabled: true
    patterns:
      - name: ssn
        regex: 'SSN-\d{3}-\d{2}-\d{4}'
)";

TEST(RecordProcessorRedaction, MessageAttributesAndNestedFieldsLeaveRedactedByDefault) {
  auto slot = pipeline_from(kConfig);
  ASSERT_TRUE(slot);
  RecordProcessor rp(slot, RetryPolicy{});
  const std::string record =
      R"({"timestamp":"2026-11-28T01:00:00Z","service":"pay","level":"info",)"
      R"("message":"charge 4111 1111 1111 1111 for alice@example.com via https://svc:hunter2@pay.internal/x",)"
      R"("user":"alice@example.com","card":4111111111111111,"note":"SSN-123-45-6789",)"
      R"("http":{"headers":{"authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"}}})";
  std::vector<Output> out;
  rp.process_record("pay", record, Origin{"logs.raw", 0, 7}, out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].kind, Output::Kind::Processed);
  expect_clean(out[0].payload);
  EXPECT_NE(out[0].payload.find("[REDACTED]"), std::string::npos);
  // The event handed on in-process (embedded `run`) is the redacted one too.
  expect_clean(out[0].event.message);
  for (const auto& a : out[0].event.attributes) expect_clean(a.value);
}

TEST(RecordProcessorRedaction, DeadLettersAreScrubbedToo) {
  auto slot = pipeline_from(kConfig);
  ASSERT_TRUE(slot);
  RecordProcessor rp(slot, RetryPolicy{});
  // Not JSON: dead-lettered at decode, before any step ran.
  const std::string record = "garbage {{ login alice@example.com password=x Authorization: Bearer eyJhbGciOiJIUzI1NiJ9";
  std::vector<Output> out;
  rp.process_record("k", record, Origin{"logs.raw", 0, 8}, out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].kind, Output::Kind::DeadLetter);
  expect_clean(out[0].payload);
  for (const auto& [k, v] : out[0].headers) expect_clean(v);
}

TEST(RecordProcessorRedaction, FieldsCanBeNarrowedToTheMessage) {
  auto slot = pipeline_from(R"(
consumer:
  redact:
    enabled: true
    fields: [message]
)");
  ASSERT_TRUE(slot);
  RecordProcessor rp(slot, RetryPolicy{});
  std::vector<Output> out;
  rp.process_record("k", R"({"message":"to alice@example.com","user":"alice@example.com"})", Origin{"t", 0, 1}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event.message, "to [REDACTED]");
  EXPECT_EQ(out[0].event.attribute("user")->value, "alice@example.com");
}

TEST(RecordProcessorDeadLetter, AStageFailureCarriesTheOriginalBytesRedactedNotTheReencodedEvent) {
  // Nothing listens on port 1: the lookup fails (transiently) at once, and with
  // one attempt the record is dead-lettered by the http_lookup step.
  auto slot = pipeline_from(R"(
consumer:
  enrich:
    http_lookup:
      url: http://127.0.0.1:1/users/{key}
      key_field: user_id
      timeout: 100ms
  redact:
    enabled: true
)");
  ASSERT_TRUE(slot);
  RecordProcessor rp(slot, RetryPolicy{.max_attempts = 1});
  // Aliases and spacing that the event encoder would rewrite.
  const std::string record =
      R"({ "service_name": "pay", "severity_level": "warn", "message": "refund for alice@example.com", "user_id": "u7" })";
  std::vector<Output> out;
  rp.process_record("k", record, Origin{"logs.raw", 2, 9}, out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].kind, Output::Kind::DeadLetter);
  std::map<std::string, std::string> headers(out[0].headers.begin(), out[0].headers.end());
  EXPECT_EQ(headers[std::string(kDlqStage)], "http_lookup");
  EXPECT_EQ(out[0].payload,
            R"({ "service_name": "pay", "severity_level": "warn", "message": "refund for [REDACTED]", "user_id": "u7" })");
}

}  // namespace
}  // namespace lt::services
