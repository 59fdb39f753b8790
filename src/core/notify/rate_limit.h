// Per-channel rate limits: a token bucket per channel key (a Slack webhook, a Twilio sender, a
// Jira tenant), after Envoy's token_bucket_impl. Back-pressure delays; it never drops: TryTake
// either takes a token or says how long to wait. A 429 can hold a key until a given time
// (BullMQ's `worker.rateLimit(ms)`).
//
//   TokenBucket slack(DefaultRateLimit(ChannelKind::kSlack));  // 1/s, burst 1
//   EXPECT_EQ(slack.TryTake(t0), Duration::zero());            // taken
//   EXPECT_EQ(slack.TryTake(t0), Duration(1000));              // wait 1 s
#ifndef SECPLAT_CORE_NOTIFY_RATE_LIMIT_H_
#define SECPLAT_CORE_NOTIFY_RATE_LIMIT_H_

#include <map>
#include <optional>
#include <string>

#include "core/common/time.h"
#include "core/model/notification.h"

namespace secplat::core::notify {

// `rate_per_second` <= 0 means unlimited. `burst` >= 1 tokens (the bucket's capacity).
struct RateLimit {
  double rate_per_second = 0;
  double burst = 1;
};

// Defaults: Slack 1/s per webhook, Twilio 1/s per sender, Jira 5/s (burst 5) per tenant,
// webhook unlimited (configurable).
RateLimit DefaultRateLimit(model::ChannelKind kind);

// One bucket. Starts full. Not thread-safe (the notifier owns it on one thread).
class TokenBucket {
 public:
  explicit TokenBucket(RateLimit limit);

  // Takes one token at `now` and returns zero, or takes nothing and returns how long until a
  // token is available (rounded up to the millisecond, >= 1 ms). A `now` earlier than the last
  // call refills nothing. Unlimited buckets always return zero.
  Duration TryTake(Timestamp now);

  // Takes nothing before `until` (a provider said 429): TryTake waits at least until then.
  void HoldUntil(Timestamp until);

  // Tokens available at the last call (for metrics and tests).
  double tokens() const { return tokens_; }
  const RateLimit& limit() const { return limit_; }

 private:
  void Refill(Timestamp now);

  RateLimit limit_;
  double tokens_;
  std::optional<Timestamp> last_;
  std::optional<Timestamp> hold_until_;
};

// Buckets by key ("slack:<channel>", "twilio:<from>", "jira:<host>"), created on first use.
class RateLimiter {
 public:
  // As TokenBucket::TryTake on the key's bucket (created with `limit` on first use; a later
  // different `limit` replaces the bucket, so config reloads take effect).
  Duration TryTake(const std::string& key, RateLimit limit, Timestamp now);
  // As TokenBucket::HoldUntil; creates no bucket for an unknown key with an unlimited rate.
  void HoldUntil(const std::string& key, RateLimit limit, Timestamp until);
  size_t size() const { return buckets_.size(); }

 private:
  TokenBucket& Bucket(const std::string& key, RateLimit limit);
  std::map<std::string, TokenBucket> buckets_;
};

}  // namespace secplat::core::notify

#endif  // SECPLAT_CORE_NOTIFY_RATE_LIMIT_H_
