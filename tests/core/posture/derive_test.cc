#include "core/posture/derive.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/posture/text.h"
#include "tests/core/posture/test_util.h"

namespace secplat::core::posture {
namespace {

using model::CheckOutcome;
using model::CheckResult;
using model::PostureRules;
using model::PostureState;
using model::TransitionReason;
using namespace testing;  // NOLINT: test builders

PostureStep Feed(const model::PostureStatus& s, std::vector<CheckResult> batch, int64_t now,
                 const PostureRules& rules = {}) {
  return DerivePosture(s, batch, rules, Sec(now));
}

// Verifies a fresh status with no results stays unknown and emits nothing, even much later.
TEST(DerivePosture, NeverCheckedStaysUnknown) {
  auto step = Feed(Fresh(), {}, 100'000);
  EXPECT_EQ(step.status.current.state, PostureState::kUnknown);
  EXPECT_TRUE(step.transitions.empty());
  EXPECT_EQ(step.status.confidence.score, 0);
  EXPECT_EQ(step.status.evaluated_at, Sec(100'000));
}

// Verifies the first success is up at once, the first failure pending (not down).
TEST(DerivePosture, FirstResultUpOrPending) {
  auto up = Feed(Fresh(), {Up(0)}, 0);
  EXPECT_EQ(up.status.current.state, PostureState::kUp);
  ASSERT_EQ(up.transitions.size(), 1u);
  EXPECT_EQ(up.transitions[0].reason, TransitionReason::kFirstResult);
  EXPECT_EQ(up.transitions[0].event_id, "h@0");
  EXPECT_EQ(up.transitions[0].asset_key, "web-1");
  EXPECT_FALSE(up.transitions[0].important);

  auto down = Feed(Fresh(), {Down(0)}, 0);
  EXPECT_EQ(down.status.current.state, PostureState::kPending);
  EXPECT_EQ(down.status.current.failing_since, Sec(0));
  EXPECT_EQ(down.status.current.last_failure_reason, "connect_refused");
}

// Verifies a fresh status adopts the asset key of its results and rejects other assets' ones.
TEST(DerivePosture, AdoptsAssetKeyAndRejectsOthers) {
  CheckResult other = Up(60);
  other.asset_key = "web-2";
  CheckResult no_id = Up(120);
  no_id.event_id.clear();
  auto step = Feed(model::PostureStatus{}, {Up(0), other, no_id}, 120);
  EXPECT_EQ(step.status.asset_key, "web-1");
  EXPECT_EQ(step.stats.invalid, 2);
  EXPECT_EQ(step.status.results_invalid, 2);
  EXPECT_EQ(step.status.ring.size(), 1u);
}

// Verifies probe errors neither count as failures nor refresh staleness.
TEST(DerivePosture, ProbeErrorIsNoData) {
  auto step = Feed(Fresh(), {Up(0), ProbeError(60), ProbeError(120), ProbeError(180)}, 180);
  EXPECT_EQ(step.status.current.state, PostureState::kUp);
  EXPECT_EQ(step.status.current.consecutive_failures, 0);
  EXPECT_EQ(step.status.current.last_result_at, Sec(0));
  EXPECT_EQ(step.status.ring.size(), 4u);
  auto later = Feed(step.status, {ProbeError(240)}, 240);
  EXPECT_EQ(later.status.current.state, PostureState::kStale);
  ASSERT_EQ(later.transitions.size(), 1u);
  EXPECT_EQ(later.transitions[0].at, Sec(210));
  EXPECT_EQ(later.transitions[0].detected_at, Sec(240));
}

// Verifies a duplicate inside one batch and across batches is ignored and counted.
TEST(DerivePosture, DuplicatesAreIgnored) {
  auto a = Feed(Fresh(), {Down(0), Down(0)}, 0);
  EXPECT_EQ(a.stats.duplicates, 1);
  EXPECT_EQ(a.status.current.consecutive_failures, 1);
  auto b = Feed(a.status, {Down(0), Down(60)}, 60);
  EXPECT_EQ(b.stats.duplicates, 1);
  EXPECT_EQ(b.status.results_duplicate, 2);
  EXPECT_EQ(b.status.current.consecutive_failures, 2);
}

// Verifies a late result older than everything in a ring that is not full is merged in front.
TEST(DerivePosture, LateResultBeforeEverythingIsMerged) {
  auto a = Feed(Fresh(), {Up(120), Up(180)}, 180);
  auto b = Feed(a.status, {Down(60)}, 180);
  EXPECT_EQ(b.stats.out_of_order, 1);
  ASSERT_EQ(b.status.ring.size(), 3u);
  EXPECT_EQ(b.status.ring.front().event_id, "h@60");
  EXPECT_EQ(b.status.current.status_since, Sec(120));  // pending at 60, up at 120
  EXPECT_TRUE(b.transitions.empty());                  // up before and after
  auto sorted = Feed(Fresh(), {Down(60), Up(120), Up(180)}, 180);
  EXPECT_EQ(b.status, sorted.status);
}

// Verifies the ring keeps the newest flap_window results in order and folds the rest into base.
TEST(DerivePosture, RingIsBoundedAndBaseFolded) {
  PostureRules rules;
  rules.flap_window = 5;
  std::vector<CheckResult> batch;
  for (int i = 0; i < 12; ++i) batch.push_back(i % 4 == 3 ? Down(i * 60) : Up(i * 60));
  auto step = Feed(Fresh(), batch, 11 * 60, rules);
  ASSERT_EQ(step.status.ring.size(), 5u);
  EXPECT_EQ(step.status.ring.front().observed_at, Sec(7 * 60));
  EXPECT_EQ(step.status.ring.back().observed_at, Sec(11 * 60));
  EXPECT_EQ(step.status.base.last_result_at, Sec(6 * 60));
  EXPECT_EQ(step.status.base.outcome_count, 7);

  // A smaller window later folds the surplus into base without changing the current facts.
  rules.flap_window = 3;
  auto shrunk = Feed(step.status, {}, 11 * 60, rules);
  EXPECT_EQ(shrunk.status.ring.size(), 3u);
  EXPECT_EQ(shrunk.status.base.last_result_at, Sec(8 * 60));
  EXPECT_EQ(shrunk.status.current.state, step.status.current.state);
}

// Verifies stale is dated at the deadline, a sweep while stale is silent, and the deadline is
// strict (exactly stale_after old is still fresh).
TEST(DerivePosture, StaleAtDeadline) {
  auto a = Feed(Fresh(), {Up(0)}, 0);
  EXPECT_TRUE(Feed(a.status, {}, 210).transitions.empty());
  auto b = Feed(a.status, {}, 500);
  ASSERT_EQ(b.transitions.size(), 1u);
  EXPECT_EQ(b.transitions[0].to, PostureState::kStale);
  EXPECT_EQ(b.transitions[0].at, Sec(210));
  EXPECT_EQ(b.transitions[0].reason, TransitionReason::kNoFreshResult);
  EXPECT_TRUE(b.transitions[0].important);
  EXPECT_EQ(b.status.current.last_good_status, PostureState::kUp);
  EXPECT_TRUE(Feed(b.status, {}, 900).transitions.empty());
}

// Verifies down is confirmed only after fail_threshold failures, with its reason text.
TEST(DerivePosture, DownAfterThresholdWithReason) {
  auto step = Feed(Fresh(), {Up(0), Down(60), Down(120), Down(190)}, 190);
  ASSERT_EQ(step.transitions.size(), 3u);
  const auto& t = step.transitions[2];
  EXPECT_EQ(t.from, PostureState::kPending);
  EXPECT_EQ(t.to, PostureState::kDown);
  EXPECT_EQ(t.at, Sec(190));
  EXPECT_EQ(t.reason_text, "3 consecutive failures over 2m10s (connect_refused)");
  EXPECT_EQ(t.event_id, "h@190");
  EXPECT_TRUE(t.important);
  EXPECT_EQ(step.status.current.last_up_at, Sec(0));
}

// Verifies unvalidated, out-of-range rules are clamped instead of crashing or looping.
TEST(DerivePosture, ClampsInvalidRules) {
  PostureRules rules;
  rules.fail_threshold = 0;
  rules.recover_threshold = -5;
  rules.flap_window = 10'000;
  rules.flap_low = 2.0;
  rules.flap_high = -1.0;
  rules.stale_after = Duration(-1);
  std::vector<CheckResult> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(i % 2 ? Down(i) : Up(i));
  auto step = Feed(Fresh(), batch, 100, rules);
  EXPECT_LE(step.status.ring.size(), 63u);
  EXPECT_NE(step.status.current.state, PostureState::kUnknown);
}

// Verifies the in-place ApplyResults and DerivePosture agree.
TEST(ApplyResults, MatchesDerivePosture) {
  std::vector<CheckResult> batch{Up(0), Down(60), Down(120), Down(180), Up(240)};
  auto step = Feed(Fresh(), batch, 240);
  auto status = Fresh();
  std::vector<model::PostureTransition> transitions;
  auto stats = ApplyResults(status, batch, PostureRules{}, Sec(240), transitions);
  EXPECT_EQ(status, step.status);
  EXPECT_EQ(transitions, step.transitions);
  EXPECT_EQ(stats.applied, 5);
}

// Verifies the flap value formula: weights 0.8 (oldest) .. 1.2 (newest), divided by the window.
// Verifies a result that changed every time gives exactly 1 (never above, whatever rounding).
TEST(FlapValue, NeverExceedsOne) {
  for (int window = 2; window <= 64; ++window) {
    const uint64_t alternating = 0x5555555555555555ULL;
    double v = FlapValue(alternating, 64, window);
    EXPECT_LE(v, 1.0) << window;
    EXPECT_GE(v, 0.98) << window;
  }
}

TEST(FlapValue, WeightsChangesLinearly) {
  EXPECT_DOUBLE_EQ(FlapValue(0, 0, 20), 0.0);
  EXPECT_DOUBLE_EQ(FlapValue(0b1, 1, 20), 0.0);        // a first result has no change bit
  EXPECT_DOUBLE_EQ(FlapValue(0b01, 2, 20), 1.2 / 20);  // newest changed
  // Oldest in the window (21 results: the 20th newest differs from the 21st).
  EXPECT_DOUBLE_EQ(FlapValue(uint64_t{1} << 20, 21, 20), 0.8 / 20);
  // Every one of the 20 results changed: the weights sum to the window, value 1.
  EXPECT_NEAR(FlapValue(0x55555555'55555555ULL, 64, 20), 1.0, 1e-12);
  // Changes older than the window do not count.
  EXPECT_DOUBLE_EQ(FlapValue(uint64_t{1} << 30, 40, 20), 0.0);
}

// Verifies which transitions are sent and which only recorded.
TEST(IsImportantTransition, FollowsTheTable) {
  using S = PostureState;
  EXPECT_FALSE(IsImportantTransition(S::kUnknown, S::kUp));
  EXPECT_FALSE(IsImportantTransition(S::kUnknown, S::kPending));
  EXPECT_FALSE(IsImportantTransition(S::kUp, S::kPending));
  EXPECT_FALSE(IsImportantTransition(S::kPending, S::kUp));
  EXPECT_TRUE(IsImportantTransition(S::kUnknown, S::kDown));
  EXPECT_TRUE(IsImportantTransition(S::kPending, S::kDown));
  EXPECT_TRUE(IsImportantTransition(S::kUp, S::kDown));
  EXPECT_TRUE(IsImportantTransition(S::kDown, S::kUp));
  EXPECT_TRUE(IsImportantTransition(S::kDown, S::kPending));
  EXPECT_TRUE(IsImportantTransition(S::kPending, S::kFlapping));
  EXPECT_TRUE(IsImportantTransition(S::kFlapping, S::kUp));
  EXPECT_TRUE(IsImportantTransition(S::kUp, S::kStale));
  EXPECT_TRUE(IsImportantTransition(S::kStale, S::kUp));
  EXPECT_FALSE(IsImportantTransition(S::kDown, S::kDown));
}

// Verifies the dashboard numbers and that every wire name parses back.
TEST(PostureNames, StatusNumAndRoundTrip) {
  using S = PostureState;
  EXPECT_EQ(model::StatusNum(S::kUp), 1);
  EXPECT_EQ(model::StatusNum(S::kStale), 0);
  EXPECT_EQ(model::StatusNum(S::kUnknown), -1);
  EXPECT_EQ(model::StatusNum(S::kDown), -2);
  EXPECT_EQ(model::StatusNum(S::kPending), 2);
  EXPECT_EQ(model::StatusNum(S::kFlapping), -3);
  EXPECT_EQ(model::StatusNum(S::kMaintenance), 3);
  for (S s : {S::kUnknown, S::kUp, S::kPending, S::kDown, S::kFlapping, S::kStale, S::kMaintenance})
    EXPECT_EQ(model::ParsePostureState(model::PostureStateName(s)), s);
  for (int r = 0; r <= static_cast<int>(TransitionReason::kRecomputed); ++r) {
    const auto reason = static_cast<TransitionReason>(r);
    EXPECT_EQ(model::ParseTransitionReason(model::TransitionReasonName(reason)), reason);
  }
  EXPECT_EQ(model::ParseCheckOutcome("probe_error"), CheckOutcome::kProbeError);
  EXPECT_FALSE(model::ParseCheckOutcome("timeout").has_value());
}

// Verifies the reason texts' number formatting.
TEST(PostureText, SpansAndRatios) {
  EXPECT_EQ(FormatSpan(Duration(0)), "0s");
  EXPECT_EQ(FormatSpan(Duration(-5)), "0s");
  EXPECT_EQ(FormatSpan(Duration(45'000)), "45s");
  EXPECT_EQ(FormatSpan(Duration(130'000)), "2m10s");
  EXPECT_EQ(FormatSpan(Duration(3'605'000)), "1h0m5s");
  EXPECT_EQ(FormatSpan(Duration(1'500)), "1.5s");
  EXPECT_EQ(FormatRatio(0.3417), "0.34");
  EXPECT_EQ(FormatRatio(0.25), "0.25");
}

}  // namespace
}  // namespace secplat::core::posture
