// ScanJob: one requested run of one scan type against one asset. Idempotent on
// idempotency_key ({scan_type}+{asset_key}+{period_bucket}, docs/contracts/idempotency-keys.md).
#ifndef SECPLAT_CORE_MODEL_SCAN_JOB_H_
#define SECPLAT_CORE_MODEL_SCAN_JOB_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/common/time.h"

namespace secplat::core::model {

enum class ScanJobStatus { kQueued, kRunning, kDone, kFailed, kDead };

std::string_view ScanJobStatusName(ScanJobStatus s);
std::optional<ScanJobStatus> ParseScanJobStatus(std::string_view s);

// The known scan types. Unknown names are rejected at the API edge.
bool IsKnownScanType(std::string_view scan_type);

struct ScanJob {
  int64_t id = 0;
  std::string idempotency_key;
  std::string scan_type;
  std::string asset_key;
  ScanJobStatus status = ScanJobStatus::kQueued;
  int64_t attempts = 0;
  std::string requested_by;
  std::string request_id;
  std::string log_output;  // append-only
  std::string last_error;
  Timestamp created_at{};
  Timestamp updated_at{};
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
};

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_SCAN_JOB_H_
