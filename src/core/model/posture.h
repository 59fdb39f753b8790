// Posture model: the inputs (check results), the persisted per-asset status, the transitions
// and the rules of core/posture/derive.h. Plain structs and enums only, so adapters/json can
// encode every field; the wire names of the enums are spelled once, in core/posture/names.cc.
//
//   model::CheckResult r{.event_id = "e1", .asset_key = "web-1", .scan_type = "health_http",
//                        .observed_at = t0, .outcome = model::CheckOutcome::kDown,
//                        .failure_reason = "connect_refused"};
//   auto step = core::posture::DerivePosture(model::PostureStatus{}, {&r, 1},
//                                            model::PostureRules{}, t0);
//   EXPECT_EQ(step.status.current.state, model::PostureState::kPending);
//
// See docs/posture.md for the states, the transition table and the formulas.
#ifndef SECPLAT_CORE_MODEL_POSTURE_H_
#define SECPLAT_CORE_MODEL_POSTURE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/time.h"

namespace secplat::core::model {

// The scan type that decides up/down. Other scan types count for coverage and the score only.
inline constexpr std::string_view kHealthScanType = "health_http";

// What one check observed. kProbeError means our side failed (no route from the scanner, DNS
// resolver down, worker overloaded): it counts as no data, never as down.
enum class CheckOutcome { kUp, kDown, kProbeError };

// One check result, as the deriver reads it from the events of an asset.
struct CheckResult {
  std::string event_id;   // unique per result; a repeated id is a duplicate and is ignored
  std::string asset_key;  // must match the status' asset_key (else ignored and counted)
  std::string scan_type;  // "health_http", "tls_headers", "web_exposure", ...
  Timestamp observed_at{};
  CheckOutcome outcome = CheckOutcome::kUp;
  std::string failure_reason;            // short code for a failure, e.g. "connect_refused"
  std::optional<std::string> tls_grade;  // "A+", "A" .. "F", "T"; from tls_headers results

  bool operator==(const CheckResult&) const = default;
};

// Posture states. Numeric values for dashboards come from StatusNum(), not from the enum.
// kMaintenance is reserved for the correlator issue; DerivePosture never produces it.
enum class PostureState { kUnknown, kUp, kPending, kDown, kFlapping, kStale, kMaintenance };

// Why a transition happened. Wire names in names.cc ("consecutive_failures", ...).
enum class TransitionReason {
  kFirstResult,           // unknown -> up | pending | down: the first up/down result
  kFailureUnconfirmed,    // up -> pending: failing, fewer than fail_threshold / debounce_window
  kConsecutiveFailures,   // up | pending -> down: fail_threshold failures over debounce_window
  kRecovered,             // pending -> up: one success ends an unconfirmed failure
  kConsecutiveSuccesses,  // down -> up: recover_threshold consecutive successes
  kFlappingStarted,       // any -> flapping: flap value rose above flap_high
  kFlappingStopped,       // flapping -> debounced state: flap value fell below flap_low
  kNoFreshResult,         // any -> stale: no up/down result within stale_after
  kFreshResult,           // stale -> debounced state: a fresh result after a data gap
  kRecomputed,            // an out-of-order result changed the replayed history
};

// One up/down/probe_error health result kept in the status ring (the source of truth from
// which the current facts are replayed when an out-of-order result arrives).
struct HealthSample {
  std::string event_id;
  Timestamp observed_at{};
  CheckOutcome outcome = CheckOutcome::kUp;
  std::string failure_reason;

