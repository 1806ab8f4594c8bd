// JSON object members → event attributes, shared by the lookup-table and
// HTTP-lookup enrichers (strings, numbers as written, bools; nested as Raw).
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/log_event.h"

namespace lt {

// Appends every member of `object` but `skip` as `prefix + name`; nulls are left out.
void append_json_attributes(simdjson::dom::object object, std::string_view prefix, std::string_view skip,
                            std::vector<Attribute>& out);

}  // namespace lt
