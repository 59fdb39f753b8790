// Notification model: the event the notifier routes, the channel kinds, the delivery record
// (one per (event, channel)) and its states, and a Secret that never prints. Plain structs;
// the rules that act on them live in core/notify/ (route.h, dedup.h, delivery.h, rate_limit.h).
//
//   NotifyEvent e{.event_id = "5e6f...", .event_type = "posture.changed",
//                 .asset_key = "web-shop", .severity = Severity::kHigh,
//                 .problem_key = "web-shop/health", .status = ProblemStatus::kFiring};
//   Secret token("xoxb-1");
//   std::ostringstream out;
//   out << token;  // out.str() == "<secret>"
#ifndef SECPLAT_CORE_MODEL_NOTIFICATION_H_
#define SECPLAT_CORE_MODEL_NOTIFICATION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "core/common/time.h"
#include "core/model/finding.h"

namespace secplat::core::model {

// Secret text (tokens, webhook URLs with embedded keys, HMAC keys). Streams and prints as
// "<secret>"; only Reveal() hands out the text, to the code that must put it on the wire.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  // The secret text. Pass it only to the request being built, never to a log or an error.
  const std::string& Reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const Secret&) const = default;

 private:
  std::string value_;
};

inline std::ostream& operator<<(std::ostream& out, const Secret& /*secret*/) {
  return out << "<secret>";
}

// Whether the problem an event is about is open or over.
enum class ProblemStatus { kFiring, kResolved };

// One event the notifier is asked to deliver (built from a posture.changed, alert.* or
// incident.* envelope). `problem_key` names the problem across events (e.g. "web-shop/health"):
// dedup, repeat and the Jira label hang on it.
struct NotifyEvent {
  std::string event_id;    // the envelope's event_id
  std::string event_type;  // "posture.changed", "incident.created", ...
  Timestamp ts{};          // when the event happened
  std::string asset_key;
  Severity severity = Severity::kMedium;
  std::map<std::string, std::string> labels;  // the asset's labels
  std::string environment;                    // "production", ...; empty: none
  std::string problem_key;                    // stable across events of one problem
  ProblemStatus status = ProblemStatus::kFiring;
  std::string state;    // the problem's current condition ("down", "degraded"); part of "changed"
  std::string summary;  // one line for people
  std::map<std::string, std::string> details;  // extra key/values shown in payloads
  std::optional<Timestamp> since;  // when the problem started (a resolved event's ts is its end)
  std::string link;                // URL to the asset or incident in SecPlat; may be empty
};

// The kinds of channel the notifier can deliver to.
enum class ChannelKind { kSlack, kTwilio, kJira, kWebhook };

// How a provider's answer (or the lack of one) is classified. Names follow Alertmanager's
// failure reasons: rate_limited, server_error, timeout, connection, auth_error, client_error.
enum class ResponseClass {
  kOk,           // 2xx
  kRateLimited,  // 429 (and 425): retry after Retry-After / X-RateLimit-Reset
  kServerError,  // 5xx: retry with backoff
  kTimeout,      // no answer in time, or 408: retry with backoff
  kConnection,   // connect refused, DNS, reset: retry with backoff
  kAuthError,    // 401/403: stop, flag the channel
  kClientError,  // other 4xx, unexpected 1xx/3xx, unsendable request: stop, flag the channel
};

// What went wrong below HTTP (no status at all).
enum class TransportError {
  kNone,            // a response arrived
  kTimeout,         // connect or total timeout
  kConnection,      // refused, reset, DNS failure, TLS handshake failure
  kInvalidRequest,  // the request could not be sent as built (bad URL, bad header)
};

// State of one delivery record.
enum class DeliveryState {
  kPending,          // created, never attempted
  kRetrying,         // attempted, failed retryably; next_attempt_at set
  kDelivered,        // a 2xx (terminal)
  kFailedPermanent,  // auth or client error (terminal); the channel is flagged
  kDead,             // retryable failures until max attempts (terminal): a dead letter
};

// The last answer recorded on a delivery.
struct LastResponse {
  int status = 0;  // 0: no HTTP response
  ResponseClass response_class = ResponseClass::kOk;
  std::string detail;  // short, secret-free: "429 retry-after 30s", "timeout after 10000 ms"
  std::optional<Duration> retry_after;
};

// One delivery: one per (event_id, channel). `idempotency_key` is stable across retries and
// restarts (core/notify/delivery.h DeliveryIdempotencyKey) and is what receivers dedupe on.
struct DeliveryRecord {
  std::string idempotency_key;
  std::string event_id;
  std::string channel;      // configured channel name
  std::string problem_key;  // for the notification log
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  Timestamp created_at{};
  std::optional<Timestamp> last_attempt_at;
  std::optional<Timestamp> next_attempt_at;  // set while pending or retrying
  std::optional<Timestamp> delivered_at;
  std::optional<LastResponse> last_response;
  std::string external_ref;  // e.g. the Jira issue key or Twilio message sid
};

// Stable snake_case names ("posture.changed" stays the caller's string).
std::string_view ProblemStatusName(ProblemStatus s);  // "firing" | "resolved"
std::string_view ChannelKindName(ChannelKind k);      // "slack" | "twilio" | "jira" | "webhook"
std::optional<ChannelKind> ParseChannelKind(std::string_view s);
std::string_view ResponseClassName(ResponseClass c);  // "ok", "rate_limited", ...
std::string_view TransportErrorName(TransportError e);
std::string_view DeliveryStateName(DeliveryState s);  // "pending", "failed_permanent", ...
std::optional<DeliveryState> ParseDeliveryState(std::string_view s);

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_NOTIFICATION_H_