  bool operator==(const HealthSample&) const = default;
};

// The derived facts at one point of the history. PostureStatus keeps two: `current` (what
// dashboards show) and `base` (the facts just before ring.front(), for replays).
struct PostureFacts {
  PostureState state = PostureState::kUnknown;  // what is shown: may be flapping or stale
  // The debounced health state from the data (unknown, up, pending or down), never flapping
  // or stale: while flapping or stale it is what the debounce logic says, which the state
  // returns to when flapping stops or data resumes.
  PostureState health = PostureState::kUnknown;
  // The most recent state derived from fresh data (up, pending, down or flapping; unknown if
  // none yet): what was known before the asset went stale.
  PostureState last_good_status = PostureState::kUnknown;
  bool flapping = false;
  double flap_value = 0.0;  // weighted state-change share of the last flap_window results, [0,1]
  int consecutive_failures = 0;
  int consecutive_successes = 0;
  std::optional<Timestamp> failing_since;   // first failure of the current failure streak
  std::optional<Timestamp> last_result_at;  // newest up/down health result (not probe errors)
  std::optional<Timestamp> last_up_at;      // newest success observed while the state was up
  std::optional<Timestamp> status_since;    // when `state` was entered
  std::optional<Timestamp> last_change_at;  // when the last transition happened (= status_since)
  std::string status_event_id;              // the result that decided `state` (empty for stale)
  std::string last_failure_reason;          // reason code of the newest failure
  // Raw outcome history for the flap detector: bit i is the outcome of the i-th newest up/down
  // result (1 = down); outcome_count of them are valid (capped at 64).
  uint64_t outcome_bits = 0;
  int outcome_count = 0;

  bool operator==(const PostureFacts&) const = default;
};

// Newest result seen per scan type (for coverage).
struct ScanTypeSeen {
  std::string scan_type;
  Timestamp last_at{};

  bool operator==(const ScanTypeSeen&) const = default;
};

// Confidence in the shown state, 0-100, with its components (each in [0,1]). Shown beside the
// state, never folded into it. Formula in docs/posture.md and core/posture/confidence.h.
struct PostureConfidence {
  int score = 0;
  double freshness = 0.0;
  double completeness = 0.0;
  double agreement = 0.0;
  double probe_error_share = 0.0;
  double coverage = 0.0;
  int samples_expected = 0;
  int samples_received = 0;
  std::vector<std::string> missing_scan_types;  // expected scan types without a recent result

  bool operator==(const PostureConfidence&) const = default;
};

// The persisted posture of one asset: DerivePosture's input and output.
struct PostureStatus {
  std::string asset_key;  // empty in a fresh status: taken from the first result
  PostureFacts current;
  PostureFacts base;                     // the facts after every result older than ring.front()
  std::vector<HealthSample> ring;        // newest <= flap_window health results, ascending by
                                         // (observed_at, event_id)
  std::vector<ScanTypeSeen> seen;        // sorted by scan_type
  std::optional<std::string> tls_grade;  // from the newest tls_headers result carrying one
  std::optional<Timestamp> tls_grade_at;
  std::string tls_grade_event_id;
  int64_t results_applied = 0;            // unique results taken into account
  int64_t results_duplicate = 0;          // ignored: event_id already in the ring
  int64_t results_too_old = 0;            // ignored: older than the oldest result in a full ring
  int64_t results_invalid = 0;            // ignored: empty event_id, scan_type or other asset
  PostureConfidence confidence;           // as of evaluated_at
  std::optional<Timestamp> evaluated_at;  // `now` of the last DerivePosture call

  bool operator==(const PostureStatus&) const = default;
};

// One state change of the shown state.
struct PostureTransition {
  std::string asset_key;
  PostureState from = PostureState::kUnknown;
  PostureState to = PostureState::kUnknown;
  // When it happened according to the data: the observed_at of the deciding result, or for
  // stale the moment the last result became overdue (last_result_at + stale_after).
  Timestamp at{};
  Timestamp detected_at{};  // the `now` of the DerivePosture call that emitted it
  TransitionReason reason = TransitionReason::kFirstResult;
  std::string reason_text;  // "3 consecutive failures over 2m0s (connect_refused)"
  std::string event_id;     // the deciding result; empty for stale
  bool important = false;   // sent to the notifier (IsImportantTransition); else only recorded

