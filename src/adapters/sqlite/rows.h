// Internal to adapters/sqlite: the column lists of each table, reading model structs from
// result rows, and the JSON text of each record for audit_log before/after.
#ifndef SECPLAT_ADAPTERS_SQLITE_ROWS_H_
#define SECPLAT_ADAPTERS_SQLITE_ROWS_H_

#include <algorithm>
#include <string>
#include <string_view>

#include "adapters/sqlite/connection.h"
#include "core/common/result.h"
#include "core/model/asset.h"
#include "core/model/audit.h"
#include "core/model/auth.h"
#include "core/model/event.h"
#include "core/model/finding.h"
#include "core/model/scan_job.h"
#include "ports/store/notification_store.h"
#include "ports/store/posture_store.h"

// Column lists in the order the Read* functions expect them (string literals, so SQL text is
// assembled at compile time).
#define SECPLAT_SQLITE_ASSET_COLUMNS                                                    \
  "assets.id, assets.asset_key, assets.name, assets.kind, assets.url, assets.host, "    \
  "assets.port, assets.owner, assets.criticality, assets.environment, assets.enabled, " \
  "assets.created_at, assets.updated_at, assets.deleted_at, assets.version"
#define SECPLAT_SQLITE_FINDING_COLUMNS                                                  \
  "id, finding_key, asset_key, source, check_id, location, category, title, severity, " \
  "status, evidence, first_seen, last_seen, occurrences, resolved_at, accepted_until, " \
  "accepted_by, status_reason, updated_at"
#define SECPLAT_SQLITE_EVENT_COLUMNS                                                  \
  "seq, event_id, event_type, ts, org_id, request_id, asset_key, severity, payload, " \
  "received_at"
#define SECPLAT_SQLITE_SCAN_JOB_COLUMNS                                                     \
  "id, idempotency_key, scan_type, asset_key, status, attempts, requested_by, request_id, " \
  "log_output, last_error, created_at, updated_at, started_at, finished_at"
#define SECPLAT_SQLITE_TOKEN_COLUMNS \
  "id, name, role, secret_hash, created_by, created_at, revoked_at"
#define SECPLAT_SQLITE_AUDIT_COLUMNS \
  "id, ts, actor, action, target, before_json, after_json, request_id"

namespace secplat::adapters::sqlite::internal {

// The number of columns in a list such as SECPLAT_SQLITE_ASSET_COLUMNS (no commas inside one).
constexpr int ColumnCount(std::string_view columns) {
  return 1 + static_cast<int>(std::count(columns.begin(), columns.end(), ','));
}

// Each reads the current row of `s` (columns as listed above). Errors: kInternal when a
// stored enum name is unknown (a newer or damaged database).
Result<core::model::Asset> ReadAsset(const Statement& s);  // labels and scan not filled
Result<core::model::Finding> ReadFinding(const Statement& s);
Result<core::model::StoredEvent> ReadEvent(const Statement& s);
Result<core::model::ScanJob> ReadScanJob(const Statement& s);
Result<core::model::ApiToken> ReadToken(const Statement& s);
core::model::AuditEntry ReadAudit(const Statement& s);

// JSON text of a record for audit_log. Scan jobs omit log_output (log_bytes instead) and
// tokens omit secret_hash: audit rows must not copy logs or secrets. An event's row is a
// reference to the event — {seq, event_type, asset_key} — since the event row itself is
// append-only and immutable (and event_id, request_id and received_at are the audit row's own
// target, request_id and ts).
std::string AssetJson(const core::model::Asset& a);
std::string FindingJson(const core::model::Finding& f);
std::string EventJson(const core::model::StoredEvent& e);
std::string ScanJobJson(const core::model::ScanJob& j);
std::string TokenJson(const core::model::ApiToken& t);
// A posture record's summary: {state, since, score, grade, version}.
std::string PostureJson(const ports::store::StoredPosture& p);

// The checks of a posture record both stores make, in this order and with these messages:
// score and confidence 0..100, a grade, the status and score JSON objects, the transitions a
// JSON array. Errors: kInvalidArgument.
Status ValidatePosture(const ports::store::StoredPosture& p);

// What a delivery is about is fixed at creation: kInvalidArgument ("<what>: channel cannot
// change (stored 'x')") when `row` differs from the stored event_id, channel, asset_key or
// created_at. Both stores check it, after the version and the state.
Status SameDeliveryIdentity(std::string_view what, const ports::store::StoredDeliveryRow& row,
                            std::string_view event_id, std::string_view channel,
                            std::string_view asset_key, Timestamp created_at);

}  // namespace secplat::adapters::sqlite::internal

#endif  // SECPLAT_ADAPTERS_SQLITE_ROWS_H_
