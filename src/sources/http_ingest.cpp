#include "sources/http_ingest.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "core/json_codec.h"
#include "core/utf8.h"
#include "net/credentials.h"

namespace lt::sources {

namespace {

IngestResponse json(int status, std::string body) { return IngestResponse{status, std::move(body), {}}; }

IngestResponse error(int status, std::string_view message, std::string_view extra = {}) {
  std::string body = "{\"error\":";
  append_json_string(message, body);
  body += extra;
  body += '}';
  return json(status, std::move(body));
}

IngestResponse unavailable(std::string_view why, std::size_t sent) {
  auto r = error(503, why, fmt::format(",\"sent_before_giving_up\":{}", sent));
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

}  // namespace

IngestHandler::IngestHandler(const SourceOptions& common, const HttpOptions& http, SourceMetrics& metrics)
    : common_(common), http_(http), metrics_(metrics), host_(common.host.empty() ? local_host_name() : common.host) {}

std::variant<std::vector<LogEvent>, IngestResponse> IngestHandler::decode(std::string_view body) {
  std::vector<LogEvent> events;
  DecodeOptions dopts;
  dopts.max_bytes = std::max<std::size_t>(http_.max_body_bytes, 1);
  EventDecoder decoder(dopts);
  auto reject = [&](const char* unit, std::size_t n, const std::string& reason) {
    metrics_.parse_errors.inc();
    return error(400, fmt::format("{} {}: {}; the whole request was rejected, nothing was ingested", unit, n, reason),
                 fmt::format(",\"{}\":{}", unit, n));
  };
  std::size_t first = 0;
  while (first < body.size() && (body[first] == ' ' || body[first] == '\t' || body[first] == '\r' || body[first] == '\n'))
    ++first;
  if (first < body.size() && body[first] == '[') {
    simdjson::dom::parser parser;
    simdjson::dom::array array;
    if (auto err = parser.parse(body.data(), body.size()).get_array().get(array))
      return error(400, std::string("body is not a JSON array of events: ") + simdjson::error_message(err) +
                            "; the whole request was rejected, nothing was ingested");
    std::size_t index = 0;
    for (auto element : array) {
      ++index;
      const std::string text = simdjson::minify(element);
      LogEvent ev;
      if (auto err = decoder.decode(text, ev)) return reject("element", index, err->message());
      events.push_back(std::move(ev));
    }
  } else {
    std::size_t line_no = 0, start = 0;
    while (start < body.size()) {
      std::size_t end = body.find('\n', start);
      if (end == std::string_view::npos) end = body.size();
      std::string_view line = body.substr(start, end - start);
      start = end + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank lines separate nothing
      LogEvent ev;
      if (auto err = decoder.decode(line, ev)) return reject("line", line_no, err->message());
      events.push_back(std::move(ev));
    }
  }
  if (events.empty()) return error(400, "no events in the request body");
  for (auto& ev : events) {
    if (ev.service.empty()) ev.service = common_.service;
    if (ev.environment.empty()) ev.environment = common_.environment;
    if (ev.host.empty()) ev.host = host_;
    if (ev.source.empty()) ev.source = "http";
    fill_defaults(ev);
    if (ev.message.size() > common_.max_line_bytes) {
      ev.message.resize(truncate_utf8(ev.message, common_.max_line_bytes).size());
      ev.set_attribute("truncated", "true", AttrType::Bool);
      metrics_.truncated.inc();
    }
  }
  return events;
}

IngestResponse IngestHandler::handle(const IngestRequest& request, EventSink& sink, StopSignal& stop) {
  using Clock = std::chrono::steady_clock;
  // Ingest is for shippers, not pages: a browser marks every cross-site POST with Origin, and a
  // text/plain or form POST needs no CORS preflight, so without this any web page could write
  // into a loopback ingest that has no token.
  if (!request.origin.empty()) {
    return error(403, "requests from web pages (with an Origin header) are refused; send logs from a shipper");
  }
  if (!http_.bearer_token.empty()) {
    auto token = net::bearer_token(request.authorization);
    if (!token || !net::constant_time_equal(*token, http_.bearer_token)) {
      auto r = error(401, "missing or wrong bearer token");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
  }
  if (request.body.size() > http_.max_body_bytes)
    return error(413, fmt::format("body of {} bytes is over the limit of {} bytes", request.body.size(),
                                  http_.max_body_bytes));
  auto decoded = decode(request.body);
  if (auto* r = std::get_if<IngestResponse>(&decoded)) return std::move(*r);
  auto& events = std::get<std::vector<LogEvent>>(decoded);

  // One tracker per request: its events are the request's "partition", and the
  // answer is the commit (200 only when every one of them is durable).
  const std::size_t n = events.size();
  auto tracker = std::make_shared<AckTracker>(n, 0);
  const auto deadline = Clock::now() + std::chrono::milliseconds(http_.ack_timeout_ms);
  Envelope env;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t raw = events[i].message.size();
    env.event = std::move(events[i]);
    env.ack = AckRef{tracker, *tracker->try_track(static_cast<std::int64_t>(i + 1))};
    // Nothing sent yet: a full sink answers 503 at once, and the retry cannot duplicate anything.
    const auto give_up = i == 0 ? Clock::now() + std::chrono::milliseconds(100) : deadline;
    bool sent = false;
    while (!sent) {
      sent = sink.send(env, std::chrono::milliseconds(50));
      if (!sent) {
        metrics_.paused.set(1);
        if (Clock::now() >= give_up || stop.requested()) {
          return unavailable(i == 0 ? "the pipeline is full; retry later"
                                    : "the pipeline stayed full; events sent before giving up may arrive twice on retry",
                             i);
        }
      }
    }
    metrics_.paused.set(0);
    metrics_.events.inc();
    metrics_.bytes.inc(raw);
  }
  while (tracker->committed() < static_cast<std::int64_t>(n)) {
    if (tracker->failed())
      return unavailable("an event could not be stored; acknowledged ones may arrive twice on retry", n);
    if (Clock::now() >= deadline || stop.requested())
      return unavailable("not acknowledged in time; events may arrive twice on retry", n);
    stop.wait_for(std::chrono::milliseconds(1));
  }
  return json(200, fmt::format("{{\"accepted\":{}}}", n));
}

}  // namespace lt::sources
