// OutboxRelay over the real SqliteStore (temp file) and the real EmbeddedQueue (temp dir).
// Faults are injected by FaultyQueue, a JobQueue decorator: it can fail publishes (a queue
// outage) or publish and then report a failure (a crash between publish and MarkSent).
#include "services/relay/outbox_relay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/json/codec.h"
#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/system/system_clock.h"
#include "jobqueue/embedded_queue.h"
#include "tests/contract/sqlite_store_factory.h"
#include "tests/jobqueue/queue_test_util.h"
#include "tests/support/store_builders.h"

namespace secplat::services::relay {
namespace {

using jobqueue::JobQueue;
using jobqueue::PublishOptions;
using jobqueue::PublishRequest;
using jobqueue::PublishResult;
using jobqueue::contract::Recorder;
using jobqueue::contract::Running;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::MakeEnvelope;
using testing::MakeScanJob;
using testing::MakeWriteContext;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z

// A clock the test moves by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp t) : ms_(ToUnixMillis(t)) {}
  Timestamp Now() const override { return FromUnixMillis(ms_.load()); }
  void Advance(Duration d) { ms_ += d.count(); }

 private:
  std::atomic<int64_t> ms_;
};

// A JobQueue decorator with fault injection on Publish/PublishBatch; everything else passes
// through. Thread-safe.
class FaultyQueue final : public JobQueue {
 public:
  enum class Mode {
    kPass,             // forward
    kFail,             // publish nothing, return `code`
    kPublishThenFail,  // forward, then return kUnavailable (the answer was lost)
  };
  explicit FaultyQueue(JobQueue& inner) : inner_(inner) {}

  void Set(Mode mode, ErrorCode code = ErrorCode::kUnavailable, std::string only_stream = "") {
    std::lock_guard lock(mu_);
    mode_ = mode;
    code_ = code;
    only_stream_ = std::move(only_stream);
  }
  int publish_calls() const { return calls_.load(); }

  Result<PublishResult> Publish(std::string_view stream, std::string_view payload,
                                const PublishOptions& options) override {
    SECPLAT_ASSIGN_OR_RETURN(auto r,
                             PublishBatch(stream, {PublishRequest{std::string(payload), options}}));
    return r[0];
  }
  Result<std::vector<PublishResult>> PublishBatch(
      std::string_view stream, const std::vector<PublishRequest>& requests) override {
    ++calls_;
    Mode mode;
    ErrorCode code;
    {
      std::lock_guard lock(mu_);
      mode = only_stream_.empty() || only_stream_ == stream ? mode_ : Mode::kPass;
      code = code_;
    }
    if (mode == Mode::kFail) return Unexpected(code, "injected: queue down");
    auto r = inner_.PublishBatch(stream, requests);
    if (mode == Mode::kPublishThenFail && r.has_value())
      return Unexpected(ErrorCode::kUnavailable, "injected: connection lost after publish");
    return r;
  }
  Status Consume(std::string_view stream, std::string_view group, const jobqueue::Handler& handler,
                 const jobqueue::ConsumeOptions& options, std::stop_token stop) override {
    return inner_.Consume(stream, group, handler, options, stop);
  }
  Status ConsumeAsync(std::string_view stream, std::string_view group,
                      const jobqueue::AsyncHandler& handler,
                      const jobqueue::ConsumeOptions& options, std::stop_token stop) override {
    return inner_.ConsumeAsync(stream, group, handler, options, stop);
  }
  Result<std::vector<jobqueue::DeadLetter>> ListDeadLetters(std::string_view stream,
                                                            std::string_view after,
                                                            int limit) override {
    return inner_.ListDeadLetters(stream, after, limit);
  }
  Result<jobqueue::DeadLetter> GetDeadLetter(std::string_view stream,
                                             std::string_view id) override {
    return inner_.GetDeadLetter(stream, id);
  }
  Result<std::string> ReplayDeadLetter(std::string_view stream, std::string_view id) override {
    return inner_.ReplayDeadLetter(stream, id);
  }
  Result<int64_t> PurgeDeadLetters(std::string_view stream,
                                   std::optional<std::string_view> id) override {
    return inner_.PurgeDeadLetters(stream, id);
  }
  Result<jobqueue::StreamStats> Stats(std::string_view stream, std::string_view group) override {
    return inner_.Stats(stream, group);
  }

