#include "process/pipeline_builder.h"

#include <gtest/gtest.h>

namespace lt {
namespace {

TEST(BuildPipeline, StandardOrderAndOptionalSteps) {
  MetricsRegistry m;
  ProcessOptions o;
  o.filter.min_level = Level::Info;
  o.static_fields = StaticFieldsOptions{{{"region", "eu"}}, "processing_host", false};
  auto r = build_pipeline(o, m);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Pipeline>>(r));
  const auto& p = *std::get<0>(r);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p.step(0).name(), "filter");
  EXPECT_EQ(p.step(1).name(), "static");
  EXPECT_EQ(p.step(2).name(), "redact");

  LogEvent e;
  e.level = Level::Warn;
  e.message = "mail bob@example.com";
  EXPECT_TRUE(p.run(e).outcome.kept());
  EXPECT_EQ(e.message, "mail [REDACTED]");
  EXPECT_EQ(e.attribute("region")->value, "eu");
  LogEvent debug;
  debug.level = Level::Debug;
  EXPECT_EQ(p.run(debug).outcome.rule, "min_level");
}

TEST(BuildPipeline, AnyInvalidStepFailsTheWholeBuild) {
  MetricsRegistry m;
  ProcessOptions o;
  o.filter.rules = {{"ok", FilterRule::Action::Drop, "service:x"}};
  o.redact = RedactOptions{};
  o.redact->patterns = {{"bad", "(", "x"}};
  auto r = build_pipeline(o, m);
  ASSERT_TRUE(std::holds_alternative<Error>(r));
  EXPECT_NE(std::get<Error>(r).message.find("bad"), std::string::npos);

  ProcessOptions g;
  g.geoip = GeoipOptions{};
  g.geoip->databases = {"/nonexistent.mmdb"};
  EXPECT_TRUE(std::holds_alternative<Error>(build_pipeline(g, m)));
}

}  // namespace
}  // namespace lt
