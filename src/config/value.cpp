#include "config/value.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace lt::config {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads an unsigned decimal number ("12", "1.5") at the front of `s`; advances `s`.
std::optional<double> take_number(std::string_view& s) {
  std::size_t i = 0;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, digits = true;
  }
  if (!digits) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + i, value);
  if (ec != std::errc() || ptr != s.data() + i) return std::nullopt;
  s.remove_prefix(i);
  return value;
}

// Durations above this are certainly mistakes and would overflow arithmetic downstream.
constexpr double kMaxDurationMs = 100.0 * 365 * 24 * 3600 * 1000;

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return std::nullopt;
  double total_ms = 0;
  bool first = true;
  while (!s.empty()) {
    auto number = take_number(s);
    if (!number) return std::nullopt;
    std::size_t unit_len = 0;
    while (unit_len < s.size() && std::isalpha(static_cast<unsigned char>(s[unit_len]))) ++unit_len;
    std::string unit = lower(s.substr(0, unit_len));
    s.remove_prefix(unit_len);
    double scale = 0;
    if (unit.empty()) {
      if (!first || !s.empty()) return std::nullopt;  // a bare number must stand alone
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return std::nullopt;
    }
    total_ms += *number * scale;
    first = false;
  }
  if (!(total_ms <= kMaxDurationMs)) return std::nullopt;
  return Duration(static_cast<Duration::rep>(std::llround(total_ms)));
}

std::string format_duration(Duration d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) return std::to_string(ms) + "ms";
  struct Unit {
    long long size;
    const char* name;
  };
  static constexpr Unit units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& unit : units) {
    if (ms >= unit.size) {
      out += std::to_string(ms / unit.size) + unit.name;
      ms %= unit.size;
    }
  }
  return out;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::string_view s = trim(text);
  auto number = take_number(s);
  if (!number) return std::nullopt;
  std::string unit = lower(trim(s));
  static const std::map<std::string, double> scales = {
      {"", 1},          {"b", 1},          {"k", 1024.0},        {"kb", 1e3},         {"kib", 1024.0},
      {"m", 1048576.0}, {"mb", 1e6},       {"mib", 1048576.0},   {"g", 1073741824.0}, {"gb", 1e9},
      {"gib", 1073741824.0}, {"t", 1099511627776.0}, {"tb", 1e12}, {"tib", 1099511627776.0}};
  auto it = scales.find(unit);
  if (it == scales.end()) return std::nullopt;
  double bytes = *number * it->second;
  if (!(bytes < 9.2e18) || bytes != std::floor(bytes)) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::string format_size(std::uint64_t bytes) {
  struct Unit {
    std::uint64_t size;
    const char* name;
  };
  static constexpr Unit units[] = {{1ULL << 40, "TiB"}, {1ULL << 30, "GiB"}, {1ULL << 20, "MiB"}, {1ULL << 10, "KiB"}};
  for (const auto& unit : units) {
    if (bytes != 0 && bytes % unit.size == 0) return std::to_string(bytes / unit.size) + unit.name;
  }
  return std::to_string(bytes);
}

std::optional<std::string> substitute_env(std::string_view text, const EnvLookup& lookup, std::string& error) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i + 1] != '{') {
      out += c;
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      error = "unterminated '${' (write '$$' for a literal '$')";
      return std::nullopt;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::optional<std::string_view> fallback;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      fallback = inner.substr(sep + 2);
      inner = inner.substr(0, sep);
    }
    bool valid_name = !inner.empty() && !std::isdigit(static_cast<unsigned char>(inner.front())) &&
                      std::all_of(inner.begin(), inner.end(), [](char ch) {
                        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
                      });
    if (!valid_name) {
      error = "invalid environment variable name '" + std::string(inner) + "'";
      return std::nullopt;
    }
    auto value = lookup(std::string(inner));
    if (value && (!value->empty() || !fallback)) {
      out += *value;
    } else if (fallback) {
      out += *fallback;  // like the shell, ":-" also covers a set-but-empty variable
    } else {
      error = "environment variable '" + std::string(inner) + "' is not set (use ${" + std::string(inner) +
              ":-default} for a fallback)";
      return std::nullopt;
    }
    i = close;
  }
  return out;
}

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.size() > 256) return std::nullopt;  // no typo is that long; keeps the quadratic cost bounded
  std::string lowered = lower(word);
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    std::size_t distance = edit_distance(lowered, lower(candidate));
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // Allow about one mistake per three characters, at least one and at most three.
  std::size_t allowed = std::clamp<std::size_t>(word.size() / 3, 1, 3);
  if (!best || best_distance > allowed) return std::nullopt;
  return best;
}

}  // namespace lt::config
