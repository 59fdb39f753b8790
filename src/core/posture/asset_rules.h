// Per-asset posture rules from the asset itself: its health_http interval (scan settings) and
// labels "posture.<rule>" (e.g. a critical asset labelled posture.fail_threshold=2). The result
// is an override for MergeRules(global, override); an unknown "posture." label or a bad value
// is an error naming the label, so a typo is visible rather than silently ignored.
//
//   model::Asset a;  a.labels["posture.fail_threshold"] = "2";
//   auto o = OverrideForAsset(a);   // o->fail_threshold == 2
//   auto rules = MergeRules(global, *o);
//
// Labels: fail_threshold, recover_threshold, flap_window (integers); flap_low, flap_high
// (decimals in (0,1]); debounce_window, stale_after (durations: an integer with s, m or h).
#ifndef SECPLAT_CORE_POSTURE_ASSET_RULES_H_
#define SECPLAT_CORE_POSTURE_ASSET_RULES_H_

#include "core/common/result.h"
#include "core/model/asset.h"
#include "core/model/posture.h"

namespace secplat::core::posture {

inline constexpr std::string_view kPostureLabelPrefix = "posture.";

Result<model::PostureRulesOverride> OverrideForAsset(const model::Asset& asset);

}  // namespace secplat::core::posture

#endif  // SECPLAT_CORE_POSTURE_ASSET_RULES_H_
