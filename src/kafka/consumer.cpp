#include "kafka/consumer.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <string>

namespace lt::kafka {

namespace {

int ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(timeout.count());
}

std::string where(std::string_view topic, std::int32_t partition) {
  return std::string(topic) + "[" + std::to_string(partition) + "]";
}

// The first per-partition error of a list operation, if any.
Status partition_error(const rd_kafka_topic_partition_list_t* list, std::string_view context) {
  for (int i = 0; i < list->cnt; ++i) {
    const auto& e = list->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return make_error(e.err, std::string(context) + " " + where(e.topic, e.partition));
    }
  }
  return std::nullopt;
}

void log_consumer_error(rd_kafka_t*, int code, const char* reason, void*) {
  // librdkafka retries these itself and already logged them.
  spdlog::debug("kafka consumer: {}: {}", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(code)),
               reason);
}

}  // namespace

// --- Message -------------------------------------------------------------------

Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    if (m_ != nullptr) rd_kafka_message_destroy(m_);
    m_ = other.m_;
    other.m_ = nullptr;
  }
  return *this;
}

Message::~Message() {
  if (m_ != nullptr) rd_kafka_message_destroy(m_);
}

std::optional<Error> Message::error() const {
  if (m_ == nullptr || m_->err == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  std::string context = "consume";
  if (m_->rkt != nullptr) context += " " + where(topic(), m_->partition);
  Error error = make_error(m_->err, context);
  // A consumer error event may carry a more precise text in the payload.
  if (m_->payload != nullptr && m_->len > 0) {
    error.message += " (" + std::string(static_cast<const char*>(m_->payload), m_->len) + ")";
  }
  return error;
}

std::string_view Message::topic() const noexcept {
  return m_->rkt != nullptr ? std::string_view(rd_kafka_topic_name(m_->rkt)) : std::string_view();
}

std::string_view Message::key() const noexcept {
  return m_->key != nullptr ? std::string_view(static_cast<const char*>(m_->key), m_->key_len)
                            : std::string_view();
}

std::string_view Message::payload() const noexcept {
  return m_->payload != nullptr ? std::string_view(static_cast<const char*>(m_->payload), m_->len)
                                : std::string_view();
}

std::int64_t Message::timestamp_ms() const noexcept {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(m_, &type);
}

std::vector<Header> Message::headers() const {
  std::vector<Header> out;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m_, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
       ++i) {
    out.push_back({name, value != nullptr ? std::string_view(static_cast<const char*>(value), size)
                                          : std::string_view()});
  }
  return out;
}

std::optional<std::string_view> Message::header(std::string_view key) const {
  std::optional<std::string_view> found;
  for (const auto& h : headers()) {
    if (h.key == key) found = h.value;
  }
  return found;
}

// --- Consumer ------------------------------------------------------------------

Result<std::unique_ptr<Consumer>> Consumer::create(const ClientConfig& config,
                                                   const ConsumerOptions& options) {
  if (options.group_id.empty()) {
    return Error::permanent("kafka.config", "kafka consumer needs a group id");
  }
  const std::vector<Property> defaults = {
      {"group.id", options.group_id},
      {"partition.assignment.strategy", options.assignor},
      {"enable.auto.offset.store", "false"},
      {"enable.auto.commit", options.auto_commit ? "true" : "false"},
      {"auto.commit.interval.ms", std::to_string(options.auto_commit_interval_ms)},
      {"isolation.level", options.isolation_level},
      {"auto.offset.reset", options.auto_offset_reset},
      {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
      {"max.poll.interval.ms", std::to_string(options.max_poll_interval_ms)},
  };
  auto conf = build_conf(config, defaults);
  if (!conf) return conf.error();

  std::unique_ptr<Consumer> consumer(new Consumer(options));
  rd_kafka_conf_set_opaque(conf->get(), consumer.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &Consumer::on_rebalance);
  rd_kafka_conf_set_error_cb(conf->get(), log_consumer_error);
  auto rk = create_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) return rk.error();
  consumer->rk_ = std::move(*rk);
  // One queue for records, rebalances, errors and logs: poll() serves all.
  rd_kafka_poll_set_consumer(consumer->rk_.get());
  return consumer;
}

