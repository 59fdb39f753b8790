// The JobQueue contract: one typed suite every backend passes. A backend's test file defines a
// Backend type with
//   Status SetUp();                                  // once per test
//   Result<std::unique_ptr<JobQueue>> NewQueue();    // another client of the same data
// and instantiates the suite:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Embedded, JobQueueContract, EmbeddedBackend);
// Each test uses its own stream names, so a backend may share one server between tests.
#ifndef SECPLAT_TESTS_JOBQUEUE_JOB_QUEUE_CONTRACT_H_
#define SECPLAT_TESTS_JOBQUEUE_JOB_QUEUE_CONTRACT_H_

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jobqueue/job_queue.h"
#include "tests/jobqueue/queue_test_util.h"

namespace secplat::jobqueue::contract {

template <typename Backend>
class JobQueueContract : public ::testing::Test {
 protected:
  void SetUp() override {
    Status s = backend_.SetUp();
    if (!s.has_value()) GTEST_SKIP() << s.error().message;
    auto q = backend_.NewQueue();
    ASSERT_TRUE(q.has_value()) << q.error().message;
    queue_ = std::move(q).value();
    static std::atomic<int> counter{0};
    stream_ = "test." +
              std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "." +
              std::to_string(counter++) + "." + NewJobId().substr(0, 6);
  }

  std::unique_ptr<JobQueue> Another() {
    auto q = backend_.NewQueue();
    EXPECT_TRUE(q.has_value()) << q.error().message;
    return q.has_value() ? std::move(q).value() : nullptr;
  }

  // Short timings so the suite runs in seconds.
  static ConsumeOptions Options() {
    ConsumeOptions o;
    o.block = 100ms;
    o.lease = 2s;
    o.retry.base = 50ms;
    o.retry.cap = 1s;
    o.retry.max_attempts = 4;
    return o;
  }

  PublishResult MustPublish(std::string_view payload, const PublishOptions& o = {}) {
    auto r = queue_->Publish(stream_, payload, o);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.has_value() ? *r : PublishResult{};
  }

