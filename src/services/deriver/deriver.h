// Deriver: the `secplat deriver` role. Turns scan results into one posture record per asset
// (core/posture: debounce, flapping with hysteresis, stale, confidence, score) and announces
// each important change as a posture.changed event — through the API, never the database.
//
//   secplat.jobs.derive (scan.completed / scan.failed, one asset each)
//        └─► DeriveAsset(asset, [result]): read record ─► DerivePosture ─► score
//             ─► posture.changed events (deterministic ids) ─► write record (compare-and-set)
//   every sweep_interval: records whose check_by passed (results overdue), in batches of
//   sweep_batch with sweep_in_flight batches at once:
//        GetPostureInputs(keys) ─► DerivePosture per asset ─► RecordEvents(all their events)
//        ─► PutPostureBatch(records, each its own compare-and-set); a conflict ─► DeriveAsset
//
// The batch path keeps every guarantee of the single one: an asset's record is written only
// after its events are stored (a failed events batch writes none of its assets' records),
// each record write is its own compare-and-set, and the events are the same deterministic ones.
//
// Restart-safe and idempotent: the record (with its ring of recent results) is the only state;
// events are written before the record and their ids are derived from the transition, so a
// crash between the two re-derives the same transition and re-sends nothing new; a duplicated
// or reordered result is absorbed by the ring. Two derivers racing on one asset: the loser gets
// kConflict from the compare-and-set, and its message is retried against the new record.
//
//   Deriver d(queue, api, api, api, clock, metrics, {.rules = rules});
//   d.SweepOnce();          // `secplat deriver --once`
//   d.Run(stop_token);      // consume + sweep until stop
#ifndef SECPLAT_SERVICES_DERIVER_DERIVER_H_
#define SECPLAT_SERVICES_DERIVER_DERIVER_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/model/posture.h"
#include "jobqueue/job_queue.h"
#include "ports/metrics.h"
#include "ports/platform/platform.h"

namespace secplat::services::deriver {

struct DeriverOptions {
  core::model::PostureRules rules;  // global; assets override through labels/scan settings
  Duration sweep_interval = std::chrono::seconds(30);
  int concurrency = 4;  // derive messages handled at once
  std::string consumer;
  Duration lease = std::chrono::seconds(30);
  jobqueue::RetryPolicy retry{
      .base = std::chrono::milliseconds(200), .cap = std::chrono::seconds(30), .max_attempts = 10};
  // The sweep: due assets per batch (one batch read, one events batch, one write batch; the
  // gateway splits them into requests) and batches handled at once. 8 at once keeps more
  // writes queued at the API than its io threads (4), so its group commit merges them; in
  // paired runs of bench/deriver/run.sh, 8 beat 3, 6 and 12.
  int sweep_batch = 1000;
  int sweep_in_flight = 8;
};

struct DeriveReport {
  bool written = false;  // the record changed and was stored
  std::vector<core::model::PostureTransition> transitions;
  int announced = 0;  // posture.changed events recorded (important transitions)
};

struct SweepReport {
  int64_t due = 0;       // records whose check_by had passed
  int64_t derived = 0;   // of them, derived and written
  int64_t changes = 0;   // transitions produced (e.g. to stale)
  int64_t failures = 0;  // assets that could not be derived this sweep (retried next time)
};

class Deriver {
 public:
  Deriver(jobqueue::JobQueue& queue, ports::platform::AssetSource& assets,
          ports::platform::PostureGateway& posture, ports::platform::EventSink& events,
          const Clock& clock, ports::Metrics& metrics, DeriverOptions options);

  // Derives one asset from `results` (possibly none: time passing) at clock.Now(). Errors:
  // kConflict (another deriver wrote first: retry), kUnavailable, kNotFound (asset gone),
  // kInvalidArgument (the asset's posture labels are malformed).
  Result<DeriveReport> DeriveAsset(std::string_view asset_key,
                                   std::span<const core::model::CheckResult> results);

  // One pass over every record whose check_by has passed, in batches (see the header comment);
  // an asset that cannot be derived is counted in failures and retried by the next sweep.
  // Errors: kUnavailable when the list itself cannot be read.
  Result<SweepReport> SweepOnce();

  // Handles one derive message (a scan result event); what the consumer does.
  jobqueue::Outcome Handle(const jobqueue::Message& message);

  // Consumes secplat.jobs.derive and sweeps every sweep_interval until `stop`.
  Status Run(std::stop_token stop);

  // The posture.changed event for `t` (deterministic id from asset, from, to, at and the
  // deciding result), with the record's score and confidence in the payload.
  static core::model::Envelope ChangeEvent(const core::model::PostureTransition& t,
                                           const core::model::PostureStatus& status,
                                           const core::model::PostureScore& score);

 private:
  struct Derivation;
  core::model::PostureRules RulesFor(const core::model::Asset& asset) const;
  // The pure part of a derivation: new status, score, events and the record to store.
  Derivation Derive(const core::model::Asset& asset,
                    std::optional<ports::platform::PostureRecord> stored,
                    const core::model::OpenFindingCounts& counts,
                    std::span<const core::model::CheckResult> results, Timestamp now) const;
  // Metrics and logs of a stored derivation.
  void Finish(std::string_view asset_key, const DeriveReport& report);
  // One batch of the sweep; adds its counts to `report`.
  void SweepBatch(const std::vector<std::string>& keys, SweepReport& report);

  jobqueue::JobQueue& queue_;
  ports::platform::AssetSource& assets_;
  ports::platform::PostureGateway& posture_;
  ports::platform::EventSink& events_;
  const Clock& clock_;
  ports::Metrics& metrics_;
  DeriverOptions options_;
};

}  // namespace secplat::services::deriver

#endif  // SECPLAT_SERVICES_DERIVER_DERIVER_H_
