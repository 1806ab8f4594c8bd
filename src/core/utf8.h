// UTF-8 validation and repair. Log text is untrusted: anything we emit as JSON
// must be valid UTF-8, so invalid sequences become U+FFFD rather than vanish.
#pragma once

#include <string>
#include <string_view>

namespace lt {

bool is_valid_utf8(std::string_view s) noexcept;

// True when every byte is below 0x80 (ASCII is valid UTF-8).
bool is_ascii(std::string_view s) noexcept;

// Appends `s` to `out`, replacing every invalid byte sequence by U+FFFD.
void append_sanitized_utf8(std::string_view s, std::string& out);

// Appends untrusted text meant for a terminal so that nothing in it can drive the
// terminal or disguise what is shown: C0 controls, DEL and invalid UTF-8 bytes
// become `\xNN`; C1 controls (U+0080-U+009F: 8-bit CSI, OSC, DCS) and bidi
// embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) become
// `\uNNNN`; a tab becomes a space. Other valid UTF-8 passes through.
void append_terminal_safe(std::string_view s, std::string& out);

// Truncates `s` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view truncate_utf8(std::string_view s, size_t max_bytes) noexcept;

}  // namespace lt
