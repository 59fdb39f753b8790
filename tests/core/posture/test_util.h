// Builders and printers shared by the core/posture tests.
#ifndef SECPLAT_TESTS_CORE_POSTURE_TEST_UTIL_H_
#define SECPLAT_TESTS_CORE_POSTURE_TEST_UTIL_H_

#include <ostream>
#include <string>

#include "core/model/posture.h"

namespace secplat::core::posture::testing {

inline const Timestamp kT0 = FromUnixMillis(1'735'689'600'000);  // 2025-01-01T00:00:00Z

inline Timestamp Sec(int64_t s) { return kT0 + Duration(s * 1000); }

inline model::CheckResult Health(int64_t t, model::CheckOutcome o, std::string id = "") {
  model::CheckResult r;
  r.event_id = id.empty() ? "h@" + std::to_string(t) : std::move(id);
  r.asset_key = "web-1";
  r.scan_type = std::string(model::kHealthScanType);
  r.observed_at = Sec(t);
  r.outcome = o;
  if (o == model::CheckOutcome::kDown) r.failure_reason = "connect_refused";
  return r;
}
inline model::CheckResult Up(int64_t t) { return Health(t, model::CheckOutcome::kUp); }
inline model::CheckResult Down(int64_t t) { return Health(t, model::CheckOutcome::kDown); }
inline model::CheckResult ProbeError(int64_t t) {
  return Health(t, model::CheckOutcome::kProbeError);
}

inline model::PostureStatus Fresh() {
  model::PostureStatus s;
  s.asset_key = "web-1";
  return s;
}

}  // namespace secplat::core::posture::testing

namespace secplat::core::model {

// Short gtest printers, so a failed comparison names the differing facts.
inline void PrintTo(const PostureFacts& f, std::ostream* os) {
  *os << "{state " << PostureStateName(f.state) << ", health " << PostureStateName(f.health)
      << ", flapping " << f.flapping << " (" << f.flap_value << "), cf " << f.consecutive_failures
      << ", cs " << f.consecutive_successes << ", since "
      << (f.status_since ? FormatRfc3339(*f.status_since) : "-") << ", event " << f.status_event_id
      << ", outcomes " << f.outcome_bits << "/" << f.outcome_count << "}";
}
inline void PrintTo(const PostureStatus& s, std::ostream* os) {
  *os << "current ";
  PrintTo(s.current, os);
  *os << "\n base ";
  PrintTo(s.base, os);
  *os << "\n ring [";
  for (const auto& h : s.ring) *os << h.event_id << ":" << CheckOutcomeName(h.outcome) << " ";
  *os << "] applied " << s.results_applied << " dup " << s.results_duplicate << " too_old "
      << s.results_too_old << " invalid " << s.results_invalid << " confidence "
      << s.confidence.score << " tls " << s.tls_grade.value_or("-");
}

}  // namespace secplat::core::model

#endif  // SECPLAT_TESTS_CORE_POSTURE_TEST_UTIL_H_
