#include "process/json_attributes.h"

namespace lt {

void append_json_attributes(simdjson::dom::object object, std::string_view prefix, std::string_view skip,
                            std::vector<Attribute>& out) {
  using T = simdjson::dom::element_type;
  for (auto [k, v] : object) {
    if (!skip.empty() && k == skip) continue;
    std::string key(prefix);
    key += k;
    switch (v.type()) {
      case T::STRING: {
        std::string_view s;
        if (v.get(s) == simdjson::SUCCESS) out.push_back({std::move(key), std::string(s), AttrType::String});
        break;
      }
      case T::INT64:
      case T::UINT64:
      case T::DOUBLE:
        out.push_back({std::move(key), simdjson::minify(v), AttrType::Number});
        break;
      case T::BOOL: {
        bool b = false;
        if (v.get(b) == simdjson::SUCCESS) out.push_back({std::move(key), b ? "true" : "false", AttrType::Bool});
        break;
      }
      case T::NULL_VALUE:
        break;
      case T::ARRAY:
      case T::OBJECT:
        out.push_back({std::move(key), simdjson::minify(v), AttrType::Raw});
        break;
    }
  }
}

}  // namespace lt
