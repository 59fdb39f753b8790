#include "core/posture/score.h"

#include <gtest/gtest.h>

namespace secplat::core::posture {
namespace {

using model::PostureState;

int Points(const model::PostureScore& s, const std::string& code) {
  for (const auto& r : s.reasons)
    if (r.code == code) return r.points;
  return -1;
}

// Verifies an up asset with nothing open and TLS A scores 100, grade A, with no reasons.
TEST(ScorePosture, CleanAssetIsPerfect) {
  auto s = ScorePosture(PostureState::kUp, {}, "A");
  EXPECT_EQ(s.score, 100);
  EXPECT_EQ(s.grade, "A");
  EXPECT_TRUE(s.reasons.empty());
}

// Verifies the header example: one high finding and TLS B give 85, grade B, two reasons.
TEST(ScorePosture, HeaderExample) {
  auto s = ScorePosture(PostureState::kUp, {.high = 1}, "B");
  EXPECT_EQ(s.score, 85);
  EXPECT_EQ(s.grade, "B");
  ASSERT_EQ(s.reasons.size(), 2u);
  EXPECT_EQ(s.reasons[0].code, "findings_high");
  EXPECT_EQ(s.reasons[0].text, "1 open high finding");
  EXPECT_EQ(s.reasons[0].points, 10);
  EXPECT_EQ(s.reasons[1].code, "tls_grade");
  EXPECT_EQ(s.reasons[1].points, 5);
}

// Verifies each state's deduction.
TEST(ScorePosture, StateDeductions) {
  EXPECT_EQ(ScorePosture(PostureState::kDown, {}, {}).score, 50);
  EXPECT_EQ(ScorePosture(PostureState::kFlapping, {}, {}).score, 70);
  EXPECT_EQ(ScorePosture(PostureState::kStale, {}, {}).score, 80);
  EXPECT_EQ(ScorePosture(PostureState::kUnknown, {}, {}).score, 85);
  EXPECT_EQ(ScorePosture(PostureState::kPending, {}, {}).score, 90);
  EXPECT_EQ(ScorePosture(PostureState::kMaintenance, {}, {}).score, 100);
  EXPECT_EQ(Points(ScorePosture(PostureState::kDown, {}, {}), "state_down"), 50);
}

// Verifies per-severity deductions are capped and the cap is named.
TEST(ScorePosture, FindingsAreCapped) {
  auto s = ScorePosture(PostureState::kUp, {.critical = 5, .medium = 2, .low = 9, .info = 7}, {});
  EXPECT_EQ(Points(s, "findings_critical"), 60);
  EXPECT_EQ(Points(s, "findings_medium"), 8);
  EXPECT_EQ(Points(s, "findings_low"), 5);
  EXPECT_EQ(Points(s, "findings_info"), -1);
  EXPECT_EQ(s.score, 100 - 60 - 8 - 5);
  EXPECT_EQ(s.reasons[0].text, "5 open critical findings (capped)");
}

// Verifies the score never goes below 0 and negative counts are ignored.
TEST(ScorePosture, FloorsAtZeroAndIgnoresNegativeCounts) {
  auto s = ScorePosture(PostureState::kDown, {.critical = 9, .high = 9, .medium = 9}, "F");
  EXPECT_EQ(s.score, 0);
  EXPECT_EQ(s.grade, "F");
  EXPECT_EQ(ScorePosture(PostureState::kUp, {.critical = -3}, {}).score, 100);
}

// Verifies the TLS grade table, and that an unknown grade is named but deducts nothing.
TEST(ScorePosture, TlsGrades) {
  const std::pair<const char*, int> table[] = {{"A+", 100}, {"A-", 100}, {"B", 95}, {"C", 90},
                                               {"D", 80},   {"E", 75},   {"F", 70}, {"T", 70}};
  for (const auto& [grade, score] : table)
    EXPECT_EQ(ScorePosture(PostureState::kUp, {}, grade).score, score) << grade;
  auto odd = ScorePosture(PostureState::kUp, {}, "Z");
  EXPECT_EQ(odd.score, 100);
  EXPECT_EQ(Points(odd, "tls_grade_unrecognised"), 0);
}

// Verifies the grade boundaries.
TEST(GradeFor, Boundaries) {
  EXPECT_EQ(GradeFor(90), "A");
  EXPECT_EQ(GradeFor(89), "B");
  EXPECT_EQ(GradeFor(80), "B");
  EXPECT_EQ(GradeFor(79), "C");
  EXPECT_EQ(GradeFor(70), "C");
  EXPECT_EQ(GradeFor(60), "D");
  EXPECT_EQ(GradeFor(59), "F");
  EXPECT_EQ(GradeFor(0), "F");
}

}  // namespace
}  // namespace secplat::core::posture
