#include "net/http_server.h"

#include <pthread.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <list>
#include <mutex>

namespace lt::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches decoded request segments against a pattern; fills captures on success.
bool match_segments(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
                    std::vector<std::pair<std::string, std::string>>& params) {
  if (pattern.size() != segments.size()) return false;
  std::vector<std::pair<std::string, std::string>> captured;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (is_param(pattern[i])) {
      captured.emplace_back(pattern[i].substr(1, pattern[i].size() - 2), segments[i]);
    } else if (pattern[i] != segments[i]) {
      return false;
    }
  }
  params = std::move(captured);
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Close state shared with everything that may outlive the IO threads
// (responders held by slow handlers, WebSocket handles held by a hub): once
// stopped, nothing is posted to the io_context any more.
struct Lifeline {
  std::mutex mu;
  bool stopped = false;
};

}  // namespace

bool origin_allowed(const Request& req, const std::vector<std::string>& allowed_origins) {
  std::string_view origin = req.header("Origin");
  if (origin.empty()) return true;
  for (const auto& allowed : allowed_origins)
    if (origin == allowed) return true;
  std::string host = lower(req.header("Host"));
  if (host.empty()) return false;
  std::string o = lower(origin);
  return o == "http://" + host || o == "https://" + host;
}

namespace {

// A Host value split into its name (lower case, no brackets, no trailing dot) and
// port ("" when absent); nullopt when malformed (a bare IPv6 literal, junk after
// "]", a port that is not digits).
struct HostName {
  std::string name;
  std::string port;
};
std::optional<HostName> split_host(std::string_view host) {
  HostName out;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    std::size_t close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.name = lower(host.substr(1, close - 1));
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
    }
  } else {
    std::size_t colon = host.find(':');
    if (colon != std::string_view::npos && host.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
    out.name = lower(host.substr(0, colon));
    if (colon != std::string_view::npos) port = host.substr(colon + 1);
    if (!out.name.empty() && out.name.back() == '.') out.name.pop_back();  // "localhost." is localhost
  }
  for (char c : port)
    if (c < '0' || c > '9') return std::nullopt;
  if (out.name.empty()) return std::nullopt;
  out.port = std::string(port);
  return out;
}

std::optional<asio::ip::address> ip_literal(std::string_view s) {
  boost::system::error_code ec;
  auto a = asio::ip::make_address(std::string(s), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return asio::ip::address(a.to_v6().to_v4());
  return a;
}

}  // namespace

bool host_allowed(std::string_view host, std::string_view bind_address, std::string_view local_address,
                  const std::vector<std::string>& allowed_hosts) {
  auto h = split_host(host);
  if (!h) return false;
  if (h->name == "localhost") return true;
  if (auto ip = ip_literal(h->name)) {
    // A rebinding attack needs a DNS name; an address literal can only be one this
    // machine is reached by. Accept those we know are ours.
    if (ip->is_loopback()) return true;
    for (std::string_view own : {bind_address, local_address})
      if (auto a = ip_literal(own); a && *a == *ip) return true;
  } else if (h->name == lower(bind_address)) {
    return true;
  }
  for (const auto& entry : allowed_hosts) {
    if (entry == "*") return true;
    auto e = split_host(entry);
    if (!e || e->name != h->name) continue;
    if (e->port.empty() || e->port == h->port) return true;
  }
  return false;
}

std::optional<std::string_view> Request::query_param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

std::string_view Request::header(std::string_view name) const {
  auto it = raw.find(beast::string_view(name.data(), name.size()));
  return it == raw.end() ? std::string_view{} : sv(it->value());
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && c == '+') ? ' ' : c;
  }
  return out;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view qs) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!qs.empty()) {
    std::size_t amp = qs.find('&');
    std::string_view pair = qs.substr(0, amp);
    qs = amp == std::string_view::npos ? std::string_view{} : qs.substr(amp + 1);
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      out.emplace_back(percent_decode(pair, true), std::string{});
    } else {
      out.emplace_back(percent_decode(pair.substr(0, eq), true), percent_decode(pair.substr(eq + 1), true));
    }
  }
  return out;
}

