// Test-only: a CA and server certificates made at test time in a temporary
// directory (no key material is ever committed). Used by unit and integration tests.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
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

}  // namespace lt::net::testing