 private:
  JobQueue& inner_;
  std::mutex mu_;
  Mode mode_ = Mode::kPass;
  ErrorCode code_ = ErrorCode::kUnavailable;
  std::string only_stream_;
  std::atomic<int> calls_{0};
};

class OutboxRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto store = adapters::sqlite::SqliteStore::Open({.path = dir_.path() + "/store.db"});
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(store).value();
    auto queue = jobqueue::EmbeddedQueue::Open(dir_.path() + "/queue");
    ASSERT_TRUE(queue.has_value()) << queue.error().message;
    queue_ = std::move(queue).value();
    faulty_ = std::make_unique<FaultyQueue>(*queue_);
    auto asset = store_->CreateAsset(testing::MakeAsset("web-1"), MakeWriteContext(kT0));
    ASSERT_TRUE(asset.has_value()) << asset.error().message;
  }

  OutboxRelay::Options FastOptions() {
    return {.batch = 256,
            .idle_poll = milliseconds(200),
            .retry_min = milliseconds(500),
            .retry_max = seconds(30)};
  }

  void CreateJobs(int n, Timestamp now, const std::string& prefix = "k") {
    for (int i = 0; i < n; ++i) {
      auto j = store_->CreateScanJob(MakeScanJob(prefix + std::to_string(i), "web-1"),
                                     MakeWriteContext(now));
      ASSERT_TRUE(j.has_value()) << j.error().message;
      ASSERT_TRUE(j->created);
    }
  }

  // Consumes `stream` until `n` messages arrived (bounded), stops, and checks nothing else is
  // in the stream for the group: every message the queue holds was seen exactly once.
  std::vector<jobqueue::Message> ConsumeExactly(std::string_view stream, size_t n) {
    Recorder recorder;
    {
      Running consumer(*queue_, std::string(stream), "test-group",
                       [&](const jobqueue::Message& m, const jobqueue::LeaseControl&) {
                         recorder.Add(m);
                         return jobqueue::Outcome::Done();
                       },
                       {.block = milliseconds(50)});
      EXPECT_TRUE(recorder.WaitForCount(n, seconds(10)))
          << "saw " << recorder.seen().size() << " of " << n;
      consumer.Stop();
    }
    auto stats = queue_->Stats(stream, "test-group");
    EXPECT_TRUE(stats.has_value());
    if (stats.has_value()) {
      EXPECT_EQ(stats->lag, 0) << "undelivered messages left in " << stream;
      EXPECT_EQ(stats->pending, 0);
      EXPECT_EQ(stats->published, static_cast<int64_t>(n)) << stream;
    }
    std::vector<jobqueue::Message> out;
    for (auto& s : recorder.seen()) out.push_back(s.message);
    EXPECT_EQ(out.size(), n);
    return out;
  }

  testing::ScopedTempDir dir_;
  std::unique_ptr<adapters::sqlite::SqliteStore> store_;
  std::unique_ptr<jobqueue::EmbeddedQueue> queue_;
  std::unique_ptr<FaultyQueue> faulty_;
  adapters::metrics::PrometheusMetrics metrics_;
};

