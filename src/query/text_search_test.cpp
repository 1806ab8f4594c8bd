#include "query/text_search.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace lt::query {
namespace {

char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; }

std::size_t reference_find(std::string_view hay, std::string_view needle, bool fold_case, std::size_t from) {
  if (from > hay.size()) return std::string_view::npos;
  for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
    bool ok = true;
    for (std::size_t k = 0; k < needle.size() && ok; ++k)
      ok = fold_case ? fold(hay[i + k]) == fold(needle[k]) : hay[i + k] == needle[k];
    if (ok) return i;
  }
  return std::string_view::npos;
}

// Textbook recursive glob, for comparison only.
bool reference_glob(std::string_view p, std::string_view t, bool fold_case) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') return reference_glob(p.substr(1), t, fold_case) || (!t.empty() && reference_glob(p, t.substr(1), fold_case));
  if (t.empty()) return false;
  const bool same = fold_case ? fold(p[0]) == fold(t[0]) : p[0] == t[0];
  return same && reference_glob(p.substr(1), t.substr(1), fold_case);
}

std::string random_text(std::mt19937& rng, std::string_view alphabet, std::size_t max_len) {
  std::string s(rng() % (max_len + 1), ' ');
  for (auto& c : s) c = alphabet[rng() % alphabet.size()];
  return s;
}

TEST(Substring, AgreesWithAReferenceSearchOnRandomInputs) {
  std::mt19937 rng(7);
  // Few distinct bytes so matches and near-matches are frequent; includes bytes
  // that equal a letter once OR-ed with 0x20 ('@' and '`') and non-ASCII.
  const std::string alphabet = "aAbB@`t T\xc3\xa9\xff";
  for (int round = 0; round < 20000; ++round) {
    const std::string hay = random_text(rng, alphabet, 80);
    const std::string raw_needle = random_text(rng, alphabet, 6);
    const bool fold_case = rng() % 2;
    const Substring needle(raw_needle, fold_case);
    const std::size_t from = rng() % (hay.size() + 2);
    ASSERT_EQ(needle.find(hay, from), reference_find(hay, raw_needle, fold_case, from))
        << "hay '" << hay << "' needle '" << raw_needle << "' fold " << fold_case << " from " << from;
  }
}

TEST(Substring, FoldsOnlyAsciiLetters) {
  EXPECT_EQ(Substring("timeout", true).find("upstream TimeOut"), 9u);
  EXPECT_EQ(Substring("@", true).find("`"), std::string_view::npos);
  EXPECT_EQ(Substring("[", true).find("{"), std::string_view::npos);
  EXPECT_EQ(Substring("\xc3\xa9", true).find("\xc3\x89"), std::string_view::npos);  // é vs É: bytes differ
  EXPECT_EQ(Substring("", true).find("abc", 3), 3u);
  EXPECT_EQ(Substring("", true).find("abc", 4), std::string_view::npos);
  const std::string long_hay = std::string(1000, 'x') + "NeedlE" + std::string(37, 'y');
  EXPECT_EQ(Substring("needle", true).find(long_hay), 1000u);
  EXPECT_EQ(Substring("needle", false).find(long_hay), std::string_view::npos);
}

TEST(Glob, AgreesWithAReferenceGlobOnRandomInputs) {
  std::mt19937 rng(11);
  for (int round = 0; round < 20000; ++round) {
    const std::string text = random_text(rng, "abAB", 10);
    const std::string pattern = random_text(rng, "abA**", 6);
    const bool fold_case = rng() % 2;
    const Glob anchored(pattern, fold_case, true, true);
    ASSERT_EQ(anchored.matches(text), reference_glob(pattern, text, fold_case))
        << "pattern '" << pattern << "' text '" << text << "'";
    const Glob anywhere(pattern, fold_case, false, true);
    ASSERT_EQ(anywhere.matches(text), reference_glob("*" + pattern + "*", text, fold_case))
        << "pattern '" << pattern << "' text '" << text << "'";
  }
}

TEST(Glob, LiteralModeTreatsStarAsAByte) {
  EXPECT_TRUE(Glob("a*", false, true, false).matches("a*"));
  EXPECT_FALSE(Glob("a*", false, true, false).matches("ab"));
  EXPECT_TRUE(Glob("", false, true, false).matches(""));
  EXPECT_FALSE(Glob("", false, true, false).matches("x"));
}

TEST(Glob, FindReportsTheLeftmostMatchSpan) {
  const Glob g("time*out", true, false, true);
  std::size_t b = 0, e = 0;
  ASSERT_TRUE(g.find("a TIME is out, time-out", 0, b, e));
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(e, 13u);
  ASSERT_TRUE(g.find("a TIME is out, time-out", e, b, e));
  EXPECT_EQ(b, 15u);
  EXPECT_EQ(e, 23u);
  EXPECT_FALSE(g.find("a TIME is out, time-out", e, b, e));
  EXPECT_FALSE(Glob("*", true, false, true).find("abc", 0, b, e));  // nothing to point at
}

}  // namespace
}  // namespace lt::query
