// `logtracer tail`: follows the dashboard's live-tail WebSocket from a terminal,
// one line per event, coloured by level on a TTY, or raw JSON lines with --json.
#include <simdjson.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "cmd/commands.h"
#include "core/level.h"
#include "core/utf8.h"
#include "net/http_client.h"
#include "net/http_server.h"

namespace lt::cmd {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

struct TailArgs {
  std::string server = "http://127.0.0.1:8080";
  std::vector<std::string> query;
  bool json = false, colour = false;
  std::string token;    // --token, else $LT_TOKEN
  std::string ca_file;  // https: trust this CA bundle instead of the system's
  bool insecure_skip_verify = false;
};

// --server as an http(s) URL (ws:// and wss:// are accepted as aliases).
std::variant<net::Url, Error> parse_server(std::string url) {
  for (auto [from, to] : {std::pair{"ws://", "http://"}, std::pair{"wss://", "https://"}})
    if (url.rfind(from, 0) == 0) url = to + url.substr(std::string_view(from).size());
  if (url.find("://") == std::string::npos) url = "http://" + url;
  auto parsed = net::Url::parse(url);
  if (auto* u = std::get_if<net::Url>(&parsed)) {
    std::size_t q = u->target.find('?');
    if (q != std::string::npos) u->target.resize(q);
    while (!u->target.empty() && u->target.back() == '/') u->target.pop_back();  // base path, "" at the root
  }
  return parsed;
}

// Log text is untrusted: never let it drive the terminal (escape sequences,
// OSC 8 links, title changes, bidi tricks); see append_terminal_safe.
void append_safe(std::string_view s, std::string& out) { append_terminal_safe(s, out); }

const char* level_colour(std::string_view level) {
  if (level == "TRACE") return "\x1b[90m";
  if (level == "DEBUG") return "\x1b[34m";
  if (level == "INFO") return "\x1b[36m";
  if (level == "WARN") return "\x1b[33m";
  if (level == "ERROR") return "\x1b[31m";
  if (level == "FATAL") return "\x1b[1;35m";
  return "";
}

std::string_view field(simdjson::dom::element e, const char* name) {
  std::string_view v;
  if (e[name].get_string().get(v)) return {};
  return v;
}

std::vector<net::HttpHeader> auth_headers(const TailArgs& args) {
  if (args.token.empty()) return {};
  return {{"Authorization", "Bearer " + args.token}};
}

constexpr const char* kNeedToken =
    "the dashboard requires authentication: pass --token TOKEN or set LT_TOKEN (one of dashboard.auth.tokens)";

// Asks the server to validate the query first, for an error with its column.
// 0: go on; otherwise the exit code (bad query, refused token, TLS failure).
int validate(const net::Url& u, const TailArgs& args, const std::string& query) {
  net::HttpClientOptions o;
  o.ca_file = args.ca_file;
  o.verify_peer = !args.insecure_skip_verify;
  o.connect_timeout = std::chrono::seconds(10);
  o.read_timeout = std::chrono::seconds(10);
  net::HttpClient client(o);
  auto got = client.get(u.scheme + "://" + (u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host) +
                            ":" + u.port + u.target + "/api/v1/query/validate?q=" + net::percent_encode(query),
                        auth_headers(args));
  if (auto* e = std::get_if<Error>(&got)) {
    // Connection problems are reported by the WebSocket below; a rejected certificate is final.
    if (e->code.rfind("http.tls", 0) == 0) {
      std::fprintf(stderr, "logtracer tail: %s\n", e->message.c_str());
      return 1;
    }
    return 0;
  }
  const auto& res = std::get<net::HttpResponse>(got);
  if (res.status == 401) {
    std::fprintf(stderr, "logtracer tail: %s\n", args.token.empty() ? kNeedToken : "the dashboard refused the token");
    return 1;
  }
  if (res.status == 400) {
    simdjson::dom::parser p;
    simdjson::dom::element doc;
    std::uint64_t column = 0;
    std::string_view message = res.body;
    if (!p.parse(res.body).get(doc)) {
      message = field(doc, "error");
      if (doc["column"].get_uint64().get(column)) column = 0;
    }
    std::fprintf(stderr, "invalid query:\n  %s\n", query.c_str());
    if (column) std::fprintf(stderr, "  %*s^\n", static_cast<int>(column - 1), "");
    std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
    return 2;
  }
  return 0;
}

// Reads tail frames until the server closes; prints them. Returns the exit code.
template <class Stream>
int follow(websocket::stream<Stream>& ws, const TailArgs& args, bool colour) {
  const bool json = args.json;
  simdjson::dom::parser parser;
  beast::flat_buffer buf;
  std::string out;
  for (;;) {
    buf.clear();
    ws.read(buf);
    std::string frame = beast::buffers_to_string(buf.data());
    simdjson::dom::element doc;
    if (parser.parse(frame).get(doc)) continue;
    std::string_view type = field(doc, "type");
    out.clear();
    if (type == "skipped") {
      std::uint64_t n = 0;
      if (doc["count"].get_uint64().get(n)) n = 0;
      if (json) {
        std::fprintf(stderr, "… %llu events skipped (reading too slowly)\n", static_cast<unsigned long long>(n));
        continue;
      }
      out += colour ? "\x1b[2m" : "";
      out += "… " + std::to_string(n) + " events skipped (reading too slowly) …";
      out += colour ? "\x1b[0m\n" : "\n";
    } else if (type == "error") {
      std::fprintf(stderr, "logtracer tail: server: %.*s\n", static_cast<int>(field(doc, "error").size()),
                   field(doc, "error").data());
      return 1;
    } else if (type == "events") {
      simdjson::dom::array events;
      if (doc["events"].get_array().get(events)) continue;
      for (simdjson::dom::element e : events) {
        if (json) {
          out += simdjson::minify(e);
          out += '\n';
          continue;
        }
        std::string_view ts = field(e, "timestamp"), level = field(e, "level");
        // "2026-11-27T23:08:51.123456789Z" → "2026-11-27 23:08:51.123"
        if (ts.size() >= 23) {
          out.append(ts.substr(0, 10));
          out += ' ';
          out.append(ts.substr(11, 12));
        } else {
          append_safe(ts, out);
        }
        out += ' ';
        if (colour) out += level_colour(level);
        char lv[8];
        std::snprintf(lv, sizeof lv, "%-5.5s", std::string(level).c_str());
        out += lv;
        if (colour) out += "\x1b[0m";
        out += ' ';
        if (colour) out += "\x1b[2m";
        append_safe(field(e, "service"), out);
        out += '@';
        append_safe(field(e, "host"), out);
        if (colour) out += "\x1b[0m";
        out += ' ';
        append_safe(field(e, "message"), out);
        out += '\n';
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
  }
}

// Connects (TCP, then TLS when https), upgrades to the tail WebSocket with the
// token, and follows it.
template <class Stream>
int connect_and_follow(websocket::stream<Stream>& ws, const net::Url& u, const TailArgs& args,
                       const std::string& query, bool colour) {
  asio::ip::tcp::resolver resolver(ws.get_executor());
  auto& tcp = beast::get_lowest_layer(ws);
  tcp.expires_after(std::chrono::seconds(10));
  tcp.connect(resolver.resolve(u.host, u.port));
  if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
    boost::system::error_code not_an_ip;
    asio::ip::make_address(u.host, not_an_ip);
    if (not_an_ip && !SSL_set_tlsext_host_name(ws.next_layer().native_handle(), u.host.c_str()))  // SNI: names only
      throw beast::system_error(asio::error::invalid_argument);
    if (!args.insecure_skip_verify) ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(u.host));
    ws.next_layer().handshake(asio::ssl::stream_base::client);
  }
  tcp.expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  const std::string token = args.token;
  ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
    req.set(http::field::user_agent, "logtracer-tail");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  }));
  ws.read_message_max(64u << 20);
  websocket::response_type res;
  try {
    ws.handshake(res, u.host + ":" + u.port, u.target + "/api/v1/tail?q=" + net::percent_encode(query));
  } catch (const beast::system_error& e) {
    // Boost 1.74 does not fill `res` when the upgrade is declined (later versions do); the
    // query check before this already explains a refused token, so this is the rare leftover.
    if (res.result() == http::status::unauthorized || e.code() == websocket::error::upgrade_declined) {
      std::fprintf(stderr, "logtracer tail: the dashboard declined the live-tail WebSocket%s\n",
                   token.empty() ? " (it may require authentication: --token or LT_TOKEN)" : "");
      return 1;
    }
    throw;
  }
  return follow(ws, args, colour);
}

