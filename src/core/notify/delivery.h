// Durable delivery: the idempotency key of a (event, channel) delivery, the classification of a
// provider's answer, and the retry state machine (capped exponential backoff with full jitter,
// Retry-After / X-RateLimit-Reset honoured but capped, dead letter after max attempts).
//
//   Classification c = ClassifyResponse(429, {{"Retry-After", "30"}}, TransportError::kNone, now);
//   // c.response_class == kRateLimited, c.retryable, *c.retry_after == 30s
//   AttemptOutcome o = NextAttempt(/*attempts=*/1, c, RetryPolicy{}, /*random01=*/0.5, now);
//   // o.state == kRetrying, *o.next_attempt_at == now + 30s
#ifndef SECPLAT_CORE_NOTIFY_DELIVERY_H_
#define SECPLAT_CORE_NOTIFY_DELIVERY_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/notification.h"

namespace secplat::core::notify {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// "ntf_" + 32 lower-case hex chars of SHA-256(len(event_id) + ":" + event_id + channel): the same
// for every attempt and every process, so receivers (Standard Webhooks `webhook-id`) can dedupe.
std::string DeliveryIdempotencyKey(std::string_view event_id, std::string_view channel);

// 16 lower-case hex chars of SHA-256(problem_key): names the problem towards providers
// (the Jira label "secplat-<fingerprint>", the webhook alert fingerprint).
std::string ProblemFingerprint(std::string_view problem_key);

// How to treat one answer.
struct Classification {
  model::ResponseClass response_class = model::ResponseClass::kOk;
  bool retryable = false;
  std::optional<Duration> retry_after;  // from Retry-After or X-RateLimit-Reset (>= 0)
  std::string detail;                   // short, secret-free ("503 server error; retry-after 2s")
};

// Classifies a response (status > 0) or a transport failure (status 0, error != kNone).
// 2xx ok; 429 and 425 rate_limited; 408 timeout; 5xx server_error (all retryable); 401/403
// auth_error; other statuses client_error (not retryable; redirects are never followed, so a
// 3xx is a misconfigured URL). For retryable answers `Retry-After` (delta-seconds or HTTP-date)
// and then `X-RateLimit-Reset` (RFC 3339 / ISO 8601, or epoch seconds; small integers are read as
// delta-seconds) give retry_after relative to `now`; a time in the past gives 0. Header names
// are matched case-insensitively; unparsable values are ignored (noted in detail).
Classification ClassifyResponse(int status, const HeaderList& headers,
                                model::TransportError transport_error, Timestamp now);

// Parses an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the
// obsolete RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT" and asctime "Sun Nov  6 08:49:37 1994".
// Errors: kInvalidArgument.
Result<Timestamp> ParseHttpDate(std::string_view text);

// Retry settings for one channel.
struct RetryPolicy {
  int max_attempts = 10;                                // attempts in all; then dead
  Duration base_delay = std::chrono::seconds(1);        // backoff cap grows base * 2^(n-1)
  Duration max_delay = std::chrono::minutes(5);         // cap of the exponential backoff
  Duration min_delay = std::chrono::milliseconds(100);  // floor, so jitter never hot-loops
  Duration max_retry_after = std::chrono::hours(1);     // a provider's Retry-After is capped here
};

// The state after one attempt.
struct AttemptOutcome {
  model::DeliveryState state = model::DeliveryState::kPending;
  std::optional<Timestamp> next_attempt_at;  // set when state == kRetrying
  Duration delay{};                          // next_attempt_at - now
  std::string reason;  // "delivered", "retry in 1234 ms (backoff)", "dead after 10 attempts"
};

// Decides what follows attempt number `attempts` (1 = the first) that was classified as `c`.
// Backoff: full jitter, delay = max(min_delay, random01 * min(max_delay, base * 2^(attempts-1)));
// a retry_after replaces it (capped at max_retry_after). `random01` in [0, 1) (clamped);
// `now` = when the attempt finished. Pure and total.
AttemptOutcome NextAttempt(int attempts, const Classification& c, const RetryPolicy& policy,
                           double random01, Timestamp now);

// A new pending delivery record for (event, channel), due at `now`.
model::DeliveryRecord NewDelivery(const model::NotifyEvent& event, std::string_view channel,
                                  Timestamp now);

// Folds one attempt into `record`: attempts + 1, last response, state and next attempt.
// `status` is the HTTP status (0: none). Errors: kConflict when the record is already terminal
// (delivered, failed_permanent, dead), so a stale worker cannot resurrect it.
Result<model::DeliveryRecord> RecordAttempt(model::DeliveryRecord record, int status,
                                            const Classification& c, const RetryPolicy& policy,
                                            double random01, Timestamp now);

// True for delivered, failed_permanent and dead.
bool IsTerminal(model::DeliveryState s);

}  // namespace secplat::core::notify

#endif  // SECPLAT_CORE_NOTIFY_DELIVERY_H_
