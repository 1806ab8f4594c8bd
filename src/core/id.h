// Event ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32,
// 26 characters). Unique without coordination and sortable by ingestion time.
#pragma once

#include <cstdint>
#include <string>

#include "core/time.h"

namespace lt {

// Thread-safe; monotonic within one thread for ids created in the same millisecond.
std::string new_event_id(TimestampNs now);
std::string new_event_id();
// The same, written into `out` (its capacity reused: no allocation on the hot path).
void assign_event_id(TimestampNs now, std::string& out);

namespace detail {
// The 26 characters of the ULID (ms, random = hi:lo, hi holding 16 bits) at `out`.
void encode_ulid(std::uint64_t ms, std::uint64_t hi, std::uint64_t lo, char* out) noexcept;
// Adds 1 to the random part of the encoded ULID at `id` (modulo 2^80), in place.
void increment_ulid_random(char* id) noexcept;
}  // namespace detail

}  // namespace lt
