// Small non-cryptographic hashes shared by modules: FNV-1a (64-bit) for file
// fingerprints, checkpoint slot checks and cache slots.
#pragma once

#include <cstdint>
#include <string_view>

namespace lt {

constexpr std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

}  // namespace lt