  bool operator==(const PostureTransition&) const = default;
};

// Expected scan type for coverage, with its interval.
struct ScanTypeRule {
  std::string scan_type;
  Duration interval{};

  bool operator==(const ScanTypeRule&) const = default;
};

// Thresholds of the derivation. Defaults are the documented global defaults.
struct PostureRules {
  int fail_threshold = 3;                  // consecutive failures before down
  int recover_threshold = 2;               // consecutive successes before down -> up
  Duration debounce_window = Duration(0);  // and failing for at least this long before down
  int flap_window = 20;                    // K: health results in the ring and flap detector
  double flap_low = 0.25;                  // leave flapping when the flap value falls below
  double flap_high = 0.30;                 // enter flapping when it rises above
  Duration health_interval = Duration(60'000);
  Duration stale_after = Duration(210'000);  // 3 x health_interval + 30 s grace
  // Scan types expected on the asset (coverage); health_http's freshness is stale_after.
  std::vector<ScanTypeRule> scan_types = {{"health_http", Duration(60'000)},
                                          {"tls_headers", Duration(6 * 3'600'000)},
                                          {"web_exposure", Duration(24 * 3'600'000)}};

  bool operator==(const PostureRules&) const = default;
};

// A per-asset override: each set field replaces the global value.
struct PostureRulesOverride {
  std::optional<int> fail_threshold;
  std::optional<int> recover_threshold;
  std::optional<Duration> debounce_window;
  std::optional<int> flap_window;
  std::optional<double> flap_low;
  std::optional<double> flap_high;
  std::optional<Duration> health_interval;
  std::optional<Duration> stale_after;
  std::optional<std::vector<ScanTypeRule>> scan_types;

  bool operator==(const PostureRulesOverride&) const = default;
};

// Open findings of an asset, by severity: an input of ScorePosture.
struct OpenFindingCounts {
  int critical = 0;
  int high = 0;
  int medium = 0;
  int low = 0;
  int info = 0;

  bool operator==(const OpenFindingCounts&) const = default;
};

// Points deducted by ScorePosture from 100. Defaults documented in docs/posture.md.
struct ScoreWeights {
  int state_down = 50;
  int state_flapping = 30;
  int state_stale = 20;
  int state_unknown = 15;
  int state_pending = 10;
  int per_critical = 25, cap_critical = 60;
  int per_high = 10, cap_high = 40;
  int per_medium = 4, cap_medium = 20;
  int per_low = 1, cap_low = 5;
  int tls_b = 5, tls_c = 10, tls_d = 20, tls_e = 25, tls_f = 30;  // "T" (untrusted) counts as F

  bool operator==(const ScoreWeights&) const = default;
};

// One named deduction of a posture score.
struct ScoreReason {
  std::string code;  // "state_down", "findings_critical", "tls_grade", ...
  std::string text;  // "2 open critical findings"
  int points = 0;    // deducted (>= 0)

  bool operator==(const ScoreReason&) const = default;
};

// A posture score 0-100 and its grade "A".."F", with every deduction named.
struct PostureScore {
  int score = 100;
  std::string grade = "A";
  std::vector<ScoreReason> reasons;

  bool operator==(const PostureScore&) const = default;
};

// Wire names ("up", "probe_error", "consecutive_failures", ...) and their inverse.
std::string_view PostureStateName(PostureState s);
std::optional<PostureState> ParsePostureState(std::string_view s);
std::string_view CheckOutcomeName(CheckOutcome o);
std::optional<CheckOutcome> ParseCheckOutcome(std::string_view s);
std::string_view TransitionReasonName(TransitionReason r);
std::optional<TransitionReason> ParseTransitionReason(std::string_view s);

// Dashboard value: up 1, pending 2, maintenance 3, stale 0, unknown -1, down -2, flapping -3.
int StatusNum(PostureState s);

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_POSTURE_H_
