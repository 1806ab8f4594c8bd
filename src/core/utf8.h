// UTF-8 validation and repair. Log text is untrusted: anything we emit as JSON
// must be valid UTF-8, so invalid sequences become U+FFFD rather than vanish.
#pragma once

#include <string>
#include <string_view>

namespace lt {

bool is_valid_utf8(std::string_view s) noexcept;

// Appends `s` to `out`, replacing every invalid byte sequence by U+FFFD.
void append_sanitized_utf8(std::string_view s, std::string& out);

// Truncates `s` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view truncate_utf8(std::string_view s, size_t max_bytes) noexcept;

}  // namespace lt
