// FailureLimiter: a per-address budget for failed authentications (token bucket). Each failure
// spends one token; tokens come back at `per_minute`. An address with no token left is refused
// BEFORE its credentials are looked at, so guessing costs time even when a guess is right.
// Pure and single-threaded: the caller serialises access and passes `now`.
//
//   FailureLimiter limiter({.burst = 3, .per_minute = 6});
//   for (int i = 0; i < 3; ++i) limiter.RecordFailure("10.0.0.1", t0);
//   EXPECT_EQ(limiter.RetryAfter("10.0.0.1", t0), std::chrono::seconds(10));
#ifndef SECPLAT_CORE_AUTH_FAILURE_LIMITER_H_
#define SECPLAT_CORE_AUTH_FAILURE_LIMITER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/common/time.h"

namespace secplat::core::auth {

class FailureLimiter {
 public:
  struct Options {
    int burst = 20;               // failures allowed back to back
    int per_minute = 10;          // failures allowed per minute in the long run
    size_t max_tracked = 100000;  // addresses remembered; fully refilled ones are forgotten first
  };
  explicit FailureLimiter(Options options) : options_(options) {}

  // Zero when `key` may try now; otherwise how long until it may (rounded up to whole seconds).
  Duration RetryAfter(std::string_view key, Timestamp now) const;
  // Spends one token of `key`.
  void RecordFailure(std::string_view key, Timestamp now);
  size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Timestamp updated{};
  };
  double Refilled(const Bucket& b, Timestamp now) const;
  void Evict(Timestamp now);

  Options options_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace secplat::core::auth

#endif  // SECPLAT_CORE_AUTH_FAILURE_LIMITER_H_
