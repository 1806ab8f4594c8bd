#include "process/filter.h"

#include <gtest/gtest.h>

namespace lt {
namespace {

LogEvent event(Level level, const char* service, const char* message, const char* env = "production") {
  LogEvent e;
  e.level = level;
  e.service = service;
  e.environment = env;
  e.message = message;
  return e;
}

class FilterTest : public ::testing::Test {
 protected:
  std::unique_ptr<Filter> make(FilterOptions o) {
    auto r = Filter::create(std::move(o), metrics);
    if (auto* e = std::get_if<Error>(&r)) {
      ADD_FAILURE() << e->message;
      return nullptr;
    }
    return std::move(std::get<0>(r));
  }
  std::uint64_t dropped(std::string_view rule) {
    return metrics.counter("logtracer_filter_dropped_total", "", {{"rule", std::string(rule)}}).value();
  }
  MetricsRegistry metrics;
};

using Action = FilterRule::Action;

TEST_F(FilterTest, NoRulesKeepsEverything) {
  auto f = make({});
  auto e = event(Level::Trace, "a", "x");
  EXPECT_TRUE(f->process(e).kept());
}

TEST_F(FilterTest, MinLevelDropsBelow) {
  FilterOptions o;
  o.min_level = Level::Info;
  auto f = make(o);
  auto debug = event(Level::Debug, "api", "noise");
  auto info = event(Level::Info, "api", "ok");
  auto error = event(Level::Error, "api", "bad");
  auto out = f->process(debug);
  EXPECT_TRUE(out.dropped());
  EXPECT_EQ(out.rule, "min_level");
  EXPECT_TRUE(f->process(info).kept());
  EXPECT_TRUE(f->process(error).kept());
  EXPECT_EQ(dropped("min_level"), 1u);
}

TEST_F(FilterTest, DropRulesDropMatchesAndNameTheFirstMatchingRule) {
  FilterOptions o;
  o.rules = {{"healthchecks", Action::Drop, "message:\"GET /healthz\""},
             {"staging", Action::Drop, "env:staging"}};
  auto f = make(o);
  auto health = event(Level::Info, "api", "GET /healthz 200", "staging");
  auto staging = event(Level::Error, "api", "boom", "staging");
  auto prod = event(Level::Error, "api", "boom");
  auto r = f->process(health);
  EXPECT_TRUE(r.dropped());
  EXPECT_EQ(r.rule, "healthchecks");
  EXPECT_EQ(f->process(staging).rule, "staging");
  EXPECT_TRUE(f->process(prod).kept());
  EXPECT_EQ(dropped("healthchecks"), 1u);
  EXPECT_EQ(dropped("staging"), 1u);
}

TEST_F(FilterTest, KeepRulesDropWhatMatchesNone) {
  FilterOptions o;
  o.rules = {{"payments", Action::Keep, "service:payments"}, {"errors", Action::Keep, "level:ERROR"}};
  auto f = make(o);
  auto pay = event(Level::Info, "payments", "charged");
  auto err = event(Level::Error, "api", "boom");
  auto other = event(Level::Info, "api", "fine");
  EXPECT_TRUE(f->process(pay).kept());
  EXPECT_TRUE(f->process(err).kept());
  auto r = f->process(other);
  EXPECT_TRUE(r.dropped());
  EXPECT_EQ(r.rule, "no_keep_match");
  EXPECT_EQ(dropped("no_keep_match"), 1u);
}

TEST_F(FilterTest, DropRulesAndMinLevelWinOverKeepRules) {
  FilterOptions o;
  o.min_level = Level::Info;
  o.rules = {{"keep_payments", Action::Keep, "service:payments"},
             {"no_card_noise", Action::Drop, "service:payments AND retrying"}};
  auto f = make(o);
  auto noisy = event(Level::Warn, "payments", "retrying payment");
  auto debug = event(Level::Debug, "payments", "charged");
  auto good = event(Level::Info, "payments", "charged");
  EXPECT_EQ(f->process(noisy).rule, "no_card_noise");
  EXPECT_EQ(f->process(debug).rule, "min_level");
  EXPECT_TRUE(f->process(good).kept());
}

TEST_F(FilterTest, AttributesAndComparisons) {
  FilterOptions o;
  o.rules = {{"fast_ok", Action::Drop, "status:200 AND latency_ms<50"}};
  auto f = make(o);
  auto fast = event(Level::Info, "api", "GET /");
  fast.set_attribute("status", "200", AttrType::Number);
  fast.set_attribute("latency_ms", "12", AttrType::Number);
  auto slow = fast;
  slow.set_attribute("latency_ms", "900", AttrType::Number);
  EXPECT_TRUE(f->process(fast).dropped());
  EXPECT_TRUE(f->process(slow).kept());
}

TEST_F(FilterTest, BadQueriesAndNamesAreErrorsNamingTheRule) {
  FilterOptions o;
  o.rules = {{"broken", Action::Drop, "level:WRN"}};
  auto r = Filter::create(o, metrics);
  ASSERT_TRUE(std::holds_alternative<Error>(r));
  EXPECT_NE(std::get<Error>(r).message.find("broken"), std::string::npos);
  EXPECT_NE(std::get<Error>(r).message.find("WRN"), std::string::npos) << std::get<Error>(r).message;

  o.rules = {{"a", Action::Drop, "x"}, {"a", Action::Keep, "y"}};
  EXPECT_TRUE(std::holds_alternative<Error>(Filter::create(o, metrics)));
  o.rules = {{"", Action::Drop, "x"}};
  EXPECT_TRUE(std::holds_alternative<Error>(Filter::create(o, metrics)));
  o.rules = {{"min_level", Action::Drop, "x"}};
  EXPECT_TRUE(std::holds_alternative<Error>(Filter::create(o, metrics)));
}

}  // namespace
}  // namespace lt
