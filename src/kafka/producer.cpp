#include "kafka/producer.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/metrics.h"
#include "kafka/consumer.h"

namespace lt::kafka {

namespace {

// One small heap node per message that wants its report; deleted by the report.

struct AckNode final : Producer::DeliveryNode {
  explicit AckNode(AckRef ref) : ack(std::move(ref)) {}
  void complete(const DeliveryReport& report) noexcept override {
    if (report.ok()) {
      ack.ack();
    } else {
      ack.fail();
    }
    delete this;
  }
  AckRef ack;
};

struct CallbackNode final : Producer::DeliveryNode {
  explicit CallbackNode(DeliveryCallback cb) : callback(std::move(cb)) {}
  void complete(const DeliveryReport& report) noexcept override {
    if (callback) callback(report);
    delete this;
  }
  DeliveryCallback callback;
};

int ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(timeout.count());
}

TxnStatus txn_status(rd_kafka_error_t* error, std::string_view context) {
  if (error == nullptr) return std::nullopt;
  TxnError out{make_error(error, context), rd_kafka_error_txn_requires_abort(error) != 0};
  rd_kafka_error_destroy(error);
  return out;
}

}  // namespace

namespace {

// Scrape-time functions over the shared counters: a replacement producer with the
// same label takes the series over; a destroyed one reads as the last values it had.
void export_metrics(const std::shared_ptr<ProducerMetrics>& metrics, const ProducerOptions& options) {
  auto& registry = MetricsRegistry::global();
  const Labels labels{{"producer", options.metrics_label}};
  using Field = std::atomic<std::uint64_t> ProducerMetrics::*;
  auto counter = [&](const char* name, const char* help, Field field) {
    registry.counter_fn(name, help, labels, [metrics, field] {
      return static_cast<double>(((*metrics).*field).load(std::memory_order_relaxed));
    });
  };
  counter("logtracer_kafka_producer_accepted_total", "Messages the producer queued.", &ProducerMetrics::accepted);
  counter("logtracer_kafka_producer_acknowledged_total", "Messages the broker acknowledged.",
          &ProducerMetrics::delivered);
  counter("logtracer_kafka_producer_delivery_errors_total", "Delivery reports with an error.",
          &ProducerMetrics::failed);
  const double capacity = std::max(1, options.queue_buffering_max_messages);
  registry.gauge_fn("logtracer_kafka_producer_buffer_fill",
                    "Messages queued or in flight, as a fraction of the producer's buffer (1 = full: backpressure).",
                    labels, [metrics, capacity] { return static_cast<double>(metrics->in_flight()) / capacity; });
}

}  // namespace

Result<std::unique_ptr<Producer>> Producer::create(const ClientConfig& config,
                                                   const ProducerOptions& options) {
  std::vector<Property> defaults = {
      {"compression.codec", options.compression},
      {"linger.ms", std::to_string(options.linger_ms)},
      {"batch.size", std::to_string(options.batch_size)},
      {"enable.idempotence", options.idempotent ? "true" : "false"},
      {"acks", options.acks},
      {"queue.buffering.max.messages", std::to_string(options.queue_buffering_max_messages)},
      {"queue.buffering.max.kbytes", std::to_string(options.queue_buffering_max_kbytes)},
  };
  int message_timeout_ms = options.message_timeout_ms;
  if (options.transactional_id) {
    defaults.emplace_back("transactional.id", *options.transactional_id);
    defaults.emplace_back("transaction.timeout.ms", std::to_string(options.transaction_timeout_ms));
    message_timeout_ms = std::min(message_timeout_ms, options.transaction_timeout_ms);
  }
  defaults.emplace_back("message.timeout.ms", std::to_string(message_timeout_ms));
  if (options.statistics_interval_ms > 0) {
    defaults.emplace_back("statistics.interval.ms", std::to_string(options.statistics_interval_ms));
  }
  auto conf = build_conf(config, defaults);
  if (!conf) return conf.error();

  std::unique_ptr<Producer> producer(new Producer(options));
  // The effective values (kafka.properties may have overridden the defaults).
  auto conf_number = [&](const char* name, std::size_t& out) {
    char value[32];
    std::size_t size = sizeof value;
    if (rd_kafka_conf_get(conf->get(), name, value, &size) == RD_KAFKA_CONF_OK)
      out = static_cast<std::size_t>(std::strtoull(value, nullptr, 10));
  };
  conf_number("message.max.bytes", producer->max_message_bytes_);
  conf_number("queue.buffering.max.messages", producer->queue_capacity_);
  rd_kafka_conf_set_opaque(conf->get(), producer.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &Producer::on_delivery);
  rd_kafka_conf_set_error_cb(conf->get(), &Producer::on_error);
  if (options.on_statistics) rd_kafka_conf_set_stats_cb(conf->get(), &Producer::on_statistics);
  auto rk = create_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return rk.error();
  producer->rk_ = std::move(*rk);
  if (options.poll_thread) producer->start_poll_thread();
  if (!options.metrics_label.empty()) export_metrics(producer->metrics_, options);
  return producer;
}

