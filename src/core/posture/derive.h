// DerivePosture: folds check results into an asset's persisted posture status and returns the
// state transitions with their reasons. Pure: `now` is passed in; no I/O, no clock reads.
//
// The rules in one paragraph (docs/posture.md has the table): only health_http results decide
// up/down; probe errors are no data. A failure makes the asset pending; fail_threshold
// consecutive failures spanning at least debounce_window make it down; from down,
// recover_threshold consecutive successes make it up, from pending one success does. A flap
// value (Icinga 2 style: state-change bits of the last flap_window results weighted 0.8 oldest
// to 1.2 newest) above flap_high makes it flapping, below flap_low ends flapping. No up/down
// result for longer than stale_after makes it stale. Results are applied in (observed_at,
// event_id) order; a result older than the newest applied one is merged into the ring and the
// facts are replayed from `base` over the ring, so any batching of the same results (each
// late result still within the ring) gives the same status.
//
//   std::vector<model::CheckResult> batch = ...;  // events of one asset since the last call
//   PostureStep step = DerivePosture(previous, batch, rules, now);
//   Store(step.status);
//   for (const auto& t : step.transitions) if (t.important) Notify(t);
#ifndef SECPLAT_CORE_POSTURE_DERIVE_H_
#define SECPLAT_CORE_POSTURE_DERIVE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "core/common/time.h"
#include "core/model/posture.h"

namespace secplat::core::posture {

// What one call did with its input (for logs and metrics; not persisted).
struct PostureStepStats {
  int applied = 0;       // results taken into account (any scan type)
  int duplicates = 0;    // health results whose event_id was already in the ring
  int too_old = 0;       // health results older than the oldest entry of a full ring
  int invalid = 0;       // empty event_id or scan_type, or another asset's result
  int out_of_order = 0;  // health results merged behind newer ones (caused a replay)
};

// The new status and the transitions of its shown state, in order.
struct PostureStep {
  model::PostureStatus status;
  std::vector<model::PostureTransition> transitions;
  PostureStepStats stats;
};

// Applies `results` (one asset, any order, duplicates allowed) to `previous` at `now`, then
// checks staleness at `now` and recomputes the confidence. `rules` should pass ValidateRules;
// out-of-range values are clamped rather than trusted. Call it with no results to sweep an
// asset for staleness.
PostureStep DerivePosture(const model::PostureStatus& previous,
                          std::span<const model::CheckResult> results,
                          const model::PostureRules& rules, Timestamp now);

// DerivePosture in place: updates `status` and appends to `transitions`. For callers that keep
// statuses in memory (and the benchmark): no copy of the status, and no heap allocation per
// result once the ring is full and its strings have grown to size.
PostureStepStats ApplyResults(model::PostureStatus& status,
                              std::span<const model::CheckResult> results,
                              const model::PostureRules& rules, Timestamp now,
                              std::vector<model::PostureTransition>& transitions);

// True when a change from `from` to `to` is sent to the notifier; the others are recorded
// only. Sent: anything entering or leaving down, flapping or stale. Recorded only: the first
// result (unknown -> up/pending), up <-> pending (an unconfirmed blip).
bool IsImportantTransition(model::PostureState from, model::PostureState to);

// The flap value of an outcome history (bit i = outcome of the i-th newest result, 1 = down;
// `count` valid bits) over the newest `window` results: the state-change bit of each result
// (it differs from the one before it) weighted linearly from 0.8 (oldest) to 1.2 (newest),
// summed and divided by `window`. In [0, 1]; the first result ever has no change bit.
double FlapValue(uint64_t outcome_bits, int count, int window);

}  // namespace secplat::core::posture

#endif  // SECPLAT_CORE_POSTURE_DERIVE_H_
