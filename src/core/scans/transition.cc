#include "core/scans/transition.h"

#include <string>

namespace secplat::core::scans {

using model::ScanJobStatus;

Status CheckTransition(ScanJobStatus from, ScanJobStatus to) {
  bool ok = false;
  switch (from) {
    case ScanJobStatus::kQueued:
      ok = to == ScanJobStatus::kRunning || to == ScanJobStatus::kDead ||
           to == ScanJobStatus::kFailed;
      break;
    case ScanJobStatus::kRunning:
      ok = true;  // done, failed, dead, queued (requeued) or running (redelivered)
      break;
    case ScanJobStatus::kFailed:
      ok = to == ScanJobStatus::kQueued || to == ScanJobStatus::kRunning ||
           to == ScanJobStatus::kDead;
      break;
    case ScanJobStatus::kDone:
    case ScanJobStatus::kDead:
      ok = false;
      break;
  }
  if (ok) return OkStatus();
  return Unexpected(ErrorCode::kConflict, "scan job cannot move from " +
                                              std::string(model::ScanJobStatusName(from)) + " to " +
                                              std::string(model::ScanJobStatusName(to)));
}

}  // namespace secplat::core::scans