  // Polls Stats until `pred` holds (bounded).
  bool StatsEventually(const std::string& group,
                       const std::function<bool(const StreamStats&)>& pred, Duration timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto s = queue_->Stats(stream_, group);
      if (s.has_value() && pred(*s)) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  Backend backend_;
  std::unique_ptr<JobQueue> queue_;
  std::string stream_;
};

TYPED_TEST_SUITE_P(JobQueueContract);

// Verifies every published message reaches a handler with its metadata, across two consumers.
TYPED_TEST_P(JobQueueContract, DeliversEveryPublishedMessageAtLeastOnce) {
  std::vector<PublishRequest> batch;
  for (int i = 0; i < 20; ++i)
    batch.push_back({Envelope(i), {.request_id = "req-" + std::to_string(i)}});
  auto published = this->queue_->PublishBatch(this->stream_, batch);
  ASSERT_TRUE(published.has_value()) << published.error().message;
  std::set<std::string> ids;
  for (const auto& p : *published) ids.insert(p.id);
  for (int i = 20; i < 40; ++i) {
    ids.insert(this->MustPublish(Envelope(i), {.idempotency_key = "key-" + std::to_string(i)}).id);
  }
  ASSERT_EQ(ids.size(), 40u);

  Recorder rec;
  auto other = this->Another();
  ConsumeOptions o = this->Options();
  o.concurrency = 2;
  Handler h = [&](const Message& m, const LeaseControl&) {
    rec.Add(m);
    return Outcome::Done();
  };
  {
    Running a(*this->queue_, this->stream_, "workers", h, o);
    Running b(*other, this->stream_, "workers", h, o);
    ASSERT_TRUE(rec.WaitFor([&](const std::vector<Seen>& s) {
      std::set<std::string> got;
      for (const auto& x : s) got.insert(x.message.id);
      return got == ids;
    })) << "received "
        << rec.seen().size() << " of 40";
  }
  for (const Seen& s : rec.seen()) {
    EXPECT_EQ(s.message.attempt, 1);
    EXPECT_EQ(s.message.stream, this->stream_);
    EXPECT_TRUE(s.message.errors.empty());
    EXPECT_LE(std::chrono::abs(s.message.enqueued_at - WallNow()), 60s);
    int i = std::stoi(s.message.payload.substr(14));
    EXPECT_EQ(s.message.payload, Envelope(i));
    if (i < 20) {
      EXPECT_EQ(s.message.request_id, "req-" + std::to_string(i));
    } else {
      EXPECT_EQ(s.message.idempotency_key, "key-" + std::to_string(i));
    }
  }
  EXPECT_TRUE(this->StatsEventually("workers", [](const StreamStats& s) {
    return s.pending == 0 && s.acked >= 40 && s.published == 40 && s.lag == 0;
  }));
}

// Verifies retries come back with increasing attempt numbers, their error history, and gaps of
// at least the computed backoff (random fixed at the maximum: 50, 100, 200 ms).
TYPED_TEST_P(JobQueueContract, RetriesWithExponentialBackoff) {
  this->MustPublish(Envelope(1));
  Recorder rec;
  ConsumeOptions o = this->Options();
  o.random = [] { return std::numeric_limits<uint64_t>::max(); };
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        if (m.attempt < 4) return Outcome::Retry("try " + std::to_string(m.attempt));
        return Outcome::Done();
      },
      o);
  ASSERT_TRUE(rec.WaitForCount(4));
  auto seen = rec.seen();
  ASSERT_EQ(seen.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(seen[k].message.attempt, k + 1);
    EXPECT_EQ(seen[k].message.id, seen[0].message.id);
    ASSERT_EQ(seen[k].message.errors.size(), static_cast<size_t>(k));
    for (int e = 0; e < k; ++e)
      EXPECT_EQ(seen[k].message.errors[e], "try " + std::to_string(e + 1));
  }
  for (int k = 1; k < 4; ++k) {
    Duration want = BackoffDelay(o.retry, k, std::numeric_limits<uint64_t>::max());
    auto gap = std::chrono::duration_cast<Duration>(seen[k].at - seen[k - 1].at);
    EXPECT_GE(gap + 2ms, want) << "attempt " << k + 1;  // 2 ms: millisecond clocks
    EXPECT_LT(gap, want + 1500ms) << "attempt " << k + 1;
  }
  EXPECT_TRUE(this->StatsEventually("workers", [](const StreamStats& s) {
    return s.retried == 3 && s.acked == 1 && s.pending == 0 && s.delayed == 0;
  }));
}

// Verifies Outcome::Retry's retry_after replaces the computed backoff.
TYPED_TEST_P(JobQueueContract, RetryAfterOverridesBackoff) {
  this->MustPublish(Envelope(1));
  Recorder rec;
  ConsumeOptions o = this->Options();
  o.random = [] { return uint64_t{0}; };  // the backoff alone would be 0 ms
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return m.attempt == 1 ? Outcome::Retry("later", 300ms) : Outcome::Done();
      },
      o);
  ASSERT_TRUE(rec.WaitForCount(2));
  auto seen = rec.seen();
  EXPECT_GE(std::chrono::duration_cast<Duration>(seen[1].at - seen[0].at) + 2ms, 300ms);
}

