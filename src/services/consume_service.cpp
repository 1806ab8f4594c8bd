#include "services/consume_service.h"

#include <spdlog/spdlog.h>

#include <random>
#include <unordered_map>

#include "core/json_codec.h"
#include "core/utf8.h"
#include "services/kafka_check.h"
#include "sources/source.h"

namespace lt::services {

using namespace std::chrono_literals;

struct ConsumeService::PartitionState {
  std::string topic;
  std::int32_t partition = 0;
  std::shared_ptr<AckTracker> tracker;  // created at the partition's first record
  std::int64_t stored = -1;             // last offset handed to store_offset
  std::atomic<std::int64_t> position{-1};  // next offset we expect to consume
};

struct ConsumeService::Work {
  kafka::Message msg;
  AckRef ack;
};

namespace {

std::vector<kafka::Header> header_views(const Output& out) {
  std::vector<kafka::Header> h;
  h.reserve(out.headers.size());
  for (const auto& [k, v] : out.headers) h.push_back({k, v});
  return h;
}

// A processed event too big for the producer's message.max.bytes gets its message
// cut to fit (flagged `truncated`) instead of being refused for good.
void fit_processed(Output& out, const kafka::Producer& producer, Counter& truncated) {
  const std::size_t limit = producer.max_payload_bytes(out.key.size());
  if (out.payload.size() <= limit) return;
  std::string fitted;
  if (encode_json_within(out.event, fitted, limit) != FitResult::Truncated) return;
  truncated.inc();
  out.payload = std::move(fitted);
}

}  // namespace

// One processing thread; all records of a partition go to the same worker, so
// per-key order is kept from input to output.
class ConsumeService::Worker {
 public:
  Worker(ConsumeService& svc, int index)
      : svc_(svc),
        processor_(svc.pipeline_, svc.options_.retry, svc.observer_, svc.options_.decode),
        thread_([this, index] {
          pthread_setname_np(pthread_self(), ("lt-process-" + std::to_string(index)).c_str());
          loop();
        }) {}

  ~Worker() { stop(); }

  BoundedQueue<Work>& queue() noexcept { return queue_; }

  void stop() {
    queue_.close();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void loop() {
    std::vector<Output> outputs;
    while (true) {
      auto work = queue_.pop(100ms);
      if (!work) {
        if (queue_.closed() && queue_.size() == 0) return;
        continue;
      }
      outputs.clear();
      const Origin origin{work->msg.topic(), work->msg.partition(), work->msg.offset()};
      const auto started = std::chrono::steady_clock::now();
      processor_.process_record(work->msg.key(), work->msg.payload(), origin, outputs);
      svc_.processing_seconds_.observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      auto group = join_outputs(work->ack, outputs);
      if (!group) {
        if (!outputs.empty())
          write(outputs[0], origin, [&](const kafka::OutgoingMessage& m) { return svc_.producer_->produce(m, work->ack); },
                [&] { work->ack.fail(); });
        continue;
      }
      for (auto& out : outputs) {
        write(
            out, origin,
            [&](const kafka::OutgoingMessage& m) {
              return svc_.producer_->produce(m, [group](const kafka::DeliveryReport& r) {
                if (r.ok()) {
                  group->ack();
                } else {
                  group->fail();
                }
              });
            },
            [&] { group->fail(); });
      }
    }
  }

  // Writes one output, waiting while the producer queue is full. An output the
  // broker can never take does not stall the partition: a processed event too
  // big for message.max.bytes is cut to fit (flagged `truncated`), and what is
  // still refused for good becomes a dead letter saying why. Only a dead letter
  // refused for good fails the record (not committed; a rewind reprocesses it).
  template <typename ProduceFn, typename FailFn>
  void write(Output& out, const Origin& origin, ProduceFn&& produce, FailFn&& fail) {
    const bool processed = out.kind == Output::Kind::Processed;
    if (processed) fit_processed(out, *svc_.producer_, svc_.truncated_);
    auto refused = send(out, processed ? svc_.options_.processed_topic : svc_.options_.dlq_topic, produce);
    if (!refused) return;
    if (processed) {
      spdlog::error("consume: {} refused the event of {}[{}]@{} for good ({}); dead-lettering it",
                    svc_.options_.processed_topic, origin.topic, origin.partition, origin.offset, refused->message);
      Output letter = refusal_dead_letter(out, origin, *refused);
      if (!send(letter, svc_.options_.dlq_topic, produce)) return;
    } else if (fit_dead_letter(out)) {
      if (!send(out, svc_.options_.dlq_topic, produce)) return;
    }
    spdlog::error("consume: cannot write to {}: {}", svc_.options_.dlq_topic, refused->message);
    fail();
  }

  // Produces, retrying a full queue. Returns the error of a permanent refusal.
  template <typename ProduceFn>
  std::optional<Error> send(const Output& out, std::string_view topic, ProduceFn& produce) {
    const auto headers = header_views(out);
    const kafka::OutgoingMessage m{.topic = topic, .key = out.key, .payload = out.payload, .headers = headers};
    auto pause = 200us;
    while (true) {
      kafka::Status st = produce(m);
      if (!st) return std::nullopt;
      if (!st->retriable()) return st;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(20ms));
    }
  }

