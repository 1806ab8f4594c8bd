#include "services/kafka_sink.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <thread>
#include <utility>

#include "core/json_codec.h"
#include "services/config_map.h"
#include "services/kafka_check.h"

namespace lt::services {

namespace {

// Batches taken but not yet produced: enough to keep the worker busy while the
// source reads its next block, small enough that backpressure stays immediate.
constexpr std::size_t kMaxQueued = 4;

// One node and one payload buffer for all the messages of a batch: no allocation
// and no copy per message, and one acknowledgement when the last report arrives.
struct BatchNode final : kafka::Producer::DeliveryNode {
  BatchNode(AckRef a, std::size_t n) : ack(std::move(a)), pending(n) {}
  void complete(const kafka::DeliveryReport& report) noexcept override { done(report.ok()); }
  void done(bool ok) noexcept {
    if (!ok) failed.store(true, std::memory_order_relaxed);
    if (pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    if (failed.load(std::memory_order_relaxed)) {
      ack.fail();  // the source re-sends from the batch's start
    } else {
      ack.ack();
    }
    delete this;
  }
  AckRef ack;
  std::atomic<std::size_t> pending;
  std::atomic<bool> failed{false};
  std::string arena;  // every payload of the batch, referenced by librdkafka until its report
};

}  // namespace

KafkaSink::KafkaSink(kafka::Producer& producer, std::string topic)
    : producer_(producer),
      topic_(std::move(topic)),
      rejected_(MetricsRegistry::global().counter("logtracer_kafka_produce_rejected_total",
                                                  "Events the producer refused permanently (failed, not dropped).",
                                                  {{"topic", topic_}})),
      truncated_(MetricsRegistry::global().counter(
          "logtracer_kafka_truncated_total",
          "Events whose message was cut to fit the producer's message.max.bytes (flagged truncated).",
          {{"topic", topic_}})) {
  auto handle = producer_.topic(topic_);
  if (!handle) {
    spdlog::warn("kafka: {}: sending events one by one", handle.error().message);
    return;
  }
  handle_ = std::move(handle).value();
  worker_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lt-kafka-enc");
    yield_cpu_to_downstream();
    work();
  });
}

KafkaSink::~KafkaSink() {
  {
    std::lock_guard lock(mu_);
    stop_.store(true, std::memory_order_release);
  }
  work_cv_.notify_all();
  idle_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  // Batches still queued are dropped with their AckRefs: never acknowledged, so never committed.
}

bool KafkaSink::send(Envelope& env, std::chrono::milliseconds wait) {
  thread_local std::string payload;
  payload.clear();
  encode_fitted(env.event, payload);
  const kafka::OutgoingMessage msg{.topic = topic_, .key = env.event.service, .payload = payload};
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto pause = std::chrono::microseconds(200);
  while (true) {
    kafka::Status st = env.ack ? producer_.produce(msg, env.ack) : producer_.produce(msg);
    if (!st) return true;
    if (!st->retriable()) {
      // The broker will never take this event (e.g. larger than message.max.bytes):
      // fail it so the source knows, rather than pretend it was sent.
      rejected_.inc();
      spdlog::error("kafka: cannot produce event {} to {}: {}", env.event.id, topic_, st->message);
      env.ack.fail();
      return true;
    }
    // Queue full (the broker is slow or away): wait for delivery reports to make room.
    if (std::chrono::steady_clock::now() + pause > deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

void KafkaSink::encode_fitted(LogEvent& event, std::string& out) {
  const std::size_t start = out.size();
  encode_json(event, out);
  const std::size_t limit = producer_.max_payload_bytes(event.service.size());
  if (out.size() - start <= limit) return;
  // Too big for the broker, which would refuse it for good and the source would
  // re-read it forever: cut the message to fit and flag it, as for a long line.
  out.resize(start);
  if (encode_json_within(event, out, limit) == FitResult::Truncated) {
    truncated_.inc();
    spdlog::warn("kafka: event {} cut to fit {} (message.max.bytes), flagged truncated", event.id, topic_);
  }
}

bool KafkaSink::send_batch(EventBatch& batch, std::chrono::milliseconds wait) {
  if (batch.size == 0) return true;
  std::unique_lock lock(mu_);
  // Nothing of the caller's waits for the worker (a source's batches are taken in
  // order) and the producer has room for the whole batch: encode and produce it
  // here, on the source's thread, with its events still in this core's cache.
  // On two busy cores this beat handing every batch to the worker by ~10%
  // (docs/benchmarks.md): one thread fewer to schedule and no hand-off.
  if (queue_.empty() && !busy_ && !stop_.load() &&
      producer_.queue_length() + batch.size <= producer_.queue_capacity()) {
    ++producing_here_;
    lock.unlock();
    produce_batch(batch);
    batch.size = 0;
    batch.ack = AckRef{};
    lock.lock();
    if (--producing_here_ == 0) idle_cv_.notify_all();
    return true;
  }
  if (!idle_cv_.wait_for(lock, wait, [&] { return queue_.size() < kMaxQueued || stop_.load(); }) || stop_.load())
    return false;
  EventBatch slot;
  if (!spare_.empty()) {
    slot = std::move(spare_.back());
    spare_.pop_back();
  }
  std::swap(slot.events, batch.events);
  slot.size = std::exchange(batch.size, 0);
  slot.ack = std::exchange(batch.ack, AckRef{});
  queue_.push_back(std::move(slot));
  work_cv_.notify_one();
  return true;
}

bool KafkaSink::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_ && producing_here_ == 0; });
}