Consumer::~Consumer() {
  if (!rk_) return;
  if (auto error = close()) spdlog::warn("kafka consumer close: {}", error->message);
  // Destroy the handle while options_ (used by callbacks) still exists.
  rk_.reset();
}

Status Consumer::subscribe(const std::vector<std::string>& topics) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
  const auto err = rd_kafka_subscribe(rk_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "subscribe");
  return std::nullopt;
}

Message Consumer::poll(std::chrono::milliseconds timeout) {
  Message message(rd_kafka_consumer_poll(rk_.get(), ms(timeout)));
  if (message && message.raw()->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    metrics_.consumed.fetch_add(1, std::memory_order_relaxed);
  }
  return message;
}

void Consumer::on_rebalance(rd_kafka_t*, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<Consumer*>(opaque)->handle_rebalance(err, partitions);
}

void Consumer::handle_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_t* rk = rk_.get();
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
  const auto list = from_partition_list(partitions);
  metrics_.rebalances.fetch_add(1, std::memory_order_relaxed);

  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (options_.hooks.start_offsets) choose_start_offsets(partitions);
    if (cooperative) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_assign(rk, partitions)) {
        spdlog::error("kafka incremental assign of {} failed: {}", describe(list),
                      rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        return;
      }
    } else if (const auto e = rd_kafka_assign(rk, partitions); e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::error("kafka assign of {} failed: {}", describe(list), rd_kafka_err2str(e));
      return;
    }
    metrics_.assigned_partitions.fetch_add(list.size(), std::memory_order_relaxed);
    spdlog::debug("kafka {} assigned: {}", options_.group_id, describe(list));
    if (options_.hooks.on_assigned) options_.hooks.on_assigned(list);
    return;
  }

  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    const bool lost = rd_kafka_assignment_lost(rk) != 0;
    if (options_.hooks.on_revoked) options_.hooks.on_revoked(list, lost);
    if (lost) {
      metrics_.lost_partitions.fetch_add(list.size(), std::memory_order_relaxed);
    } else if (options_.auto_commit) {
      // The hook stored the final offsets of the revoked partitions; commit them
      // while they are still ours, so the next owner starts right after.
      if (auto e = commit_stored("commit on revoke")) spdlog::warn("kafka: {}", e->message);
    }
    metrics_.revoked_partitions.fetch_add(list.size(), std::memory_order_relaxed);
    spdlog::debug("kafka {} revoked{}: {}", options_.group_id, lost ? " (lost)" : "", describe(list));
    if (cooperative) {
      if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(rk, partitions)) {
        spdlog::error("kafka incremental unassign failed: {}", rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
      }
    } else {
      rd_kafka_assign(rk, nullptr);
    }
    return;
  }

  spdlog::error("kafka rebalance error: {}", rd_kafka_err2str(err));
  rd_kafka_assign(rk, nullptr);
}

void Consumer::choose_start_offsets(rd_kafka_topic_partition_list_t* partitions) {
  auto chosen = from_partition_list(partitions);
  options_.hooks.start_offsets(chosen);
  // librdkafka fetches each partition from the offset it is assigned with.
  for (int i = 0; i < partitions->cnt && static_cast<std::size_t>(i) < chosen.size(); ++i)
    partitions->elems[i].offset = chosen[static_cast<std::size_t>(i)].offset;
  spdlog::debug("kafka {} start offsets: {}", options_.group_id, describe(chosen));
}

Status Consumer::store_offset(std::string_view topic, std::int32_t partition, std::int64_t next_offset) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  const std::string name(topic);
  rd_kafka_topic_partition_list_add(list.get(), name.c_str(), partition)->offset = next_offset;
  return store(list.get());
}

