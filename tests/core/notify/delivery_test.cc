// Response classification (Retry-After in both forms, X-RateLimit-Reset), backoff bounds, and
// the delivery state machine.
#include "core/notify/delivery.h"

#include <gtest/gtest.h>

namespace secplat::core::notify {
namespace {

using model::DeliveryState;
using model::ResponseClass;
using model::TransportError;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2025-11-28T19:30:00Z
const Timestamp kNow = FromUnixMillis(1764358200000);

Classification Classify(int status, HeaderList h = {}, TransportError e = TransportError::kNone) {
  return ClassifyResponse(status, h, e, kNow);
}

// Verifies the status table: which classes exist and which are retryable.
TEST(ClassifyResponse, StatusTable) {
  struct Row {
    int status;
    ResponseClass cls;
    bool retryable;
  };
  const Row rows[] = {
      {200, ResponseClass::kOk, false},          {204, ResponseClass::kOk, false},
      {429, ResponseClass::kRateLimited, true},  {425, ResponseClass::kRateLimited, true},
      {408, ResponseClass::kTimeout, true},      {500, ResponseClass::kServerError, true},
      {503, ResponseClass::kServerError, true},  {401, ResponseClass::kAuthError, false},
      {403, ResponseClass::kAuthError, false},   {400, ResponseClass::kClientError, false},
      {404, ResponseClass::kClientError, false}, {410, ResponseClass::kClientError, false},
      {302, ResponseClass::kClientError, false},
  };
  for (const Row& r : rows) {
    Classification c = Classify(r.status);
    EXPECT_EQ(c.response_class, r.cls) << r.status;
    EXPECT_EQ(c.retryable, r.retryable) << r.status;
  }
  EXPECT_EQ(Classify(302).detail, "302 redirect (not followed; check the URL)");
}

// Verifies transport failures: timeout and connection retry, an unsendable request does not.
TEST(ClassifyResponse, TransportErrors) {
  EXPECT_EQ(Classify(0, {}, TransportError::kTimeout).response_class, ResponseClass::kTimeout);
  EXPECT_TRUE(Classify(0, {}, TransportError::kTimeout).retryable);
  EXPECT_EQ(Classify(0, {}, TransportError::kConnection).response_class,
            ResponseClass::kConnection);
  EXPECT_FALSE(Classify(0, {}, TransportError::kInvalidRequest).retryable);
}

// Verifies Retry-After as delta-seconds and as an HTTP-date (all three date forms), header
// names case-insensitive, past dates as zero.
TEST(ClassifyResponse, RetryAfterSecondsAndHttpDate) {
  EXPECT_EQ(*Classify(429, {{"retry-after", "30"}}).retry_after, seconds(30));
  EXPECT_EQ(Classify(429, {{"Retry-After", "30"}}).detail,
            "429 rate limited; retry-after 30000 ms");
  EXPECT_EQ(*Classify(429, {{"Retry-After", "Fri, 28 Nov 2025 19:31:30 GMT"}}).retry_after,
            seconds(90));
  EXPECT_EQ(*Classify(503, {{"Retry-After", "Friday, 28-Nov-25 19:30:05 GMT"}}).retry_after,
            seconds(5));
  EXPECT_EQ(*Classify(503, {{"Retry-After", "Fri Nov 28 19:32:00 2025"}}).retry_after, minutes(2));
  EXPECT_EQ(*Classify(429, {{"Retry-After", "Fri, 28 Nov 2025 19:00:00 GMT"}}).retry_after,
            Duration::zero());
  Classification bad = Classify(429, {{"Retry-After", "soon"}});
  EXPECT_FALSE(bad.retry_after.has_value());
  EXPECT_EQ(bad.detail, "429 rate limited; unparsable Retry-After ignored");
  // Not read on permanent failures.
  EXPECT_FALSE(Classify(400, {{"Retry-After", "30"}}).retry_after.has_value());
}

// Verifies X-RateLimit-Reset as ISO 8601 and epoch seconds, and Retry-After's precedence.
TEST(ClassifyResponse, RateLimitReset) {
  EXPECT_EQ(*Classify(429, {{"X-RateLimit-Reset", "2025-11-28T19:30:10Z"}}).retry_after,
            seconds(10));
  EXPECT_EQ(*Classify(429, {{"X-RateLimit-Reset", "2025-11-28T20:30:20+01:00"}}).retry_after,
            seconds(20));
  EXPECT_EQ(*Classify(429, {{"x-ratelimit-reset", "1764358260"}}).retry_after, seconds(60));
  EXPECT_EQ(*Classify(429, {{"X-RateLimit-Reset", "7"}}).retry_after, seconds(7));
  EXPECT_EQ(*Classify(429, {{"X-RateLimit-Reset", "2025-11-28T19:30:10Z"}, {"Retry-After", "3"}})
                 .retry_after,
            seconds(3));
}

// Verifies HTTP-date parsing rejects junk and out-of-range values.
TEST(ParseHttpDate, RejectsJunk) {
  EXPECT_EQ(*ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), FromUnixMillis(784111777000));
  EXPECT_EQ(*ParseHttpDate("Sun Nov  6 08:49:37 1994"), FromUnixMillis(784111777000));
  EXPECT_EQ(*ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), FromUnixMillis(784111777000));
  EXPECT_FALSE(ParseHttpDate("Sun, 31 Feb 1994 08:49:37 GMT").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Xyz 1994 08:49:37 GMT").has_value());
  EXPECT_FALSE(ParseHttpDate("").has_value());
  EXPECT_FALSE(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 UTC").has_value());
}

// Verifies full-jitter backoff stays within [min_delay, min(max, base*2^(n-1))] and grows.
TEST(NextAttempt, BackoffBounds) {
  RetryPolicy p{.max_attempts = 20,
                .base_delay = seconds(1),
                .max_delay = minutes(5),
                .min_delay = Duration(100)};
  Classification c = Classify(503);
  for (int n = 1; n <= 15; ++n) {
    const Duration cap = std::min<Duration>(seconds(1) * (1LL << (n - 1)), minutes(5));
    AttemptOutcome hi = NextAttempt(n, c, p, 0.999999, kNow);
    AttemptOutcome lo = NextAttempt(n, c, p, 0.0, kNow);
    EXPECT_EQ(hi.state, DeliveryState::kRetrying);
    EXPECT_LE(hi.delay, cap) << n;
    EXPECT_GE(hi.delay, cap - Duration(1)) << n;
    EXPECT_EQ(lo.delay, Duration(100)) << n;  // floor
    EXPECT_EQ(*hi.next_attempt_at, kNow + hi.delay);
  }
  EXPECT_EQ(NextAttempt(3, c, p, 0.5, kNow).delay, seconds(2));  // 0.5 * 4 s
  EXPECT_EQ(NextAttempt(1000, c, RetryPolicy{.max_attempts = 2000}, 0.5, kNow).delay,
            std::chrono::milliseconds(150000));                  // capped at 5 min, no overflow
  EXPECT_EQ(NextAttempt(2, c, p, 7.0, kNow).delay, seconds(2));  // random clamped to 1
}

// Verifies Retry-After overrides backoff and is capped by max_retry_after.
TEST(NextAttempt, RetryAfterOverridesAndIsCapped) {
  RetryPolicy p{.max_retry_after = minutes(10)};
  AttemptOutcome o = NextAttempt(1, Classify(429, {{"Retry-After", "30"}}), p, 0.0, kNow);
  EXPECT_EQ(o.delay, seconds(30));
  EXPECT_EQ(o.reason, "retry in 30000 ms (retry-after)");
  o = NextAttempt(1, Classify(429, {{"Retry-After", "86400"}}), p, 0.0, kNow);
  EXPECT_EQ(o.delay, minutes(10));
  EXPECT_EQ(o.reason, "retry in 600000 ms (retry-after, capped)");
}

// Verifies terminal outcomes: delivered, permanent, dead at max attempts.
TEST(NextAttempt, TerminalOutcomes) {
  RetryPolicy p{.max_attempts = 3};
  EXPECT_EQ(NextAttempt(1, Classify(200), p, 0.5, kNow).state, DeliveryState::kDelivered);
  AttemptOutcome perm = NextAttempt(1, Classify(404), p, 0.5, kNow);
  EXPECT_EQ(perm.state, DeliveryState::kFailedPermanent);
  EXPECT_FALSE(perm.next_attempt_at.has_value());
  EXPECT_EQ(NextAttempt(2, Classify(500), p, 0.5, kNow).state, DeliveryState::kRetrying);
  AttemptOutcome dead = NextAttempt(3, Classify(500), p, 0.5, kNow);
  EXPECT_EQ(dead.state, DeliveryState::kDead);
  EXPECT_EQ(dead.reason, "dead after 3 attempts (last: server_error)");
}

// Verifies the record state machine and that terminal records refuse further attempts.
TEST(RecordAttempt, WalksTheStateMachine) {
  model::NotifyEvent e;
  e.event_id = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
  e.problem_key = "web-shop/health";
  model::DeliveryRecord r = NewDelivery(e, "slack-ops", kNow);
  EXPECT_EQ(r.state, DeliveryState::kPending);
  EXPECT_EQ(r.idempotency_key, DeliveryIdempotencyKey(e.event_id, "slack-ops"));
  EXPECT_EQ(*r.next_attempt_at, kNow);
  RetryPolicy p{.max_attempts = 5};
  auto r1 = RecordAttempt(r, 429, Classify(429, {{"Retry-After", "5"}}), p, 0.3, kNow);
  ASSERT_TRUE(r1.has_value());
  EXPECT_EQ(r1->state, DeliveryState::kRetrying);
  EXPECT_EQ(r1->attempts, 1);
  EXPECT_EQ(*r1->next_attempt_at, kNow + seconds(5));
  EXPECT_EQ(r1->last_response->status, 429);
  EXPECT_EQ(r1->last_response->response_class, ResponseClass::kRateLimited);
  auto r2 = RecordAttempt(*r1, 200, Classify(200), p, 0.3, kNow + seconds(5));
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->state, DeliveryState::kDelivered);
  EXPECT_EQ(*r2->delivered_at, kNow + seconds(5));
  EXPECT_FALSE(r2->next_attempt_at.has_value());
  auto r3 = RecordAttempt(*r2, 200, Classify(200), p, 0.3, kNow + seconds(6));
  ASSERT_FALSE(r3.has_value());
  EXPECT_EQ(r3.error().code, ErrorCode::kConflict);
}

// Verifies keys are stable, distinct per channel and event, and shaped as documented.
TEST(DeliveryIdempotencyKey, StableAndDistinct) {
  const std::string k = DeliveryIdempotencyKey("e1", "slack");
  EXPECT_EQ(k, DeliveryIdempotencyKey("e1", "slack"));
  EXPECT_NE(k, DeliveryIdempotencyKey("e1", "hook"));
  EXPECT_NE(k, DeliveryIdempotencyKey("e2", "slack"));
  EXPECT_NE(DeliveryIdempotencyKey("e1\nx", "y"), DeliveryIdempotencyKey("e1", "x\ny"));
  EXPECT_EQ(k.size(), 36u);
  EXPECT_EQ(k.substr(0, 4), "ntf_");
  EXPECT_EQ(ProblemFingerprint("web-shop/health").size(), 16u);
}

}  // namespace
}  // namespace secplat::core::notify
