#include "core/findings/lifecycle.h"

#include <gtest/gtest.h>

namespace secplat::core::findings {
namespace {

using model::FindingObservation;
using model::FindingStatus;
using model::Severity;

const Timestamp kT0 = FromUnixMillis(1'700'000'000'000);

FindingObservation Obs(Timestamp at, std::string title = "HSTS missing") {
  FindingObservation o;
  o.finding_key = "k1";
  o.asset_key = "web-1";
  o.source = "tls_headers";
  o.check_id = "hsts_missing";
  o.title = std::move(title);
  o.severity = Severity::kMedium;
  o.observed_at = at;
  return o;
}

// Verifies a second sighting counts and moves last_seen, keeping first_seen.
TEST(Lifecycle, RepeatedSightingUpdatesCountsAndTimes) {
  auto f = NewFinding(Obs(kT0), kT0);
  f = ApplyObservation(f, Obs(kT0 + std::chrono::minutes(5), "new title"), kT0);
  EXPECT_EQ(f.occurrences, 2);
  EXPECT_EQ(f.first_seen, kT0);
  EXPECT_EQ(f.last_seen, kT0 + std::chrono::minutes(5));
  EXPECT_EQ(f.title, "new title");
}

// Verifies an older, out-of-order sighting widens first_seen but does not overwrite content.
TEST(Lifecycle, OlderSightingDoesNotOverwriteNewerContent) {
  auto f = NewFinding(Obs(kT0, "current"), kT0);
  f = ApplyObservation(f, Obs(kT0 - std::chrono::minutes(5), "stale"), kT0);
  EXPECT_EQ(f.first_seen, kT0 - std::chrono::minutes(5));
  EXPECT_EQ(f.last_seen, kT0);
  EXPECT_EQ(f.title, "current");
}

// Verifies false positive is sticky across later sightings.
TEST(Lifecycle, FalsePositiveStaysFalsePositive) {
  auto f = NewFinding(Obs(kT0), kT0);
  auto fp = ApplyStatusChange(f, {.to = FindingStatus::kFalsePositive, .reason = "lab host"}, kT0);
  ASSERT_TRUE(fp.has_value());
  auto again = ApplyObservation(*fp, Obs(kT0 + std::chrono::hours(1)), kT0 + std::chrono::hours(1));
  EXPECT_EQ(again.status, FindingStatus::kFalsePositive);
}

// Verifies a resolved finding reopens when seen after the resolve.
TEST(Lifecycle, ResolvedReopensWhenSeenAgain) {
  auto f = NewFinding(Obs(kT0), kT0);
  auto r = ApplyStatusChange(f, {.to = FindingStatus::kResolved}, kT0 + std::chrono::minutes(1));
  ASSERT_TRUE(r.has_value());
  auto again =
      ApplyObservation(*r, Obs(kT0 + std::chrono::minutes(2)), kT0 + std::chrono::minutes(2));
  EXPECT_EQ(again.status, FindingStatus::kOpen);
  EXPECT_FALSE(again.resolved_at.has_value());
}

// Verifies acceptance holds until its expiry and reopens after it.
TEST(Lifecycle, AcceptanceExpires) {
  auto f = NewFinding(Obs(kT0), kT0);
  auto a = ApplyStatusChange(f,
                             {.to = FindingStatus::kAccepted,
                              .reason = "compensating control",
                              .accepted_until = kT0 + std::chrono::days(7),
                              .actor = "token:alice/ab"},
                             kT0);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->accepted_by, "token:alice/ab");
  EXPECT_EQ(
      ApplyObservation(*a, Obs(kT0 + std::chrono::days(1)), kT0 + std::chrono::days(1)).status,
      FindingStatus::kAccepted);
  EXPECT_EQ(
      ApplyObservation(*a, Obs(kT0 + std::chrono::days(8)), kT0 + std::chrono::days(8)).status,
      FindingStatus::kOpen);
}

// Verifies acceptance needs a reason and a bounded future expiry.
TEST(Lifecycle, AcceptanceRequiresReasonAndBoundedExpiry) {
  auto f = NewFinding(Obs(kT0), kT0);
  auto no_reason = ApplyStatusChange(
      f, {.to = FindingStatus::kAccepted, .accepted_until = kT0 + std::chrono::days(1)}, kT0);
  EXPECT_EQ(no_reason.error().message, "reason: required to accept a risk");
  auto past = ApplyStatusChange(
      f, {.to = FindingStatus::kAccepted, .reason = "x", .accepted_until = kT0}, kT0);
  EXPECT_EQ(past.error().message, "accepted_until: must be in the future");
  auto too_far = ApplyStatusChange(f,
                                   {.to = FindingStatus::kAccepted,
                                    .reason = "x",
                                    .accepted_until = kT0 + std::chrono::days(400)},
                                   kT0);
  EXPECT_EQ(too_far.error().message, "accepted_until: at most 366 days ahead");
}

// Verifies resolving twice is a conflict, not a silent no-op.
TEST(Lifecycle, ResolvingTwiceConflicts) {
  auto f = NewFinding(Obs(kT0), kT0);
  auto r = ApplyStatusChange(f, {.to = FindingStatus::kResolved}, kT0);
  auto again = ApplyStatusChange(*r, {.to = FindingStatus::kResolved}, kT0);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

}  // namespace
}  // namespace secplat::core::findings
