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

}  // namespace
}  // namespace lt
