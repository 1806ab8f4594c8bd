#include "services/alerting.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "alerts/alerts_config.h"
#include "services/pipeline_builder.h"

namespace lt::services {
namespace {

// The batch of the evaluation the ticker thread is dispatching. The dispatcher's
// notifier interface carries no acknowledgement, and the Kafka notifier runs
// inline on the ticker thread, so the batch travels beside it. Other threads (a
// webhook sender handing an undelivered copy to the local notifiers) see null.
thread_local AckBatch* dispatching_batch = nullptr;

std::variant<std::vector<alerts::AlertRuleOptions>, Error> rules_from(const config::ConsumerConfig& consumer) {
  std::vector<alerts::AlertRuleOptions> rules;
  for (const auto& r : consumer.alerts) {
    auto rule = alerts::rule_from_config(r);
    if (auto* e = std::get_if<Error>(&rule)) return *e;
    rules.push_back(std::get<alerts::AlertRuleOptions>(std::move(rule)));
  }
  return rules;
}

}  // namespace

std::variant<std::unique_ptr<AlertRunner>, Error> AlertRunner::create(
    const config::ConsumerConfig& consumer, alerts::KafkaPublish publish,
    std::function<void(const alerts::AlertNotification&)> on_notification) {
  auto rules = rules_from(consumer);
  if (auto* e = std::get_if<Error>(&rules)) return *e;
  auto engine = alerts::AlertEngine::create(std::get<0>(rules), now_ns());
  if (auto* e = std::get_if<Error>(&engine)) return *e;
  auto notifiers = alerts::notifiers_from_config(consumer.notifiers);
  if (auto* e = std::get_if<Error>(&notifiers)) return *e;

  std::unique_ptr<AlertRunner> runner(new AlertRunner());
  runner->engine_ = std::get<0>(std::move(engine));
  runner->publish_ = std::move(publish);
  runner->on_notification_ = std::move(on_notification);
  runner->notifiers_ = consumer.notifiers;
  runner->dispatcher_ = alerts::make_dispatcher(std::get<alerts::NotifiersOptions>(notifiers), runner->publish_);
  runner->open_ = AckBatch::create();
  runner->ticker_ = std::thread([r = runner.get()] {
    pthread_setname_np(pthread_self(), "lt-alert-tick");
    r->tick_loop();
  });
  return runner;
}

AlertRunner::~AlertRunner() { stop(); }

std::shared_ptr<AckBatch> AlertRunner::observe(const LogEvent& event) {
  if (!engine_->observe(event, now_ns())) return nullptr;
  // Taken after the engine recorded the event: the tick that closes this batch
  // starts later, so it evaluates the event (or an earlier tick did, and this
  // batch comes after() that one's).
  std::lock_guard lock(open_mu_);
  matched_.store(true, std::memory_order_relaxed);
  return open_;
}
void AlertRunner::partitions_revoked() { engine_->on_partitions_revoked(now_ns()); }
void AlertRunner::partitions_assigned() { engine_->on_partitions_assigned(now_ns()); }

void AlertRunner::tick_loop() {
  while (!stop_.load()) {
    // Once a second; sooner while records wait on the open batch, so that their
    // offsets are held for about 100 ms rather than a second.
    for (int i = 0; i < 10 && !stop_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (matched_.load(std::memory_order_relaxed)) break;
    }
    std::shared_ptr<AckBatch> batch;
    {
      std::lock_guard lock(open_mu_);
      batch = std::exchange(open_, nullptr);
      open_ = AckBatch::after(batch);
      matched_.store(false, std::memory_order_relaxed);
    }
    auto notes = engine_->tick(now_ns());
    if (!notes.empty()) {
      std::lock_guard lock(dispatcher_mu_);
      for (const auto& n : notes) {
        if (on_notification_) on_notification_(n);
      }
      dispatching_batch = batch.get();
      if (dispatcher_) dispatcher_->submit(notes);
      dispatching_batch = nullptr;
    }
    batch->seal();
  }
}

std::optional<Error> AlertRunner::reconfigure(const config::ConsumerConfig& consumer) {
  auto rules = rules_from(consumer);
  if (auto* e = std::get_if<Error>(&rules)) return *e;
  std::unique_ptr<alerts::AlertDispatcher> fresh;
  if (!(consumer.notifiers == notifiers_)) {
    auto notifiers = alerts::notifiers_from_config(consumer.notifiers);
    if (auto* e = std::get_if<Error>(&notifiers)) return *e;
    fresh = alerts::make_dispatcher(std::get<alerts::NotifiersOptions>(notifiers), publish_);
  }
  auto changes = engine_->reconfigure(std::get<0>(rules), now_ns());
  if (auto* e = std::get_if<Error>(&changes)) return *e;
  std::lock_guard lock(dispatcher_mu_);
  if (fresh) {
    if (dispatcher_) dispatcher_->stop();
    dispatcher_ = std::move(fresh);
    notifiers_ = consumer.notifiers;
  }
  const auto& notes = std::get<std::vector<alerts::AlertNotification>>(changes);
  for (const auto& n : notes)
    if (on_notification_) on_notification_(n);
  if (dispatcher_ && !notes.empty()) dispatcher_->submit(notes);
  return std::nullopt;
}

void AlertRunner::stop() {
  if (stop_.exchange(true)) return;
  if (ticker_.joinable()) ticker_.join();
  std::lock_guard lock(dispatcher_mu_);
  if (dispatcher_) dispatcher_->stop();
}

std::optional<Error> reload_processing(const config::ConsumerConfig& consumer, PipelineSlot& slot,
                                       AlertRunner& alerts) {
  auto fresh = build_pipeline(consumer);
  if (auto* e = std::get_if<Error>(&fresh)) return *e;
  if (auto err = alerts.reconfigure(consumer)) return Error::permanent(err->code, "alerts: " + err->message);
  slot.store(std::get<0>(std::move(fresh)));
  return std::nullopt;
}

std::function<void(bool)> alert_delivery() { return dispatching_batch ? dispatching_batch->add() : nullptr; }

alerts::KafkaPublish alerts_to_kafka(std::function<kafka::Producer*()> producer, std::string topic) {
  return [producer = std::move(producer), topic = std::move(topic)](std::string_view key, std::string json) {
    std::function<void(bool)> done = alert_delivery();
    kafka::Producer* p = producer();
    if (!p) {
      if (done) done(false);
      return;
    }
    const kafka::OutgoingMessage m{.topic = topic, .key = key, .payload = json};
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto st = p->produce(m, [done](const kafka::DeliveryReport& r) {
        if (!r.ok()) spdlog::error("alert to Kafka not delivered: {}", r.error->message);
        if (done) done(r.ok());
      });
      if (!st) return;
      if (!st->retriable()) {
        spdlog::error("alert to Kafka refused: {}", st->message);
        if (done) done(false);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    spdlog::error("alert to Kafka dropped after 2 s of a full producer queue (kept in the process log)");
    if (done) done(false);
  };
}

}  // namespace lt::services
