#include "sources/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sources/testing_sink.h"

namespace lt::sources {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::TestSink;

SourceOptions common(const std::string& name) {
  SourceOptions o;
  o.name = name;
  o.type = "generator";
  o.host = "gen-host";
  return o;
}

TEST(EventSimulator, SameSeedSameSequence) {
  GeneratorOptions o;
  o.seed = 7;
  EventSimulator a(o), b(o);
  o.seed = 8;
  EventSimulator c(o);
  int differs = 0;
  for (int i = 0; i < 200; ++i) {
    LogEvent x, y, z;
    a.next(x, i % 10 == 0);
    b.next(y, i % 10 == 0);
    c.next(z, i % 10 == 0);
    EXPECT_EQ(x, y);
    differs += x.message != z.message;
  }
  EXPECT_GT(differs, 150);
}

TEST(EventSimulator, RealisticMixOfServicesLevelsAndAttributes) {
  GeneratorOptions o;
  o.seed = 42;
  EventSimulator sim(o);
  std::map<Level, int> levels;
  std::set<std::string> services, envs;
  int http = 0, prefixed_ok = 0;
  const std::vector<std::string> prefixes{"8.8.8.", "81.2.69.", "2.", "1.0.0.", "200.160.", "133.", "193.0."};
  constexpr int kN = 20000;
  for (int i = 0; i < kN; ++i) {
    LogEvent e;
    sim.next(e, false);
    ++levels[e.level];
    services.insert(e.service);
    envs.insert(e.environment);
    EXPECT_EQ(e.trace_id.size(), 32u);
    EXPECT_FALSE(e.message.empty());
    if (const auto* st = e.attribute("http_status")) {
      ++http;
      EXPECT_EQ(st->type, AttrType::Number);
      EXPECT_EQ(e.attribute("latency_ms")->type, AttrType::Number);
      const int code = std::stoi(st->value);
      if (e.level == Level::Error || e.level == Level::Fatal) {
        EXPECT_GE(code, 500);
      }
      if (e.level == Level::Info) {
        EXPECT_LT(code, 300);
      }
      const std::string ip = e.attribute("client_ip")->value;
      for (const auto& p : prefixes) prefixed_ok += ip.rfind(p, 0) == 0;
      EXPECT_EQ(e.attribute("user_id")->value.rfind("u-", 0), 0u);
    }
  }
  EXPECT_EQ(services.size(), 5u);
  EXPECT_EQ(envs.size(), 2u);
  EXPECT_GT(levels[Level::Info], kN * 0.65);
  EXPECT_GT(levels[Level::Debug], kN * 0.05);
  EXPECT_GT(levels[Level::Warn], kN * 0.05);
  EXPECT_GT(levels[Level::Error], kN * 0.02);
  EXPECT_LT(levels[Level::Error], kN * 0.07);
  EXPECT_GT(levels[Level::Fatal], 0);
  EXPECT_LT(levels[Level::Fatal], kN * 0.03);
  EXPECT_GT(http, kN / 2);
  EXPECT_EQ(prefixed_ok, http);  // every client IP lies in one of the listed public ranges
}

TEST(EmissionSchedule, BaseRateIsPacedAndBounded) {
  GeneratorOptions o;
  o.rate = 1000;
  EmissionSchedule s(o);
  int due = 0;
  // One simulated second in 1 ms steps: ~1000 events, never more than one per 1 ms step due at once here.
  for (int ms = 0; ms < 1000; ++ms)
    while (s.next(std::chrono::milliseconds(ms)).due) ++due;
  EXPECT_NEAR(due, 1000, 2);
  // A 10 s stall (sink refused) yields at most one second of catch-up, not ten.
  int burst = 0;
  while (s.next(std::chrono::milliseconds(11000)).due) ++burst;
  EXPECT_LE(burst, 1001);
  EXPECT_GE(burst, 999);
  const auto wait = s.next(std::chrono::milliseconds(11000));
  EXPECT_FALSE(wait.due);
  EXPECT_GT(wait.wait.count(), 0);
}

TEST(EmissionSchedule, StormsComeInWindowsAtTheirRate) {
  GeneratorOptions o;
  o.rate = 100;
  o.burst_every_ms = 1000;
  o.burst_duration_ms = 200;
  o.burst_rate = 500;
  EmissionSchedule s(o);
  int storm_in = 0, storm_out = 0, base = 0;
  for (int ms = 0; ms < 3000; ++ms) {
    for (;;) {
      auto n = s.next(std::chrono::milliseconds(ms));
      if (!n.due) break;
      if (!n.storm) {
        ++base;
      } else if (ms % 1000 >= 800) {  // windows close each period: the run starts calm
        ++storm_in;
      } else {
        ++storm_out;
      }
    }
  }
  EXPECT_EQ(storm_out, 0);
  EXPECT_NEAR(storm_in, 3 * 0.2 * 500, 6);  // three windows of 200 ms at 500/s
  EXPECT_NEAR(base, 300, 3);
}

TEST(GeneratorSource, LimitAndStormEventsReachTheSink) {
  GeneratorOptions o;
  o.rate = 0;  // as fast as possible
  o.limit = 5000;
  o.burst_every_ms = 1;  // storm all the time: every window is the whole period
  o.burst_duration_ms = 1;
  o.burst_rate = 1000000;
  o.burst_service = "payments";
  GeneratorSource src(common(testing::unique_name("gen_limit")), o);
  TestSink sink;
  ASSERT_FALSE(src.start(sink));
  ASSERT_TRUE(sink.wait_count(5000));
  EXPECT_TRUE(eventually([&] { return src.finished(); }));
  EXPECT_TRUE(src.fully_acknowledged());
  src.stop();
  EXPECT_EQ(sink.count(), 5000u);
  int storms = 0;
  std::set<std::string> ids;
  for (const auto& e : sink.events()) {
    ids.insert(e.id);
    EXPECT_EQ(e.source, "generator");
    EXPECT_EQ(e.host, "gen-host");
    EXPECT_GT(e.timestamp, 0);
    if (e.attribute("storm")) {
      ++storms;
      EXPECT_EQ(e.service, "payments");
      EXPECT_GE(e.level, Level::Error);
    }
  }
  EXPECT_EQ(ids.size(), 5000u);
  EXPECT_GT(storms, 100);
  EXPECT_EQ(src.metrics().events.value(), 5000u);
}

TEST(GeneratorSource, FailedEventsAreGivenUpAndCountedAsLost) {
  GeneratorOptions o;
  o.rate = 0;
  o.limit = 100;
  GeneratorSource src(common(testing::unique_name("gen_lost")), o);
  TestSink sink(TestSink::Mode::Hold);
  ASSERT_FALSE(src.start(sink));
  ASSERT_TRUE(sink.wait_count(100));
  sink.fail_first_held();  // the other 99 are acknowledged, after the failed one
  EXPECT_TRUE(eventually([&] { return src.finished(); }));
  src.stop(std::chrono::milliseconds(0));
  EXPECT_FALSE(src.fully_acknowledged());
  // All 100 were in flight past the committed position: an upper bound, counted once.
  EXPECT_EQ(src.metrics().lost.value(), 100u);
}

TEST(GeneratorSource, BatchingSinkGetsEveryEventOnceAndFinishesOnItsAcks) {
  GeneratorOptions o;
  o.rate = 0;
  o.limit = 3000;
  GeneratorSource src(common(testing::unique_name("gen_batch")), o);
  TestSink sink(TestSink::Mode::Hold, /*batches=*/true);
  ASSERT_FALSE(src.start(sink));
  ASSERT_TRUE(sink.wait_count(3000));
  EXPECT_GE(sink.batches_taken(), 6u);  // at most 512 events per batch
  EXPECT_FALSE(src.finished());         // none acknowledged yet
  sink.ack_held();
  EXPECT_TRUE(eventually([&] { return src.finished() && src.fully_acknowledged(); }));
  src.stop();
  EXPECT_EQ(sink.count(), 3000u);  // the limit holds across batches
  std::set<std::string> ids;
  for (const auto& e : sink.events()) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 3000u);
  EXPECT_EQ(src.metrics().events.value(), 3000u);
}