Response make_response(http::status status, std::string body, std::string_view content_type) {
  Response res{status, 11};
  res.set(http::field::content_type, beast::string_view(content_type.data(), content_type.size()));
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(http::status status, std::string body) {
  return make_response(status, std::move(body), "application/json; charset=utf-8");
}

Response json_error(http::status status, std::string_view message, std::string_view extra_members) {
  std::string body = "{\"error\":\"";
  for (unsigned char c : message) {
    if (c == '"' || c == '\\') {
      body += '\\';
      body += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      body += buf;
    } else {
      body += static_cast<char>(c);
    }
  }
  body += '"';
  body += extra_members;
  body += '}';
  return json_response(status, std::move(body));
}

// ---------------------------------------------------------------------------

struct Route {
  http::verb method;
  std::string text;
  std::vector<std::string> pattern;
  AsyncHandler handler;
};

struct WsRoute {
  std::string text;
  std::vector<std::string> pattern;
  WebSocketHandler on_open;
  WebSocketCheck check;
};

struct SessionBase {
  virtual ~SessionBase() = default;
  virtual void shutdown() = 0;  // posted by HttpServer::stop
};

struct Responder::State {
  std::atomic<bool> done{false};
  std::function<void(Response&&)> deliver;
  ~State() {
    if (!done.exchange(true) && deliver)
      deliver(json_error(http::status::internal_server_error, "handler finished without a response"));
  }
};

void Responder::operator()(Response response) const {
  if (!state_ || state_->done.exchange(true)) return;
  state_->deliver(std::move(response));
}

struct HttpServer::Impl {
  explicit Impl(ServerOptions o) : opt(std::move(o)) {}

  ServerOptions opt;
  std::vector<Route> routes;
  std::vector<WsRoute> ws_routes;
  std::function<std::optional<Response>(const Request&)> fallback;
  Guard guard;
  std::atomic<std::size_t> conns{0};
  std::shared_ptr<Lifeline> life = std::make_shared<Lifeline>();
  std::mutex sessions_mu;
  std::list<std::weak_ptr<SessionBase>> sessions;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> running_threads{0};
  std::uint16_t bound_port = 0;
  bool started = false;
  bool stopped = false;
  // Declared last: destroyed first, so sessions destroyed with it still see the fields above.
  asio::io_context ioc;
  std::optional<tcp::acceptor> acceptor;

  void track(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(sessions_mu);
    if (sessions.size() > 64 && sessions.size() > 2 * conns.load())
      sessions.remove_if([](const auto& w) { return w.expired(); });
    sessions.push_back(s);
  }

  void apply_default_headers(Response& res) const {
    for (const auto& [k, v] : opt.default_headers)
      if (res.find(k) == res.end()) res.set(k, v);
    if (res.find(http::field::server) == res.end()) res.set(http::field::server, "logtracer");
  }

  // Runs the guard for a matched route; a response means refused.
  std::optional<Response> check_guard(const Request& req, const std::string& route) const {
    if (!guard) return std::nullopt;
    try {
      return guard(req, route);
    } catch (const std::exception&) {
      return json_error(http::status::internal_server_error, "internal error");
    }
  }

  void do_accept();
};

namespace {

// Counts a connection for max_connections; moves with the socket into a WebSocket session.
class ConnToken {
 public:
  explicit ConnToken(std::atomic<std::size_t>* c) : c_(c) {}
  ConnToken(ConnToken&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  ConnToken& operator=(ConnToken&&) = delete;
  ~ConnToken() {
    if (c_) c_->fetch_sub(1);
  }

 private:
  std::atomic<std::size_t>* c_;
};

template <class Stream>
constexpr bool kIsTls = !std::is_same_v<Stream, beast::tcp_stream>;

// What a handler holds: a weak reference to the session, safe to use from any
// thread and after the server stopped.
class WsHandle final : public WebSocket {
 public:
  WsHandle(std::shared_ptr<Lifeline> life, std::size_t max_queued) : life_(std::move(life)), max_queued_(max_queued) {}

  bool send(std::string text) override {
    if (!open_.load()) return false;
    if (queued_.load() >= max_queued_) return false;
    std::lock_guard lock(life_->mu);
    if (life_->stopped || !post_send_) return false;
    queued_.fetch_add(1);
    if (!post_send_(std::move(text))) {
      queued_.fetch_sub(1);
      return false;
    }
    return true;
  }
  std::size_t queued() const override { return queued_.load(); }
  void close() override {
    std::lock_guard lock(life_->mu);
    if (!life_->stopped && post_close_) post_close_();
  }
  bool is_open() const override { return open_.load(); }

  std::shared_ptr<Lifeline> life_;
  std::size_t max_queued_;
  std::atomic<std::size_t> queued_{0};
  std::atomic<bool> open_{true};
  std::function<bool(std::string&&)> post_send_;  // set once before the handle is published
  std::function<void()> post_close_;
};

template <class Stream>
class WsSession final : public SessionBase, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(HttpServer::Impl& srv, Stream&& stream, ConnToken token, Request req, const WsRoute& route)
      : srv_(srv), ws_(std::move(stream)), token_(std::move(token)), req_(std::move(req)), route_(route) {}
  ~WsSession() override {
    if (handle_) handle_->open_.store(false);
  }

  void keep(std::shared_ptr<void> ctx) { tls_ctx_ = std::move(ctx); }
  void start();
  void enqueue(std::string text);
  void request_close();
  void shutdown() override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().close(ec);
    });
  }
  auto executor() { return ws_.get_executor(); }

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void do_write();
  void finish();

  HttpServer::Impl& srv_;
  std::shared_ptr<void> tls_ctx_;  // declared before the stream: outlives it
  websocket::stream<Stream> ws_;
  ConnToken token_;
  Request req_;
  const WsRoute& route_;
  std::shared_ptr<WsHandle> handle_;
  beast::flat_buffer buf_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool close_requested_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