  // The dead letter for a processed event the broker refused: the event as it
  // would have been written (cut to fit if need be), with the refusal as reason.
  Output refusal_dead_letter(const Output& out, const Origin& origin, const Error& why) {
    dead_lettered_counter("output").inc();
    Output letter;
    letter.kind = Output::Kind::DeadLetter;
    letter.key = out.key;
    letter.payload = out.payload;
    letter.headers = dead_letter_headers(why.code, why.message, "output", origin, 1);
    fit_dead_letter(letter);
    return letter;
  }

  // Cuts a dead letter's payload to what the producer accepts (UTF-8-safe) and
  // says so in a header. False when it already fitted (cutting cannot help).
  bool fit_dead_letter(Output& letter) {
    std::size_t header_bytes = 64;  // the header added below
    for (const auto& [k, v] : letter.headers) header_bytes += k.size() + v.size() + 8;
    const std::size_t limit = svc_.producer_->max_payload_bytes(letter.key.size(), header_bytes);
    if (letter.payload.size() <= limit) return false;
    const std::size_t original = letter.payload.size();
    letter.payload.resize(truncate_utf8(letter.payload, limit).size());
    letter.headers.emplace_back(std::string(kDlqPayloadTruncated), std::to_string(original));
    return true;
  }

  ConsumeService& svc_;
  BoundedQueue<Work> queue_{2048};
  RecordProcessor processor_;
  std::thread thread_;
};

ConsumeService::ConsumeService(ConsumeOptions options, std::shared_ptr<PipelineSlot> pipeline, EventObserver* observer)
    : options_(std::move(options)),
      pipeline_(std::move(pipeline)),
      observer_(observer),
      rewinds_(MetricsRegistry::global().counter("logtracer_consumer_rewinds_total",
                                                 "Partitions rewound to their committed offset after an output failed.")),
      offsets_committed_(MetricsRegistry::global().counter(
          "logtracer_consumer_offsets_stored_total", "Offset advances stored for commit (all outputs acknowledged).")),
      truncated_(MetricsRegistry::global().counter(
          "logtracer_consumer_truncated_total",
          "Processed events whose message was cut to fit the producer's message.max.bytes (flagged truncated).")),
      processing_seconds_(MetricsRegistry::global().histogram(
          "logtracer_consumer_processing_seconds",
          "Time from taking a record to its outputs being ready (decode, filter, enrich, redact, alerts, encode).",
          {0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5})) {}

ConsumeService::~ConsumeService() {
  drain_workers();
  if (consumer_) (void)consumer_->close();
}

std::optional<Error> ConsumeService::start() {
  if (auto e = check_kafka(options_.client, "consume")) return e;
  kafka::ProducerOptions popts = options_.producer;
  if (options_.exactly_once) {
    std::random_device rd;
    popts.transactional_id = options_.group_id + "-" + sources::local_host_name() + "-" + std::to_string(rd());
  }
  auto producer = kafka::Producer::create(options_.client, popts);
  if (!producer) return producer.error();
  producer_ = std::move(producer).value();
  if (options_.exactly_once) {
    if (auto st = producer_->init_transactions(30s)) return st->error;
  }

  kafka::ConsumerOptions copts;
  copts.group_id = options_.group_id;
  copts.auto_commit = !options_.exactly_once;
  copts.isolation_level = "read_committed";
  copts.hooks.on_assigned = [this](const auto& parts) { on_assigned(parts); };
  copts.hooks.on_revoked = [this](const auto& parts, bool lost) { on_revoked(parts, lost); };
  auto consumer = kafka::Consumer::create(options_.client, copts);
  if (!consumer) return consumer.error();
  consumer_ = std::move(consumer).value();
  if (auto st = consumer_->subscribe({options_.input_topic})) return *st;

  if (options_.exactly_once) {
    txn_processor_ = std::make_unique<RecordProcessor>(pipeline_, options_.retry, observer_, options_.decode);
  } else {
    const std::size_t n = std::max<std::size_t>(1, options_.workers);
    for (std::size_t i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>(*this, static_cast<int>(i)));
  }
  spdlog::info("consume: group '{}' reading {} ({})", options_.group_id, options_.input_topic,
               options_.exactly_once ? "exactly once, transactional" : "at least once");
  return std::nullopt;
}

std::optional<Error> ConsumeService::run(const std::atomic<bool>& stop) {
  return options_.exactly_once ? run_exactly_once(stop) : run_at_least_once(stop);
}

std::shared_ptr<ConsumeService::PartitionState> ConsumeService::state_for(const std::string& topic,
                                                                          std::int32_t partition) {
  std::lock_guard lock(partitions_mu_);
  auto& slot = partitions_[{topic, partition}];
  if (!slot) {
    slot = std::make_shared<PartitionState>();
    slot->topic = topic;
    slot->partition = partition;
  }
  return slot;
}

void ConsumeService::on_assigned(const std::vector<kafka::TopicPartition>& parts) {
  for (const auto& tp : parts) {
    auto ps = state_for(tp.topic, tp.partition);
    kafka::Consumer* consumer = consumer_.get();
    MetricsRegistry::global().gauge_fn(
        "logtracer_consumer_lag", "Records in the partition not yet consumed (high watermark - position).",
        {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}}, [consumer, ps]() -> double {
          auto wm = consumer->cached_watermarks(ps->topic, ps->partition);
          const std::int64_t pos = ps->position.load(std::memory_order_relaxed);
          if (!wm || wm->high < 0 || pos < 0) return 0;
          return static_cast<double>(std::max<std::int64_t>(0, wm->high - pos));
        });
  }
  if (observer_) observer_->partitions_assigned();
  spdlog::info("consume: assigned {}", kafka::describe(parts));
}

