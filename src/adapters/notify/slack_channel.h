// Slack incoming webhook channel: POST {webhook_url} with `Content-Type: application/json`, a
// `text` fallback and `blocks` (header, section with Asset/State/Severity/Since fields, context).
// Success is 200 with body "ok". The webhook URL is the credential: it is a Secret, never in a
// payload, log or error. Rate-limit key "slack:<name>" (default 1 message/s per webhook).
//
//   auto slack = SlackChannel::Make("slack-ops", {.webhook_url = Secret(url)});
//   auto req = (*slack)->Render(event, ctx);
//   // req->body == {"text":"[FIRING] high web-shop: HTTP health down","blocks":[...]}
#ifndef SECPLAT_ADAPTERS_NOTIFY_SLACK_CHANNEL_H_
#define SECPLAT_ADAPTERS_NOTIFY_SLACK_CHANNEL_H_

#include <chrono>
#include <memory>
#include <string>

#include "core/common/result.h"
#include "core/model/notification.h"
#include "ports/notification_channel.h"

namespace secplat::adapters::notify {

struct SlackOptions {
  core::model::Secret webhook_url;  // https://hooks.slack.com/services/T…/B…/…
  Duration timeout = std::chrono::seconds(10);
};

class SlackChannel : public ports::NotificationChannel {
 public:
  // Errors: kInvalidArgument (empty name, webhook_url not http(s); the URL is never echoed).
  static Result<std::unique_ptr<SlackChannel>> Make(std::string name, SlackOptions options);

  const std::string& name() const override { return name_; }
  core::model::ChannelKind kind() const override { return core::model::ChannelKind::kSlack; }
  std::string rate_limit_key() const override { return "slack:" + name_; }
  Result<ports::OutboundRequest> Render(const core::model::NotifyEvent& event,
                                        const ports::DeliveryContext& ctx) const override;
  // 200 with body "ok" is delivered; a 2xx with another body is delivered with a note.
  ports::DeliveryResult Interpret(const ports::SendResult& result, Timestamp now) const override;

 private:
  SlackChannel(std::string name, SlackOptions options)
      : name_(std::move(name)), options_(std::move(options)) {}
  std::string name_;
  SlackOptions options_;
};

// The Slack JSON payload for `event` (what Render puts in the body). Exposed for tests.
std::string RenderSlackPayload(const core::model::NotifyEvent& event);

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_SLACK_CHANNEL_H_
