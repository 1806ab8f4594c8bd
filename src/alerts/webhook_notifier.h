// The webhook notifier: one JSON POST per notification (logtracer payload or a
// Slack-compatible message), errors classified so the dispatcher retries only what can succeed.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "alerts/notifier.h"

namespace lt::alerts {

enum class WebhookFormat : std::uint8_t { Json, Slack };

// Defaults are those of the config schema (consumer.notifiers.webhooks[]).
struct WebhookOptions {
  std::string name;
  std::string url;
  WebhookFormat format = WebhookFormat::Json;
  std::uint32_t max_attempts = 5;
  Millis timeout{5000};
  std::map<std::string, std::string> headers;  // secret values (Authorization...)

  bool operator==(const WebhookOptions&) const = default;
};

// POSTs `body` (application/json); returns the HTTP status, or an Error classified
// Transient (connection refused/reset, timeout, DNS) or Permanent (bad URL, TLS verification).
using HttpPost = std::function<std::variant<int, Error>(const std::string& url,
                                                        const std::vector<std::pair<std::string, std::string>>& headers,
                                                        const std::string& body, Millis timeout)>;

// An HttpPost over lt::net::HttpClient (keep-alive). Not thread-safe: one per sender thread.
HttpPost default_http_post();

class WebhookNotifier final : public Notifier {
 public:
  explicit WebhookNotifier(WebhookOptions options, HttpPost post = default_http_post());
  const std::string& name() const override { return options_.name; }
  // 2xx: delivered. 408, 429, 5xx: Transient. Other statuses: Permanent.
  std::optional<Error> deliver(const AlertNotification& notification) override;
  const WebhookOptions& options() const { return options_; }

 private:
  WebhookOptions options_;
  std::vector<std::pair<std::string, std::string>> headers_;
  HttpPost post_;
};

}  // namespace lt::alerts
