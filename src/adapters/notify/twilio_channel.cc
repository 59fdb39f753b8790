#include "adapters/notify/twilio_channel.h"

#include <nlohmann/json.hpp>

#include "adapters/notify/channel_common.h"
#include "adapters/notify/encoding.h"

namespace secplat::adapters::notify {
namespace {

bool IsE164(std::string_view s) {
  if (s.substr(0, 9) == "whatsapp:") s.remove_prefix(9);
  if (s.size() < 3 || s.size() > 16 || s[0] != '+' || s[1] == '0') return false;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

bool IsSid(std::string_view s, std::string_view prefix) {
  if (s.size() != 34 || s.substr(0, 2) != prefix) return false;
  for (size_t i = 2; i < s.size(); ++i) {
    const char c = s[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string TwilioMessageText(const core::model::NotifyEvent& e) {
  std::string out = internal::OneLine(e);
  if (!e.state.empty()) out += " | state " + e.state;
  if (e.since) out += " since " + FormatRfc3339(*e.since);
  if (!e.link.empty()) out += " | " + e.link;
  return out;
}

Result<std::unique_ptr<TwilioChannel>> TwilioChannel::Make(std::string name,
                                                           TwilioOptions options) {
  if (name.empty()) return Unexpected(ErrorCode::kInvalidArgument, "twilio channel: empty name");
  const std::string f = "notifier.channels." + name + ".";
  SECPLAT_RETURN_IF_ERROR(internal::CheckHttpUrl(options.base_url, f + "base_url"));
  if (!IsSid(options.account_sid, "AC")) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "account_sid: want AC + 32 hex characters");
  }
  if (options.auth_token.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "auth_token: must be set");
  }
  if (options.from.empty() && options.messaging_service_sid.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "from: set from or messaging_service_sid");
  }
  if (!options.from.empty() && !IsE164(options.from)) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "from: want E.164 (+15005550006)");
  }
  if (options.from.empty() && !IsSid(options.messaging_service_sid, "MG")) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      f + "messaging_service_sid: want MG + 32 hex characters");
  }
  if (!IsE164(options.to)) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "to: want E.164 (+15005550001)");
  }
  if (options.validity_period_s < 0 || options.validity_period_s > 36000) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "validity_period: want 1..36000 s (0: off)");
  }
  if (!options.status_callback.empty()) {
    SECPLAT_RETURN_IF_ERROR(internal::CheckHttpUrl(options.status_callback, f + "status_callback"));
  }
  options.base_url = internal::TrimSlash(options.base_url);
  return std::unique_ptr<TwilioChannel>(new TwilioChannel(std::move(name), std::move(options)));
}

std::string TwilioChannel::rate_limit_key() const {
  return "twilio:" + (options_.from.empty() ? options_.messaging_service_sid : options_.from);
}

Result<ports::OutboundRequest> TwilioChannel::Render(const core::model::NotifyEvent& event,
                                                     const ports::DeliveryContext& /*ctx*/) const {
  SECPLAT_RETURN_IF_ERROR(internal::CheckEvent(event));
  std::vector<std::pair<std::string, std::string>> fields;
  fields.emplace_back("To", options_.to);
  if (!options_.from.empty()) {
    fields.emplace_back("From", options_.from);
  } else {
    fields.emplace_back("MessagingServiceSid", options_.messaging_service_sid);
  }
  fields.emplace_back("Body", TruncateUtf8(TwilioMessageText(event), kTwilioMaxBody));
  if (options_.validity_period_s > 0) {
    fields.emplace_back("ValidityPeriod", std::to_string(options_.validity_period_s));
  }
  if (!options_.status_callback.empty()) {
    fields.emplace_back("StatusCallback", options_.status_callback);
  }
  ports::OutboundRequest r;
  r.method = "POST";
  const std::string url =
      options_.base_url + "/2010-04-01/Accounts/" + options_.account_sid + "/Messages.json";
  r.url = core::model::Secret(url);
  r.redacted_url = url;  // the account sid is an identifier, not a credential
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}};
  r.secret_headers = {{"Authorization",
                       core::model::Secret("Basic " + Base64Encode(options_.account_sid + ":" +
                                                                   options_.auth_token.Reveal()))}};
  r.body = FormBody(fields);
  r.timeout = options_.timeout;
  return r;
}

ports::DeliveryResult TwilioChannel::Interpret(const ports::SendResult& result,
                                               Timestamp now) const {
  ports::DeliveryResult r = NotificationChannel::Interpret(result, now);
  nlohmann::json body = nlohmann::json::parse(result.body_excerpt, nullptr, false);
  if (r.classification.response_class == core::model::ResponseClass::kOk) {
    if (body.is_object() && body.contains("sid") && body["sid"].is_string()) {
      r.external_ref = body["sid"].get<std::string>();
    } else {
      r.detail += "; no message sid in the response";
    }
  } else if (body.is_object() && body.contains("code") && body["code"].is_number_integer()) {
    // Twilio error codes (20003 auth, 20429 too many requests, 21211 invalid To, ...).
    r.detail += "; twilio error " + std::to_string(body["code"].get<int64_t>());
    r.classification.detail = r.detail;
  }
  return r;
}

}  // namespace secplat::adapters::notify
