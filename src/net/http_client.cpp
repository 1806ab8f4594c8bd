#include "net/http_client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>

#include "core/url_redact.h"

namespace lt::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string where(const Url& u) { return u.scheme + "://" + (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) + ":" + u.port; }

Error connect_error(const error_code& ec, const Url& u, const char* phase) {
  std::string msg = std::string(phase) + " " + where(u) + ": " + ec.message();
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted)
    return Error::transient("http.connect_timeout", std::move(msg));
  if (ec == asio::error::connection_refused) return Error::transient("http.connection_refused", std::move(msg));
  if (ec.category() == asio::error::get_ssl_category()) {
    // Retrying cannot fix an untrusted or misnamed certificate; a person must.
    return Error::permanent("http.tls", std::move(msg));
  }
  return Error::transient("http.connect", std::move(msg));
}

Error exchange_error(const error_code& ec, const Url& u) {
  std::string msg = "request to " + redact_url(where(u) + u.target) + ": " + ec.message();
  if (ec == beast::error::timeout) return Error::transient("http.timeout", std::move(msg));
  if (ec == http::error::body_limit) return Error::permanent("http.body_too_large", std::move(msg));
  if (ec.category() == make_error_code(http::error::bad_version).category() && ec != http::error::end_of_stream)
    return Error::transient("http.bad_response", std::move(msg));
  return Error::transient("http.io", std::move(msg));
}

}  // namespace

std::string_view HttpResponse::header(std::string_view name) const noexcept {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return {};
}

