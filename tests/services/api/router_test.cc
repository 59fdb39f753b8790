#include "services/api/router.h"

#include <gtest/gtest.h>

namespace secplat::services::api {
namespace {

using core::auth::Permission;

Router MakeRouter() {
  Router r;
  auto h = [](const RequestContext&) { return ApiResponse{}; };
  r.Add({"GET", "/api/v1/assets", "listAssets", Permission::kRead, h});
  r.Add({"POST", "/api/v1/assets", "createAsset", Permission::kWriteAssets, h, true});
  r.Add({"GET", "/api/v1/assets/{asset_key}", "getAsset", Permission::kRead, h});
  r.Add({"POST", "/api/v1/findings/batch", "batch", Permission::kIngestFindings, h, true});
  r.Add({"GET", "/api/v1/findings/{finding_key}", "getFinding", Permission::kRead, h});
  return r;
}

// Verifies parameters are captured and percent-decoded.
TEST(Router, CapturesAndDecodesParameters) {
  Router r = MakeRouter();
  auto m = r.Match("GET", "/api/v1/assets/web%3A1");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->operation_id, "getAsset");
  EXPECT_EQ(m->params.at("asset_key"), "web:1");
}

// Verifies a literal segment wins over a parameter registered later, and vice versa order holds.
TEST(Router, LiteralRouteRegisteredFirstWins) {
  Router r = MakeRouter();
  auto m = r.Match("POST", "/api/v1/findings/batch");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->route->operation_id, "batch");
}

// Verifies a known path with the wrong method is 405 listing the allowed methods.
TEST(Router, WrongMethodIsMethodNotAllowedWithAllowList) {
  auto m = MakeRouter().Match("DELETE", "/api/v1/assets");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kMethodNotAllowed);
  EXPECT_EQ(m.error().message, "GET, POST");
}

// Verifies unknown paths, extra segments and empty parameters are 404.
TEST(Router, UnknownPathsAreNotFound) {
  Router r = MakeRouter();
  for (const char* p : {"/api/v1/nothing", "/api/v1/assets/a/b", "/api/v1/assets/", "/", ""}) {
    auto m = r.Match("GET", p);
    ASSERT_FALSE(m.has_value()) << p;
    EXPECT_EQ(m.error().code, ErrorCode::kNotFound) << p;
  }
}

// Verifies a bad escape in a path parameter is a 400, not a crash.
TEST(Router, BadEscapeIsInvalidArgument) {
  auto m = MakeRouter().Match("GET", "/api/v1/assets/%zz");
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace secplat::services::api
