#include "parsers/scan.h"

#include <gtest/gtest.h>

#include <string>

namespace lt::parsers {
namespace {

TEST(JsonNumber, GrammarTakesAnyDigitCountExactOnlyWhatRoundTrips) {
  for (const char* ok : {"0", "-0", "7", "-12.5", "1e5", "1.5E-7", "2e+300", "7777777777777777711",
                         "123456789012345678901234567890", "0.123456789012345678901"}) {
    EXPECT_TRUE(is_json_number(ok)) << ok;
  }
  for (const char* bad : {"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "1_000", " 1", "1 ", "NaN",
                          "Infinity", "--1", "1.2.3"}) {
    EXPECT_FALSE(is_json_number(bad)) << bad;
    EXPECT_FALSE(is_exact_json_number(bad)) << bad;
  }
  // Plain text typed as a number must come back unchanged from a decoder.
  EXPECT_TRUE(is_exact_json_number("123456789012345678"));   // 18 digits
  EXPECT_FALSE(is_exact_json_number("1234567890123456789"));  // 19
  EXPECT_TRUE(is_exact_json_number("0.12345678901234567"));   // 17 fraction digits
  EXPECT_FALSE(is_exact_json_number("0.123456789012345678"));
  EXPECT_TRUE(is_exact_json_number("1e308"));
  EXPECT_FALSE(is_exact_json_number("1e1000"));
}

TEST(Cursor, TakeDigitsReadsExactlyNDigitsOrNothing) {
  Cursor c{"2026-11"};
  EXPECT_EQ(c.take_digits(4), 2026);
  EXPECT_EQ(c.pos, 4u);
  EXPECT_FALSE(c.take_digits(2));  // '-' is no digit: unchanged
  EXPECT_EQ(c.pos, 4u);
  ++c.pos;
  EXPECT_FALSE(c.take_digits(3));  // only two left
  EXPECT_EQ(c.pos, 5u);
  EXPECT_EQ(c.take_digits(2), 11);
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(c.take_digits(1));
  EXPECT_EQ(c.take_digits(0), 0);  // nothing asked, nothing taken

  Cursor z{"0009"};
  EXPECT_EQ(z.take_digits(4), 9);
  // Bytes just outside '0'..'9', and bytes that wrap around when subtracted as chars.
  for (const char* bad : {"1/", "1:", "1a", "1\xff", "1\x80", "1 ", "1\0"}) {
    Cursor g{std::string_view(bad, 2)};
    EXPECT_FALSE(g.take_digits(2)) << bad;
    EXPECT_EQ(g.pos, 0u);
  }
  Cursor past{"12"};
  past.pos = 5;  // beyond the end: nothing to take
  EXPECT_FALSE(past.take_digits(1));
}

TEST(Cursor, TakeNumberWantsAllItsDigitsWithinTheLimit) {
  Cursor c{"12345 x"};
  EXPECT_FALSE(c.take_number(4));  // a fifth digit follows: not a number of at most 4
  EXPECT_EQ(c.pos, 0u);
  EXPECT_EQ(c.take_number(5), 12345);
  EXPECT_EQ(c.pos, 5u);
  EXPECT_FALSE(c.take_number(5));  // ' ' is no digit
  Cursor end{"42"};
  EXPECT_EQ(end.take_number(18), 42);
  EXPECT_TRUE(end.done());
  Cursor big{"999999999999999999"};
  EXPECT_EQ(big.take_number(18), 999999999999999999);
  Cursor junk{"\xff" "1"};
  EXPECT_FALSE(junk.take_number(3));
  Cursor empty{""};
  EXPECT_FALSE(empty.take_number(3));
}

TEST(Cursor, EatTakesOnlyWhatMatches) {
  Cursor c{"- x"};
  EXPECT_FALSE(c.eat("-x"));
  EXPECT_EQ(c.pos, 0u);
  EXPECT_TRUE(c.eat("- "));
  EXPECT_EQ(c.pos, 2u);
  EXPECT_FALSE(c.eat("xy"));  // longer than the rest
  EXPECT_TRUE(c.eat(""));
  EXPECT_EQ(c.pos, 2u);
  EXPECT_FALSE(c.eat('y'));
  EXPECT_TRUE(c.eat('x'));
  EXPECT_FALSE(c.eat('\0'));  // at the end, not even the NUL peek() reports
  Cursor nul{std::string_view("\0a", 2)};
  EXPECT_TRUE(nul.eat('\0'));
  EXPECT_TRUE(nul.eat("a"));
}

TEST(Cursor, SkipBlanksAndBrackets) {
  Cursor c{" \t [a[b]c] [open"};
  EXPECT_EQ(c.skip_blanks(), 3u);
  EXPECT_EQ(c.take_bracketed(), "a[b]c");
  EXPECT_EQ(c.skip_blanks(), 1u);
  EXPECT_FALSE(c.take_bracketed());  // unterminated: unchanged
  EXPECT_EQ(c.rest(), "[open");
  EXPECT_EQ(c.skip_blanks(), 0u);
  Cursor empty{"[]"};
  EXPECT_EQ(empty.take_bracketed(), "");
  EXPECT_TRUE(empty.done());
  Cursor none{"x]"};
  EXPECT_FALSE(none.take_bracketed());
}

}  // namespace
}  // namespace lt::parsers
