// Issue #5: a record's offset is stored only after *every* output of it was
// acknowledged, the alert topic included. The consumer's fan-in (join_outputs) is
// driven here with a fake sink that acknowledges outputs out of order, and a fake
// alerts topic whose verdict the test gives, against the real AlertRunner.
#include <gtest/gtest.h>

#include <mutex>

#include "config/load.h"
#include "kafka/testing.h"
#include "services/alerting.h"
#include "services/pipeline_builder.h"
#include "services/record_processor.h"

namespace lt::services {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kConfig = R"(
consumer:
  alerts:
    - name: out-of-memory
      type: pattern
      query: 'OutOfMemoryError'
      cooldown: 10m
  notifiers:
    log: false
    kafka: true
)";

// The alerts topic: keeps each notification with the completion its delivery
// report would call; the test plays the broker.
struct FakeAlertsTopic {
  std::mutex mu;
  std::vector<std::pair<std::string, std::function<void(bool)>>> pending;

  alerts::KafkaPublish publish() {
    return [this](std::string_view, std::string json) {
      std::lock_guard lock(mu);
      pending.emplace_back(std::move(json), alert_delivery());
    };
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return pending.size();
  }
};

struct Harness {
  FakeAlertsTopic topic;
  std::unique_ptr<AlertRunner> runner;
  std::unique_ptr<RecordProcessor> processor;
  std::shared_ptr<AckTracker> tracker = std::make_shared<AckTracker>(100, 0);
  // Outputs "produced" to processed/DLQ: the group (or the record's own ref) they report to.
  std::vector<std::function<void(bool)>> sink;

  Harness() {
    auto loaded = config::load_string(kConfig, "test.yaml");
    for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.to_string();
    if (!loaded.ok()) return;
    auto built = build_pipeline(loaded.config->consumer);
    if (auto* e = std::get_if<Error>(&built)) {
      ADD_FAILURE() << e->message;
      return;
    }
    auto created = AlertRunner::create(loaded.config->consumer, topic.publish());
    if (auto* e = std::get_if<Error>(&created)) {
      ADD_FAILURE() << e->message;
      return;
    }
    runner = std::get<0>(std::move(created));
    processor = std::make_unique<RecordProcessor>(std::make_shared<PipelineSlot>(std::get<0>(std::move(built))),
                                                  RetryPolicy{}, runner.get());
  }

  // What the consumer's worker does with one record at `offset`.
  void consume(std::int64_t offset, std::string_view json) {
    auto seq = tracker->try_track(offset + 1);
    ASSERT_TRUE(seq);
    const AckRef record{tracker, *seq};
    std::vector<Output> outputs;
    processor->process_record("", json, Origin{"raw", 0, offset}, outputs);
    auto group = join_outputs(record, outputs);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      if (group) {
        sink.emplace_back([group](bool ok) { ok ? group->ack() : group->fail(); });
      } else {
        sink.emplace_back([record](bool ok) { ok ? record.ack() : record.fail(); });
      }
    }
  }
};

std::string event(std::string_view message) {
  return R"({"service":"api","level":"ERROR","message":")" + std::string(message) + R"("})";
}

TEST(AlertAck, OffsetWaitsForTheAlertItCausedThenMovesWhenTheBrokerAcknowledgesIt) {
  Harness h;
  ASSERT_TRUE(h.runner);
  h.consume(0, event("java.lang.OutOfMemoryError: Java heap space"));
  h.consume(1, event("an ordinary line"));
  ASSERT_EQ(h.sink.size(), 2U);
  // The processed outputs are acknowledged, the later one first.
  h.sink[1](true);
  h.sink[0](true);
  ASSERT_TRUE(kafka::testing::wait_until([&] { return h.topic.size() == 1; }, 10s)) << "the rule fires once";
  EXPECT_EQ(h.tracker->committed(), 0) << "record 0 caused an alert not yet acknowledged: nothing is committable";
  EXPECT_NE(h.topic.pending[0].first.find("out-of-memory"), std::string::npos);
  ASSERT_TRUE(h.topic.pending[0].second) << "the notification carries a delivery completion";
  h.topic.pending[0].second(true);
  EXPECT_TRUE(kafka::testing::wait_until([&] { return h.tracker->committed() == 2; }, 5s))
      << "committed " << h.tracker->committed();
  EXPECT_FALSE(h.tracker->failed());
  h.runner->stop();
}

TEST(AlertAck, AFailedAlertWriteFailsTheRecordThatCausedIt) {
  Harness h;
  ASSERT_TRUE(h.runner);
  h.consume(0, event("ordinary"));
  h.sink[0](true);
  EXPECT_EQ(h.tracker->committed(), 1) << "no rule matched: committable at once";
  h.consume(1, event("OutOfMemoryError in worker"));
  h.sink[1](true);
  ASSERT_TRUE(kafka::testing::wait_until([&] { return h.topic.size() == 1; }, 10s));
  h.topic.pending[0].second(false);
  EXPECT_TRUE(kafka::testing::wait_until([&] { return h.tracker->failed(); }, 5s));
  EXPECT_EQ(h.tracker->committed(), 1) << "the failed alert holds the offset at the record that caused it";
  h.runner->stop();
}

TEST(AlertAck, AMatchWithoutANotificationCommitsAtTheNextEvaluation) {
  Harness h;
  ASSERT_TRUE(h.runner);
  h.consume(0, event("OutOfMemoryError one"));
  h.sink[0](true);
  ASSERT_TRUE(kafka::testing::wait_until([&] { return h.topic.size() == 1; }, 10s));
  h.topic.pending[0].second(true);
  ASSERT_TRUE(kafka::testing::wait_until([&] { return h.tracker->committed() == 1; }, 5s));
  // Firing already: a second match notifies nothing, and is not held for long.
  h.consume(1, event("OutOfMemoryError two"));
  h.sink[1](true);
  EXPECT_TRUE(kafka::testing::wait_until([&] { return h.tracker->committed() == 2; }, 5s));
  EXPECT_EQ(h.topic.size(), 1U);
  h.runner->stop();
}

}  // namespace
}  // namespace lt::services
