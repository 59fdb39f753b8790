#include "services/api/housekeeping.h"

#include <condition_variable>
#include <mutex>
#include <string>

#include "log/logger.h"

namespace secplat::services::api {

Housekeeping::Housekeeping(ports::store::NotificationStore& store, const Clock& clock,
                           Options options)
    : store_(store), clock_(clock), options_(options) {}

Result<int64_t> Housekeeping::RunOnce() {
  if (options_.retention <= Duration::zero())
    return Unexpected(ErrorCode::kInvalidArgument, "housekeeping: retention must be positive");
  return store_.DeleteNotificationsBefore(clock_.Now() - options_.retention);
}

void Housekeeping::Run(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  const Duration interval =
      options_.interval > Duration::zero() ? options_.interval : std::chrono::hours(1);
  while (!stop.stop_requested()) {
    auto deleted = RunOnce();
    if (!deleted.has_value()) {
      log::Warn("notification retention failed; retrying at the next run",
                {.action = "api.housekeeping",
                 .status = "error",
                 .extra = {{"error", deleted.error().message}}});
    } else if (*deleted > 0) {
      log::Info("old notification history deleted",
                {.action = "api.housekeeping",
                 .status = "ok",
                 .extra = {{"deleted_rows", std::to_string(*deleted)}}});
    }
    std::unique_lock lock(mu);
    cv.wait_for(lock, stop, interval, [] { return false; });
  }
}

}  // namespace secplat::services::api