template <class Stream>
void WsSession<Stream>::start() {
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  const Headers* headers = &srv_.opt.default_headers;
  ws_.set_option(websocket::stream_base::decorator([headers](websocket::response_type& res) {
    res.set(http::field::server, "logtracer");
    for (const auto& [k, v] : *headers) res.set(k, v);
  }));
  ws_.read_message_max(srv_.opt.ws_max_message_bytes);
  // One frame per message: Beast's default splits it into 4 KiB fragments, each its
  // own write and completion, which at live-tail volumes (hundreds of KiB per
  // batch, many clients) costs the IO thread more than the bytes do.
  ws_.auto_fragment(false);
  ws_.async_accept(req_.raw, beast::bind_front_handler(&WsSession::on_accept, this->shared_from_this()));
}

template <class Stream>
void WsSession<Stream>::on_accept(beast::error_code ec) {
  if (ec) return;
  handle_ = std::make_shared<WsHandle>(srv_.life, srv_.opt.ws_max_queued_frames);
  std::weak_ptr<WsSession> weak = this->shared_from_this();
  handle_->post_send_ = [weak](std::string&& text) {
    auto self = weak.lock();
    if (!self) return false;
    asio::post(self->executor(), [self, t = std::move(text)]() mutable { self->enqueue(std::move(t)); });
    return true;
  };
  handle_->post_close_ = [weak] {
    if (auto self = weak.lock()) asio::post(self->executor(), [self] { self->request_close(); });
  };
  try {
    route_.on_open(handle_, req_);
  } catch (const std::exception&) {
    request_close();
  }
  do_read();
}

template <class Stream>
void WsSession<Stream>::do_read() {
  ws_.async_read(buf_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->finish();
    std::string text = beast::buffers_to_string(self->buf_.data());
    self->buf_.consume(self->buf_.size());
    if (self->handle_ && self->handle_->on_message) {
      try {
        self->handle_->on_message(text);
      } catch (const std::exception&) {
      }
    }
    self->do_read();
  });
}

template <class Stream>
void WsSession<Stream>::enqueue(std::string text) {
  if (finished_ || close_requested_) {
    handle_->queued_.fetch_sub(1);
    return;
  }
  outbox_.push_back(std::move(text));
  if (!writing_) do_write();
}

