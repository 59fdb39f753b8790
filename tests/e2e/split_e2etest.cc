// The split deployment on real processes and real engines: PostgreSQL 15 and Redis 7 on
// loopback, then `secplat api` on them, the scheduler, two workers, the deriver and the notifier,
// each its own process (scripts/split.sh starts the same, less the notifier). The assets point at
// loopback nginx sites (up), an nginx that was stopped (down) and a slow server (scans that stay in
// flight for seconds).
//
// The run: the scheduler's scans become findings and posture; one worker is killed with SIGKILL
// while it holds jobs; PostgreSQL is stopped (the API answers 503 with a retryable error and
// /readyz reports the store down) and started again on the same port and data (the API recovers
// without a restart). Once everything has settled:
//   - nothing lost: every job finished with its result event, every health result derived, the
//     queues drained with no dead letters, the outbox empty;
//   - nothing duplicated: one finding row per key, one result event per job, no posture.changed
//     announced twice.
// The notifier role runs too (AddNotifierRole): every posture.changed reaches a loopback webhook
// receiver exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/redis/connection.h"
#include "tests/e2e/harness.h"
#include "tests/support/hostile_server.h"
#include "tests/support/nginx_server.h"
#include "tests/support/postgres_server.h"
#include "tests/support/receivers.h"
#include "tests/support/redis_server.h"
#include "tests/support/test_pki.h"

namespace secplat::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr char kDatabaseUrlEnv[] = "SECPLAT_STORAGE_DATABASE_URL";
constexpr char kQueueUrlEnv[] = "SECPLAT_QUEUE_URL";
constexpr char kPostgresBinary[] = "/usr/lib/postgresql/15/bin/postgres";
constexpr char kWebhookSecretEnv[] = "SECPLAT_E2E_WEBHOOK_SECRET";
constexpr char kWebhookSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr int kSlowAssets = 6;