Status Consumer::store_offsets(const std::vector<TopicPartition>& offsets) {
  auto list = to_partition_list(offsets);
  return store(list.get());
}

Status Consumer::store(rd_kafka_topic_partition_list_t* list) {
  const auto err = rd_kafka_offsets_store(rk_.get(), list);
  // Per-partition errors (not assigned: _STATE) say more than the overall code.
  if (auto e = partition_error(list, "store offset")) return e;
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "store offsets");
  return std::nullopt;
}

Status Consumer::commit_stored(std::string_view why) {
  const auto err = rd_kafka_commit(rk_.get(), nullptr, 0);
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return std::nullopt;
  return make_error(err, why);
}

Status Consumer::commit() {
  return commit_stored("commit stored offsets");
}

Status Consumer::commit(const std::vector<TopicPartition>& offsets) {
  auto list = to_partition_list(offsets);
  const auto err = rd_kafka_commit(rk_.get(), list.get(), 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "commit " + describe(offsets));
  return partition_error(list.get(), "commit");
}

Status Consumer::pause(const std::vector<TopicPartition>& partitions) {
  auto list = to_partition_list(partitions);
  const auto err = rd_kafka_pause_partitions(rk_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "pause " + describe(partitions));
  return partition_error(list.get(), "pause");
}

Status Consumer::resume(const std::vector<TopicPartition>& partitions) {
  auto list = to_partition_list(partitions);
  const auto err = rd_kafka_resume_partitions(rk_.get(), list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "resume " + describe(partitions));
  return partition_error(list.get(), "resume");
}

Status Consumer::seek(const TopicPartition& tp, std::chrono::milliseconds timeout) {
  auto list = to_partition_list({tp});
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(rk_.get(), list.get(), ms(timeout))) {
    Error out = make_error(error, "seek " + describe({tp}));
    rd_kafka_error_destroy(error);
    return out;
  }
  return partition_error(list.get(), "seek");
}

Result<std::vector<TopicPartition>> Consumer::committed(const std::vector<TopicPartition>& partitions,
                                                        std::chrono::milliseconds timeout) {
  auto list = to_partition_list(partitions);
  const auto err = rd_kafka_committed(rk_.get(), list.get(), ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "committed offsets");
  if (auto e = partition_error(list.get(), "committed offset of")) return std::move(*e);
  return from_partition_list(list.get());
}

Result<Watermarks> Consumer::query_watermarks(std::string_view topic, std::int32_t partition,
                                              std::chrono::milliseconds timeout) {
  Watermarks w;
  const std::string name(topic);
  const auto err =
      rd_kafka_query_watermark_offsets(rk_.get(), name.c_str(), partition, &w.low, &w.high, ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "watermarks of " + where(topic, partition));
  return w;
}

Result<Watermarks> Consumer::cached_watermarks(std::string_view topic, std::int32_t partition) const {
  Watermarks w;
  const std::string name(topic);
  const auto err = rd_kafka_get_watermark_offsets(rk_.get(), name.c_str(), partition, &w.low, &w.high);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "watermarks of " + where(topic, partition));
  return w;
}

Result<std::vector<TopicPartition>> Consumer::assignment() const {
  rd_kafka_topic_partition_list_t* raw = nullptr;
  const auto err = rd_kafka_assignment(rk_.get(), &raw);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "assignment");
  PartitionListPtr list(raw);
  return from_partition_list(list.get());
}

std::string Consumer::rebalance_protocol() const {
  return rd_kafka_rebalance_protocol(rk_.get());
}

Status Consumer::close() {
  if (closed_) return std::nullopt;
  closed_ = true;
  Status result;
  if (options_.auto_commit) result = commit_stored("commit on close");
  // Leaves the group: the revoke callback runs (hooks, final commit) inside.
  const auto err = rd_kafka_consumer_close(rk_.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && !result) result = make_error(err, "close consumer");
  return result;
}

}  // namespace lt::kafka