void ConsumeService::on_revoked(const std::vector<kafka::TopicPartition>& parts, bool lost) {
  if (options_.exactly_once && txn_open_ && !lost) {
    if (auto err = commit_transaction()) spdlog::warn("consume: commit on revoke failed: {}", err->message);
  }
  for (const auto& tp : parts) {
    std::shared_ptr<PartitionState> ps;
    {
      std::lock_guard lock(partitions_mu_);
      auto it = partitions_.find({tp.topic, tp.partition});
      if (it == partitions_.end()) continue;
      ps = it->second;
      partitions_.erase(it);
    }
    MetricsRegistry::global().remove_gauge_fn("logtracer_consumer_lag",
                                              {{"topic", tp.topic}, {"partition", std::to_string(tp.partition)}});
    if (lost || !ps->tracker) continue;
    // Finish what is in flight so the next owner starts right after it.
    wait_drained(*ps->tracker, std::chrono::steady_clock::now() + options_.revoke_drain);
    const std::int64_t c = ps->tracker->committed();
    if (c > ps->stored) {
      if (auto st = consumer_->store_offset(tp.topic, tp.partition, c)) {
        spdlog::warn("consume: storing offset on revoke of {}[{}]: {}", tp.topic, tp.partition, st->message);
      }
    }
  }
  if (observer_) observer_->partitions_revoked();
  spdlog::info("consume: revoked {}{}", kafka::describe(parts), lost ? " (lost)" : "");
}

void ConsumeService::store_offsets() {
  std::vector<std::shared_ptr<PartitionState>> states;
  {
    std::lock_guard lock(partitions_mu_);
    for (auto& [k, ps] : partitions_) states.push_back(ps);
  }
  for (auto& ps : states) {
    if (!ps->tracker) continue;
    const std::int64_t c = ps->tracker->committed();
    if (c <= ps->stored) continue;
    if (auto st = consumer_->store_offset(ps->topic, ps->partition, c)) {
      spdlog::warn("consume: store offset {}[{}]@{}: {}", ps->topic, ps->partition, c, st->message);
      continue;
    }
    ps->stored = c;
    offsets_committed_.inc();
  }
}

