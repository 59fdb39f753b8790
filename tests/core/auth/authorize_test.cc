#include "core/auth/authorize.h"

#include <gtest/gtest.h>

namespace secplat::core::auth {
namespace {

using model::Role;

// Verifies the whole role x permission matrix, row by row.
TEST(Authorize, MatrixMatchesTheDocumentedRoles) {
  struct Row {
    Permission p;
    bool viewer, analyst, admin, service;
  };
  // Verifies: read for all; assets and triage for analyst/admin; ingest findings and scan
  // requests for service/analyst/admin; events, scan-job updates, posture writes and the
  // notifier's state for service/admin; the rest admin only.
  const Row rows[] = {
      {Permission::kRead, true, true, true, true},
      {Permission::kWriteAssets, false, true, true, false},
      {Permission::kTriageFindings, false, true, true, false},
      {Permission::kIngestFindings, false, true, true, true},
      {Permission::kIngestEvents, false, false, true, true},
      {Permission::kRequestScans, false, true, true, true},
      {Permission::kUpdateScanJobs, false, false, true, true},
      {Permission::kWritePosture, false, false, true, true},
      {Permission::kWriteNotifications, false, false, true, true},
      {Permission::kAdminister, false, false, true, false},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(Allows(Role::kViewer, r.p), r.viewer) << PermissionName(r.p);
    EXPECT_EQ(Allows(Role::kAnalyst, r.p), r.analyst) << PermissionName(r.p);
    EXPECT_EQ(Allows(Role::kAdmin, r.p), r.admin) << PermissionName(r.p);
    EXPECT_EQ(Allows(Role::kService, r.p), r.service) << PermissionName(r.p);
  }
}

}  // namespace
}  // namespace secplat::core::auth
