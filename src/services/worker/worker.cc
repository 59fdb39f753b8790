#include "services/worker/worker.h"

#include <cstdio>
#include <memory>
#include <random>
#include <utility>

#include "adapters/json/codec.h"
#include "core/common/json_string.h"
#include "core/contracts/envelope.h"
#include "core/outbox/messages.h"
#include "log/logger.h"

namespace secplat::services::worker {

namespace json = adapters::json;
using core::model::Asset;
using core::model::Envelope;
using core::model::EventType;
using core::model::ScanJob;
using core::model::ScanJobStatus;
using core::model::ScanOutcome;
using core::model::ScanResult;
using jobqueue::Outcome;

struct Worker::Job {
  jobqueue::Message message;
  std::function<void(Outcome, JobDisposition)> done;
  json::ScanRequestedPayload request;
  std::string request_id;
  ScanInput input;
  std::unique_ptr<ScanContext> context;
  ScanResult result;
  Timestamp started{};
};

namespace {

bool Retryable(const Error& e) { return IsRetryable(e.code); }

std::string RandomHex(size_t n) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(kHex[rng() & 15]);
  return out;
}

std::string JoinLog(const ScanResult& r, int attempt, std::string_view worker_name) {
  std::string out;
  out += "[" + FormatRfc3339(r.started_at) + "] attempt " + std::to_string(attempt) + " on " +
         std::string(worker_name) + ": " + r.scan_type + " of " + r.asset_key + "\n";
  for (const std::string& line : r.log) out += "  " + line + "\n";
  out += "[" + FormatRfc3339(r.finished_at) + "] " + std::string(ScanOutcomeName(r.outcome));
  if (r.outcome == ScanOutcome::kFailed) out += " (" + r.error_code + "): " + r.error_message;
  out += "; " + std::to_string(r.findings.size()) + " finding(s)\n";
  return out;
}

}  // namespace

Worker::Worker(jobqueue::JobQueue& queue, ports::platform::ScanReporter& reporter,
               ports::platform::AssetSource& assets, ports::platform::EventSink& events,
               ports::Prober& prober, ports::ProbeLoop& loop, const Clock& clock,
               ports::Metrics& metrics, WorkerOptions options)
    : queue_(queue),
      reporter_(reporter),
      assets_(assets),
      events_(events),
      prober_(prober),
      loop_(loop),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {
  if (options_.consumer.empty()) options_.consumer = jobqueue::DefaultConsumerName();
  StartApiThreads();
}

Worker::~Worker() { StopApiThreads(); }

void Worker::StartApiThreads() {
  int n = std::max(1, options_.api_threads);
  for (int i = 0; i < n; ++i) {
    api_threads_.emplace_back([this] {
      while (true) {
        std::function<void()> fn;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [this] { return api_stop_ || !api_work_.empty(); });
          if (api_work_.empty()) return;  // stop requested and nothing left
          fn = std::move(api_work_.front());
          api_work_.pop_front();
        }
        fn();
      }
    });
  }
}

void Worker::StopApiThreads() {
  {
    std::lock_guard lock(mu_);
    api_stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : api_threads_) {
    if (t.joinable()) t.join();
  }
  api_threads_.clear();
}

void Worker::RunOnApiThread(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    api_work_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

Status Worker::Run(std::stop_token stop) {
  jobqueue::ConsumeOptions opts;
  opts.consumer = options_.consumer;
  opts.max_in_flight = options_.max_in_flight;
  opts.batch = std::min(std::max(32, options_.max_in_flight), 1000);
  opts.lease = options_.lease;
  opts.retry = options_.retry;
  opts.validate = [](std::string_view payload) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(Envelope e, json::DecodeEnvelope(payload));
    if (e.event_type != EventType::kScanRequested) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "event_type: expected scan.requested, got " +
                            std::string(core::model::EventTypeName(e.event_type)));
    }
    SECPLAT_ASSIGN_OR_RETURN(auto p, json::DecodeScanRequestedPayload(e.payload_json));
    (void)p;
    return OkStatus();
  };
  opts.on_error = [](const Error& e) {
    log::Warn("queue unavailable; retrying",
              {.action = "queue.consume", .status = "error", .extra = {{"error", e.message}}});
  };
  log::Info("worker consuming",
            {.action = "worker.start",
             .extra = {{"consumer", options_.consumer},
                       {"max_in_flight", std::to_string(options_.max_in_flight)}}});
  return queue_.ConsumeAsync(
      jobqueue::kScanStream, jobqueue::kScanGroup,
      [this](const jobqueue::Message& m, std::shared_ptr<const jobqueue::LeaseControl>,
             jobqueue::CompletionCallback done) {
        Handle(m, [done = std::move(done)](Outcome o, JobDisposition) { done(std::move(o)); });
      },
      opts, std::move(stop));
}

