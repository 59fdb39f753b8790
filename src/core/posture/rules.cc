#include "core/posture/rules.h"

#include <set>
#include <string>
#include <vector>

#include "core/posture/text.h"

namespace secplat::core::posture {
namespace {

std::string Int(int v) { return std::to_string(v); }

}  // namespace

Duration StaleAfterFor(Duration interval) { return 3 * interval + Duration(30'000); }

Status ValidateRules(const model::PostureRules& r) {
  std::vector<std::string> problems;
  auto check_threshold = [&](const char* name, int v) {
    if (v < 1 || v > kMaxThreshold)
      problems.push_back(std::string(name) + ": must be between 1 and " + Int(kMaxThreshold) +
                         " (got " + Int(v) + ")");
  };
  check_threshold("fail_threshold", r.fail_threshold);
  check_threshold("recover_threshold", r.recover_threshold);
  if (r.debounce_window < Duration(0)) problems.push_back("debounce_window: must not be negative");
  if (r.flap_window < kMinFlapWindow || r.flap_window > kMaxFlapWindow)
    problems.push_back("flap_window: must be between " + Int(kMinFlapWindow) + " and " +
                       Int(kMaxFlapWindow) + " (got " + Int(r.flap_window) + ")");
  // Written so that NaN fails every check.
  if (!(r.flap_low > 0.0 && r.flap_low < 1.0))
    problems.push_back("flap_low: must be above 0 and below 1 (got " + FormatRatio(r.flap_low) +
                       ")");
  if (!(r.flap_high > 0.0 && r.flap_high <= 1.0))
    problems.push_back("flap_high: must be above 0 and at most 1 (got " + FormatRatio(r.flap_high) +
                       ")");
  if (!(r.flap_low < r.flap_high))
    problems.push_back("flap_low: must be below flap_high (" + FormatRatio(r.flap_low) +
                       " >= " + FormatRatio(r.flap_high) + ")");
  if (r.health_interval <= Duration(0)) problems.push_back("health_interval: must be positive");
  if (r.stale_after <= r.health_interval)
    problems.push_back("stale_after: must be longer than health_interval (" +
                       FormatSpan(r.stale_after) + " <= " + FormatSpan(r.health_interval) + ")");
  std::set<std::string> names;
  for (size_t i = 0; i < r.scan_types.size(); ++i) {
    const auto& st = r.scan_types[i];
    const std::string field = "scan_types[" + std::to_string(i) + "]";
    if (st.scan_type.empty()) problems.push_back(field + ".scan_type: must not be empty");
    if (st.interval <= Duration(0)) problems.push_back(field + ".interval: must be positive");
    if (!st.scan_type.empty() && !names.insert(st.scan_type).second)
      problems.push_back(field + ".scan_type: duplicate '" + st.scan_type + "'");
  }
  if (problems.empty()) return OkStatus();
  std::string message;
  for (const auto& p : problems) {
    if (!message.empty()) message += "; ";
    message += p;
  }
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message));
}

Result<model::PostureRules> MergeRules(const model::PostureRules& global,
                                       const model::PostureRulesOverride& o) {
  model::PostureRules r = global;
  if (o.fail_threshold) r.fail_threshold = *o.fail_threshold;
  if (o.recover_threshold) r.recover_threshold = *o.recover_threshold;
  if (o.debounce_window) r.debounce_window = *o.debounce_window;
  if (o.flap_window) r.flap_window = *o.flap_window;
  if (o.flap_low) r.flap_low = *o.flap_low;
  if (o.flap_high) r.flap_high = *o.flap_high;
  if (o.health_interval) {
    r.health_interval = *o.health_interval;
    // One staleness threshold: a faster or slower cadence moves it unless set explicitly.
    if (!o.stale_after) r.stale_after = StaleAfterFor(r.health_interval);
  }
  if (o.stale_after) r.stale_after = *o.stale_after;
  if (o.scan_types) r.scan_types = *o.scan_types;
  SECPLAT_RETURN_IF_ERROR(ValidateRules(r));
  return r;
}

}  // namespace secplat::core::posture
