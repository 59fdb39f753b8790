// PostureStore: one derived posture record per asset (written only by the deriver, through the
// API), with an atomic compare-and-set on its version, and the list/count queries of
// GET /api/v1/posture. Implemented by adapters/sqlite (and adapters/postgres); every
// implementation passes tests/contract/posture_store_contract.h.
//
// The store keeps the summary columns the list filters and sorts on (state, score, grade,
// confidence, since, last_result_at) and three JSON documents it never interprets: the full
// core::model::PostureStatus (ring included), the PostureScore and the recent transitions, in
// the format of adapters/json/posture_codec.h. Keeping the documents opaque keeps JSON
// libraries out of the database adapters and gives both backends one format owner; the API
// (services/api ApiService::PutPosture) encodes them and checks that the summary columns agree
// with the status.
//
//   StoredPosture p{.asset_key = "web-1", .state = PostureState::kDown, ...};
//   auto first = store.PutPosture(p, /*expected_version=*/0, ctx);   // version 1
//   auto again = store.PutPosture(p, /*expected_version=*/0, ctx);   // kConflict
//   auto next = store.PutPosture(p, first->version, ctx);            // version 2
//
// Audit: a write is audited (action "posture.change", target "posture:<asset_key>", before and
// after {state, since, score, grade, version}) only when it creates the record or changes its
// state. The deriver rewrites every asset on each sweep (confidence and evaluated_at move on);
// an audit row per write would bury the changes that matter.
#ifndef SECPLAT_PORTS_STORE_POSTURE_STORE_H_
#define SECPLAT_PORTS_STORE_POSTURE_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/posture.h"
#include "ports/store/common.h"

namespace secplat::ports::store {

// One asset's stored posture. In list items the three documents are empty.
struct StoredPosture {
  std::string asset_key;
  core::model::PostureState state = core::model::PostureState::kUnknown;
  std::optional<Timestamp> since;           // when `state` was entered
  std::optional<Timestamp> last_result_at;  // newest up/down health result
  int score = 0;                            // posture score 0..100
  std::string grade;                        // "A".."F"
  int confidence = 0;                       // 0..100
  std::string status_json;                  // the PostureStatus (adapters/json EncodePostureStatus)
  std::string score_json;        // the PostureScore with its reasons (EncodePostureScore)
  std::string transitions_json;  // JSON array of PostureTransition, newest last
  // Bumped by every write; the first write stores 1. 0 in a list item of an asset that was
  // never derived (no record: state unknown, no score, grade or documents).
  int64_t version = 0;
  Timestamp updated_at{};  // WriteContext::now of the last write
  // When the deriver must look at the asset again without a new result (its newest result
  // goes stale then); unset: nothing pending. ListPostureDue reads it.
  std::optional<Timestamp> check_by;

  bool operator==(const StoredPosture&) const = default;
};

// List filters; unset fields match everything. An asset never derived counts as state unknown
// and has no grade.
struct PostureFilter {
  std::optional<core::model::PostureState> state;
  std::optional<std::string> grade;
};

// A position in ListPostureDue's order.
struct PostureDueKey {
  Timestamp check_by{};
  std::string asset_key;

  bool operator==(const PostureDueKey&) const = default;
};

// One page of ListPostureDue; `next_after` unset on the last page.
struct PostureDuePage {
  std::vector<PostureDueKey> items;
  std::optional<PostureDueKey> next_after;
};

// One write of PutPostures: what PutPosture takes.
struct StoredPostureWrite {
  StoredPosture record;
  int64_t expected_version = 0;
};

class PostureStore {
 public:
  virtual ~PostureStore() = default;

  // The record of an active asset, or nullopt when it was never derived. Errors: kNotFound
  // (asset absent or soft-deleted), kUnavailable.
  virtual Result<std::optional<StoredPosture>> GetPosture(std::string_view asset_key) = 0;

  // GetPosture for many assets, in order: per key the record (nullopt: never derived) or
  // kNotFound (asset absent or soft-deleted). Errors of the whole call: kUnavailable. Calls
  // GetPosture per key; the deriver's batch read is Store::GetPostureInputs, which SqliteStore
  // does in one read transaction.
  virtual Result<std::vector<Result<std::optional<StoredPosture>>>> GetPostures(
      std::span<const std::string> asset_keys) {
    std::vector<Result<std::optional<StoredPosture>>> out;
    out.reserve(asset_keys.size());
    for (const std::string& key : asset_keys) {
      auto r = GetPosture(key);
      if (!r.has_value() && r.error().code != ErrorCode::kNotFound) return Unexpected(r.error());
      out.push_back(std::move(r));
    }
    return out;
  }

  // Stores `record` (all fields but version and updated_at) if the stored version still equals
  // `expected_version` (0: no record stored yet), atomically; returns what was stored, with the
  // new version (expected_version + 1) and updated_at = ctx.now. Errors: kConflict (the stored
  // version differs; the message names both), kNotFound (asset absent or soft-deleted),
  // kInvalidArgument (score/confidence outside 0..100, an empty grade, documents that are not
  // JSON: status and score objects, transitions an array), kUnavailable.
  virtual Result<StoredPosture> PutPosture(const StoredPosture& record, int64_t expected_version,
                                           const WriteContext& ctx) = 0;

  // Many PutPosture calls at once (the deriver's sweep): each write is checked, compared-and-set
  // and audited exactly as PutPosture would, in order, and gets its own outcome — the stored
  // record or that write's error (kConflict, kNotFound, kInvalidArgument); one write failing
  // leaves the others alone. This default calls PutPosture per write (its kUnavailable then
  // comes per write); SqliteStore runs the whole batch in one transaction, so an error of the
  // database fails the call (kUnavailable) and writes nothing.
  virtual Result<std::vector<Result<StoredPosture>>> PutPostures(
      std::span<const StoredPostureWrite> writes, const WriteContext& ctx) {
    std::vector<Result<StoredPosture>> out;
    out.reserve(writes.size());
    for (const StoredPostureWrite& w : writes)
      out.push_back(PutPosture(w.record, w.expected_version, ctx));
    return out;
  }

  // Active assets with their posture summary (documents left empty), ordered by asset id: also
  // the assets never derived (version 0, state unknown). `next_after` is an asset id.
  // Errors: kUnavailable.
  virtual Result<Page<StoredPosture>> ListPosture(const PostureFilter& filter,
                                                  const PageRequest& page) = 0;

  // Active assets whose record has check_by <= `now`, ascending by (check_by, asset_key),
  // strictly after `after` when given, at most `limit` (clamped to 1..1000). Errors:
  // kUnavailable.
  virtual Result<PostureDuePage> ListPostureDue(Timestamp now,
                                                const std::optional<PostureDueKey>& after,
                                                int limit) = 0;

  // Active assets per shown state, assets never derived counted as unknown; states with no
  // asset are absent. Errors: kUnavailable.
  virtual Result<std::map<core::model::PostureState, int64_t>> CountPostureByState() = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_POSTURE_STORE_H_