void KafkaSink::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_.load() || !queue_.empty(); });
    if (stop_.load()) return;
    EventBatch batch = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    idle_cv_.notify_all();  // room for the next batch
    lock.unlock();
    produce_batch(batch);
    batch.size = 0;
    batch.ack = AckRef{};
    lock.lock();
    busy_ = false;
    spare_.push_back(std::move(batch));
    idle_cv_.notify_all();
  }
}

void KafkaSink::produce_batch(EventBatch& batch) {
  const std::size_t n = batch.size;
  auto* node = new BatchNode(std::move(batch.ack), n);
  // Encode everything first: the arena must not move once librdkafka points into it.
  // An upper bound for plain events (escaping may still grow it): an arena that
  // outgrows its reservation is copied whole, which cost more than the encoding.
  std::size_t estimate = 0;
  for (std::size_t i = 0; i < n; ++i) estimate += encoded_size_hint(batch.events[i]);
  node->arena.reserve(estimate);
  thread_local std::vector<rd_kafka_message_t> messages;  // the worker's, or a source thread's
  messages.assign(n, rd_kafka_message_t{});
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t start = node->arena.size();
    encode_fitted(batch.events[i], node->arena);
    messages[i].len = node->arena.size() - start;
  }
  char* payload = node->arena.data();  // stable from here on: the payloads lie end to end
  for (std::size_t i = 0; i < n; ++i) {
    rd_kafka_message_t& m = messages[i];
    m.payload = payload;
    payload += m.len;
    const std::string& key = batch.events[i].service;
    m.key = key.empty() ? nullptr : const_cast<char*>(key.data());
    m.key_len = key.size();
    m._private = node;
  }
  // One call queues the batch (one clock read, one topic lock); what a full queue
  // refused is offered again, in order, once delivery reports have made room.
  std::size_t from = 0;
  auto pause = std::chrono::microseconds(200);
  while (from < n) {
    // `node` is alive here: messages from..n-1 have not completed it yet.
    producer_.produce_batch_borrowed(handle_.get(), std::span(messages).subspan(from, n - from));
    std::size_t full = n;  // the first message refused for lack of room
    for (std::size_t i = from; i < n; ++i) {
      const rd_kafka_resp_err_t err = messages[i].err;
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        full = i;
        break;
      }
      // The broker will never take this one: fail it (the source keeps its position).
      rejected_.inc();
      spdlog::error("kafka: cannot produce event {} to {}: {}", batch.events[i].id, topic_, rd_kafka_err2str(err));
      node->done(false);
    }
    if (full == n) return;
    from = full;
    if (stop_.load(std::memory_order_acquire)) {
      // Shutting down with the queue full: the rest is failed, so re-read after a restart.
      for (std::size_t rest = from; rest < n; ++rest) node->done(false);
      return;
    }
    // Queue full (the broker is slow or away): wait for delivery reports to make room.
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

std::variant<RawTopicOutput, Error> connect_raw_topic(const config::Config& cfg) {
  const auto client = kafka_client(cfg.kafka);
  if (auto e = check_kafka(client, "kafka producer")) return *e;
  auto popts = kafka_producer(cfg.kafka, &cfg.producer);
  popts.metrics_label = "raw";
  auto producer = kafka::Producer::create(client, popts);
  if (!producer) return producer.error();
  RawTopicOutput out;
  out.producer = std::move(producer).value();
  out.sink = std::make_unique<KafkaSink>(*out.producer, cfg.kafka.topics.raw);
  return out;
}

}  // namespace lt::services