TEST(GeneratorSource, BatchingSinkDoesNotHoldPacedEventsBackForAFullBatch) {
  GeneratorOptions o;
  o.rate = 200;
  GeneratorSource src(common(testing::unique_name("gen_batch_rate")), o);
  TestSink sink(TestSink::Mode::AckNow, /*batches=*/true);
  ASSERT_FALSE(src.start(sink));
  ASSERT_TRUE(sink.wait_count(100));
  src.stop();
  // Each batch is sent before the generator waits for the next due event.
  EXPECT_GT(sink.batches_taken(), 1u);
  EXPECT_LT(sink.count(), 512u);
}

TEST(GeneratorSource, RateIsRespectedInRealTime) {
  GeneratorOptions o;
  o.rate = 200;
  GeneratorSource src(common(testing::unique_name("gen_rate")), o);
  TestSink sink;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_FALSE(src.start(sink));
  ASSERT_TRUE(sink.wait_count(100));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  src.stop();
  // 100 events at 200/s take ~0.5 s; a shared CI machine may be slower, never much faster.
  EXPECT_GT(secs, 0.4);
  EXPECT_LT(secs, 3.0);
}

TEST(GeneratorSource, PausesWhileTheSinkRefusesAndStopWaitsForAcks) {
  GeneratorOptions o;
  o.rate = 0;
  o.limit = 100;
  GeneratorSource src(common(testing::unique_name("gen_pause")), o);
  TestSink sink(TestSink::Mode::Refuse);
  ASSERT_FALSE(src.start(sink));
  EXPECT_TRUE(eventually([&] { return src.metrics().paused.value() == 1.0; }));
  EXPECT_EQ(sink.count(), 0u);
  sink.set_mode(TestSink::Mode::Hold);
  ASSERT_TRUE(sink.wait_count(100));
  EXPECT_FALSE(src.finished());  // all emitted, none acknowledged yet
  EXPECT_FALSE(src.fully_acknowledged());
  sink.ack_held();
  EXPECT_TRUE(eventually([&] { return src.finished() && src.fully_acknowledged(); }));
  src.stop();
}

}  // namespace
}  // namespace lt::sources
