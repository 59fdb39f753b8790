// ports/platform: what the roles other than `api` need from the platform. Only the api role
// opens the database; every other role reads and writes through these interfaces, served over
// HTTP with a service token by adapters/api_client (HttpPlatform). Each interface is narrow so
// a role depends only on what it uses, and a unit test fakes only that.
//
//   ScanGateway& api = platform;          // the worker
//   auto job = api.UpdateScanJobStatus(42, ScanJobStatus::kRunning, "");
//   if (!job.has_value() && IsRetryable(job.error().code)) { /* retry the message later */ }
//
// Errors follow core/common/error.h: kUnavailable / kDeadlineExceeded when the API cannot be
// reached or answers 503/504 (retry later), kNotFound, kConflict, kInvalidArgument as the API
// answered them (the message quotes the API's error message).
#ifndef SECPLAT_PORTS_PLATFORM_PLATFORM_H_
#define SECPLAT_PORTS_PLATFORM_PLATFORM_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/asset.h"
#include "core/model/event.h"
#include "core/model/finding.h"
#include "core/model/posture.h"
#include "core/model/scan_job.h"

namespace secplat::ports::platform {

// One page of assets; `next_cursor` empty on the last page.
struct AssetPage {
  std::vector<core::model::Asset> items;
  std::string next_cursor;
};

// Registered assets (scheduler, deriver, worker).
class AssetSource {
 public:
  virtual ~AssetSource() = default;
  // Errors: kNotFound (absent or deleted), kUnavailable.
  virtual Result<core::model::Asset> GetAsset(std::string_view asset_key) = 0;
  // Active (not deleted) assets, ordered, `limit` per page (1..1000), from `cursor` ("" = start).
  virtual Result<AssetPage> ListAssets(std::string_view cursor, int limit) = 0;
};

// Requests scans (scheduler).
class ScanRequester {
 public:
  virtual ~ScanRequester() = default;
  struct Requested {
    core::model::ScanJob job;
    bool created = false;  // false: a job with that idempotency key already existed
  };
  // Idempotent on `idempotency_key` ({scan_type}+{asset_key}+{bucket}). Errors: kNotFound (no
  // such asset), kInvalidArgument (asset or scan type disabled), kUnavailable.
  virtual Result<Requested> RequestScan(std::string_view asset_key, std::string_view scan_type,
                                        std::string_view idempotency_key) = 0;
};

// Reports a scan's progress and results (worker).
class ScanReporter {
 public:
  virtual ~ScanReporter() = default;
  // Errors: kNotFound, kUnavailable.
  virtual Result<core::model::ScanJob> GetScanJob(int64_t id) = 0;
  // Errors: kConflict (transition not allowed from the job's current status), kNotFound, ...
  virtual Result<core::model::ScanJob> UpdateScanJobStatus(int64_t id,
                                                           core::model::ScanJobStatus status,
                                                           std::string_view error) = 0;
  // Appends to the job's log_output. Errors: kResourceExhausted (log full), kNotFound, ...
  virtual Status AppendScanJobLog(int64_t id, std::string_view text) = 0;
  // Upserts findings in one all-or-nothing batch (at most 1,000). Idempotent per finding key.
  virtual Status RecordFindings(std::span<const core::model::FindingObservation> batch) = 0;
};

// Appends events (worker, deriver). Idempotent on envelope.event_id: recording the same event
// twice stores it once and is not an error.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual Status RecordEvent(const core::model::Envelope& envelope) = 0;
  // Records every envelope (each idempotent as RecordEvent); OK only when all are stored.
  // This default records them one by one; HttpPlatform sends batches
  // (POST /api/v1/events/batch).
  virtual Status RecordEvents(std::span<const core::model::Envelope> envelopes) {
    for (const core::model::Envelope& e : envelopes) {
      auto s = RecordEvent(e);
      if (!s.has_value()) return s;
    }
    return OkStatus();
  }
};

