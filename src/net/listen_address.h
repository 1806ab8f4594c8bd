// "HOST:PORT" as written in the config (listen keys): parsed once, for every
// listener (dashboard, admin, syslog, HTTP ingest), with the loopback test the safe defaults need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lt::net {

struct ListenAddress {
  std::string address;
  std::uint16_t port = 0;
  bool loopback() const;
};

// "127.0.0.1:8080", "[::1]:8080", ":8080" (loopback). nullopt and `error` set otherwise.
std::optional<ListenAddress> parse_listen(const std::string& listen, std::string& error);

}  // namespace lt::net