// Verifies one RunOnce publishes every due row to its stream as a valid envelope with the
// outbox idempotency key and request id, marks them sent, and a second run publishes nothing.
TEST_F(OutboxRelayTest, PublishesEachMessageOnceAndMarksItSent) {
  CreateJobs(3, kT0);
  ASSERT_TRUE(store_
                  ->AppendEvent(MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000c1", "web-1", kT0,
                                             core::model::EventType::kPostureChanged),
                                MakeWriteContext(kT0))
                  .has_value());
  ASSERT_TRUE(  // scan.completed: the deriver's job
      store_
          ->AppendEvent(MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000c2", "web-1", kT0),
                        MakeWriteContext(kT0))
          .has_value());
  ASSERT_TRUE(  // finding.updated: nobody consumes it, no message
      store_
          ->AppendEvent(MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000c3", "web-1", kT0,
                                     core::model::EventType::kFindingUpdated),
                        MakeWriteContext(kT0))
          .has_value());
  ManualClock clock(kT0);
  OutboxRelay relay(*store_, *queue_, metrics_, clock, FastOptions());

  auto report = relay.RunOnce();
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->published, 5);
  EXPECT_EQ(report->failed, 0);
  EXPECT_EQ(report->duplicates, 0);
  EXPECT_FALSE(report->queue_unavailable);
  EXPECT_EQ(*store_->CountUnsent(), 0);

  auto again = relay.RunOnce();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->published, 0);
  EXPECT_EQ(again->failed, 0);

  std::set<int64_t> job_ids;
  for (const jobqueue::Message& m : ConsumeExactly(jobqueue::kScanStream, 3)) {
    auto e = adapters::json::DecodeEnvelope(m.payload);
    ASSERT_TRUE(e.has_value()) << m.payload << ": " << e.error().message;
    EXPECT_EQ(e->event_type, core::model::EventType::kScanRequested);
    EXPECT_EQ(m.idempotency_key, "outbox:" + e->event_id);
    EXPECT_EQ(m.request_id, "req-job");
    EXPECT_EQ(e->request_id, "req-job");
    auto at = e->payload_json.find("\"job_id\":");
    ASSERT_NE(at, std::string::npos);
    job_ids.insert(std::stoll(e->payload_json.substr(at + 9)));
  }
  EXPECT_EQ(job_ids.size(), 3u);

  auto notify = ConsumeExactly(jobqueue::kNotifyStream, 1);
  ASSERT_EQ(notify.size(), 1u);
  auto e = adapters::json::DecodeEnvelope(notify[0].payload);
  ASSERT_TRUE(e.has_value()) << notify[0].payload;
  EXPECT_EQ(e->event_type, core::model::EventType::kPostureChanged);
  EXPECT_EQ(e->event_id, "0b7e2c1a-0000-4000-8000-0000000000c1");

  auto derive = ConsumeExactly(jobqueue::kDeriveStream, 1);
  ASSERT_EQ(derive.size(), 1u);
  auto d = adapters::json::DecodeEnvelope(derive[0].payload);
  ASSERT_TRUE(d.has_value()) << derive[0].payload;
  EXPECT_EQ(d->event_type, core::model::EventType::kScanCompleted);
  EXPECT_EQ(d->event_id, "0b7e2c1a-0000-4000-8000-0000000000c2");

  std::string text = metrics_.RenderText();
  EXPECT_NE(text.find(R"(secplat_outbox_published_total{stream="secplat.jobs.scan"} 3)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(secplat_outbox_published_total{stream="secplat.events.notify"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("secplat_outbox_unsent 0"), std::string::npos) << text;
}

// Verifies the unsent gauge during a backlog: full batches refresh it at most once per
// unsent_gauge_every (counting is linear in the backlog), a short batch (caught up) always.
TEST_F(OutboxRelayTest, UnsentGaugeIsCountedOncePerIntervalDuringABacklog) {
  CreateJobs(7, kT0);
  ManualClock clock(kT0);
  OutboxRelay::Options options = FastOptions();
  options.batch = 2;
  options.unsent_gauge_every = seconds(1);
  OutboxRelay relay(*store_, *queue_, metrics_, clock, options);
  auto gauge = [&](int n) {
    return metrics_.RenderText().find("secplat_outbox_unsent " + std::to_string(n) + "\n") !=
           std::string::npos;
  };
  auto run = [&] {
    auto r = relay.RunOnce();
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? r->published : -1;
  };
  EXPECT_EQ(run(), 2);
  EXPECT_TRUE(gauge(5)) << metrics_.RenderText();  // the first run counts
  EXPECT_EQ(run(), 2);
  EXPECT_TRUE(gauge(5)) << "a full batch within the interval does not count again";
  clock.Advance(seconds(1));
  EXPECT_EQ(run(), 2);
  EXPECT_TRUE(gauge(1)) << metrics_.RenderText();  // the interval has passed
  EXPECT_EQ(run(), 1);
  EXPECT_TRUE(gauge(0)) << metrics_.RenderText();  // a short batch: caught up, counted
  EXPECT_EQ(*store_->CountUnsent(), 0);
}

// Verifies that while the queue is down rows stay unsent with attempts, last_error and a
// backoff (the rest of the batch is not even tried), and that they all go out, once, after it
// recovers.
TEST_F(OutboxRelayTest, QueueOutageLeavesRowsUnsentAndTheyGoOutAfterRecovery) {
  CreateJobs(3, kT0);
  ManualClock clock(kT0);
  OutboxRelay relay(*store_, *faulty_, metrics_, clock, FastOptions());
  faulty_->Set(FaultyQueue::Mode::kFail, ErrorCode::kUnavailable);

  auto down = relay.RunOnce();
  ASSERT_TRUE(down.has_value()) << down.error().message;
  EXPECT_EQ(down->published, 0);
  EXPECT_EQ(down->failed, 3);
  EXPECT_TRUE(down->queue_unavailable);
  EXPECT_EQ(faulty_->publish_calls(), 1);  // one batch tried, nothing retried in a loop
  EXPECT_EQ(*store_->CountUnsent(), 3);
  auto rows = store_->ClaimUnsent(10, kT0 + seconds(1));
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 3u);
  for (const auto& r : *rows) {
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.last_error, "injected: queue down");
  }
  EXPECT_NE(metrics_.RenderText().find(
                R"(secplat_outbox_publish_failures_total{stream="secplat.jobs.scan"} 3)"),
            std::string::npos);
  EXPECT_NE(metrics_.RenderText().find("secplat_outbox_unsent 3"), std::string::npos);

  // Held back for retry_min: not due 1 ms early, so nothing is tried.
  clock.Advance(milliseconds(499));
  auto early = relay.RunOnce();
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(early->published + early->failed, 0);
  EXPECT_EQ(faulty_->publish_calls(), 1);

  faulty_->Set(FaultyQueue::Mode::kPass);
  clock.Advance(milliseconds(1));
  auto up = relay.RunOnce();
  ASSERT_TRUE(up.has_value()) << up.error().message;
  EXPECT_EQ(up->published, 3);
  EXPECT_EQ(up->failed, 0);
  EXPECT_EQ(*store_->CountUnsent(), 0);
  ConsumeExactly(jobqueue::kScanStream, 3);
}

