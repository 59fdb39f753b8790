// `secplat up` runs the scheduler, worker and deriver in-process: a registered asset gets
// scanned on schedule and its posture derived without any other process.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "adapters/http/server.h"
#include "tests/e2e/harness.h"

namespace secplat::testing {
namespace {

using nlohmann::json;

TEST(UpRolesE2e, ScheduledScanReachesPostureInOneProcess) {
  auto target = adapters::http::Server::Start(
      {}, [](const adapters::http::Request&) { return adapters::http::Response{.body = "{}"}; },
      {});
  ASSERT_TRUE(target.has_value()) << target.error().message;
  auto h = Harness::Create();
  std::string base = h->dir;
  h->dir = base + "/fresh";
  std::filesystem::create_directories(h->dir);
  h->Start("up", {{"SECPLAT_SCHEDULER_INTERVAL", "1s"}, {"SECPLAT_WORKER_ALLOW_LOOPBACK", "true"}});
  std::ifstream in(h->dir + "/data/admin.token");
  std::string admin;
  std::getline(in, admin);
  json asset = {{"asset_key", "local-web"},
                {"kind", "web"},
                {"url", "http://127.0.0.1:" + std::to_string((*target)->port()) + "/"}};
  auto created = h->Call("POST", "/api/v1/assets", asset.dump(), admin);
  ASSERT_EQ(created.status, 201) << created.body;

  std::string state;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto p = h->Call("GET", "/api/v1/posture/local-web", "", admin);
    if (p.status == 200) {
      state = json::parse(p.body)["state"];
      if (state == "up") break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(state, "up") << h->LogText();
  // The scheduler made the jobs (no one requested them), the worker ran them.
  auto jobs = h->Call("GET", "/api/v1/scans?asset_key=local-web&scan_type=health_http", "", admin);
  ASSERT_EQ(jobs.status, 200);
  json items = json::parse(jobs.body)["items"];
  ASSERT_FALSE(items.empty());
  EXPECT_EQ(items[0]["status"], "done");
  EXPECT_EQ(items[0]["requested_by"].get<std::string>().find("up-internal-roles") !=
                std::string::npos,
            true)
      << items[0].dump();
  h->Stop();
  h->dir = base;
}

}  // namespace
}  // namespace secplat::testing
