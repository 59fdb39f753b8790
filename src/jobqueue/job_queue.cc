#include "jobqueue/job_queue.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace secplat::jobqueue {
namespace {

std::mt19937_64& ThreadRng() {
  // Seeded per thread from the OS; the pid guards against identical streams after fork().
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    return seed ^ (static_cast<uint64_t>(::getpid()) << 17);
  }());
  return rng;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

Result<PublishResult> JobQueue::Publish(std::string_view stream, std::string_view payload,
                                        const PublishOptions& options) {
  std::vector<PublishRequest> one;
  one.push_back(PublishRequest{std::string(payload), options});
  SECPLAT_ASSIGN_OR_RETURN(std::vector<PublishResult> r, PublishBatch(stream, one));
  return std::move(r[0]);
}

std::string DeadLetterStream(std::string_view stream) {
  std::string s(stream);
  s += kDeadLetterSuffix;
  return s;
}

Outcome Outcome::Done() { return Outcome{kDone, {}, std::nullopt}; }
Outcome Outcome::Retry(std::string reason, std::optional<Duration> after) {
  return Outcome{kRetry, std::move(reason), after};
}
Outcome Outcome::Fail(std::string reason) {
  return Outcome{kFail, std::move(reason), std::nullopt};
}

Duration BackoffDelay(const RetryPolicy& policy, int attempt, uint64_t random) {
  int64_t base = std::max<int64_t>(0, policy.base.count());
  int64_t cap = std::max<int64_t>(0, policy.cap.count());
  int shift = std::clamp(attempt, 1, 64) - 1;
  // base * 2^shift without overflow: stop doubling once past the cap.
  int64_t ceiling = base;
  for (int i = 0; i < shift && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  // Map random linearly onto [0, ceiling]: (random * (ceiling + 1)) >> 64.
  __extension__ using U128 = unsigned __int128;  // GCC/Clang extension; exact 64x64->128
  U128 scaled = static_cast<U128>(random) * static_cast<U128>(ceiling + 1);
  return Duration(static_cast<int64_t>(scaled >> 64));
}

Disposition Decide(const Outcome& outcome, int attempt, const RetryPolicy& policy,
                   uint64_t random) {
  switch (outcome.kind) {
    case Outcome::kDone:
      return Disposition{Disposition::kAck, Duration(0), {}, {}};
    case Outcome::kFail:
      return Disposition{Disposition::kDeadLetter, Duration(0), std::string(kReasonFailed),
                         outcome.reason};
    case Outcome::kRetry:
      break;
  }
  if (attempt >= policy.max_attempts) {
    return Disposition{Disposition::kDeadLetter, Duration(0), std::string(kReasonMaxAttempts),
                       outcome.reason};
  }
  Duration delay = outcome.retry_after.has_value() ? std::max(Duration(0), *outcome.retry_after)
                                                   : BackoffDelay(policy, attempt, random);
  return Disposition{Disposition::kRetry, delay, {}, outcome.reason};
}

std::string DefaultConsumerName() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "host");
  }
  uint64_t r = ThreadRng()();
  std::string name = host;
  name += '-';
  name += std::to_string(::getpid());
  name += '-';
  for (int i = 0; i < 6; ++i) name += kHex[(r >> (i * 4)) & 0xF];
  return name;
}

std::string NewJobId() {
  auto& rng = ThreadRng();
  uint64_t a = rng();
  uint64_t b = rng();
  std::string id(32, '0');
  for (int i = 0; i < 16; ++i) {
    id[i] = kHex[(a >> (i * 4)) & 0xF];
    id[16 + i] = kHex[(b >> (i * 4)) & 0xF];
  }
  return id;
}

Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 200) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      std::string(what) + " must be 1 to 200 characters");
  }
  for (char c : name) {
    if (c <= ' ' || c > '~') {
      return Unexpected(ErrorCode::kInvalidArgument,
                        std::string(what) + " must be printable ASCII without spaces");
    }
  }
  return OkStatus();
}

}  // namespace secplat::jobqueue