// Verifies a message failing max_attempts times lands in the dead letters with its history.
TYPED_TEST_P(JobQueueContract, DeadLettersAfterMaxAttempts) {
  PublishResult pub = this->MustPublish(Envelope(7), {.idempotency_key = "k7", .request_id = "r7"});
  std::atomic<int> calls{0};
  ConsumeOptions o = this->Options();
  o.retry.max_attempts = 3;
  o.retry.base = 10ms;
  {
    Running r(
        *this->queue_, this->stream_, "workers",
        [&](const Message& m, const LeaseControl&) {
          ++calls;
          return Outcome::Retry("boom " + std::to_string(m.attempt));
        },
        o);
    ASSERT_TRUE(this->StatsEventually(
        "workers", [](const StreamStats& s) { return s.dead_letters == 1 && s.pending == 0; }));
  }
  EXPECT_EQ(calls.load(), 3);
  auto list = this->queue_->ListDeadLetters(this->stream_, "", 10);
  ASSERT_TRUE(list.has_value()) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  const DeadLetter& dl = (*list)[0];
  EXPECT_EQ(dl.reason, kReasonMaxAttempts);
  EXPECT_EQ(dl.last_error, "boom 3");
  EXPECT_EQ(dl.group, "workers");
  EXPECT_EQ(dl.message.id, pub.id);
  EXPECT_EQ(dl.message.stream, this->stream_);
  EXPECT_EQ(dl.message.payload, Envelope(7));
  EXPECT_EQ(dl.message.idempotency_key, "k7");
  EXPECT_EQ(dl.message.request_id, "r7");
  EXPECT_EQ(dl.message.attempt, 3);
  EXPECT_EQ(dl.message.errors, (std::vector<std::string>{"boom 1", "boom 2", "boom 3"}));
  EXPECT_LE(std::chrono::abs(dl.dead_at - WallNow()), 60s);
  auto stats = this->queue_->Stats(this->stream_, "workers");
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->dead_lettered, 1);
  EXPECT_EQ(stats->retried, 2);
}

// Verifies Outcome::Fail dead-letters at once, without retries.
TYPED_TEST_P(JobQueueContract, DeadLettersAtOnceOnPermanentFailure) {
  this->MustPublish(Envelope(1));
  std::atomic<int> calls{0};
  {
    Running r(
        *this->queue_, this->stream_, "workers",
        [&](const Message&, const LeaseControl&) {
          ++calls;
          return Outcome::Fail("target does not exist");
        },
        this->Options());
    ASSERT_TRUE(this->StatsEventually(
        "workers", [](const StreamStats& s) { return s.dead_letters == 1 && s.pending == 0; }));
  }
  EXPECT_EQ(calls.load(), 1);
  auto list = this->queue_->ListDeadLetters(this->stream_, "", 10);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].reason, kReasonFailed);
  EXPECT_EQ((*list)[0].last_error, "target does not exist");
  EXPECT_EQ((*list)[0].message.attempt, 1);
  EXPECT_EQ((*list)[0].message.errors, (std::vector<std::string>{"target does not exist"}));
}

// Verifies a message held by a consumer that stopped renewing (as if it died) is delivered to
// another consumer after the lease, as attempt 2.
TYPED_TEST_P(JobQueueContract, ReclaimsMessageAfterConsumerDies) {
  this->MustPublish(Envelope(1));
  Gate release;
  Recorder dead_rec, live_rec;
  ConsumeOptions dying = this->Options();
  dying.lease = 300ms;
  dying.auto_renew = false;  // a dead process renews nothing
  dying.consumer = "dying";
  Running a(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        dead_rec.Add(m);
        release.Wait();
        return Outcome::Done();
      },
      dying);
  ASSERT_TRUE(dead_rec.WaitForCount(1));
  auto other = this->Another();
  ConsumeOptions live = this->Options();
  live.lease = 300ms;
  live.consumer = "live";
  auto started = std::chrono::steady_clock::now();
  Running b(
      *other, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        live_rec.Add(m);
        return Outcome::Done();
      },
      live);
  ASSERT_TRUE(live_rec.WaitForCount(1, 5s));
  release.Open();
  Seen got = live_rec.seen()[0];
  EXPECT_EQ(got.message.id, dead_rec.seen()[0].message.id);
  EXPECT_EQ(got.message.attempt, 2);
  ASSERT_EQ(got.message.errors.size(), 1u);
  EXPECT_NE(got.message.errors[0].find("lease expired"), std::string::npos);
  EXPECT_LT(got.at - started, 3s);
}

