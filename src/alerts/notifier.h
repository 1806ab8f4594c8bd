// Where alert notifications go: one interface for every notifier, and the two
// local ones (process log, Kafka topic via a callback so src/alerts stays Kafka-free).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "alerts/notification.h"
#include "core/error.h"

namespace lt::alerts {

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual const std::string& name() const = 0;
  // nullopt when delivered. A Transient error is retried by the dispatcher, a Permanent one is not.
  virtual std::optional<Error> deliver(const AlertNotification& notification) = 0;
  // True when deliver() may wait on the network: the dispatcher then gives the
  // notifier its own sender thread and queue. Local notifiers are called inline,
  // and they also receive the notifications that a blocking notifier finally failed to deliver.
  virtual bool blocking() const { return true; }
};

// Writes each notification to the process log (spdlog): warn for firing, info for
// resolved, error for undelivered copies. Log text is JSON-escaped (no forged lines).
class LogNotifier final : public Notifier {
 public:
  const std::string& name() const override { return name_; }
  std::optional<Error> deliver(const AlertNotification& notification) override;
  bool blocking() const override { return false; }

 private:
  std::string name_ = "log";
};

// Hands (key = alert_id, value = to_json) to a callback the caller wires to the
// Kafka producer of the `alerts` topic. The callback must not block and must be thread-safe.
using KafkaPublish = std::function<void(std::string_view key, std::string json)>;

class KafkaNotifier final : public Notifier {
 public:
  explicit KafkaNotifier(KafkaPublish publish) : publish_(std::move(publish)) {}
  const std::string& name() const override { return name_; }
  std::optional<Error> deliver(const AlertNotification& notification) override;
  bool blocking() const override { return false; }

 private:
  std::string name_ = "kafka";
  KafkaPublish publish_;
};

}  // namespace lt::alerts
