// The route table and the OpenAPI document must list the same operations.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/system_clock.h"
#include "services/api/http_api.h"

namespace secplat::services::api {
namespace {

// Verifies every route is documented with its operationId and every documented operation is a
// route, so neither can drift.
TEST(OpenApi, DocumentAndRouteTableMatch) {
  auto dir = std::filesystem::temp_directory_path() / "secplat-openapi-test";
  std::filesystem::create_directories(dir);
  adapters::sqlite::SqliteOptions opts;
  opts.path = (dir / "t.db").string();
  auto store = adapters::sqlite::SqliteStore::Open(opts);
  ASSERT_TRUE(store.has_value()) << store.error().message;
  adapters::metrics::PrometheusMetrics metrics;
  adapters::system::SystemClock clock;
  HttpApi api(**store, metrics, clock, {});

  auto doc = nlohmann::json::parse(HttpApi::OpenApiDocument());
  std::set<std::string> documented, routed;
  for (auto& [path, ops] : doc["paths"].items())
    for (auto& [method, op] : ops.items()) {
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(c));
      documented.insert(m + " " + path + " " + op["operationId"].get<std::string>());
      // Every operation documents its auth failures and at least one success.
      EXPECT_TRUE(op["responses"].contains("401")) << path;
      EXPECT_TRUE(op["responses"].contains("403")) << path;
    }
  for (const Route& r : api.router().routes())
    routed.insert(r.method + " " + r.pattern + " " + r.operation_id);
  EXPECT_EQ(documented, routed);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace secplat::services::api
