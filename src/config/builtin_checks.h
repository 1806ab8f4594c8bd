// Cross-key checks of the config module itself (TLS pairs, exposed listeners, SASL credentials):
// the same Validator shape other modules register, so they read as examples of it.
#pragma once

#include <vector>

#include "config/load.h"

namespace lt::config {

// Always run by load_*; listed here so a test can run them alone.
std::vector<Validator> builtin_checks();

// `logtracer validate` (not the services, which report a missing file themselves when they open it):
// every file the config names for reading at start (GeoIP databases, lookup tables, TLS certificates,
// keys and CAs) exists and is readable from the current directory, reported at the key that names it.
void check_referenced_files(const Config& config, Diagnostics& diags);

// "127.0.0.1:8080", "localhost:80", "[::1]:9" -> true; "0.0.0.0:8080", ":8080" -> false.
bool is_loopback_listen(const std::string& listen);

}  // namespace lt::config
