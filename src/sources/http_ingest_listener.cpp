// The network side of the http source: routes POST <path> of the shared Beast
// server (src/net) to IngestHandler on a small pool of workers, so waiting for
// acknowledgements never blocks an IO thread.
#include <spdlog/spdlog.h>

#include "net/http_server.h"
#include "sources/http_ingest.h"

namespace lt::sources {

namespace {
constexpr std::size_t kWorkers = 4;
constexpr std::size_t kQueuedRequests = 64;

struct Job {
  IngestRequest request;
  net::Responder respond;
};

net::Response to_http(IngestResponse r) {
  auto resp = net::json_response(static_cast<net::http::status>(r.status), std::move(r.body));
  for (auto& [k, v] : r.headers) resp.set(k, v);
  return resp;
}
}  // namespace

struct HttpIngestSource::Listener {
  explicit Listener(net::ServerOptions options) : server(std::move(options)), queue(kQueuedRequests) {}
  net::HttpServer server;
  BoundedQueue<Job> queue;
  std::vector<std::thread> workers;
};

HttpIngestSource::HttpIngestSource(SourceOptions common, HttpOptions options)
    : Source(std::move(common)), http_(std::move(options)), handler_(options_, http_, metrics_) {}

HttpIngestSource::~HttpIngestSource() { stop(std::chrono::milliseconds(0)); }

std::optional<Error> HttpIngestSource::start(EventSink& sink) {
  if (listener_) return Error::permanent("source.started", "source " + name() + " already started");
  if (http_.port < 0 || http_.port > 65535)
    return Error::permanent("http.port", "source " + name() + ": port must be 0..65535");
  net::ServerOptions so;
  so.bind_address = http_.address;
  so.port = static_cast<std::uint16_t>(http_.port);
  so.thread_name = "ingest";
  so.max_body_bytes = http_.max_body_bytes;
  so.handler_timeout = std::chrono::milliseconds(http_.ack_timeout_ms + 5000);
  if (!http_.tls_cert_file.empty() || !http_.tls_key_file.empty()) {
    std::string why;
    so.tls = net::ServerTls::load(http_.tls_cert_file, http_.tls_key_file, why);
    if (!so.tls) return Error::permanent("http.tls", "source " + name() + ": " + why);
  }
  auto listener = std::make_unique<Listener>(std::move(so));
  Listener* l = listener.get();
  l->server.route(net::http::verb::post, http_.path, [this, l](const net::Request& req, net::Responder respond) {
    Job job{IngestRequest{req.raw.body(), std::string(req.header("Authorization")), std::string(req.header("Origin"))},
            respond};
    if (!l->queue.try_push(std::move(job))) {
      auto r = net::json_error(net::http::status::service_unavailable, "too many requests waiting; retry later");
      r.set("Retry-After", "1");
      respond(std::move(r));
    }
  });
  if (auto ec = l->server.start())
    return Error::permanent("http.bind", "source " + name() + ": cannot listen on " + http_.address + ":" +
                                             std::to_string(http_.port) + ": " + ec.message());
  port_ = l->server.port();
  for (std::size_t i = 0; i < kWorkers; ++i) {
    l->workers.push_back(named_thread("lt-ingest-", std::to_string(i), [this, l, &sink] {
      // pop() also returns nullopt on a timeout: serve until the queue is closed and empty.
      while (!l->queue.closed() || l->queue.size() > 0) {
        auto job = l->queue.pop(std::chrono::milliseconds(200));
        if (!job) continue;
        ++in_flight_;
        job->respond(to_http(handler_.handle(job->request, sink, stop_)));
        --in_flight_;
      }
    }));
  }
  listener_ = std::move(listener);
  spdlog::info("source {}: http ingest on {}:{}{}", name(), http_.address, port_, http_.path);
  return std::nullopt;
}

void HttpIngestSource::stop(std::chrono::milliseconds drain) {
  if (!listener_) return;
  // Requests already taken finish (bounded by `drain`) before the server closes their connections.
  listener_->queue.close();
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop_.request();
  for (auto& w : listener_->workers)
    if (w.joinable()) w.join();
  listener_->server.stop();
  listener_.reset();
}

}  // namespace lt::sources
