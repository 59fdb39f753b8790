// Token buckets: defaults, refill, burst, waits, holds after a 429, clock going backwards.
#include "core/notify/rate_limit.h"

#include <gtest/gtest.h>

namespace secplat::core::notify {
namespace {

using model::ChannelKind;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Timestamp kT0 = FromUnixMillis(1764358200000);

// Verifies the documented defaults per channel kind.
TEST(DefaultRateLimit, PerKind) {
  EXPECT_EQ(DefaultRateLimit(ChannelKind::kSlack).rate_per_second, 1.0);
  EXPECT_EQ(DefaultRateLimit(ChannelKind::kTwilio).rate_per_second, 1.0);
  EXPECT_EQ(DefaultRateLimit(ChannelKind::kJira).rate_per_second, 5.0);
  EXPECT_EQ(DefaultRateLimit(ChannelKind::kWebhook).rate_per_second, 0.0);  // unlimited
}

// Verifies 1/s: one token, then a 1 s wait that shrinks as time passes, then a token again.
TEST(TokenBucket, OnePerSecond) {
  TokenBucket b(DefaultRateLimit(ChannelKind::kSlack));
  EXPECT_EQ(b.TryTake(kT0), Duration::zero());
  EXPECT_EQ(b.TryTake(kT0), milliseconds(1000));
  EXPECT_EQ(b.TryTake(kT0 + milliseconds(400)), milliseconds(600));
  EXPECT_EQ(b.TryTake(kT0 + milliseconds(1000)), Duration::zero());
  EXPECT_EQ(b.TryTake(kT0 + milliseconds(1999)), milliseconds(1));
}

// Verifies a burst is spent at once and refills at the rate, never above the burst.
TEST(TokenBucket, BurstAndRefillCap) {
  TokenBucket b(RateLimit{5.0, 5.0});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.TryTake(kT0), Duration::zero()) << i;
  EXPECT_EQ(b.TryTake(kT0), milliseconds(200));
  // An hour idle refills to the burst (5), not 18,000.
  const Timestamp later = kT0 + std::chrono::hours(1);
  int taken = 0;
  while (b.TryTake(later) == Duration::zero()) ++taken;
  EXPECT_EQ(taken, 5);
}

// Verifies over 10 simulated seconds at 1/s exactly 11 sends pass (initial token + 10).
TEST(TokenBucket, HoldsTheRateOverTime) {
  TokenBucket b(RateLimit{1.0, 1.0});
  int sent = 0;
  for (int ms = 0; ms <= 10000; ms += 10) {
    if (b.TryTake(kT0 + milliseconds(ms)) == Duration::zero()) ++sent;
  }
  EXPECT_EQ(sent, 11);
}

// Verifies unlimited buckets never wait, and HoldUntil blocks even those until the time.
TEST(TokenBucket, UnlimitedAndHold) {
  TokenBucket b(RateLimit{0.0, 1.0});
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(b.TryTake(kT0), Duration::zero());
  b.HoldUntil(kT0 + seconds(30));
  EXPECT_EQ(b.TryTake(kT0 + seconds(10)), seconds(20));
  b.HoldUntil(kT0 + seconds(5));  // an earlier hold does not shorten the current one
  EXPECT_EQ(b.TryTake(kT0 + seconds(29)), seconds(1));
  EXPECT_EQ(b.TryTake(kT0 + seconds(30)), Duration::zero());
}

// Verifies a clock going backwards refills nothing.
TEST(TokenBucket, BackwardsClockRefillsNothing) {
  TokenBucket b(RateLimit{1.0, 1.0});
  EXPECT_EQ(b.TryTake(kT0), Duration::zero());
  EXPECT_GT(b.TryTake(kT0 - seconds(10)), Duration::zero());
  EXPECT_GT(b.TryTake(kT0 + milliseconds(500)), Duration::zero());
}

// Verifies the limiter keeps one bucket per key and replaces it when the limit changes.
TEST(RateLimiter, BucketPerKey) {
  RateLimiter l;
  EXPECT_EQ(l.TryTake("slack:a", {1.0, 1.0}, kT0), Duration::zero());
  EXPECT_EQ(l.TryTake("slack:b", {1.0, 1.0}, kT0), Duration::zero());
  EXPECT_EQ(l.TryTake("slack:a", {1.0, 1.0}, kT0), milliseconds(1000));
  EXPECT_EQ(l.TryTake("slack:a", {2.0, 1.0}, kT0), Duration::zero());  // reloaded: new bucket
  l.HoldUntil("jira:x", {5.0, 5.0}, kT0 + seconds(3));
  EXPECT_EQ(l.TryTake("jira:x", {5.0, 5.0}, kT0), seconds(3));
  EXPECT_EQ(l.size(), 3u);
}

}  // namespace
}  // namespace secplat::core::notify
