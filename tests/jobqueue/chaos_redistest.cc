// Chaos on real Redis: 1,000 jobs, 4 consumer processes (jobqueue_chaos_consumer), one of them
// killed with SIGKILL every second and replaced; then the same while redis-server (AOF,
// appendfsync always) is killed and restarted mid-run. Every job's effect must be applied
// exactly once (by idempotency key), none lost, and the dead letters empty.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "adapters/redis/connection.h"
#include "jobqueue/redis_streams_queue.h"
#include "tests/support/redis_server.h"

namespace secplat::jobqueue {
namespace {

using namespace std::chrono_literals;
using adapters::redis::Connection;

constexpr int kJobs = 1000;
constexpr int kConsumers = 4;
constexpr const char* kStream = "chaos.jobs";
constexpr const char* kGroup = "workers";

pid_t SpawnConsumer(const std::string& url) {
  std::vector<std::string> args = {SECPLAT_CHAOS_CONSUMER,
                                   "--url",
                                   url,
                                   "--stream",
                                   kStream,
                                   "--group",
                                   kGroup,
                                   "--prefix",
                                   "chaos",
                                   "--lease-ms",
                                   "1000",
                                   "--job-ms",
                                   "40"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int64_t Int(Connection& c, std::initializer_list<std::string_view> cmd) {
  auto r = c.Command(cmd);
  return r.has_value() ? r->integer() : -1;
}

struct ChaosResult {
  int kills = 0;
  int64_t applied = 0;
  int64_t applied_twice = 0;
  int64_t redelivered_jobs = 0;
  int64_t deliveries = 0;
  int64_t dead_letters = -1;
  int64_t pending = -1;
};

ChaosResult RunChaos(testing::RedisServer& server, bool restart_redis) {
  ChaosResult result;
  auto queue = RedisStreamsQueue::Connect({.url = server.url()});
  EXPECT_TRUE(queue.has_value());
  if (!queue.has_value()) return result;
  std::vector<PublishRequest> batch;
  for (int i = 0; i < kJobs; ++i) {
    PublishRequest req;
    req.payload =
        R"({"event_id":"job-)" + std::to_string(i) + R"(","event_type":"scan.requested"})";
    req.options.idempotency_key = "job-" + std::to_string(i);
    batch.push_back(std::move(req));
    if (batch.size() == 100) {
      auto r = (*queue)->PublishBatch(kStream, batch);
      EXPECT_TRUE(r.has_value()) << r.error().message;
      batch.clear();
    }
  }
  auto conn = Connection::Create({.url = server.url()});
  EXPECT_TRUE(conn.has_value());
  if (!conn.has_value()) return result;

  std::vector<pid_t> consumers;
  for (int i = 0; i < kConsumers; ++i) consumers.push_back(SpawnConsumer(server.url()));
  std::mt19937 rng(20261128);  // fixed seed: which consumer dies when
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + 150s;
  bool restarted = false;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1s);
    int64_t done = Int(**conn, {"SCARD", "chaos:applied"});
    if (done >= kJobs) break;
    // Kill one consumer mid-job and replace it.
    size_t victim = rng() % consumers.size();
    ::kill(consumers[victim], SIGKILL);
    ::waitpid(consumers[victim], nullptr, 0);
    consumers[victim] = SpawnConsumer(server.url());
    ++result.kills;
    if (restart_redis && !restarted && std::chrono::steady_clock::now() - start > 3s) {
      Status s = server.Restart(/*hard=*/true);  // SIGKILL: only the AOF saves the data
      EXPECT_TRUE(s.has_value()) << s.error().message;
      restarted = true;
    }
  }
  // Let the queue drain (retries and reclaims), then stop the consumers gracefully.
  auto drain_deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < drain_deadline) {
    auto stats = (*queue)->Stats(kStream, kGroup);
    if (stats.has_value() && stats->pending == 0 && stats->lag == 0 && stats->delayed == 0 &&
        Int(**conn, {"SCARD", "chaos:applied"}) >= kJobs) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  for (pid_t pid : consumers) ::kill(pid, SIGTERM);
  for (pid_t pid : consumers) ::waitpid(pid, nullptr, 0);

  result.applied = Int(**conn, {"SCARD", "chaos:applied"});
  auto apps = (*conn)->Command({"HVALS", "chaos:applications"});
  if (apps.has_value()) {
    for (size_t i = 0; i < apps->size(); ++i) {
      if ((*apps)[i].integer() > 1) ++result.applied_twice;
    }
  }
  auto dels = (*conn)->Command({"HVALS", "chaos:deliveries"});
  if (dels.has_value()) {
    for (size_t i = 0; i < dels->size(); ++i) {
      result.deliveries += (*dels)[i].integer();
      if ((*dels)[i].integer() > 1) ++result.redelivered_jobs;
    }
  }
  result.dead_letters = Int(**conn, {"XLEN", "chaos.jobs.dlq"});
  auto stats = (*queue)->Stats(kStream, kGroup);
  if (stats.has_value()) result.pending = stats->pending;
  return result;
}

void Check(const ChaosResult& r) {
  std::printf("kills=%d applied=%lld deliveries=%lld redelivered_jobs=%lld dlq=%lld\n", r.kills,
              static_cast<long long>(r.applied), static_cast<long long>(r.deliveries),
              static_cast<long long>(r.redelivered_jobs), static_cast<long long>(r.dead_letters));
  EXPECT_EQ(r.applied, kJobs) << "jobs lost";
  EXPECT_EQ(r.applied_twice, 0) << "an effect was applied twice";
  EXPECT_EQ(r.dead_letters, 0);
  EXPECT_EQ(r.pending, 0);
  EXPECT_GE(r.kills, 3);
  EXPECT_GT(r.redelivered_jobs, 0) << "no kill landed mid-job: the test proved nothing";
  EXPECT_GT(r.deliveries, kJobs);
}

// Verifies 1,000 jobs are each applied exactly once and none lost while consumer processes are
// SIGKILLed every second.
TEST(Chaos, KilledConsumersLoseNothingAndApplyEachJobOnce) {
  auto server = testing::RedisServer::Start(/*aof=*/false);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  Check(RunChaos(**server, /*restart_redis=*/false));
}

// Verifies the same while redis-server (AOF, appendfsync always) is killed and restarted.
TEST(Chaos, SurvivesRedisRestartMidRun) {
  auto server = testing::RedisServer::Start(/*aof=*/true);
  if (!server.has_value()) GTEST_SKIP() << server.error().message;
  Check(RunChaos(**server, /*restart_redis=*/true));
}

}  // namespace
}  // namespace secplat::jobqueue
