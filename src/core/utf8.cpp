#include "core/utf8.h"

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace lt {
namespace {

constexpr size_t kAsciiFastPathBytes = 1024;

// Length of the valid UTF-8 sequence at s[i], or 0 when invalid.
size_t valid_sequence_length(std::string_view s, size_t i) noexcept {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

bool is_ascii(std::string_view s) noexcept {
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  auto load = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  const char* p = s.data();
  const size_t n = s.size();
  std::uint64_t a = 0, b = 0, c = 0, d = 0;
  if (n >= 32) {
    // Four independent lanes, then the last 32 bytes again (overlapping what
    // was read) instead of a tail loop whose length varies from line to line.
    for (size_t i = 0; i + 32 <= n; i += 32) {
      a |= load(p + i);
      b |= load(p + i + 8);
      c |= load(p + i + 16);
      d |= load(p + i + 24);
    }
    const char* t = p + n - 32;
    a |= load(t);
    b |= load(t + 8);
    c |= load(t + 16);
    d |= load(t + 24);
  } else if (n >= 8) {
    for (size_t i = 0; i + 8 <= n; i += 8) a |= load(p + i);
    b = load(p + n - 8);
  } else {
    for (size_t i = 0; i < n; ++i) a |= static_cast<unsigned char>(p[i]);
  }
  return ((a | b | c | d) & kHigh) == 0;
}

bool is_valid_utf8(std::string_view s) noexcept {
  // A log line is short and nearly always ASCII: answered here, that costs less
  // than simdjson's dispatch and set-up for a few hundred bytes.
  if (s.size() <= kAsciiFastPathBytes && is_ascii(s)) return true;
  return simdjson::validate_utf8(s.data(), s.size());
}

void append_sanitized_utf8(std::string_view s, std::string& out) {
  if (is_valid_utf8(s)) {
    out.append(s);
    return;
  }
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = valid_sequence_length(s, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
}

void append_terminal_safe(std::string_view s, std::string& out) {
  char buf[8];
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 == '\t') {
      out += ' ';
      ++i;
      continue;
    }
    const size_t n = valid_sequence_length(s, i);
    if (n == 0 || (n == 1 && (b0 < 0x20 || b0 == 0x7f))) {
      // An invalid byte too: a terminal in an 8-bit mode reads a lone 0x9B as CSI.
      std::snprintf(buf, sizeof buf, "\\x%02x", b0);
      out += buf;
      ++i;
      continue;
    }
    unsigned cp = 0;
    if (n == 2) cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    if (n == 3)
      cp = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    if ((cp >= 0x80 && cp <= 0x9F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
}

std::string_view truncate_utf8(std::string_view s, size_t max_bytes) noexcept {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Back up over continuation bytes so we cut on a character boundary.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

}  // namespace lt
