// Log levels, ordered from TRACE to FATAL, and the aliases users already emit
// (syslog severities, bunyan/pino numbers, "warning", "err", "critical"...).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace lt {

enum class Level : std::uint8_t { Trace = 0, Debug, Info, Warn, Error, Fatal };

inline constexpr int kLevelCount = 6;

// Canonical upper-case name: "TRACE" ... "FATAL".
std::string_view to_string(Level level) noexcept;

// Case-insensitive; accepts canonical names and common aliases
// ("warning", "err", "critical", "crit", "emerg", "alert", "panic", "notice",
// "information", "verbose", "fine"...). Returns nullopt for anything else.
std::optional<Level> parse_level(std::string_view text) noexcept;

// Strict form for the query language and config: only the six canonical names,
// case-insensitive.
std::optional<Level> parse_canonical_level(std::string_view text) noexcept;

// Numeric levels as emitted by bunyan/pino (10..60).
std::optional<Level> level_from_number(double n) noexcept;

// RFC 5424 severity (0 emergency .. 7 debug).
Level level_from_syslog_severity(int severity) noexcept;

}  // namespace lt
