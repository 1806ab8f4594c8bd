#include "core/log_event.h"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(LogEvent, ResetClearsEverythingAndSetsTheContext) {
  LogEvent e;
  e.id = "01JDQ0000000000000000000000";
  e.timestamp = 42;
  e.level = Level::Error;
  e.service = "checkout";
  e.environment = "a much longer environment name than the next one";
  e.host = "h1";
  e.source = "file:/var/log/a.log";
  e.message = "boom";
  e.trace_id = "t";
  e.span_id = "s";
  e.set_attribute("logger", "com.example.Checkout");
  e.reset("checkout", "prod", "h2", "file:/var/log/a.log");
  LogEvent want;
  want.service = "checkout";
  want.environment = "prod";
  want.host = "h2";
  want.source = "file:/var/log/a.log";
  EXPECT_EQ(e, want);
  e.reset("", "", "", "");
  EXPECT_EQ(e, LogEvent{});
}

TEST(LogEvent, AttributesOfAResetEventLeaveNothingBehind) {
  // Reset events hand their attributes' storage on to the next ones: the next
  // event must hold exactly its own keys, values and types, in order.
  LogEvent e;
  e.set_attribute("logger", "com.example.checkout.PaymentHandler");
  e.set_attribute("thread", "http-nio-8080-exec-17");
  e.set_attribute("code", "51", AttrType::Number);
  e.reset("s", "", "", "");
  EXPECT_TRUE(e.attributes.empty());
  LogEvent other;
  other.set_attribute("k", "v");
  e.set_attribute("a", "", AttrType::Null);
  e.set_attribute("logger", "x");
  e.set_attribute("a", "true", AttrType::Bool);
  const std::vector<Attribute> want = {{"a", "true", AttrType::Bool}, {"logger", "x", AttrType::String}};
  EXPECT_EQ(e.attributes, want);
  EXPECT_EQ(other.attributes, (std::vector<Attribute>{{"k", "v", AttrType::String}}));
  // Many more than are kept for reuse: all of them still come out right.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 200; ++i) e.set_attribute("key" + std::to_string(i), std::string(20 + i % 7, 'v'));
    ASSERT_EQ(e.attributes.size(), round == 0 ? 202u : 200u);
    EXPECT_EQ(e.attribute("key199")->value, std::string(20 + 199 % 7, 'v'));
    e.reset("s", "", "", "");
    EXPECT_TRUE(e.attributes.empty());
  }
}

}  // namespace
}  // namespace lt
