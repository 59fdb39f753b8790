// Builders for store tests: valid model values with sensible defaults, so a test spells out
// only what it is about. Header-only, TESTONLY (target secplat::test_support).
//
//   auto asset = store.CreateAsset(MakeAsset("web-1", {{"env", "prod"}}), MakeWriteContext(kT0));
//   auto up = store.UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0));
#ifndef SECPLAT_TESTS_SUPPORT_STORE_BUILDERS_H_
#define SECPLAT_TESTS_SUPPORT_STORE_BUILDERS_H_

#include <string>
#include <utility>

#include "core/common/time.h"
#include "core/model/asset.h"
#include "core/model/auth.h"
#include "core/model/event.h"
#include "core/model/finding.h"
#include "core/model/scan_job.h"
#include "ports/store/common.h"

namespace secplat::testing {

// A web asset "https://<key>.example.test/" with the given labels and one scan setting.
inline core::model::Asset MakeAsset(std::string key, core::model::Labels labels = {}) {
  core::model::Asset a;
  a.name = "Asset " + key;
  a.kind = core::model::AssetKind::kWeb;
  a.url = "https://" + key + ".example.test/";
  a.host = key + ".example.test";
  a.port = 443;
  a.labels = std::move(labels);
  a.owner = "team-sec";
  a.criticality = core::model::Criticality::kHigh;
  a.environment = "production";
  a.enabled = true;
  a.scan["tls_headers"] = core::model::ScanSetting{.enabled = true, .interval_seconds = 3600};
  a.asset_key = std::move(key);
  return a;
}

// An HSTS-missing observation of `finding_key` on `asset_key`, seen at `observed_at`.
inline core::model::FindingObservation MakeObservation(std::string finding_key,
                                                       std::string asset_key,
                                                       Timestamp observed_at) {
  core::model::FindingObservation o;
  o.finding_key = std::move(finding_key);
  o.asset_key = std::move(asset_key);
  o.source = "tls_headers";
  o.check_id = "hsts_missing";
  o.location = "strict-transport-security";
  o.category = "headers";
  o.title = "HSTS header missing";
  o.severity = core::model::Severity::kMedium;
  o.evidence_json = R"({"header":"strict-transport-security","present":false})";
  o.observed_at = observed_at;
  return o;
}

// A scan.completed event (payload {"ok":true}) for `asset_key` at `ts`.
inline core::model::Envelope MakeEnvelope(
    std::string event_id, std::string asset_key, Timestamp ts,
    core::model::EventType type = core::model::EventType::kScanCompleted) {
  core::model::Envelope e;
  e.event_id = std::move(event_id);
  e.event_type = type;
  e.ts = ts;
  e.org_id = "default";
  e.request_id = "req-event";
  e.asset_key = std::move(asset_key);
  e.severity = core::model::Severity::kLow;
  e.payload_json = R"({"ok":true})";
  return e;
}

// A tls_headers job request for `asset_key`.
inline core::model::ScanJob MakeScanJob(std::string idempotency_key, std::string asset_key,
                                        std::string scan_type = "tls_headers") {
  core::model::ScanJob j;
  j.idempotency_key = std::move(idempotency_key);
  j.scan_type = std::move(scan_type);
  j.asset_key = std::move(asset_key);
  j.requested_by = "scheduler";
  j.request_id = "req-job";
  return j;
}

// An active token `id` with `role`, created at `created_at`.
inline core::model::ApiToken MakeToken(std::string id, core::model::Role role,
                                       Timestamp created_at) {
  core::model::ApiToken t;
  t.name = "token " + id;
  t.id = std::move(id);
  t.role = role;
  t.secret_hash = std::string(64, 'a');
  t.created_by = "cli";
  t.created_at = created_at;
  return t;
}

// Who/when of a write.
inline ports::store::WriteContext MakeWriteContext(
    Timestamp now, std::string request_id = "req-1",
    std::string actor = "token:tester/00112233aabbccdd") {
  return ports::store::WriteContext{
      .actor = std::move(actor), .request_id = std::move(request_id), .now = now};
}

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_STORE_BUILDERS_H_