// Verifies a job running three times its lease keeps it (renewed) and is not redelivered.
TYPED_TEST_P(JobQueueContract, LongJobRenewsItsLease) {
  this->MustPublish(Envelope(1));
  Recorder rec;
  ConsumeOptions o = this->Options();
  o.lease = 300ms;
  Handler slow = [&](const Message& m, const LeaseControl&) {
    rec.Add(m);
    std::this_thread::sleep_for(900ms);
    return Outcome::Done();
  };
  auto other = this->Another();
  {
    Running a(*this->queue_, this->stream_, "workers", slow, o);
    Running b(*other, this->stream_, "workers", slow, o);
    ASSERT_TRUE(rec.WaitForCount(1));
    EXPECT_FALSE(rec.WaitForCount(2, 1500ms)) << "redelivered while its consumer was alive";
    EXPECT_TRUE(this->StatsEventually(
        "workers", [](const StreamStats& s) { return s.pending == 0 && s.acked == 1; }));
  }
  EXPECT_EQ(rec.seen().size(), 1u);
}

// Verifies LeaseControl::Renew keeps a lease that is not renewed automatically.
TYPED_TEST_P(JobQueueContract, HandlerCanRenewItsLeaseExplicitly) {
  this->MustPublish(Envelope(1));
  Recorder started, done;
  ConsumeOptions o = this->Options();
  o.lease = 300ms;
  o.auto_renew = false;
  std::atomic<bool> renewed_ok{true};
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl& lease) {
        started.Add(m);
        for (int i = 0; i < 6; ++i) {
          std::this_thread::sleep_for(100ms);
          if (!lease.Renew().has_value()) renewed_ok = false;
        }
        done.Add(m);
        return Outcome::Done();
      },
      o);
  ASSERT_TRUE(started.WaitForCount(1));
  auto other = this->Another();
  Recorder other_rec;
  Running b(
      *other, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        other_rec.Add(m);
        return Outcome::Done();
      },
      o);
  ASSERT_TRUE(done.WaitForCount(1));
  EXPECT_TRUE(renewed_ok.load());
  EXPECT_EQ(other_rec.seen().size(), 0u);
}

// Verifies a key published twice within its TTL is published once, and again after the TTL.
TYPED_TEST_P(JobQueueContract, IdempotentPublish) {
  PublishResult first = this->MustPublish(Envelope(1), {.idempotency_key = "scan:web-1:10"});
  PublishResult again = this->MustPublish(Envelope(2), {.idempotency_key = "scan:web-1:10"});
  PublishResult other = this->MustPublish(Envelope(3), {.idempotency_key = "scan:web-2:10"});
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.id, first.id);
  EXPECT_FALSE(other.duplicate);
  EXPECT_NE(other.id, first.id);
  PublishResult short1 =
      this->MustPublish(Envelope(4), {.idempotency_key = "short", .idempotency_ttl = 100ms});
  std::this_thread::sleep_for(150ms);
  PublishResult short2 =
      this->MustPublish(Envelope(5), {.idempotency_key = "short", .idempotency_ttl = 100ms});
  EXPECT_FALSE(short2.duplicate);
  EXPECT_NE(short2.id, short1.id);

  Recorder rec;
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return Outcome::Done();
      },
      this->Options());
  ASSERT_TRUE(rec.WaitForCount(4));
  EXPECT_FALSE(rec.WaitForCount(5, 300ms));
  std::multiset<std::string> payloads;
  for (const auto& s : rec.seen()) payloads.insert(s.message.payload);
  EXPECT_EQ(payloads,
            (std::multiset<std::string>{Envelope(1), Envelope(3), Envelope(4), Envelope(5)}));
}

// Verifies not_before holds a message back until its time (never early), counted as delayed.
TYPED_TEST_P(JobQueueContract, DelayedDeliveryIsNotEarly) {
  Timestamp due = WallNow() + 400ms;
  this->MustPublish(Envelope(1), {.not_before = due});
  this->MustPublish(Envelope(2));
  auto stats = this->queue_->Stats(this->stream_, "workers");
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->delayed, 1);
  Recorder rec;
  std::mutex mu;
  std::map<std::string, Timestamp> handled_at;
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        {
          std::lock_guard lock(mu);
          handled_at[m.payload] = WallNow();
        }
        rec.Add(m);
        return Outcome::Done();
      },
      this->Options());
  ASSERT_TRUE(rec.WaitForCount(2, 5s));
  std::lock_guard lock(mu);
  EXPECT_GE(handled_at[Envelope(1)], due);
  EXPECT_LT(handled_at[Envelope(1)], due + 1500ms);
  EXPECT_LT(handled_at[Envelope(2)], due);  // the immediate one did not wait
}

