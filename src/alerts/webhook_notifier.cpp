#include "alerts/webhook_notifier.h"

#include <fmt/format.h>

#include <memory>

#include "core/url_redact.h"
#include "net/http_client.h"

namespace lt::alerts {

HttpPost default_http_post() {
  struct State {
    std::unique_ptr<net::HttpClient> client;
    Millis timeout{0};
  };
  auto state = std::make_shared<State>();
  return [state](const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                 const std::string& body, Millis timeout) -> std::variant<int, Error> {
    if (!state->client || state->timeout != timeout) {
      net::HttpClientOptions options;
      options.connect_timeout = std::min(timeout, options.connect_timeout);
      options.read_timeout = timeout;
      options.max_body_bytes = 64 << 10;  // a receiver's reply is only read for its status
      state->client = std::make_unique<net::HttpClient>(options);
      state->timeout = timeout;
    }
    std::vector<net::HttpHeader> http_headers;
    for (const auto& [name, value] : headers) http_headers.push_back({name, value});
    auto result = state->client->post(url, body, "application/json", std::move(http_headers));
    if (auto* error = std::get_if<Error>(&result)) {
      state->client->close();  // a half-broken keep-alive connection must not poison the retry
      return std::move(*error);
    }
    return std::get<net::HttpResponse>(result).status;
  };
}

WebhookNotifier::WebhookNotifier(WebhookOptions options, HttpPost post)
    : options_(std::move(options)), post_(std::move(post)) {
  for (const auto& [name, value] : options_.headers) headers_.emplace_back(name, value);
}

std::optional<Error> WebhookNotifier::deliver(const AlertNotification& notification) {
  std::string body = options_.format == WebhookFormat::Slack ? to_slack_json(notification) : to_json(notification);
  auto result = post_(options_.url, headers_, body, options_.timeout);
  if (auto* error = std::get_if<Error>(&result)) {
    // The path of a webhook URL is often its secret (Slack, Teams): keep it out of logs and the alerts topic.
    scrub_url(error->message, options_.url, UrlSecrecy::Path);
    error->message = fmt::format("webhook '{}': {}", options_.name, error->message);
    return std::move(*error);
  }
  int status = std::get<int>(result);
  if (status >= 200 && status < 300) return std::nullopt;
  std::string message = fmt::format("webhook '{}': HTTP {}", options_.name, status);
  if (status >= 500 || status == 408 || status == 429) return Error::transient("alerts.webhook_status", message);
  // 3xx is not followed (a redirect would resend a secret header elsewhere); 4xx will not change on retry.
  return Error::permanent("alerts.webhook_status", message);
}

}  // namespace lt::alerts
