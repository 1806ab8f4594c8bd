// Test-only: the HTTP status a server gives a WebSocket upgrade request to
// /api/v1/tail (101 accepted, 401/403 refused), sent as plain HTTP so refusals are readable.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "net/http_client.h"

namespace lt::net::testing {

inline int upgrade_status(std::uint16_t port, const std::vector<HttpHeader>& headers,
                          const std::string& target = "/api/v1/tail") {
  namespace beast = boost::beast;
  namespace bhttp = beast::http;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  beast::error_code ec;
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return -1;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(bhttp::field::upgrade, "websocket");
  req.set(bhttp::field::connection, "Upgrade");
  req.set(bhttp::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(bhttp::field::sec_websocket_version, "13");
  for (const auto& h : headers) req.set(h.name, h.value);
  bhttp::write(stream, req, ec);
  if (ec) return -1;
  beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> parser;
  bhttp::read_header(stream, buf, parser, ec);
  if (ec) return -1;
  return static_cast<int>(parser.get().result_int());
}

}  // namespace lt::net::testing
