// Notification channels and the HTTP sender they speak through. A channel renders an event into
// the provider's request (pure: payloads are unit-testable without a network) and interprets the
// provider's answer; an HttpSender performs exchanges. Multi-step channels (Jira: search, then
// create or comment, then transition) override Deliver and drive the sender themselves.
//
//   SlackChannel slack("slack-ops", {.webhook_url = Secret(url)});
//   auto req = slack.Render(event, ctx);           // OutboundRequest, body = Slack JSON
//   DeliveryResult r = slack.Deliver(event, ctx, sender);
//   EXPECT_EQ(r.classification.response_class, ResponseClass::kOk);
#ifndef SECPLAT_PORTS_NOTIFICATION_CHANNEL_H_
#define SECPLAT_PORTS_NOTIFICATION_CHANNEL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/notification.h"
#include "core/notify/delivery.h"

namespace secplat::ports {

// One HTTP request to a provider. The URL and secret headers are Secrets: a Slack webhook URL is
// itself the credential. Use DebugString (or operator<<) to print one; it redacts.
struct OutboundRequest {
  std::string method = "POST";
  core::model::Secret url;   // full URL, may embed a secret
  std::string redacted_url;  // scheme://host[:port]/<first path segment>/… for logs
  std::vector<std::pair<std::string, std::string>> headers;  // not secret (Content-Type ...)
  std::vector<std::pair<std::string, core::model::Secret>> secret_headers;  // Authorization
  std::string body;
  Duration timeout = std::chrono::seconds(10);  // whole exchange
  // The sender may keep the exchange open past `timeout` ("lingering", see HttpSender): the
  // caller is told of the timeout at once and of the final answer later (PollLate). Only for
  // exchanges whose late answer the caller can use (one request per delivery; not Jira's steps).
  bool may_linger = false;
};

// "scheme://host[:port]/first-segment/…": enough to tell endpoints apart, never a token in a
// path or query (nor user:password before the host). Total: anything unparsable gives "<url>".
inline std::string RedactUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return "<url>";
  std::string_view rest = url.substr(scheme_end + 3);
  const size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  if (authority.empty()) return "<url>";
  std::string out(url.substr(0, scheme_end + 3));
  out += authority;
  if (path_start == std::string_view::npos || rest[path_start] != '/') return out;
  std::string_view path = rest.substr(path_start + 1);
  const size_t seg_end = path.find_first_of("/?#");
  out += '/';
  out += path.substr(0, seg_end);
  if (seg_end != std::string_view::npos) out += "/…";
  return out;
}

// "POST https://hooks.slack.com/services/… headers{Content-Type: application/json,
// Authorization: <secret>} body=<n bytes>": never any secret text.
inline std::string DebugString(const OutboundRequest& request) {
  std::string out =
      request.method + " " +
      (request.redacted_url.empty() ? RedactUrl(request.url.Reveal()) : request.redacted_url) +
      " headers{";
  bool first = true;
  for (const auto& [k, v] : request.headers) {
    out += (first ? "" : ", ") + k + ": " + v;
    first = false;
  }
  for (const auto& [k, v] : request.secret_headers) {
    out += (first ? "" : ", ") + k + ": <secret>";
    first = false;
  }
  out += "} body=" + std::to_string(request.body.size()) + " bytes";
  return out;
}
inline std::ostream& operator<<(std::ostream& out, const OutboundRequest& request) {
  return out << DebugString(request);
}

// The outcome of one exchange.
struct SendResult {
  int status = 0;                                            // 0: no response (see transport_error)
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body_excerpt;  // first bytes of the body (the sender's cap)
  core::model::TransportError transport_error = core::model::TransportError::kNone;
  std::string error_message;  // transport error text, secret-free
  Duration latency{};         // request start to last byte (or failure)
  // Non-zero: the exchange timed out (transport_error kTimeout) but is still open, lingering for
  // at most `linger` more; its final outcome comes later from HttpSender::PollLate with this id.
  uint64_t linger_id = 0;
  Duration linger{};
};

// The final outcome of a lingering exchange: the provider's late answer, or a failure (the
// connection closed, the linger ran out, the sender abandoned it beyond its cap).
struct LateResult {
  uint64_t linger_id = 0;
  SendResult result;  // linger_id 0; latency from the request's start
};

