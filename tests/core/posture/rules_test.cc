#include "core/posture/rules.h"

#include <gtest/gtest.h>

namespace secplat::core::posture {
namespace {

using model::PostureRules;
using model::PostureRulesOverride;

std::string ErrorOf(const PostureRules& r) {
  Status s = ValidateRules(r);
  return s.has_value() ? "" : s.error().message;
}

// Verifies the documented defaults are valid and as documented.
TEST(PostureRules, DefaultsAreValid) {
  PostureRules r;
  EXPECT_TRUE(ValidateRules(r).has_value());
  EXPECT_EQ(r.fail_threshold, 3);
  EXPECT_EQ(r.recover_threshold, 2);
  EXPECT_EQ(r.debounce_window, Duration(0));
  EXPECT_EQ(r.flap_window, 20);
  EXPECT_EQ(r.stale_after, StaleAfterFor(r.health_interval));
  EXPECT_EQ(StaleAfterFor(Duration(60'000)), Duration(210'000));
}

// Verifies each bad field is named in the error, with the value it had.
TEST(PostureRules, NamesEachInvalidField) {
  struct Case {
    const char* what;
    PostureRules rules;
    const char* error;
  };
  const Case cases[] = {
      {"fail_threshold 0",
       {.fail_threshold = 0},
       "fail_threshold: must be between 1 and 100 (got 0)"},
      {"recover_threshold 101",
       {.recover_threshold = 101},
       "recover_threshold: must be between 1 and 100 (got 101)"},
      {"negative window",
       {.debounce_window = Duration(-1)},
       "debounce_window: must not be negative"},
      {"flap_window 1", {.flap_window = 1}, "flap_window: must be between 2 and 63 (got 1)"},
      {"flap_window 64", {.flap_window = 64}, "flap_window: must be between 2 and 63 (got 64)"},
      {"low above high", {.flap_low = 0.4}, "flap_low: must be below flap_high (0.40 >= 0.30)"},
      {"low 0", {.flap_low = 0.0}, "flap_low: must be above 0 and below 1 (got 0.00)"},
      {"high above 1", {.flap_high = 1.5}, "flap_high: must be above 0 and at most 1 (got 1.50)"},
      {"interval 0",
       {.health_interval = Duration(0), .stale_after = Duration(1)},
       "health_interval: must be positive"},
      {"stale_after <= interval",
       {.stale_after = Duration(60'000)},
       "stale_after: must be longer than health_interval (1m0s <= 1m0s)"},
      {"duplicate scan type",
       {.scan_types = {{"tls_headers", Duration(1)}, {"tls_headers", Duration(1)}}},
       "scan_types[1].scan_type: duplicate 'tls_headers'"},
      {"empty scan type",
       {.scan_types = {{"", Duration(0)}}},
       "scan_types[0].scan_type: must not be empty; scan_types[0].interval: must be positive"},
  };
  for (const auto& c : cases) {
    // Verifies: the named problem is reported.
    const std::string error = ErrorOf(c.rules);
    EXPECT_NE(error.find(c.error), std::string::npos) << c.what << ": " << error;
  }
}

// Verifies every problem is reported together, not just the first.
TEST(PostureRules, ReportsAllProblemsTogether) {
  const std::string error = ErrorOf({.fail_threshold = 0, .flap_window = 0});
  EXPECT_NE(error.find("fail_threshold"), std::string::npos);
  EXPECT_NE(error.find("flap_window"), std::string::npos);
  EXPECT_NE(error.find("; "), std::string::npos);
}

// Verifies NaN flap thresholds are rejected.
TEST(PostureRules, RejectsNan) {
  EXPECT_FALSE(ValidateRules({.flap_high = std::numeric_limits<double>::quiet_NaN()}).has_value());
}

// Verifies an override replaces only the fields it sets.
TEST(MergeRules, OverrideReplacesSetFieldsOnly) {
  PostureRules global;
  global.flap_window = 30;
  auto merged = MergeRules(global, {.fail_threshold = 1, .recover_threshold = 4});
  ASSERT_TRUE(merged.has_value());
  EXPECT_EQ(merged->fail_threshold, 1);
  EXPECT_EQ(merged->recover_threshold, 4);
  EXPECT_EQ(merged->flap_window, 30);
  EXPECT_EQ(merged->stale_after, global.stale_after);
  auto same = MergeRules(global, {});
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(*same, global);
}

// Verifies a faster health interval moves stale_after with it (one staleness threshold),
// unless the override sets stale_after itself.
TEST(MergeRules, HealthIntervalMovesStaleAfter) {
  auto fast = MergeRules({}, {.health_interval = Duration(10'000)});
  ASSERT_TRUE(fast.has_value());
  EXPECT_EQ(fast->stale_after, Duration(60'000));
  auto explicit_stale =
      MergeRules({}, {.health_interval = Duration(10'000), .stale_after = Duration(45'000)});
  ASSERT_TRUE(explicit_stale.has_value());
  EXPECT_EQ(explicit_stale->stale_after, Duration(45'000));
}

// Verifies an override that makes the rules invalid is an invalid-argument error.
TEST(MergeRules, InvalidResultIsAnError) {
  auto merged = MergeRules({}, {.flap_low = 0.5});
  ASSERT_FALSE(merged.has_value());
  EXPECT_EQ(merged.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(merged.error().message.find("flap_low"), std::string::npos);
}

}  // namespace
}  // namespace secplat::core::posture
