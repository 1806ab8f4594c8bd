#include "kafka/admin.h"

#include <thread>

namespace lt::kafka {

namespace {

int ms(std::chrono::milliseconds timeout) {
  return static_cast<int>(timeout.count());
}

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const noexcept { rd_kafka_queue_destroy(q); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const noexcept { rd_kafka_event_destroy(e); }
};
struct OptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* o) const noexcept { rd_kafka_AdminOptions_destroy(o); }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using OptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, OptionsDeleter>;

OptionsPtr admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout) {
  OptionsPtr options(rd_kafka_AdminOptions_new(rk, op));
  char reason[256];
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ms(timeout), reason, sizeof reason);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms(timeout), reason, sizeof reason);
  return options;
}

// Waits for the admin result event; a timeout is a transient error.
Result<EventPtr> wait_result(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout,
                             std::string_view context) {
  EventPtr event(rd_kafka_queue_poll(queue, ms(timeout) + 1'000));
  if (!event) return make_error(RD_KAFKA_RESP_ERR__TIMED_OUT, context);
  if (const auto err = rd_kafka_event_error(event.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Error{classify(err), error_code_name(err),
                 std::string(context) + ": " + rd_kafka_event_error_string(event.get())};
  }
  return event;
}

Status topic_result_error(const rd_kafka_topic_result_t* const* results, size_t count,
                          std::string_view context) {
  for (size_t i = 0; i < count; ++i) {
    const auto err = rd_kafka_topic_result_error(results[i]);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* text = rd_kafka_topic_result_error_string(results[i]);
      return Error{classify(err), error_code_name(err),
                   std::string(context) + ": " + (text ? text : rd_kafka_err2str(err))};
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::unique_ptr<Admin>> Admin::create(const ClientConfig& config) {
  // A producer handle never fetches, and does not join a group.
  auto conf = build_conf(config, {});
  if (!conf) return conf.error();
  auto rk = create_handle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk) return rk.error();
  return std::unique_ptr<Admin>(new Admin(std::move(*rk)));
}

// Submits one topic operation on a private queue and returns the per-topic
// outcome. `submit(options, queue)` starts it; `topics(event, &count)` reads it.
template <class Submit, class Topics>
Status run_topic_op(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout,
                    const std::string& context, Submit submit, Topics topics) {
  QueuePtr queue(rd_kafka_queue_new(rk));
  auto options = admin_options(rk, op, timeout);
  submit(options.get(), queue.get());
  auto event = wait_result(queue.get(), timeout, context);
  if (!event) return event.error();
  size_t count = 0;
  const rd_kafka_topic_result_t** results = topics(event->get(), &count);
  return topic_result_error(results, count, context);
}

Status Admin::create_topic(std::string_view name, int partitions, std::chrono::milliseconds timeout,
                           int replication_factor, bool exist_ok) {
  const std::string topic(name);
  const std::string context = "create topic " + topic;
  char reason[512];
  rd_kafka_NewTopic_t* spec =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, replication_factor, reason, sizeof reason);
  if (spec == nullptr) return Error::permanent("kafka.invalid_topic", context + ": " + reason);
  auto error = run_topic_op(
      rk_.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout, context,
      [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_CreateTopics(rk_.get(), &spec, 1, o, q);
        rd_kafka_NewTopic_destroy(spec);
      },
      [](rd_kafka_event_t* e, size_t* n) {
        return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(e), n);
      });
  if (error && !(exist_ok && error->code == error_code_name(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))) {
    return error;
  }

  // The controller acknowledged; wait until the broker serves every partition.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto led = partition_count(name, std::chrono::milliseconds(2'000));
    if (led && *led >= partitions) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(RD_KAFKA_RESP_ERR__TIMED_OUT, context + ": partitions have no leader yet");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // metadata poll interval
  }
}

Status Admin::delete_topic(std::string_view name, std::chrono::milliseconds timeout) {
  const std::string topic(name);
  rd_kafka_DeleteTopic_t* spec = rd_kafka_DeleteTopic_new(topic.c_str());
  return run_topic_op(
      rk_.get(), RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout, "delete topic " + topic,
      [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
        rd_kafka_DeleteTopics(rk_.get(), &spec, 1, o, q);
        rd_kafka_DeleteTopic_destroy(spec);
      },
      [](rd_kafka_event_t* e, size_t* n) {
        return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(e), n);
      });
}

Result<int> Admin::partition_count(std::string_view name, std::chrono::milliseconds timeout) {
  // All-topics metadata: asking for one topic by name could auto-create it.
  const rd_kafka_metadata_t* md = nullptr;
  const auto err = rd_kafka_metadata(rk_.get(), 1, nullptr, &md, ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(err, "metadata for " + std::string(name));
  std::unique_ptr<const rd_kafka_metadata_t, decltype(&rd_kafka_metadata_destroy)> guard(
      md, &rd_kafka_metadata_destroy);
  for (int i = 0; i < md->topic_cnt; ++i) {
    const auto& t = md->topics[i];
    if (name != t.topic) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) return make_error(t.err, "metadata for " + std::string(name));
    int led = 0;
    for (int p = 0; p < t.partition_cnt; ++p) {
      if (t.partitions[p].leader >= 0 && t.partitions[p].err == RD_KAFKA_RESP_ERR_NO_ERROR) ++led;
    }
    return led;
  }
  return make_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "metadata for " + std::string(name));
}

}  // namespace lt::kafka
