#include "core/secret_names.h"

namespace lt {

bool looks_secret(std::string_view name) noexcept {
  // Substrings, case-insensitive: over-masking a harmless value costs nothing,
  // printing a credential cannot be taken back.
  static constexpr std::string_view kWords[] = {"password", "passwd",     "secret", "token",  "authorization",
                                                "api_key",  "apikey",     "cookie", "ssl.key.pem", "credential",
                                                "private",  "jaas", "oauthbearer.config"};
  for (std::string_view word : kWords) {
    if (word.size() > name.size()) continue;
    for (std::size_t i = 0; i + word.size() <= name.size(); ++i) {
      std::size_t k = 0;
      while (k < word.size()) {
        char c = name[i + k];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        if (c == '-') c = '_';
        if (c != word[k]) break;
        ++k;
      }
      if (k == word.size()) return true;
    }
  }
  return false;
}

}  // namespace lt
