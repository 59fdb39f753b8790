// End-to-end job queue benchmark: publish -> consume -> ack, on Redis Streams and on the
// embedded SQLite backend, with 1 and 4 consumers (each its own queue client and consumer
// name, as separate processes would be). For each setup:
//   - saturated: a publisher thread sends `jobs` messages in PublishBatch chunks of 200 while
//     the consumers run; throughput = jobs / (first publish -> last handler call);
//   - paced: single Publish calls at a fixed rate; p50/p99 publish-to-handler latency.
// Payloads are ~200-byte envelopes carrying the publish time; the default minimal envelope
// check runs on every delivery.
//
//   jobqueue_queue_benchmark --redis-url redis://127.0.0.1:6379 --dir /tmp/q [--jobs-redis N]
//       [--jobs-embedded N] [--paced-rate R] [--paced-seconds S]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobqueue/embedded_queue.h"
#include "jobqueue/redis_streams_queue.h"

namespace {

using namespace secplat;
using namespace secplat::jobqueue;
using Clock = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::string Payload(int64_t i) {
  static const std::string pad(96, 'x');
  return R"({"event_id":"bench-)" + std::to_string(i) +
         R"(","event_type":"scan.requested","org_id":"default","asset_key":"web-1","payload":{"pad":")" +
         pad + R"("},"t":)" + std::to_string(NowNs()) + "}";
}

int64_t SentNs(std::string_view payload) {
  size_t p = payload.rfind("\"t\":");
  if (p == std::string_view::npos) return 0;
  return std::strtoll(std::string(payload.substr(p + 4)).c_str(), nullptr, 10);
}

struct Figures {
  double jobs_per_s = 0;
  double sat_p50_ms = 0, sat_p99_ms = 0;
  double paced_p50_ms = 0, paced_p99_ms = 0;
  int64_t handled = 0;
};

double Percentile(std::vector<int64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return static_cast<double>(v[k]) / 1e6;
}

using Factory = std::function<std::unique_ptr<JobQueue>()>;

// Runs `consumers` consumers on `stream` and calls `produce` (which publishes `expect`
// messages); returns latencies (ns) and the elapsed time until the last message was handled.
struct RunResult {
  std::vector<int64_t> latencies;
  double seconds = 0;
  int64_t handled = 0;
};

