// The worker's job handling over in-memory ports: one scan per job, reported as log lines,
// findings, one result event with a deterministic id and a final status; redelivery of a done
// job repeats nothing; deleted/disabled assets are not scanned; API outages retry; malformed
// messages are rejected.
#include "services/worker/worker.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>

#include "adapters/json/codec.h"
#include "adapters/metrics/prometheus_metrics.h"
#include "core/outbox/messages.h"
#include "jobqueue/embedded_queue.h"
#include "tests/support/fake_prober.h"

namespace secplat::services::worker {
namespace {

using core::model::Asset;
using core::model::Envelope;
using core::model::EventType;
using core::model::ScanJob;
using core::model::ScanJobStatus;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);

class FixedClock : public Clock {
 public:
  Timestamp Now() const override { return kT0; }
};

class InlineLoop : public ports::ProbeLoop {
 public:
  void Post(std::function<void()> fn) override { fn(); }
};

// The API as the worker sees it, in memory. `fail_with` makes every call fail (an outage).
class FakeApi : public ports::platform::ScanReporter,
                public ports::platform::AssetSource,
                public ports::platform::EventSink {
 public:
  std::map<std::string, Asset> assets;
  std::map<int64_t, ScanJob> jobs;
  std::map<std::string, Envelope> events;  // by event_id (idempotent)
  std::vector<core::model::FindingObservation> findings;
  std::optional<ErrorCode> fail_with;

  Result<Asset> GetAsset(std::string_view key) override {
    if (fail_with) return Unexpected(*fail_with, "api down");
    auto it = assets.find(std::string(key));
    if (it == assets.end()) return Unexpected(ErrorCode::kNotFound, "no asset");
    return it->second;
  }
  Result<ports::platform::AssetPage> ListAssets(std::string_view, int) override {
    return ports::platform::AssetPage{};
  }
  Result<ScanJob> GetScanJob(int64_t id) override {
    if (fail_with) return Unexpected(*fail_with, "api down");
    auto it = jobs.find(id);
    if (it == jobs.end()) return Unexpected(ErrorCode::kNotFound, "no job");
    return it->second;
  }
  Result<ScanJob> UpdateScanJobStatus(int64_t id, ScanJobStatus status,
                                      std::string_view error) override {
    if (fail_with) return Unexpected(*fail_with, "api down");
    auto& j = jobs.at(id);
    if (j.status == ScanJobStatus::kDone) return Unexpected(ErrorCode::kConflict, "done");
    j.status = status;
    if (status == ScanJobStatus::kRunning) ++j.attempts;
    j.last_error = std::string(error);
    return j;
  }
  Status AppendScanJobLog(int64_t id, std::string_view text) override {
    if (fail_with) return Unexpected(*fail_with, "api down");
    jobs.at(id).log_output += std::string(text);
    return OkStatus();
  }
  Status RecordFindings(std::span<const core::model::FindingObservation> batch) override {
    if (fail_with) return Unexpected(*fail_with, "api down");
    findings.insert(findings.end(), batch.begin(), batch.end());
    return OkStatus();
  }
  Status RecordEvent(const Envelope& e) override {
    if (fail_with) return Unexpected(*fail_with, "api down");
    events.emplace(e.event_id, e);
    return OkStatus();
  }
};

class WorkerTest : public ::testing::Test {
 protected:
  // Handle() never touches the queue (Run() is covered by the e2e tests); a real embedded one
  // in a temp dir stands in.
  WorkerTest()
      : queue_(OpenQueue()),
        worker_(*queue_, api_, api_, api_, prober_, loop_, clock_, metrics_, {}) {}
  ~WorkerTest() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<jobqueue::JobQueue> OpenQueue() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "secplat-worker-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
    auto q = jobqueue::EmbeddedQueue::Open(dir_ + "/queue");
    EXPECT_TRUE(q.has_value());
    return std::move(q).value();
  }

  void AddJob(int64_t id, const std::string& asset_key, const std::string& scan_type) {
    ScanJob j;
    j.id = id;
    j.asset_key = asset_key;
    j.scan_type = scan_type;
    j.idempotency_key = scan_type + "+" + asset_key + "+1";
    api_.jobs[id] = j;
  }

