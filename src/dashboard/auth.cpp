#include "dashboard/auth.h"

#include <simdjson.h>
#include <sodium.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

#include "core/bounded_queue.h"
#include "core/json_codec.h"
#include "net/credentials.h"

namespace lt::dashboard {

namespace http = net::http;

namespace {

void init_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
}

constexpr std::size_t kIdBytes = 32;  // 256-bit session ids

// Sessions are looked up by a hash of the id, so the map's comparisons never
// run on the secret itself and a memory dump holds no usable cookie.
std::string session_key(std::string_view id) {
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(id.data()), id.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

bool well_formed_id(std::string_view id) {
  if (id.size() != kIdBytes * 2) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

net::Response no_store(net::Response res) {
  res.set(http::field::cache_control, "no-store");
  return res;
}

net::Response unauthorized() {
  auto res = net::json_error(http::status::unauthorized, "authentication required");
  res.set(http::field::www_authenticate, "Bearer realm=\"logtracer\"");
  return no_store(std::move(res));
}

// The one answer to every failed login: the same status and body whether the
// user is unknown or the password is wrong.
net::Response login_failed() {
  return no_store(net::json_error(http::status::unauthorized, "wrong username or password"));
}

struct Credentials {
  std::string username, password;
  bool form = false;  // an HTML form post: answer with a redirect
};

std::optional<Credentials> parse_credentials(const net::Request& req) {
  Credentials c;
  std::string_view type = req.header("Content-Type");
  const std::string& body = req.raw.body();
  if (type.starts_with("application/x-www-form-urlencoded")) {
    c.form = true;
    bool user = false, pass = false;
    for (auto& [k, v] : net::parse_query_string(body)) {
      if (k == "username" && !user) c.username = std::move(v), user = true;
      else if (k == "password" && !pass) c.password = std::move(v), pass = true;
    }
    if (!user || !pass) return std::nullopt;
    return c;
  }
  if (!type.starts_with("application/json")) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view u, p;
  if (parser.parse(body).get(doc) || doc["username"].get_string().get(u) || doc["password"].get_string().get(p))
    return std::nullopt;
  c.username = u;
  c.password = p;
  return c;
}

}  // namespace

std::string hash_password(std::string_view password, unsigned long long opslimit, std::size_t memlimit) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), opslimit ? opslimit : crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        memlimit ? memlimit : crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    throw std::runtime_error("argon2id hashing failed (out of memory?)");
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  init_sodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

struct Auth::LoginJob {
  Credentials credentials;
  std::string cookie;  // Set-Cookie line without the id (its Secure flag depends on the request)
  net::Responder respond;
};

struct Auth::Queue {
  explicit Queue(std::size_t n) : jobs(n) {}
  BoundedQueue<std::shared_ptr<LoginJob>> jobs;
};

Auth::Auth(AuthOptions options) : opt_(std::move(options)), queue_(std::make_unique<Queue>(opt_.login_queue)) {
  init_sodium();
  // Only successful logins create sessions; one thread checks passwords, which
  // also bounds the memory argon2 takes and the rate of guesses.
  if (!opt_.users.empty()) worker_ = std::thread([this] { login_worker(); });
}

Auth::~Auth() {
  queue_->jobs.close();
  if (worker_.joinable()) worker_.join();
}

bool Auth::is_public_route(std::string_view route) noexcept {
  return route == "/healthz" || route == "/api/v1/login" || route == "/api/v1/logout" || route == "/api/v1/session";
}

std::string_view Auth::cookie_value(std::string_view header, std::string_view name) noexcept {
  while (!header.empty()) {
    std::size_t semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = pair.substr(0, eq);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    if (key == name) {
      std::string_view v = pair.substr(eq + 1);
      while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
      return v;
    }
  }
  return {};
}

std::optional<std::string> Auth::session_user(std::string_view id) const {
  if (!well_formed_id(id)) return std::nullopt;
  const std::string key = session_key(id);
  std::lock_guard lock(mu_);
  auto it = sessions_.find(key);
  if (it == sessions_.end() || it->second.expires <= std::chrono::steady_clock::now()) return std::nullopt;
  return it->second.username;
}

bool Auth::authorized(const net::Request& req) const {
  if (!enabled()) return true;
  if (auto token = net::bearer_token(req.header("Authorization"))) return net::token_matches(*token, opt_.tokens);
  return session_user(cookie_value(req.header("Cookie"), kCookie)).has_value();
}

std::optional<std::string> Auth::login(std::string_view username, std::string_view password) {
  if (opt_.users.empty()) return std::nullopt;
  // Every name is compared in full and one hash is always verified: an unknown
  // user takes as long as a wrong password (against the first user's hash).
  const AuthUser* found = nullptr;
  for (const auto& u : opt_.users)
    if (net::constant_time_equal(username, u.username) && !found) found = &u;
  const bool ok = verify_password(found ? found->password_hash : opt_.users.front().password_hash, password);
  if (!ok || !found) return std::nullopt;

  unsigned char raw[kIdBytes];
  randombytes_buf(raw, sizeof raw);
  char hex[kIdBytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
  std::string id(hex, kIdBytes * 2);
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second.expires <= now; });
  while (sessions_.size() >= opt_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.expires < oldest->second.expires) oldest = it;
    sessions_.erase(oldest);
  }
  sessions_[session_key(id)] = Session{found->username, now + opt_.session_ttl};
  return id;
}

