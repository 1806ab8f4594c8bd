// Scalar value syntax of the config: durations ("250ms", "1h30m", seconds), sizes
// ("64MiB", "1MB", bytes) and ${ENV} substitution. Pure functions, shared by loader and docs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/config.h"

namespace lt::config {

// One typed value of a schema row (see KeyType in schema.h for which alternative a type uses).
using Value = std::variant<std::monostate, std::string, std::int64_t, std::uint64_t, double, bool, Duration,
                           StringList, StringMap>;

// "250ms", "5s", "1m", "1h", "1d", compounds such as "1h30m", or a plain number of
// seconds ("30", "0.5"). Never negative.
std::optional<Duration> parse_duration(std::string_view text);
// The shortest exact form: "250ms", "5s", "1h30m", "0s".
std::string format_duration(Duration d);

// "64MiB", "1MB" (decimal), "512KiB", "1GiB", "100B" or a plain number of bytes.
std::optional<std::uint64_t> parse_size(std::string_view text);
// "64MiB" when exact in a binary unit, else bytes: "1000000".
std::string format_size(std::uint64_t bytes);

// Replaces ${NAME} and ${NAME:-fallback}; "$$" yields a literal "$".
// `lookup` returns nullopt for an unset variable. On error returns nullopt and sets `error`.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> substitute_env(std::string_view text, const EnvLookup& lookup, std::string& error);
EnvLookup process_env();

// Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word`, if close enough to be a plausible typo.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace lt::config
