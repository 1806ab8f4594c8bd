#include "config/reference.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/load.h"
#include "config/schema.h"

namespace lt::config {
namespace {

std::string read(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Reference, DocsMatchTheSchema) {
  auto path = std::filesystem::path(LT_SOURCE_DIR) / "docs" / "configuration.md";
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing: run `make docs`";
  EXPECT_TRUE(read(path) == reference_markdown())
      << "docs/configuration.md differs from the schema in src/config/schema.cpp: run `make docs` "
         "(build/release/logtracer config-reference > docs/configuration.md)";
}

TEST(Reference, EveryKeyIsDocumented) {
  std::string doc = reference_markdown();
  for (const auto& row : schema()) EXPECT_NE(doc.find("`" + row.path + "`"), std::string::npos) << row.path;
}

// Each example config in config/ loads without a single diagnostic.
TEST(Examples, LoadCleanly) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(LT_SOURCE_DIR) / "config")) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    LoadOptions options;
    options.use_registered_validators = false;
    options.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    auto result = load_file(entry.path().string(), options);
    EXPECT_TRUE(result.ok());
    EXPECT_TRUE(result.diagnostics.empty()) << result.report();
    ++count;
  }
  EXPECT_GE(count, 4);
}

}  // namespace
}  // namespace lt::config
