// docs/configuration.md, generated from the schema table (`logtracer config-reference`),
// so the reference cannot say anything the loader does not do.
#pragma once

#include <string>

namespace lt::config {

std::string reference_markdown();

}  // namespace lt::config