template <class Stream>
void WsSession<Stream>::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(asio::buffer(outbox_.front()), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
    self->outbox_.pop_front();
    self->handle_->queued_.fetch_sub(1);
    if (ec) {
      self->writing_ = false;
      return self->finish();
    }
    if (!self->outbox_.empty() && !self->close_requested_) return self->do_write();
    self->writing_ = false;
    if (self->close_requested_) self->request_close();
  });
}

template <class Stream>
void WsSession<Stream>::request_close() {
  close_requested_ = true;
  if (writing_ || closing_ || finished_) return;
  closing_ = true;
  handle_->queued_.fetch_sub(outbox_.size());
  outbox_.clear();
  ws_.async_close(websocket::close_code::normal, [self = this->shared_from_this()](beast::error_code) {});
}

template <class Stream>
void WsSession<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  if (!handle_) return;
  handle_->open_.store(false);
  auto on_close = std::move(handle_->on_close);
  handle_->on_close = nullptr;
  handle_->on_message = nullptr;
  if (on_close) {
    try {
      on_close();
    } catch (const std::exception&) {
    }
  }
}

template <class Stream>
class HttpSession final : public SessionBase, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(HttpServer::Impl& srv, Stream&& stream, ConnToken token, std::string remote, std::string local)
      : srv_(srv),
        stream_(std::move(stream)),
        token_(std::move(token)),
        remote_(std::move(remote)),
        local_(std::move(local)),
        handler_timer_(stream_.get_executor()) {}

  void run() {
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(srv_.opt.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return;
                                self->do_read();
                              });
    } else {
      do_read();
    }
  }

  // Holds the TLS context this connection was accepted with (it may be replaced by a reload meanwhile).
  void keep(std::shared_ptr<void> ctx) { tls_ctx_ = std::move(ctx); }

  void shutdown() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->handler_timer_.cancel();
      beast::error_code ec;
      beast::get_lowest_layer(self->stream_).socket().close(ec);
    });
  }

  void deliver(std::uint64_t seq, Response&& res) {
    if (seq != seq_ || !awaiting_) return;
    awaiting_ = false;
    handler_timer_.cancel();
    write(std::move(res), keep_alive_);
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(srv_.opt.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(srv_.opt.max_header_bytes));
    beast::get_lowest_layer(stream_).expires_after(srv_.opt.read_timeout);
    http::async_read(stream_, buf_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) return write(json_error(http::status::payload_too_large, "request body too large"), false);
    if (ec == http::error::header_limit)
      return write(json_error(http::status::request_header_fields_too_large, "request headers too large"), false);
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec) return close();

    Request req;
    req.raw = parser_->release();
    req.remote_address = remote_;
    req.local_address = local_;
    std::string_view target = sv(req.raw.target());
    std::size_t qpos = target.find('?');
    std::string_view raw_path = target.substr(0, qpos);
    if (qpos != std::string_view::npos) req.query = parse_query_string(target.substr(qpos + 1));
    std::vector<std::string> segments = split_path(raw_path);
    for (auto& s : segments) s = percent_decode(s, false);
    req.path = percent_decode(raw_path, false);
    keep_alive_ = req.raw.keep_alive();

    if (srv_.opt.check_host) {
      auto host = req.raw.find(http::field::host);
      if (host != req.raw.end() &&
          !host_allowed(sv(host->value()), srv_.opt.bind_address, local_, srv_.opt.allowed_hosts))
        return write(json_error(http::status::misdirected_request,
                                "this server does not answer to that Host name (DNS rebinding protection); "
                                "to reach it by this name, list it in the server's allowed_hosts"),
                     false);
    }

    if (websocket::is_upgrade(req.raw)) return upgrade(std::move(req), segments);

    const Route* found = nullptr;
    bool path_known = false;
    for (const auto& r : srv_.routes) {
      std::vector<std::pair<std::string, std::string>> params;
      if (!match_segments(r.pattern, segments, params)) continue;
      path_known = true;
      if (r.method == req.raw.method() ||
          (req.raw.method() == http::verb::head && r.method == http::verb::get && !found)) {
        found = &r;
        req.params = std::move(params);
        if (r.method == req.raw.method()) break;
      }
    }
    if (!found) {
      if (!path_known && srv_.fallback &&
          (req.raw.method() == http::verb::get || req.raw.method() == http::verb::head)) {
        std::optional<Response> res;
        try {
          res = srv_.fallback(req);
        } catch (const std::exception&) {
          res = json_error(http::status::internal_server_error, "internal error");
        }
        if (res) return write(std::move(*res), keep_alive_);
      }
      if (path_known) return write(json_error(http::status::method_not_allowed, "method not allowed"), keep_alive_);
      return write(json_error(http::status::not_found, "not found"), keep_alive_);
    }

    if (auto refusal = srv_.check_guard(req, found->text)) return write(std::move(*refusal), keep_alive_);

    std::uint64_t seq = ++seq_;
    awaiting_ = true;
    auto state = std::make_shared<Responder::State>();
    std::weak_ptr<HttpSession> weak = this->shared_from_this();
    std::shared_ptr<Lifeline> life = srv_.life;
    state->deliver = [weak, life, seq](Response&& res) {
      std::lock_guard lock(life->mu);
      if (life->stopped) return;
      if (auto self = weak.lock())
        asio::post(self->stream_.get_executor(),
                   [self, seq, r = std::move(res)]() mutable { self->deliver(seq, std::move(r)); });
    };
    handler_timer_.expires_after(srv_.opt.handler_timeout);
    handler_timer_.async_wait([self = this->shared_from_this(), seq](beast::error_code ec) {
      if (ec) return;
      self->deliver(seq, json_error(http::status::service_unavailable, "handler timed out"));
    });
    Responder responder(std::move(state));
    try {
      found->handler(req, responder);
    } catch (const std::exception& e) {
      responder(json_error(http::status::internal_server_error, "internal error"));
    }
  }

  void upgrade(Request req, const std::vector<std::string>& segments) {
    const WsRoute* found = nullptr;
    for (const auto& r : srv_.ws_routes) {
      std::vector<std::pair<std::string, std::string>> params;
      if (match_segments(r.pattern, segments, params)) {
        found = &r;
        req.params = std::move(params);
        break;
      }
    }
    if (!found) return write(json_error(http::status::not_found, "no WebSocket endpoint here"), false);
    if (!origin_allowed(req, srv_.opt.allowed_origins))
      return write(json_error(http::status::forbidden, "origin not allowed"), false);
    if (auto refusal = srv_.check_guard(req, found->text)) return write(std::move(*refusal), false);
    if (found->check) {
      std::optional<Response> refusal;
      try {
        refusal = found->check(req);
      } catch (const std::exception&) {
        refusal = json_error(http::status::internal_server_error, "internal error");
      }
      if (refusal) return write(std::move(*refusal), false);
    }
    auto ws = std::make_shared<WsSession<Stream>>(srv_, std::move(stream_), std::move(token_), std::move(req), *found);
    ws->keep(tls_ctx_);
    srv_.track(ws);
    ws->start();
  }

  void write(Response&& res, bool keep_alive) {
    srv_.apply_default_headers(res);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    response_ = std::make_shared<Response>(std::move(res));
    beast::get_lowest_layer(stream_).expires_after(srv_.opt.write_timeout);
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        self->response_.reset();
                        if (ec || !keep_alive) return self->close();
                        self->do_read();
                      });
  }

  void close() {
    handler_timer_.cancel();
    beast::error_code ec;
    if constexpr (kIsTls<Stream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
      });
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  HttpServer::Impl& srv_;
  std::shared_ptr<void> tls_ctx_;  // declared before the stream: outlives it
  Stream stream_;
  ConnToken token_;
  std::string remote_;
  std::string local_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  asio::steady_timer handler_timer_;
  std::uint64_t seq_ = 0;
  bool awaiting_ = false;
  bool keep_alive_ = true;
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor->async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    if (!ec) {
      if (conns.load() >= opt.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        conns.fetch_add(1);
        ConnToken token(&conns);
        beast::error_code rec;
        auto ep = socket.remote_endpoint(rec);
        std::string remote = rec ? std::string{} : ep.address().to_string();
        auto local_ep = socket.local_endpoint(rec);
        std::string local = rec ? std::string{} : local_ep.address().to_string();
        if (opt.tls) {
          using S = beast::ssl_stream<beast::tcp_stream>;
          std::shared_ptr<asio::ssl::context> ctx = opt.tls->current();
          auto s = std::make_shared<HttpSession<S>>(*this, S(beast::tcp_stream(std::move(socket)), *ctx),
                                                    std::move(token), std::move(remote), std::move(local));
          s->keep(std::move(ctx));
          track(s);
          s->run();
        } else {
          auto s = std::make_shared<HttpSession<beast::tcp_stream>>(*this, beast::tcp_stream(std::move(socket)),
                                                                    std::move(token), std::move(remote),
                                                                    std::move(local));
          track(s);
          s->run();
        }
      }
    }
    do_accept();
  });
}

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(http::verb method, std::string pattern, AsyncHandler handler) {
  auto segments = split_path(pattern);
  impl_->routes.push_back({method, std::move(pattern), std::move(segments), std::move(handler)});
}

