// A consumer process for chaos_redistest.cc. Consumes a stream and applies each job's effect
// exactly once per idempotency key, in Redis:
//   HINCRBY <prefix>:deliveries <key> 1          every delivery (shows redeliveries)
//   sleep --job-ms                                the "work"; SIGKILL usually lands here
//   script: if SADD <prefix>:applied <key> == 1 then HINCRBY <prefix>:applications <key> 1
// so the test can check that every key was applied and none twice. Stops on SIGTERM/SIGINT.
//
//   jobqueue_chaos_consumer --url redis://127.0.0.1:P --stream S --group G --prefix chaos
//       [--lease-ms 1000] [--job-ms 40]
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <thread>

#include "adapters/redis/connection.h"
#include "jobqueue/redis_streams_queue.h"

namespace {

using namespace secplat;
using namespace secplat::jobqueue;

constexpr const char* kApplyScript =
    "if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then "
    "redis.call('HINCRBY', KEYS[2], ARGV[1], 1) return 1 end return 0";

std::string Arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = Arg(argc, argv, "--url", "");
  std::string stream = Arg(argc, argv, "--stream", "chaos");
  std::string group = Arg(argc, argv, "--group", "workers");
  std::string prefix = Arg(argc, argv, "--prefix", "chaos");
  int lease_ms = std::stoi(Arg(argc, argv, "--lease-ms", "1000"));
  int job_ms = std::stoi(Arg(argc, argv, "--job-ms", "40"));
  if (url.empty()) {
    std::fprintf(stderr, "--url is required\n");
    return 2;
  }

  // SIGTERM/SIGINT -> stop: block them here and wait for them on a thread.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::stop_source stop;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    stop.request_stop();
  });
  waiter.detach();

  auto queue = RedisStreamsQueue::Connect({.url = url});
  auto effects = adapters::redis::Connection::Create({.url = url});
  if (!queue.has_value() || !effects.has_value()) {
    std::fprintf(stderr, "connect failed\n");
    return 1;
  }
  std::mutex effects_mu;
  std::mt19937 rng(std::random_device{}());
  const std::string deliveries = prefix + ":deliveries";
  const std::string applied = prefix + ":applied";
  const std::string applications = prefix + ":applications";

  ConsumeOptions options;
  options.lease = std::chrono::milliseconds(lease_ms);
  options.block = std::chrono::milliseconds(200);
  options.batch = 4;
  options.retry.base = std::chrono::milliseconds(50);
  options.retry.cap = std::chrono::seconds(1);
  options.retry.max_attempts = 100;  // Redis outages must not dead-letter jobs
  Handler handler = [&](const Message& m, const LeaseControl&) -> Outcome {
    const std::string& key = m.idempotency_key;
    if (key.empty()) return Outcome::Fail("no idempotency key");
    int sleep_ms;
    {
      std::lock_guard lock(effects_mu);
      auto r = (*effects)->Command({"HINCRBY", deliveries, key, "1"});
      if (!r.has_value()) return Outcome::Retry("count delivery: " + r.error().message);
      sleep_ms = job_ms / 2 + static_cast<int>(rng() % static_cast<unsigned>(job_ms + 1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    std::lock_guard lock(effects_mu);
    auto r = (*effects)->Command({"EVAL", kApplyScript, "2", applied, applications, key});
    if (!r.has_value()) return Outcome::Retry("apply effect: " + r.error().message);
    return Outcome::Done();
  };
  Status s = (*queue)->Consume(stream, group, handler, options, stop.get_token());
  if (!s.has_value()) {
    std::fprintf(stderr, "consume: %s\n", s.error().message.c_str());
    return 1;
  }
  return 0;
}
