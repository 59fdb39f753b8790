// ApiService: the API's operations, one method per use case, over the store ports. Handlers
// decode requests, call these, and encode the results; every rule that is not pure domain
// logic (core/) but also not HTTP lives here: finding-key derivation when the caller gave none,
// scan idempotency keys, token issuance and the last-admin guard.
#ifndef SECPLAT_SERVICES_API_API_SERVICE_H_
#define SECPLAT_SERVICES_API_API_SERVICE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/findings/lifecycle.h"
#include "core/model/asset.h"
#include "core/model/auth.h"
#include "core/model/event.h"
#include "core/model/finding.h"
#include "core/model/scan_job.h"
#include "ports/platform/platform.h"
#include "ports/store/store.h"

namespace secplat::services::api {

// Who is calling and on behalf of which request; turned into a store WriteContext.
struct CallMeta {
  core::model::Actor actor;
  std::string request_id;
  Timestamp now{};
};

struct IssuedToken {
  core::model::ApiToken token;
  std::string plaintext;  // shown once
};

class ApiService {
 public:
  // `store` must outlive this object. Thread-safe (the store is).
  explicit ApiService(ports::store::Store& store) : store_(store) {}

  Result<core::model::Asset> CreateAsset(const core::model::Asset& asset, const CallMeta& m);
  Result<core::model::Asset> UpdateAsset(
      const std::string& asset_key,
      const std::function<Result<core::model::Asset>(const core::model::Asset&)>& apply_patch,
      const CallMeta& m);
  Result<core::model::Asset> DeleteAsset(const std::string& asset_key, const CallMeta& m);

  // Derives finding_key (core::contracts::DeriveFindingKey) when absent and fills observed_at.
  Result<ports::store::UpsertOutcome> RecordFinding(core::model::FindingObservation obs,
                                                    const CallMeta& m);
  Result<std::vector<ports::store::UpsertOutcome>> RecordFindings(
      std::vector<core::model::FindingObservation> batch, const CallMeta& m);
  Result<core::model::Finding> ChangeFindingStatus(const std::string& finding_key,
                                                   core::findings::StatusChange change,
                                                   const CallMeta& m);

  // Fills request_id from the request when the envelope has none.
  Result<ports::store::AppendOutcome> RecordEvent(core::model::Envelope envelope,
                                                  const CallMeta& m);

  // Computes {scan_type}+{asset_key}+{period_bucket} when `idempotency_key` is empty.
  // Errors: kNotFound (asset), kInvalidArgument (disabled asset or scan type).
  Result<ports::store::ScanJobOutcome> RequestScan(const std::string& asset_key,
                                                   const std::string& scan_type,
                                                   const std::string& idempotency_key,
                                                   const CallMeta& m);

  // The posture record of an active asset; nullopt when it was never derived. Errors:
  // kNotFound (asset absent or deleted), kInternal (a stored document does not decode),
  // kUnavailable.
  Result<std::optional<ports::platform::PostureRecord>> GetPosture(const std::string& asset_key);
  // Stores the deriver's record for `asset_key` if the stored version is `expected_version`
  // (0: none yet): status.asset_key and each transition's asset_key must be empty or
  // `asset_key`; only the newest ports::platform::kMaxRecentTransitions transitions are kept.
  // Returns the stored record (new version, updated_at = now). Errors: kInvalidArgument,
  // kConflict (version moved on: re-read and re-derive), kNotFound, kUnavailable.
  Result<ports::platform::PostureRecord> PutPosture(const std::string& asset_key,
                                                    ports::platform::PostureRecord record,
                                                    int64_t expected_version, const CallMeta& m);

  // Issues a new token; the plaintext is returned once and never stored.
  Result<IssuedToken> IssueToken(const std::string& name, core::model::Role role,
                                 const CallMeta& m);
  // Errors: kNotFound, kConflict (would revoke the last active admin).
  Status RevokeToken(const std::string& token_id, const CallMeta& m);

  // Records a person's action on something outside the store (e.g. a dead-letter replay).
  // `after_json` must be a JSON object. Errors: kUnavailable.
  Status Audit(const std::string& action, const std::string& target, const std::string& after_json,
               const CallMeta& m);

  ports::store::Store& store() { return store_; }

 private:
  ports::store::WriteContext Ctx(const CallMeta& m) const {
    return {m.actor.Display(), m.request_id, m.now};
  }
  ports::store::Store& store_;
};

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_API_SERVICE_H_
