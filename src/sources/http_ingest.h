// The http source: POST /ingest with NDJSON or a JSON array of events, answered
// 200 only once the sink acknowledged every event of the request.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/bounded_queue.h"
#include "sources/source.h"

namespace lt::sources {

struct IngestRequest {
  std::string body;
  std::string authorization;  // the Authorization header, verbatim
  std::string origin;         // the Origin header: only browsers send one
};

struct IngestResponse {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;
};

// The ingest logic, independent of any HTTP server, so it is tested directly.
// Thread-safe: each call decodes with its own decoder and its own AckTracker.
//   401 bearer token missing or wrong (constant-time comparison)
//   413 body over max_body_bytes
//   400 a line / element that is not an event: the WHOLE request is rejected
//       (nothing ingested), and the body names the line and the reason
//   503 + Retry-After the sink stayed full, or did not acknowledge in time
//   200 {"accepted":N} after every event was acknowledged
class IngestHandler {
 public:
  IngestHandler(const SourceOptions& common, const HttpOptions& http, SourceMetrics& metrics);
  IngestResponse handle(const IngestRequest& request, EventSink& sink, StopSignal& stop);

 private:
  std::variant<std::vector<LogEvent>, IngestResponse> decode(std::string_view body);
  const SourceOptions& common_;
  const HttpOptions& http_;
  SourceMetrics& metrics_;
  std::string host_;
};

class HttpIngestSource final : public Source {
 public:
  HttpIngestSource(SourceOptions common, HttpOptions options);
  ~HttpIngestSource() override;

  std::optional<Error> start(EventSink& sink) override;
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5)) override;
  bool fully_acknowledged() const override { return in_flight_.load() == 0; }

  int port() const noexcept { return port_; }
  IngestHandler& handler() noexcept { return handler_; }

 private:
  struct Listener;  // the HTTP server side (http_ingest_listener.cpp)
  HttpOptions http_;
  IngestHandler handler_;
  std::unique_ptr<Listener> listener_;
  StopSignal stop_;
  std::atomic<int> in_flight_{0};
  int port_ = -1;
};

}  // namespace lt::sources
