// Worker: the `secplat worker` role. Consumes scan.requested messages from secplat.jobs.scan,
// runs the scanner for each on a prober event loop (hundreds at once, no thread per scan)
// and reports through the API (ports/platform) — never the database:
//
//   message ─► [API thread] job + asset checks, job → running
//           ─► [loop thread] scanner coroutine (probes suspend it, the loop resumes it)
//           ─► [API thread] log lines, findings (one batch), scan.completed | scan.failed event,
//                           job → done | failed  ─► ack
//
// The scan.completed/scan.failed event is also the derive request: the API's outbox routes it
// to secplat.jobs.derive in the transaction that stores it (core/outbox/messages.h).
//
// Idempotent: the event id is derived from the job's idempotency key, findings are upserts on
// stable keys, and a message whose job is already done is acknowledged without scanning again.
// So a job delivered twice (a worker killed mid-scan, a lost ack) creates no duplicate finding
// or event. API or queue outages make the message retry later (with backoff); a job for a
// deleted or disabled asset is marked failed with the reason and never scanned.
//
//   Worker worker(queue, api, api, api, prober, loop, clock, options);
//   worker.Run(stop_token);   // blocks until stop; finishes scans already running
#ifndef SECPLAT_SERVICES_WORKER_WORKER_H_
#define SECPLAT_SERVICES_WORKER_WORKER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/model/event.h"
#include "core/model/scan_result.h"
#include "jobqueue/job_queue.h"
#include "ports/metrics.h"
#include "ports/platform/platform.h"
#include "ports/probe.h"
#include "services/worker/scanners/scanner.h"

namespace secplat::services::worker {

struct WorkerOptions {
  std::string consumer;     // queue consumer name; empty: jobqueue::DefaultConsumerName()
  int max_in_flight = 256;  // scans running at once in this process
  int api_threads = 4;      // threads making (blocking) API calls around the scans
  Duration lease = std::chrono::seconds(60);
  // Retries of a message whose API calls failed (API or store outage). Full jitter, so the
  // budget must outlast an ordinary restart of PostgreSQL or the api: 12 attempts spread over
  // ~6 min on average (2 s doubling to 2 min) before a dead letter.
  jobqueue::RetryPolicy retry{
      .base = std::chrono::seconds(2), .cap = std::chrono::minutes(2), .max_attempts = 12};
  ScanOptions scan;
};

// What happened to one message (for tests and metrics).
enum class JobDisposition {
  kScanned,       // scanned and reported (completed or failed scan)
  kAlreadyDone,   // the job was done/dead already: acknowledged, nothing repeated
  kSkippedAsset,  // asset deleted or disabled, or scan type disabled: job marked failed
  kRetryLater,    // API/queue trouble: the message comes back later
  kRejected,      // malformed payload / unknown scan type: dead-lettered
};

class Worker {
 public:
  Worker(jobqueue::JobQueue& queue, ports::platform::ScanReporter& reporter,
         ports::platform::AssetSource& assets, ports::platform::EventSink& events,
         ports::Prober& prober, ports::ProbeLoop& loop, const Clock& clock, ports::Metrics& metrics,
         WorkerOptions options);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Consumes until `stop`; then waits for running scans to be reported. Errors:
  // kInvalidArgument (options).
  Status Run(std::stop_token stop);

  // Handles one message end to end and calls `done` with the queue outcome (from an API
  // thread). Used by Run; public for tests that drive the worker without a queue.
  void Handle(const jobqueue::Message& message,
              std::function<void(jobqueue::Outcome, JobDisposition)> done);

  // The scan.completed / scan.failed envelope reported for `result` of job `job_id` with
  // idempotency key `idempotency_key`. Deterministic in its inputs (event_id included).
  static core::model::Envelope ResultEvent(const core::model::ScanResult& result, int64_t job_id,
                                           const std::string& idempotency_key,
                                           const std::string& request_id);

 private:
  struct Job;
  void StartApiThreads();
  void StopApiThreads();
  void RunOnApiThread(std::function<void()> fn);
  void Prepare(std::shared_ptr<Job> job);
  void Report(std::shared_ptr<Job> job);
  void Finish(const std::shared_ptr<Job>& job, jobqueue::Outcome outcome, JobDisposition d);

  jobqueue::JobQueue& queue_;
  ports::platform::ScanReporter& reporter_;
  ports::platform::AssetSource& assets_;
  ports::platform::EventSink& events_;
  ports::Prober& prober_;
  ports::ProbeLoop& loop_;
  const Clock& clock_;
  ports::Metrics& metrics_;
  WorkerOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> api_work_;
  bool api_stop_ = false;
  std::vector<std::thread> api_threads_;
  std::atomic<int64_t> nonce_counter_{0};
};

}  // namespace secplat::services::worker

#endif  // SECPLAT_SERVICES_WORKER_WORKER_H_
