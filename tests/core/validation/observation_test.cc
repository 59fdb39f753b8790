#include "core/validation/observation.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace secplat::core::validation {
namespace {

using model::FindingObservation;

FindingObservation Obs() {
  FindingObservation o;
  o.asset_key = "web-shop";
  o.source = "tls_headers";
  o.check_id = "hsts_missing";
  o.location = "strict-transport-security";
  o.category = "headers";
  o.title = "Strict-Transport-Security header missing";
  o.severity = model::Severity::kMedium;
  o.evidence_json = R"({"status":200})";
  return o;
}

// Verifies a complete observation, and one with only the required fields, are valid.
TEST(ValidateObservation, AcceptsCompleteAndMinimalObservations) {
  FindingObservation full = Obs();
  full.finding_key = "f_1aa02491227baf4077ac91268acd1205";
  full.observed_at = FromUnixMillis(1764358200123);
  EXPECT_TRUE(ValidateObservation(full).has_value());
  FindingObservation minimal;
  minimal.asset_key = "a";
  minimal.source = "s";
  minimal.check_id = "c";
  minimal.title = "t";
  EXPECT_TRUE(ValidateObservation(minimal).has_value());
}

// Verifies the limits themselves are accepted.
TEST(ValidateObservation, AcceptsValuesAtTheLimits) {
  FindingObservation o = Obs();
  o.finding_key = std::string(128, 'k');
  o.source = std::string(64, 's');
  o.check_id = "a.b-c_" + std::string(58, 'd');
  o.location = std::string(1024, 'l');
  o.category = std::string(64, 'c');
  o.title = std::string(500, 't');
  o.evidence_json = "{\"x\":\"" + std::string(65536 - 8, 'e') + "\"}";
  ASSERT_EQ(o.evidence_json.size(), 65536u);
  auto s = ValidateObservation(o);
  EXPECT_TRUE(s.has_value()) << s.error().message;
}

struct Case {
  const char* why;
  std::function<void(FindingObservation&)> mutate;
  const char* message;
};

// Verifies every rule with its exact message.
TEST(ValidateObservation, RejectsEachRuleWithExactMessage) {
  const std::vector<Case> cases = {
      // Verifies a given finding_key must match its pattern.
      {"finding_key with space", [](auto& o) { o.finding_key = "f 1"; },
       "finding_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      {"finding_key too long", [](auto& o) { o.finding_key = std::string(129, 'k'); },
       "finding_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      // Verifies asset_key is required and patterned.
      {"empty asset_key", [](auto& o) { o.asset_key = ""; },
       "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      // Verifies source and check_id are lower-case identifiers.
      {"upper-case source", [](auto& o) { o.source = "TLS"; },
       "source: must match ^[a-z0-9][a-z0-9_.-]{0,63}$"},
      {"empty source", [](auto& o) { o.source = ""; },
       "source: must match ^[a-z0-9][a-z0-9_.-]{0,63}$"},
      {"check_id too long", [](auto& o) { o.check_id = std::string(65, 'c'); },
       "check_id: must match ^[a-z0-9][a-z0-9_.-]{0,63}$"},
      {"check_id leading dash", [](auto& o) { o.check_id = "-x"; },
       "check_id: must match ^[a-z0-9][a-z0-9_.-]{0,63}$"},
      // Verifies location and category lengths.
      {"location too long", [](auto& o) { o.location = std::string(1025, 'l'); },
       "location: must be at most 1024 characters"},
      {"category too long", [](auto& o) { o.category = std::string(65, 'c'); },
       "category: must be at most 64 characters"},
      // Verifies title is 1..500 characters of valid UTF-8.
      {"empty title", [](auto& o) { o.title = ""; }, "title: must be 1 to 500 characters"},
      {"long title", [](auto& o) { o.title = std::string(501, 't'); },
       "title: must be 1 to 500 characters"},
      {"title bad utf-8", [](auto& o) { o.title = "\xc0\xaf"; }, "title: must be valid UTF-8"},
      // Verifies an out-of-range severity is refused.
      {"bad severity", [](auto& o) { o.severity = static_cast<model::Severity>(5); },
       "severity: must be one of info, low, medium, high, critical"},
      // Verifies evidence is an object of at most 64 KiB.
      {"evidence too big",
       [](auto& o) { o.evidence_json = "{\"x\":\"" + std::string(65536, 'e') + "\"}"; },
       "evidence: must be at most 65536 bytes"},
      {"evidence array", [](auto& o) { o.evidence_json = "[]"; },
       "evidence: must be a JSON object"},
      {"evidence empty", [](auto& o) { o.evidence_json = ""; }, "evidence: must be a JSON object"},
      // Verifies observed_at must be representable in RFC 3339.
      {"observed_at year 10000", [](auto& o) { o.observed_at = FromUnixMillis(253402300800000); },
       "observed_at: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"},
  };
  for (const auto& c : cases) {
    FindingObservation o = Obs();
    c.mutate(o);
    auto s = ValidateObservation(o);
    ASSERT_FALSE(s.has_value()) << c.why;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.why;
    EXPECT_EQ(s.error().message, c.message) << c.why;
  }
}

// Verifies the example in observation.h's banner.
TEST(ValidateObservation, HeaderExampleHolds) {
  model::FindingObservation o{
      .asset_key = "web-1", .source = "tls_headers", .check_id = "HSTS", .title = "HSTS missing"};
  EXPECT_EQ(ValidateObservation(o).error().message,
            "check_id: must match ^[a-z0-9][a-z0-9_.-]{0,63}$");
}

}  // namespace
}  // namespace secplat::core::validation