// Verifies malformed payloads go to the dead letters as "malformed" without reaching the
// handler, and do not block the messages behind them.
TYPED_TEST_P(JobQueueContract, MalformedMessageIsDeadLetteredAndNextIsProcessed) {
  this->MustPublish("not json at all");
  this->MustPublish(R"({"event_id": 5, "event_type": "scan.requested"})");
  this->MustPublish(R"([1, 2, 3])");
  this->MustPublish(std::string(100000, '['));
  this->MustPublish(Envelope(1));
  Recorder rec;
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return Outcome::Done();
      },
      this->Options());
  ASSERT_TRUE(rec.WaitForCount(1));
  ASSERT_TRUE(this->StatsEventually(
      "workers", [](const StreamStats& s) { return s.dead_letters == 4 && s.pending == 0; }));
  ASSERT_EQ(rec.seen().size(), 1u);
  EXPECT_EQ(rec.seen()[0].message.payload, Envelope(1));
  auto list = this->queue_->ListDeadLetters(this->stream_, "", 10);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 4u);
  for (const DeadLetter& dl : *list) {
    EXPECT_EQ(dl.reason, kReasonMalformed);
    EXPECT_EQ(dl.last_error.rfind("malformed: ", 0), 0u) << dl.last_error;
    EXPECT_EQ(dl.message.attempt, 1);
  }
  EXPECT_NE((*list)[1].last_error.find("event_id"), std::string::npos);
}

// Verifies a custom validator replaces the minimal check.
TYPED_TEST_P(JobQueueContract, CustomValidatorDecidesWhatIsMalformed) {
  this->MustPublish("plain text is fine here");
  this->MustPublish("REJECT me");
  Recorder rec;
  ConsumeOptions o = this->Options();
  o.validate = [](std::string_view p) -> Status {
    if (p.starts_with("REJECT")) return Unexpected(ErrorCode::kInvalidArgument, "rejected");
    return OkStatus();
  };
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return Outcome::Done();
      },
      o);
  ASSERT_TRUE(rec.WaitForCount(1));
  ASSERT_TRUE(
      this->StatsEventually("workers", [](const StreamStats& s) { return s.dead_letters == 1; }));
  EXPECT_EQ(rec.seen()[0].message.payload, "plain text is fine here");
}

