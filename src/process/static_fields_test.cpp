#include "process/static_fields.h"

#include <gtest/gtest.h>

namespace lt {
namespace {

StaticFieldsOptions region_and_cluster() {
  StaticFieldsOptions o;
  o.fields = {{"region", "eu-west-1"}, {"cluster", "prod-a"}};
  return o;
}

TEST(StaticFields, AddsConfiguredFieldsAndProcessingHost) {
  StaticFields step(region_and_cluster(), "worker-7");
  LogEvent e;
  e.message = "hello";
  EXPECT_TRUE(step.process(e).kept());
  ASSERT_NE(e.attribute("region"), nullptr);
  EXPECT_EQ(e.attribute("region")->value, "eu-west-1");
  EXPECT_EQ(e.attribute("cluster")->value, "prod-a");
  EXPECT_EQ(e.attribute("processing_host")->value, "worker-7");
  EXPECT_EQ(e.message, "hello");
}

TEST(StaticFields, UsesTheRealHostnameByDefault) {
  StaticFields step(region_and_cluster());
  LogEvent e;
  step.process(e);
  ASSERT_NE(e.attribute("processing_host"), nullptr);
  EXPECT_EQ(e.attribute("processing_host")->value, local_hostname());
  EXPECT_FALSE(local_hostname().empty());
}

TEST(StaticFields, KeepsTheEventsOwnValueUnlessOverwriteIsSet) {
  LogEvent e;
  e.set_attribute("region", "us-east-1");
  StaticFields keep(region_and_cluster(), "h");
  keep.process(e);
  EXPECT_EQ(e.attribute("region")->value, "us-east-1");

  auto o = region_and_cluster();
  o.overwrite = true;
  StaticFields overwrite(o, "h");
  overwrite.process(e);
  EXPECT_EQ(e.attribute("region")->value, "eu-west-1");
}

TEST(StaticFields, ProcessingHostCanBeDisabledAndRunningTwiceAddsNothingNew) {
  auto o = region_and_cluster();
  o.processing_host_attribute.clear();
  StaticFields step(o);
  LogEvent e;
  step.process(e);
  step.process(e);
  EXPECT_EQ(e.attribute("processing_host"), nullptr);
  EXPECT_EQ(e.attributes.size(), 2u);
}

}  // namespace
}  // namespace lt
