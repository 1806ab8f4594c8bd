#include "net/listen_address.h"

#include <arpa/inet.h>

#include <charconv>

namespace lt::net {

bool ListenAddress::loopback() const {
  if (address == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, address.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, address.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::optional<ListenAddress> parse_listen(const std::string& listen, std::string& error) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    error = "'" + listen + "' is not HOST:PORT";
    return std::nullopt;
  }
  ListenAddress a;
  a.address = listen.substr(0, colon);
  if (a.address.size() >= 2 && a.address.front() == '[' && a.address.back() == ']')
    a.address = a.address.substr(1, a.address.size() - 2);
  if (a.address.empty()) a.address = "127.0.0.1";
  const std::string port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || p != port.data() + port.size() || value > 65535) {
    error = "'" + listen + "': bad port '" + port + "'";
    return std::nullopt;
  }
  a.port = static_cast<std::uint16_t>(value);
  return a;
}

}  // namespace lt::net