// Verifies a dead letter can be inspected, replayed (attempts reset, same job id) and purged.
TYPED_TEST_P(JobQueueContract, ReplaysAndPurgesDeadLetters) {
  PublishResult pub = this->MustPublish(Envelope(1));
  this->MustPublish(Envelope(2));
  this->MustPublish(Envelope(3));
  Recorder rec;
  std::atomic<bool> fail{true};
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return fail ? Outcome::Fail("not yet") : Outcome::Done();
      },
      this->Options());
  ASSERT_TRUE(
      this->StatsEventually("workers", [](const StreamStats& s) { return s.dead_letters == 3; }));
  auto list = this->queue_->ListDeadLetters(this->stream_, "", 10);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 3u);
  // Pagination: strictly after the cursor.
  auto page = this->queue_->ListDeadLetters(this->stream_, (*list)[0].id, 1);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, (*list)[1].id);

  std::string first_id;
  for (const DeadLetter& dl : *list) {
    if (dl.message.id == pub.id) first_id = dl.id;
  }
  ASSERT_FALSE(first_id.empty());
  auto got = this->queue_->GetDeadLetter(this->stream_, first_id);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->message.payload, Envelope(1));

  fail = false;
  auto replayed = this->queue_->ReplayDeadLetter(this->stream_, first_id);
  ASSERT_TRUE(replayed.has_value()) << replayed.error().message;
  EXPECT_EQ(*replayed, pub.id);
  ASSERT_TRUE(rec.WaitForCount(4));
  Seen again = rec.seen()[3];
  EXPECT_EQ(again.message.id, pub.id);
  EXPECT_EQ(again.message.attempt, 1);
  EXPECT_EQ(again.message.errors, (std::vector<std::string>{"not yet"}));  // history kept
  auto gone = this->queue_->GetDeadLetter(this->stream_, first_id);
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  auto replay_again = this->queue_->ReplayDeadLetter(this->stream_, first_id);
  ASSERT_FALSE(replay_again.has_value());
  EXPECT_EQ(replay_again.error().code, ErrorCode::kNotFound);

  list = this->queue_->ListDeadLetters(this->stream_, "", 10);
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  auto one = this->queue_->PurgeDeadLetters(this->stream_, (*list)[0].id);
  ASSERT_TRUE(one.has_value());
  EXPECT_EQ(*one, 1);
  auto all = this->queue_->PurgeDeadLetters(this->stream_, std::nullopt);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, 1);
  list = this->queue_->ListDeadLetters(this->stream_, "", 10);
  ASSERT_TRUE(list.has_value());
  EXPECT_TRUE(list->empty());

  auto bad = this->queue_->GetDeadLetter(this->stream_, "../etc");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

// Verifies Stats reports length, lag, pending, consumers, delayed and the counters.
TYPED_TEST_P(JobQueueContract, StatsReportDepthLagAndCounters) {
  for (int i = 0; i < 5; ++i) this->MustPublish(Envelope(i));
  this->MustPublish(Envelope(9), {.not_before = WallNow() + 1h});
  auto before = this->queue_->Stats(this->stream_, "workers");
  ASSERT_TRUE(before.has_value()) << before.error().message;
  EXPECT_EQ(before->length, 5);
  EXPECT_EQ(before->lag, 5);
  EXPECT_EQ(before->pending, 0);
  EXPECT_EQ(before->delayed, 1);
  EXPECT_EQ(before->dead_letters, 0);
  EXPECT_EQ(before->published, 6);

  Gate gate;
  Recorder rec;
  ConsumeOptions o = this->Options();
  o.batch = 1;
  {
    Running r(
        *this->queue_, this->stream_, "workers",
        [&](const Message& m, const LeaseControl&) {
          rec.Add(m);
          gate.Wait();
          return Outcome::Done();
        },
        o);
    ASSERT_TRUE(rec.WaitForCount(1));
    EXPECT_TRUE(this->StatsEventually("workers", [](const StreamStats& s) {
      return s.pending >= 1 && s.consumers == 1 && s.lag <= 4 &&
             s.oldest_pending_idle < std::chrono::seconds(2);
    }));
    gate.Open();
    ASSERT_TRUE(rec.WaitForCount(5));
    EXPECT_TRUE(this->StatsEventually("workers", [](const StreamStats& s) {
      return s.pending == 0 && s.lag == 0 && s.acked == 5 && s.delayed == 1;
    }));
  }
}

// Verifies every group gets every message, and a retry in one group is not seen by another.
TYPED_TEST_P(JobQueueContract, EachGroupGetsEveryMessageAndRetriesStayInTheirGroup) {
  this->MustPublish(Envelope(1));
  Recorder a_rec, b_rec;
  ConsumeOptions o = this->Options();
  o.retry.base = 10ms;
  Running a(
      *this->queue_, this->stream_, "group-a",
      [&](const Message& m, const LeaseControl&) {
        a_rec.Add(m);
        return m.attempt < 3 ? Outcome::Retry("again") : Outcome::Done();
      },
      o);
  Running b(
      *this->queue_, this->stream_, "group-b",
      [&](const Message& m, const LeaseControl&) {
        b_rec.Add(m);
        return Outcome::Done();
      },
      o);
  ASSERT_TRUE(a_rec.WaitForCount(3));
  ASSERT_TRUE(b_rec.WaitForCount(1));
  EXPECT_FALSE(b_rec.WaitForCount(2, 300ms));
  EXPECT_EQ(b_rec.seen()[0].message.attempt, 1);
}

