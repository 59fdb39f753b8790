#include "services/deriver/deriver.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "adapters/json/codec.h"
#include "core/common/json_string.h"
#include "core/contracts/envelope.h"
#include "core/outbox/messages.h"
#include "core/posture/asset_rules.h"
#include "core/posture/derive.h"
#include "core/posture/rules.h"
#include "core/posture/score.h"
#include "log/logger.h"

namespace secplat::services::deriver {

namespace json = adapters::json;
using core::model::CheckResult;
using core::model::Envelope;
using core::model::EventType;
using core::model::PostureState;
using core::model::PostureStatus;
using core::model::PostureTransition;
using jobqueue::Outcome;
using ports::platform::PostureRecord;

namespace {

core::model::Severity SeverityFor(PostureState to) {
  switch (to) {
    case PostureState::kDown:
      return core::model::Severity::kHigh;
    case PostureState::kFlapping:
      return core::model::Severity::kMedium;
    case PostureState::kStale:
    case PostureState::kPending:
      return core::model::Severity::kLow;
    default:
      return core::model::Severity::kInfo;
  }
}

void AddString(std::string& p, std::string_view key, std::string_view value) {
  if (p.size() > 1) p += ',';
  AppendJsonString(p, key);
  p += ':';
  AppendJsonString(p, value);
}

void AddNumber(std::string& p, std::string_view key, int64_t value) {
  if (p.size() > 1) p += ',';
  AppendJsonString(p, key);
  p += ':';
  p += std::to_string(value);
}

}  // namespace

Deriver::Deriver(jobqueue::JobQueue& queue, ports::platform::AssetSource& assets,
                 ports::platform::PostureGateway& posture, ports::platform::EventSink& events,
                 const Clock& clock, ports::Metrics& metrics, DeriverOptions options)
    : queue_(queue),
      assets_(assets),
      posture_(posture),
      events_(events),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)) {
  if (options_.consumer.empty()) options_.consumer = jobqueue::DefaultConsumerName();
}

Envelope Deriver::ChangeEvent(const PostureTransition& t, const PostureStatus& status,
                              const core::model::PostureScore& score) {
  Envelope e;
  e.event_type = EventType::kPostureChanged;
  std::string name = "posture.changed";
  for (std::string_view part :
       {std::string_view(t.asset_key), core::model::PostureStateName(t.from),
        core::model::PostureStateName(t.to), std::string_view(t.event_id)}) {
    name += '\x1f';
    name += part;
  }
  name += '\x1f' + std::to_string(ToUnixMillis(t.at));
  e.event_id = core::outbox::DeterministicUuid(name);
  e.ts = t.at;
  e.org_id = "default";
  if (core::contracts::IsValidAssetKey(t.asset_key)) e.asset_key = t.asset_key;
  e.severity = SeverityFor(t.to);
  // Keys in sorted order (the canonical form the API stores).
  std::string p = "{";
  AddString(p, "at", FormatRfc3339(t.at));
  AddNumber(p, "confidence", status.confidence.score);
  AddString(p, "deciding_event_id", t.event_id);
  AddString(p, "detected_at", FormatRfc3339(t.detected_at));
  AddString(p, "from", core::model::PostureStateName(t.from));
  AddString(p, "grade", score.grade);
  AddString(p, "reason", core::model::TransitionReasonName(t.reason));
  AddString(p, "reason_text", t.reason_text);
  AddNumber(p, "score", score.score);
  AddNumber(p, "status_num", core::model::StatusNum(t.to));
  AddString(p, "to", core::model::PostureStateName(t.to));
  p += '}';
  e.payload_json = std::move(p);
  return e;
}

struct Deriver::Derivation {
  DeriveReport report;  // transitions; written and announced are set once done
  std::vector<Envelope> events;
  std::optional<PostureRecord> write;  // nullopt: nothing to store
  int64_t expected_version = 0;
};

core::model::PostureRules Deriver::RulesFor(const core::model::Asset& asset) const {
  core::model::PostureRules rules = options_.rules;
  if (auto o = core::posture::OverrideForAsset(asset); !o.has_value()) {
    log::Warn("posture labels ignored: " + o.error().message,
              {.asset_key = asset.asset_key, .action = "posture.rules", .status = "invalid"});
  } else if (auto merged = core::posture::MergeRules(options_.rules, *o); !merged.has_value()) {
    log::Warn("posture overrides ignored: " + merged.error().message,
              {.asset_key = asset.asset_key, .action = "posture.rules", .status = "invalid"});
  } else {
    rules = std::move(*merged);
  }
  return rules;
}

