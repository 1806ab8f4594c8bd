// Live tail fan-out: every WebSocket client has its own compiled query and a
// bounded queue; one thread matches and sends batches every ~100 ms, so a slow
// client loses events (and is told how many) instead of slowing anyone else.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "dashboard/event_window.h"
#include "net/http_server.h"
#include "query/query.h"

namespace lt::dashboard {

struct TailOptions {
  std::chrono::milliseconds batch_interval{100};
  std::size_t client_queue = 10'000;   // events held per client before the oldest are skipped
  std::size_t max_batch = 2'000;       // events per WebSocket message
  // Encoded bytes per WebSocket message (a single larger event still goes alone): with
  // 64 KiB lines, max_batch alone would allow 128 MiB frames, past what clients read.
  std::size_t max_batch_bytes = 1u << 20;
  std::size_t max_clients = 200;
  std::size_t inbox_capacity = 200'000;  // events published between two cycles
  std::size_t max_frames_in_flight = 2;  // a client with more unsent frames gets nothing new this cycle
};

class TailHub {
 public:
  explicit TailHub(TailOptions options = {});
  ~TailHub();
  TailHub(const TailHub&) = delete;
  TailHub& operator=(const TailHub&) = delete;

  void start();  // the fan-out thread ("tail-fanout")
  void stop();

  // False when max_clients are already connected.
  bool add_client(std::shared_ptr<net::WebSocket> socket, query::Query q);
  // Called on the ingest path: one short lock and a push, no matching, no I/O.
  void publish(EventPtr event);
  // One fan-out cycle, synchronously (the thread calls this; tests too).
  void flush();

  std::size_t clients() const;
  std::uint64_t skipped_total() const noexcept { return skipped_total_.load(); }

 private:
  struct Client {
    std::shared_ptr<net::WebSocket> socket;
    query::Query q;
    std::deque<EventPtr> queue;
    std::uint64_t skipped = 0;
  };

  TailOptions opt_;
  std::mutex inbox_mu_;
  std::vector<EventPtr> inbox_;
  std::uint64_t inbox_dropped_ = 0;
  mutable std::mutex clients_mu_;
  std::vector<std::unique_ptr<Client>> clients_;
  std::mutex flush_mu_;  // one cycle at a time
  std::atomic<std::uint64_t> skipped_total_{0};

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool running_ = false;
  std::thread thread_;
};

// {"type":"events","events":[...]} and {"type":"skipped","count":N}: the tail protocol (docs/api.md).
std::string encode_batch(const std::vector<EventPtr>& events);
std::string encode_skipped(std::uint64_t count);

}  // namespace lt::dashboard
