#include "core/posture/asset_rules.h"

#include <gtest/gtest.h>

#include "core/posture/rules.h"

namespace secplat::core::posture {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// Verifies labels and the health interval become an override that MergeRules accepts.
TEST(OverrideForAsset, ReadsLabelsAndTheHealthInterval) {
  model::Asset a;
  a.labels = {{"posture.fail_threshold", "2"},    {"posture.recover_threshold", "3"},
              {"posture.flap_low", "0.2"},        {"posture.flap_high", "0.35"},
              {"posture.debounce_window", "30s"}, {"team", "payments"}};
  a.scan["health_http"] = {.enabled = true, .interval_seconds = 20};
  auto o = OverrideForAsset(a);
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->fail_threshold, 2);
  EXPECT_EQ(o->recover_threshold, 3);
  EXPECT_DOUBLE_EQ(*o->flap_low, 0.2);
  EXPECT_DOUBLE_EQ(*o->flap_high, 0.35);
  EXPECT_EQ(o->debounce_window, seconds(30));
  EXPECT_EQ(o->health_interval, seconds(20));
  EXPECT_FALSE(o->stale_after.has_value());
  auto rules = MergeRules(model::PostureRules{}, *o);
  ASSERT_TRUE(rules.has_value()) << rules.error().message;
  EXPECT_EQ(rules->stale_after, StaleAfterFor(seconds(20)));
}

// Verifies an asset without posture labels changes nothing.
TEST(OverrideForAsset, NothingToOverride) {
  auto o = OverrideForAsset(model::Asset{});
  ASSERT_TRUE(o.has_value());
  EXPECT_EQ(*o, model::PostureRulesOverride{});
}

// Verifies typos and bad values are errors naming the label.
TEST(OverrideForAsset, RejectsUnknownRulesAndBadValues) {
  struct Case {
    const char* key;
    const char* value;
    const char* message;
  } cases[] = {
      {"posture.fail_treshold", "2", "label posture.fail_treshold: unknown posture rule"},
      {"posture.fail_threshold", "0", "must be an integer from 1 to 1000, got \"0\""},
      {"posture.fail_threshold", "two", "must be an integer from 1 to 1000"},
      {"posture.flap_high", "1.5", "must be a decimal in (0, 1]"},
      {"posture.flap_low", "-0.1", "must be a decimal in (0, 1]"},
      {"posture.flap_low", "0.", "must be a decimal in (0, 1]"},
      {"posture.stale_after", "10", "must be a duration like 30s, 5m or 1h"},
      {"posture.debounce_window", "0s", "must be a duration"},
  };
  for (const Case& c : cases) {
    model::Asset a;
    a.labels[c.key] = c.value;
    auto o = OverrideForAsset(a);
    ASSERT_FALSE(o.has_value()) << c.key << "=" << c.value;
    EXPECT_NE(o.error().message.find(c.message), std::string::npos) << o.error().message;
  }
  model::Asset ok;
  ok.labels["posture.stale_after"] = "5m";
  EXPECT_EQ(OverrideForAsset(ok)->stale_after, minutes(5));
}

}  // namespace
}  // namespace secplat::core::posture
