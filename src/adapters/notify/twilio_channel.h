// Twilio Messages API (SMS) channel: POST
// {base_url}/2010-04-01/Accounts/{AccountSid}/Messages.json, `application/x-www-form-urlencoded`
// (percent-encoded), HTTP Basic AccountSid:AuthToken, fields To, From (or MessagingServiceSid),
// Body (at most 1,600 characters: longer bodies are cut on a UTF-8 boundary and end with "…"),
// optional ValidityPeriod and StatusCallback. 201 with a JSON `sid` is accepted (the sid becomes
// the delivery's external_ref). Rate-limit key "twilio:<From or MessagingServiceSid>" (default 1/s
// per sender).
//
//   auto sms = TwilioChannel::Make("sms-oncall", {.account_sid = "AC…", .auth_token = Secret(t),
//                                                .from = "+15005550006", .to = "+15005550001"});
//   auto req = (*sms)->Render(event, ctx);  // body "To=%2B15005550001&From=…&Body=%5BFIRING%5D+…"
#ifndef SECPLAT_ADAPTERS_NOTIFY_TWILIO_CHANNEL_H_
#define SECPLAT_ADAPTERS_NOTIFY_TWILIO_CHANNEL_H_

#include <chrono>
#include <memory>
#include <string>

#include "core/common/result.h"
#include "core/model/notification.h"
#include "ports/notification_channel.h"

namespace secplat::adapters::notify {

// Twilio's documented Body limit, in characters.
inline constexpr size_t kTwilioMaxBody = 1600;

struct TwilioOptions {
  std::string base_url = "https://api.twilio.com";
  std::string account_sid;  // "AC" + 32 hex
  core::model::Secret auth_token;
  std::string from;                   // E.164 sender; or
  std::string messaging_service_sid;  // "MG…" (used when from is empty)
  std::string to;                     // E.164 ("+15005550001") or "whatsapp:+…"
  int validity_period_s = 0;          // 0: not sent; else 1..36000 (drop stale pages)
  std::string status_callback;        // empty: not sent
  Duration timeout = std::chrono::seconds(10);
};

class TwilioChannel : public ports::NotificationChannel {
 public:
  // Errors: kInvalidArgument (bad base_url, account_sid, empty token, neither from nor
  // messaging_service_sid, `to` not E.164, validity period out of range).
  static Result<std::unique_ptr<TwilioChannel>> Make(std::string name, TwilioOptions options);

  const std::string& name() const override { return name_; }
  core::model::ChannelKind kind() const override { return core::model::ChannelKind::kTwilio; }
  std::string rate_limit_key() const override;
  Result<ports::OutboundRequest> Render(const core::model::NotifyEvent& event,
                                        const ports::DeliveryContext& ctx) const override;
  // 2xx with a JSON `sid` is delivered (external_ref = sid); Twilio's error `code` is noted.
  ports::DeliveryResult Interpret(const ports::SendResult& result, Timestamp now) const override;

 private:
  TwilioChannel(std::string name, TwilioOptions options)
      : name_(std::move(name)), options_(std::move(options)) {}
  std::string name_;
  TwilioOptions options_;
};

// The SMS text for `event` before truncation: "[FIRING] critical web-shop: summary | state down
// since … | <link>". Exposed for tests.
std::string TwilioMessageText(const core::model::NotifyEvent& event);

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_TWILIO_CHANNEL_H_
