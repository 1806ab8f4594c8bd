#include "core/level.h"

#include <array>

namespace lt {
namespace {

// ASCII only, without <cctype>: std::tolower is a call into the locale per
// character, and every name compared here is ASCII (a non-ASCII byte never
// lowers to an ASCII letter), so the answers are the same.
constexpr unsigned char ascii_lower(unsigned char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c | 0x20) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(static_cast<unsigned char>(a[i])) != ascii_lower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

constexpr std::array<std::string_view, kLevelCount> kNames = {"TRACE", "DEBUG", "INFO",
                                                              "WARN",  "ERROR", "FATAL"};

struct Alias {
  std::string_view name;
  Level level;
};
constexpr Alias kAliases[] = {
    {"trc", Level::Trace},       {"verbose", Level::Trace},  {"finest", Level::Trace},
    {"dbg", Level::Debug},       {"fine", Level::Debug},     {"finer", Level::Debug},
    {"inf", Level::Info},        {"information", Level::Info}, {"informational", Level::Info},
    {"notice", Level::Info},     {"config", Level::Info},    {"warning", Level::Warn},
    {"wrn", Level::Warn},        {"err", Level::Error},      {"error", Level::Error},
    {"severe", Level::Error},    {"critical", Level::Fatal}, {"crit", Level::Fatal},
    {"emerg", Level::Fatal},     {"emergency", Level::Fatal}, {"alert", Level::Fatal},
    {"panic", Level::Fatal},     {"ftl", Level::Fatal},
};

}  // namespace

std::string_view to_string(Level level) noexcept { return kNames[static_cast<size_t>(level)]; }

std::optional<Level> parse_canonical_level(std::string_view text) noexcept {
  for (int i = 0; i < kLevelCount; ++i)
    if (iequals(text, kNames[i])) return static_cast<Level>(i);
  return std::nullopt;
}

std::optional<Level> parse_level(std::string_view text) noexcept {
  if (auto l = parse_canonical_level(text)) return l;
  for (const auto& a : kAliases)
    if (iequals(text, a.name)) return a.level;
  return std::nullopt;
}

std::optional<Level> level_from_number(double n) noexcept {
  if (n >= 60) return Level::Fatal;
  if (n >= 50) return Level::Error;
  if (n >= 40) return Level::Warn;
  if (n >= 30) return Level::Info;
  if (n >= 20) return Level::Debug;
  if (n >= 10) return Level::Trace;
  return std::nullopt;
}

Level level_from_syslog_severity(int severity) noexcept {
  switch (severity) {
    case 0: case 1: case 2: return Level::Fatal;   // emerg, alert, crit
    case 3: return Level::Error;
    case 4: return Level::Warn;
    case 5: case 6: return Level::Info;            // notice, info
    default: return Level::Debug;
  }
}

}  // namespace lt
