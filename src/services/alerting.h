// Alerting inside a processing service: the alert engine sees every processed
// event, a named ticker thread evaluates windows every second, and the
// dispatcher delivers the state changes (webhooks, log, Kafka topic `alerts`).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

#include "alerts/alert_engine.h"
#include "alerts/dispatcher.h"
#include "config/config.h"
#include "core/error.h"
#include "kafka/producer.h"
#include "process/pipeline.h"
#include "services/record_processor.h"

namespace lt::services {

class AlertRunner : public EventObserver {
 public:
  // `publish` writes a notification to the alerts topic (or, in `run`, to the
  // dashboard); `on_notification` (optional) sees every notification too.
  static std::variant<std::unique_ptr<AlertRunner>, Error> create(
      const config::ConsumerConfig& consumer, alerts::KafkaPublish publish,
      std::function<void(const alerts::AlertNotification&)> on_notification = {});
  ~AlertRunner() override;

  // A matching event joins the open batch: the notifications of the next
  // evaluation, which its record's offset waits for (issue #5).
  std::shared_ptr<AckBatch> observe(const LogEvent& event) override;
  void partitions_revoked() override;
  void partitions_assigned() override;

  // Live reload: unchanged rules keep their state; notifiers are rebuilt when changed.
  std::optional<Error> reconfigure(const config::ConsumerConfig& consumer);
  // Stops the ticker and gives queued notifications their last chance.
  void stop();

 private:
  AlertRunner() = default;
  void tick_loop();

  std::unique_ptr<alerts::AlertEngine> engine_;
  alerts::KafkaPublish publish_;
  std::function<void(const alerts::AlertNotification&)> on_notification_;
  std::mutex dispatcher_mu_;
  std::unique_ptr<alerts::AlertDispatcher> dispatcher_;
  config::NotifiersConfig notifiers_;
  std::atomic<bool> stop_{false};
  // The batch the next tick() writes: matching events join it. Each tick opens the
  // next one after() it, so a record that joined late still covers the earlier tick.
  std::mutex open_mu_;
  std::shared_ptr<AckBatch> open_;
  std::atomic<bool> matched_{false};  // a record waits: tick sooner than once a second
  std::thread ticker_;
};

// For a KafkaPublish: while an AlertRunner dispatches an evaluation, the
// completion to call exactly once with the broker's verdict on the notification
// being published (the records that matched before it wait on that); outside, empty.
std::function<void(bool delivered)> alert_delivery();

// Publishes notifications to `topic` through the producer `producer()` returns
// (nullptr while there is none yet): a full producer queue is retried for 2 s,
// then the notification is dropped with an error (it is in the process log too).
// A notification written by an AlertRunner's evaluation reports its delivery to
// that evaluation's batch, so the records waiting on it are committed only after it.
alerts::KafkaPublish alerts_to_kafka(std::function<kafka::Producer*()> producer, std::string topic);

// Live reload of the processing stage: builds the new pipeline, then reconfigures
// the alert rules, and swaps the pipeline in only when both succeeded. An error
// changes nothing (the alert engine's reconfigure is itself all-or-nothing).
std::optional<Error> reload_processing(const config::ConsumerConfig& consumer, PipelineSlot& slot,
                                       AlertRunner& alerts);

}  // namespace lt::services