int run_tail(TailArgs args) {
  auto parsed = parse_server(args.server);
  if (auto* e = std::get_if<Error>(&parsed)) {
    std::fprintf(stderr, "logtracer tail: --server: %s\n", e->message.c_str());
    return 2;
  }
  const net::Url& u = std::get<net::Url>(parsed);
  if (args.token.empty())
    if (const char* env = std::getenv("LT_TOKEN")) args.token = env;
  std::string query;
  for (const auto& w : args.query) query += (query.empty() ? "" : " ") + w;
  if (int rc = validate(u, args, query)) return rc;
  const bool colour = !args.json && (args.colour || isatty(STDOUT_FILENO));
  try {
    asio::io_context ioc;
    if (u.scheme == "https") {
      asio::ssl::context ctx(asio::ssl::context::tls_client);
      ctx.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
      if (args.ca_file.empty())
        ctx.set_default_verify_paths();
      else
        ctx.load_verify_file(args.ca_file);
      ctx.set_verify_mode(args.insecure_skip_verify ? asio::ssl::verify_none : asio::ssl::verify_peer);
      websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
      return connect_and_follow(ws, u, args, query, colour);
    }
    websocket::stream<beast::tcp_stream> ws(ioc);
    return connect_and_follow(ws, u, args, query, colour);
  } catch (const beast::system_error& e) {
    if (e.code() == websocket::error::closed) return 0;
    std::fprintf(stderr, "logtracer tail: %s:%s: %s\n", u.host.c_str(), u.port.c_str(), e.code().message().c_str());
    return 1;
  }
}

}  // namespace

