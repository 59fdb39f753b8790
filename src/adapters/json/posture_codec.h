// Posture <-> JSON: the full PostureStatus the deriver continues from (stored by the api as is),
// scores, transitions, and the documents of the posture routes (schemas in
// services/api/openapi.json):
//
//   GET  /api/v1/posture                 {"items":[list item...],"next_cursor","counts":{...}}
//   GET  /api/v1/posture/{asset_key}     detail
//   PUT  /api/v1/posture/{asset_key}     put body in, detail out
//   GET  /api/v1/posture-due             {"items":[{"asset_key","check_by"}],"next_cursor"}
//   GET  /api/v1/finding-counts          {"total","by_severity":{"critical",...,"info"}}
//   POST /api/v1/posture-batch/get       {"asset_keys":[...]} in, {"items":[inputs...]} out
//   PUT  /api/v1/posture-batch           {"items":[put item...]} in,
//                                        {"items":[outcome...],"counts":{...}} out
//
// The status, score and transition documents are lossless: Decode(Encode(x)) == x for every
// value DerivePosture produces (tests/adapters/json/posture_codec_test.cc checks it over random
// timelines). Doubles are written in their shortest round-trip form; outcome_bits, a 64-bit
// mask, is a string of 16 hex digits (JavaScript numbers stop at 2^53); timestamps are RFC 3339
// UTC with milliseconds; unset optional values are null (and null is accepted back for them
// only). Their decoders are strict like every request decoder (codec.h): every member required,
// unknown members, wrong types, unknown enum names and out-of-range numbers are refused with
// kInvalidArgument naming the path ("status.current.flap_value: must be a number between 0 and
// 1", "recent_transitions[2].reason: must be one of first_result, ...").
//
//   auto step = core::posture::DerivePosture({}, results, rules, now);
//   std::string text = EncodePostureStatus(step.status);
//   auto back = DecodePostureStatus(text);   // *back == step.status
#ifndef SECPLAT_ADAPTERS_JSON_POSTURE_CODEC_H_
#define SECPLAT_ADAPTERS_JSON_POSTURE_CODEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/model/posture.h"
#include "ports/platform/platform.h"
#include "ports/store/finding_store.h"
#include "ports/store/posture_store.h"

