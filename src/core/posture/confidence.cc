#include "core/posture/confidence.h"

#include <algorithm>
#include <cmath>

#include "core/posture/rules.h"

namespace secplat::core::posture {

using model::CheckOutcome;
using model::PostureState;

model::PostureConfidence ComputeConfidence(const model::PostureStatus& status,
                                           const model::PostureRules& rules, Timestamp now) {
  model::PostureConfidence c;
  ComputeConfidence(status, rules, now, c);
  return c;
}

void ComputeConfidence(const model::PostureStatus& st, const model::PostureRules& rules,
                       Timestamp now, model::PostureConfidence& c) {
  // Reset every field but keep the missing list's buffers.
  size_t missing = 0;
  auto keep = std::move(c.missing_scan_types);
  c = model::PostureConfidence{};
  c.missing_scan_types = std::move(keep);
  const auto& f = st.current;
  const int window = std::clamp(rules.flap_window, kMinFlapWindow, kMaxFlapWindow);
  const Duration interval = std::max(rules.health_interval, Duration(1));
  const Duration stale_after = std::max(rules.stale_after, interval + Duration(1));
  c.samples_expected = window;

  // Coverage first: it is reported even for an unknown asset.
  int covered = 0;
  for (const auto& want : rules.scan_types) {
    bool recent = false;
    if (want.scan_type == model::kHealthScanType) {
      recent = f.last_result_at && now - *f.last_result_at <= stale_after;
    } else {
      auto it = std::find_if(st.seen.begin(), st.seen.end(),
                             [&](const auto& s) { return s.scan_type == want.scan_type; });
      recent = it != st.seen.end() && now - it->last_at <= StaleAfterFor(want.interval);
    }
    if (recent) {
      ++covered;
    } else if (missing < c.missing_scan_types.size()) {
      c.missing_scan_types[missing++].assign(want.scan_type);
    } else {
      c.missing_scan_types.push_back(want.scan_type);
      ++missing;
    }
  }
  c.missing_scan_types.resize(missing);
  c.coverage = rules.scan_types.empty()
                   ? 1.0
                   : static_cast<double>(covered) / static_cast<double>(rules.scan_types.size());

  const Timestamp window_start = now - window * interval;
  int received = 0;
  int probe_errors = 0;
  int ups = 0;
  int downs = 0;
  for (const auto& s : st.ring) {
    if (s.observed_at < window_start) continue;
    ++received;
    if (s.outcome == CheckOutcome::kProbeError) ++probe_errors;
    if (s.outcome == CheckOutcome::kUp) ++ups;
    if (s.outcome == CheckOutcome::kDown) ++downs;
  }
  c.samples_received = received;
  c.completeness = std::min(1.0, static_cast<double>(received) / window);
  c.probe_error_share = received > 0 ? static_cast<double>(probe_errors) / received : 0.0;

  if (f.state == PostureState::kUnknown || !f.last_result_at) return;

  const Duration age = std::max(now - *f.last_result_at, Duration(0));
  if (age <= interval) {
    c.freshness = 1.0;
  } else if (age >= stale_after) {
    c.freshness = 0.0;
  } else {
    c.freshness = static_cast<double>((stale_after - age).count()) /
                  static_cast<double>((stale_after - interval).count());
  }

  const int decided = ups + downs;
  PostureState judged = f.state == PostureState::kStale ? f.last_good_status : f.state;
  if (judged == PostureState::kFlapping) {
    const double high = rules.flap_high > 0.0 ? rules.flap_high : 0.30;
    c.agreement = std::min(1.0, f.flap_value / high);
  } else if (decided > 0 && judged == PostureState::kUp) {
    c.agreement = static_cast<double>(ups) / decided;
  } else if (decided > 0 && (judged == PostureState::kDown || judged == PostureState::kPending)) {
    c.agreement = static_cast<double>(downs) / decided;
  }

  const double blend = kCompletenessWeight * c.completeness + kAgreementWeight * c.agreement +
                       kCoverageWeight * c.coverage;
  const double value = 100.0 * c.freshness * blend * (1.0 - c.probe_error_share);
  c.score = std::clamp(static_cast<int>(std::lround(value)), 0, 100);
}

}  // namespace secplat::core::posture
