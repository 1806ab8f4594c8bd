// Whether a free-form key (a librdkafka property, a header, a map entry) names
// a credential, so that its value is masked wherever it would be printed.
#pragma once

#include <string_view>

namespace lt {

// "sasl.password", "ssl.key.password", "Authorization", "api_key", "client.secret", ...
bool looks_secret(std::string_view name) noexcept;

}  // namespace lt
