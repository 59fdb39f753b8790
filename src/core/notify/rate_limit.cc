#include "core/notify/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace secplat::core::notify {

RateLimit DefaultRateLimit(model::ChannelKind kind) {
  switch (kind) {
    case model::ChannelKind::kSlack:
      return {1.0, 1.0};
    case model::ChannelKind::kTwilio:
      return {1.0, 1.0};
    case model::ChannelKind::kJira:
      return {5.0, 5.0};
    case model::ChannelKind::kWebhook:
      return {0.0, 1.0};
  }
  return {0.0, 1.0};
}

TokenBucket::TokenBucket(RateLimit limit) : limit_(limit) {
  limit_.burst = std::max(1.0, limit_.burst);
  tokens_ = limit_.burst;
}

void TokenBucket::Refill(Timestamp now) {
  if (!last_) {
    last_ = now;
    return;
  }
  if (now <= *last_) return;  // a clock going backwards refills nothing
  const double elapsed_s = static_cast<double>((now - *last_).count()) / 1000.0;
  tokens_ = std::min(limit_.burst, tokens_ + elapsed_s * limit_.rate_per_second);
  last_ = now;
}

Duration TokenBucket::TryTake(Timestamp now) {
  if (hold_until_ && now < *hold_until_) return *hold_until_ - now;
  if (limit_.rate_per_second <= 0) return Duration::zero();
  Refill(now);
  // Tolerate floating-point dust: 0.9999999 tokens after exactly one period is a token.
  if (tokens_ >= 1.0 - 1e-9) {
    tokens_ = std::max(0.0, tokens_ - 1.0);
    return Duration::zero();
  }
  const double wait_ms = std::ceil((1.0 - tokens_) / limit_.rate_per_second * 1000.0 - 1e-6);
  return Duration(std::max<int64_t>(1, static_cast<int64_t>(wait_ms)));
}

void TokenBucket::HoldUntil(Timestamp until) {
  if (!hold_until_ || until > *hold_until_) hold_until_ = until;
}

TokenBucket& RateLimiter::Bucket(const std::string& key, RateLimit limit) {
  auto it = buckets_.find(key);
  if (it != buckets_.end() && (it->second.limit().rate_per_second != limit.rate_per_second ||
                               it->second.limit().burst != std::max(1.0, limit.burst))) {
    buckets_.erase(it);
    it = buckets_.end();
  }
  if (it == buckets_.end()) it = buckets_.emplace(key, TokenBucket(limit)).first;
  return it->second;
}

Duration RateLimiter::TryTake(const std::string& key, RateLimit limit, Timestamp now) {
  return Bucket(key, limit).TryTake(now);
}

void RateLimiter::HoldUntil(const std::string& key, RateLimit limit, Timestamp until) {
  Bucket(key, limit).HoldUntil(until);
}

}  // namespace secplat::core::notify
