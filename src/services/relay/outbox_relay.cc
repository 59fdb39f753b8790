#include "services/relay/outbox_relay.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/json/codec.h"
#include "log/logger.h"

namespace secplat::services::relay {

using ports::store::OutboxMessage;

namespace {

constexpr int kMaxBatch = 1000;  // ClaimUnsent's own clamp

constexpr std::string_view kAction = "outbox.relay";
constexpr std::string_view kPublishedTotal = "secplat_outbox_published_total";
constexpr std::string_view kPublishedHelp =
    "Outbox rows published to the job queue (including ones the queue already had)";
constexpr std::string_view kFailuresTotal = "secplat_outbox_publish_failures_total";
constexpr std::string_view kFailuresHelp = "Outbox rows whose publish failed and was rescheduled";
constexpr std::string_view kUnsentGauge = "secplat_outbox_unsent";
constexpr std::string_view kUnsentHelp = "Outbox rows not yet published";

// The queue's idempotency key of a row: derived from the envelope's event_id only, so every
// republish of the row (after a crash, a failed MarkSent, a second relay) is refused as a
// duplicate within the key's TTL.
std::string QueueKey(const core::model::Envelope& e) { return "outbox:" + e.event_id; }

}  // namespace

OutboxRelay::OutboxRelay(ports::store::OutboxStore& store, jobqueue::JobQueue& queue,
                         ports::Metrics& metrics, const Clock& clock, Options options)
    : store_(store), queue_(queue), metrics_(metrics), clock_(clock), options_(options) {
  options_.batch = std::clamp(options_.batch, 1, kMaxBatch);
  options_.idle_poll = std::max(options_.idle_poll, Duration(1));  // a zero wait would spin
  options_.retry_min = std::max(options_.retry_min, Duration(1));
  options_.retry_max = std::max(options_.retry_max, options_.retry_min);
}

Duration OutboxRelay::Backoff(const Options& options, int attempts) {
  const Duration cap = std::max(options.retry_max, Duration(0));
  Duration d = std::max(options.retry_min, Duration(0));
  // At most 62 doublings: beyond them any positive start exceeds every cap.
  const int doublings = std::min(std::max(attempts, 1) - 1, 62);
  for (int k = 0; k < doublings && d < cap; ++k) d *= 2;
  return std::min(d, cap);
}

Result<OutboxRelay::Report> OutboxRelay::RunOnce() {
  const Timestamp now = clock_.Now();
  SECPLAT_ASSIGN_OR_RETURN(std::vector<OutboxMessage> rows,
                           store_.ClaimUnsent(options_.batch, now));
  Report report;
  std::vector<int64_t> sent;
  sent.reserve(rows.size());
  std::optional<Error> unavailable;  // set once the queue answered kUnavailable

  auto mark_failed = [&](const OutboxMessage& m, const std::string& error) {
    const Timestamp next = now + Backoff(options_, m.attempts + 1);
    Status s = store_.MarkFailed(m.id, error, next);
    if (!s.has_value()) {
      // The row stays due and is tried again on the next run; nothing is lost.
      log::Warn("cannot record an outbox publish failure",
                {.request_id = m.envelope.request_id,
                 .asset_key = m.envelope.asset_key,
                 .action = kAction,
                 .status = "mark_failed_error",
                 .extra = {{"outbox_id", std::to_string(m.id)}, {"error", s.error().message}}});
    }
    metrics_.CounterAdd(kFailuresTotal, kFailuresHelp, {{"stream", m.stream}});
    ++report.failed;
  };

  // Consecutive rows of one stream go out in one PublishBatch (one round trip), in id order.
  size_t i = 0;
  while (i < rows.size()) {
    size_t j = i;
    while (j < rows.size() && rows[j].stream == rows[i].stream) ++j;
    const std::string& stream = rows[i].stream;
    if (unavailable) {
      // The queue is down: the rest of the batch would fail the same way (after a timeout
      // each); record it as failed without trying, so every waiting row shows why.
      for (size_t k = i; k < j; ++k) mark_failed(rows[k], unavailable->message);
      i = j;
      continue;
    }
    std::vector<jobqueue::PublishRequest> requests;
    requests.reserve(j - i);
    for (size_t k = i; k < j; ++k) {
      const core::model::Envelope& e = rows[k].envelope;
      requests.push_back(jobqueue::PublishRequest{
          .payload = adapters::json::EncodeEnvelope(e),
          .options = {.idempotency_key = QueueKey(e), .request_id = e.request_id}});
    }
    auto published = queue_.PublishBatch(stream, requests);
    if (published.has_value() && published->size() != requests.size()) {
      published = Unexpected(ErrorCode::kInternal,
                             "queue returned " + std::to_string(published->size()) +
                                 " results for " + std::to_string(requests.size()) + " messages");
    }
    if (published.has_value()) {
      for (size_t k = i; k < j; ++k) {
        sent.push_back(rows[k].id);
        if ((*published)[k - i].duplicate) ++report.duplicates;
      }
      report.published += static_cast<int>(j - i);
      metrics_.CounterAdd(kPublishedTotal, kPublishedHelp, {{"stream", stream}},
                          static_cast<double>(j - i));
    } else {
      const Error& error = published.error();
      if (error.code == ErrorCode::kUnavailable) {
        unavailable = error;
        report.queue_unavailable = true;
      } else {
        // Not an outage (a bad stream name, a queue bug): these rows are retried with backoff
        // but will likely keep failing, so say so loudly.
        log::Error(
            "outbox publish failed",
            {.action = kAction,
             .status = "publish_failed",
             .extra = {{"stream", stream},
                       {"rows", std::to_string(j - i)},
                       {"error", std::string(ErrorCodeName(error.code)) + ": " + error.message}}});
      }
      for (size_t k = i; k < j; ++k) mark_failed(rows[k], error.message);
    }
    i = j;
  }

  Status marked = store_.MarkSent(sent);
  // Counting is linear in the backlog: during a large one (full batches) it would cost as much
  // as the publishing, so the gauge is then refreshed at most once per unsent_gauge_every.
  const bool caught_up = static_cast<int>(rows.size()) < options_.batch;
  if (caught_up || !counted_at_ || now - *counted_at_ >= options_.unsent_gauge_every ||
      now < *counted_at_) {
    counted_at_ = now;
    if (auto unsent = store_.CountUnsent(); unsent.has_value())
      metrics_.GaugeSet(kUnsentGauge, kUnsentHelp, {}, static_cast<double>(*unsent));
  }
  // Published but not marked: the next run republishes them and the queue refuses the copies.
  if (!marked.has_value()) return Unexpected(marked.error());
  return report;
}

void OutboxRelay::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void OutboxRelay::Run(std::stop_token stop) {
  log::Info("outbox relay started", {.action = kAction, .status = "started"});
  int failures = 0;  // consecutive runs that hit an outage (store or queue)
  bool store_down = false;
  bool queue_down = false;
  int64_t published_total = 0;
  while (!stop.stop_requested()) {
    auto report = RunOnce();
    Duration wait = options_.idle_poll;
    if (!report.has_value()) {
      ++failures;
      wait = Backoff(options_, failures);
      if (!store_down) {
        store_down = true;
        log::Warn("outbox relay cannot use the store; retrying with backoff",
                  {.action = kAction,
                   .status = "store_error",
                   .extra = {{"error", report.error().message}}});
      }
    } else {
      if (store_down) {
        store_down = false;
        log::Info("outbox relay can use the store again", {.action = kAction, .status = "ok"});
      }
      if (report->queue_unavailable) {
        ++failures;
        wait = Backoff(options_, failures);
        if (!queue_down) {
          queue_down = true;
          log::Warn("job queue unavailable; messages wait in the outbox",
                    {.action = kAction,
                     .status = "queue_unavailable",
                     .extra = {{"failed", std::to_string(report->failed)}}});
        }
      } else {
        failures = 0;
        if (queue_down && report->published > 0) {
          queue_down = false;
          log::Info("job queue reachable again; publishing the backlog",
                    {.action = kAction, .status = "recovered"});
        }
      }
      if (report->published > 0) {
        published_total += report->published;
        log::Debug("outbox rows published",
                   {.action = kAction,
                    .status = "published",
                    .extra = {{"published", std::to_string(report->published)},
                              {"duplicates", std::to_string(report->duplicates)}}});
        // More may be due right away; go again unless part of this run failed.
        if (!report->queue_unavailable) continue;
      }
    }
    // Wake() ends an idle wait, never an outage's backoff (writes would retry a down queue at
    // the API's write rate).
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, stop, wait, [this, failures] { return failures == 0 && woken_; });
    woken_ = false;
  }
  log::Info("outbox relay stopped", {.action = kAction,
                                     .status = "stopped",
                                     .extra = {{"published", std::to_string(published_total)}}});
}

}  // namespace secplat::services::relay
