// Event ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32,
// 26 characters). Unique without coordination and sortable by ingestion time.
#pragma once

#include <string>

#include "core/time.h"

namespace lt {

// Thread-safe; monotonic within one thread for ids created in the same millisecond.
std::string new_event_id(TimestampNs now);
std::string new_event_id();
// The same, written into `out` (its capacity reused: no allocation on the hot path).
void assign_event_id(TimestampNs now, std::string& out);

}  // namespace lt
