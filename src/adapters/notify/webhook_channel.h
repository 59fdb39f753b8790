// Generic signed webhook channel (Standard Webhooks): POST {url} with a JSON body shaped like
// Alertmanager's webhook v4, and the headers `webhook-id` (the delivery's idempotency key, the
// same on every retry), `webhook-timestamp` (Unix seconds at render time) and
// `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, where the key is the
// base64-decoded part of the `whsec_…` secret. Any 2xx is delivered. Rate-limit key
// "webhook:<name>" (unlimited by default).
//
//   auto hook = WebhookChannel::Make("hook", {.url = Secret(url), .secret = Secret("whsec_…")});
//   auto req = (*hook)->Render(event, {.idempotency_key = "ntf_…", .now = now});
//   // header webhook-signature == "v1," + Base64Encode(HmacSha256(key, id + "." + ts + "." +
//   body))
#ifndef SECPLAT_ADAPTERS_NOTIFY_WEBHOOK_CHANNEL_H_
#define SECPLAT_ADAPTERS_NOTIFY_WEBHOOK_CHANNEL_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/model/notification.h"
#include "ports/notification_channel.h"

namespace secplat::adapters::notify {

struct WebhookOptions {
  core::model::Secret url;     // may embed a token, so it is a Secret
  core::model::Secret secret;  // "whsec_" + base64 (the prefix is optional)
  std::string external_url;    // SecPlat's own URL, sent as externalURL; may be empty
  Duration timeout = std::chrono::seconds(10);
};

class WebhookChannel : public ports::NotificationChannel {
 public:
  // Errors: kInvalidArgument (url not http(s); secret empty, not base64, or shorter than 16
  // bytes once decoded). Neither the URL nor the secret is echoed.
  static Result<std::unique_ptr<WebhookChannel>> Make(std::string name, WebhookOptions options);

  const std::string& name() const override { return name_; }
  core::model::ChannelKind kind() const override { return core::model::ChannelKind::kWebhook; }
  std::string rate_limit_key() const override { return "webhook:" + name_; }
  // Needs ctx.idempotency_key (webhook-id) and ctx.now (webhook-timestamp).
  Result<ports::OutboundRequest> Render(const core::model::NotifyEvent& event,
                                        const ports::DeliveryContext& ctx) const override;

 private:
  WebhookChannel(std::string name, WebhookOptions options, std::string key)
      : name_(std::move(name)), options_(std::move(options)), key_(std::move(key)) {}
  std::string name_;
  WebhookOptions options_;
  std::string key_;  // decoded signing key
};

// The JSON body for `event` sent to the channel named `receiver` (stable across retries).
std::string RenderWebhookPayload(const core::model::NotifyEvent& event, std::string_view receiver,
                                 std::string_view external_url);

// "v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>".
std::string StandardWebhookSignature(std::string_view key, std::string_view id,
                                     std::string_view timestamp, std::string_view body);

// Decodes a Standard Webhooks secret ("whsec_" + base64, prefix optional) to the key bytes.
// Errors: kInvalidArgument (message never contains the secret).
Result<std::string> DecodeWebhookSecret(std::string_view secret);

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_WEBHOOK_CHANNEL_H_
