#include "services/api/api_service.h"

#include "adapters/json/posture_codec.h"
#include "adapters/system/crypto.h"
#include "core/contracts/keys.h"
#include "core/scans/defaults.h"
#include "core/schedule/due.h"

namespace secplat::services::api {

using core::model::Asset;
using core::model::FindingObservation;

Result<Asset> ApiService::CreateAsset(const Asset& asset, const CallMeta& m) {
  return store_.CreateAsset(asset, Ctx(m));
}

Result<Asset> ApiService::UpdateAsset(const std::string& asset_key,
                                      const std::function<Result<Asset>(const Asset&)>& apply_patch,
                                      const CallMeta& m) {
  // Optimistic concurrency: re-read and re-apply when another writer won the race.
  for (int attempt = 0;; ++attempt) {
    SECPLAT_ASSIGN_OR_RETURN(Asset current, store_.GetAsset(asset_key));
    SECPLAT_ASSIGN_OR_RETURN(Asset updated, apply_patch(current));
    updated.version = current.version;
    auto r = store_.UpdateAsset(updated, Ctx(m));
    if (r.has_value() || r.error().code != ErrorCode::kConflict || attempt >= 3) return r;
  }
}

Result<Asset> ApiService::DeleteAsset(const std::string& asset_key, const CallMeta& m) {
  return store_.DeleteAsset(asset_key, Ctx(m));
}

namespace {
void Complete(FindingObservation& obs, Timestamp now) {
  if (obs.finding_key.empty())
    obs.finding_key =
        core::contracts::DeriveFindingKey(obs.asset_key, obs.source, obs.check_id, obs.location);
  if (!obs.observed_at) obs.observed_at = now;
}
}  // namespace

Result<ports::store::UpsertOutcome> ApiService::RecordFinding(FindingObservation obs,
                                                              const CallMeta& m) {
  Complete(obs, m.now);
  return store_.UpsertFinding(obs, Ctx(m));
}

Result<std::vector<ports::store::UpsertOutcome>> ApiService::RecordFindings(
    std::vector<FindingObservation> batch, const CallMeta& m) {
  for (auto& obs : batch) Complete(obs, m.now);
  return store_.UpsertFindings(batch, Ctx(m));
}

Result<core::model::Finding> ApiService::ChangeFindingStatus(const std::string& finding_key,
                                                             core::findings::StatusChange change,
                                                             const CallMeta& m) {
  change.actor = m.actor.Display();
  return store_.ChangeFindingStatus(finding_key, change, Ctx(m));
}

Result<ports::store::AppendOutcome> ApiService::RecordEvent(core::model::Envelope envelope,
                                                            const CallMeta& m) {
  if (envelope.request_id.empty()) envelope.request_id = m.request_id;
  return store_.AppendEvent(envelope, Ctx(m));
}

Result<std::optional<ports::platform::PostureRecord>> ApiService::GetPosture(
    const std::string& asset_key) {
  SECPLAT_ASSIGN_OR_RETURN(auto row, store_.GetPosture(asset_key));
  if (!row) return std::optional<ports::platform::PostureRecord>();
  SECPLAT_ASSIGN_OR_RETURN(auto record, adapters::json::FromStoredPosture(*row));
  return std::optional<ports::platform::PostureRecord>(std::move(record));
}

Result<ports::platform::PostureRecord> ApiService::PutPosture(const std::string& asset_key,
                                                              ports::platform::PostureRecord record,
                                                              int64_t expected_version,
                                                              const CallMeta& m) {
  auto invalid = [&asset_key](const std::string& field) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      field + ": must be empty or '" + asset_key + "' (the asset of the path)");
  };
  if (!record.status.asset_key.empty() && record.status.asset_key != asset_key)
    return invalid("status.asset_key");
  for (size_t i = 0; i < record.recent_transitions.size(); ++i) {
    const auto& t = record.recent_transitions[i];
    if (!t.asset_key.empty() && t.asset_key != asset_key)
      return invalid("recent_transitions[" + std::to_string(i) + "].asset_key");
  }
  auto& ts = record.recent_transitions;
  if (ts.size() > static_cast<size_t>(ports::platform::kMaxRecentTransitions))
    ts.erase(ts.begin(), ts.end() - ports::platform::kMaxRecentTransitions);
  SECPLAT_ASSIGN_OR_RETURN(ports::store::StoredPosture stored,
                           store_.PutPosture(adapters::json::ToStoredPosture(asset_key, record),
                                             expected_version, Ctx(m)));
  record.version = stored.version;
  record.updated_at = stored.updated_at;
  return record;
}

Result<ports::store::ScanJobOutcome> ApiService::RequestScan(const std::string& asset_key,
                                                             const std::string& scan_type,
                                                             const std::string& idempotency_key,
                                                             const CallMeta& m) {
  SECPLAT_ASSIGN_OR_RETURN(Asset asset, store_.GetAsset(asset_key));
  if (!asset.enabled)
    return Unexpected(ErrorCode::kInvalidArgument,
                      "asset_key: asset '" + asset_key + "' is disabled");
  auto setting = asset.scan.find(scan_type);
  if (setting != asset.scan.end() && !setting->second.enabled)
    return Unexpected(ErrorCode::kInvalidArgument,
                      "scan_type: " + scan_type + " is disabled for asset '" + asset_key + "'");
  core::model::ScanJob job;
  job.asset_key = asset_key;
  job.scan_type = scan_type;
  // The scheduler's key rule (core/schedule): one job per asset, scan type and jittered period,
  // so a scan requested by a person and the scheduled one of the same period coincide.
  job.idempotency_key = idempotency_key.empty() ? core::schedule::ScheduledScanKey(
                                                      scan_type, asset_key, m.now,
                                                      core::scans::IntervalFor(asset, scan_type))
                                                : idempotency_key;
  job.requested_by = m.actor.Display();
  job.request_id = m.request_id;
  return store_.CreateScanJob(job, Ctx(m));
}

Result<IssuedToken> ApiService::IssueToken(const std::string& name, core::model::Role role,
                                           const CallMeta& m) {
  auto generated = adapters::system::NewApiToken();
  IssuedToken out;
  out.token.id = generated.id;
  out.token.name = name;
  out.token.role = role;
  out.token.secret_hash = generated.secret_hash;
  out.token.created_by = m.actor.Display();
  out.token.created_at = m.now;
  out.plaintext = std::move(generated.plaintext);
  SECPLAT_RETURN_IF_ERROR(store_.CreateToken(out.token, Ctx(m)));
  return out;
}

Status ApiService::Audit(const std::string& action, const std::string& target,
                         const std::string& after_json, const CallMeta& m) {
  core::model::AuditEntry entry;
  entry.ts = m.now;
  entry.actor = m.actor.Display();
  entry.action = action;
  entry.target = target;
  entry.after_json = after_json;
  entry.request_id = m.request_id;
  return store_.AppendAudit(entry);
}

Status ApiService::RevokeToken(const std::string& token_id, const CallMeta& m) {
  SECPLAT_ASSIGN_OR_RETURN(core::model::ApiToken token, store_.FindToken(token_id));
  if (token.role == core::model::Role::kAdmin && !token.revoked_at) {
    SECPLAT_ASSIGN_OR_RETURN(int64_t admins, store_.CountActiveAdmins());
    if (admins <= 1)
      return Unexpected(ErrorCode::kConflict,
                        "refusing to revoke the last active admin token; create another first");
  }
  return store_.RevokeToken(token_id, Ctx(m));
}

}  // namespace secplat::services::api
