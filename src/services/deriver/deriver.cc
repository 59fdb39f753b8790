#include "services/deriver/deriver.h"

#include <condition_variable>
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

Result<DeriveReport> Deriver::DeriveAsset(std::string_view asset_key,
                                          std::span<const CheckResult> results) {
  SECPLAT_ASSIGN_OR_RETURN(core::model::Asset asset, assets_.GetAsset(asset_key));
  core::model::PostureRules rules = options_.rules;
  if (auto o = core::posture::OverrideForAsset(asset); !o.has_value()) {
    log::Warn("posture labels ignored: " + o.error().message,
              {.asset_key = asset_key, .action = "posture.rules", .status = "invalid"});
  } else if (auto merged = core::posture::MergeRules(options_.rules, *o); !merged.has_value()) {
    log::Warn("posture overrides ignored: " + merged.error().message,
              {.asset_key = asset_key, .action = "posture.rules", .status = "invalid"});
  } else {
    rules = std::move(*merged);
  }
  SECPLAT_ASSIGN_OR_RETURN(std::optional<PostureRecord> stored, posture_.GetPosture(asset_key));
  PostureRecord record = stored.value_or(PostureRecord{});
  if (!stored) record.status.asset_key = std::string(asset_key);

  const Timestamp now = clock_.Now();
  core::posture::PostureStep step =
      core::posture::DerivePosture(record.status, results, rules, now);
  SECPLAT_ASSIGN_OR_RETURN(core::model::OpenFindingCounts counts,
                           posture_.CountOpenFindings(asset_key));
  core::model::PostureScore score =
      core::posture::ScorePosture(step.status.current.state, counts, step.status.tls_grade);

  DeriveReport report;
  report.transitions = step.transitions;
  // Announce first: the event ids are deterministic, so if the record write below fails (or
  // this process dies) the retry re-derives the same transitions and re-sends nothing new.
  for (const PostureTransition& t : step.transitions) {
    if (!t.important) continue;
    SECPLAT_RETURN_IF_ERROR(events_.RecordEvent(ChangeEvent(t, step.status, score)));
    ++report.announced;
  }
  const bool first = !stored.has_value();
  if (results.empty() && step.transitions.empty() && !first) return report;

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
  SECPLAT_ASSIGN_OR_RETURN(PostureRecord written, posture_.PutPosture(next, record.version));
  (void)written;
  report.written = true;
  for (const PostureTransition& t : report.transitions) {
    metrics_.CounterAdd("secplat_posture_transitions_total", "Posture transitions by target state",
                        {{"to", std::string(core::model::PostureStateName(t.to))},
                         {"important", t.important ? "true" : "false"}},
                        1);
    log::Info("posture " + std::string(core::model::PostureStateName(t.from)) + " -> " +
                  std::string(core::model::PostureStateName(t.to)) + ": " + t.reason_text,
              {.asset_key = asset_key,
               .action = "posture.change",
               .status = core::model::PostureStateName(t.to)});
  }
  return report;
}

Result<SweepReport> Deriver::SweepOnce() {
  SweepReport report;
  const Timestamp now = clock_.Now();
  std::string cursor;
  do {
    SECPLAT_ASSIGN_OR_RETURN(auto page, posture_.ListPostureDue(now, cursor, 1000));
    for (const std::string& key : page.asset_keys) {
      ++report.due;
      auto r = DeriveAsset(key, {});
      if (!r.has_value()) {
        ++report.failures;
        if (r.error().code != ErrorCode::kNotFound) {
          log::Warn("sweep: cannot derive: " + r.error().message,
                    {.asset_key = key, .action = "posture.sweep", .status = "error"});
        }
        continue;
      }
      if (r->written) ++report.derived;
      report.changes += static_cast<int64_t>(r->transitions.size());
    }
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  return report;
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