void Auth::logout(std::string_view session_id) {
  if (!well_formed_id(session_id)) return;
  std::lock_guard lock(mu_);
  sessions_.erase(session_key(session_id));
}

std::size_t Auth::sessions() const {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [k, s] : sessions_) n += s.expires > now;
  return n;
}

std::string Auth::set_cookie(const net::Request& req, std::string_view value, std::chrono::seconds max_age) const {
  std::string c(kCookie);
  c += '=';
  c += value;
  c += "; Path=/; Max-Age=" + std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict";
  if (opt_.tls || req.header("X-Forwarded-Proto") == "https") c += "; Secure";
  return c;
}

void Auth::login_worker() {
  for (;;) {
    auto job = queue_->jobs.pop(std::chrono::seconds(1));
    if (!job) {
      if (queue_->jobs.closed()) return;
      continue;
    }
    LoginJob& j = **job;
    auto id = login(j.credentials.username, j.credentials.password);
    if (!id) {
      spdlog::warn("dashboard: failed login");  // no user name: it may be a mistyped password
      j.respond(login_failed());
      continue;
    }
    net::Response res;
    if (j.credentials.form) {
      res = net::make_response(http::status::see_other, "", "text/plain; charset=utf-8");
      res.set(http::field::location, "/");
    } else {
      std::string body = "{\"ok\":true,\"username\":";
      append_json_string(j.credentials.username, body);
      body += ",\"expires_in\":" + std::to_string(opt_.session_ttl.count()) + "}";
      res = net::json_response(http::status::ok, std::move(body));
    }
    j.cookie.insert(kCookie.size() + 1, *id);  // after "lt_session="
    res.set(http::field::set_cookie, j.cookie);
    j.respond(no_store(std::move(res)));
  }
}

void Auth::protect(net::HttpServer& server) {
  const std::vector<std::string> origins = opt_.allowed_origins;
  server.route(http::verb::post, "/api/v1/login", [this, origins](const net::Request& req, net::Responder respond) {
    if (!net::origin_allowed(req, origins))
      return respond(net::json_error(http::status::forbidden, "origin not allowed"));
    auto creds = parse_credentials(req);
    if (!creds)
      return respond(net::json_error(http::status::bad_request,
                                     "expected a JSON or form body with \"username\" and \"password\""));
    if (opt_.users.empty()) return respond(login_failed());
    auto job = std::make_shared<LoginJob>(
        LoginJob{std::move(*creds), set_cookie(req, "", opt_.session_ttl), respond});
    if (!queue_->jobs.try_push(std::move(job))) {
      auto res = net::json_error(http::status::too_many_requests, "too many login attempts at once; retry shortly");
      res.set(http::field::retry_after, "1");
      respond(no_store(std::move(res)));
    }
  });

  server.route(http::verb::post, "/api/v1/logout", [this, origins](const net::Request& req) {
    if (!net::origin_allowed(req, origins)) return net::json_error(http::status::forbidden, "origin not allowed");
    logout(cookie_value(req.header("Cookie"), kCookie));
    auto res = net::json_response(http::status::ok, R"({"ok":true})");
    res.set(http::field::set_cookie, set_cookie(req, "", std::chrono::seconds(0)));
    return no_store(std::move(res));
  });

  server.get("/api/v1/session", [this](const net::Request& req) {
    std::string body = "{\"auth_required\":";
    body += enabled() ? "true" : "false";
    body += ",\"password_login\":";
    body += opt_.users.empty() ? "false" : "true";
    body += ",\"authenticated\":";
    std::optional<std::string> user;
    bool by_token = false;
    if (auto token = net::bearer_token(req.header("Authorization")))
      by_token = net::token_matches(*token, opt_.tokens);
    else
      user = session_user(cookie_value(req.header("Cookie"), kCookie));
    body += (!enabled() || by_token || user) ? "true" : "false";
    body += ",\"username\":";
    if (user)
      append_json_string(*user, body);
    else
      body += "null";
    body += '}';
    return no_store(net::json_response(http::status::ok, std::move(body)));
  });

  if (!enabled()) return;
  server.guard([this](const net::Request& req, std::string_view route) -> std::optional<net::Response> {
    if (is_public_route(route) || authorized(req)) return std::nullopt;
    return unauthorized();
  });
}

}  // namespace lt::dashboard
