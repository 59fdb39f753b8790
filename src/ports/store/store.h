// Store: every storage port of the api role, implemented together by one adapter
// (SqliteStore, later PgStore) so that a write, its audit row and its outbox row share a
// transaction.
// Other roles never see this: they talk to the API (ports/platform).
#ifndef SECPLAT_PORTS_STORE_STORE_H_
#define SECPLAT_PORTS_STORE_STORE_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ports/store/asset_store.h"
#include "ports/store/event_store.h"
#include "ports/store/finding_store.h"
#include "ports/store/notification_store.h"
#include "ports/store/outbox_store.h"
#include "ports/store/posture_store.h"
#include "ports/store/scan_job_store.h"
#include "ports/store/token_store.h"

namespace secplat::ports::store {

// What the deriver continues one asset from (Store::GetPostureInputs).
struct PostureInputs {
  core::model::Asset asset;              // with labels and scan settings
  std::optional<StoredPosture> posture;  // nullopt: never derived
  FindingCounts open_findings;           // open findings by severity
};

class Store : public AssetStore,
              public FindingStore,
              public EventStore,
              public ScanJobStore,
              public OutboxStore,
              public PostureStore,
              public NotificationStore,
              public TokenStore,
              public AuditReader,
              public StoreHealth {
 public:
  ~Store() override = default;

  // The deriver's batch read, in order: per key the active asset, its posture record and its
  // open findings by severity, or kNotFound (asset absent or soft-deleted). Errors of the whole
  // call: kUnavailable, kInternal (a damaged row). This default calls GetPostures, GetAsset and
  // CountFindings per key; SqliteStore reads everything in one read transaction, so the answer
  // is one snapshot and each asset row is looked up once.
  virtual Result<std::vector<Result<PostureInputs>>> GetPostureInputs(
      std::span<const std::string> asset_keys) {
    SECPLAT_ASSIGN_OR_RETURN(auto postures, GetPostures(asset_keys));
    if (postures.size() != asset_keys.size())
      return Unexpected(ErrorCode::kInternal,
                        "GetPostures answered " + std::to_string(postures.size()) +
                            " records for " + std::to_string(asset_keys.size()) + " keys");
    std::vector<Result<PostureInputs>> out;
    out.reserve(asset_keys.size());
    for (size_t i = 0; i < asset_keys.size(); ++i) {
      if (!postures[i].has_value()) {  // kNotFound
        out.push_back(Unexpected(postures[i].error()));
        continue;
      }
      auto asset = GetAsset(asset_keys[i]);  // kNotFound when deleted since
      if (!asset.has_value()) {
        if (asset.error().code != ErrorCode::kNotFound) return Unexpected(asset.error());
        out.push_back(Unexpected(asset.error()));
        continue;
      }
      FindingFilter open;
      open.asset_key = asset_keys[i];
      open.status = core::model::FindingStatus::kOpen;
      SECPLAT_ASSIGN_OR_RETURN(FindingCounts counts, CountFindings(open));
      out.push_back(PostureInputs{
          .asset = *std::move(asset), .posture = *std::move(postures[i]), .open_findings = counts});
    }
    return out;
  }
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_STORE_H_