void Worker::Handle(const jobqueue::Message& message,
                    std::function<void(Outcome, JobDisposition)> done) {
  auto job = std::make_shared<Job>();
  job->message = message;
  job->done = std::move(done);
  auto env = json::DecodeEnvelope(message.payload);
  if (!env.has_value()) {
    Finish(job, Outcome::Fail("malformed envelope: " + env.error().message),
           JobDisposition::kRejected);
    return;
  }
  auto payload = json::DecodeScanRequestedPayload(env->payload_json);
  if (!payload.has_value()) {
    Finish(job, Outcome::Fail("malformed scan.requested payload: " + payload.error().message),
           JobDisposition::kRejected);
    return;
  }
  if (FindScanner(payload->scan_type) == nullptr) {
    Finish(job, Outcome::Fail("no scanner for scan type " + payload->scan_type),
           JobDisposition::kRejected);
    return;
  }
  job->request = std::move(*payload);
  job->request_id = env->request_id;
  RunOnApiThread([this, job] { Prepare(job); });
}

void Worker::Prepare(std::shared_ptr<Job> job) {
  const auto& req = job->request;
  log::Fields f{.request_id = job->request_id, .asset_key = req.asset_key, .action = "scan.start"};
  auto retry = [&](const Error& e) {
    Finish(job, Outcome::Retry(e.message), JobDisposition::kRetryLater);
  };
  auto current = reporter_.GetScanJob(req.job_id);
  if (!current.has_value()) {
    if (current.error().code == ErrorCode::kNotFound) {
      Finish(job, Outcome::Fail("scan job " + std::to_string(req.job_id) + " does not exist"),
             JobDisposition::kRejected);
    } else {
      retry(current.error());
    }
    return;
  }
  if (current->status == ScanJobStatus::kDone || current->status == ScanJobStatus::kDead) {
    log::Info("job already finished; acknowledging", f);
    Finish(job, Outcome::Done(), JobDisposition::kAlreadyDone);
    return;
  }
  // Only registered, enabled assets are scanned, with the scan type enabled.
  std::string skip_reason;
  auto asset = assets_.GetAsset(req.asset_key);
  if (!asset.has_value()) {
    if (asset.error().code != ErrorCode::kNotFound) {
      retry(asset.error());
      return;
    }
    skip_reason = "asset " + req.asset_key + " is not registered (deleted)";
  } else if (!asset->enabled) {
    skip_reason = "asset " + req.asset_key + " is disabled";
  } else if (auto it = asset->scan.find(req.scan_type);
             it != asset->scan.end() && !it->second.enabled) {
    skip_reason = req.scan_type + " is disabled for asset " + req.asset_key;
  }
  if (!skip_reason.empty()) {
    std::string line = "[" + FormatRfc3339(clock_.Now()) + "] not scanned: " + skip_reason + "\n";
    Status logged = reporter_.AppendScanJobLog(req.job_id, line);
    auto failed = reporter_.UpdateScanJobStatus(req.job_id, ScanJobStatus::kFailed, skip_reason);
    if ((!logged.has_value() && Retryable(logged.error())) ||
        (!failed.has_value() && Retryable(failed.error()))) {
      retry(!logged.has_value() ? logged.error() : failed.error());
      return;
    }
    log::Info("scan skipped: " + skip_reason, f);
    Finish(job, Outcome::Done(), JobDisposition::kSkippedAsset);
    return;
  }
  auto running = reporter_.UpdateScanJobStatus(req.job_id, ScanJobStatus::kRunning, "");
  if (!running.has_value()) {
    if (Retryable(running.error())) {
      retry(running.error());
    } else {
      Finish(job, Outcome::Fail("cannot start job: " + running.error().message),
             JobDisposition::kRejected);
    }
    return;
  }

  job->started = clock_.Now();
  job->input.asset = std::move(*asset);
  job->input.scan_type = req.scan_type;
  job->input.job_id = req.job_id;
  job->input.now = job->started;
  job->input.options = options_.scan;
  job->input.nonce = RandomHex(16);
  job->context = std::make_unique<ScanContext>(
      ScanContext{.prober = prober_, .now = [this] { return clock_.Now(); }});
  const ScanFn* scan = FindScanner(req.scan_type);
  loop_.Post([this, job, scan] {
    StartTask((*scan)(job->input, *job->context), [this, job](ScanResult r) {
      job->result = std::move(r);
      RunOnApiThread([this, job] { Report(job); });
    });
  });
}