// Verifies a handler that throws is retried, and the exception text is in the history.
TYPED_TEST_P(JobQueueContract, HandlerExceptionCountsAsRetry) {
  this->MustPublish(Envelope(1));
  Recorder rec;
  ConsumeOptions o = this->Options();
  o.retry.base = 10ms;
  Running r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) -> Outcome {
        rec.Add(m);
        if (m.attempt == 1) throw std::runtime_error("kaboom");
        return Outcome::Done();
      },
      o);
  ASSERT_TRUE(rec.WaitForCount(2));
  ASSERT_EQ(rec.seen()[1].message.errors.size(), 1u);
  EXPECT_NE(rec.seen()[1].message.errors[0].find("kaboom"), std::string::npos);
}

// Verifies messages buffered but not started when a consumer stops go to another consumer
// without losing an attempt.
TYPED_TEST_P(JobQueueContract, StopHandsBufferedMessagesBack) {
  for (int i = 0; i < 5; ++i) this->MustPublish(Envelope(i));
  Recorder first, second;
  Gate gate;
  ConsumeOptions o = this->Options();
  o.batch = 8;
  {
    Running r(
        *this->queue_, this->stream_, "workers",
        [&](const Message& m, const LeaseControl&) {
          first.Add(m);
          gate.Wait(500ms);
          return Outcome::Done();
        },
        o);
    ASSERT_TRUE(first.WaitForCount(1));
  }  // stops while the other four are buffered
  Running r2(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, const LeaseControl&) {
        second.Add(m);
        return Outcome::Done();
      },
      o);
  ASSERT_TRUE(second.WaitForCount(5 - first.seen().size(), 5s));
  for (const Seen& s : second.seen()) EXPECT_EQ(s.message.attempt, 1);
}

// Verifies bad names and options are rejected with kInvalidArgument.
TYPED_TEST_P(JobQueueContract, RejectsBadNamesAndOptions) {
  auto p = this->queue_->Publish("", Envelope(1), {});
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  ConsumeOptions o = this->Options();
  o.concurrency = 0;
  std::stop_source stop;
  Status s = this->queue_->Consume(
      this->stream_, "workers", [](const Message&, const LeaseControl&) { return Outcome::Done(); },
      o, stop.get_token());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  s = this->queue_->Consume(
      this->stream_, "bad group",
      [](const Message&, const LeaseControl&) { return Outcome::Done(); }, this->Options(),
      stop.get_token());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
}

// Verifies ConsumeAsync keeps many messages in flight on one dispatcher thread: 200 messages
// are all handed out before any completes, then complete from another thread and are acked.
TYPED_TEST_P(JobQueueContract, AsyncConsumerHoldsManyInFlight) {
  std::vector<PublishRequest> batch;
  for (int i = 0; i < 200; ++i) batch.push_back({Envelope(i), {}});
  ASSERT_TRUE(this->queue_->PublishBatch(this->stream_, batch).has_value());
  std::mutex mu;
  std::vector<CompletionCallback> pending;
  std::set<std::thread::id> dispatch_threads;
  ConsumeOptions o = this->Options();
  o.max_in_flight = 500;
  o.batch = 100;
  RunningAsync r(
      *this->queue_, this->stream_, "workers",
      [&](const Message&, std::shared_ptr<const LeaseControl>, CompletionCallback done) {
        std::lock_guard lock(mu);
        dispatch_threads.insert(std::this_thread::get_id());
        pending.push_back(std::move(done));
      },
      o);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu);
      if (pending.size() == 200) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::vector<CompletionCallback> all;
  {
    std::lock_guard lock(mu);
    ASSERT_EQ(pending.size(), 200u) << "in flight at once";
    EXPECT_EQ(dispatch_threads.size(), 1u);
    all.swap(pending);
  }
  std::thread completer([&] {
    for (auto& done : all) {
      done(Outcome::Done());
      done(Outcome::Fail("a second call is ignored"));
    }
  });
  completer.join();
  EXPECT_TRUE(this->StatsEventually("workers", [](const StreamStats& s) {
    return s.pending == 0 && s.acked >= 200 && s.dead_letters == 0;
  }));
}

