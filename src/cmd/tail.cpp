// `logtracer tail`: follows the dashboard's live-tail WebSocket from a terminal,
// one line per event, coloured by level on a TTY, or raw JSON lines with --json.
#include <simdjson.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <string>

#include "cmd/commands.h"
#include "core/level.h"
#include "net/http_server.h"

namespace lt::cmd {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

struct Server {
  std::string host, port, base_path;
};

bool parse_server(std::string url, Server& out, std::string& error) {
  for (std::string_view scheme : {"http://", "ws://"}) {
    if (url.rfind(scheme, 0) == 0) url = url.substr(scheme.size());
  }
  if (url.rfind("https://", 0) == 0 || url.rfind("wss://", 0) == 0) {
    error = "https/wss is not supported by `tail` yet; use http:// (or an SSH tunnel)";
    return false;
  }
  auto slash = url.find('/');
  std::string hostport = url.substr(0, slash);
  out.base_path = slash == std::string::npos ? "" : url.substr(slash);
  while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos || hostport.back() == ']') {
    out.host = hostport;
    out.port = "80";
  } else {
    out.host = hostport.substr(0, colon);
    out.port = hostport.substr(colon + 1);
  }
  if (out.host.size() > 2 && out.host.front() == '[') out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) {
    error = "no host in --server";
    return false;
  }
  return true;
}

// Log text is untrusted: never let it drive the terminal (escape sequences,
// OSC 8 links, title changes). Control characters become visible \xNN.
void append_safe(std::string_view s, std::string& out) {
  for (unsigned char c : s) {
    if (c == '\t') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
}

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

// Asks the server to validate the query first, for an error with its column.
bool validate(const Server& s, const std::string& query) {
  try {
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    asio::ip::tcp::resolver resolver(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(s.host, s.port));
    http::request<http::empty_body> req{http::verb::get,
                                        s.base_path + "/api/v1/query/validate?q=" + net::percent_encode(query), 11};
    req.set(http::field::host, s.host);
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    if (res.result() == http::status::bad_request) {
      simdjson::dom::parser p;
      simdjson::dom::element doc;
      std::uint64_t column = 0;
      std::string_view message = res.body();
      if (!p.parse(res.body()).get(doc)) {
        message = field(doc, "error");
        if (doc["column"].get_uint64().get(column)) column = 0;
      }
      std::fprintf(stderr, "invalid query:\n  %s\n", query.c_str());
      if (column) std::fprintf(stderr, "  %*s^\n", static_cast<int>(column - 1), "");
      std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
      return false;
    }
  } catch (const std::exception&) {
    // The WebSocket connection below reports connection problems.
  }
  return true;
}

int run_tail(const std::string& server_url, const std::vector<std::string>& words, bool json, bool force_colour) {
  Server s;
  std::string error;
  if (!parse_server(server_url, s, error)) {
    std::fprintf(stderr, "logtracer tail: %s\n", error.c_str());
    return 2;
  }
  std::string query;
  for (const auto& w : words) query += (query.empty() ? "" : " ") + w;
  if (!validate(s, query)) return 2;
  const bool colour = !json && (force_colour || isatty(STDOUT_FILENO));
  try {
    asio::io_context ioc;
    websocket::stream<beast::tcp_stream> ws(ioc);
    asio::ip::tcp::resolver resolver(ioc);
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws).connect(resolver.resolve(s.host, s.port));
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws.read_message_max(64u << 20);
    ws.handshake(s.host + ":" + s.port, s.base_path + "/api/v1/tail?q=" + net::percent_encode(query));
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
  } catch (const beast::system_error& e) {
    if (e.code() == websocket::error::closed) return 0;
    std::fprintf(stderr, "logtracer tail: %s:%s: %s\n", s.host.c_str(), s.port.c_str(), e.code().message().c_str());
    return 1;
  }
}

}  // namespace

void add_tail(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("tail", "Follow live events from a running dashboard in the terminal.");
  static std::string server = "http://127.0.0.1:8080";
  static std::vector<std::string> query;
  static bool json = false, colour = false;
  sub->add_option("--server", server, "Dashboard URL")->capture_default_str();
  sub->add_flag("--json", json, "Print each event as one JSON line (for piping)");
  sub->add_flag("--color", colour, "Colour by level even when stdout is not a terminal");
  sub->add_option("query", query, "Query (docs/query-language.md), e.g. service:checkout level>=WARN");
  sub->footer(
      "Examples:\n"
      "  logtracer tail 'level>=ERROR'\n"
      "  logtracer tail --server http://127.0.0.1:8080 --json 'service:checkout' > checkout.ndjson\n"
      "Needs a running `logtracer dashboard` or `logtracer run`. Exit status: 0 when the server closes the\n"
      "stream, 1 when it cannot be reached, 2 for a bad --server URL or a query that does not parse.");
  sub->callback([&exit_code] { exit_code = run_tail(server, query, json, colour); });
}

}  // namespace lt::cmd