json Body(const adapters::http::ClientResponse& r) {
  return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

// Polls `done` every `step` until it holds or `timeout` passes; true when it held.
bool WaitUntil(SteadyClock::duration timeout, const std::function<bool()>& done,
               milliseconds step = milliseconds(200)) {
  const auto deadline = SteadyClock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// ---- The notifier leg ------------------------------------------------------------------------

// What AddNotifierRole started: the receiver every notification goes to, and the role's PID.
struct NotifierLeg {
  std::unique_ptr<ProviderReceiver> receiver;
  pid_t pid = -1;
};

// Adds the notifier role to the deployment: a loopback webhook receiver (Standard Webhooks, the
// HMAC checked on every request), a routes file sending every posture.changed event to it once
// (repeat_interval 0), and `secplat notifier` as its own process on the same API and Redis
// (notifier.routes_file, the secret from the environment). Errors: the receiver's.
Result<NotifierLeg> AddNotifierRole(Harness& h) {
  NotifierLeg leg;
  SECPLAT_ASSIGN_OR_RETURN(leg.receiver,
                           ProviderReceiver::Start({.provider = Provider::kWebhook,
                                                    .webhook_path = "/hook",
                                                    .webhook_secret = kWebhookSecret}));
  const std::string routes = h.dir + "/notifier-routes.yaml";
  std::ofstream(routes) << "channels:\n"
                           "  - name: e2e-webhook\n"
                           "    type: webhook\n"
                           "    url: "
                        << leg.receiver->url("/hook")
                        << "\n"
                           "    secret_env: "
                        << kWebhookSecretEnv
                        << "\n"
                           "routes:\n"
                           "  - name: posture\n"
                           "    event_types: [posture.changed]\n"
                           "    channels: [e2e-webhook]\n"
                           "    repeat_interval: 0\n";
  leg.pid = h.StartRole("notifier", {"notifier"},
                        {{"SECPLAT_NOTIFIER_ROUTES_FILE", routes},
                         {"SECPLAT_NOTIFIER_SWEEP_INTERVAL", "500ms"},
                         {"SECPLAT_NOTIFIER_CLAIM_LEASE", "3s"},
                         {kWebhookSecretEnv, kWebhookSecret}});
  return leg;
}

// The notification leg's verdict once everything settled: one valid webhook per posture.changed
// event (naming its asset), none delivered twice.
void ExpectNotified(const NotifierLeg& leg, const std::vector<json>& posture_changes) {
  EXPECT_TRUE(leg.receiver->WaitForRequests(posture_changes.size(), seconds(20)))
      << "webhooks received: " << leg.receiver->request_count();
  std::this_thread::sleep_for(seconds(2));  // anything repeated would arrive meanwhile
  EXPECT_EQ(leg.receiver->request_count(), posture_changes.size());
  EXPECT_EQ(leg.receiver->invalid_count(), 0u);
  for (const auto& [id, count] : leg.receiver->webhook_ids())
    EXPECT_EQ(count, 1) << "webhook-id " << id << " delivered " << count << " times";
  std::vector<RecordedRequest> requests = leg.receiver->requests();
  for (const json& change : posture_changes) {
    const std::string asset = change["asset_key"];
    bool named = false;
    for (const RecordedRequest& r : requests)
      named = named || r.body.find(asset) != std::string::npos;
    EXPECT_TRUE(named) << "no webhook names " << asset;
  }
}

// ---- The deployment --------------------------------------------------------------------------

class SplitE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kPostgresBinary, X_OK) != 0)
      GTEST_SKIP() << "PostgreSQL 15 is not installed (" << kPostgresBinary << ")";
    auto pg = PostgresServer::Start();
    ASSERT_TRUE(pg.has_value()) << pg.error().message;
    pg_ = std::move(*pg);
    ASSERT_TRUE(pg_->CreateDatabase("secplat").has_value());
    auto redis = RedisServer::Start(/*aof=*/false);
    ASSERT_TRUE(redis.has_value()) << redis.error().message;
    redis_ = std::move(*redis);
    auto conn = adapters::redis::Connection::Connect({.url = redis_->url()});
    ASSERT_TRUE(conn.has_value()) << conn.error().message;
    redis_conn_ = std::move(*conn);

    auto pki = TestPki::Shared();
    ASSERT_TRUE(pki.has_value()) << pki.error().message;
    pki_ = *pki;
    auto nginx = NginxServer::Start(
        {nginx_sites::GitExposed(), nginx_sites::PlainHttp(), nginx_sites::Tls12Only(*pki_)});
    ASSERT_TRUE(nginx.has_value()) << nginx.error().message;
    nginx_ = std::move(*nginx);
    // A site that existed and was stopped: its port refuses connections.
    NginxSite gone = nginx_sites::PlainHttp();
    gone.name = "gone";
    auto stopped = NginxServer::Start({gone});
    ASSERT_TRUE(stopped.has_value()) << stopped.error().message;
    gone_url_ = (*stopped)->Url("gone");
    ASSERT_TRUE((*stopped)->Stop().has_value());
    auto slow = HostileServer::Start(HostileServer::Mode::kSlowOk, {.delay = milliseconds(2000)});
    ASSERT_TRUE(slow.has_value()) << slow.error().message;
    slow_ = std::move(*slow);

    // Every process of the deployment (the token tool included) inherits the engines' URLs.
    ::setenv(kDatabaseUrlEnv, pg_->url("secplat").c_str(), 1);
    ::setenv(kQueueUrlEnv, redis_->url().c_str(), 1);
    h_ = Harness::Create();
    h_->Start("api");
  }

  void TearDown() override {
    h_.reset();  // roles and api first, while the engines still run
    ::unsetenv(kDatabaseUrlEnv);
    ::unsetenv(kQueueUrlEnv);
  }

  std::map<std::string, std::string> WorkerEnv() const {
    return {{"SECPLAT_WORKER_ALLOW_LOOPBACK", "true"},
            {"SECPLAT_WORKER_CA_FILE", pki_->ca_cert()},
            {"SECPLAT_WORKER_STATIC_HOSTS", "site.test=127.0.0.1"},
            {"SECPLAT_WORKER_MAX_IN_FLIGHT", "64"},
            {"SECPLAT_WORKER_LEASE", "3s"}};
  }

  void CreateAsset(const json& asset) {
    auto r = h_->Call("POST", "/api/v1/assets", asset.dump(), h_->analyst_token);
    ASSERT_EQ(r.status, 201) << r.body;
    expected_state_[asset["asset_key"]] = "up";
  }

  // Every item of a listing, following next_cursor.
  std::vector<json> All(const std::string& path) {
    std::vector<json> out;
    std::string cursor;
    for (int page = 0; page < 100; ++page) {
      std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=1000";
      if (!cursor.empty()) url += "&cursor=" + cursor;
      auto r = h_->Call("GET", url, "", h_->viewer_token);
      if (r.status != 200) {
        ADD_FAILURE() << "GET " << url << ": " << r.status << " " << r.body;
        return out;
      }
      json body = Body(r);
      for (auto& item : body["items"]) out.push_back(item);
      if (body["next_cursor"].is_null()) return out;
      cursor = body["next_cursor"].get<std::string>();
    }
    ADD_FAILURE() << "GET " << path << ": more than 100 pages";
    return out;
  }

  json Posture(const std::string& asset_key) {
    auto r = h_->Call("GET", "/api/v1/posture/" + asset_key, "", h_->viewer_token);
    return r.status == 200 ? Body(r) : json();
  }

  // Health results (scan.completed / scan.failed of health_http jobs) per asset.
  std::map<std::string, int64_t> HealthResults() {
    std::map<std::string, int64_t> out;
    for (const char* type : {"scan.completed", "scan.failed"})
      for (const json& e : All(std::string("/api/v1/events?type=") + type))
        if (e["payload"]["scan_type"] == "health_http") ++out[e["asset_key"].get<std::string>()];
    return out;
  }

  // Every asset is in its expected state and has taken every health result reported so far.
  bool PostureSettled(std::string* why) {
    auto results = HealthResults();
    for (const auto& [key, state] : expected_state_) {
      json d = Posture(key);
      if (d.is_null() || d["status"].is_null()) {
        *why = key + ": not derived yet";
        return false;
      }
      if (d["state"] != state) {
        *why = key + ": state " + d["state"].dump() + ", expected " + state;
        return false;
      }
      int64_t applied = d["status"]["results_applied"].get<int64_t>();
      if (applied != results[key]) {
        *why = key + ": " + std::to_string(applied) + " health results applied of " +
               std::to_string(results[key]);
        return false;
      }
    }
    return true;
  }

  // The queue health report by stream name.
  std::map<std::string, json> QueueHealth(int64_t* outbox_unsent) {
    auto r = h_->Call("GET", "/api/v1/queue/health", "", h_->admin_token);
    std::map<std::string, json> out;
    if (r.status != 200) return out;
    json body = Body(r);
    *outbox_unsent = body["outbox_unsent"].get<int64_t>();
    for (auto& s : body["streams"]) out[s["stream"].get<std::string>()] = s;
    return out;
  }

  bool Drained(const json& s) { return s["pending"] == 0 && s["lag"] == 0 && s["delayed"] == 0; }

  // The consumer name of the process `pid` in the scan stream's group ("<host>-<pid>-<hex>"),
  // with the IDs of the messages it holds (delivered, not acknowledged).
  std::vector<std::string> PendingOf(pid_t pid, std::string* consumer) {
    std::vector<std::string> ids;
    auto summary = redis_conn_->Command({"XPENDING", "secplat.jobs.scan", "workers"});
    if (!summary.has_value() || !summary->is_array() || summary->size() < 4) return ids;
    adapters::redis::Reply consumers = (*summary)[3];
    const std::string tag = "-" + std::to_string(pid) + "-";
    for (size_t i = 0; i < consumers.size(); ++i) {
      std::string name(consumers[i][0].str());
      if (name.find(tag) != std::string::npos) *consumer = name;
    }
    if (consumer->empty()) return ids;
    auto detail = redis_conn_->Command(
        {"XPENDING", "secplat.jobs.scan", "workers", "-", "+", "100", *consumer});
    if (!detail.has_value()) return ids;
    for (size_t i = 0; i < detail->size(); ++i) ids.emplace_back((*detail)[i][0].str());
    return ids;
  }

  // The scan job id in a scan-stream message (its envelope's payload.job_id); -1 if unreadable.
  int64_t JobIdOf(const std::string& message_id) {
    auto entries = redis_conn_->Command({"XRANGE", "secplat.jobs.scan", message_id, message_id});
    if (!entries.has_value() || entries->size() != 1) return -1;
    adapters::redis::Reply fields = (*entries)[0][1];
    for (size_t i = 0; i + 1 < fields.size(); i += 2) {
      if (fields[i].str() != "p") continue;
      json envelope = json::parse(fields[i + 1].str(), nullptr, false);
      if (envelope.is_object() && envelope["payload"].is_object())
        return envelope["payload"].value("job_id", int64_t{-1});
    }
    return -1;
  }

  const TestPki* pki_ = nullptr;
  std::unique_ptr<PostgresServer> pg_;
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<adapters::redis::Connection> redis_conn_;
  std::unique_ptr<NginxServer> nginx_;
  std::unique_ptr<HostileServer> slow_;
  std::string gone_url_;
  std::map<std::string, std::string> expected_state_;  // asset_key -> posture state
  std::unique_ptr<Harness> h_;
};

