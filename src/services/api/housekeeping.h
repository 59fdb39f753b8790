// Housekeeping: the api role's periodic clean-up of data that only grows. Today: notification
// history — terminal deliveries (delivered, failed_permanent, dead) with their attempts, and
// routing records ("why was I notified") — older than `retention` (config
// notifier.retention, default 30 days; docs/notifier.md). Open deliveries and the notify log
// (what was last sent per channel and problem, which dedup needs) are never deleted.
//
// It runs inside the api process because only the api opens the database.
//
//   Housekeeping hk(store, clock, {.retention = std::chrono::days(30)});
//   auto deleted = hk.RunOnce();       // rows deleted, or the store's error
//   std::jthread t([&](std::stop_token st) { hk.Run(st); });   // RunOnce every interval
#ifndef SECPLAT_SERVICES_API_HOUSEKEEPING_H_
#define SECPLAT_SERVICES_API_HOUSEKEEPING_H_

#include <chrono>
#include <cstdint>
#include <stop_token>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/common/time.h"
#include "ports/store/notification_store.h"

namespace secplat::services::api {

class Housekeeping {
 public:
  struct Options {
    Duration retention = std::chrono::hours(24 * 30);  // > 0
    Duration interval = std::chrono::hours(1);         // between runs of Run(); > 0
  };

  // `store` and `clock` must outlive this.
  Housekeeping(ports::store::NotificationStore& store, const Clock& clock, Options options);

  // Deletes what is older than now - retention; returns the rows deleted. Errors: the store's
  // (kUnavailable), kInvalidArgument for a non-positive retention.
  Result<int64_t> RunOnce();

  // RunOnce now and then every interval until `stop`; failures are logged and retried at the
  // next interval. Logs action "api.housekeeping".
  void Run(std::stop_token stop);

 private:
  ports::store::NotificationStore& store_;
  const Clock& clock_;
  Options options_;
};

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_HOUSEKEEPING_H_
