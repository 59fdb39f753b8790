#include "core/model/scan_result.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/model/probe.h"

namespace secplat::core::model {
namespace {

TEST(FactsToJson, EncodesEveryValueKindInOrder) {
  std::vector<Fact> facts = {
      {"health.up", true},
      {"health.status_code", int64_t{200}},
      {"health.total_seconds", 0.25},
      {"health.failure_reason", std::string("a\"b\n")},
      {"tls.accepted_versions", std::vector<std::string>{"TLSv1.2", "TLSv1.3"}},
  };
  EXPECT_EQ(FactsToJson(facts),
            R"({"health.up":true,"health.status_code":200,"health.total_seconds":0.25,)"
            R"("health.failure_reason":"a\"b\n","tls.accepted_versions":["TLSv1.2","TLSv1.3"]})");
}

TEST(FactsToJson, EmptyAndNonFinite) {
  EXPECT_EQ(FactsToJson({}), "{}");
  EXPECT_EQ(FactsToJson({{"x", std::numeric_limits<double>::infinity()}}), R"({"x":null})");
}

TEST(FactsToJson, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(FactsToJson({{"s", std::string("\xff")}}), "{\"s\":\"\xEF\xBF\xBD\"}");
}

TEST(ProbeNames, AreStableAndRoundTrip) {
  EXPECT_EQ(ProbeErrorName(ProbeError::kBlockedByPolicy), "blocked_by_policy");
  EXPECT_EQ(ProbeErrorName(ProbeError::kConnectRefused), "connect_refused");
  for (TlsVersion v : kAllTlsVersions) EXPECT_EQ(ParseTlsVersion(TlsVersionName(v)), v);
  EXPECT_FALSE(ParseTlsVersion("SSLv3").has_value());
}

}  // namespace
}  // namespace secplat::core::model
