// `secplat worker` on real processes: api + worker (+ nginx fixture sites and a slow server on
// loopback). Scans requested through the API run, report findings/events/job status through
// the API; SSRF targets are refused with the reason in the job log; a worker killed with
// SIGKILL mid-scan loses no job and duplicates no event or finding.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "tests/e2e/harness.h"
#include "tests/support/hostile_server.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace secplat::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

json Body(const adapters::http::ClientResponse& r) { return json::parse(r.body); }

class WorkerE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = TestPki::Shared();
    ASSERT_TRUE(pki.has_value()) << pki.error().message;
    pki_ = *pki;
    auto nginx = NginxServer::Start({nginx_sites::Tls12Only(*pki_), nginx_sites::GitExposed(),
                                     nginx_sites::RedirectToMetadata()});
    ASSERT_TRUE(nginx.has_value()) << nginx.error().message;
    nginx_ = std::move(*nginx);
    h_ = Harness::Create();
    h_->Start("api");
  }

  std::map<std::string, std::string> WorkerEnv() {
    return {{"SECPLAT_WORKER_ALLOW_LOOPBACK", "true"},
            {"SECPLAT_WORKER_CA_FILE", pki_->ca_cert()},
            {"SECPLAT_WORKER_STATIC_HOSTS", "site.test=127.0.0.1,metadata.test=169.254.169.254"},
            {"SECPLAT_WORKER_MAX_IN_FLIGHT", "64"},
            {"SECPLAT_WORKER_LEASE", "4s"}};
  }

  void CreateAsset(const std::string& key, const std::string& url) {
    json a = {{"asset_key", key}, {"kind", "web"}, {"url", url}};
    auto r = h_->Call("POST", "/api/v1/assets", a.dump(), h_->analyst_token);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  int64_t RequestScan(const std::string& key, const std::string& type,
                      const std::string& idem = "") {
    json req = {{"asset_key", key}, {"scan_type", type}};
    if (!idem.empty()) req["idempotency_key"] = idem;
    auto r = h_->Call("POST", "/api/v1/scans", req.dump(), h_->analyst_token);
    EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
    return Body(r)["id"].get<int64_t>();
  }

  json Job(int64_t id) {
    auto r = h_->Call("GET", "/api/v1/scans/" + std::to_string(id), "", h_->viewer_token);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }

  // Waits until every job is done or failed.
  bool WaitFinished(const std::vector<int64_t>& ids, seconds timeout = seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      bool all = true;
      for (int64_t id : ids) {
        std::string s = Job(id)["status"];
        if (s != "done" && s != "failed" && s != "dead") all = false;
      }
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  json Events(const std::string& asset_key) {
    auto r =
        h_->Call("GET", "/api/v1/events?limit=1000&asset_key=" + asset_key, "", h_->viewer_token);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["items"];
  }

  json Findings(const std::string& asset_key) {
    auto r =
        h_->Call("GET", "/api/v1/findings?limit=1000&asset_key=" + asset_key, "", h_->viewer_token);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["items"];
  }

  const TestPki* pki_ = nullptr;
  std::unique_ptr<NginxServer> nginx_;
  std::unique_ptr<Harness> h_;
};

// Verifies the three scan types run end to end: job status, log, result events and findings.
TEST_F(WorkerE2e, ScansRunAndReportThroughTheApi) {
  CreateAsset("tls-site", nginx_->Url(nginx_sites::kTls12Only));
  CreateAsset("git-site", nginx_->Url(nginx_sites::kGitExposed));
  std::vector<int64_t> jobs = {RequestScan("tls-site", "health_http"),
                               RequestScan("tls-site", "tls_headers"),
                               RequestScan("git-site", "web_exposure")};
  pid_t worker = h_->StartRole("worker", {"worker"}, WorkerEnv());
  ASSERT_TRUE(WaitFinished(jobs)) << h_->RoleLog("worker");
  for (int64_t id : jobs) {
    json j = Job(id);
    EXPECT_EQ(j["status"], "done") << j.dump() << h_->RoleLog("worker");
    EXPECT_EQ(j["attempts"], 1);
    EXPECT_NE(j["log_output"].get<std::string>().find("completed"), std::string::npos) << j.dump();
  }
  // health: one scan.completed event saying up, with per-phase timings.
  int completed = 0;
  json events = Events("tls-site");
  for (auto& e : events) {
    if (e["event_type"] != "scan.completed") continue;
    if (e["payload"]["scan_type"] == "health_http") {
      ++completed;
      EXPECT_EQ(e["payload"]["facts"]["health.up"], true) << e.dump();
      EXPECT_TRUE(e["payload"]["facts"].contains("health.phase.total_ms")) << e.dump();
    }
    if (e["payload"]["scan_type"] == "tls_headers") {
      EXPECT_TRUE(e["payload"]["facts"].contains("tls.grade")) << e.dump();
    }
  }
  EXPECT_EQ(completed, 1);
  // web_exposure on the exposed site found /.git/HEAD.
  bool git_head = false;
  json findings = Findings("git-site");
  for (auto& f : findings) {
    if (f["check_id"] == "git-head" && f["location"] == "/.git/HEAD") git_head = true;
  }
  EXPECT_TRUE(git_head) << findings.dump();
  // tls_headers on a TLS 1.2-only site with missing headers reports header findings.
  EXPECT_FALSE(Findings("tls-site").empty());
  EXPECT_EQ(h_->StopRole(worker), 0) << h_->RoleLog("worker");
}

// Verifies SSRF targets are refused with the address and rule in the job log: the metadata
// address itself, an allowed-looking name that resolves to it, and a redirect to it.
TEST_F(WorkerE2e, SsrfTargetsAreRefusedWithTheReasonInTheJobLog) {
  CreateAsset("metadata", "http://169.254.169.254/latest/meta-data/");
  CreateAsset("rebind", "http://metadata.test/latest/meta-data/");
  CreateAsset("redirector", nginx_->Url(nginx_sites::kRedirectToMetadata));
  std::vector<int64_t> jobs = {RequestScan("metadata", "health_http"),
                               RequestScan("rebind", "health_http"),
                               RequestScan("redirector", "health_http")};
  pid_t worker = h_->StartRole("worker", {"worker"}, WorkerEnv());
  ASSERT_TRUE(WaitFinished(jobs)) << h_->RoleLog("worker");
  for (int64_t id : jobs) {
    json j = Job(id);
    EXPECT_EQ(j["status"], "failed") << j.dump();
    std::string log = j["log_output"];
    EXPECT_NE(log.find("blocked_by_policy"), std::string::npos) << log;
    EXPECT_NE(log.find("169.254.169.254"), std::string::npos) << log;
    EXPECT_NE(log.find("link-local"), std::string::npos) << log;
  }
  // A refused scan is "no data" for posture: scan.failed, never a down verdict.
  for (const char* key : {"metadata", "rebind", "redirector"}) {
    json events = Events(key);
    ASSERT_EQ(events.size(), 1u) << events.dump();
    EXPECT_EQ(events[0]["event_type"], "scan.failed");
    EXPECT_EQ(events[0]["payload"]["error_code"], "blocked_by_policy");
  }
  h_->StopRole(worker);
}

// Verifies a worker SIGKILLed mid-scan loses no job and duplicates nothing: a second worker
// finishes every job, each job has exactly one result event, and findings are not doubled.
TEST_F(WorkerE2e, KilledWorkerLosesNoJobAndDuplicatesNothing) {
  HostileServer::Options slow;
  slow.delay = std::chrono::milliseconds(1500);
  auto server = HostileServer::Start(HostileServer::Mode::kSlowOk, slow);
  ASSERT_TRUE(server.has_value()) << server.error().message;
  std::vector<int64_t> jobs;
  for (int i = 0; i < 12; ++i) {
    std::string key = "slow-" + std::to_string(i);
    CreateAsset(key, (*server)->Url("/"));
    jobs.push_back(RequestScan(key, "health_http"));
  }
  CreateAsset("git-site", nginx_->Url(nginx_sites::kGitExposed));
  jobs.push_back(RequestScan("git-site", "web_exposure"));

  pid_t first = h_->StartRole("worker-1", {"worker"}, WorkerEnv());
  // Let it start scans (4 at a time against the slow host), then kill it mid-scan.
  auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while ((*server)->connections_accepted() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GE((*server)->connections_accepted(), 2) << h_->RoleLog("worker-1");
  EXPECT_EQ(h_->StopRole(first, /*hard=*/true), 128 + SIGKILL);

  // The embedded queue gives the killed worker's messages to the next one after the lease.
  pid_t second = h_->StartRole("worker-2", {"worker"}, WorkerEnv());
  ASSERT_TRUE(WaitFinished(jobs, seconds(120))) << h_->RoleLog("worker-2");
  std::set<std::string> event_ids;
  for (int i = 0; i < 12; ++i) {
    std::string key = "slow-" + std::to_string(i);
    json job = Job(jobs[i]);
    EXPECT_EQ(job["status"], "done") << job.dump();
    json events = Events(key);
    ASSERT_EQ(events.size(), 1u) << key << ": " << events.dump();
    EXPECT_EQ(events[0]["event_type"], "scan.completed");
    event_ids.insert(events[0]["event_id"]);
  }
  EXPECT_EQ(event_ids.size(), 12u);
  json findings = Findings("git-site");
  std::set<std::string> keys;
  for (auto& f : findings) keys.insert(f["finding_key"]);
  EXPECT_EQ(keys.size(), findings.size());
  EXPECT_EQ(Events("git-site").size(), 1u);
  h_->StopRole(second);
}

}  // namespace
}  // namespace secplat::testing
