#include "core/posture/score.h"

#include <algorithm>

namespace secplat::core::posture {
namespace {

using model::PostureState;

void Deduct(model::PostureScore& s, std::string code, std::string text, int points) {
  s.reasons.push_back(model::ScoreReason{std::move(code), std::move(text), points});
}

void Findings(model::PostureScore& s, const char* severity, int count, int per, int cap) {
  if (count <= 0) return;
  const int points = std::min(static_cast<int>(std::min<long long>(1LL * count * per, cap)), cap);
  Deduct(s, std::string("findings_") + severity,
         std::to_string(count) + " open " + severity + " finding" + (count == 1 ? "" : "s") +
             (points == cap && 1LL * count * per > cap ? " (capped)" : ""),
         points);
}

}  // namespace

std::string GradeFor(int score) {
  if (score >= 90) return "A";
  if (score >= 80) return "B";
  if (score >= 70) return "C";
  if (score >= 60) return "D";
  return "F";
}

model::PostureScore ScorePosture(PostureState state, const model::OpenFindingCounts& open,
                                 const std::optional<std::string>& tls_grade,
                                 const model::ScoreWeights& w) {
  model::PostureScore s;
  switch (state) {
    case PostureState::kDown:
      Deduct(s, "state_down", "asset is down", w.state_down);
      break;
    case PostureState::kFlapping:
      Deduct(s, "state_flapping", "asset is flapping", w.state_flapping);
      break;
    case PostureState::kStale:
      Deduct(s, "state_stale", "no fresh health result", w.state_stale);
      break;
    case PostureState::kUnknown:
      Deduct(s, "state_unknown", "never checked", w.state_unknown);
      break;
    case PostureState::kPending:
      Deduct(s, "state_pending", "failing, not yet confirmed", w.state_pending);
      break;
    case PostureState::kUp:
    case PostureState::kMaintenance:
      break;
  }
  Findings(s, "critical", open.critical, w.per_critical, w.cap_critical);
  Findings(s, "high", open.high, w.per_high, w.cap_high);
  Findings(s, "medium", open.medium, w.per_medium, w.cap_medium);
  Findings(s, "low", open.low, w.per_low, w.cap_low);
  if (tls_grade) {
    const std::string& g = *tls_grade;
    int points = -1;
    if (g == "A+" || g == "A" || g == "A-") points = 0;
    if (g == "B") points = w.tls_b;
    if (g == "C") points = w.tls_c;
    if (g == "D") points = w.tls_d;
    if (g == "E") points = w.tls_e;
    if (g == "F" || g == "T") points = w.tls_f;
    if (points < 0) {
      Deduct(s, "tls_grade_unrecognised", "TLS grade '" + g + "' not recognised", 0);
    } else if (points > 0) {
      Deduct(s, "tls_grade", "TLS grade " + g, points);
    }
  }
  int total = 0;
  for (const auto& r : s.reasons) total += std::max(r.points, 0);
  s.score = std::max(0, 100 - total);
  s.grade = GradeFor(s.score);
  return s;
}

}  // namespace secplat::core::posture