// Verifies a repeated failure doubles the row's wait, capped at retry_max.
TEST_F(OutboxRelayTest, BackoffDoublesPerAttemptUpToTheCap) {
  OutboxRelay::Options o = FastOptions();
  EXPECT_EQ(OutboxRelay::Backoff(o, 0), milliseconds(500));
  EXPECT_EQ(OutboxRelay::Backoff(o, 1), milliseconds(500));
  EXPECT_EQ(OutboxRelay::Backoff(o, 2), milliseconds(1000));
  EXPECT_EQ(OutboxRelay::Backoff(o, 3), milliseconds(2000));
  EXPECT_EQ(OutboxRelay::Backoff(o, 6), milliseconds(16000));
  EXPECT_EQ(OutboxRelay::Backoff(o, 7), seconds(30));
  EXPECT_EQ(OutboxRelay::Backoff(o, 1'000'000), seconds(30));

  CreateJobs(1, kT0);
  ManualClock clock(kT0);
  OutboxRelay relay(*store_, *faulty_, metrics_, clock, o);
  faulty_->Set(FaultyQueue::Mode::kFail);
  ASSERT_TRUE(relay.RunOnce().has_value());  // attempt 1 fails: due at +500 ms
  clock.Advance(milliseconds(500));
  ASSERT_EQ(relay.RunOnce()->failed, 1);  // attempt 2 fails: due 1 s later
  clock.Advance(milliseconds(999));
  EXPECT_EQ(relay.RunOnce()->failed, 0);
  clock.Advance(milliseconds(1));
  EXPECT_EQ(relay.RunOnce()->failed, 1);
  auto rows = store_->ClaimUnsent(10, kT0 + seconds(60));
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->at(0).attempts, 3);
}

