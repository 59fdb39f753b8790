// ScanJobStore: scan jobs, idempotent on idempotency_key, with an append-only log.
#ifndef SECPLAT_PORTS_STORE_SCAN_JOB_STORE_H_
#define SECPLAT_PORTS_STORE_SCAN_JOB_STORE_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/model/scan_job.h"
#include "ports/store/common.h"

namespace secplat::ports::store {

struct ScanJobOutcome {
  core::model::ScanJob job;
  bool created = false;  // false: a job with that idempotency_key existed and is returned
};

struct ScanJobFilter {
  std::optional<std::string> asset_key;
  std::optional<std::string> scan_type;
  std::optional<core::model::ScanJobStatus> status;
};

class ScanJobStore {
 public:
  virtual ~ScanJobStore() = default;
  // Uses job.idempotency_key, scan_type, asset_key, requested_by, request_id; the rest is
  // assigned. Errors: kNotFound (asset absent or deleted), kUnavailable.
  virtual Result<ScanJobOutcome> CreateScanJob(const core::model::ScanJob& job,
                                               const WriteContext& ctx) = 0;
  // Errors: kNotFound, kUnavailable.
  virtual Result<core::model::ScanJob> GetScanJob(int64_t id) = 0;
  virtual Result<Page<core::model::ScanJob>> ListScanJobs(const ScanJobFilter& filter,
                                                          const PageRequest& page) = 0;
  // Moves the job to `status` if core::scans::CheckTransition allows it; running increments
  // attempts and sets started_at; done/failed/dead set finished_at. `error` is kept as
  // last_error when non-empty. Errors: kNotFound, kConflict (transition not allowed),
  // kUnavailable.
  virtual Result<core::model::ScanJob> UpdateScanJobStatus(int64_t id,
                                                           core::model::ScanJobStatus status,
                                                           const std::string& error,
                                                           const WriteContext& ctx) = 0;
  // Appends `text` to log_output (capped by the store at 1 MiB per job; beyond it the append is
  // refused with kResourceExhausted). Errors: kNotFound, kResourceExhausted, kUnavailable.
  virtual Result<core::model::ScanJob> AppendScanJobLog(int64_t id, const std::string& text,
                                                        const WriteContext& ctx) = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_SCAN_JOB_STORE_H_
