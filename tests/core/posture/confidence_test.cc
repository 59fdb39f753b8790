#include "core/posture/confidence.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/posture/derive.h"
#include "tests/core/posture/test_util.h"

namespace secplat::core::posture {
namespace {

using model::CheckOutcome;
using model::CheckResult;
using model::PostureRules;
using namespace testing;  // NOLINT: test builders

// `n` health results a minute apart ending at t = 60 (n - 1), from a pattern of u/d/e.
model::PostureStatus Status(const std::string& pattern, const PostureRules& rules = {}) {
  std::vector<CheckResult> batch;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const auto t = static_cast<int64_t>(60 * i);
    batch.push_back(pattern[i] == 'u' ? Up(t) : pattern[i] == 'd' ? Down(t) : ProbeError(t));
  }
  return DerivePosture(Fresh(), batch, rules, Sec(60 * static_cast<int64_t>(pattern.size() - 1)))
      .status;
}

PostureRules HealthOnly() {
  PostureRules r;
  r.scan_types = {{"health_http", Duration(60'000)}};
  return r;
}

// Verifies an unknown asset has confidence 0 but still reports its missing scan types.
TEST(Confidence, UnknownIsZero) {
  auto c = ComputeConfidence(Fresh(), PostureRules{}, Sec(0));
  EXPECT_EQ(c.score, 0);
  EXPECT_EQ(c.missing_scan_types.size(), 3u);
  EXPECT_EQ(c.samples_expected, 20);
}

// Verifies a full, fresh, agreeing ring with every scan type covered gives 100.
TEST(Confidence, FullFreshAgreeingIsHundred) {
  auto c = ComputeConfidence(Status(std::string(20, 'u')), HealthOnly(), Sec(19 * 60));
  EXPECT_EQ(c.score, 100);
  EXPECT_DOUBLE_EQ(c.freshness, 1.0);
  EXPECT_DOUBLE_EQ(c.completeness, 1.0);
  EXPECT_DOUBLE_EQ(c.agreement, 1.0);
  EXPECT_DOUBLE_EQ(c.coverage, 1.0);
  EXPECT_EQ(c.samples_received, 20);
}

// Verifies freshness falls linearly from one interval to stale_after: at 135 s it is 0.5.
TEST(Confidence, FreshnessIsLinear) {
  const auto s = Status(std::string(20, 'u'));
  EXPECT_DOUBLE_EQ(ComputeConfidence(s, HealthOnly(), Sec(19 * 60 + 60)).freshness, 1.0);
  EXPECT_DOUBLE_EQ(ComputeConfidence(s, HealthOnly(), Sec(19 * 60 + 135)).freshness, 0.5);
  EXPECT_DOUBLE_EQ(ComputeConfidence(s, HealthOnly(), Sec(19 * 60 + 210)).freshness, 0.0);
}

// Verifies the documented worked example: 17 up then 3 down (state down), probe errors none,
// two of three scan types recent.
TEST(Confidence, WorkedExample) {
  auto status = Status(std::string(17, 'u') + "ddd");
  ASSERT_EQ(status.current.state, model::PostureState::kDown);
  model::CheckResult tls;
  tls.event_id = "tls-1";
  tls.asset_key = "web-1";
  tls.scan_type = "tls_headers";
  tls.observed_at = Sec(0);
  tls.tls_grade = "A";
  status = DerivePosture(status, {&tls, 1}, PostureRules{}, Sec(19 * 60 + 30)).status;
  const auto& c = status.confidence;
  // F = 1 (30 s old); C = 20/20; A = 3/20 = 0.15; V = 2/3; P = 0.
  EXPECT_DOUBLE_EQ(c.freshness, 1.0);
  EXPECT_DOUBLE_EQ(c.completeness, 1.0);
  EXPECT_DOUBLE_EQ(c.agreement, 0.15);
  EXPECT_NEAR(c.coverage, 2.0 / 3.0, 1e-12);
  ASSERT_EQ(c.missing_scan_types.size(), 1u);
  EXPECT_EQ(c.missing_scan_types[0], "web_exposure");
  // 100 x 1 x (0.35 + 0.06 + 0.1667) x 1 = 57.7
  EXPECT_EQ(c.score, 58);
  // 90 s later: F = (210 - 120) / 150 = 0.6, and the result at t=0 left the 20-minute window
  // (C = 19/20, A = 3/19): 100 x 0.6 x (0.3325 + 0.0632 + 0.1667) = 33.7.
  auto later = ComputeConfidence(status, PostureRules{}, Sec(19 * 60 + 120));
  EXPECT_DOUBLE_EQ(later.freshness, 0.6);
  EXPECT_EQ(later.samples_received, 19);
  EXPECT_EQ(later.score, 34);
}

// Verifies probe errors reduce confidence by their share and count as received samples.
TEST(Confidence, ProbeErrorShare) {
  auto c = ComputeConfidence(Status(std::string(15, 'u') + "eeeee"), HealthOnly(), Sec(14 * 60));
  EXPECT_DOUBLE_EQ(c.probe_error_share, 0.25);
  EXPECT_EQ(c.samples_received, 20);
  EXPECT_EQ(c.score, 75);
}

// Verifies completeness counts only results inside [now - flap_window x interval, now].
TEST(Confidence, CompletenessWindow) {
  const auto s = Status(std::string(20, 'u'));
  // 10 minutes after the last result the window starts at t=540: results 540..1140 count.
  auto c = ComputeConfidence(s, HealthOnly(), Sec(19 * 60 + 600));
  EXPECT_EQ(c.samples_received, 11);
  EXPECT_DOUBLE_EQ(c.completeness, 11.0 / 20.0);
  EXPECT_EQ(ComputeConfidence(s, HealthOnly(), Sec(19 * 60 + 601)).samples_received, 10);
}

// Verifies a flapping asset's agreement is its flap value over flap_high, capped at 1.
TEST(Confidence, FlappingAgreement) {
  const auto s = Status("uuuuuuuuuudududududu");
  ASSERT_EQ(s.current.state, model::PostureState::kFlapping);
  auto c = ComputeConfidence(s, HealthOnly(), Sec(19 * 60));
  EXPECT_DOUBLE_EQ(c.agreement, 1.0);
}

}  // namespace
}  // namespace secplat::core::posture
