#include "services/scheduler/scheduler.h"

#include <condition_variable>
#include <mutex>
#include <unordered_set>

#include "core/schedule/due.h"
#include "log/logger.h"

namespace secplat::services::scheduler {

Scheduler::Scheduler(ports::platform::AssetSource& assets, ports::platform::ScanRequester& scans,
                     const Clock& clock, ports::Metrics& metrics, SchedulerOptions options)
    : assets_(assets), scans_(scans), clock_(clock), metrics_(metrics), options_(options) {}

Result<TickReport> Scheduler::RunOnce() {
  TickReport report;
  const Timestamp now = clock_.Now();
  std::unordered_set<std::string> seen;
  std::string cursor;
  do {
    SECPLAT_ASSIGN_OR_RETURN(auto page, assets_.ListAssets(cursor, options_.page_size));
    for (const auto& asset : page.items) {
      ++report.assets;
      for (const auto& due : core::schedule::DueScans(asset, now)) {
        std::string pair = due.scan_type + "+" + due.asset_key;
        seen.insert(pair);
        auto it = last_bucket_.find(pair);
        if (it != last_bucket_.end() && it->second == due.bucket) continue;
        ++report.due;
        auto r = scans_.RequestScan(due.asset_key, due.scan_type, due.idempotency_key);
        if (!r.has_value()) {
          // Only "this asset cannot be scanned now" is a per-asset refusal; anything else (API
          // down, a token without the right role) stops the sweep visibly.
          ErrorCode code = r.error().code;
          if (code != ErrorCode::kInvalidArgument && code != ErrorCode::kNotFound) {
            return Unexpected(r.error());
          }
          // Disabled or deleted since the listing: don't ask again this period.
          ++report.refused;
          log::Info("scan not requested: " + r.error().message,
                    {.asset_key = due.asset_key, .action = "scan.schedule", .status = "refused"});
        } else if (r->created) {
          ++report.requested;
        } else {
          ++report.existing;
        }
        last_bucket_[pair] = due.bucket;
      }
    }
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  // Forget pairs whose asset is gone or whose scan type was disabled.
  std::erase_if(last_bucket_, [&](const auto& kv) { return seen.count(kv.first) == 0; });
  metrics_.CounterAdd("secplat_scheduler_scans_requested_total",
                      "Scan jobs created by the scheduler", {},
                      static_cast<double>(report.requested));
  metrics_.GaugeSet("secplat_scheduler_assets", "Assets seen in the last sweep", {},
                    static_cast<double>(report.assets));
  return report;
}

void Scheduler::Run(std::stop_token stop) {
  std::mutex mu;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    auto started = std::chrono::steady_clock::now();
    auto r = RunOnce();
    if (!r.has_value()) {
      log::Warn("sweep incomplete; retrying next tick", {.action = "scheduler.sweep",
                                                         .status = "error",
                                                         .extra = {{"error", r.error().message}}});
    } else if (r->requested > 0 || r->refused > 0) {
      log::Info("sweep", {.action = "scheduler.sweep",
                          .status = "ok",
                          .extra = {{"assets", std::to_string(r->assets)},
                                    {"requested", std::to_string(r->requested)},
                                    {"existing", std::to_string(r->existing)},
                                    {"refused", std::to_string(r->refused)}}});
    }
    std::unique_lock lock(mu);
    cv.wait_until(lock, stop, started + options_.tick, [] { return false; });
  }
}

}  // namespace secplat::services::scheduler
