// A small synchronous HTTP/1.1 client (Boost.Beast) with connect and read
// timeouts, http and https (OpenSSL, CA and hostname verification), for lookups and webhooks.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace lt::net {

struct HttpClientOptions {
  std::chrono::milliseconds connect_timeout{2000};  // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds read_timeout{5000};     // write the request + read the whole response
  std::size_t max_body_bytes = 8u << 20;            // larger responses fail (permanent)
  std::string ca_file;       // PEM bundle to trust for https; empty: the system's default store
  bool verify_peer = true;   // https: verify the chain and that the certificate names the host
  bool keep_alive = true;    // reuse the connection to the same origin across requests
  std::string user_agent = "logtracer";
};

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // http://host[:port]/path?query or https://...
  std::vector<HttpHeader> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<HttpHeader> headers;
  std::string body;
  // Case-insensitive; empty when absent.
  std::string_view header(std::string_view name) const noexcept;
};

struct Url {
  std::string scheme;  // "http" | "https"
  std::string host;    // without brackets for IPv6
  std::string port;    // defaulted from the scheme
  std::string target;  // path + query, at least "/"
  static std::variant<Url, Error> parse(std::string_view text);
};

// Not thread-safe: one client per thread, or a pool. Errors are classified:
// connection refused/reset, DNS failure and timeouts are Transient; a bad URL,
// a TLS verification failure or an oversized body are Permanent. HTTP statuses
// are not errors here; see status_error().
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  std::variant<HttpResponse, Error> request(const HttpRequest& request);
  std::variant<HttpResponse, Error> get(std::string_view url, std::vector<HttpHeader> headers = {});
  std::variant<HttpResponse, Error> post(std::string_view url, std::string body, std::string_view content_type,
                                         std::vector<HttpHeader> headers = {});
  // Drops the kept-alive connection, if any.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An Error for a status a caller treats as a failure: 408, 429 and 5xx are
// Transient, other 4xx Permanent; nullopt for 1xx-3xx. `context` names the call.
std::optional<Error> status_error(int status, std::string_view context);

}  // namespace lt::net