Deriver::Derivation Deriver::Derive(const core::model::Asset& asset,
                                    std::optional<PostureRecord> stored,
                                    const core::model::OpenFindingCounts& counts,
                                    std::span<const CheckResult> results, Timestamp now) const {
  const core::model::PostureRules rules = RulesFor(asset);
  const bool first = !stored.has_value();
  PostureRecord record = std::move(stored).value_or(PostureRecord{});
  if (first) record.status.asset_key = asset.asset_key;

  core::posture::PostureStep step =
      core::posture::DerivePosture(record.status, results, rules, now);
  core::model::PostureScore score =
      core::posture::ScorePosture(step.status.current.state, counts, step.status.tls_grade);

  Derivation d;
  d.report.transitions = step.transitions;
  // The events of the important transitions: their ids are deterministic, so if the record
  // write fails after they are stored (or this process dies) the retry re-derives the same
  // transitions and re-sends nothing new.
  for (const PostureTransition& t : step.transitions)
    if (t.important) d.events.push_back(ChangeEvent(t, step.status, score));
  if (results.empty() && step.transitions.empty() && !first) return d;

  PostureRecord next;
  next.status = std::move(step.status);
  next.score = std::move(score);
  next.recent_transitions = std::move(record.recent_transitions);
  for (const PostureTransition& t : step.transitions) next.recent_transitions.push_back(t);
  if (next.recent_transitions.size() >
      static_cast<size_t>(ports::platform::kMaxRecentTransitions)) {
    next.recent_transitions.erase(
        next.recent_transitions.begin(),
        next.recent_transitions.end() - ports::platform::kMaxRecentTransitions);
  }
  const auto& cur = next.status.current;
  if (cur.state != PostureState::kStale && cur.last_result_at.has_value()) {
    next.check_by = *cur.last_result_at + rules.stale_after;
  }
  d.write = std::move(next);
  d.expected_version = record.version;
  return d;
}

void Deriver::Finish(std::string_view asset_key, const DeriveReport& report) {
  for (const PostureTransition& t : report.transitions) {
    metrics_.CounterAdd("secplat_posture_transitions_total", "Posture transitions by target state",
                        {{"to", std::string(core::model::PostureStateName(t.to))},
                         {"important", t.important ? "true" : "false"}},
                        1);
    if (log::Enabled(log::Level::kInfo)) {
      log::Info("posture " + std::string(core::model::PostureStateName(t.from)) + " -> " +
                    std::string(core::model::PostureStateName(t.to)) + ": " + t.reason_text,
                {.asset_key = asset_key,
                 .action = "posture.change",
                 .status = core::model::PostureStateName(t.to)});
    }
  }
}

Result<DeriveReport> Deriver::DeriveAsset(std::string_view asset_key,
                                          std::span<const CheckResult> results) {
  SECPLAT_ASSIGN_OR_RETURN(core::model::Asset asset, assets_.GetAsset(asset_key));
  SECPLAT_ASSIGN_OR_RETURN(std::optional<PostureRecord> stored, posture_.GetPosture(asset_key));
  SECPLAT_ASSIGN_OR_RETURN(core::model::OpenFindingCounts counts,
                           posture_.CountOpenFindings(asset_key));
  Derivation d = Derive(asset, std::move(stored), counts, results, clock_.Now());
  // Announce first (see Derive): events before the record.
  for (const Envelope& e : d.events) {
    SECPLAT_RETURN_IF_ERROR(events_.RecordEvent(e));
    ++d.report.announced;
  }
  if (!d.write) return std::move(d.report);
  SECPLAT_ASSIGN_OR_RETURN(PostureRecord written,
                           posture_.PutPosture(*d.write, d.expected_version));
  (void)written;
  d.report.written = true;
  Finish(asset_key, d.report);
  return std::move(d.report);
}