// Verifies a crash between publish and MarkSent (simulated: the queue publishes, then the
// answer is lost) republishes the rows later and the queue refuses the copies, so each message
// is delivered once.
TEST_F(OutboxRelayTest, CrashBetweenPublishAndMarkSentDoesNotDeliverTwice) {
  CreateJobs(5, kT0);
  ManualClock clock(kT0);
  OutboxRelay relay(*store_, *faulty_, metrics_, clock, FastOptions());
  faulty_->Set(FaultyQueue::Mode::kPublishThenFail);

  auto lost = relay.RunOnce();
  ASSERT_TRUE(lost.has_value());
  EXPECT_EQ(lost->published, 0);
  EXPECT_EQ(lost->failed, 5);
  EXPECT_EQ(*store_->CountUnsent(), 5);

  faulty_->Set(FaultyQueue::Mode::kPass);
  clock.Advance(seconds(1));
  auto retried = relay.RunOnce();
  ASSERT_TRUE(retried.has_value()) << retried.error().message;
  EXPECT_EQ(retried->published, 5);
  EXPECT_EQ(retried->duplicates, 5);
  EXPECT_EQ(*store_->CountUnsent(), 0);

  auto seen = ConsumeExactly(jobqueue::kScanStream, 5);
  std::set<std::string> keys;
  for (const auto& m : seen) keys.insert(m.idempotency_key);
  EXPECT_EQ(keys.size(), 5u);
}

// Verifies an error that is not an outage fails only the rows of that stream: rows of other
// streams in the same batch still go out, and the run does not count as queue unavailable.
TEST_F(OutboxRelayTest, NonOutageErrorFailsOnlyThatStream) {
  CreateJobs(2, kT0);
  ASSERT_TRUE(store_
                  ->AppendEvent(MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000d1", "web-1", kT0,
                                             core::model::EventType::kIncidentCreated),
                                MakeWriteContext(kT0))
                  .has_value());
  ManualClock clock(kT0);
  OutboxRelay relay(*store_, *faulty_, metrics_, clock, FastOptions());
  faulty_->Set(FaultyQueue::Mode::kFail, ErrorCode::kInternal, std::string(jobqueue::kScanStream));

  auto report = relay.RunOnce();
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->published, 1);
  EXPECT_EQ(report->failed, 2);
  EXPECT_FALSE(report->queue_unavailable);
  EXPECT_EQ(*store_->CountUnsent(), 2);
  ConsumeExactly(jobqueue::kNotifyStream, 1);
}