void ConsumeService::rewind_failed_partitions() {
  std::vector<std::shared_ptr<PartitionState>> states;
  {
    std::lock_guard lock(partitions_mu_);
    for (auto& [k, ps] : partitions_) states.push_back(ps);
  }
  for (auto& ps : states) {
    if (!ps->tracker || !ps->tracker->failed()) continue;
    const std::int64_t c = ps->tracker->committed();
    spdlog::warn("consume: an output of {}[{}] failed; rewinding to offset {} (at-least-once: later records are "
                 "processed again)",
                 ps->topic, ps->partition, c);
    if (auto st = consumer_->seek(kafka::TopicPartition{ps->topic, ps->partition, c}, 5s)) {
      spdlog::error("consume: seek {}[{}]@{}: {}", ps->topic, ps->partition, c, st->message);
      continue;  // try again on the next round; the offset stays where it was
    }
    ps->tracker->reset(c);
    ps->position = c;
    rewinds_.inc();
  }
}

void ConsumeService::wait_in_flight(std::chrono::steady_clock::time_point deadline) {
  std::vector<std::shared_ptr<PartitionState>> states;
  {
    std::lock_guard lock(partitions_mu_);
    for (auto& [k, ps] : partitions_) states.push_back(ps);
  }
  for (auto& ps : states)
    if (ps->tracker) wait_drained(*ps->tracker, deadline);
}

void ConsumeService::drain_workers() {
  for (auto& w : workers_) w->stop();
  workers_.clear();
}

std::optional<Error> ConsumeService::run_at_least_once(const std::atomic<bool>& stop) {
  auto last_store = std::chrono::steady_clock::now();
  std::optional<Error> fatal;
  auto housekeeping = [&] {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_store < 100ms) return;
    last_store = now;
    rewind_failed_partitions();
    store_offsets();
  };
  while (!stop.load(std::memory_order_relaxed)) {
    kafka::Message msg = consumer_->poll(100ms);
    housekeeping();
    if (!msg) continue;
    if (auto err = msg.error()) {
      if (err->fatal()) {
        fatal = err;
        break;
      }
      spdlog::warn("consume: {}", err->message);
      continue;
    }
    auto ps = state_for(std::string(msg.topic()), msg.partition());
    if (!ps->tracker) {
      ps->tracker = std::make_shared<AckTracker>(options_.max_in_flight, msg.offset());
      ps->stored = msg.offset();
    }
    if (msg.offset() < ps->position.load(std::memory_order_relaxed)) continue;  // already taken (before a rewind)
    std::optional<std::uint64_t> seq;
    bool rewound = false;
    while (!(seq = ps->tracker->try_track(msg.offset() + 1))) {
      // The partition's window is full: outputs are slow (broker trouble). Wait,
      // keep committing what completes, and rewind if something failed.
      if (stop.load(std::memory_order_relaxed)) break;
      std::this_thread::sleep_for(1ms);
      if (ps->tracker->failed()) {
        rewind_failed_partitions();
        rewound = true;
        break;
      }
      housekeeping();
    }
    if (!seq || rewound) continue;  // the record comes again after the rewind (or at the next start)
    ps->position = msg.offset() + 1;
    Work work{std::move(msg), AckRef{ps->tracker, *seq}};
    auto& worker = *workers_[static_cast<std::size_t>(work.msg.partition()) % workers_.size()];
    while (!worker.queue().push(std::move(work), 50ms)) {
      if (stop.load(std::memory_order_relaxed)) {
        work.ack.fail();  // never processed: not committed, the next owner reads it
        break;
      }
      housekeeping();
    }
  }
  // Drain: finish queued records, wait for their outputs, commit, leave.
  drain_workers();
  if (auto st = producer_->flush(30s)) spdlog::warn("consume: flush on shutdown: {}", st->message);
  // Records that matched an alert rule wait for the next evaluation's notifications
  // (the alert ticker still runs): give them a moment, then commit what is complete.
  wait_in_flight(std::chrono::steady_clock::now() + 3s);
  store_offsets();
  if (auto st = consumer_->close()) spdlog::warn("consume: close: {}", st->message);
  spdlog::info("consume: stopped");
  return fatal;
}