void HttpServer::route(http::verb method, std::string pattern, Handler handler) {
  route(method, std::move(pattern), AsyncHandler([h = std::move(handler)](const Request& req, Responder done) {
          done(h(req));
        }));
}

void HttpServer::fallback(std::function<std::optional<Response>(const Request&)> handler) {
  impl_->fallback = std::move(handler);
}

void HttpServer::websocket(std::string pattern, WebSocketHandler on_open, WebSocketCheck check) {
  auto segments = split_path(pattern);
  impl_->ws_routes.push_back({std::move(pattern), std::move(segments), std::move(on_open), std::move(check)});
}

void HttpServer::guard(Guard guard) { impl_->guard = std::move(guard); }

std::error_code HttpServer::start() {
  Impl& im = *impl_;
  if (im.started) return std::make_error_code(std::errc::operation_in_progress);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(im.opt.bind_address, ec);
  if (ec) return std::make_error_code(std::errc::invalid_argument);
  tcp::endpoint endpoint(address, im.opt.port);
  im.acceptor.emplace(im.ioc);
  im.acceptor->open(endpoint.protocol(), ec);
  if (!ec) im.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) im.acceptor->bind(endpoint, ec);
  if (!ec) im.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    im.acceptor.reset();
    return std::error_code(ec.value(), std::system_category());
  }
  im.bound_port = im.acceptor->local_endpoint().port();
  im.started = true;
  im.do_accept();
  std::size_t n = im.opt.io_threads ? im.opt.io_threads : 1;
  for (std::size_t i = 0; i < n; ++i) {
    im.running_threads.fetch_add(1);
    im.threads.emplace_back([&im, i] {
      std::string name = im.opt.thread_name.substr(0, 12) + "-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
      im.ioc.run();
      im.running_threads.fetch_sub(1);
    });
  }
  return {};
}

void HttpServer::stop() {
  Impl& im = *impl_;
  if (!im.started || im.stopped) return;
  im.stopped = true;
  {
    std::lock_guard lock(im.life->mu);
    im.life->stopped = true;
  }
  asio::post(im.ioc, [&im] {
    beast::error_code ec;
    im.acceptor->close(ec);
  });
  {
    std::lock_guard lock(im.sessions_mu);
    for (auto& w : im.sessions)
      if (auto s = w.lock()) s->shutdown();
    im.sessions.clear();
  }
  // Give connections a moment to close on their own, then stop whatever remains.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (im.running_threads.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  im.ioc.stop();
  for (auto& t : im.threads)
    if (t.joinable()) t.join();
  im.threads.clear();
}

std::uint16_t HttpServer::port() const noexcept { return impl_->bound_port; }
std::size_t HttpServer::connections() const noexcept { return impl_->conns.load(); }
const ServerOptions& HttpServer::options() const noexcept { return impl_->opt; }

}  // namespace lt::net
