#include "core/auth/failure_limiter.h"

#include <gtest/gtest.h>

namespace secplat::core::auth {
namespace {

using std::chrono::seconds;
const Timestamp kT0 = FromUnixMillis(1'700'000'000'000);

// Verifies an address may fail `burst` times back to back, then waits for the refill.
TEST(FailureLimiter, RefusesAfterBurstUntilRefilled) {
  FailureLimiter limiter({.burst = 3, .per_minute = 6});  // one token per 10 s
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kT0), Duration(0)) << i;
    limiter.RecordFailure("10.0.0.1", kT0);
  }
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kT0), seconds(10));
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kT0 + seconds(4)), seconds(6));
  EXPECT_EQ(limiter.RetryAfter("10.0.0.1", kT0 + seconds(10)), Duration(0));
}

// Verifies one address's failures never spend another's budget.
TEST(FailureLimiter, AddressesAreIndependent) {
  FailureLimiter limiter({.burst = 1, .per_minute = 1});
  limiter.RecordFailure("10.0.0.1", kT0);
  EXPECT_GT(limiter.RetryAfter("10.0.0.1", kT0), Duration(0));
  EXPECT_EQ(limiter.RetryAfter("10.0.0.2", kT0), Duration(0));
}

// Verifies failing while refused keeps the address refused (no free retries), and a clock
// stepping backwards refills nothing.
TEST(FailureLimiter, FailingWhileRefusedKeepsItRefused) {
  FailureLimiter limiter({.burst = 2, .per_minute = 60});  // one token per second
  limiter.RecordFailure("a", kT0);
  limiter.RecordFailure("a", kT0);
  limiter.RecordFailure("a", kT0 + std::chrono::milliseconds(500));
  EXPECT_EQ(limiter.RetryAfter("a", kT0 + std::chrono::milliseconds(500)), seconds(1));
  EXPECT_GT(limiter.RetryAfter("a", kT0 - seconds(30)), Duration(0));
}

// Verifies memory stays bounded: refilled addresses are forgotten first, then arbitrary ones.
TEST(FailureLimiter, TrackedAddressesAreBounded) {
  FailureLimiter limiter({.burst = 5, .per_minute = 60, .max_tracked = 100});
  for (int i = 0; i < 100; ++i) limiter.RecordFailure("old-" + std::to_string(i), kT0);
  limiter.RecordFailure("new", kT0 + seconds(10));  // the old ones are whole again by now
  EXPECT_EQ(limiter.tracked(), 1u);
  for (int i = 0; i < 500; ++i)
    limiter.RecordFailure("flood-" + std::to_string(i), kT0 + seconds(10));
  EXPECT_LE(limiter.tracked(), 100u);
}

}  // namespace
}  // namespace secplat::core::auth
