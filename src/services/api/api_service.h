// ApiService: the API's operations, one method per use case, over the store ports. Handlers
// decode requests, call these, and encode the results; every rule that is not pure domain
// logic (core/) but also not HTTP lives here: finding-key derivation when the caller gave none,
// scan idempotency keys, token issuance and the last-admin guard.
#ifndef SECPLAT_SERVICES_API_API_SERVICE_H_
#define SECPLAT_SERVICES_API_API_SERVICE_H_

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/json/notification_codec.h"
#include "adapters/json/posture_codec.h"
#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/findings/lifecycle.h"
#include "core/model/asset.h"
#include "core/model/auth.h"
#include "core/model/event.h"
#include "core/model/finding.h"
#include "core/model/scan_job.h"
#include "ports/platform/notifications.h"
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
  // The deriver's batch read: for each key, in order, the active asset, its open findings by
  // severity and its posture record with the documents as stored (nullopt: never derived); an
  // absent or deleted asset is an item with kNotFound. Errors: kUnavailable, kInternal.
  Result<std::vector<adapters::json::PostureInputsRow>> GetPostureInputs(
      std::span<const std::string> asset_keys);
  // PutPosture for each item (same checks, each its own compare-and-set), stored in one store
  // call (one SQLite transaction); per item, in order, the stored record or kConflict /
  // kNotFound. Errors of the whole call: kInvalidArgument naming the item ("items[3].status.
  // asset_key: ..."), kUnavailable.
  Result<std::vector<Result<ports::platform::PostureRecord>>> PutPostures(
      std::vector<adapters::json::PostureBatchPutItem> items, const CallMeta& m);
  // RecordEvent for each envelope in one store call (one SQLite transaction, all or nothing).
  Result<std::vector<ports::store::AppendOutcome>> RecordEvents(
      std::vector<core::model::Envelope> envelopes, const CallMeta& m);

  // ---- Notifications: the notifier's state (docs/notifier.md "API and storage") ----------------
  // Records travel as the platform structs (ports/platform/notifications.h); the store keeps
  // index columns plus one document (adapters/json/notification_codec.h). A list skips a row
  // whose document does not decode (logged at error: a damaged row must not stop a sweep).

  // The log entry of (channel, problem_key); nullopt when none. Errors: kInternal (damaged
  // document), kUnavailable.
  Result<std::optional<ports::platform::NotifyLogRecord>> GetNotifyLog(
      const std::string& channel, const std::string& problem_key);
  // Stores `record` under (channel, problem_key) if the stored version is `expected_version` (0:
  // none yet); record.entry.channel / problem_key must be empty (filled in) or equal to them.
  // Returns it with the new version and updated_at = now. Errors: kInvalidArgument, kConflict,
  // kUnavailable.
  Result<ports::platform::NotifyLogRecord> PutNotifyLog(const std::string& channel,
                                                        const std::string& problem_key,
                                                        ports::platform::NotifyLogRecord record,
                                                        int64_t expected_version,
                                                        const CallMeta& m);
  // Firing entries whose next_repeat_at <= now, oldest first, at most `limit` (1..1000).
  Result<std::vector<ports::platform::NotifyLogRecord>> ListRepeatDue(Timestamp now, int limit);

  // Inserts the delivery unless its idempotency key exists (then the stored one, created =
  // false). Errors: kInvalidArgument (empty idempotency key, event id or channel), kUnavailable.
  Result<ports::platform::CreatedDelivery> CreateDelivery(ports::platform::StoredDelivery delivery,
                                                          const CallMeta& m);
  // Replaces the delivery `idempotency_key` (delivery.record.idempotency_key empty or equal) if
  // its stored version is `expected_version` and it is not terminal; event id and channel cannot
  // change and attempts cannot go down. When attempts rose, the attempt (number = attempts, at =
  // last_attempt_at or now, the last_response) is appended to delivery_attempts in the same
  // transaction; last_response is then required. Errors: kInvalidArgument, kNotFound, kConflict
  // (version moved on, or terminal), kUnavailable.
  Result<ports::platform::StoredDelivery> PutDelivery(const std::string& idempotency_key,
                                                      ports::platform::StoredDelivery delivery,
                                                      int64_t expected_version, const CallMeta& m);
  // Non-terminal deliveries whose next_attempt_at <= now, oldest first, at most `limit`.
  Result<std::vector<ports::platform::StoredDelivery>> ListDueDeliveries(Timestamp now, int limit);

  // ---- The notifier's batches (docs/notifier.md "API and storage") ----
  // PutDelivery for every item (keys non-empty) in one store transaction, each item checked and
  // compare-and-set on its own. One outcome per item: the stored delivery or the item's error
  // (kConflict, kNotFound, kInvalidArgument). Errors of the whole call: kInvalidArgument (more
  // than ports::platform::kMaxNotifyBatchItems items), kUnavailable.
  Result<std::vector<Result<ports::platform::StoredDelivery>>> PutDeliveries(
      std::vector<ports::platform::DeliveryPut> items, const CallMeta& m);
  // GetNotifyLog for every key, in order. Errors: kInvalidArgument, kInternal (damaged
  // document), kUnavailable.
  Result<std::vector<std::optional<ports::platform::NotifyLogRecord>>> GetNotifyLogs(
      const std::vector<ports::platform::NotifyLogKey>& keys);
  // Stores every event's deliveries (created unless their key exists), notification-log
  // entries (compare-and-set) and routing record (merged as RecordRouting does) in one store
  // transaction, each event all or nothing. One outcome per event. Errors of the whole call:
  // kInvalidArgument (too many events), kUnavailable.
  Result<std::vector<Result<ports::platform::EventNotificationsResult>>> RecordEventNotifications(
      std::vector<ports::platform::EventNotifications> events, const CallMeta& m);

  // Upserts the routing of `event_id` (record.event_id empty or equal). A target whose reason is
  // "skip_duplicate_event" keeps the decision already stored for its channel (the first
  // handling's "why" survives a redelivery). Returns what was stored. Errors: kInvalidArgument,
  // kUnavailable.
  Result<ports::platform::RoutingRecord> RecordRouting(const std::string& event_id,
                                                       ports::platform::RoutingRecord record,
                                                       const CallMeta& m);
  // Sets the health of `channel` (health.channel empty or equal). Errors: kInvalidArgument,
  // kUnavailable.
  Result<ports::platform::ChannelHealth> SetChannelHealth(const std::string& channel,
                                                          ports::platform::ChannelHealth health,
                                                          const CallMeta& m);
  // Every channel ever reported, by name. Errors: kUnavailable.
  Result<std::vector<ports::platform::ChannelHealth>> ListChannelHealth();

  // The "why was / wasn't I notified" view: routing records (newest first) matching
  // filter.event_id / asset_key, each with its targets' decisions, deliveries and attempts. With
  // filter.channel only the targets on that channel are kept, and records without one are left
  // out (so a page may hold fewer than page.limit items; next_after still continues).
  // Errors: kUnavailable.
  Result<ports::store::Page<adapters::json::NotificationView>> ListNotifications(
      const ports::store::NotificationFilter& filter, const ports::store::PageRequest& page);

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
