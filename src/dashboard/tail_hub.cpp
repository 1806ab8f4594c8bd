#include "dashboard/tail_hub.h"

#include <pthread.h>

#include <algorithm>

#include "core/metrics.h"

namespace lt::dashboard {

namespace {
Counter& skipped_counter() {
  static Counter& c = MetricsRegistry::global().counter(
      "logtracer_dashboard_tail_skipped_total", "Events a live-tail client missed because it read too slowly");
  return c;
}
Counter& sent_counter() {
  static Counter& c = MetricsRegistry::global().counter("logtracer_dashboard_tail_sent_total",
                                                        "Events sent to live-tail clients");
  return c;
}
constexpr std::size_t kBatchFraming = 32;  // {"type":"events","events":[ ... ]}

// How many of the queue's first events make the next batch: at most max_batch,
// and at most max_batch_bytes encoded, but always at least one.
std::size_t batch_size(const std::deque<EventPtr>& queue, const TailOptions& opt) {
  const std::size_t limit = std::min(queue.size(), opt.max_batch);
  std::size_t n = 0, bytes = kBatchFraming;
  for (; n < limit; ++n) {
    bytes += queue[n]->json.size() + 1;
    if (n > 0 && bytes > opt.max_batch_bytes) break;
  }
  return n;
}

}  // namespace

std::string encode_batch(const std::vector<EventPtr>& events) {
  std::size_t n = kBatchFraming;
  for (const auto& e : events) n += e->json.size() + 1;
  std::string out;
  out.reserve(n);
  out += R"({"type":"events","events":[)";
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i) out += ',';
    out += events[i]->json;
  }
  out += "]}";
  return out;
}

std::string encode_skipped(std::uint64_t count) {
  return R"({"type":"skipped","count":)" + std::to_string(count) + "}";
}

TailHub::TailHub(TailOptions options) : opt_(options) {
  if (opt_.client_queue == 0) opt_.client_queue = 1;
  if (opt_.max_batch == 0) opt_.max_batch = 1;
  if (opt_.max_batch_bytes == 0) opt_.max_batch_bytes = 1;
  if (opt_.max_frames_in_flight == 0) opt_.max_frames_in_flight = 1;
  MetricsRegistry::global().gauge_fn("logtracer_dashboard_tail_clients", "Connected live-tail WebSocket clients", {},
                                     [this] { return static_cast<double>(clients()); });
}

TailHub::~TailHub() {
  stop();
  MetricsRegistry::global().remove_gauge_fn("logtracer_dashboard_tail_clients", {});
}

void TailHub::start() {
  std::lock_guard lock(run_mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tail-fanout");
    // Cycles on a fixed beat, not "interval after the last flush": otherwise the
    // flush time stretches every cycle and a client fed at max_batch per interval
    // falls behind for good.
    auto next = std::chrono::steady_clock::now() + opt_.batch_interval;
    std::unique_lock lock(run_mu_);
    while (running_) {
      run_cv_.wait_until(lock, next, [this] { return !running_; });
      if (!running_) break;
      lock.unlock();
      flush();
      lock.lock();
      next = std::max(next + opt_.batch_interval, std::chrono::steady_clock::now());
    }
  });
}

void TailHub::stop() {
  {
    std::lock_guard lock(run_mu_);
    if (!running_) return;
    running_ = false;
  }
  run_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool TailHub::add_client(std::shared_ptr<net::WebSocket> socket, query::Query q) {
  std::lock_guard lock(clients_mu_);
  if (clients_.size() >= opt_.max_clients) return false;
  auto c = std::make_unique<Client>();
  c->socket = std::move(socket);
  c->q = std::move(q);
  clients_.push_back(std::move(c));
  return true;
}

void TailHub::publish(EventPtr event) {
  std::lock_guard lock(inbox_mu_);
  if (inbox_.size() >= opt_.inbox_capacity) {
    ++inbox_dropped_;
    return;
  }
  inbox_.push_back(std::move(event));
}

std::size_t TailHub::clients() const {
  std::lock_guard lock(clients_mu_);
  return clients_.size();
}

void TailHub::flush() {
  std::lock_guard flush_lock(flush_mu_);
  std::vector<EventPtr> batch_in;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(inbox_mu_);
    batch_in.swap(inbox_);
    dropped = std::exchange(inbox_dropped_, 0);
  }
  // Work on a snapshot of the client list so add_client never waits for matching.
  std::vector<Client*> snapshot;
  {
    std::lock_guard lock(clients_mu_);
    std::erase_if(clients_, [](const std::unique_ptr<Client>& c) { return !c->socket->is_open(); });
    snapshot.reserve(clients_.size());
    for (auto& c : clients_) snapshot.push_back(c.get());
  }
  std::vector<EventPtr> out;
  for (Client* c : snapshot) {
    // An inbox overflow lost events before matching: count them as possibly missed.
    c->skipped += dropped;
    for (const EventPtr& e : batch_in) {
      if (!c->q.match_all() && !c->q.matches(e->event)) continue;
      if (c->queue.size() >= opt_.client_queue) {
        c->queue.pop_front();  // a live view wants the newest: the gap is at the front
        ++c->skipped;
      }
      c->queue.push_back(e);
    }
    const std::size_t in_flight = c->socket->queued();
    if (in_flight >= opt_.max_frames_in_flight) continue;  // slow reader: keep queueing
    if (c->skipped) {
      if (!c->socket->send(encode_skipped(c->skipped))) continue;
      skipped_total_.fetch_add(c->skipped);
      skipped_counter().inc(c->skipped);
      c->skipped = 0;
    }
    // A reader that keeps up gets everything queued, in as many frames as its
    // in-flight budget allows: one frame per cycle would cap every client at
    // max_batch per interval, and a busy match-all client would skip for good.
    for (std::size_t budget = opt_.max_frames_in_flight - in_flight; budget > 0 && !c->queue.empty(); --budget) {
      const std::size_t n = batch_size(c->queue, opt_);
      out.assign(c->queue.begin(), c->queue.begin() + static_cast<std::ptrdiff_t>(n));
      if (!c->socket->send(encode_batch(out))) break;
      c->queue.erase(c->queue.begin(), c->queue.begin() + static_cast<std::ptrdiff_t>(n));
      sent_counter().inc(n);
    }
  }
  // Clients removed while we worked are erased next cycle; their pointers stay
  // valid because only this function erases (under flush_mu_).
}

}  // namespace lt::dashboard