  jobqueue::Message MessageFor(int64_t id, int attempt = 1) {
    const ScanJob& j = api_.jobs.at(id);
    auto entry = core::outbox::MessageForNewScanJob(j);
    jobqueue::Message m;
    m.id = "m" + std::to_string(id);
    m.payload = adapters::json::EncodeEnvelope(entry->envelope);
    m.attempt = attempt;
    return m;
  }

  std::pair<jobqueue::Outcome, JobDisposition> Run(const jobqueue::Message& m) {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<std::pair<jobqueue::Outcome, JobDisposition>> got;
    worker_.Handle(m, [&](jobqueue::Outcome o, JobDisposition d) {
      std::lock_guard lock(mu);
      got.emplace(std::move(o), d);
      cv.notify_all();
    });
    std::unique_lock lock(mu);
    cv.wait_for(lock, std::chrono::seconds(10), [&] { return got.has_value(); });
    EXPECT_TRUE(got.has_value());
    return got.value_or(
        std::make_pair(jobqueue::Outcome::Fail("timeout"), JobDisposition::kRejected));
  }

  std::string dir_;
  std::unique_ptr<jobqueue::JobQueue> queue_;
  FakeApi api_;
  testing::FakeProber prober_;
  InlineLoop loop_;
  FixedClock clock_;
  adapters::metrics::PrometheusMetrics metrics_;
  Worker worker_;
};

Asset WebAsset(const std::string& key) {
  Asset a;
  a.asset_key = key;
  a.url = "http://site.test/";
  return a;
}

// Verifies a health job is scanned and reported: running then done, log lines, one
// scan.completed event whose id derives from the job key and whose facts carry the verdict.
TEST_F(WorkerTest, ScansAndReportsAHealthJob) {
  api_.assets["web-1"] = WebAsset("web-1");
  core::model::HttpProbeResult ok;
  ok.status = 200;
  prober_.http["http://site.test/"] = ok;
  AddJob(7, "web-1", "health_http");
  auto [outcome, disposition] = Run(MessageFor(7));
  EXPECT_EQ(outcome.kind, jobqueue::Outcome::kDone) << outcome.reason;
  EXPECT_EQ(disposition, JobDisposition::kScanned);
  const ScanJob& job = api_.jobs.at(7);
  EXPECT_EQ(job.status, ScanJobStatus::kDone);
  EXPECT_EQ(job.attempts, 1);
  EXPECT_NE(job.log_output.find("health_http of web-1"), std::string::npos) << job.log_output;
  EXPECT_NE(job.log_output.find("completed"), std::string::npos) << job.log_output;
  ASSERT_EQ(api_.events.size(), 1u);
  const Envelope& e = api_.events.begin()->second;
  EXPECT_EQ(e.event_type, EventType::kScanCompleted);
  EXPECT_EQ(e.event_id, core::outbox::DeterministicUuid(std::string("scan.completed") + '\x1f' +
                                                        "health_http+web-1+1"));
  EXPECT_EQ(e.asset_key, "web-1");
  auto check = adapters::json::DecodeCheckResult(e);
  ASSERT_TRUE(check.has_value()) << check.error().message << " " << e.payload_json;
  EXPECT_EQ(check->outcome, core::model::CheckOutcome::kUp);
}

// Verifies a down target is a completed scan with a down verdict (not a failed scan).
TEST_F(WorkerTest, DownTargetIsACompletedScanWithADownVerdict) {
  api_.assets["web-1"] = WebAsset("web-1");  // nothing scripted: connection refused
  AddJob(8, "web-1", "health_http");
  auto [outcome, disposition] = Run(MessageFor(8));
  EXPECT_EQ(outcome.kind, jobqueue::Outcome::kDone);
  ASSERT_EQ(api_.events.size(), 1u);
  auto check = adapters::json::DecodeCheckResult(api_.events.begin()->second);
  ASSERT_TRUE(check.has_value()) << check.error().message;
  EXPECT_EQ(check->outcome, core::model::CheckOutcome::kDown);
  EXPECT_EQ(check->failure_reason, "connect_refused");
}

