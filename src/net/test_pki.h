// Test-only: a CA and server certificates made at test time in a temporary
// directory (no key material is ever committed). Used by unit and integration tests.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace lt::net::testing {

class TestPki {
 public:
  std::filesystem::path dir;
  std::string ca_pem;    // the CA certificate (trust this)
  std::string cert_pem;  // the current server certificate (CN and SAN "localhost" by default)
  std::string key_pem;   // its private key
  SSL_CTX* server_ctx = nullptr;

  explicit TestPki(const std::string& tag = "pki", const char* san = "DNS:localhost") {
    static std::atomic<int> n{0};
    dir = std::filesystem::temp_directory_path() /
          ("lt_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::create_directories(dir);
    ca_key_ = EVP_EC_gen("P-256");
    ca_ = make_cert(ca_key_, "logtracer test CA", nullptr, ca_key_, true, nullptr);
    ca_pem = (dir / "ca.pem").string();
    write_cert(ca_pem, ca_);
    cert_pem = (dir / "server.pem").string();
    key_pem = (dir / "server.key").string();
    server_ctx = SSL_CTX_new(TLS_server_method());
    issue("localhost", san);
  }
  ~TestPki() {
    SSL_CTX_free(server_ctx);
    X509_free(ca_);
    EVP_PKEY_free(ca_key_);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // A new key and server certificate written over cert_pem/key_pem (a rotation);
  // returns the certificate's serial number. server_ctx gets it too.
  long issue(const char* cn, const char* san) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* leaf = make_cert(key, cn, ca_, ca_key_, false, san);
    long serial = ASN1_INTEGER_get(X509_get_serialNumber(leaf));
    // Written to temporary names and renamed, as a certificate manager does.
    write_cert(cert_pem + ".tmp", leaf);
    FILE* f = std::fopen((key_pem + ".tmp").c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    std::filesystem::rename(key_pem + ".tmp", key_pem);
    std::filesystem::rename(cert_pem + ".tmp", cert_pem);
    SSL_CTX_use_certificate(server_ctx, leaf);
    SSL_CTX_use_PrivateKey(server_ctx, key);
    X509_free(leaf);
    EVP_PKEY_free(key);
    return serial;
  }

 private:
  static X509* make_cert(EVP_PKEY* subject_key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                         const char* san) {
    static std::atomic<long> serial{1};
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, subject_key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, nullptr, nullptr, 0);
    auto add = [&](int nid, const char* value) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    };
    add(NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (ca) add(NID_key_usage, "critical,keyCertSign,cRLSign");
    if (san) add(NID_subject_alt_name, san);
    X509_sign(x, issuer_key, EVP_sha256());
    return x;
  }
  static void write_cert(const std::string& path, X509* x) {
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
  }

  EVP_PKEY* ca_key_ = nullptr;
  X509* ca_ = nullptr;
};

// Subject CN of the certificate a TLS peer presented (rotation tests).
inline std::string peer_common_name(SSL* ssl) {
  X509* x = SSL_get1_peer_certificate(ssl);
  if (!x) return {};
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof cn);
  X509_free(x);
  return cn;
}

// A blocking OpenSSL client on 127.0.0.1:port that verifies the server against
// `ca_file` for `host`. Reads give up after 10 s so a test cannot hang on a bug.
struct TlsClient {
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  int fd = -1;
  bool connected = false;

  TlsClient(int port, const std::string& ca_file, const std::string& host = "localhost") {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
    connected = SSL_connect(ssl) == 1;
  }
  ~TlsClient() {
    if (connected) SSL_shutdown(ssl);
    if (ssl) SSL_free(ssl);
    SSL_CTX_free(ctx);
    ::close(fd);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool send(const std::string& data) {
    std::size_t off = 0;
    while (connected && off < data.size()) {
      const int n =
          SSL_write(ssl, data.data() + off, static_cast<int>(std::min<std::size_t>(data.size() - off, 1 << 20)));
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return connected;
  }
  // Reads until the server closes the connection; true when it did (not a timeout).
  bool closed_by_server() {
    char buf[4096];
    for (;;) {
      errno = 0;
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n > 0) continue;
      const int e = SSL_get_error(ssl, n);
      // With SO_RCVTIMEO a timeout surfaces as WANT_READ (or SYSCALL with EAGAIN).
      if (e == SSL_ERROR_WANT_READ) return false;
      return !(e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
    }
  }
  std::string server_name() { return connected ? peer_common_name(ssl) : std::string(); }
};

}  // namespace lt::net::testing