void Deriver::SweepBatch(const std::vector<std::string>& keys, SweepReport& report) {
  report.due += static_cast<int64_t>(keys.size());
  auto warn = [](std::string_view key, const std::string& message) {
    log::Warn("sweep: cannot derive: " + message,
              {.asset_key = key, .action = "posture.sweep", .status = "error"});
  };
  auto inputs = posture_.GetPostureInputs(keys);
  if (!inputs.has_value() || inputs->size() != keys.size()) {
    log::Warn(
        "sweep: cannot read a batch of " + std::to_string(keys.size()) + " assets: " +
            (inputs.has_value() ? std::string("answer of the wrong size") : inputs.error().message),
        {.action = "posture.sweep", .status = "error"});
    report.failures += static_cast<int64_t>(keys.size());
    return;
  }
  const Timestamp now = clock_.Now();
  std::vector<std::optional<Derivation>> derived(keys.size());
  std::vector<Envelope> events;
  for (size_t i = 0; i < keys.size(); ++i) {
    ports::platform::PostureInputs& in = (*inputs)[i];
    if (!in.status.has_value()) {
      ++report.failures;
      if (in.status.error().code != ErrorCode::kNotFound) warn(keys[i], in.status.error().message);
      continue;
    }
    derived[i] = Derive(in.asset, std::move(in.record), in.open_findings, {}, now);
    for (const Envelope& e : derived[i]->events) events.push_back(e);
  }
  // Events before records: when the events batch fails, no asset that had events is written.
  bool events_stored = true;
  if (!events.empty()) {
    auto s = events_.RecordEvents(events);
    if (!s.has_value()) {
      events_stored = false;
      log::Warn("sweep: cannot record " + std::to_string(events.size()) +
                    " posture.changed events: " + s.error().message,
                {.action = "posture.sweep", .status = "error"});
    }
  }
  std::vector<ports::platform::PostureWrite> writes;
  std::vector<size_t> written_index;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!derived[i]) continue;
    Derivation& d = *derived[i];
    if (!d.events.empty() && !events_stored) {
      ++report.failures;
      derived[i].reset();
      continue;
    }
    d.report.announced = static_cast<int>(d.events.size());
    if (!d.write) {  // nothing to store: done
      report.changes += static_cast<int64_t>(d.report.transitions.size());
      continue;
    }
    written_index.push_back(i);
    writes.push_back({*std::move(d.write), d.expected_version});
  }
  if (writes.empty()) return;
  auto put = posture_.PutPostureBatch(writes);
  if (!put.has_value() || put->size() != writes.size()) {
    log::Warn("sweep: cannot write " + std::to_string(writes.size()) + " posture records: " +
                  (put.has_value() ? std::string("answer of the wrong size") : put.error().message),
              {.action = "posture.sweep", .status = "error"});
    report.failures += static_cast<int64_t>(writes.size());
    return;
  }
  for (size_t w = 0; w < writes.size(); ++w) {
    const size_t i = written_index[w];
    const Result<int64_t>& outcome = (*put)[w];
    Derivation& d = *derived[i];
    if (outcome.has_value()) {
      d.report.written = true;
      ++report.derived;
      report.changes += static_cast<int64_t>(d.report.transitions.size());
      Finish(keys[i], d.report);
      continue;
    }
    if (outcome.error().code == ErrorCode::kConflict) {
      // Another writer moved the record on: re-read and re-derive this one asset.
      auto again = DeriveAsset(keys[i], {});
      if (again.has_value()) {
        if (again->written) ++report.derived;
        report.changes += static_cast<int64_t>(again->transitions.size());
        continue;
      }
      ++report.failures;
      if (again.error().code != ErrorCode::kNotFound) warn(keys[i], again.error().message);
      continue;
    }
    ++report.failures;
    if (outcome.error().code != ErrorCode::kNotFound) warn(keys[i], outcome.error().message);
  }
}

