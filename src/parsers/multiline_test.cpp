#include "parsers/multiline.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace lt::parsers {
namespace {

MultilineAssembler make(std::string_view pattern, size_t max_bytes = 1 << 20) {
  auto made = MultilineAssembler::make(pattern, max_bytes);
  if (auto* error = std::get_if<std::string>(&made)) {
    ADD_FAILURE() << *error;
    std::abort();
  }
  return std::move(std::get<MultilineAssembler>(made));
}

constexpr std::string_view kStart = R"(^\d{4}-\d{2}-\d{2} )";

TEST(MultilineAssembler, JoinsAStackTraceOntoItsStartLine) {
  auto m = make(kStart);
  EXPECT_FALSE(m.feed("2026-01-01 12:00:00 ERROR boom", 31));
  EXPECT_FALSE(m.feed("java.lang.IllegalStateException: bad", 69));
  EXPECT_FALSE(m.feed("\tat com.foo.Bar.baz(Bar.java:42)", 102));
  auto record = m.feed("2026-01-01 12:00:01 INFO next", 132);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->text,
            "2026-01-01 12:00:00 ERROR boom\njava.lang.IllegalStateException: bad\n\tat com.foo.Bar.baz(Bar.java:42)");
  EXPECT_EQ(record->lines, 3u);
  EXPECT_EQ(record->end_position, 102u);  // the checkpoint stops before the next record
  EXPECT_FALSE(record->truncated);
  auto last = m.flush();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->text, "2026-01-01 12:00:01 INFO next");
  EXPECT_EQ(last->end_position, 132u);
  EXPECT_FALSE(m.flush());
}

TEST(MultilineAssembler, LinesBeforeTheFirstStartFormTheirOwnRecord) {
  auto m = make(kStart);
  EXPECT_FALSE(m.feed("\tat orphan.Frame(X.java:1)"));
  EXPECT_FALSE(m.feed("\tat orphan.Frame(Y.java:2)"));
  auto record = m.feed("2026-01-01 12:00:00 INFO hello");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->text, "\tat orphan.Frame(X.java:1)\n\tat orphan.Frame(Y.java:2)");
}

TEST(MultilineAssembler, EveryStartLineIsARecord) {
  auto m = make(kStart);
  int records = 0;
  for (int i = 0; i < 5; ++i) records += m.feed("2026-01-01 12:00:00 line").has_value();
  records += m.flush().has_value();
  EXPECT_EQ(records, 5);
}

TEST(MultilineAssembler, TruncatesAtMaxBytesAndSaysSo) {
  auto m = make(kStart, 40);
  m.feed("2026-01-01 12:00:00 ERROR boom");      // 30 bytes
  m.feed("caf\xC3\xA9 caf\xC3\xA9 caf\xC3\xA9 caf\xC3\xA9");  // would pass 40: cut on a character boundary
  m.feed("dropped entirely");
  auto record = m.flush();
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->truncated);
  EXPECT_LE(record->text.size(), 40u);
  EXPECT_TRUE(is_valid_utf8(record->text));
  EXPECT_EQ(record->text.rfind("2026-01-01 12:00:00 ERROR boom\ncaf", 0), 0u);
  EXPECT_EQ(record->lines, 3u);
  // The next record starts clean.
  m.feed("2026-01-01 12:00:01 INFO ok");
  auto next = m.flush();
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->truncated);
}

TEST(MultilineAssembler, ASingleHugeLineIsTruncated) {
  auto m = make(kStart, 1024);
  m.feed(std::string(1 << 20, 'x'));
  auto record = m.flush();
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->truncated);
  EXPECT_EQ(record->text.size(), 1024u);
}

TEST(MultilineAssembler, FlushesWhenIdle) {
  auto m = make(kStart);
  const auto t0 = MultilineAssembler::Clock::time_point{} + std::chrono::hours(1);
  m.feed("2026-01-01 12:00:00 ERROR boom", 0, t0);
  EXPECT_FALSE(m.flush_if_idle(t0 + std::chrono::milliseconds(499), std::chrono::milliseconds(500)));
  EXPECT_TRUE(m.has_pending());
  auto record = m.flush_if_idle(t0 + std::chrono::milliseconds(500), std::chrono::milliseconds(500));
  ASSERT_TRUE(record);
  EXPECT_FALSE(m.has_pending());
}

TEST(MultilineAssembler, RejectsABadPatternClearly) {
  auto made = MultilineAssembler::make("^(\\d+", 100);
  ASSERT_TRUE(std::holds_alternative<std::string>(made));
  EXPECT_NE(std::get<std::string>(made).find("missing )"), std::string::npos) << std::get<std::string>(made);
  EXPECT_TRUE(std::holds_alternative<std::string>(MultilineAssembler::make("", 100)));
  EXPECT_TRUE(std::holds_alternative<std::string>(MultilineAssembler::make("^x", 0)));
}

}  // namespace
}  // namespace lt::parsers
