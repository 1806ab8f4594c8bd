// Fans alert notifications out to the notifiers without ever blocking the event
// path: network notifiers get a sender thread, a bounded queue and retries; what finally fails is kept.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alerts/notifier.h"
#include "alerts/webhook_notifier.h"
#include "core/metrics.h"

namespace lt::alerts {

// Exponential backoff with jitter: attempt k (1-based) waits a random time in
// [d/2, d] with d = min(max_backoff, initial_backoff * 2^(k-1)).
struct RetryOptions {
  std::uint32_t max_attempts = 5;
  Millis initial_backoff{500};
  Millis max_backoff{30000};
};

struct DispatcherOptions {
  std::size_t queue_capacity = 1000;   // per sender; a full queue fails the notification (kept, counted)
  std::size_t max_undelivered = 1000;  // oldest undelivered notifications beyond this are forgotten (counted)
  Millis shutdown_deadline{5000};      // stop(): time left to deliver what is queued
  MetricsRegistry* metrics = nullptr;  // nullptr: MetricsRegistry::global()
};

struct UndeliveredNotification {
  AlertNotification notification;
  std::string notifier;
  Error error;
};

class AlertDispatcher {
 public:
  struct Entry {
    std::unique_ptr<Notifier> notifier;
    RetryOptions retry;  // used for blocking notifiers only
  };
  // Starts one named sender thread ("lt-alert-send") per blocking notifier.
  explicit AlertDispatcher(std::vector<Entry> notifiers, DispatcherOptions options = {});
  ~AlertDispatcher();  // stop()
  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  // Never blocks on the network: local notifiers run inline, network ones are queued.
  void submit(const AlertNotification& notification);
  void submit(const std::vector<AlertNotification>& notifications);

  // Stops accepting, gives queued notifications until shutdown_deadline, then keeps the rest as undelivered.
  void stop();

  // Notifications a notifier finally failed to deliver, oldest first (bounded).
  std::vector<UndeliveredNotification> undelivered() const;

 private:
  struct Sender;
  void give_up(const AlertNotification& notification, const std::string& notifier, Error error);
  void deliver_local(const AlertNotification& notification);
  void keep(UndeliveredNotification item);

  DispatcherOptions options_;
  MetricsRegistry& metrics_;
  std::vector<std::unique_ptr<Notifier>> local_;
  std::vector<std::unique_ptr<Sender>> senders_;
  mutable std::mutex undelivered_mu_;
  std::deque<UndeliveredNotification> undelivered_;
  Counter* undelivered_dropped_ = nullptr;
  Gauge* undelivered_gauge_ = nullptr;
};

// Notifier settings as configured (consumer.notifiers).
struct NotifiersOptions {
  std::vector<WebhookOptions> webhooks;
  bool log = true;
  bool kafka = true;
};

// The dispatcher for a configuration: webhooks (retrying max_attempts times), the
// log, and Kafka through `kafka_publish` (ignored when `kafka` is false). `post`
// replaces the HTTP client (tests); each webhook gets its own copy of it.
std::unique_ptr<AlertDispatcher> make_dispatcher(const NotifiersOptions& notifiers, KafkaPublish kafka_publish,
                                                 DispatcherOptions options = {}, RetryOptions retry = {},
                                                 HttpPost post = {});

}  // namespace lt::alerts