std::optional<Error> ConsumeService::commit_transaction() {
  std::vector<kafka::TopicPartition> offsets;
  for (const auto& [tp, off] : txn_offsets_) offsets.push_back({tp.first, tp.second, off});
  if (auto st = producer_->send_offsets_to_transaction(*consumer_, offsets, 30s)) {
    abort_and_rewind(st->error);
    return st->error;
  }
  if (auto st = producer_->commit_transaction(60s)) {
    if (st->error.fatal()) return st->error;
    abort_and_rewind(st->error);
    return st->error;
  }
  txn_open_ = false;
  txn_offsets_.clear();
  offsets_committed_.inc(offsets.size());
  return std::nullopt;
}

void ConsumeService::abort_and_rewind(const Error& why) {
  spdlog::warn("consume: aborting transaction ({}); rewinding to the committed offsets", why.message);
  if (auto st = producer_->abort_transaction(60s)) spdlog::error("consume: abort: {}", st->error.message);
  txn_open_ = false;
  txn_offsets_.clear();
  txn_delivery_failed_ = false;
  auto assignment = consumer_->assignment();
  if (!assignment) return;
  auto committed = consumer_->committed(*assignment, 10s);
  if (!committed) return;
  for (auto tp : *committed) {
    if (tp.offset < 0) tp.offset = RD_KAFKA_OFFSET_BEGINNING;
    if (auto st = consumer_->seek(tp, 5s)) spdlog::error("consume: seek {}: {}", tp.topic, st->message);
  }
  rewinds_.inc();
}

std::optional<Error> ConsumeService::run_exactly_once(const std::atomic<bool>& stop) {
  std::vector<Output> outputs;
  std::size_t in_txn = 0;
  auto txn_started = std::chrono::steady_clock::now();
  std::optional<Error> fatal;
  while (!stop.load(std::memory_order_relaxed)) {
    kafka::Message msg = consumer_->poll(50ms);
    if (msg) {
      if (auto err = msg.error()) {
        if (err->fatal()) {
          fatal = err;
          break;
        }
        spdlog::warn("consume: {}", err->message);
      } else {
        if (!txn_open_) {
          if (auto st = producer_->begin_transaction()) {
            fatal = st->error;
            break;
          }
          txn_open_ = true;
          in_txn = 0;
          txn_started = std::chrono::steady_clock::now();
        }
        outputs.clear();
        const Origin origin{msg.topic(), msg.partition(), msg.offset()};
        txn_processor_->process_record(msg.key(), msg.payload(), origin, outputs);
        for (auto& out : outputs) {
          if (out.kind == Output::Kind::Processed) fit_processed(out, *producer_, truncated_);
          const auto headers = header_views(out);
          const kafka::OutgoingMessage m{
              .topic = out.kind == Output::Kind::Processed ? options_.processed_topic : options_.dlq_topic,
              .key = out.key,
              .payload = out.payload,
              .headers = headers};
          while (true) {
            auto st = producer_->produce(m, [this](const kafka::DeliveryReport& r) {
              if (!r.ok()) txn_delivery_failed_ = true;
            });
            if (!st) break;
            if (!st->retriable()) {
              txn_delivery_failed_ = true;
              break;
            }
            std::this_thread::sleep_for(1ms);
          }
        }
        txn_offsets_[{std::string(msg.topic()), msg.partition()}] = msg.offset() + 1;
        ++in_txn;
      }
    }
    if (txn_open_ && (in_txn >= 1000 || std::chrono::steady_clock::now() - txn_started >= 100ms)) {
      if (txn_delivery_failed_) {
        abort_and_rewind(Error::transient("kafka.delivery_failed", "an output of the transaction failed"));
        continue;
      }
      if (auto err = commit_transaction(); err && err->fatal()) {
        fatal = err;
        break;
      }
    }
  }
  if (txn_open_ && !fatal) (void)commit_transaction();
  if (auto st = consumer_->close()) spdlog::warn("consume: close: {}", st->message);
  spdlog::info("consume: stopped");
  return fatal;
}

}  // namespace lt::services
