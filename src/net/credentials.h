// Checking secrets a client presents (bearer tokens): comparisons whose time
// does not reveal how much of a guess was right. Shared by the dashboard and HTTP ingest.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lt::net {

// Constant-time equality (the time depends on the lengths only).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// The credentials of an "Authorization: Bearer <token>" header (scheme
// case-insensitive, RFC 7235); nullopt for another scheme or an empty token.
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

// True when `presented` equals one of `accepted`. Every entry is compared in
// full, so neither the position of a match nor a partial match shows in the time.
bool token_matches(std::string_view presented, const std::vector<std::string>& accepted) noexcept;

}  // namespace lt::net
