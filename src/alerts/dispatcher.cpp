#include "alerts/dispatcher.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <random>
#include <thread>

#include "core/bounded_queue.h"

namespace lt::alerts {

using Clock = std::chrono::steady_clock;

struct AlertDispatcher::Sender {
  std::unique_ptr<Notifier> notifier;
  RetryOptions retry;
  BoundedQueue<AlertNotification> queue;
  Counter* delivered = nullptr;
  Counter* failed = nullptr;
  Counter* queue_full = nullptr;
  Counter* retries = nullptr;

  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  Clock::time_point deadline{};
  std::thread thread;

  Sender(std::unique_ptr<Notifier> n, RetryOptions r, std::size_t capacity)
      : notifier(std::move(n)), retry(r), queue(capacity) {}

  bool past_deadline() {
    std::lock_guard lock(mu);
    return stopping && Clock::now() >= deadline;
  }

  // Sleeps until `until`, or until the shutdown deadline once stop() was called.
  void sleep_until(Clock::time_point until) {
    std::unique_lock lock(mu);
    while (true) {
      auto target = stopping ? std::min(until, deadline) : until;
      if (Clock::now() >= target) return;
      bool was_stopping = stopping;
      wake.wait_until(lock, target, [&] { return stopping != was_stopping; });
    }
  }
};

namespace {

Counter& notifications_counter(MetricsRegistry& metrics, const std::string& notifier, const char* result) {
  return metrics.counter("logtracer_alert_notifications_total",
                         "Alert notifications per notifier and outcome (delivered, failed, queue_full).",
                         {{"notifier", notifier}, {"result", result}});
}

}  // namespace

AlertDispatcher::AlertDispatcher(std::vector<Entry> notifiers, DispatcherOptions options)
    : options_(options), metrics_(options.metrics ? *options.metrics : MetricsRegistry::global()) {
  undelivered_dropped_ = &metrics_.counter("logtracer_alert_undelivered_dropped_total",
                                           "Undelivered alert notifications forgotten because the list was full.");
  undelivered_gauge_ = &metrics_.gauge("logtracer_alert_undelivered",
                                       "Alert notifications kept because a notifier finally failed to deliver them.");
  for (auto& entry : notifiers) {
    if (!entry.notifier) continue;
    // Register every notifier's outcomes up front, so a scrape shows zeros rather than nothing.
    Counter& delivered = notifications_counter(metrics_, entry.notifier->name(), "delivered");
    Counter& failed = notifications_counter(metrics_, entry.notifier->name(), "failed");
    if (!entry.notifier->blocking()) {
      local_.push_back(std::move(entry.notifier));
      continue;
    }
    auto sender = std::make_unique<Sender>(std::move(entry.notifier), entry.retry, options_.queue_capacity);
    sender->delivered = &delivered;
    sender->failed = &failed;
    sender->queue_full = &notifications_counter(metrics_, sender->notifier->name(), "queue_full");
    sender->retries = &metrics_.counter("logtracer_alert_notification_retries_total",
                                        "Delivery attempts of alert notifications that were retried.",
                                        {{"notifier", sender->notifier->name()}});
    senders_.push_back(std::move(sender));
  }
  for (auto& owned : senders_) {
    Sender* s = owned.get();
    s->thread = std::thread([this, s] {
      pthread_setname_np(pthread_self(), "lt-alert-send");
      std::minstd_rand random(std::random_device{}());
      while (true) {
        auto item = s->queue.pop(std::chrono::milliseconds(200));
        if (!item) {
          if (s->queue.closed()) return;
          continue;
        }
        const std::uint32_t attempts = std::max<std::uint32_t>(1, s->retry.max_attempts);
        for (std::uint32_t attempt = 1;; ++attempt) {
          if (s->past_deadline()) {
            s->failed->inc();
            give_up(*item, s->notifier->name(),
                    Error::transient("alerts.shutdown", "not delivered before the shutdown deadline"));
            break;
          }
          auto error = s->notifier->deliver(*item);
          if (!error) {
            s->delivered->inc();
            break;
          }
          if (!error->retriable() || attempt >= attempts) {
            s->failed->inc();
            error->message += fmt::format(" (after {} attempt{})", attempt, attempt == 1 ? "" : "s");
            give_up(*item, s->notifier->name(), std::move(*error));
            break;
          }
          s->retries->inc();
          auto cap = std::min(s->retry.max_backoff.count(),
                              s->retry.initial_backoff.count() << std::min<std::uint32_t>(attempt - 1, 20));
          auto half = cap / 2;
          auto wait = half + std::uniform_int_distribution<long long>(0, std::max<long long>(0, cap - half))(random);
          s->sleep_until(Clock::now() + Millis(wait));
        }
      }
    });
  }
}

AlertDispatcher::~AlertDispatcher() { stop(); }

void AlertDispatcher::stop() {
  for (auto& s : senders_) {
    {
      std::lock_guard lock(s->mu);
      if (!s->stopping) {
        s->stopping = true;
        s->deadline = Clock::now() + options_.shutdown_deadline;
      }
    }
    s->wake.notify_all();
    s->queue.close();
  }
  for (auto& s : senders_) {
    if (s->thread.joinable()) s->thread.join();
  }
}

void AlertDispatcher::deliver_local(const AlertNotification& notification) {
  for (auto& notifier : local_) {
    if (auto error = notifier->deliver(notification)) {
      notifications_counter(metrics_, notifier->name(), "failed").inc();
      keep({notification, notifier->name(), std::move(*error)});
    } else {
      notifications_counter(metrics_, notifier->name(), "delivered").inc();
    }
  }
}

void AlertDispatcher::submit(const AlertNotification& notification) {
  deliver_local(notification);
  for (auto& s : senders_) {
    if (!s->queue.try_push(notification)) {
      s->queue_full->inc();
      give_up(notification, s->notifier->name(),
              Error::transient("alerts.queue_full", fmt::format("sender queue of '{}' full or stopped ({} queued)",
                                                                s->notifier->name(), s->queue.size())));
    }
  }
}

void AlertDispatcher::submit(const std::vector<AlertNotification>& notifications) {
  for (const auto& n : notifications) submit(n);
}

void AlertDispatcher::give_up(const AlertNotification& notification, const std::string& notifier, Error error) {
  AlertNotification copy = notification;
  copy.undelivered_notifier = notifier;
  copy.undelivered_error = error.message;
  keep({notification, notifier, std::move(error)});
  if (local_.empty()) {
    spdlog::error("alert {} ({} {}) not delivered to {}: {}", copy.alert_id, copy.rule, to_string(copy.state),
                  notifier, copy.undelivered_error);
  }
  deliver_local(copy);
}

void AlertDispatcher::keep(UndeliveredNotification item) {
  std::lock_guard lock(undelivered_mu_);
  undelivered_.push_back(std::move(item));
  if (undelivered_.size() > options_.max_undelivered) {
    undelivered_.pop_front();
    undelivered_dropped_->inc();
  }
  undelivered_gauge_->set(static_cast<double>(undelivered_.size()));
}

std::vector<UndeliveredNotification> AlertDispatcher::undelivered() const {
  std::lock_guard lock(undelivered_mu_);
  return {undelivered_.begin(), undelivered_.end()};
}

std::unique_ptr<AlertDispatcher> make_dispatcher(const NotifiersOptions& notifiers, KafkaPublish kafka_publish,
                                                 DispatcherOptions options, RetryOptions retry, HttpPost post) {
  std::vector<AlertDispatcher::Entry> entries;
  for (const auto& webhook : notifiers.webhooks) {
    RetryOptions webhook_retry = retry;
    webhook_retry.max_attempts = webhook.max_attempts;
    entries.push_back({std::make_unique<WebhookNotifier>(webhook, post ? post : default_http_post()), webhook_retry});
  }
  if (notifiers.log) entries.push_back({std::make_unique<LogNotifier>(), retry});
  if (notifiers.kafka && kafka_publish) entries.push_back({std::make_unique<KafkaNotifier>(std::move(kafka_publish)), retry});
  return std::make_unique<AlertDispatcher>(std::move(entries), options);
}

}  // namespace lt::alerts
