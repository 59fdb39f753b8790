// Redis-specific behaviour of RedisStreamsQueue beyond the contract: outages and restarts, a
// group lost with the server's data, trimming that keeps unprocessed entries, NOSCRIPT.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "adapters/redis/connection.h"
#include "jobqueue/redis_streams_queue.h"
#include "tests/jobqueue/queue_test_util.h"
#include "tests/support/redis_server.h"

namespace secplat::jobqueue {
namespace {

using namespace std::chrono_literals;
using contract::Envelope;
using contract::Gate;
using contract::Recorder;
using contract::Running;

ConsumeOptions Fast() {
  ConsumeOptions o;
  o.block = 100ms;
  o.lease = 2s;
  o.retry.base = 20ms;
  return o;
}

// Publishes, retrying while the server is down (bounded).
void PublishEventually(JobQueue& q, std::string_view stream, const std::string& payload) {
  for (int i = 0; i < 200; ++i) {
    if (q.Publish(stream, payload, {}).has_value()) return;
    std::this_thread::sleep_for(25ms);
  }
  ADD_FAILURE() << "publish never succeeded";
}

// Verifies a consumer keeps working across a redis-server crash and restart (AOF), and reports
// the outage through on_error.
TEST(RedisStreamsQueue, ConsumerRecoversAfterRedisRestart) {
  auto server = testing::RedisServer::Start(/*aof=*/true);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  auto q = RedisStreamsQueue::Connect({.url = (*server)->url()});
  ASSERT_TRUE(q.has_value()) << q.error().message;
  Recorder rec;
  std::atomic<int> errors{0};
  ConsumeOptions o = Fast();
  o.on_error = [&](const Error&) { ++errors; };
  Running r(
      **q, "s", "g",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return Outcome::Done();
      },
      o);
  for (int i = 0; i < 5; ++i) PublishEventually(**q, "s", Envelope(i));
  ASSERT_TRUE(rec.WaitForCount(5));
  ASSERT_TRUE((*server)->Restart(/*hard=*/true).has_value());
  for (int i = 5; i < 10; ++i) PublishEventually(**q, "s", Envelope(i));
  ASSERT_TRUE(rec.WaitForCount(10, 15s));
  EXPECT_GT(errors.load(), 0);
}

// Verifies the group is created again when the server restarted without its data (NOGROUP).
TEST(RedisStreamsQueue, RecreatesGroupLostWithServerData) {
  auto server = testing::RedisServer::Start(/*aof=*/false);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  auto q = RedisStreamsQueue::Connect({.url = (*server)->url()});
  ASSERT_TRUE(q.has_value());
  Recorder rec;
  Running r(
      **q, "s", "g",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return Outcome::Done();
      },
      Fast());
  PublishEventually(**q, "s", Envelope(1));
  ASSERT_TRUE(rec.WaitForCount(1));
  ASSERT_TRUE((*server)->Restart().has_value());  // no AOF: stream and group are gone
  PublishEventually(**q, "s", Envelope(2));
  ASSERT_TRUE(rec.WaitForCount(2, 15s));
  EXPECT_EQ(rec.seen()[1].message.payload, Envelope(2));
}

