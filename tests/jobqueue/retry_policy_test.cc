// Unit tests for BackoffDelay (exponential backoff with full jitter) and Decide.
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "jobqueue/job_queue.h"

namespace secplat::jobqueue {
namespace {

using namespace std::chrono_literals;
constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Verifies the ceiling doubles per attempt from base and random = max reaches it exactly.
TEST(BackoffDelay, CeilingDoublesFromBase) {
  RetryPolicy p{.base = 100ms, .cap = 1h, .max_attempts = 10};
  EXPECT_EQ(BackoffDelay(p, 1, kMax), 100ms);
  EXPECT_EQ(BackoffDelay(p, 2, kMax), 200ms);
  EXPECT_EQ(BackoffDelay(p, 3, kMax), 400ms);
  EXPECT_EQ(BackoffDelay(p, 6, kMax), 3200ms);
}

// Verifies random = 0 gives no delay (full jitter starts at zero).
TEST(BackoffDelay, ZeroRandomGivesZero) {
  RetryPolicy p;
  for (int a = 1; a < 10; ++a) EXPECT_EQ(BackoffDelay(p, a, 0), 0ms);
}

// Verifies the cap bounds the ceiling, also for huge attempt numbers (no overflow).
TEST(BackoffDelay, CapBoundsEveryAttempt) {
  RetryPolicy p{.base = 1s, .cap = 5min, .max_attempts = 100};
  EXPECT_EQ(BackoffDelay(p, 9, kMax), 256s);
  EXPECT_EQ(BackoffDelay(p, 10, kMax), 5min);
  EXPECT_EQ(BackoffDelay(p, 64, kMax), 5min);
  EXPECT_EQ(BackoffDelay(p, 1000000, kMax), 5min);
  EXPECT_EQ(BackoffDelay(p, std::numeric_limits<int>::max(), kMax), 5min);
}

// Verifies attempts below 1 count as the first, and zero or negative base/cap give no delay.
TEST(BackoffDelay, DegenerateInputsAreSafe) {
  RetryPolicy p{.base = 100ms, .cap = 1s, .max_attempts = 3};
  EXPECT_EQ(BackoffDelay(p, 0, kMax), 100ms);
  EXPECT_EQ(BackoffDelay(p, -5, kMax), 100ms);
  EXPECT_EQ(BackoffDelay({.base = 0ms, .cap = 1s}, 5, kMax), 0ms);
  EXPECT_EQ(BackoffDelay({.base = 100ms, .cap = -1s}, 5, kMax), 0ms);
}

// Verifies, with a fixed seed, that delays stay in [0, ceiling] and spread uniformly: the mean
// is near ceiling/2 and every tenth of the range is hit about equally often.
TEST(BackoffDelay, FullJitterIsUniformOverTheRange) {
  RetryPolicy p{.base = 100ms, .cap = 10s, .max_attempts = 10};
  std::mt19937_64 rng(42);
  const int n = 100000;
  const int64_t ceiling = 800;  // attempt 4
  std::vector<int> buckets(10, 0);
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    int64_t d = BackoffDelay(p, 4, rng()).count();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, ceiling);
    sum += static_cast<double>(d);
    ++buckets[std::min<int64_t>(9, d * 10 / (ceiling + 1))];
  }
  EXPECT_NEAR(sum / n, ceiling / 2.0, ceiling * 0.01);
  for (int b : buckets) EXPECT_NEAR(b, n / 10, n / 100) << "bucket count " << b;
}

// Verifies Decide: Done acks, Fail dead-letters at once, Retry backs off until max attempts.
TEST(Decide, MapsOutcomesToDispositions) {
  RetryPolicy p{.base = 100ms, .cap = 1s, .max_attempts = 3};
  EXPECT_EQ(Decide(Outcome::Done(), 1, p, kMax).kind, Disposition::kAck);

  Disposition fail = Decide(Outcome::Fail("bad"), 1, p, kMax);
  EXPECT_EQ(fail.kind, Disposition::kDeadLetter);
  EXPECT_EQ(fail.reason, kReasonFailed);
  EXPECT_EQ(fail.error, "bad");

  Disposition retry = Decide(Outcome::Retry("flaky"), 2, p, kMax);
  EXPECT_EQ(retry.kind, Disposition::kRetry);
  EXPECT_EQ(retry.delay, 200ms);
  EXPECT_EQ(retry.error, "flaky");

  Disposition after = Decide(Outcome::Retry("429", 7s), 1, p, 0);
  EXPECT_EQ(after.kind, Disposition::kRetry);
  EXPECT_EQ(after.delay, 7s);

  Disposition last = Decide(Outcome::Retry("still flaky"), 3, p, kMax);
  EXPECT_EQ(last.kind, Disposition::kDeadLetter);
  EXPECT_EQ(last.reason, kReasonMaxAttempts);
  EXPECT_EQ(last.error, "still flaky");

  EXPECT_EQ(Decide(Outcome::Retry("x", -5s), 1, p, kMax).delay, 0ms);
}

// Verifies job ids are 32 hex characters and distinct, and consumer names carry the pid.
TEST(Ids, JobIdsAndConsumerNamesLookRight) {
  std::string a = NewJobId(), b = NewJobId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(DefaultConsumerName().find("-" + std::to_string(::getpid()) + "-"), std::string::npos);
  EXPECT_NE(DefaultConsumerName(), DefaultConsumerName());
  EXPECT_EQ(DeadLetterStream(kScanStream), "secplat.jobs.scan.dlq");
}

}  // namespace
}  // namespace secplat::jobqueue