namespace secplat::adapters::json {

// Bounds of the decoders (hostile input stays small).
inline constexpr size_t kMaxPostureRing = 64;           // status.ring (flap_window <= 63)
inline constexpr size_t kMaxPostureSeen = 64;           // status.seen
inline constexpr size_t kMaxPostureTransitions = 1000;  // recent_transitions in a PUT body

// ---- Documents -------------------------------------------------------------------------------

// {"asset_key","current":facts,"base":facts,"ring":[{"event_id","observed_at","outcome",
//  "failure_reason"}],"seen":[{"scan_type","last_at"}],"tls_grade","tls_grade_at",
//  "tls_grade_event_id","results_applied","results_duplicate","results_too_old",
//  "results_invalid","confidence":{"score","freshness","completeness","agreement",
//  "probe_error_share","coverage","samples_expected","samples_received","missing_scan_types"},
//  "evaluated_at"}; facts = {"state","health","last_good_status","flapping","flap_value",
//  "consecutive_failures","consecutive_successes","failing_since","last_result_at","last_up_at",
//  "status_since","last_change_at","status_event_id","last_failure_reason","outcome_bits",
//  "outcome_count"}.
std::string EncodePostureStatus(const core::model::PostureStatus& status);
Result<core::model::PostureStatus> DecodePostureStatus(std::string_view text);

// {"score","grade","reasons":[{"code","text","points"}]}.
std::string EncodePostureScore(const core::model::PostureScore& score);
Result<core::model::PostureScore> DecodePostureScore(std::string_view text);

// {"asset_key","from","to","at","detected_at","reason","reason_text","event_id","important"}.
std::string EncodePostureTransition(const core::model::PostureTransition& transition);
Result<core::model::PostureTransition> DecodePostureTransition(std::string_view text);
// A JSON array of transitions (at most kMaxPostureTransitions when decoding).
std::string EncodePostureTransitions(std::span<const core::model::PostureTransition> transitions);
Result<std::vector<core::model::PostureTransition>> DecodePostureTransitions(std::string_view text);

// ---- Stored records ----------------------------------------------------------------------------

// The stored form of a record: the summary columns from the status (current.state,
// status_since, last_result_at, confidence.score) and the score, the three documents encoded,
// version, updated_at and check_by copied. `asset_key` names the row.
ports::store::StoredPosture ToStoredPosture(std::string_view asset_key,
                                            const ports::platform::PostureRecord& record);
// Decodes the documents of a stored record. Errors: kInternal naming the column when a
// document does not decode (a damaged row).
Result<ports::platform::PostureRecord> FromStoredPosture(const ports::store::StoredPosture& row);

// ---- API documents -----------------------------------------------------------------------------

// PUT /api/v1/posture/{asset_key}: {"expected_version":0.., "status":{...}, "score":{...},
// "recent_transitions":[...], "check_by"?: RFC 3339}. All members but check_by required.
struct PosturePut {
  ports::platform::PostureRecord record;  // version and updated_at stay 0 / unset
  int64_t expected_version = 0;
};
Result<PosturePut> DecodePosturePut(std::string_view body);
std::string EncodePosturePut(const ports::platform::PostureRecord& record,
                             int64_t expected_version);

// List item: {"asset_key","state","status_num","since","score","grade","confidence",
// "last_result_at","updated_at","version"}; score, grade, confidence, updated_at null for an
// asset never derived (version 0).
std::string EncodePostureListItem(const ports::store::StoredPosture& item);

// {"unknown":N,"up":N,"pending":N,"down":N,"flapping":N,"stale":N,"maintenance":N}: every
// state, 0 when absent from `counts`.
std::string EncodePostureCounts(const std::map<core::model::PostureState, int64_t>& counts);

// {"items":[...],"next_cursor":...|null,"counts":{...}}: EncodeList plus the counts.
std::string EncodePostureList(const std::vector<std::string>& encoded_items,
                              std::string_view next_cursor,
                              const std::map<core::model::PostureState, int64_t>& counts);

// Detail: the list item's members, then "check_by", "status" (EncodePostureStatus),
// "score_reasons" ([{"code","text","points"}]), "confidence_components" ({"freshness",
// "completeness","agreement","probe_error_share","coverage","samples_expected",
// "samples_received","missing_scan_types"}), "recent_transitions" (newest last) and "inputs"
// (the status ring: [{"event_id","observed_at","outcome","failure_reason"}], oldest first).
// An asset never derived (`record` nullopt): state unknown, status null, empty arrays.
std::string EncodePostureDetail(std::string_view asset_key,
                                const std::optional<ports::platform::PostureRecord>& record);
// Response decoder of EncodePostureDetail (API clients): nullopt when "status" is null.
// Members other than status, score, grade, score_reasons, recent_transitions, version,
// updated_at and check_by are ignored; those are decoded strictly.
Result<std::optional<ports::platform::PostureRecord>> DecodePostureDetail(std::string_view body);

// GET /api/v1/posture-due page: {"items":[{"asset_key","check_by"}],"next_cursor":...|null}.
std::string EncodePostureDue(const std::vector<ports::store::PostureDueKey>& items,
                             std::string_view next_cursor);
struct PostureDueList {
  std::vector<ports::store::PostureDueKey> items;
  std::string next_cursor;  // empty: last page
};
Result<PostureDueList> DecodePostureDue(std::string_view body);

// GET /api/v1/finding-counts: {"total","by_severity":{"critical","high","medium","low","info"}}.
std::string EncodeFindingCounts(const ports::store::FindingCounts& counts);
Result<ports::store::FindingCounts> DecodeFindingCounts(std::string_view body);

// ---- Batch routes (the deriver's sweep) --------------------------------------------------------

// POST /api/v1/posture-batch/get: {"asset_keys":[...]}, 1..max_items distinct asset keys.
// Errors name the item: "asset_keys[3]: must match ...", "asset_keys[5]: duplicate of
// asset_keys[2]".
Result<std::vector<std::string>> DecodePostureBatchGet(std::string_view body, size_t max_items);
std::string EncodePostureBatchGet(std::span<const std::string> asset_keys);

// One item of the batch read's answer, as the api has it: the stored documents are passed
// through as stored (the api wrote them with the encoders above and checked them on write).
struct PostureInputsRow {
  std::string asset_key;
  Status status;  // kNotFound: asset absent or deleted (the rest is empty)
  core::model::Asset asset;
  ports::store::FindingCounts open_findings;           // open findings by severity
  std::optional<ports::store::StoredPosture> posture;  // nullopt: never derived
};
// {"items":[{"asset_key","error":null|{"code","message"},"asset":asset|null,
//  "open_findings":{"critical","high","medium","low","info"}|null,"posture":record|null}]}, in
// request order; record = {"version","updated_at","check_by","status","score",
// "recent_transitions"} (the documents of EncodePostureStatus / Score / Transitions). A stored
// document that is not JSON makes its item an error (code "internal"), never a broken answer.
std::string EncodePostureInputs(std::span<const PostureInputsRow> rows);
// Response decoder (HttpPlatform): documents decoded strictly; an item error becomes that
// item's status (kNotFound, kInternal, ...).
Result<std::vector<ports::platform::PostureInputs>> DecodePostureInputs(std::string_view body);

// PUT /api/v1/posture-batch: {"items":[{"asset_key", then the members of the single PUT body:
// "expected_version","status","score","recent_transitions","check_by"?}]}, 1..max_items items
// with distinct asset keys. Errors name the item: "items[2].status.current.state: must be one
// of ...", "items[4].asset_key: duplicate of items[0].asset_key".
struct PostureBatchPutItem {
  std::string asset_key;
  PosturePut put;
};
Result<std::vector<PostureBatchPutItem>> DecodePostureBatchPut(std::string_view body,
                                                               size_t max_items);
// One item of the request (clients join items into {"items":[...]} themselves, to size their
// requests); the asset is record.status.asset_key.
std::string EncodePostureBatchPutItem(const ports::platform::PostureWrite& write);
// Answer: {"items":[{"asset_key","outcome":"created"|"updated"|"conflict"|"not_found",
// "version":N|null,"updated_at":RFC 3339|null,"error":null|{"code","message"}}],
// "counts":{"created","updated","conflict","not_found"}}, in request order.
std::string EncodePostureBatchPutResult(
    std::span<const std::string> asset_keys,
    std::span<const Result<ports::platform::PostureRecord>> results);
// Response decoder: per item the new version, or the item's error (kConflict, kNotFound).
// Errors: kInvalidArgument when the answer is malformed or has not `expected_items` items.
Result<std::vector<Result<int64_t>>> DecodePostureBatchPutResult(std::string_view body,
                                                                 size_t expected_items);

}  // namespace secplat::adapters::json

#endif  // SECPLAT_ADAPTERS_JSON_POSTURE_CODEC_H_
