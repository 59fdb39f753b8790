// Scan-job status transitions: queued -> running -> done | failed; failed -> queued (retry)
// or running (redelivery); running -> queued (lease lost, requeued); any unfinished -> dead.
// done and dead are final.
#ifndef SECPLAT_CORE_SCANS_TRANSITION_H_
#define SECPLAT_CORE_SCANS_TRANSITION_H_

#include "core/common/result.h"
#include "core/model/scan_job.h"

namespace secplat::core::scans {

// OK when `from` -> `to` is allowed; running -> running is allowed (a redelivered job after a
// worker died). Errors: kConflict naming both states.
Status CheckTransition(model::ScanJobStatus from, model::ScanJobStatus to);

}  // namespace secplat::core::scans

#endif  // SECPLAT_CORE_SCANS_TRANSITION_H_
