// Scheduler: the `secplat scheduler` role. Every tick it walks the registered assets through
// the API and requests each scan that is due (core/schedule: per-asset interval, jittered
// periods, key "{scan_type}+{asset_key}+{period}"). The API creates at most one job per key, so
// several schedulers (or a restarted one) never double a scan; this process also remembers the
// last period it requested per (asset, scan type) and skips the call when nothing changed, so a
// steady state costs one asset listing per tick.
//
//   Scheduler s(api, api, clock, metrics, {.tick = 10s});
//   auto report = s.RunOnce();   // one sweep; report->requested new jobs
//   s.Run(stop_token);           // sweeps every tick until stop
#ifndef SECPLAT_SERVICES_SCHEDULER_SCHEDULER_H_
#define SECPLAT_SERVICES_SCHEDULER_SCHEDULER_H_

#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
#include <unordered_map>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "ports/metrics.h"
#include "ports/platform/platform.h"

namespace secplat::services::scheduler {

struct SchedulerOptions {
  Duration tick = std::chrono::seconds(10);
  int page_size = 1000;  // assets per API list call
};

struct TickReport {
  int64_t assets = 0;     // assets seen
  int64_t due = 0;        // (asset, scan type) pairs in a period not yet requested by us
  int64_t requested = 0;  // new jobs created
  int64_t existing = 0;   // the API already had a job for that key (another scheduler)
  int64_t refused = 0;    // the API refused (asset disabled or deleted meanwhile)
};

class Scheduler {
 public:
  Scheduler(ports::platform::AssetSource& assets, ports::platform::ScanRequester& scans,
            const Clock& clock, ports::Metrics& metrics, SchedulerOptions options);

  // One sweep. Errors: kUnavailable / kDeadlineExceeded when the API is unreachable, and any
  // error other than a per-asset refusal (kInvalidArgument: disabled; kNotFound: deleted), e.g.
  // kPermissionDenied for a token without the service role. The sweep stops there; the next
  // one picks up where this one could not.
  Result<TickReport> RunOnce();

  // RunOnce every tick until `stop`; errors are logged and retried on the next tick.
  void Run(std::stop_token stop);

 private:
  ports::platform::AssetSource& assets_;
  ports::platform::ScanRequester& scans_;
  const Clock& clock_;
  ports::Metrics& metrics_;
  SchedulerOptions options_;
  // "{scan_type}+{asset_key}" -> last period requested (or refused) by this process.
  std::unordered_map<std::string, int64_t> last_bucket_;
};

}  // namespace secplat::services::scheduler

#endif  // SECPLAT_SERVICES_SCHEDULER_SCHEDULER_H_