RunResult Run(const Factory& factory, const std::string& stream, int consumers, int64_t expect,
              const std::function<void(JobQueue&)>& produce) {
  std::vector<std::unique_ptr<JobQueue>> queues;
  for (int i = 0; i < consumers; ++i) queues.push_back(factory());
  auto publisher = factory();
  std::mutex mu;
  std::vector<int64_t> latencies;
  latencies.reserve(static_cast<size_t>(expect));
  std::atomic<int64_t> handled{0};
  std::atomic<int64_t> last_ns{0};
  ConsumeOptions o;
  o.block = std::chrono::milliseconds(100);
  o.batch = 64;
  Handler h = [&](const Message& m, const LeaseControl&) {
    int64_t now = NowNs();
    int64_t lat = now - SentNs(m.payload);
    {
      std::lock_guard lock(mu);
      latencies.push_back(lat);
    }
    last_ns.store(now);
    handled.fetch_add(1);
    return Outcome::Done();
  };
  std::vector<std::jthread> threads;
  for (int i = 0; i < consumers; ++i) {
    threads.emplace_back([&, i](std::stop_token st) {
      Status s = queues[i]->Consume(stream, "bench", h, o, st);
      if (!s.has_value()) std::fprintf(stderr, "consume: %s\n", s.error().message.c_str());
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // groups created, reads blocked
  int64_t start = NowNs();
  produce(*publisher);
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (handled.load() < expect && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  RunResult r;
  r.handled = handled.load();
  r.seconds = static_cast<double>(last_ns.load() - start) / 1e9;
  for (auto& t : threads) t.request_stop();
  threads.clear();
  r.latencies = std::move(latencies);
  return r;
}

Figures Measure(const Factory& factory, const std::string& name, int consumers, int64_t jobs,
                int paced_rate, int paced_seconds) {
  Figures f;
  static int run = 0;
  std::string stream = "bench." + name + "." + std::to_string(consumers) + "." +
                       std::to_string(run++) + "." + NewJobId().substr(0, 6);
  RunResult sat = Run(factory, stream, consumers, jobs, [&](JobQueue& q) {
    std::vector<PublishRequest> batch;
    for (int64_t i = 0; i < jobs; ++i) {
      batch.push_back({Payload(i), {}});
      if (batch.size() == 200 || i + 1 == jobs) {
        auto r = q.PublishBatch(stream, batch);
        if (!r.has_value()) std::fprintf(stderr, "publish: %s\n", r.error().message.c_str());
        batch.clear();
      }
    }
  });
  f.handled = sat.handled;
  f.jobs_per_s = sat.seconds > 0 ? static_cast<double>(sat.handled) / sat.seconds : 0;
  f.sat_p50_ms = Percentile(sat.latencies, 0.50);
  f.sat_p99_ms = Percentile(sat.latencies, 0.99);

  int64_t paced_jobs = static_cast<int64_t>(paced_rate) * paced_seconds;
  RunResult paced = Run(factory, stream + ".paced", consumers, paced_jobs, [&](JobQueue& q) {
    auto t0 = Clock::now();
    for (int64_t i = 0; i < paced_jobs; ++i) {
      std::this_thread::sleep_until(t0 + std::chrono::microseconds(i * 1000000 / paced_rate));
      auto r = q.Publish(stream + ".paced", Payload(i), {});
      if (!r.has_value()) std::fprintf(stderr, "publish: %s\n", r.error().message.c_str());
    }
  });
  f.paced_p50_ms = Percentile(paced.latencies, 0.50);
  f.paced_p99_ms = Percentile(paced.latencies, 0.99);
  return f;
}

std::string Arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = Arg(argc, argv, "--redis-url", "redis://127.0.0.1:6379");
  std::string dir = Arg(argc, argv, "--dir", "/tmp/secplat-queue-bench");
  int64_t jobs_redis = std::stoll(Arg(argc, argv, "--jobs-redis", "200000"));
  int64_t jobs_embedded = std::stoll(Arg(argc, argv, "--jobs-embedded", "100000"));
  int paced_rate = std::stoi(Arg(argc, argv, "--paced-rate", "1000"));
  int paced_seconds = std::stoi(Arg(argc, argv, "--paced-seconds", "2"));

  Factory redis = [&]() -> std::unique_ptr<JobQueue> {
    auto q = RedisStreamsQueue::Connect({.url = url});
    if (!q.has_value()) {
      std::fprintf(stderr, "redis: %s\n", q.error().message.c_str());
      std::exit(1);
    }
    return std::move(q).value();
  };
  Factory embedded = [&]() -> std::unique_ptr<JobQueue> {
    auto q = EmbeddedQueue::Open(dir);
    if (!q.has_value()) {
      std::fprintf(stderr, "embedded: %s\n", q.error().message.c_str());
      std::exit(1);
    }
    return std::move(q).value();
  };

  std::printf("%-9s %9s %8s %12s %13s %13s %12s %12s\n", "backend", "consumers", "jobs", "jobs/s",
              "sat_p50_ms", "sat_p99_ms", "paced_p50_ms", "paced_p99_ms");
  struct Setup {
    const char* name;
    Factory* factory;
    int64_t jobs;
  };
  for (Setup s :
       {Setup{"redis", &redis, jobs_redis}, Setup{"embedded", &embedded, jobs_embedded}}) {
    for (int consumers : {1, 4}) {
      Figures f = Measure(*s.factory, s.name, consumers, s.jobs, paced_rate, paced_seconds);
      std::printf("%-9s %9d %8lld %12.0f %13.2f %13.2f %12.2f %12.2f\n", s.name, consumers,
                  static_cast<long long>(f.handled), f.jobs_per_s, f.sat_p50_ms, f.sat_p99_ms,
                  f.paced_p50_ms, f.paced_p99_ms);
      std::fflush(stdout);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