TEST_F(SplitE2e, ScansFindingsPostureSurviveAKilledWorkerAndAPostgresRestart) {
  const auto started = SteadyClock::now();
  // Health every 10 s (the shortest interval an asset may ask for), the other scan types once.
  const json web_scans = {{"health_http", {{"interval_seconds", 10}}},
                          {"tls_headers", {{"interval_seconds", 86400}}},
                          {"web_exposure", {{"interval_seconds", 86400}}}};
  CreateAsset({{"asset_key", "git-site"},
               {"kind", "web"},
               {"url", nginx_->Url(nginx_sites::kGitExposed)},
               {"scan", web_scans}});
  CreateAsset({{"asset_key", "plain-site"},
               {"kind", "web"},
               {"url", nginx_->Url(nginx_sites::kPlainHttp)},
               {"scan", web_scans}});
  CreateAsset({{"asset_key", "tls-site"},
               {"kind", "web"},
               {"url", nginx_->Url(nginx_sites::kTls12Only)},
               {"scan", web_scans}});
  // Down: one failure confirms it, so the state settles within the test.
  CreateAsset({{"asset_key", "gone-site"},
               {"kind", "web"},
               {"url", gone_url_},
               {"labels", {{"posture.fail_threshold", "1"}}},
               {"scan", web_scans}});
  expected_state_["gone-site"] = "down";
  for (int i = 0; i < kSlowAssets; ++i) {
    CreateAsset(
        {{"asset_key", "slow-" + std::to_string(i)},
         {"kind", "web"},
         {"url", slow_->Url("/s" + std::to_string(i))},
         {"scan",
          {{"health_http", {{"interval_seconds", 10}}}, {"web_exposure", {{"enabled", false}}}}}});
  }

  pid_t scheduler =
      h_->StartRole("scheduler", {"scheduler"}, {{"SECPLAT_SCHEDULER_INTERVAL", "1s"}});
  pid_t worker1 = h_->StartRole("worker-1", {"worker"}, WorkerEnv());
  pid_t worker2 = h_->StartRole("worker-2", {"worker"}, WorkerEnv());
  pid_t deriver = h_->StartRole("deriver", {"deriver"});
  auto notifier = AddNotifierRole(*h_);
  ASSERT_TRUE(notifier.has_value()) << notifier.error().message;
  auto logs = [&] {
    return "\n--- api\n" + h_->LogText() + "\n--- scheduler\n" + h_->RoleLog("scheduler") +
           "\n--- worker-1\n" + h_->RoleLog("worker-1") + "\n--- worker-2\n" +
           h_->RoleLog("worker-2") + "\n--- deriver\n" + h_->RoleLog("deriver") +
           "\n--- notifier\n" + h_->RoleLog("notifier");
  };

  // 1. Scan -> findings -> posture: every asset derived into its state.
  std::string why;
  ASSERT_TRUE(WaitUntil(seconds(40), [&] { return PostureSettled(&why); })) << why << logs();
  bool git_head = false;
  for (const json& f : All("/api/v1/findings?asset_key=git-site"))
    git_head = git_head || (f["check_id"] == "git-head" && f["location"] == "/.git/HEAD");
  EXPECT_TRUE(git_head) << "web_exposure found no /.git/HEAD on the exposed site";
  EXPECT_FALSE(All("/api/v1/findings?asset_key=tls-site").empty())
      << "tls_headers reported no header findings on a site without security headers";

  // 2. A worker killed with SIGKILL while it holds jobs: frozen (SIGSTOP) so it cannot
  // acknowledge anything while we look, killed once Redis shows it holding messages.
  std::string consumer1;
  std::set<int64_t> held_jobs;
  ASSERT_TRUE(WaitUntil(
      seconds(30),
      [&] {
        ::kill(worker1, SIGSTOP);
        auto ids = PendingOf(worker1, &consumer1);
        if (ids.empty()) {
          ::kill(worker1, SIGCONT);
          return false;
        }
        for (const std::string& id : ids) held_jobs.insert(JobIdOf(id));
        return true;
      },
      milliseconds(100)))
      << "worker-1 never held a job" << logs();
  EXPECT_EQ(h_->StopRole(worker1, /*hard=*/true), 128 + SIGKILL);
  EXPECT_FALSE(held_jobs.contains(-1)) << "a held message had no readable job id";

  // 3. PostgreSQL stopped mid-run: the API stays up and answers 503, retryable.
  ASSERT_TRUE(pg_->Stop().has_value());
  const auto down_since = SteadyClock::now();
  {
    auto r = h_->Call("GET", "/api/v1/assets", "", h_->viewer_token);
    EXPECT_EQ(r.status, 503) << r.body;
    json err = Body(r)["error"];
    EXPECT_EQ(err["code"], "unavailable") << r.body;
    EXPECT_EQ(err["retryable"], true) << r.body;
    EXPECT_FALSE(err["request_id"].get<std::string>().empty()) << r.body;
    std::string retry_after(r.Header("retry-after"));
    ASSERT_FALSE(retry_after.empty()) << "503 without Retry-After";
    EXPECT_GT(std::stoi(retry_after), 0) << "Retry-After: " << retry_after;
    json scan = {{"asset_key", "git-site"}, {"scan_type", "health_http"}};
    auto w = h_->Call("POST", "/api/v1/scans", scan.dump(), h_->analyst_token);
    EXPECT_EQ(w.status, 503) << w.body;
    EXPECT_EQ(Body(w)["error"]["retryable"], true) << w.body;
    auto ready = h_->Call("GET", "/readyz", "", "");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_NE(Body(ready)["error"]["message"].get<std::string>().find("store"), std::string::npos)
        << ready.body;
  }
  // Long enough for every role to run into it (scans report, the deriver reads, the scheduler
  // sweeps), short of the workers' retry budget.
  std::this_thread::sleep_until(down_since + milliseconds(2500));
  ASSERT_TRUE(pg_->Launch().has_value());
  // Same process, no restart: the pool reconnects by itself.
  ASSERT_TRUE(WaitUntil(seconds(15), [&] {
    return h_->Call("GET", "/readyz", "", "").status == 200;
  })) << logs();
  EXPECT_TRUE(h_->Running());
  auto after = h_->Call("GET", "/api/v1/assets", "", h_->viewer_token);
  EXPECT_EQ(after.status, 200) << after.body;
  EXPECT_NE(Body(h_->Call("GET", "/readyz", "", ""))["queue"], "unavailable");

  // The pipeline runs on after the restart: a scan requested now is scanned and derived.
  const size_t jobs_before = All("/api/v1/scans").size();
  ASSERT_TRUE(WaitUntil(seconds(20),
                        [&] {
                          size_t done_after = 0;
                          std::vector<json> jobs = All("/api/v1/scans");
                          for (size_t i = jobs_before; i < jobs.size(); ++i)
                            done_after += jobs[i]["status"] == "done";
                          return done_after > 0;
                        }))
      << "no job scheduled after the restart got done" << logs();

  // 4. Settle: no new jobs, then everything finished, derived and drained.
  EXPECT_EQ(h_->StopRole(scheduler), 0) << h_->RoleLog("scheduler");
  int64_t outbox_unsent = -1;
  ASSERT_TRUE(WaitUntil(seconds(45),
                        [&] {
                          for (const json& j : All("/api/v1/scans")) {
                            if (j["status"] != "done" && j["status"] != "failed") {
                              why = "job " + j["id"].dump() + " " + j["status"].get<std::string>();
                              return false;
                            }
                          }
                          auto streams = QueueHealth(&outbox_unsent);
                          if (outbox_unsent != 0) {
                            why = "outbox unsent " + std::to_string(outbox_unsent);
                            return false;
                          }
                          for (const char* s : {"secplat.jobs.scan", "secplat.jobs.derive"}) {
                            if (!streams.contains(s) || !Drained(streams[s])) {
                              why = std::string(s) + " not drained: " + streams[s].dump();
                              return false;
                            }
                          }
                          if (!Drained(streams["secplat.events.notify"])) {
                            why = "notify stream not drained: " +
                                  streams["secplat.events.notify"].dump();
                            return false;
                          }
                          return PostureSettled(&why);
                        }))
      << why << logs();

  // Nothing lost: no dead letters anywhere, every job of an up site done, the killed worker's
  // jobs finished by the other one.
  auto streams = QueueHealth(&outbox_unsent);
  for (const char* s : {"secplat.jobs.scan", "secplat.jobs.derive", "secplat.events.notify"}) {
    EXPECT_EQ(streams[s]["dead_letters"], 0) << s << ": " << streams[s].dump();
  }
  std::vector<json> jobs = All("/api/v1/scans");
  std::map<int64_t, json> job_by_id;
  for (const json& j : jobs) {
    job_by_id[j["id"].get<int64_t>()] = j;
    if (j["asset_key"] != "gone-site") {
      EXPECT_EQ(j["status"], "done") << j.dump();
    }
  }
  EXPECT_FALSE(held_jobs.empty());
  for (int64_t id : held_jobs) {
    ASSERT_TRUE(job_by_id.contains(id)) << "held job " << id << " unknown";
    const std::string status = job_by_id[id]["status"];
    EXPECT_TRUE(status == "done" || status == "failed") << job_by_id[id].dump();
  }

  // Nothing duplicated: one result event per job (and no result without a job).
  std::map<int64_t, int> results_per_job;
  for (const char* type : {"scan.completed", "scan.failed"}) {
    for (const json& e : All(std::string("/api/v1/events?type=") + type)) {
      int64_t id = e["payload"]["job_id"].get<int64_t>();
      ++results_per_job[id];
      ASSERT_TRUE(job_by_id.contains(id)) << "result for an unknown job: " << e.dump();
      EXPECT_EQ(job_by_id[id]["status"], type == std::string("scan.completed") ? "done" : "failed")
          << e.dump();
    }
  }
  for (const auto& [id, job] : job_by_id)
    EXPECT_EQ(results_per_job[id], 1)
        << "job " << id << " has " << results_per_job[id] << " result events: " << job.dump();

  // One finding row per key.
  std::vector<json> findings = All("/api/v1/findings");
  std::set<std::string> keys;
  for (const json& f : findings) {
    EXPECT_TRUE(keys.insert(f["finding_key"].get<std::string>()).second) << f.dump();
    EXPECT_GE(f["occurrences"].get<int64_t>(), 1);
  }
  EXPECT_FALSE(findings.empty());

  // posture.changed: announced once, never repeated. The up sites' first result is recorded,
  // not announced; the stopped site (fail_threshold 1) announces down once.
  std::vector<json> changes = All("/api/v1/events?type=posture.changed");
  std::set<std::string> change_ids;
  std::map<std::string, std::vector<json>> changes_by_asset;
  for (const json& e : changes) {
    EXPECT_TRUE(change_ids.insert(e["event_id"].get<std::string>()).second) << e.dump();
    changes_by_asset[e["asset_key"].get<std::string>()].push_back(e["payload"]);
  }
  ASSERT_EQ(changes_by_asset["gone-site"].size(), 1u) << json(changes).dump();
  EXPECT_EQ(changes_by_asset["gone-site"][0]["to"], "down");
  // From pending: the config's debounce_window (1 ms, the smallest it takes) keeps even the
  // first failure pending, so fail_threshold 1 confirms down at the second one.
  EXPECT_EQ(changes_by_asset["gone-site"][0]["from"], "pending")
      << changes_by_asset["gone-site"][0].dump();
  EXPECT_EQ(changes.size(), 1u) << "an up site announced a change: " << json(changes).dump();

  ExpectNotified(*notifier, changes);

  // The surviving roles kept running through all of it, and stop cleanly.
  EXPECT_EQ(h_->StopRole(worker2), 0) << h_->RoleLog("worker-2");
  EXPECT_EQ(h_->StopRole(deriver), 0) << h_->RoleLog("deriver");
  EXPECT_EQ(h_->StopRole(notifier->pid), 0) << h_->RoleLog("notifier");
  std::cout << "[ TIMING   ] whole run "
            << std::chrono::duration_cast<milliseconds>(SteadyClock::now() - started).count()
            << " ms; jobs " << jobs.size() << ", findings " << findings.size()
            << ", jobs held by the killed worker " << held_jobs.size() << ", webhooks "
            << notifier->receiver->request_count() << "\n";
}

}  // namespace
}  // namespace secplat::testing