Producer::~Producer() {
  if (!rk_) return;
  stop_.store(true, std::memory_order_relaxed);
  if (poll_thread_.joinable()) poll_thread_.join();
  if (rd_kafka_flush(rk_.get(), ms(options_.close_timeout)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    spdlog::warn("kafka producer closing with {} undelivered messages: failing them",
                 rd_kafka_outq_len(rk_.get()));
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    // Purged messages get their (failed) reports on the next poll.
    (void)rd_kafka_flush(rk_.get(), 5'000);
  }
  rd_kafka_poll(rk_.get(), 0);
  // Destroy the handle while options_ and metrics_ (used by callbacks) still exist.
  rk_.reset();
}

void Producer::start_poll_thread() {
  poll_thread_ = std::thread([this] {
    std::string name = options_.poll_thread_name.substr(0, 15);
    pthread_setname_np(pthread_self(), name.c_str());
    while (!stop_.load(std::memory_order_relaxed)) rd_kafka_poll(rk_.get(), 100);
  });
}

Status Producer::produce(const OutgoingMessage& message) {
  return enqueue(message, nullptr);
}

Status Producer::produce(const OutgoingMessage& message, AckRef ack) {
  return enqueue(message, new AckNode(std::move(ack)));
}

Status Producer::produce(const OutgoingMessage& message, DeliveryCallback callback) {
  return enqueue(message, new CallbackNode(std::move(callback)));
}

Status Producer::enqueue(const OutgoingMessage& message, DeliveryNode* node) {
  // librdkafka wants a NUL-terminated topic name; copy it to the stack, not the heap.
  char topic_buf[256];
  std::string topic_heap;
  const char* topic = topic_buf;
  if (message.topic.size() < sizeof topic_buf) {
    message.topic.copy(topic_buf, message.topic.size());
    topic_buf[message.topic.size()] = '\0';
  } else {
    topic_heap.assign(message.topic);
    topic = topic_heap.c_str();
  }

  rd_kafka_vu_t all[8];
  size_t n = 0;
  auto add = [&](rd_kafka_vtype_t type) -> rd_kafka_vu_t& {
    all[n].vtype = type;
    return all[n++];
  };
  add(RD_KAFKA_VTYPE_TOPIC).u.cstr = topic;
  auto& value = add(RD_KAFKA_VTYPE_VALUE);
  value.u.mem.ptr = const_cast<char*>(message.payload.data());
  value.u.mem.size = message.payload.size();
  if (!message.key.empty()) {
    auto& key = add(RD_KAFKA_VTYPE_KEY);
    key.u.mem.ptr = const_cast<char*>(message.key.data());
    key.u.mem.size = message.key.size();
  }
  add(RD_KAFKA_VTYPE_MSGFLAGS).u.i = RD_KAFKA_MSG_F_COPY;
  add(RD_KAFKA_VTYPE_OPAQUE).u.ptr = node;
  if (message.partition != RD_KAFKA_PARTITION_UA) add(RD_KAFKA_VTYPE_PARTITION).u.i32 = message.partition;
  if (message.timestamp_ms != 0) add(RD_KAFKA_VTYPE_TIMESTAMP).u.i64 = message.timestamp_ms;
  rd_kafka_headers_t* headers = nullptr;
  if (!message.headers.empty()) {
    headers = rd_kafka_headers_new(message.headers.size());
    for (const auto& h : message.headers) {
      rd_kafka_header_add(headers, h.key.data(), static_cast<ssize_t>(h.key.size()), h.value.data(),
                          static_cast<ssize_t>(h.value.size()));
    }
    add(RD_KAFKA_VTYPE_HEADERS).u.headers = headers;
  }

  rd_kafka_error_t* error = rd_kafka_produceva(rk_.get(), all, n);
  if (error != nullptr) {
    // On failure librdkafka keeps neither the headers nor the opaque.
    if (headers != nullptr) rd_kafka_headers_destroy(headers);
    delete node;
    Error out = make_error(error, "produce to " + std::string(message.topic));
    rd_kafka_error_destroy(error);
    return out;
  }
  metrics_->accepted.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

int Producer::produce_batch_borrowed(rd_kafka_topic_t* topic, std::span<rd_kafka_message_t> messages) {
  const int queued = rd_kafka_produce_batch(topic, RD_KAFKA_PARTITION_UA, 0, messages.data(),
                                            static_cast<int>(messages.size()));
  metrics_->accepted.fetch_add(static_cast<std::uint64_t>(queued), std::memory_order_relaxed);
  return queued;
}

Result<Producer::TopicHandle> Producer::topic(const std::string& name) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk_.get(), name.c_str(), nullptr);
  if (t == nullptr) return make_error(rd_kafka_last_error(), "topic handle for " + name);
  return TopicHandle(t);
}

void Producer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<Producer*>(opaque)->handle_delivery(message);
}