std::variant<Url, Error> Url::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error::permanent("http.bad_url", "bad URL '" + redact_url(text) + "': " + why);
  };
  Url u;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos) return bad("expected http:// or https://");
  u.scheme = std::string(text.substr(0, sep));
  std::transform(u.scheme.begin(), u.scheme.end(), u.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (u.scheme != "http" && u.scheme != "https") return bad("unsupported scheme '" + u.scheme + "'");
  std::string_view rest = text.substr(sep + 3);
  const auto end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, end);
  std::string_view target = rest.substr(end);
  if (authority.find('@') != std::string_view::npos) return bad("credentials in URLs are not supported; use a header");
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("junk after IPv6 address");
      port = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return bad("missing host");
  for (char c : u.host)
    if (static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '\\') return bad("invalid host");
  if (!port.empty()) {
    unsigned long p = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || (p = p * 10 + (c - '0')) > 65535) return bad("invalid port");
    }
    if (p == 0) return bad("invalid port");
    u.port = std::string(port);
  } else {
    u.port = u.scheme == "https" ? "443" : "80";
  }
  if (const auto hash = target.find('#'); hash != std::string_view::npos) target = target.substr(0, hash);
  if (target.empty() || target[0] == '?') u.target = "/" + std::string(target);
  else u.target = std::string(target);
  for (char c : u.target)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return bad("unencoded control character or space in path");
  return u;
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o) : options(std::move(o)), tls_context(ssl::context::tls_client) {}

  HttpClientOptions options;
  asio::io_context ioc;
  ssl::context tls_context;
  bool tls_ready = false;

  std::string origin;  // of the open connection; empty when none
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  // Starts one async operation and runs the io_context until it completes: a
  // synchronous call whose deadline is enforced by beast::tcp_stream's timer.
  template <typename Start>
  error_code run(Start&& start) {
    error_code result = asio::error::would_block;
    ioc.restart();
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc.run();
    return result;
  }

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  void close() {
    error_code ignored;
    if (tls) beast::get_lowest_layer(*tls).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    tls.reset();
    plain.reset();
    origin.clear();
    buffer.clear();
  }

  std::optional<Error> prepare_tls() {
    if (tls_ready) return std::nullopt;
    error_code ec;
    if (options.ca_file.empty()) tls_context.set_default_verify_paths(ec);
    else tls_context.load_verify_file(options.ca_file, ec);
    if (ec)
      return Error::permanent("http.tls_ca", "cannot load CA file '" + options.ca_file + "': " + ec.message());
    tls_context.set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none);
    tls_ready = true;
    return std::nullopt;
  }

  std::optional<Error> connect(const Url& u) {
    close();
    const auto deadline = Clock::now() + options.connect_timeout;
    tcp::resolver resolver(ioc);
    asio::steady_timer timer(ioc);
    tcp::resolver::results_type endpoints;
    error_code resolve_ec = asio::error::would_block;
    ioc.restart();
    resolver.async_resolve(u.host, u.port, [&](error_code ec, tcp::resolver::results_type r) {
      resolve_ec = ec;
      endpoints = std::move(r);
      timer.cancel();
    });
    timer.expires_at(deadline);
    timer.async_wait([&](error_code ec) {
      if (!ec) resolver.cancel();
    });
    ioc.run();
    if (resolve_ec) {
      if (resolve_ec == asio::error::operation_aborted)
        return Error::transient("http.connect_timeout", "resolving " + u.host + ": timed out");
      return Error::transient("http.resolve", "resolving " + u.host + ": " + resolve_ec.message());
    }

    if (u.scheme == "https") {
      if (auto err = prepare_tls()) return err;
      tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, tls_context);
      error_code addr_ec;
      (void)asio::ip::make_address(u.host, addr_ec);
      const bool host_is_ip = !addr_ec;  // SNI carries names only
      if (!host_is_ip && !SSL_set_tlsext_host_name(tls->native_handle(), u.host.c_str()))
        return Error::permanent("http.tls", "cannot set SNI for " + u.host);
      if (options.verify_peer) tls->set_verify_callback(ssl::host_name_verification(u.host));
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    lowest().expires_at(deadline);
    if (auto ec = run([&](auto h) { lowest().async_connect(endpoints, h); })) {
      close();
      return connect_error(ec, u, "connecting to");
    }
    if (tls) {
      if (auto ec = run([&](auto h) { tls->async_handshake(ssl::stream_base::client, h); })) {
        Error err = connect_error(ec, u, "TLS handshake with");
        if (const long v = SSL_get_verify_result(tls->native_handle()); v != X509_V_OK) {
          err = Error::permanent("http.tls_verify", "TLS handshake with " + where(u) + ": certificate rejected: " +
                                                        X509_verify_cert_error_string(v));
        }
        close();
        return err;
      }
    }
    origin = where(u);
    return std::nullopt;
  }

  // One request/response on the open connection. `nothing_received` tells a
  // stale kept-alive connection (safe to retry) from a server that answered badly.
  std::variant<HttpResponse, Error> exchange(const Url& u, const HttpRequest& r, bool& nothing_received) {
    nothing_received = false;
    http::request<http::string_body> req;
    const auto verb = http::string_to_verb(r.method);
    if (verb == http::verb::unknown) req.method_string(r.method);
    else req.method(verb);
    req.target(u.target);
    req.version(11);
    const bool default_port = (u.scheme == "https" && u.port == "443") || (u.scheme == "http" && u.port == "80");
    std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    if (!default_port) host += ":" + u.port;
    req.set(http::field::host, host);
    req.set(http::field::user_agent, options.user_agent);
    for (const auto& h : r.headers) req.set(h.name, h.value);
    if (!r.body.empty() || r.method == "POST" || r.method == "PUT") {
      req.body() = r.body;
      req.prepare_payload();
    }
    req.keep_alive(options.keep_alive);

    lowest().expires_after(options.read_timeout);
    error_code ec = tls ? run([&](auto h) { http::async_write(*tls, req, h); })
                        : run([&](auto h) { http::async_write(*plain, req, h); });
    if (ec) {
      nothing_received = true;
      return exchange_error(ec, u);
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(options.max_body_bytes);
    ec = tls ? run([&](auto h) { http::async_read_header(*tls, buffer, parser, h); })
             : run([&](auto h) { http::async_read_header(*plain, buffer, parser, h); });
    // Beast 1.74 ignores body_limit for a Content-Length body; check it here.
    if (!ec && parser.content_length() && *parser.content_length() > options.max_body_bytes)
      ec = http::error::body_limit;
    if (!ec)
      ec = tls ? run([&](auto h) { http::async_read(*tls, buffer, parser, h); })
               : run([&](auto h) { http::async_read(*plain, buffer, parser, h); });
    if (!ec && parser.get().body().size() > options.max_body_bytes) ec = http::error::body_limit;
    if (ec) {
      nothing_received = !parser.got_some();
      return exchange_error(ec, u);
    }
    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
    out.body = std::move(res.body());
    if (!options.keep_alive || !res.keep_alive()) close();
    return out;
  }
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

void HttpClient::close() { impl_->close(); }

std::variant<HttpResponse, Error> HttpClient::request(const HttpRequest& r) {
  auto parsed = Url::parse(r.url);
  if (auto* e = std::get_if<Error>(&parsed)) return std::move(*e);
  const Url& u = std::get<Url>(parsed);
  auto& d = *impl_;
  const bool reused = !d.origin.empty() && d.origin == where(u);
  if (!reused)
    if (auto err = d.connect(u)) return std::move(*err);
  bool nothing_received = false;
  auto result = d.exchange(u, r, nothing_received);
  if (std::holds_alternative<Error>(result)) {
    d.close();
    // The server may have closed an idle kept-alive connection just before we
    // wrote: that is no failure of the request, so try once on a new connection.
    const bool timed_out = std::get<Error>(result).code == "http.timeout";
    if (reused && nothing_received && !timed_out) {
      if (auto err = d.connect(u)) return std::move(*err);
      result = d.exchange(u, r, nothing_received);
      if (std::holds_alternative<Error>(result)) d.close();
    }
  }
  return result;
}

std::variant<HttpResponse, Error> HttpClient::get(std::string_view url, std::vector<HttpHeader> headers) {
  HttpRequest r;
  r.url = std::string(url);
  r.headers = std::move(headers);
  return request(r);
}

std::variant<HttpResponse, Error> HttpClient::post(std::string_view url, std::string body,
                                                   std::string_view content_type, std::vector<HttpHeader> headers) {
  HttpRequest r;
  r.method = "POST";
  r.url = std::string(url);
  r.headers = std::move(headers);
  r.headers.push_back({"Content-Type", std::string(content_type)});
  r.body = std::move(body);
  return request(r);
}

std::optional<Error> status_error(int status, std::string_view context) {
  if (status < 400) return std::nullopt;
  std::string msg = std::string(context) + ": HTTP " + std::to_string(status);
  if (status >= 500 || status == 408 || status == 429) return Error::transient("http.status", std::move(msg));
  return Error::permanent("http.status", std::move(msg));
}

}  // namespace lt::net