// Verifies max_in_flight bounds what is handed out, and retries work through the callback.
TYPED_TEST_P(JobQueueContract, AsyncConsumerRespectsMaxInFlightAndRetries) {
  for (int i = 0; i < 10; ++i) this->MustPublish(Envelope(i));
  std::mutex mu;
  std::vector<std::pair<Message, CompletionCallback>> pending;
  int max_seen = 0;
  ConsumeOptions o = this->Options();
  o.max_in_flight = 3;
  o.retry.base = 10ms;
  RunningAsync r(
      *this->queue_, this->stream_, "workers",
      [&](const Message& m, std::shared_ptr<const LeaseControl>, CompletionCallback done) {
        std::lock_guard lock(mu);
        pending.emplace_back(m, std::move(done));
        max_seen = std::max<int>(max_seen, static_cast<int>(pending.size()));
      },
      o);
  int completed = 0;
  int retried = 0;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (completed < 10 && std::chrono::steady_clock::now() < deadline) {
    std::vector<std::pair<Message, CompletionCallback>> now;
    {
      std::lock_guard lock(mu);
      now.swap(pending);
    }
    for (auto& [m, done] : now) {
      if (m.attempt == 1 && retried < 2) {
        ++retried;
        done(Outcome::Retry("try again"));
      } else {
        ++completed;
        done(Outcome::Done());
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(completed, 10);
  EXPECT_EQ(retried, 2);
  EXPECT_LE(max_seen, 3);
}

// Verifies stop waits for messages already handed out, whose completion is then recorded.
TYPED_TEST_P(JobQueueContract, AsyncStopWaitsForStartedMessages) {
  this->MustPublish(Envelope(1));
  std::atomic<bool> started{false};
  std::jthread late;
  {
    RunningAsync r(
        *this->queue_, this->stream_, "workers",
        [&](const Message&, std::shared_ptr<const LeaseControl>, CompletionCallback done) {
          started = true;
          late = std::jthread([done = std::move(done)] {
            std::this_thread::sleep_for(300ms);
            done(Outcome::Done());
          });
        },
        this->Options());
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!started && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    ASSERT_TRUE(started);
  }  // stop: returns only after the late completion
  EXPECT_TRUE(this->StatsEventually(
      "workers", [](const StreamStats& s) { return s.pending == 0 && s.acked >= 1; }));
}

REGISTER_TYPED_TEST_SUITE_P(
    JobQueueContract, DeliversEveryPublishedMessageAtLeastOnce, RetriesWithExponentialBackoff,
    RetryAfterOverridesBackoff, DeadLettersAfterMaxAttempts, DeadLettersAtOnceOnPermanentFailure,
    ReclaimsMessageAfterConsumerDies, LongJobRenewsItsLease, HandlerCanRenewItsLeaseExplicitly,
    IdempotentPublish, DelayedDeliveryIsNotEarly, MalformedMessageIsDeadLetteredAndNextIsProcessed,
    CustomValidatorDecidesWhatIsMalformed, ReplaysAndPurgesDeadLetters,
    StatsReportDepthLagAndCounters, EachGroupGetsEveryMessageAndRetriesStayInTheirGroup,
    HandlerExceptionCountsAsRetry, StopHandsBufferedMessagesBack, RejectsBadNamesAndOptions,
    AsyncConsumerHoldsManyInFlight, AsyncConsumerRespectsMaxInFlightAndRetries,
    AsyncStopWaitsForStartedMessages);

}  // namespace secplat::jobqueue::contract

#endif  // SECPLAT_TESTS_JOBQUEUE_JOB_QUEUE_CONTRACT_H_
