#include "parsers/raw_parser.h"

#include <gtest/gtest.h>

#include "parsers/test_support.h"

namespace lt::parsers {
namespace {

using testing::parser_named;

TEST(RawParser, WholeLineIsTheMessageWithoutItsTerminator) {
  auto p = parser_named("raw");
  LogEvent e;
  e.service = "api";
  EXPECT_EQ(p->parse("  something happened \r\n", e), ParseStatus::Ok);
  EXPECT_EQ(e.message, "  something happened ");
  EXPECT_EQ(e.service, "api");
  EXPECT_EQ(e.level, Level::Info);
}

TEST(RawParser, SniffsObviousLeadingLevels) {
  EXPECT_EQ(sniff_level("ERROR disk full"), Level::Error);
  EXPECT_EQ(sniff_level("WARN: low memory"), Level::Warn);
  EXPECT_EQ(sniff_level("[DEBUG] cache miss"), Level::Debug);
  EXPECT_EQ(sniff_level("WARNING x"), Level::Warn);
  EXPECT_EQ(sniff_level("2026-01-02 03:04:05,678 ERROR boom"), Level::Error);
  EXPECT_EQ(sniff_level("2026-01-02T03:04:05Z FATAL boom"), Level::Fatal);
  EXPECT_EQ(sniff_level("FATAL"), Level::Fatal);
}

TEST(RawParser, IgnoresLevelWordsThatAreNotObvious) {
  EXPECT_EQ(sniff_level("Errors happen"), std::nullopt);
  EXPECT_EQ(sniff_level("error: lower case is prose"), std::nullopt);
  EXPECT_EQ(sniff_level("INFORMATION desk"), std::nullopt);
  EXPECT_EQ(sniff_level("user said ERROR"), std::nullopt);
  EXPECT_EQ(sniff_level("[ERROR unterminated"), std::nullopt);
  EXPECT_EQ(sniff_level("ERRORS: 3"), std::nullopt);
  auto p = parser_named("raw");
  LogEvent e;
  e.level = Level::Debug;  // a level the source set stays when nothing obvious is found
  p->parse("the ERROR is in the middle", e);
  EXPECT_EQ(e.level, Level::Debug);
}

}  // namespace
}  // namespace lt::parsers
