// Cross-key checks of the config module itself (TLS pairs, exposed listeners, SASL credentials):
// the same Validator shape other modules register, so they read as examples of it.
#pragma once

#include <vector>

#include "config/load.h"

namespace lt::config {

// Always run by load_*; listed here so a test can run them alone.
std::vector<Validator> builtin_checks();

// "127.0.0.1:8080", "localhost:80", "[::1]:9" -> true; "0.0.0.0:8080", ":8080" -> false.
bool is_loopback_listen(const std::string& listen);

}  // namespace lt::config
