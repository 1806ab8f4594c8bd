// Dashboard authentication: bearer tokens, argon2id passwords (libsodium) and
// server-side login sessions carried by an HttpOnly, SameSite=Strict cookie.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/http_server.h"

namespace lt::dashboard {

struct AuthUser {
  std::string username;
  std::string password_hash;  // "$argon2id$v=19$..." (crypto_pwhash_str)
};

struct AuthOptions {
  std::vector<std::string> tokens;
  std::vector<AuthUser> users;
  std::chrono::seconds session_ttl{12 * 3600};
  // The listener speaks TLS: session cookies get `Secure`. Plain http is only
  // allowed on loopback (or with insecure: true), where a Secure cookie would be
  // refused by some browsers; behind a TLS proxy, X-Forwarded-Proto: https adds it.
  bool tls = false;
  std::vector<std::string> allowed_origins;  // for POST login/logout, besides the dashboard's own
  std::size_t max_sessions = 10'000;         // oldest-expiring sessions are dropped beyond this
  std::size_t login_queue = 8;               // password checks waiting; more → 429
};

// argon2id through libsodium's crypto_pwhash_str. Limits of 0 mean libsodium's
// "interactive" ones (2 passes, 64 MiB). Throws std::runtime_error when out of memory.
std::string hash_password(std::string_view password, unsigned long long opslimit = 0, std::size_t memlimit = 0);
bool verify_password(const std::string& hash, std::string_view password);

class Auth {
 public:
  static constexpr std::string_view kCookie = "lt_session";

  explicit Auth(AuthOptions options);
  ~Auth();
  Auth(const Auth&) = delete;
  Auth& operator=(const Auth&) = delete;

  // False: no tokens and no users configured, the dashboard is open.
  bool enabled() const noexcept { return !opt_.tokens.empty() || !opt_.users.empty(); }

  // Mounts POST /api/v1/login, POST /api/v1/logout and GET /api/v1/session and,
  // when enabled, a guard that answers 401 on every other route and WebSocket
  // (static assets and /healthz stay open). Keep this object alive while `server` runs.
  void protect(net::HttpServer& server);

  // A valid bearer token or a live session cookie.
  bool authorized(const net::Request& req) const;
  // Checks the password (slow by design: argon2id); a new session id, or nullopt.
  // An unknown user costs one hash verification too, so timing does not tell them apart.
  std::optional<std::string> login(std::string_view username, std::string_view password);
  void logout(std::string_view session_id);
  std::size_t sessions() const;

  static bool is_public_route(std::string_view route) noexcept;
  // Value of cookie `name` in a Cookie header; empty when absent.
  static std::string_view cookie_value(std::string_view cookie_header, std::string_view name) noexcept;

 private:
  struct Session {
    std::string username;
    std::chrono::steady_clock::time_point expires;
  };
  struct LoginJob;

  std::optional<std::string> session_user(std::string_view session_id) const;
  std::string set_cookie(const net::Request& req, std::string_view value, std::chrono::seconds max_age) const;
  void login_worker();

  AuthOptions opt_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Session> sessions_;  // key: BLAKE2b of the id, never the id itself
  struct Queue;
  std::unique_ptr<Queue> queue_;
  std::thread worker_;
};

}  // namespace lt::dashboard
