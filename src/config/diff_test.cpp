#include "config/diff.h"

#include <gtest/gtest.h>

#include "config/load.h"

namespace lt::config {
namespace {

Config load_ok(const std::string& text) {
  LoadOptions options;
  options.use_registered_validators = false;
  auto result = load_string(text, "t.yaml", options);
  EXPECT_TRUE(result.ok()) << result.report();
  return result.config.value_or(Config{});
}

TEST(Diff, NamesChangedKeysOnly) {
  Config a = load_ok("producer:\n  sources:\n    - {name: f, type: file, paths: [/a]}\n    - {name: g, type: generator}\n");
  Config b = load_ok(
      "kafka:\n  brokers: other:9092\n  security: {password: s3cret}\n"
      "producer:\n  sources:\n    - {name: f, type: file, paths: [/a, /b]}\n    - {name: g, type: generator}\n");
  EXPECT_EQ(changed_keys(a, a), std::vector<std::string>{});
  EXPECT_EQ(changed_keys(a, b), (std::vector<std::string>{"kafka.brokers", "kafka.security.password",
                                                          "producer.sources[0].paths"}));
}

TEST(Diff, ListLengthChange) {
  Config a = load_ok("consumer:\n  filters:\n    - {name: x, query: a}\n");
  Config b = load_ok("consumer:\n  filters:\n    - {name: x, query: b}\n    - {name: y, query: c}\n");
  EXPECT_EQ(changed_keys(a, b), (std::vector<std::string>{"consumer.filters", "consumer.filters[0].query"}));
}

}  // namespace
}  // namespace lt::config