Result<SweepReport> Deriver::SweepOnce() {
  const Timestamp now = clock_.Now();
  const int batch = std::clamp(options_.sweep_batch, 1, ports::platform::kMaxBatchItems);
  const int in_flight = std::max(1, options_.sweep_in_flight);
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::vector<std::string>> queue;
  bool listed = false;  // no more batches will come
  SweepReport total;
  std::vector<std::thread> workers;
  for (int w = 0; w < in_flight; ++w) {
    workers.emplace_back([&] {
      while (true) {
        std::vector<std::string> keys;
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return !queue.empty() || listed; });
          if (queue.empty()) return;
          keys = std::move(queue.front());
          queue.pop_front();
        }
        cv.notify_all();
        SweepReport part;
        SweepBatch(keys, part);
        std::lock_guard lock(mu);
        total.due += part.due;
        total.derived += part.derived;
        total.changes += part.changes;
        total.failures += part.failures;
      }
    });
  }
  auto finish = [&] {
    {
      std::lock_guard lock(mu);
      listed = true;
    }
    cv.notify_all();
    for (std::thread& t : workers) t.join();
  };
  // List the due keys page by page while the workers derive: at most `in_flight` batches wait.
  std::string cursor;
  std::vector<std::string> pending;
  auto push = [&](std::vector<std::string> keys) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return queue.size() < static_cast<size_t>(in_flight); });
    queue.push_back(std::move(keys));
    lock.unlock();
    cv.notify_all();
  };
  do {
    auto page = posture_.ListPostureDue(now, cursor, ports::platform::kMaxBatchItems);
    if (!page.has_value()) {
      finish();
      return Unexpected(page.error());
    }
    for (std::string& key : page->asset_keys) {
      pending.push_back(std::move(key));
      if (pending.size() == static_cast<size_t>(batch)) push(std::exchange(pending, {}));
    }
    cursor = std::move(page->next_cursor);
  } while (!cursor.empty());
  if (!pending.empty()) push(std::move(pending));
  finish();
  return total;
}

Outcome Deriver::Handle(const jobqueue::Message& message) {
  auto env = json::DecodeEnvelope(message.payload);
  if (!env.has_value()) return Outcome::Fail("malformed envelope: " + env.error().message);
  auto result = json::DecodeCheckResult(*env);
  if (!result.has_value()) return Outcome::Fail(result.error().message);
  CheckResult one[] = {std::move(*result)};
  auto r = DeriveAsset(one[0].asset_key, one);
  if (r.has_value()) return Outcome::Done();
  switch (r.error().code) {
    case ErrorCode::kNotFound:
      log::Info("asset gone; result dropped",
                {.asset_key = one[0].asset_key, .action = "posture.derive", .status = "skipped"});
      return Outcome::Done();
    case ErrorCode::kConflict:
      // Another deriver wrote this asset meanwhile: re-read and re-derive soon.
      return Outcome::Retry("posture record moved on: " + r.error().message,
                            std::chrono::milliseconds(50));
    default:
      return IsRetryable(r.error().code) ? Outcome::Retry(r.error().message)
                                         : Outcome::Fail(r.error().message);
  }
}

Status Deriver::Run(std::stop_token stop) {
  std::jthread sweeper([this, stop] {
    std::mutex mu;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      auto r = SweepOnce();
      if (!r.has_value()) {
        log::Warn("sweep failed: " + r.error().message,
                  {.action = "posture.sweep", .status = "error"});
      } else if (r->due > 0) {
        log::Info("sweep", {.action = "posture.sweep",
                            .status = "ok",
                            .extra = {{"due", std::to_string(r->due)},
                                      {"changes", std::to_string(r->changes)},
                                      {"failures", std::to_string(r->failures)}}});
      }
      std::unique_lock lock(mu);
      cv.wait_for(lock, stop, options_.sweep_interval, [] { return false; });
    }
  });
  jobqueue::ConsumeOptions opts;
  opts.consumer = options_.consumer;
  opts.concurrency = options_.concurrency;
  opts.lease = options_.lease;
  opts.retry = options_.retry;
  opts.validate = [](std::string_view payload) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(Envelope e, json::DecodeEnvelope(payload));
    SECPLAT_ASSIGN_OR_RETURN(CheckResult r, json::DecodeCheckResult(e));
    (void)r;
    return OkStatus();
  };
  opts.on_error = [](const Error& e) {
    log::Warn("queue unavailable; retrying",
              {.action = "queue.consume", .status = "error", .extra = {{"error", e.message}}});
  };
  return queue_.Consume(
      jobqueue::kDeriveStream, jobqueue::kDeriveGroup,
      [this](const jobqueue::Message& m, const jobqueue::LeaseControl&) { return Handle(m); }, opts,
      stop);
}

}  // namespace secplat::services::deriver