void add_tail(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("tail", "Follow live events from a running dashboard in the terminal.");
  static TailArgs args;
  sub->add_option("--server", args.server, "Dashboard URL (http:// or https://)")->capture_default_str();
  sub->add_option("--token", args.token,
                  "Bearer token (one of dashboard.auth.tokens); default: $LT_TOKEN. Prefer the variable: "
                  "arguments show in `ps`");
  sub->add_option("--ca-file", args.ca_file, "https: PEM CA bundle to trust (default: the system's)");
  sub->add_flag("--insecure-skip-verify", args.insecure_skip_verify,
                "https: accept any certificate and host name (testing only)");
  sub->add_flag("--json", args.json, "Print each event as one JSON line (for piping)");
  sub->add_flag("--color", args.colour, "Colour by level even when stdout is not a terminal");
  sub->add_option("query", args.query, "Query (docs/query-language.md), e.g. service:checkout level>=WARN");
  sub->footer(
      "Examples:\n"
      "  logtracer tail 'level>=ERROR'\n"
      "  logtracer tail --server http://127.0.0.1:8080 --json 'service:checkout' > checkout.ndjson\n"
      "  LT_TOKEN=... logtracer tail --server https://logs.example.com:8443 --ca-file ca.pem 'level>=WARN'\n"
      "Needs a running `logtracer dashboard` or `logtracer run`. Exit status: 0 when the server closes the\n"
      "stream, 1 when it cannot be reached or refuses the token or certificate, 2 for a bad --server URL or a\n"
      "query that does not parse.");
  sub->callback([&exit_code] { exit_code = run_tail(args); });
}

}  // namespace lt::cmd
