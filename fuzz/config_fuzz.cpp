// libFuzzer target: arbitrary bytes as a config file. The loader must never crash, hang or
// leak an exception; every rejection must come back as diagnostics.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "config/load.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lt::config::LoadOptions options;
  options.use_registered_validators = false;
  // Deterministic: some variables set, the rest unset.
  options.env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    if (name == "EMPTY") return std::string();
    return std::nullopt;
  };
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = lt::config::load_string(text, "fuzz.yaml", options);
  // A result is either a config or at least one error: never a silent failure.
  if (!result.ok() && result.diagnostics.empty()) std::abort();
  for (const auto& d : result.diagnostics) {
    if (d.message.empty()) std::abort();
  }
  if (result.ok()) {
    // What `validate --print` shows loads back to the same config, unless it masked something:
    // secrets print as ***, and a webhook URL's path (its credential) as "/...".
    std::string dump = lt::config::dump_yaml(*result.config);
    if (dump.find("***") == std::string::npos && dump.find("/...") == std::string::npos) {
      auto again = lt::config::load_string(dump, "dump.yaml", options);
      if (!again.ok() || !(*again.config == *result.config)) {
        std::fprintf(stderr, "dump does not load back:\n%s\n%s", dump.c_str(), again.report().c_str());
        std::abort();
      }
    }
  }
  return 0;
}