// One asset's derived posture as stored by the api (one record per asset, written only by the
// deriver): the full status the next derivation continues from, its score, and the recent
// transitions with their reasons.
struct PostureRecord {
  core::model::PostureStatus status;
  core::model::PostureScore score;
  // Newest last; the store keeps at most kMaxRecentTransitions.
  std::vector<core::model::PostureTransition> recent_transitions;
  int64_t version = 0;  // bumped on every write; 0 in a record never stored
  Timestamp updated_at{};
  // When the deriver must look at the asset again even if no result arrives: the moment its
  // newest result goes stale (last_result_at + stale_after). Unset: nothing pending (never
  // checked, or already stale). The sweep asks for records with check_by <= now.
  std::optional<Timestamp> check_by;
};
inline constexpr int kMaxRecentTransitions = 50;

// The most items one batch call of the API takes (posture batch routes, events batch).
inline constexpr int kMaxBatchItems = 1000;

// What deriving one asset needs, read for many assets at once (GetPostureInputs).
struct PostureInputs {
  std::string asset_key;
  // Ok, or kNotFound when the asset is absent or deleted (the other members then empty).
  Status status;
  core::model::Asset asset;
  std::optional<PostureRecord> record;  // nullopt: never derived
  core::model::OpenFindingCounts open_findings;
};

// One write of PutPostureBatch: a PutPosture call. The record names its asset in
// status.asset_key.
struct PostureWrite {
  PostureRecord record;
  int64_t expected_version = 0;
};

// Reads and writes posture records (deriver).
class PostureGateway {
 public:
  virtual ~PostureGateway() = default;
  // nullopt when the asset was never derived. Errors: kNotFound (no such asset), kUnavailable.
  virtual Result<std::optional<PostureRecord>> GetPosture(std::string_view asset_key) = 0;
  // Stores `record` if the stored version still equals `expected_version` (0: none stored);
  // returns it with the new version. Errors: kConflict (another writer got there first: re-read
  // and re-derive), kNotFound (asset gone), kInvalidArgument, kUnavailable.
  virtual Result<PostureRecord> PutPosture(const PostureRecord& record,
                                           int64_t expected_version) = 0;
  // Asset keys whose record has check_by <= `now`, ascending by (check_by, asset_key), at most
  // `limit`, from `cursor` ("" = start); the next cursor in AssetKeyPage::next_cursor.
  // Errors: kUnavailable.
  struct AssetKeyPage {
    std::vector<std::string> asset_keys;
    std::string next_cursor;
  };
  virtual Result<AssetKeyPage> ListPostureDue(Timestamp now, std::string_view cursor,
                                              int limit) = 0;
  // Open findings of the asset by severity (for the posture score). Errors: kUnavailable.
  virtual Result<core::model::OpenFindingCounts> CountOpenFindings(std::string_view asset_key) = 0;

  // Batches for the sweep (a few requests instead of several per asset).
  // GetAsset + GetPosture + CountOpenFindings for each key, in the order given (an unknown or
  // deleted asset is an item with status kNotFound). Keys must be distinct; any number (the
  // implementation splits into kMaxBatchItems). Errors of the whole call: kInvalidArgument,
  // kUnavailable.
  virtual Result<std::vector<PostureInputs>> GetPostureInputs(
      std::span<const std::string> asset_keys) = 0;
  // PutPosture for each write, each its own compare-and-set; per write, in order, the new
  // version or that write's error (kConflict: re-read and re-derive; kNotFound: asset gone).
  // Assets must be distinct. Errors of the whole call: kInvalidArgument, kUnavailable (then
  // some writes may be stored: their versions moved on, and a retry sees kConflict).
  virtual Result<std::vector<Result<int64_t>>> PutPostureBatch(
      std::span<const PostureWrite> writes) = 0;
};

}  // namespace secplat::ports::platform

#endif  // SECPLAT_PORTS_PLATFORM_PLATFORM_H_
