#include "adapters/notify/slack_channel.h"

#include <nlohmann/json.hpp>

#include "adapters/notify/channel_common.h"
#include "adapters/notify/encoding.h"

namespace secplat::adapters::notify {
namespace {

using json = nlohmann::ordered_json;

// Slack block limits: header plain_text 150, section text 3000, field text 2000, 10 fields,
// context element text 2000 (Block Kit reference).
constexpr size_t kHeaderMax = 150;
constexpr size_t kSectionMax = 3000;
constexpr size_t kFieldMax = 2000;
constexpr size_t kMaxFields = 10;
constexpr size_t kTextMax = 3000;

// mrkdwn control characters (Slack "Escaping text"): &, <, > only.
std::string EscapeMrkdwn(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

json Field(std::string_view label, std::string_view value) {
  return json{
      {"type", "mrkdwn"},
      {"text", TruncateUtf8("*" + std::string(label) + "*\n" + EscapeMrkdwn(value), kFieldMax)}};
}

}  // namespace

std::string RenderSlackPayload(const core::model::NotifyEvent& e) {
  const std::string state = e.state.empty() ? internal::StatusWord(e) : e.state;
  json fields = json::array({Field("Asset", e.asset_key), Field("State", state),
                             Field("Severity", core::model::SeverityName(e.severity)),
                             Field("Since", internal::SinceText(e))});
  for (const auto& [k, v] : e.details) {
    if (fields.size() >= kMaxFields) break;
    fields.push_back(Field(k, v));
  }
  json section{{"type", "section"}};
  section["text"] = {
      {"type", "mrkdwn"},
      {"text", TruncateUtf8(EscapeMrkdwn(e.summary.empty() ? internal::OneLine(e) : e.summary),
                            kSectionMax)}};
  section["fields"] = std::move(fields);
  std::string context = "secplat · " + e.event_type;
  if (!e.environment.empty()) context += " · " + EscapeMrkdwn(e.environment);
  context += " · event " + e.event_id;
  if (!e.link.empty()) context += " · <" + EscapeMrkdwn(e.link) + "|Open in SecPlat>";
  json payload;
  payload["text"] = TruncateUtf8(EscapeMrkdwn(internal::OneLine(e)), kTextMax);
  payload["blocks"] = json::array(
      {json{{"type", "header"},
            {"text",
             {{"type", "plain_text"},
              {"text", TruncateUtf8(internal::StatusWord(e) + ": " + e.asset_key, kHeaderMax)},
              {"emoji", true}}}},
       std::move(section),
       json{{"type", "context"},
            {"elements", json::array({json{{"type", "mrkdwn"},
                                           {"text", TruncateUtf8(context, kFieldMax)}}})}}});
  return payload.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<std::unique_ptr<SlackChannel>> SlackChannel::Make(std::string name, SlackOptions options) {
  if (name.empty()) return Unexpected(ErrorCode::kInvalidArgument, "slack channel: empty name");
  SECPLAT_RETURN_IF_ERROR(internal::CheckHttpUrl(options.webhook_url.Reveal(),
                                                 "notifier.channels." + name + ".webhook_url"));
  return std::unique_ptr<SlackChannel>(new SlackChannel(std::move(name), std::move(options)));
}

Result<ports::OutboundRequest> SlackChannel::Render(const core::model::NotifyEvent& event,
                                                    const ports::DeliveryContext& /*ctx*/) const {
  SECPLAT_RETURN_IF_ERROR(internal::CheckEvent(event));
  ports::OutboundRequest r;
  r.method = "POST";
  r.url = options_.webhook_url;
  r.redacted_url = ports::RedactUrl(options_.webhook_url.Reveal());
  r.headers = {{"Content-Type", "application/json"}};
  r.body = RenderSlackPayload(event);
  r.timeout = options_.timeout;
  return r;
}

ports::DeliveryResult SlackChannel::Interpret(const ports::SendResult& result,
                                              Timestamp now) const {
  ports::DeliveryResult r = NotificationChannel::Interpret(result, now);
  if (r.classification.response_class == core::model::ResponseClass::kOk &&
      result.body_excerpt != "ok") {
    r.detail += "; unexpected body (want \"ok\")";
  }
  if (r.classification.response_class != core::model::ResponseClass::kOk &&
      !result.body_excerpt.empty() && result.body_excerpt.size() <= 64) {
    // Slack's error bodies are short codes ("invalid_payload", "channel_not_found").
    r.detail += "; slack said: " + result.body_excerpt;
    r.classification.detail = r.detail;
  }
  return r;
}

}  // namespace secplat::adapters::notify
