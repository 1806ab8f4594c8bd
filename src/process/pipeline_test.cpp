#include "process/pipeline.h"

#include <gtest/gtest.h>

#include <thread>

namespace lt {
namespace {

// A step that tags the event and then does what it was told.
class Scripted final : public Processor {
 public:
  Scripted(std::string name, Outcome::Kind kind, ErrorClass klass = ErrorClass::Transient)
      : name_(std::move(name)), kind_(kind), klass_(klass) {}
  std::string_view name() const override { return name_; }
  Outcome process(LogEvent& e) const override {
    ++calls;
    e.set_attribute("seen." + name_, "1");
    switch (kind_) {
      case Outcome::Kind::Keep: return Outcome::keep();
      case Outcome::Kind::Drop: return Outcome::drop(rule_);
      case Outcome::Kind::Fail: return Outcome::fail(Error{klass_, "test.fail", "failed in " + name_});
    }
    return Outcome::keep();
  }
  mutable std::atomic<int> calls{0};

 private:
  std::string name_;
  Outcome::Kind kind_;
  ErrorClass klass_;
  std::string rule_ = "the_rule";
};

std::vector<std::unique_ptr<Processor>> steps(std::initializer_list<std::pair<const char*, Outcome::Kind>> list) {
  std::vector<std::unique_ptr<Processor>> v;
  for (auto& [n, k] : list) v.push_back(std::make_unique<Scripted>(n, k));
  return v;
}

std::uint64_t count(MetricsRegistry& m, const char* stage, const char* outcome) {
  return m.counter("logtracer_process_events_total", "", {{"stage", stage}, {"outcome", outcome}}).value();
}

TEST(Pipeline, RunsStepsInOrderAndKeeps) {
  MetricsRegistry m;
  Pipeline p(steps({{"a", Outcome::Kind::Keep}, {"b", Outcome::Kind::Keep}}), m);
  LogEvent e;
  auto r = p.run(e);
  EXPECT_TRUE(r.outcome.kept());
  EXPECT_EQ(r.stage, 2u);
  ASSERT_EQ(e.attributes.size(), 2u);
  EXPECT_EQ(e.attributes[0].key, "seen.a");
  EXPECT_EQ(e.attributes[1].key, "seen.b");
  EXPECT_EQ(count(m, "a", "keep"), 1u);
  EXPECT_EQ(count(m, "b", "keep"), 1u);
}

TEST(Pipeline, DropStopsTheChainAndNamesTheRule) {
  MetricsRegistry m;
  Pipeline p(steps({{"filter", Outcome::Kind::Drop}, {"after", Outcome::Kind::Keep}}), m);
  LogEvent e;
  auto r = p.run(e);
  EXPECT_TRUE(r.outcome.dropped());
  EXPECT_EQ(r.outcome.rule, "the_rule");
  EXPECT_EQ(r.stage, 0u);
  EXPECT_EQ(r.stage_name, "filter");
  EXPECT_EQ(e.attribute("seen.after"), nullptr);
  EXPECT_EQ(count(m, "filter", "drop"), 1u);
  EXPECT_EQ(count(m, "after", "keep"), 0u);
}

TEST(Pipeline, FailureCarriesTheErrorAndARetryResumesAtTheFailedStage) {
  MetricsRegistry m;
  auto v = steps({{"first", Outcome::Kind::Keep}});
  v.push_back(std::make_unique<Scripted>("lookup", Outcome::Kind::Fail));
  auto* first = static_cast<Scripted*>(v[0].get());
  Pipeline p(std::move(v), m);
  LogEvent e;
  auto r = p.run(e);
  ASSERT_TRUE(r.outcome.failed());
  EXPECT_TRUE(r.outcome.error.retriable());
  EXPECT_EQ(r.stage, 1u);
  EXPECT_EQ(r.stage_name, "lookup");
  EXPECT_EQ(count(m, "lookup", "fail"), 1u);
  p.run(e, r.stage);
  EXPECT_EQ(first->calls.load(), 1) << "steps before the failed one are not run again";
}

TEST(PipelineSlot, SwapKeepsTheOldPipelineAliveForEventsInFlight) {
  MetricsRegistry m;
  PipelineSlot slot(std::make_shared<Pipeline>(steps({{"v1", Outcome::Kind::Keep}}), m));
  auto in_flight = slot.load();
  slot.store(std::make_shared<Pipeline>(steps({{"v2", Outcome::Kind::Keep}}), m));
  LogEvent e;
  in_flight->run(e);  // the old one still works after the swap
  EXPECT_NE(e.attribute("seen.v1"), nullptr);
  LogEvent f;
  slot.load()->run(f);
  EXPECT_NE(f.attribute("seen.v2"), nullptr);
}

TEST(PipelineSlot, ConcurrentRunsAndSwapsAreSafe) {
  MetricsRegistry m;
  PipelineSlot slot(std::make_shared<Pipeline>(steps({{"x", Outcome::Kind::Keep}}), m));
  std::atomic<bool> stop{false};
  std::atomic<long> runs{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t)
    workers.emplace_back([&] {
      while (!stop) {
        LogEvent e;
        auto p = slot.load();
        if (p->run(e).outcome.kept()) ++runs;
      }
    });
  for (int i = 0; i < 200; ++i) slot.store(std::make_shared<Pipeline>(steps({{"x", Outcome::Kind::Keep}}), m));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (runs < 1000 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_GE(runs.load(), 1000);
  EXPECT_EQ(count(m, "x", "keep"), static_cast<std::uint64_t>(runs.load()));
}

}  // namespace
}  // namespace lt
