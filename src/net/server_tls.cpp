#include "net/server_tls.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/ssl/context.hpp>

namespace lt::net {

namespace asio = boost::asio;

std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file,
                                                     std::string& error) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                   asio::ssl::context::single_dh_use);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    error = "cannot load TLS certificate " + cert_file + ": " + ec.message();
    return nullptr;
  }
  // OpenSSL checks here that the key belongs to the certificate.
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) {
    error = "cannot load TLS private key " + key_file + " (or it does not match " + cert_file + "): " + ec.message();
    return nullptr;
  }
  return ctx;
}

std::shared_ptr<ServerTls> ServerTls::load(std::string cert_file, std::string key_file, std::string& error) {
  std::shared_ptr<ServerTls> tls(new ServerTls(std::move(cert_file), std::move(key_file)));
  tls->tried_ = tls->stamps();
  tls->ctx_ = make_tls_context(tls->cert_file_, tls->key_file_, error);
  if (!tls->ctx_) return nullptr;
  return tls;
}

std::pair<FileStamp, FileStamp> ServerTls::stamps() const {
  auto stamp = [](const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return FileStamp{};
    return FileStamp{st.st_ino, st.st_size,
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  };
  return {stamp(cert_file_), stamp(key_file_)};
}

std::shared_ptr<asio::ssl::context> ServerTls::current() {
  // Two stat() calls per connection: cheap next to a TLS handshake, and no watcher thread to manage.
  auto now = stamps();
  std::lock_guard lock(mu_);
  if (now == tried_) return ctx_;
  tried_ = now;
  std::string error;
  if (auto fresh = make_tls_context(cert_file_, key_file_, error)) {
    ctx_ = std::move(fresh);
    reloads_.fetch_add(1);
    spdlog::info("tls: reloaded certificate {}", cert_file_);
  } else {
    failed_.fetch_add(1);
    spdlog::warn("tls: keeping the previous certificate: {}", error);
  }
  return ctx_;
}

}  // namespace lt::net