Envelope Worker::ResultEvent(const ScanResult& result, int64_t job_id,
                             const std::string& idempotency_key, const std::string& request_id) {
  Envelope e;
  e.event_type = result.outcome == ScanOutcome::kCompleted ? EventType::kScanCompleted
                                                           : EventType::kScanFailed;
  // One event per job whatever the attempt: a redelivered job reports the same event id.
  e.event_id = core::outbox::DeterministicUuid(std::string(EventTypeName(e.event_type)) + '\x1f' +
                                               idempotency_key);
  e.ts = result.finished_at;
  e.org_id = "default";
  if (core::contracts::IsValidRequestId(request_id)) e.request_id = request_id;
  if (core::contracts::IsValidAssetKey(result.asset_key)) e.asset_key = result.asset_key;
  std::string& p = e.payload_json;
  p = "{\"checks_run\":[";
  for (size_t i = 0; i < result.checks_run.size(); ++i) {
    if (i > 0) p += ',';
    AppendJsonString(p, result.checks_run[i]);
  }
  p += "],\"duration_ms\":" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 result.finished_at - result.started_at)
                                                 .count());
  if (result.outcome == ScanOutcome::kFailed) {
    p += ",\"error_code\":";
    AppendJsonString(p, result.error_code);
    p += ",\"error_message\":";
    AppendJsonString(p, result.error_message);
  }
  p += ",\"facts\":" + core::model::FactsToJson(result.facts);
  p += ",\"findings\":" + std::to_string(result.findings.size());
  p += ",\"job_id\":" + std::to_string(job_id);
  p += ",\"outcome\":";
  AppendJsonString(p, ScanOutcomeName(result.outcome));
  p += ",\"scan_type\":";
  AppendJsonString(p, result.scan_type);
  p += ",\"started_at\":";
  AppendJsonString(p, FormatRfc3339(result.started_at));
  p += "}";
  return e;
}

void Worker::Report(std::shared_ptr<Job> job) {
  const auto& req = job->request;
  ScanResult& r = job->result;
  if (r.started_at == Timestamp{}) r.started_at = job->started;
  if (r.finished_at == Timestamp{}) r.finished_at = clock_.Now();
  r.scan_type = req.scan_type;
  r.asset_key = req.asset_key;
  auto retry = [&](const Error& e) {
    Finish(job, Outcome::Retry("reporting failed: " + e.message), JobDisposition::kRetryLater);
  };
  Status logged =
      reporter_.AppendScanJobLog(req.job_id, JoinLog(r, job->message.attempt, options_.consumer));
  if (!logged.has_value() && logged.error().code != ErrorCode::kResourceExhausted) {
    retry(logged.error());
    return;
  }
  if (!r.findings.empty()) {
    Status stored = reporter_.RecordFindings(r.findings);
    if (!stored.has_value()) {
      if (Retryable(stored.error())) {
        retry(stored.error());
      } else {
        Finish(job, Outcome::Fail("findings rejected: " + stored.error().message),
               JobDisposition::kRejected);
      }
      return;
    }
  }
  Status evented =
      events_.RecordEvent(ResultEvent(r, req.job_id, req.idempotency_key, job->request_id));
  if (!evented.has_value()) {
    if (Retryable(evented.error())) {
      retry(evented.error());
    } else {
      Finish(job, Outcome::Fail("result event rejected: " + evented.error().message),
             JobDisposition::kRejected);
    }
    return;
  }
  bool completed = r.outcome == ScanOutcome::kCompleted;
  auto final_status = reporter_.UpdateScanJobStatus(
      req.job_id, completed ? ScanJobStatus::kDone : ScanJobStatus::kFailed,
      completed ? "" : r.error_code + ": " + r.error_message);
  if (!final_status.has_value() && Retryable(final_status.error())) {
    retry(final_status.error());
    return;
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.finished_at - r.started_at);
  log::Info("scan finished", {.request_id = job->request_id,
                              .asset_key = req.asset_key,
                              .action = "scan.finish",
                              .status = ScanOutcomeName(r.outcome),
                              .extra = {{"scan_type", req.scan_type},
                                        {"job_id", std::to_string(req.job_id)},
                                        {"findings", std::to_string(r.findings.size())},
                                        {"duration_ms", std::to_string(ms.count())},
                                        {"error_code", r.error_code}}});
  metrics_.ObserveSeconds(
      "secplat_scan_duration_seconds", "Scan duration by scan type and outcome",
      {{"scan_type", req.scan_type}, {"outcome", std::string(ScanOutcomeName(r.outcome))}},
      std::chrono::duration<double>(r.finished_at - r.started_at).count());
  Finish(job, Outcome::Done(), JobDisposition::kScanned);
}

void Worker::Finish(const std::shared_ptr<Job>& job, Outcome outcome, JobDisposition d) {
  static constexpr const char* kNames[] = {"scanned", "already_done", "skipped_asset",
                                           "retry_later", "rejected"};
  metrics_.CounterAdd("secplat_worker_jobs_total", "Scan jobs handled by disposition",
                      {{"disposition", kNames[static_cast<int>(d)]}}, 1);
  if (d == JobDisposition::kRetryLater || d == JobDisposition::kRejected) {
    log::Warn("scan job not finished: " + outcome.reason, {.request_id = job->request_id,
                                                           .asset_key = job->request.asset_key,
                                                           .action = "scan.job",
                                                           .status = kNames[static_cast<int>(d)]});
  }
  auto done = std::move(job->done);
  if (done) done(std::move(outcome), d);
}

}  // namespace secplat::services::worker
