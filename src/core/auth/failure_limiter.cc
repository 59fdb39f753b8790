#include "core/auth/failure_limiter.h"

#include <algorithm>
#include <cmath>

namespace secplat::core::auth {

double FailureLimiter::Refilled(const Bucket& b, Timestamp now) const {
  double minutes = std::chrono::duration<double>(now - b.updated).count() / 60.0;
  if (minutes < 0) minutes = 0;  // a clock step backwards refills nothing
  return std::min<double>(options_.burst, b.tokens + minutes * options_.per_minute);
}

Duration FailureLimiter::RetryAfter(std::string_view key, Timestamp now) const {
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) return Duration(0);
  double tokens = Refilled(it->second, now);
  if (tokens >= 1.0) return Duration(0);
  double seconds = (1.0 - tokens) * 60.0 / options_.per_minute;
  return std::chrono::seconds(static_cast<int64_t>(std::ceil(seconds - 1e-9)));
}

void FailureLimiter::RecordFailure(std::string_view key, Timestamp now) {
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= options_.max_tracked) Evict(now);
    it = buckets_.emplace(std::string(key), Bucket{static_cast<double>(options_.burst), now}).first;
  }
  Bucket& b = it->second;
  b.tokens = std::max(0.0, Refilled(b, now) - 1.0);
  b.updated = now;
}

void FailureLimiter::Evict(Timestamp now) {
  // Forget addresses whose budget is whole again: they are indistinguishable from new ones.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    if (Refilled(it->second, now) >= options_.burst) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
  // Still full (a flood of distinct addresses): drop one arbitrary entry to stay bounded.
  if (buckets_.size() >= options_.max_tracked && !buckets_.empty())
    buckets_.erase(buckets_.begin());
}

}  // namespace secplat::core::auth
