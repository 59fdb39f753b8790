// Posture score 0-100 and grade A-F of one asset, from its shown state, its open findings by
// severity and its TLS grade. Every deduction is named in `reasons`.
//
//   score = max(0, 100 - state - findings - tls), each part from model::ScoreWeights:
//     state:    down 50, flapping 30, stale 20, unknown 15, pending 10 (up, maintenance 0)
//     findings: 25 per critical (at most 60), 10 per high (40), 4 per medium (20), 1 per low
//               (5); info 0
//     tls:      A+/A/A- 0, B 5, C 10, D 20, E 25, F or T 30; none given: no deduction
//   grade: A >= 90, B >= 80, C >= 70, D >= 60, F below.
//
//   model::PostureScore s = ScorePosture(model::PostureState::kUp, {.high = 1}, "B");
//   EXPECT_EQ(s.score, 85);
//   EXPECT_EQ(s.grade, "B");  // reasons: findings_high -10, tls_grade -5
#ifndef SECPLAT_CORE_POSTURE_SCORE_H_
#define SECPLAT_CORE_POSTURE_SCORE_H_

#include <optional>
#include <string>

#include "core/model/posture.h"

namespace secplat::core::posture {

// The grade letter of a score: "A" (>= 90) .. "D" (>= 60), "F" below.
std::string GradeFor(int score);

// Scores an asset. Negative finding counts are treated as 0; an unrecognised TLS grade
// deducts nothing and is named in a zero-point reason ("tls_grade_unrecognised").
model::PostureScore ScorePosture(model::PostureState state,
                                 const model::OpenFindingCounts& open_findings,
                                 const std::optional<std::string>& tls_grade,
                                 const model::ScoreWeights& weights = {});

}  // namespace secplat::core::posture

#endif  // SECPLAT_CORE_POSTURE_SCORE_H_
