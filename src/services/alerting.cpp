#include "services/alerting.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "alerts/alerts_config.h"
#include "services/pipeline_builder.h"

namespace lt::services {
namespace {

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
  runner->ticker_ = std::thread([r = runner.get()] {
    pthread_setname_np(pthread_self(), "lt-alert-tick");
    r->tick_loop();
  });
  return runner;
}

AlertRunner::~AlertRunner() { stop(); }

void AlertRunner::observe(const LogEvent& event) { engine_->observe(event, now_ns()); }
void AlertRunner::partitions_revoked() { engine_->on_partitions_revoked(now_ns()); }
void AlertRunner::partitions_assigned() { engine_->on_partitions_assigned(now_ns()); }

void AlertRunner::tick_loop() {
  while (!stop_.load()) {
    for (int i = 0; i < 10 && !stop_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto notes = engine_->tick(now_ns());
    if (notes.empty()) continue;
    std::lock_guard lock(dispatcher_mu_);
    for (const auto& n : notes) {
      if (on_notification_) on_notification_(n);
    }
    if (dispatcher_) dispatcher_->submit(notes);
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

alerts::KafkaPublish alerts_to_kafka(std::function<kafka::Producer*()> producer, std::string topic) {
  return [producer = std::move(producer), topic = std::move(topic)](std::string_view key, std::string json) {
    kafka::Producer* p = producer();
    if (!p) return;
    const kafka::OutgoingMessage m{.topic = topic, .key = key, .payload = json};
    for (int attempt = 0; attempt < 200; ++attempt) {
      auto st = p->produce(m, [](const kafka::DeliveryReport& r) {
        if (!r.ok()) spdlog::error("alert to Kafka not delivered: {}", r.error->message);
      });
      if (!st) return;
      if (!st->retriable()) {
        spdlog::error("alert to Kafka refused: {}", st->message);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    spdlog::error("alert to Kafka dropped after 2 s of a full producer queue (kept in the process log)");
  };
}

}  // namespace lt::services