// Verifies trimming drops only what every group has processed: a slow group keeps its
// backlog while a fast group finishes, and then gets every message.
TEST(RedisStreamsQueue, TrimmingNeverDropsUnprocessedMessages) {
  auto server = testing::RedisServer::Start(/*aof=*/false);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  auto q = RedisStreamsQueue::Connect({.url = (*server)->url()});
  ASSERT_TRUE(q.has_value());
  auto conn = adapters::redis::Connection::Connect({.url = (*server)->url()});
  ASSERT_TRUE(conn.has_value());
  constexpr int kN = 1000;
  std::vector<PublishRequest> batch;
  for (int i = 0; i < kN; ++i) batch.push_back({Envelope(i), {}});
  ASSERT_TRUE((*q)->PublishBatch("s", batch).has_value());

  // The slow group handles 150 and stops.
  std::set<std::string> slow_seen;
  std::mutex mu;
  ConsumeOptions one = Fast();
  one.batch = 1;
  {
    Recorder rec;
    Running slow(
        **q, "s", "slow",
        [&](const Message& m, const LeaseControl&) {
          std::lock_guard lock(mu);
          slow_seen.insert(m.payload);
          rec.Add(m);
          return Outcome::Done();
        },
        one);
    ASSERT_TRUE(rec.WaitForCount(150));
  }
  // The fast group handles everything; its consumer trims every second.
  {
    Recorder rec;
    Running fast(
        **q, "s", "fast",
        [&](const Message& m, const LeaseControl&) {
          rec.Add(m);
          return Outcome::Done();
        },
        Fast());
    ASSERT_TRUE(rec.WaitForCount(kN));
    std::this_thread::sleep_for(1500ms);  // at least one trim pass after the last ack
  }
  auto len = (*conn)->Command({"XLEN", "s"});
  ASSERT_TRUE(len.has_value());
  EXPECT_LT(len->integer(), kN) << "nothing was trimmed";
  EXPECT_GE(len->integer(), kN - static_cast<int64_t>(slow_seen.size()))
      << "slow group's backlog was trimmed";
  // The slow group now gets everything it has not seen.
  {
    Running slow(
        **q, "s", "slow",
        [&](const Message& m, const LeaseControl&) {
          std::lock_guard lock(mu);
          slow_seen.insert(m.payload);
          return Outcome::Done();
        },
        Fast());
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu);
        if (slow_seen.size() == static_cast<size_t>(kN)) break;
      }
      std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(1500ms);  // and trims once both groups are done
  }
  EXPECT_EQ(slow_seen.size(), static_cast<size_t>(kN));
  len = (*conn)->Command({"XLEN", "s"});
  ASSERT_TRUE(len.has_value());
  EXPECT_LT(len->integer(), 200);
}

// Verifies publishing and consuming survive a SCRIPT FLUSH (NOSCRIPT answers reload scripts).
TEST(RedisStreamsQueue, ReloadsScriptsAfterScriptFlush) {
  auto server = testing::RedisServer::Start(/*aof=*/false);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  auto q = RedisStreamsQueue::Connect({.url = (*server)->url()});
  ASSERT_TRUE(q.has_value());
  auto conn = adapters::redis::Connection::Connect({.url = (*server)->url()});
  ASSERT_TRUE(conn.has_value());
  ASSERT_TRUE((*conn)->Command({"SCRIPT", "FLUSH"}).has_value());
  auto p = (*q)->Publish("s", Envelope(1), {.idempotency_key = "k"});
  ASSERT_TRUE(p.has_value()) << p.error().message;
  auto dup = (*q)->Publish("s", Envelope(1), {.idempotency_key = "k"});
  ASSERT_TRUE(dup.has_value());
  EXPECT_TRUE(dup->duplicate);
}

// Verifies Connect succeeds while the server is down and calls fail with kUnavailable.
TEST(RedisStreamsQueue, UnreachableServerGivesUnavailable) {
  auto server = testing::RedisServer::Start(/*aof=*/false);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  std::string url = (*server)->url();
  ASSERT_TRUE((*server)->Stop().has_value());
  auto q = RedisStreamsQueue::Connect({.url = url});
  ASSERT_TRUE(q.has_value()) << q.error().message;
  auto p = (*q)->Publish("s", Envelope(1), {});
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, ErrorCode::kUnavailable);
  auto bad = RedisStreamsQueue::Connect({.url = "http://x"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

// Verifies a refused password is reported as kUnauthenticated.
TEST(RedisStreamsQueue, RefusedPasswordIsUnauthenticated) {
  auto server = testing::RedisServer::Start(/*aof=*/false);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  auto q = RedisStreamsQueue::Connect({.url = (*server)->url(), .password = "wrong"});
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace secplat::jobqueue