void Producer::handle_delivery(const rd_kafka_message_t* message) {
  auto* node = static_cast<DeliveryNode*>(message->_private);
  DeliveryReport report;
  report.topic = rd_kafka_topic_name(message->rkt);
  report.partition = message->partition;
  std::optional<Error> error;
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    report.offset = message->offset;
    metrics_->delivered.fetch_add(1, std::memory_order_relaxed);
  } else {
    error = make_error(message->err, "deliver to " + std::string(report.topic) + "[" +
                                         std::to_string(message->partition) + "]");
    if (message->err == RD_KAFKA_RESP_ERR__FATAL) error->klass = ErrorClass::Fatal;
    report.error = &*error;
    metrics_->failed.fetch_add(1, std::memory_order_relaxed);
    if (options_.on_delivery_error) options_.on_delivery_error(*error);
  }
  if (node != nullptr) node->complete(report);
}

void Producer::on_error(rd_kafka_t* rk, int code, const char* reason, void*) {
  const auto err = static_cast<rd_kafka_resp_err_t>(code);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char detail[512];
    const auto original = rd_kafka_fatal_error(rk, detail, sizeof detail);
    spdlog::error("kafka producer fatal error: {}: {}", rd_kafka_err2name(original), detail);
  } else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    spdlog::warn("kafka producer: {}", reason);
  } else {
    // librdkafka retries these itself and already logged them.
    spdlog::debug("kafka producer: {}: {}", rd_kafka_err2name(err), reason);
  }
}

int Producer::on_statistics(rd_kafka_t*, char* json, size_t size, void* opaque) {
  static_cast<Producer*>(opaque)->options_.on_statistics(std::string_view(json, size));
  return 0;  // librdkafka frees the buffer
}

int Producer::poll(std::chrono::milliseconds timeout) {
  return rd_kafka_poll(rk_.get(), ms(timeout));
}

Status Producer::flush(std::chrono::milliseconds timeout) {
  const auto err = rd_kafka_flush(rk_.get(), ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return make_error(err, "flush (" + std::to_string(rd_kafka_outq_len(rk_.get())) +
                               " messages outstanding)");
  }
  return std::nullopt;
}

TxnStatus Producer::init_transactions(std::chrono::milliseconds timeout) {
  return txn_status(rd_kafka_init_transactions(rk_.get(), ms(timeout)), "init transactions");
}

TxnStatus Producer::begin_transaction() {
  return txn_status(rd_kafka_begin_transaction(rk_.get()), "begin transaction");
}

TxnStatus Producer::send_offsets_to_transaction(const Consumer& consumer,
                                                const std::vector<TopicPartition>& offsets,
                                                std::chrono::milliseconds timeout) {
  auto list = to_partition_list(offsets);
  rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata(consumer.handle());
  rd_kafka_error_t* error =
      rd_kafka_send_offsets_to_transaction(rk_.get(), list.get(), group, ms(timeout));
  rd_kafka_consumer_group_metadata_destroy(group);
  return txn_status(error, "send offsets to transaction (" + describe(offsets) + ")");
}

TxnStatus Producer::commit_transaction(std::chrono::milliseconds timeout) {
  return txn_status(rd_kafka_commit_transaction(rk_.get(), ms(timeout)), "commit transaction");
}

TxnStatus Producer::abort_transaction(std::chrono::milliseconds timeout) {
  return txn_status(rd_kafka_abort_transaction(rk_.get(), ms(timeout)), "abort transaction");
}

std::size_t Producer::queue_length() const {
  return static_cast<std::size_t>(rd_kafka_outq_len(rk_.get()));
}

std::optional<Error> Producer::fatal_error() const {
  char detail[512];
  const auto err = rd_kafka_fatal_error(rk_.get(), detail, sizeof detail);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  return Error::make_fatal(error_code_name(err), std::string("kafka producer: ") + detail);
}

}  // namespace lt::kafka
