// Confidence in an asset's shown posture state, 0-100, with its components. Shown beside the
// state, never folded into it.
//
//   score = round(100 x F x (0.35 C + 0.40 A + 0.25 V) x (1 - P))
//
//   F freshness:    1 while the newest up/down result is at most one health_interval old,
//                   falling linearly to 0 at stale_after.
//   C completeness: ring results received in the last flap_window x health_interval, divided
//                   by the flap_window samples expected there (capped at 1).
//   A agreement:    share of those up/down results agreeing with the state (up: successes;
//                   down and pending: failures; flapping: flap_value / flap_high, capped at 1;
//                   stale: measured against last_good_status).
//   V coverage:     share of rules.scan_types with a recent result (health_http within
//                   stale_after, the others within StaleAfterFor(their interval)).
//   P probe-error share of the received results.
//   Unknown (never observed) is 0.
//
//   PostureConfidence c = ComputeConfidence(status, rules, now);
//   EXPECT_EQ(c.score, 100);  // 20 fresh successes, every scan type recent, no probe errors
#ifndef SECPLAT_CORE_POSTURE_CONFIDENCE_H_
#define SECPLAT_CORE_POSTURE_CONFIDENCE_H_

#include "core/common/time.h"
#include "core/model/posture.h"

namespace secplat::core::posture {

// Weights of the formula above (they sum to 1).
inline constexpr double kCompletenessWeight = 0.35;
inline constexpr double kAgreementWeight = 0.40;
inline constexpr double kCoverageWeight = 0.25;

// The confidence of `status.current.state` at `now`. Pure; DerivePosture stores the result in
// status.confidence.
model::PostureConfidence ComputeConfidence(const model::PostureStatus& status,
                                           const model::PostureRules& rules, Timestamp now);

// The same, written into `out` (reusing its buffers). `out` may be `status.confidence`.
void ComputeConfidence(const model::PostureStatus& status, const model::PostureRules& rules,
                       Timestamp now, model::PostureConfidence& out);

}  // namespace secplat::core::posture

#endif  // SECPLAT_CORE_POSTURE_CONFIDENCE_H_
