// OutboxRelay: publishes the transactional outbox (ports/store/outbox_store.h) to the job queue.
// The API never publishes inside a request: a write and its outbox row commit together, and
// this relay, on a background thread, claims unsent rows oldest first, publishes each envelope
// (adapters/json EncodeEnvelope) to its stream and marks the successes sent in one call. With
// the queue down the API keeps accepting writes; rows wait, and go out when it returns.
//
// Delivery guarantee: every committed row is published at least once, and the queue refuses
// the copies. Each publish carries PublishOptions::idempotency_key = "outbox:" + event_id, so
// a crash (or a failed MarkSent) between publish and MarkSent republishes the row on the next
// run and the queue answers "duplicate" instead of delivering it twice, as long as the retry
// comes within the key's TTL (PublishOptions::idempotency_ttl, default 24 h). A relay stopped
// for longer than that may deliver such a row twice; consumers are idempotent anyway
// (jobqueue/job_queue.h). A scan job's event_id is derived from its idempotency key
// (core/outbox/messages.h), so even a retried API write maps to the same queue key.
//
// Failures: a publish error marks the row failed (attempts + 1, last_error) and holds it back
// for retry_min * 2^(attempts - 1), capped at retry_max. When the queue is unavailable the rest
// of the claimed batch is marked the same way without being tried, and Run backs off as well.
//
// Metrics: secplat_outbox_published_total{stream}, secplat_outbox_publish_failures_total{stream},
// gauge secplat_outbox_unsent. Logs carry action "outbox.relay".
//
// From tests/services/relay/outbox_relay_test.cc (PublishesEachMessageOnceAndMarksItSent):
//   OutboxRelay relay(*store, *queue, metrics, clock, {});
//   auto report = relay.RunOnce();  // report->published == 4
//   // store->CountUnsent() == 0; a second RunOnce publishes nothing
#ifndef SECPLAT_SERVICES_RELAY_OUTBOX_RELAY_H_
#define SECPLAT_SERVICES_RELAY_OUTBOX_RELAY_H_

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stop_token>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/common/time.h"
#include "jobqueue/job_queue.h"
#include "ports/metrics.h"
#include "ports/store/outbox_store.h"

namespace secplat::services::relay {

class OutboxRelay {
 public:
  struct Options {
    int batch = 256;  // rows claimed per RunOnce, clamped to [1, 1000]
    Duration idle_poll = std::chrono::milliseconds(200);  // Run's wait when nothing was sent
    Duration retry_min = std::chrono::milliseconds(500);  // first backoff after a failure
    Duration retry_max = std::chrono::seconds(30);        // backoff cap
    // The unsent gauge counts the whole backlog (CountUnsent): while full batches keep coming,
    // at most once per this interval; after a short batch (caught up), every time.
    Duration unsent_gauge_every = std::chrono::seconds(1);
  };

  // `store`, `queue`, `metrics` and `clock` must outlive the relay. `clock` is read for `now`
  // (claiming due rows, sent_at, next_attempt_at); waits in Run use the steady clock.
  OutboxRelay(ports::store::OutboxStore& store, jobqueue::JobQueue& queue, ports::Metrics& metrics,
              const Clock& clock, Options options);

  // What one RunOnce did.
  struct Report {
    int published = 0;               // rows published (or refused as duplicates) and marked sent
    int failed = 0;                  // rows marked failed (tried, or skipped: queue unavailable)
    int duplicates = 0;              // of `published`: the queue already had the key
    bool queue_unavailable = false;  // a publish failed with kUnavailable
  };

  // Claims up to Options::batch due rows, publishes them in order (consecutive rows of one
  // stream in one PublishBatch), marks the successes sent in one call and the failures failed
  // with backoff by attempts, and updates the gauge (see Options::unsent_gauge_every). Not
  // thread-safe (one caller at a time).
  // Errors: those of ClaimUnsent and MarkSent (kUnavailable, kInternal); published rows whose
  // MarkSent failed are republished later and refused by the queue as duplicates.
  Result<Report> RunOnce();

  // RunOnce in a loop until `stop` is requested: again at once after publishing something;
  // otherwise waits Options::idle_poll, or a backoff (retry_min doubling to retry_max) while
  // the store or the queue is unavailable. Every wait ends early on `stop`, an idle wait also
  // on Wake() (a backoff does not). Never busy-loops. Logs transitions (queue lost / back) with
  // action "outbox.relay".
  void Run(std::stop_token stop);

  // Ends Run's current idle wait so it claims now (the api calls it after every successful
  // write). Thread-safe.
  void Wake();

  // retry_min * 2^(attempts - 1) capped at retry_max; attempts < 1 counts as 1. Pure.
  static Duration Backoff(const Options& options, int attempts);

 private:
  ports::store::OutboxStore& store_;
  jobqueue::JobQueue& queue_;
  ports::Metrics& metrics_;
  const Clock& clock_;
  Options options_;
  std::optional<Timestamp> counted_at_;  // RunOnce's last CountUnsent

  std::mutex mu_;  // guards woken_
  std::condition_variable_any cv_;
  bool woken_ = false;
};

}  // namespace secplat::services::relay

#endif  // SECPLAT_SERVICES_RELAY_OUTBOX_RELAY_H_
