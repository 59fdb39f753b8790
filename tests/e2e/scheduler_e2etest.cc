// `secplat scheduler` against a real `secplat api`: due scans become jobs once per period,
// a second sweep (or a second scheduler) adds none, disabled assets and scan types get none,
// and a person's scan request in the same period joins the scheduled job.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "tests/e2e/harness.h"

namespace secplat::testing {
namespace {

using nlohmann::json;

json Body(const adapters::http::ClientResponse& r) { return json::parse(r.body); }

class SchedulerE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    h_ = Harness::Create();
    h_->Start("api");
    // Daily health checks so that no period boundary falls inside the test.
    const char* assets[] = {
        R"({"asset_key":"web-a","kind":"web","url":"https://a.test/",)"
        R"("scan":{"health_http":{"interval_seconds":86400}}})",
        R"({"asset_key":"web-b","kind":"web","url":"http://b.test/",)"
        R"("scan":{"health_http":{"interval_seconds":86400}}})",
        R"({"asset_key":"web-c","kind":"web","url":"https://c.test/","enabled":false})",
        R"({"asset_key":"web-d","kind":"web","url":"https://d.test/",)"
        R"("scan":{"tls_headers":{"enabled":false},"health_http":{"interval_seconds":86400}}})",
    };
    for (const char* a : assets) {
      auto r = h_->Call("POST", "/api/v1/assets", a, h_->analyst_token);
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }

  std::map<std::string, std::string> Jobs() {
    auto r = h_->Call("GET", "/api/v1/scans?limit=1000", "", h_->viewer_token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::map<std::string, std::string> by_key;
    json body = Body(r);
    for (auto& j : body["items"]) by_key[j["idempotency_key"]] = j["scan_type"];
    return by_key;
  }

  std::unique_ptr<Harness> h_;
};

// Verifies one sweep requests exactly the due scans with period keys, and a second sweep none.
TEST_F(SchedulerE2e, OneJobPerAssetScanTypeAndPeriod) {
  auto first = RunSecplat({"scheduler", "--once"}, h_->RoleEnv());
  ASSERT_EQ(first.exit_code, 0) << first.err << first.out;
  // web-a: 3 types; web-b (http): health + exposure; web-c disabled: none; web-d: no tls.
  EXPECT_NE(first.out.find("assets 4, requested 7, existing 0, refused 0"), std::string::npos)
      << first.out;
  auto jobs = Jobs();
  ASSERT_EQ(jobs.size(), 7u);
  std::multiset<std::string> pairs;
  for (const auto& [key, type] : jobs) {
    size_t plus = key.find('+');
    size_t last = key.rfind('+');
    ASSERT_NE(plus, last) << key;
    EXPECT_EQ(key.substr(0, plus), type);
    pairs.insert(type + " " + key.substr(plus + 1, last - plus - 1));
    EXPECT_GT(std::stoll(key.substr(last + 1)), 0) << key;
  }
  EXPECT_EQ(pairs,
            (std::multiset<std::string>{
                "health_http web-a", "tls_headers web-a", "web_exposure web-a", "health_http web-b",
                "web_exposure web-b", "health_http web-d", "web_exposure web-d"}));

  // A second scheduler process (fresh memory) finds every job already there.
  auto second = RunSecplat({"scheduler", "--once"}, h_->RoleEnv());
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("requested 0, existing 7"), std::string::npos) << second.out;
  EXPECT_EQ(Jobs().size(), 7u);

  // A person asking for the same scan in the same period joins the scheduled job.
  auto manual = h_->Call("POST", "/api/v1/scans",
                         R"({"asset_key":"web-a","scan_type":"health_http"})", h_->analyst_token);
  EXPECT_EQ(manual.status, 200) << manual.body;
  EXPECT_EQ(Jobs().size(), 7u);
}

// Verifies the role refuses to start without a service token, naming the settings.
TEST_F(SchedulerE2e, NeedsAServiceToken) {
  auto env = h_->RoleEnv();
  env.erase("SECPLAT_PLATFORM_TOKEN");
  auto r = RunSecplat({"scheduler", "--once"}, env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("SECPLAT_PLATFORM_TOKEN"), std::string::npos) << r.err;
  // A viewer token is authenticated but may not request scans: the sweep fails visibly.
  env["SECPLAT_PLATFORM_TOKEN"] = h_->viewer_token;
  auto viewer = RunSecplat({"scheduler", "--once"}, env);
  EXPECT_NE(viewer.exit_code, 0);
  EXPECT_TRUE(Jobs().empty());
}

}  // namespace
}  // namespace secplat::testing
