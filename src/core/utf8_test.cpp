#include "core/utf8.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace lt {
namespace {

std::string safe(std::string_view s) {
  std::string out;
  append_terminal_safe(s, out);
  return out;
}

TEST(TerminalSafe, EscapesC0AndDelAndTurnsTabsIntoSpaces) {
  EXPECT_EQ(safe("a\x1b[31mred\x1b[0m\r\n\x07\x7f\tb"), "a\\x1b[31mred\\x1b[0m\\x0d\\x0a\\x07\\x7f b");
  // OSC 8 hyperlink and title change, 7-bit forms.
  EXPECT_EQ(safe("\x1b]8;;http://evil/\x1b\\x\x1b]8;;\x1b\\"), "\\x1b]8;;http://evil/\\x1b\\x\\x1b]8;;\\x1b\\");
}

TEST(TerminalSafe, EscapesC1ControlsEncodedAsUtf8AndAsLoneBytes) {
  // U+009B is CSI, U+009D OSC, U+0090 DCS: one character each on an 8-bit-aware terminal.
  EXPECT_EQ(safe("\xC2\x9B" "31m"), "\\u009b31m");
  EXPECT_EQ(safe("\xC2\x9D" "0;title\xC2\x9C"), "\\u009d0;title\\u009c");
  EXPECT_EQ(safe("\xC2\x80\xC2\x9F"), "\\u0080\\u009f");
  EXPECT_EQ(safe("\xC2\xA0"), "\xC2\xA0");  // U+00A0 (no-break space) is text
  // Invalid UTF-8 (a lone 0x9B, a truncated sequence) never reaches the terminal raw.
  EXPECT_EQ(safe("\x9B" "2J"), "\\x9b2J");
  EXPECT_EQ(safe("ok\xE2\x80"), "ok\\xe2\\x80");
}

TEST(TerminalSafe, EscapesBidiOverridesAndIsolates) {
  // "Trojan Source": RLO makes "txt.exe" display reversed.
  EXPECT_EQ(safe("invoice\xE2\x80\xAEtxt.exe"), "invoice\\u202etxt.exe");
  for (unsigned cp : {0x202Au, 0x202Bu, 0x202Cu, 0x202Du, 0x202Eu, 0x2066u, 0x2067u, 0x2068u, 0x2069u}) {
    std::string enc = {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    char want[8];
    std::snprintf(want, sizeof want, "\\u%04x", cp);
    EXPECT_EQ(safe(enc), want) << std::hex << cp;
  }
  // Neighbours are ordinary text: U+202F (narrow no-break space), U+2065.
  EXPECT_EQ(safe("\xE2\x80\xAF"), "\xE2\x80\xAF");
  EXPECT_EQ(safe("\xE2\x81\xA5"), "\xE2\x81\xA5");
}

TEST(TerminalSafe, KeepsOrdinaryTextIncludingMultibyte) {
  EXPECT_EQ(safe("GET /api?q=1 200 — ok é 日本 😀"), "GET /api?q=1 200 — ok é 日本 😀");
  EXPECT_EQ(safe(""), "");
}

TEST(Utf8, AsciiFastPathAgreesWithFullValidation) {
  // Every length around the 8- and 32-byte steps and the fast path's limit, with
  // a non-ASCII byte (valid or not) at every position.
  for (size_t n : {0, 1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 130, 1023, 1024, 1025, 2000}) {
    std::string s(n, 'a');
    EXPECT_TRUE(is_ascii(s));
    EXPECT_TRUE(is_valid_utf8(s));
    for (size_t i = 0; i < n; ++i) {
      std::string bad = s;
      bad[i] = '\xff';
      EXPECT_FALSE(is_ascii(bad)) << n << " " << i;
      EXPECT_FALSE(is_valid_utf8(bad)) << n << " " << i;
      bad[i] = '\x80';  // a lone continuation byte
      EXPECT_FALSE(is_valid_utf8(bad)) << n << " " << i;
      if (i + 2 <= n) {
        std::string ok = s;
        ok[i] = '\xc3';  // U+00E9
        ok[i + 1] = '\xa9';
        EXPECT_FALSE(is_ascii(ok));
        EXPECT_TRUE(is_valid_utf8(ok)) << n << " " << i;
      }
    }
  }
  EXPECT_TRUE(is_ascii(std::string_view("\0\x7f", 2)));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // a surrogate: not ASCII, so validated in full
}

}  // namespace
}  // namespace lt