// Verifies a redelivered job that is already done is acknowledged without a second scan,
// event or finding.
TEST_F(WorkerTest, RedeliveryOfADoneJobRepeatsNothing) {
  api_.assets["web-1"] = WebAsset("web-1");
  AddJob(9, "web-1", "health_http");
  ASSERT_EQ(Run(MessageFor(9)).second, JobDisposition::kScanned);
  size_t probes = prober_.http_requests.size();
  auto [outcome, disposition] = Run(MessageFor(9, /*attempt=*/2));
  EXPECT_EQ(outcome.kind, jobqueue::Outcome::kDone);
  EXPECT_EQ(disposition, JobDisposition::kAlreadyDone);
  EXPECT_EQ(prober_.http_requests.size(), probes);
  EXPECT_EQ(api_.events.size(), 1u);
}

// Verifies a job that ran but was not marked done (worker killed after reporting) reports the
// same event id again: the API stores it once.
TEST_F(WorkerTest, RerunAfterACrashReportsTheSameEvent) {
  api_.assets["web-1"] = WebAsset("web-1");
  AddJob(10, "web-1", "health_http");
  ASSERT_EQ(Run(MessageFor(10)).second, JobDisposition::kScanned);
  api_.jobs.at(10).status = ScanJobStatus::kRunning;  // as if the final update never happened
  ASSERT_EQ(Run(MessageFor(10, 2)).second, JobDisposition::kScanned);
  EXPECT_EQ(api_.events.size(), 1u);
  EXPECT_EQ(api_.jobs.at(10).status, ScanJobStatus::kDone);
}

// Verifies deleted and disabled assets, and disabled scan types, are never scanned.
TEST_F(WorkerTest, OnlyRegisteredEnabledAssetsAreScanned) {
  AddJob(11, "gone", "health_http");
  Asset off = WebAsset("off");
  off.enabled = false;
  api_.assets["off"] = off;
  AddJob(12, "off", "health_http");
  Asset no_health = WebAsset("nohealth");
  no_health.scan["health_http"] = {.enabled = false};
  api_.assets["nohealth"] = no_health;
  AddJob(13, "nohealth", "health_http");
  for (int64_t id : {11, 12, 13}) {
    auto [outcome, disposition] = Run(MessageFor(id));
    EXPECT_EQ(outcome.kind, jobqueue::Outcome::kDone) << id;
    EXPECT_EQ(disposition, JobDisposition::kSkippedAsset) << id;
    EXPECT_EQ(api_.jobs.at(id).status, ScanJobStatus::kFailed) << id;
    EXPECT_NE(api_.jobs.at(id).log_output.find("not scanned"), std::string::npos);
  }
  EXPECT_TRUE(prober_.http_requests.empty());
  EXPECT_TRUE(api_.events.empty());
}

// Verifies an API outage makes the message retry later, with nothing scanned.
TEST_F(WorkerTest, ApiOutageRetriesLater) {
  api_.assets["web-1"] = WebAsset("web-1");
  AddJob(14, "web-1", "health_http");
  api_.fail_with = ErrorCode::kUnavailable;
  auto [outcome, disposition] = Run(MessageFor(14));
  EXPECT_EQ(outcome.kind, jobqueue::Outcome::kRetry);
  EXPECT_EQ(disposition, JobDisposition::kRetryLater);
  EXPECT_TRUE(prober_.http_requests.empty());
}

// Verifies malformed messages are rejected (dead-lettered) with a reason.
TEST_F(WorkerTest, MalformedMessagesAreRejected) {
  for (std::string payload :
       {std::string("not json"),
        std::string(R"({"event_id":"0b6c8a52-7f0e-4d7b-9a31-5d2f0c1e9a77","event_type":)"
                    R"("scan.requested","ts":"2026-11-28T10:00:00.000Z","org_id":"default",)"
                    R"("payload":{"job_id":"x"}})")}) {
    jobqueue::Message m;
    m.payload = payload;
    m.attempt = 1;
    auto [outcome, disposition] = Run(m);
    EXPECT_EQ(outcome.kind, jobqueue::Outcome::kFail) << payload;
    EXPECT_EQ(disposition, JobDisposition::kRejected);
    EXPECT_FALSE(outcome.reason.empty());
  }
}

}  // namespace
}  // namespace secplat::services::worker
