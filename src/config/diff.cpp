#include "config/diff.h"

#include "config/schema.h"

namespace lt::config {
namespace {

void compare(std::string_view parent, std::string_view instance_prefix, const void* a, const void* b,
             std::vector<std::string>& out) {
  for (const KeyRow* row : schema_index().children(parent)) {
    std::string instance = instance_prefix.empty() ? std::string(leaf_name(row->path))
                                                   : std::string(instance_prefix) + "." + std::string(leaf_name(row->path));
    if (row->type == KeyType::Object) {
      compare(row->path, instance, a, b, out);
    } else if (row->type == KeyType::ObjectList) {
      std::size_t count_a = row->count(a), count_b = row->count(b);
      if (count_a != count_b) out.push_back(instance);
      for (std::size_t i = 0; i < std::min(count_a, count_b); ++i) {
        compare(row->path + "[]", instance + "[" + std::to_string(i) + "]", row->at(a, i), row->at(b, i), out);
      }
    } else if (row->get(a) != row->get(b)) {
      // Rows sharing a path (per-type keys) may both differ; report the key once.
      if (out.empty() || out.back() != instance) out.push_back(instance);
    }
  }
}

}  // namespace

std::vector<std::string> changed_keys(const Config& before, const Config& after) {
  std::vector<std::string> out;
  compare("", "", &before, &after, out);
  return out;
}

}  // namespace lt::config