// Performs HTTP exchanges. Implementations say whether they are thread-safe.
class HttpSender {
 public:
  virtual ~HttpSender() = default;
  // Sends one request and waits for the result. Never throws; failures are in the result.
  virtual SendResult Send(const OutboundRequest& request) = 0;
  // Sends all requests, concurrently where the implementation can, and returns the results in
  // the same order. The default sends one after another.
  virtual std::vector<SendResult> SendBatch(std::span<const OutboundRequest> requests) {
    std::vector<SendResult> out;
    out.reserve(requests.size());
    for (const auto& r : requests) out.push_back(Send(r));
    return out;
  }
  // Late answers: a request with may_linger whose timeout passed may be kept open (its
  // SendResult has a linger_id). PollLate drives such exchanges without blocking and returns
  // those that ended since the last call, each exactly once; Lingering counts those still open.
  // Destroying the sender abandons them (closes their connections, reports nothing). The
  // defaults never linger.
  virtual std::vector<LateResult> PollLate() { return {}; }
  virtual size_t Lingering() const { return 0; }
};

// Per-attempt context a channel needs to render.
struct DeliveryContext {
  std::string idempotency_key;  // core::notify::DeliveryIdempotencyKey(event_id, channel)
  int attempt = 1;              // 1 = first
  Timestamp now{};              // render time (webhook-timestamp)
};

// One provider exchange inside a delivery (Jira has several).
struct DeliveryStep {
  std::string action;  // "post", "search", "create", "comment", "transitions", "transition"
  int status = 0;
  core::model::ResponseClass response_class = core::model::ResponseClass::kOk;
  Duration latency{};
};

// The outcome of one delivery attempt.
struct DeliveryResult {
  core::notify::Classification classification;  // of the step that decided the outcome
  int status = 0;                               // its HTTP status (0: none)
  std::string detail;        // secret-free: "slack answered 200 but body was 'invalid'"
  std::string external_ref;  // Jira issue key, Twilio message sid; empty when none
  std::vector<DeliveryStep> steps;
  Duration latency{};  // all steps together
};

class NotificationChannel {
 public:
  virtual ~NotificationChannel() = default;

  // The configured channel name ("slack-ops"); the routing rules refer to it.
  virtual const std::string& name() const = 0;
  virtual core::model::ChannelKind kind() const = 0;
  // The rate-limit key of this channel ("slack:<name>", "twilio:<from>", "jira:<host>").
  virtual std::string rate_limit_key() const = 0;

  // Renders the event into the provider's request (for Jira: the first step, the search).
  // Pure. Errors: kInvalidArgument when the event cannot be rendered (e.g. missing event_id).
  virtual Result<OutboundRequest> Render(const core::model::NotifyEvent& event,
                                         const DeliveryContext& ctx) const = 0;

  // Interprets the answer to Render's request. The default classifies with
  // core::notify::ClassifyResponse; channels add body checks (Slack's "ok", Twilio's sid).
  virtual DeliveryResult Interpret(const SendResult& result, Timestamp now) const {
    DeliveryResult r;
    r.classification =
        core::notify::ClassifyResponse(result.status, result.headers, result.transport_error, now);
    r.status = result.status;
    r.detail = result.transport_error == core::model::TransportError::kNone
                   ? r.classification.detail
                   : r.classification.detail + ": " + result.error_message;
    r.latency = result.latency;
    r.steps.push_back({"post", result.status, r.classification.response_class, result.latency});
    return r;
  }

  // Renders, sends and interprets: one attempt. Multi-step channels override it. Thread-safe
  // when the sender is.
  virtual DeliveryResult Deliver(const core::model::NotifyEvent& event, const DeliveryContext& ctx,
                                 HttpSender& sender) const {
    auto request = Render(event, ctx);
    if (!request.has_value()) {
      DeliveryResult r;
      r.classification = {core::model::ResponseClass::kClientError, false, std::nullopt,
                          "render failed: " + request.error().message};
      r.detail = r.classification.detail;
      return r;
    }
    SendResult sent = sender.Send(*request);
    return Interpret(sent, ctx.now + sent.latency);
  }
};

}  // namespace secplat::ports

#endif  // SECPLAT_PORTS_NOTIFICATION_CHANNEL_H_
