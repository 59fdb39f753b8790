// Posture rules: validation, per-asset overrides and the one staleness formula.
//
//   model::PostureRulesOverride critical{.fail_threshold = 2, .recover_threshold = 3};
//   Result<model::PostureRules> rules = MergeRules(model::PostureRules{}, critical);
//   EXPECT_EQ(rules->fail_threshold, 2);
//   EXPECT_FALSE(ValidateRules(model::PostureRules{.flap_low = 0.4}).has_value());
#ifndef SECPLAT_CORE_POSTURE_RULES_H_
#define SECPLAT_CORE_POSTURE_RULES_H_

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/posture.h"

namespace secplat::core::posture {

// Bounds enforced by ValidateRules.
inline constexpr int kMaxThreshold = 100;  // fail_threshold, recover_threshold
inline constexpr int kMinFlapWindow = 2;
inline constexpr int kMaxFlapWindow = 63;  // the outcome history is a 64-bit mask

// The staleness threshold for a scan interval: 3 x interval + 30 s grace (210 s for 60 s).
// Used for stale_after when an override changes health_interval alone, and for coverage.
Duration StaleAfterFor(Duration interval);

// OK when every field is in range; else kInvalidArgument listing every problem with its field
// name, e.g. "fail_threshold: must be between 1 and 100 (got 0); flap_low: must be below
// flap_high (0.40 >= 0.30)".
Status ValidateRules(const model::PostureRules& rules);

// `global` with each set field of `override_rules` replacing it. When the override sets
// health_interval but not stale_after, stale_after becomes StaleAfterFor(health_interval).
// Returns the merged rules, or ValidateRules' error for them.
Result<model::PostureRules> MergeRules(const model::PostureRules& global,
                                       const model::PostureRulesOverride& override_rules);

}  // namespace secplat::core::posture

#endif  // SECPLAT_CORE_POSTURE_RULES_H_
