// Who may do what: the single authorisation matrix of the API. Pure.
//
//   EXPECT_TRUE(Allows(Role::kAnalyst, Permission::kWriteAssets));
//   EXPECT_FALSE(Allows(Role::kService, Permission::kWriteAssets));
#ifndef SECPLAT_CORE_AUTH_AUTHORIZE_H_
#define SECPLAT_CORE_AUTH_AUTHORIZE_H_

#include <string_view>

#include "core/model/auth.h"

namespace secplat::core::auth {

enum class Permission {
  kRead,            // GET on assets, findings, events, scans, openapi, metrics: every role
  kWriteAssets,     // create/update/delete assets: analyst, admin
  kTriageFindings,  // finding status changes (resolve, accept, false positive): analyst, admin
  kIngestFindings,  // POST findings (single and batch): service, analyst, admin
  kIngestEvents,    // POST events: service, admin
  kRequestScans,    // POST scans: analyst, admin, service (the scheduler)
  kUpdateScanJobs,  // scan-job status and log: service, admin
  kWritePosture,    // PUT posture records (the deriver): service, admin
  kAdminister,      // tokens, audit log, queue administration: admin
  // The notifier's state through its service routes, reads included (notify log, deliveries,
  // routing records, channel health): service, admin.
  kWriteNotifications,
};

std::string_view PermissionName(Permission p);

// True when `role` holds `p`. Deny by default: a role/permission pair not listed is refused.
bool Allows(model::Role role, Permission p);

}  // namespace secplat::core::auth

#endif  // SECPLAT_CORE_AUTH_AUTHORIZE_H_
