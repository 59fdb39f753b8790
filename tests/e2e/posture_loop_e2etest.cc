// The worker → API → deriver loop on real processes: a loopback HTTP target toggled up, down
// and flapping. Each step requests one health scan, waits until the deriver has taken its
// result, and the posture follows the debounce/flapping rules: a flapping target produces
// exactly two posture.changed events (entering and leaving flapping), never a stream of
// down/up.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/server.h"
#include "tests/e2e/harness.h"

namespace secplat::testing {
namespace {

using nlohmann::json;

json Body(const adapters::http::ClientResponse& r) { return json::parse(r.body); }

class PostureLoopE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    auto target = adapters::http::Server::Start({},
                                                [this](const adapters::http::Request&) {
                                                  return adapters::http::Response{
                                                      .status = code_.load(), .body = "{}"};
                                                },
                                                {});
    ASSERT_TRUE(target.has_value()) << target.error().message;
    target_ = std::move(*target);
    h_ = Harness::Create();
    h_->Start("api");
    json asset = {{"asset_key", "toggle"},
                  {"kind", "web"},
                  {"url", "http://127.0.0.1:" + std::to_string(target_->port()) + "/"},
                  {"labels", {{"posture.flap_window", "10"}}}};
    auto r = h_->Call("POST", "/api/v1/assets", asset.dump(), h_->analyst_token);
    ASSERT_EQ(r.status, 201) << r.body;
    env_ = {{"SECPLAT_WORKER_ALLOW_LOOPBACK", "true"}};
    h_->StartRole("worker", {"worker"}, env_);
    deriver_ = h_->StartRole("deriver", {"deriver"}, env_);
  }

  // One health scan with the target answering `status`; returns the posture detail once the
  // deriver has applied the result.
  json Step(int status) {
    code_ = status;
    ++steps_;
    json req = {{"asset_key", "toggle"},
                {"scan_type", "health_http"},
                {"idempotency_key", "health_http+toggle+step-" + std::to_string(steps_)}};
    auto r = h_->Call("POST", "/api/v1/scans", req.dump(), h_->analyst_token);
    EXPECT_EQ(r.status, 201) << r.body;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      auto p = h_->Call("GET", "/api/v1/posture/toggle", "", h_->viewer_token);
      if (p.status == 200) {
        json d = Body(p);
        if (!d["status"].is_null() && d["status"]["results_applied"].get<int64_t>() >= steps_) {
          return d;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "step " << steps_ << " not derived in time\n"
                  << h_->RoleLog("worker") << h_->RoleLog("deriver");
    return json::object();
  }

  std::vector<json> Changes() {
    auto r = h_->Call("GET", "/api/v1/events?limit=1000&asset_key=toggle&type=posture.changed", "",
                      h_->viewer_token);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<json> out;
    json body = Body(r);
    for (auto& e : body["items"]) out.push_back(e["payload"]);
    return out;
  }

  std::map<std::string, std::string> env_;
  pid_t deriver_ = -1;
  std::atomic<int> code_{200};
  int64_t steps_ = 0;
  std::unique_ptr<adapters::http::Server> target_;
  std::unique_ptr<Harness> h_;
};

TEST_F(PostureLoopE2e, DebouncesDownAndUpAndAnnouncesFlappingOnceEachWay) {
  // Up.
  json d;
  for (int i = 0; i < 3; ++i) d = Step(200);
  EXPECT_EQ(d["state"], "up") << d.dump();
  EXPECT_TRUE(Changes().empty()) << "the first up is recorded, not announced";

  // Two failures are only pending; the third confirms down (fail_threshold 3).
  d = Step(503);
  EXPECT_EQ(d["state"], "pending");
  d = Step(503);
  EXPECT_EQ(d["state"], "pending");
  d = Step(503);
  EXPECT_EQ(d["state"], "down") << d.dump();
  // One success is not enough to recover (recover_threshold 2); two are.
  d = Step(200);
  EXPECT_EQ(d["state"], "down");
  d = Step(200);
  EXPECT_EQ(d["state"], "up");
  auto changes = Changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0]["to"], "down");
  EXPECT_EQ(changes[0]["reason"], "consecutive_failures");
  EXPECT_EQ(changes[1]["from"], "down");
  EXPECT_EQ(changes[1]["to"], "up");

  // A deriver killed and restarted neither re-announces the unchanged state nor misses a
  // change: its state is the record in the API.
  EXPECT_EQ(h_->StopRole(deriver_, /*hard=*/true), 128 + SIGKILL);
  deriver_ = h_->StartRole("deriver-2", {"deriver"}, env_);
  d = Step(200);
  EXPECT_EQ(d["state"], "up");
  EXPECT_EQ(Changes().size(), 2u) << "a restart re-announced an unchanged state";

  // Flapping: alternate. Exactly one announcement on entering, however long it flaps.
  bool entered = false;
  for (int i = 0; i < 12; ++i) {
    d = Step(i % 2 == 0 ? 503 : 200);
    if (d["state"] == "flapping") entered = true;
  }
  EXPECT_TRUE(entered) << d.dump();
  EXPECT_EQ(d["state"], "flapping");
  // Steady again: leaves flapping once the weighted change share falls below flap_low.
  bool left = false;
  for (int i = 0; i < 14 && !left; ++i) {
    d = Step(200);
    left = d["state"] == "up";
  }
  EXPECT_TRUE(left) << d.dump();
  changes = Changes();
  ASSERT_EQ(changes.size(), 4u) << json(changes).dump();
  EXPECT_EQ(changes[2]["to"], "flapping");
  EXPECT_EQ(changes[2]["reason"], "flapping_started");
  EXPECT_EQ(changes[3]["from"], "flapping");
  EXPECT_EQ(changes[3]["reason"], "flapping_stopped");
  // The record explains itself: transitions with reasons, and the inputs that decided them.
  EXPECT_FALSE(d["recent_transitions"].empty());
  EXPECT_FALSE(d["inputs"].empty());
  EXPECT_GT(d["confidence"].get<int>(), 0);
}

}  // namespace
}  // namespace secplat::testing
