#include "core/auth/authorize.h"

namespace secplat::core::auth {

using model::Role;

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kRead:
      return "read";
    case Permission::kWriteAssets:
      return "write_assets";
    case Permission::kTriageFindings:
      return "triage_findings";
    case Permission::kIngestFindings:
      return "ingest_findings";
    case Permission::kIngestEvents:
      return "ingest_events";
    case Permission::kRequestScans:
      return "request_scans";
    case Permission::kUpdateScanJobs:
      return "update_scan_jobs";
    case Permission::kWritePosture:
      return "write_posture";
    case Permission::kWriteNotifications:
      return "write_notifications";
    case Permission::kAdminister:
      return "administer";
  }
  return "unknown";
}

bool Allows(Role role, Permission p) {
  switch (p) {
    case Permission::kRead:
      return true;
    case Permission::kWriteAssets:
    case Permission::kTriageFindings:
      return role == Role::kAnalyst || role == Role::kAdmin;
    case Permission::kIngestFindings:
    case Permission::kRequestScans:
      return role == Role::kService || role == Role::kAnalyst || role == Role::kAdmin;
    case Permission::kIngestEvents:
    case Permission::kUpdateScanJobs:
    case Permission::kWritePosture:
    case Permission::kWriteNotifications:
      return role == Role::kService || role == Role::kAdmin;
    case Permission::kAdminister:
      return role == Role::kAdmin;
  }
  return false;
}

}  // namespace secplat::core::auth