// Verifies Run publishes rows written while it runs (Wake ends its idle wait early), and
// returns promptly when stopped.
TEST_F(OutboxRelayTest, RunPublishesInTheBackgroundAndStopsPromptly) {
  adapters::system::SystemClock clock;
  OutboxRelay::Options o = FastOptions();
  o.idle_poll = seconds(30);  // only Wake() (or stop) can end the idle wait in time
  OutboxRelay relay(*store_, *queue_, metrics_, clock, o);
  std::jthread runner([&](std::stop_token st) { relay.Run(st); });

  CreateJobs(4, clock.Now());
  relay.Wake();
  Recorder recorder;
  {
    Running consumer(*queue_, std::string(jobqueue::kScanStream), "test-group",
                     [&](const jobqueue::Message& m, const jobqueue::LeaseControl&) {
                       recorder.Add(m);
                       return jobqueue::Outcome::Done();
                     },
                     {.block = milliseconds(50)});
    EXPECT_TRUE(recorder.WaitForCount(4, seconds(10))) << recorder.seen().size();
  }
  // The relay marks the rows sent just after publishing them, so a consumer can see the
  // messages first: wait for the mark (bounded).
  const auto marked_by = std::chrono::steady_clock::now() + seconds(10);
  while (*store_->CountUnsent() != 0 && std::chrono::steady_clock::now() < marked_by)
    std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(*store_->CountUnsent(), 0);

  auto start = std::chrono::steady_clock::now();
  runner.request_stop();
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(2));
}

// Verifies Run waits (no busy loop) while the queue is down, and delivers every row once after
// it comes back.
TEST_F(OutboxRelayTest, RunBacksOffWhileTheQueueIsDownThenDeliversOnce) {
  adapters::system::SystemClock clock;
  OutboxRelay::Options o{.batch = 256,
                         .idle_poll = milliseconds(10),
                         .retry_min = milliseconds(20),
                         .retry_max = milliseconds(80)};
  faulty_->Set(FaultyQueue::Mode::kFail);
  CreateJobs(6, clock.Now());
  OutboxRelay relay(*store_, *faulty_, metrics_, clock, o);
  std::jthread runner([&](std::stop_token st) { relay.Run(st); });

  auto start = std::chrono::steady_clock::now();
  while (faulty_->publish_calls() < 3 && std::chrono::steady_clock::now() - start < seconds(10))
    std::this_thread::sleep_for(milliseconds(5));
  ASSERT_GE(faulty_->publish_calls(), 3);
  auto elapsed = std::chrono::steady_clock::now() - start;
  // Three tries need at least the first two backoffs (20 ms + 40 ms): not a busy loop.
  EXPECT_GE(elapsed, milliseconds(50));
  EXPECT_EQ(*store_->CountUnsent(), 6);

  faulty_->Set(FaultyQueue::Mode::kPass);
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (*store_->CountUnsent() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(*store_->CountUnsent(), 0);
  runner.request_stop();
  runner.join();
  ConsumeExactly(jobqueue::kScanStream, 6);
}

// Verifies Wake() does not cut a backoff short: the api wakes the relay after every write, and
// while the queue is down that must not turn into one publish attempt per write.
TEST_F(OutboxRelayTest, WakeDoesNotCutAnOutageBackoffShort) {
  adapters::system::SystemClock clock;
  OutboxRelay::Options o{.batch = 256,
                         .idle_poll = milliseconds(10),
                         .retry_min = seconds(1),
                         .retry_max = seconds(1)};
  faulty_->Set(FaultyQueue::Mode::kFail);
  CreateJobs(2, clock.Now());
  OutboxRelay relay(*store_, *faulty_, metrics_, clock, o);
  std::jthread runner([&](std::stop_token st) { relay.Run(st); });
  auto start = std::chrono::steady_clock::now();
  while (faulty_->publish_calls() < 1 && std::chrono::steady_clock::now() - start < seconds(10))
    std::this_thread::sleep_for(milliseconds(1));
  ASSERT_EQ(faulty_->publish_calls(), 1);
  // 100 wakes within the 1 s backoff: still one attempt.
  for (int i = 0; i < 100; ++i) {
    relay.Wake();
    std::this_thread::sleep_for(milliseconds(2));
  }
  EXPECT_EQ(faulty_->publish_calls(), 1);
  // After the backoff it tries again; once the queue is back, a wake is honoured again.
  faulty_->Set(FaultyQueue::Mode::kPass);
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (*store_->CountUnsent() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(*store_->CountUnsent(), 0);
  runner.request_stop();
  runner.join();
  ConsumeExactly(jobqueue::kScanStream, 2);
}

}  // namespace
}  // namespace secplat::services::relay
