#include "services/notifier/notifier.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/json/codec.h"
#include "adapters/notify/payload.h"
#include "core/notify/dedup.h"
#include "core/outbox/messages.h"
#include "log/logger.h"
#include "services/notifier/events.h"

namespace secplat::services::notifier {

namespace json = adapters::json;
using core::model::DeliveryState;
using core::model::NotifyEvent;
using core::model::ProblemStatus;
using core::notify::NotifyReason;
using jobqueue::Outcome;
using ports::platform::NotifyLogRecord;
using ports::platform::StoredDelivery;
using ports::platform::TargetDecision;

namespace {

// How often a compare-and-set on the notify log is retried within one event before the message
// itself is retried.
constexpr int kCasAttempts = 4;
constexpr int kListLimit = 1000;
// How often a sender thread with lingering requests drives them while it has nothing to send.
constexpr auto kLatePollInterval = std::chrono::milliseconds(10);

double Seconds(Duration d) { return static_cast<double>(d.count()) / 1000.0; }

std::optional<Timestamp> NextRepeat(const NotifyEvent& e, Duration interval, Timestamp sent_at) {
  if (e.status != ProblemStatus::kFiring || interval <= Duration::zero()) return std::nullopt;
  return sent_at + interval;
}

}  // namespace

Notifier::Notifier(jobqueue::JobQueue& queue, ports::platform::NotificationGateway& gateway,
                   ports::platform::AssetSource& assets, std::vector<ChannelBinding> channels,
                   core::notify::RoutingConfig routing, SenderFactory make_sender,
                   const Clock& clock, ports::Metrics& metrics, NotifierOptions options)
    : queue_(queue),
      gateway_(gateway),
      assets_(assets),
      routing_(std::move(routing)),
      make_sender_(std::move(make_sender)),
      clock_(clock),
      metrics_(metrics),
      options_(std::move(options)),
      rng_(std::random_device{}()) {
  if (options_.consumer.empty()) options_.consumer = jobqueue::DefaultConsumerName();
  for (const ChannelBinding& b : channels) {
    if (b.channel == nullptr) continue;
    channels_[b.channel->name()].binding = b;
  }
}

Notifier::~Notifier() = default;

double Notifier::Random01() {
  if (options_.random01) return options_.random01();
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

// ---- Event handling (queue consumer threads; API calls only) -------------------------------

Result<HandleReport> Notifier::HandleEvent(const NotifyEvent& event) {
  HandleReport report;
  report.decision = core::notify::Route(event, routing_);
  metrics_.CounterAdd(
      "secplat_notifier_events_total", "Events routed by the notifier",
      {{"event_type", event.event_type}, {"routed", report.decision.routed() ? "true" : "false"}});
  std::vector<ports::platform::CreatedDelivery> to_schedule;
  for (const core::notify::RouteTarget& target : report.decision.targets) {
    TargetDecision td{.channel = target.channel, .rule = target.rule};
    bool done = false;
    for (int attempt = 0; attempt < kCasAttempts && !done; ++attempt) {
      const Timestamp now = clock_.Now();
      SECPLAT_ASSIGN_OR_RETURN(std::optional<NotifyLogRecord> log,
                               gateway_.GetNotifyLog(target.channel, event.problem_key));
      std::optional<core::notify::NotifyLogEntry> entry;
      if (log) entry = log->entry;
      core::notify::NotifyDecision d = core::notify::NeedsNotify(entry, event, target, now);
      td.send = d.send;
      td.reason = std::string(core::notify::NotifyReasonName(d.reason));
      td.detail = d.detail;
      const int64_t expected = log ? log->version : 0;
      if (d.send) {
        // The delivery record first: once it exists the message is safe to acknowledge, and a
        // redelivery finds it (same idempotency key) instead of creating another.
        StoredDelivery sd = NewClaimedDelivery(event, target.channel, target.rule, td.reason, now);
        td.idempotency_key = sd.record.idempotency_key;
        SECPLAT_ASSIGN_OR_RETURN(ports::platform::CreatedDelivery created,
                                 gateway_.CreateDelivery(sd));
        NotifyLogRecord next;
        next.entry = core::notify::NextLogEntry(entry, event, target.channel, true, now);
        next.last_event = event;
        next.next_repeat_at = NextRepeat(event, target.repeat_interval, now);
        auto put = gateway_.PutNotifyLog(next, expected);
        if (!put.has_value() && put.error().code == ErrorCode::kConflict) continue;
        if (!put.has_value()) return Unexpected(put.error());
        if (created.created) ++report.deliveries_created;
        to_schedule.push_back(std::move(created));
      } else if (d.reason == NotifyReason::kSkipResolvedNotWanted) {
        // Remember the resolution, so the next firing counts as a new problem.
        NotifyLogRecord next;
        next.entry = core::notify::NextLogEntry(entry, event, target.channel, false, now);
        next.last_event = event;
        auto put = gateway_.PutNotifyLog(next, expected);
        if (!put.has_value() && put.error().code == ErrorCode::kConflict) continue;
        if (!put.has_value()) return Unexpected(put.error());
      }
      done = true;
    }
    if (!done) {
      return Unexpected(ErrorCode::kConflict, "notify log of " + target.channel + "/" +
                                                  event.problem_key + " kept changing");
    }
    metrics_.CounterAdd("secplat_notifier_decisions_total",
                        "Dedup decisions per target channel, by reason",
                        {{"channel", td.channel}, {"reason", td.reason}});
    report.targets.push_back(std::move(td));
  }
  ports::platform::RoutingRecord rec{.event_id = event.event_id,
                                     .event_type = event.event_type,
                                     .asset_key = event.asset_key,
                                     .problem_key = event.problem_key,
                                     .decided_at = clock_.Now(),
                                     .decision = report.decision,
                                     .targets = report.targets};
  SECPLAT_RETURN_IF_ERROR(gateway_.RecordRouting(rec));
  const Timestamp now = clock_.Now();
  for (const ports::platform::CreatedDelivery& created : to_schedule) ScheduleCreated(created, now);
  return report;
}

Notifier::Prepared Notifier::Prepare(const jobqueue::Message& message, bool cached_assets) {
  Prepared p;
  auto env = json::DecodeEnvelope(message.payload);
  if (!env.has_value()) {
    p.outcome = Outcome::Fail("malformed envelope: " + env.error().message);
    return p;
  }
  p.request_id = env->request_id;
  if (!core::outbox::NotifierConsumes(env->event_type)) {
    log::Info(
        "event type not notified; skipped",
        {.request_id = env->request_id,
         .asset_key = env->asset_key,
         .action = "notify.event",
         .status = "skipped",
         .extra = {{"event_type", std::string(core::model::EventTypeName(env->event_type))}}});
    p.outcome = Outcome::Done();
    return p;
  }
  auto payload = adapters::notify::DecodeScalarPayload(env->payload_json);
  if (!payload.has_value()) {
    p.outcome = Outcome::Fail(payload.error().message);
    return p;
  }
  auto event = NotifyEventFromEnvelope(*env, *payload, options_.external_url);
  if (!event.has_value()) {
    p.outcome = Outcome::Fail(event.error().message);
    return p;
  }
  if (!event->asset_key.empty()) {
    // A deleted asset still gets its notifications (its resolution above all), routed without
    // labels.
    if (cached_assets) {
      auto info = LookupAsset(event->asset_key);
      if (!info.has_value()) {
        p.outcome = Outcome::Retry("asset lookup: " + info.error().message);
        return p;
      }
      if (info->found) {
        event->labels = info->labels;
        event->environment = info->environment;
      }
    } else {
      auto asset = assets_.GetAsset(event->asset_key);
      if (asset.has_value()) {
        event->labels = asset->labels;
        event->environment = asset->environment;
      } else if (asset.error().code != ErrorCode::kNotFound) {
        p.outcome = Outcome::Retry("asset lookup: " + asset.error().message);
        return p;
      }
    }
  }
  p.event = *std::move(event);
  return p;
}

Result<Notifier::AssetInfo> Notifier::LookupAsset(const std::string& asset_key) {
  // Real time, not clock_: the cache only saves API calls and must expire even under a test
  // clock that stands still.
  const auto now = std::chrono::steady_clock::now();
  const Timestamp stamp{std::chrono::duration_cast<Duration>(now.time_since_epoch())};
  const bool cache = options_.asset_cache_ttl > Duration::zero();
  if (cache) {
    std::lock_guard lock(asset_mu_);
    auto it = asset_cache_.find(asset_key);
    if (it != asset_cache_.end() && stamp - it->second.fetched_at < options_.asset_cache_ttl) {
      return it->second;
    }
  }
  AssetInfo info;
  info.fetched_at = stamp;
  auto asset = assets_.GetAsset(asset_key);
  if (asset.has_value()) {
    info.found = true;
    info.labels = asset->labels;
    info.environment = asset->environment;
  } else if (asset.error().code != ErrorCode::kNotFound) {
    return Unexpected(asset.error());
  }
  if (cache) {
    constexpr size_t kMaxCachedAssets = 100000;
    std::lock_guard lock(asset_mu_);
    if (asset_cache_.size() >= kMaxCachedAssets) asset_cache_.clear();
    asset_cache_[asset_key] = info;
  }
  return info;
}

Outcome Notifier::OutcomeOf(const Result<HandleReport>& r, const Prepared& p) {
  if (!r.has_value()) {
    if (r.error().code == ErrorCode::kConflict) {
      return Outcome::Retry(r.error().message, std::chrono::milliseconds(50));
    }
    return IsRetryable(r.error().code) ? Outcome::Retry(r.error().message)
                                       : Outcome::Fail(r.error().message);
  }
  log::Info(r->decision.reason, {.request_id = p.request_id,
                                 .asset_key = p.event.asset_key,
                                 .action = "notify.route",
                                 .status = r->decision.routed() ? "routed" : "unrouted",
                                 .extra = {{"event_id", p.event.event_id},
                                           {"problem_key", p.event.problem_key},
                                           {"deliveries", std::to_string(r->deliveries_created)}}});
  return Outcome::Done();
}

Outcome Notifier::Handle(const jobqueue::Message& message) {
  Prepared p = Prepare(message, false);
  if (p.outcome) return *p.outcome;
  return OutcomeOf(HandleEvent(p.event), p);
}

std::vector<Outcome> Notifier::HandleBatch(std::span<const jobqueue::Message> messages) {
  std::vector<std::optional<Outcome>> outcomes(messages.size());
  std::vector<Prepared> prepared;
  prepared.reserve(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    prepared.push_back(Prepare(messages[i], true));
    if (prepared[i].outcome) outcomes[i] = prepared[i].outcome;
  }
  // Route every event and collect the (channel, problem_key) keys of all targets.
  std::vector<size_t> routed;  // message index of each routed event, in message order
  std::vector<core::notify::RoutingDecision> decisions;
  std::vector<ports::platform::NotifyLogKey> keys;
  std::map<std::pair<std::string, std::string>, size_t> key_index;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (outcomes[i]) continue;
    routed.push_back(i);
    decisions.push_back(core::notify::Route(prepared[i].event, routing_));
    for (const core::notify::RouteTarget& t : decisions.back().targets) {
      auto [it, inserted] =
          key_index.try_emplace({t.channel, prepared[i].event.problem_key}, keys.size());
      if (inserted) keys.push_back({t.channel, prepared[i].event.problem_key});
    }
  }
  auto finish = [&] {
    std::vector<Outcome> out;
    out.reserve(outcomes.size());
    for (auto& o : outcomes) out.push_back(o ? std::move(*o) : Outcome::Retry("not handled"));
    return out;
  };
  if (routed.empty()) return finish();
  // One read of every log entry the batch touches.
  std::vector<std::optional<NotifyLogRecord>> logs;
  if (!keys.empty()) {
    auto read = gateway_.GetNotifyLogs(keys);
    if (!read.has_value() || read->size() != keys.size()) {
      const std::string why = read.has_value() ? "notify log: wrong number of entries"
                                               : "notify log: " + read.error().message;
      for (size_t i : routed) outcomes[i] = Outcome::Retry(why);
      return finish();
    }
    logs = *std::move(read);
  }
  struct KeyState {
    std::optional<core::notify::NotifyLogEntry> entry;
    int64_t version = 0;  // what the store holds once this batch's earlier events are written
  };
  std::vector<KeyState> state(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    if (logs[k]) state[k] = {logs[k]->entry, logs[k]->version};
  }
  // Decide in message order; events of one key fold over the entry in memory.
  const Timestamp now = clock_.Now();
  std::vector<ports::platform::EventNotifications> writes;
  std::vector<HandleReport> reports;
  writes.reserve(routed.size());
  reports.reserve(routed.size());
  for (size_t r = 0; r < routed.size(); ++r) {
    const NotifyEvent& event = prepared[routed[r]].event;
    HandleReport report;
    report.decision = std::move(decisions[r]);
    ports::platform::EventNotifications w;
    for (const core::notify::RouteTarget& target : report.decision.targets) {
      KeyState& ks = state[key_index.at({target.channel, event.problem_key})];
      TargetDecision td{.channel = target.channel, .rule = target.rule};
      core::notify::NotifyDecision d = core::notify::NeedsNotify(ks.entry, event, target, now);
      td.send = d.send;
      td.reason = std::string(core::notify::NotifyReasonName(d.reason));
      td.detail = d.detail;
      if (d.send) {
        StoredDelivery sd = NewClaimedDelivery(event, target.channel, target.rule, td.reason, now);
        td.idempotency_key = sd.record.idempotency_key;
        w.deliveries.push_back(std::move(sd));
      }
      if (d.send || d.reason == NotifyReason::kSkipResolvedNotWanted) {
        // A sent event, or a resolution not sent (remembered, so the next firing counts as a
        // new problem).
        ports::platform::NotifyLogPut put;
        put.record.entry = core::notify::NextLogEntry(ks.entry, event, target.channel, d.send, now);
        put.record.last_event = event;
        if (d.send) put.record.next_repeat_at = NextRepeat(event, target.repeat_interval, now);
        put.expected_version = ks.version;
        ks.entry = put.record.entry;
        ++ks.version;
        w.logs.push_back(std::move(put));
      }
      report.targets.push_back(std::move(td));
    }
    w.routing = {.event_id = event.event_id,
                 .event_type = event.event_type,
                 .asset_key = event.asset_key,
                 .problem_key = event.problem_key,
                 .decided_at = now,
                 .decision = report.decision,
                 .targets = report.targets};
    writes.push_back(std::move(w));
    reports.push_back(std::move(report));
  }
  // One write of every event's deliveries, log entries and routing record.
  auto stored = gateway_.RecordEventNotifications(writes);
  if (!stored.has_value() || stored->size() != writes.size()) {
    const Error e = stored.has_value()
                        ? Error{ErrorCode::kUnavailable, "notifications: wrong number of outcomes"}
                        : stored.error();
    for (size_t i : routed) {
      outcomes[i] = IsRetryable(e.code) || e.code == ErrorCode::kInternal
                        ? Outcome::Retry("notifications: " + e.message)
                        : Outcome::Fail("notifications: " + e.message);
    }
    return finish();
  }
  for (size_t r = 0; r < routed.size(); ++r) {
    const size_t i = routed[r];
    Result<ports::platform::EventNotificationsResult>& result = (*stored)[r];
    if (!result.has_value()) {
      if (result.error().code == ErrorCode::kConflict) {
        // Another notifier (or an earlier event of this batch that was not stored) moved the
        // log on: this event alone, from fresh reads.
        metrics_.CounterAdd("secplat_notifier_batch_rehandled_total",
                            "Events of a batch handled again alone after a lost compare-and-set",
                            {});
        outcomes[i] = OutcomeOf(HandleEvent(prepared[i].event), prepared[i]);
      } else {
        outcomes[i] = OutcomeOf(Unexpected(result.error()), prepared[i]);
      }
      continue;
    }
    HandleReport& report = reports[r];
    const NotifyEvent& event = prepared[i].event;
    metrics_.CounterAdd("secplat_notifier_events_total", "Events routed by the notifier",
                        {{"event_type", event.event_type},
                         {"routed", report.decision.routed() ? "true" : "false"}});
    for (const TargetDecision& td : report.targets) {
      metrics_.CounterAdd("secplat_notifier_decisions_total",
                          "Dedup decisions per target channel, by reason",
                          {{"channel", td.channel}, {"reason", td.reason}});
    }
    const Timestamp at = clock_.Now();
    for (const ports::platform::CreatedDelivery& created : result->deliveries) {
      if (created.created) ++report.deliveries_created;
      ScheduleCreated(created, at);
    }
    outcomes[i] = OutcomeOf(std::move(report), prepared[i]);
  }
  return finish();
}

size_t Notifier::WorkerOf(const jobqueue::Message& message) const {
  const size_t workers = std::max<size_t>(1, pending_.size());
  if (workers == 1) return 0;
  auto env = json::DecodeEnvelope(message.payload);
  if (!env.has_value()) return 0;
  std::string key = env->asset_key;
  if (core::outbox::NotifierConsumes(env->event_type)) {
    auto payload = adapters::notify::DecodeScalarPayload(env->payload_json);
    if (payload.has_value()) {
      auto event = NotifyEventFromEnvelope(*env, *payload, options_.external_url);
      if (event.has_value()) key = event->problem_key;
    }
  }
  return std::hash<std::string>{}(key) % workers;
}

void Notifier::BatchLoop(std::stop_token stop, size_t worker) {
  const size_t max_batch = static_cast<size_t>(std::max(1, options_.handle_batch));
  while (true) {
    std::vector<PendingMessage> batch;
    {
      std::unique_lock lock(batch_mu_);
      std::deque<PendingMessage>& pending = pending_[worker];
      batch_cv_.wait(lock, stop, [&] { return !pending.empty(); });
      if (pending.empty()) return;  // stop requested and nothing left
      if (pending.size() < max_batch && options_.batch_wait > Duration::zero() &&
          !stop.stop_requested()) {
        // Gather what arrives shortly after the first message.
        batch_cv_.wait_for(lock, stop, options_.batch_wait,
                           [&] { return pending.size() >= max_batch; });
      }
      while (!pending.empty() && batch.size() < max_batch) {
        batch.push_back(std::move(pending.front()));
        pending.pop_front();
      }
    }
    if (batch.empty()) continue;
    std::vector<jobqueue::Message> messages;
    messages.reserve(batch.size());
    for (PendingMessage& p : batch) messages.push_back(std::move(p.message));
    std::vector<Outcome> outcomes = HandleBatch(messages);
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].done(i < outcomes.size() ? std::move(outcomes[i])
                                        : Outcome::Retry("batch answered no outcome"));
    }
  }
}

// ---- Repeats and the sweep ------------------------------------------------------------------

Result<int64_t> Notifier::Repeat(const NotifyLogRecord& record) {
  const Timestamp now = clock_.Now();
  const std::string& channel = record.entry.channel;
  core::notify::RoutingDecision decision = core::notify::Route(record.last_event, routing_);
  auto target = std::find_if(decision.targets.begin(), decision.targets.end(),
                             [&](const auto& t) { return t.channel == channel; });
  NotifyLogRecord next = record;
  if (target == decision.targets.end() || target->repeat_interval <= Duration::zero() ||
      record.entry.last_status != ProblemStatus::kFiring || !record.entry.last_sent_at) {
    // The rules changed (or the problem is over): no more repeats for this entry.
    next.next_repeat_at.reset();
    SECPLAT_ASSIGN_OR_RETURN(auto stored, gateway_.PutNotifyLog(next, record.version));
    (void)stored;
    return 0;
  }
  const Timestamp due = record.next_repeat_at.value_or(now);
  NotifyEvent repeat = RepeatEvent(record.last_event, due);
  core::notify::NotifyDecision d = core::notify::NeedsNotify(record.entry, repeat, *target, now);
  if (!d.send) {
    // Not yet due under the current rule (the interval grew): move the timer.
    next.next_repeat_at = *record.entry.last_sent_at + target->repeat_interval;
    SECPLAT_ASSIGN_OR_RETURN(auto stored, gateway_.PutNotifyLog(next, record.version));
    (void)stored;
    return 0;
  }
  StoredDelivery sd = NewClaimedDelivery(
      repeat, channel, target->rule, std::string(core::notify::NotifyReasonName(d.reason)), now);
  SECPLAT_ASSIGN_OR_RETURN(ports::platform::CreatedDelivery created, gateway_.CreateDelivery(sd));
  // The log keeps the original event (its id still recognises a redelivery of it); only the
  // send time and the next repeat move.
  next.entry.last_sent_at = now;
  next.next_repeat_at = now + target->repeat_interval;
  SECPLAT_ASSIGN_OR_RETURN(auto stored, gateway_.PutNotifyLog(next, record.version));
  (void)stored;
  ports::platform::RoutingRecord rec{
      .event_id = repeat.event_id,
      .event_type = repeat.event_type,
      .asset_key = repeat.asset_key,
      .problem_key = repeat.problem_key,
      .decided_at = now,
      .decision = decision,
      .targets = {TargetDecision{.channel = channel,
                                 .rule = target->rule,
                                 .send = true,
                                 .reason = sd.notify_reason,
                                 .detail = d.detail,
                                 .idempotency_key = sd.record.idempotency_key}}};
  SECPLAT_RETURN_IF_ERROR(gateway_.RecordRouting(rec));
  ScheduleCreated(created, now);
  return created.created ? 1 : 0;
}

Result<SweepReport> Notifier::SweepOnce() {
  SweepReport report;
  const Timestamp now = clock_.Now();
  SECPLAT_ASSIGN_OR_RETURN(std::vector<StoredDelivery> due,
                           gateway_.ListDueDeliveries(now, kListLimit));
  for (const StoredDelivery& d : due) {
    {
      std::lock_guard lock(mu_);
      // Already scheduled or being sent by this process (a send outliving its claim lease is
      // still ours: sending it again in parallel would be a duplicate).
      if (known_.contains(d.record.idempotency_key)) continue;
    }
    ++report.due_deliveries;
    Schedule(d, now);
  }
  SECPLAT_ASSIGN_OR_RETURN(std::vector<NotifyLogRecord> repeats,
                           gateway_.ListRepeatDue(now, kListLimit));
  for (const NotifyLogRecord& r : repeats) {
    auto n = Repeat(r);
    if (!n.has_value()) {
      if (n.error().code != ErrorCode::kConflict) {
        log::Warn("repeat failed: " + n.error().message,
                  {.action = "notify.repeat",
                   .status = "error",
                   .extra = {{"channel", r.entry.channel}, {"problem_key", r.entry.problem_key}}});
      }
      continue;
    }
    report.repeats += *n;
  }
  return report;
}

// ---- Dispatcher and senders -----------------------------------------------------------------

StoredDelivery Notifier::NewClaimedDelivery(const NotifyEvent& event, const std::string& channel,
                                            const std::string& rule, std::string notify_reason,
                                            Timestamp now) const {
  StoredDelivery sd;
  sd.record = core::notify::NewDelivery(event, channel, now);
  // Created already claimed by this notifier ("sending", lease as a claim's): ScheduleCreated
  // hands it to the dispatcher at once, and while the lease is young its send needs no separate
  // claim write (SendBatch). Should this process die first, the record is due again when the
  // lease ends, exactly as after a claim.
  sd.sending_since = now;
  sd.sending_by = options_.consumer;
  sd.record.next_attempt_at = now + options_.claim_lease;
  sd.event = event;
  sd.rule = rule;
  sd.notify_reason = std::move(notify_reason);
  return sd;
}

void Notifier::ScheduleCreated(const ports::platform::CreatedDelivery& created, Timestamp now) {
  const StoredDelivery& d = created.delivery;
  if (core::notify::IsTerminal(d.record.state)) return;
  if (created.created && d.sending_since && d.sending_by == options_.consumer) {
    // Ours, claimed at creation: due now (its next_attempt_at is the lease's end).
    {
      std::lock_guard lock(mu_);
      preclaimed_[d.record.idempotency_key] = d.version;
    }
    Schedule(d, now);
    return;
  }
  Schedule(d, d.record.next_attempt_at.value_or(now));  // another's, or found existing
}

void Notifier::Schedule(const StoredDelivery& d, Timestamp at) {
  {
    std::lock_guard lock(mu_);
    const std::string& key = d.record.idempotency_key;
    if (in_flight_.contains(key)) return;
    if (held_.contains(key)) {
      // An earlier attempt still lingers: its retry waits for the late answer (PollLate).
      auto it = known_.find(key);
      if (it != known_.end() && d.version > it->second.version) it->second = d;
      return;
    }
    auto it = known_.find(key);
    if (it != known_.end()) {
      // Already scheduled: keep the newer record; ScheduleAt drops the older schedule entry.
      if (d.version >= it->second.version) it->second = d;
    } else {
      known_.emplace(key, d);
    }
    ScheduleAt(at, key);
    metrics_.GaugeSet("secplat_notifier_scheduled", "Deliveries waiting in this notifier", {},
                      static_cast<double>(known_.size()));
  }
  cv_.notify_all();
}

void Notifier::ScheduleAt(Timestamp at, const std::string& key) {
  auto [entry, added] = scheduled_.try_emplace(key);
  if (!added) schedule_.erase(entry->second);
  entry->second = schedule_.emplace(at, key);
}

int Notifier::SendSlots(const ChannelState& cs) const {
  const int limit = cs.probing                     ? 1
                    : cs.binding.max_in_flight > 0 ? cs.binding.max_in_flight
                                                   : options_.max_in_flight_per_channel;
  return std::max(1, limit);
}

bool Notifier::Dispatch(const std::string& key, ChannelState& cs, Timestamp now) {
  auto it = known_.find(key);
  if (it == known_.end() || held_.contains(key)) return false;  // held: PollLate reschedules
  const Duration wait =
      limiter_.TryTake(cs.binding.channel->rate_limit_key(), cs.binding.rate_limit, now);
  if (wait > Duration::zero()) {
    // Back-pressure: the delivery waits for its token; nothing is dropped.
    ScheduleAt(now + wait, key);
    metrics_.CounterAdd("secplat_notifier_rate_limited_total",
                        "Sends delayed by a channel's token bucket or a provider's 429",
                        {{"channel", cs.binding.channel->name()}});
    return false;
  }
  ++cs.in_flight;
  in_flight_.insert(key);
  ready_.push_back(it->second);
  return true;
}

void Notifier::DispatchLoop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    const Timestamp now = clock_.Now();
    bool progressed = false;
    // Deliveries that waited for a send slot go first, in the order they became due, as far
    // as their channel has free slots (Finish wakes this loop when a send ends). Each waiting
    // key is looked at once per freed slot, never the whole backlog per finished send.
    for (auto& [name, cs] : channels_) {
      while (!cs.blocked.empty() && cs.in_flight < SendSlots(cs)) {
        const std::string key = std::move(cs.blocked.front());
        cs.blocked.pop_front();
        progressed |= Dispatch(key, cs, now);
      }
    }
    while (!schedule_.empty() && schedule_.begin()->first <= now) {
      const std::string key = schedule_.begin()->second;
      scheduled_.erase(key);
      schedule_.erase(schedule_.begin());
      auto it = known_.find(key);
      if (it == known_.end() || held_.contains(key)) continue;  // held: PollLate reschedules
      const std::string& channel_name = it->second.record.channel;
      auto ch = channels_.find(channel_name);
      if (ch == channels_.end()) {
        // The channel was removed from the config: leave the record to a notifier that has it
        // (the API still lists it as due).
        log::Warn("delivery for an unconfigured channel left alone",
                  {.action = "notify.dispatch",
                   .status = "skipped",
                   .extra = {{"channel", channel_name}, {"idempotency_key", key}}});
        known_.erase(it);
        preclaimed_.erase(key);
        continue;
      }
      ChannelState& cs = ch->second;
      // Behind the channel's waiting deliveries, or waiting itself when every slot is taken.
      if (!cs.blocked.empty() || cs.in_flight >= SendSlots(cs)) {
        cs.blocked.push_back(key);
        continue;
      }
      progressed |= Dispatch(key, cs, now);
    }
    if (progressed) send_cv_.notify_all();
    auto slot_freed = [&] {
      for (const auto& [name, cs] : channels_) {
        if (!cs.blocked.empty() && cs.in_flight < SendSlots(cs)) return true;
      }
      return false;
    };
    if (schedule_.empty()) {
      cv_.wait(lock, stop, [&] { return !schedule_.empty() || slot_freed(); });
    } else {
      const Duration until = schedule_.begin()->first - clock_.Now();
      if (until > Duration::zero()) {
        cv_.wait_for(lock, stop, until, [&, first = schedule_.begin()->first] {
          return (!schedule_.empty() && schedule_.begin()->first < first) || slot_freed();
        });
      }
    }
  }
}

void Notifier::SendLoop(std::stop_token stop) {
  std::unique_ptr<ports::HttpSender> sender = make_sender_ ? make_sender_() : nullptr;
  const size_t max_batch = static_cast<size_t>(std::max(1, options_.send_batch));
  // This thread's requests that timed out and linger (the sender keeps them open): by linger id.
  // On stop the sender is destroyed with them (their connections close); their deliveries are
  // recorded as retrying, so the claim/retry machinery sends them again.
  LingerMap lingering;
  while (true) {
    // A batch holds one channel only: a hanging provider holds its own batch, never another
    // channel's deliveries.
    std::vector<StoredDelivery> batch;
    {
      std::unique_lock lock(mu_);
      auto has_work = [&] { return !ready_.empty(); };
      if (sender && sender->Lingering() > 0) {
        // Lingering requests are driven by this thread alone: wake every few ms for them.
        send_cv_.wait_for(lock, stop, kLatePollInterval, has_work);
      } else {
        send_cv_.wait(lock, stop, has_work);
      }
      if (ready_.empty()) {
        if (stop.stop_requested()) return;  // nothing left to send
        lock.unlock();
        if (sender) PollLate(*sender, lingering);
        continue;
      }
      const std::string channel = ready_.front().record.channel;
      // A share of the channel's sends in flight, so that the sender threads work on one busy
      // channel side by side (one claims while another sends and a third records).
      size_t limit = max_batch;
      auto ch = channels_.find(channel);
      if (ch != channels_.end()) {
        const int in_flight = ch->second.binding.max_in_flight > 0
                                  ? ch->second.binding.max_in_flight
                                  : options_.max_in_flight_per_channel;
        const int threads = std::max(1, options_.sender_threads);
        limit =
            std::min(limit, static_cast<size_t>(std::max(1, (in_flight + threads - 1) / threads)));
      }
      for (auto it = ready_.begin(); it != ready_.end() && batch.size() < limit;) {
        if (it->record.channel != channel) {
          ++it;
          continue;
        }
        batch.push_back(std::move(*it));
        it = ready_.erase(it);
      }
    }
    const std::string channel = batch.front().record.channel;
    std::vector<std::string> keys;
    keys.reserve(batch.size());
    for (const StoredDelivery& d : batch) keys.push_back(d.record.idempotency_key);
    size_t slots_freed = 0;  // given back by SendBatch already (Finish must not again)
    if (sender) {
      slots_freed = SendBatch(std::move(batch), *sender, lingering);
    } else {
      log::Error("no HTTP sender; delivery left for another notifier",
                 {.action = "notify.send", .status = "error", .extra = {{"channel", channel}}});
      std::lock_guard lock(mu_);
      for (const std::string& key : keys) known_.erase(key);
    }
    for (const std::string& key : keys) {
      const bool free_slot = slots_freed == 0;
      if (!free_slot) --slots_freed;
      Finish(key, channel, free_slot);
    }
    if (sender) PollLate(*sender, lingering);
  }
}

std::vector<ports::platform::DeliveryPut> Notifier::Claims(
    std::span<const StoredDelivery> deliveries) const {
  const Timestamp claim_at = clock_.Now();
  std::vector<ports::platform::DeliveryPut> claims;
  claims.reserve(deliveries.size());
  for (const StoredDelivery& d : deliveries) {
    ports::platform::DeliveryPut put{.delivery = d, .expected_version = d.version};
    put.delivery.sending_since = claim_at;
    put.delivery.sending_by = options_.consumer;
    put.delivery.record.next_attempt_at = claim_at + options_.claim_lease;
    claims.push_back(std::move(put));
  }
  return claims;
}

void Notifier::Release(const std::string& key) {
  {
    std::lock_guard lock(mu_);
    auto h = held_.find(key);
    if (h == held_.end()) return;
    const Timestamp at = std::max(h->second, clock_.Now());
    held_.erase(h);
    if (known_.contains(key)) ScheduleAt(at, key);
  }
  cv_.notify_all();
}

void Notifier::PollLate(ports::HttpSender& sender, LingerMap& lingering) {
  std::vector<ports::LateResult> late = sender.PollLate();
  if (late.empty()) return;
  // Accepted late: per channel, the delivery (as known here) and its interpreted answer.
  struct Accepted {
    const ChannelBinding* binding = nullptr;
    std::vector<StoredDelivery> deliveries;
    std::vector<ports::DeliveryResult> results;
  };
  std::map<std::string, Accepted> accepted;
  for (ports::LateResult& l : late) {
    auto it = lingering.find(l.linger_id);
    if (it == lingering.end()) continue;  // its attempt was not recorded as retrying
    const LingeringAttempt attempt = std::move(it->second);
    lingering.erase(it);
    const ChannelBinding* binding = nullptr;
    std::optional<StoredDelivery> known;
    {
      std::lock_guard lock(mu_);
      auto ch = channels_.find(attempt.channel);
      if (ch != channels_.end()) binding = &ch->second.binding;
      auto k = known_.find(attempt.key);
      if (k != known_.end() && held_.contains(attempt.key)) known = k->second;
    }
    if (binding == nullptr || !known) {
      Release(attempt.key);
      continue;
    }
    ports::DeliveryResult r =
        binding->channel->Interpret(l.result, attempt.rendered_at + l.result.latency);
    r.detail = "late answer: " + r.detail;
    log::Info(
        r.detail,
        {.asset_key = known->event.asset_key,
         .action = "notify.late",
         .status = std::string(core::model::ResponseClassName(r.classification.response_class)),
         .extra = {{"channel", attempt.channel}, {"idempotency_key", attempt.key}}});
    metrics_.CounterAdd(
        "secplat_notifier_late_answers_total",
        "Ends of requests kept open after their timeout, by answer class",
        {{"channel", attempt.channel},
         {"class", std::string(core::model::ResponseClassName(r.classification.response_class))}});
    if (r.classification.response_class != core::model::ResponseClass::kOk) {
      // Refused, failed or never answered: the held retry goes ahead as it would have.
      Release(attempt.key);
      continue;
    }
    Accepted& a = accepted[attempt.channel];
    a.binding = binding;
    a.deliveries.push_back(*std::move(known));
    a.results.push_back(std::move(r));
  }
  for (auto& [channel_name, a] : accepted) {
    // The provider accepted the lingering attempt: claim the record (retrying -> sending, as any
    // send does) and record the answer (-> delivered). The retry stays held meanwhile.
    const std::vector<ports::platform::DeliveryPut> claims = Claims(a.deliveries);
    auto claim_results = gateway_.PutDeliveries(claims);
    const bool whole_failed = !claim_results.has_value() || claim_results->size() != claims.size();
    std::vector<StoredDelivery> claimed;
    std::vector<ports::DeliveryResult> results;
    for (size_t i = 0; i < a.deliveries.size(); ++i) {
      const std::string& key = a.deliveries[i].record.idempotency_key;
      if (!whole_failed && (*claim_results)[i].has_value()) {
        claimed.push_back(*std::move((*claim_results)[i]));
        results.push_back(std::move(a.results[i]));
        continue;
      }
      const ErrorCode code = whole_failed ? (claim_results.has_value() ? ErrorCode::kInternal
                                                                       : claim_results.error().code)
                                          : (*claim_results)[i].error().code;
      log::Warn("late answer not recorded (claim failed); the retry goes ahead",
                {.action = "notify.late",
                 .status = "unrecorded",
                 .extra = {{"channel", channel_name}, {"idempotency_key", key}}});
      if (code == ErrorCode::kConflict || code == ErrorCode::kNotFound) {
        // Another notifier moved the record on: the API lists it again if it is still due.
        std::lock_guard lock(mu_);
        held_.erase(key);
        known_.erase(key);
      } else {
        Release(key);
      }
    }
    if (!claimed.empty()) Record(*a.binding, claimed, results, {}, lingering);
    std::lock_guard lock(mu_);
    for (const StoredDelivery& d : claimed) held_.erase(d.record.idempotency_key);
  }
}

void Notifier::Finish(const std::string& key, const std::string& channel, bool free_slot) {
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
    preclaimed_.erase(key);
    auto ch = channels_.find(channel);
    if (ch != channels_.end() && free_slot) {
      --ch->second.in_flight;  // the dispatcher hands the freed slot to a waiting delivery
    }
    metrics_.GaugeSet("secplat_notifier_scheduled", "Deliveries waiting in this notifier", {},
                      static_cast<double>(known_.size()));
  }
  cv_.notify_all();
}

void Notifier::FreeSlots(const std::string& channel, size_t count) {
  {
    std::lock_guard lock(mu_);
    auto ch = channels_.find(channel);
    if (ch != channels_.end()) ch->second.in_flight -= static_cast<int>(count);
  }
  cv_.notify_all();
}

size_t Notifier::SendBatch(std::vector<StoredDelivery> batch, ports::HttpSender& sender,
                           LingerMap& lingering) {
  if (batch.empty()) return 0;
  const std::string channel_name = batch.front().record.channel;
  const ChannelBinding* binding = nullptr;
  {
    std::lock_guard lock(mu_);
    auto ch = channels_.find(channel_name);
    if (ch != channels_.end()) binding = &ch->second.binding;
  }
  auto forget = [&](const std::string& key) {
    std::lock_guard lock(mu_);
    known_.erase(key);
  };
  auto retry_later = [&](const std::string& key, Duration after, const std::string& why) {
    log::Warn("delivery postponed: " + why,
              {.action = "notify.send",
               .status = "postponed",
               .extra = {{"channel", channel_name}, {"idempotency_key", key}}});
    std::lock_guard lock(mu_);
    auto it = known_.find(key);
    if (it != known_.end()) ScheduleAt(clock_.Now() + after, key);
  };
  if (binding == nullptr) {
    for (const StoredDelivery& d : batch) forget(d.record.idempotency_key);
    return 0;
  }
  // 1. Claim every delivery: "sending", written before the provider is called (one API call,
  // compare-and-set per item). A delivery this process created claimed, unchanged since
  // (same version) and with less than half its lease gone, is already claimed.
  std::vector<StoredDelivery> claimed;
  claimed.reserve(batch.size());
  {
    const Timestamp now = clock_.Now();
    std::lock_guard lock(mu_);
    std::vector<StoredDelivery> to_claim;
    to_claim.reserve(batch.size());
    for (StoredDelivery& d : batch) {
      auto p = preclaimed_.find(d.record.idempotency_key);
      // preclaimed_ holds only this process's creations, at the version it created.
      const bool fresh = p != preclaimed_.end() && p->second == d.version && d.sending_since &&
                         now < *d.sending_since + options_.claim_lease / 2;
      if (p != preclaimed_.end()) preclaimed_.erase(p);
      (fresh ? claimed : to_claim).push_back(std::move(d));
    }
    batch = std::move(to_claim);
  }
  if (!batch.empty()) {
    const std::vector<ports::platform::DeliveryPut> claims = Claims(batch);
    auto claim_results = gateway_.PutDeliveries(claims);
    if (!claim_results.has_value() || claim_results->size() != claims.size()) {
      const std::string why = claim_results.has_value() ? "claim: wrong number of outcomes"
                                                        : "claim: " + claim_results.error().message;
      for (const StoredDelivery& d : batch) {
        retry_later(d.record.idempotency_key, std::chrono::seconds(1), why);
      }
      batch.clear();
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string& key = batch[i].record.idempotency_key;
      Result<StoredDelivery>& r = (*claim_results)[i];
      if (r.has_value()) {
        claimed.push_back(*std::move(r));
      } else if (r.error().code == ErrorCode::kConflict || r.error().code == ErrorCode::kNotFound) {
        // Another notifier claimed or finished it; the API lists it again if it is still due.
        forget(key);
      } else {
        retry_later(key, std::chrono::seconds(1), "claim: " + r.error().message);
      }
    }
  }
  if (claimed.empty()) return 0;
  // 2. Send: single-request channels all at once; Jira (several dependent requests per
  // delivery) one after another.
  const ports::NotificationChannel& channel = *binding->channel;
  std::vector<ports::DeliveryResult> results(claimed.size());
  std::vector<Linger> lingers(claimed.size());
  if (channel.kind() == core::model::ChannelKind::kJira) {
    for (size_t i = 0; i < claimed.size(); ++i) {
      ports::DeliveryContext ctx{.idempotency_key = claimed[i].record.idempotency_key,
                                 .attempt = claimed[i].record.attempts + 1,
                                 .now = clock_.Now()};
      results[i] = channel.Deliver(claimed[i].event, ctx, sender);
    }
  } else {
    std::vector<ports::OutboundRequest> requests;
    std::vector<size_t> sent_index;
    std::vector<Timestamp> rendered_at;
    requests.reserve(claimed.size());
    for (size_t i = 0; i < claimed.size(); ++i) {
      ports::DeliveryContext ctx{.idempotency_key = claimed[i].record.idempotency_key,
                                 .attempt = claimed[i].record.attempts + 1,
                                 .now = clock_.Now()};
      auto request = channel.Render(claimed[i].event, ctx);
      if (!request.has_value()) {
        ports::DeliveryResult& r = results[i];
        r.classification = {core::model::ResponseClass::kClientError, false, std::nullopt,
                            "render failed: " + request.error().message};
        r.detail = r.classification.detail;
        continue;
      }
      // One request per delivery: its late answer (after the timeout) can still settle it.
      request->may_linger = options_.late_answers;
      requests.push_back(*std::move(request));
      sent_index.push_back(i);
      rendered_at.push_back(ctx.now);
    }
    if (!requests.empty()) {
      std::vector<ports::SendResult> sent = sender.SendBatch(requests);
      for (size_t j = 0; j < sent_index.size(); ++j) {
        if (j >= sent.size()) {
          ports::DeliveryResult& r = results[sent_index[j]];
          r.classification = {core::model::ResponseClass::kConnection, true, std::nullopt,
                              "sender returned no result"};
          r.detail = r.classification.detail;
          continue;
        }
        results[sent_index[j]] = channel.Interpret(sent[j], rendered_at[j] + sent[j].latency);
        if (sent[j].linger_id != 0) {
          lingers[sent_index[j]] = {
              .id = sent[j].linger_id, .linger = sent[j].linger, .rendered_at = rendered_at[j]};
        }
      }
    }
  }
  // Every request accepted: the provider is done with them, so their send slots go back now
  // and the next deliveries go out while these are recorded. After a failure the slots wait
  // for the recording (Finish), which applies the backoff, Retry-After and probing first.
  const bool all_accepted =
      std::all_of(results.begin(), results.end(),
                  [](const ports::DeliveryResult& r) {
                    return r.classification.response_class == core::model::ResponseClass::kOk;
                  }) &&
      std::all_of(lingers.begin(), lingers.end(), [](const Linger& l) { return l.id == 0; });
  if (all_accepted) FreeSlots(channel_name, claimed.size());
  // 3. Record the attempts (clears the claims) in one API call.
  Record(*binding, claimed, results, lingers, lingering);
  return all_accepted ? claimed.size() : 0;
}

void Notifier::Record(const ChannelBinding& binding, const std::vector<StoredDelivery>& claimed,
                      const std::vector<ports::DeliveryResult>& results,
                      const std::vector<Linger>& lingers, LingerMap& lingering) {
  const ports::NotificationChannel& channel = *binding.channel;
  const std::string& channel_name = channel.name();
  auto forget = [&](const std::string& key) {
    std::lock_guard lock(mu_);
    known_.erase(key);
  };
  // The clock floors to the millisecond, so the answers arrived before Now() + 1 ms. Counting
  // from that bound means a Retry-After or backoff is never honoured up to a millisecond early.
  const Timestamp done_at = clock_.Now() + std::chrono::milliseconds(1);
  std::vector<ports::platform::DeliveryPut> updates;
  updates.reserve(claimed.size());
  std::vector<size_t> update_index;  // claimed index of each update
  std::vector<Timestamp> retry_at;   // per update: when the retry is due (held while lingering)
  for (size_t i = 0; i < claimed.size(); ++i) {
    const ports::DeliveryResult& result = results[i];
    metrics_.ObserveSeconds("secplat_notifier_send_duration_seconds",
                            "Time of one delivery attempt (all provider requests)",
                            {{"channel", channel_name}}, Seconds(result.latency));
    metrics_.CounterAdd(
        "secplat_notifier_attempts_total", "Delivery attempts by channel and answer class",
        {{"channel", channel_name},
         {"class",
          std::string(core::model::ResponseClassName(result.classification.response_class))}});
    auto next = core::notify::RecordAttempt(claimed[i].record, result.status, result.classification,
                                            options_.delivery_retry, Random01(), done_at);
    if (!next.has_value()) {
      forget(claimed[i].record.idempotency_key);
      continue;
    }
    ports::platform::DeliveryPut put{.delivery = claimed[i],
                                     .expected_version = claimed[i].version};
    StoredDelivery& updated = put.delivery;
    updated.record = std::move(*next);
    if (updated.record.last_response) updated.record.last_response->detail = result.detail;
    if (!result.external_ref.empty()) updated.record.external_ref = result.external_ref;
    updated.sending_since.reset();
    updated.sending_by.clear();
    retry_at.push_back(updated.record.next_attempt_at.value_or(done_at));
    if (i < lingers.size() && lingers[i].id != 0 &&
        updated.record.state == DeliveryState::kRetrying) {
      // The attempt lingers: its retry is held until the late answer (or the end of the
      // linger). The stored record says so too, so no sweep (ours after a restart, another
      // notifier's) sends the retry while the first request may still be accepted.
      updated.record.next_attempt_at = std::max(retry_at.back(), done_at + lingers[i].linger);
    }
    updates.push_back(std::move(put));
    update_index.push_back(i);
  }
  if (updates.empty()) return;
  // Up to three tries for what failed retryably (the whole call or single items).
  std::vector<Result<StoredDelivery>> stored(
      updates.size(), Result<StoredDelivery>(Unexpected(ErrorCode::kUnavailable, "not tried")));
  std::vector<size_t> open(updates.size());
  for (size_t u = 0; u < updates.size(); ++u) open[u] = u;
  for (int attempt = 0; attempt < 3 && !open.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
    std::vector<ports::platform::DeliveryPut> retry;
    retry.reserve(open.size());
    for (size_t u : open) retry.push_back(updates[u]);
    auto answer = gateway_.PutDeliveries(retry);
    if (answer.has_value() && answer->size() != retry.size()) {
      answer = Unexpected(ErrorCode::kInternal, "wrong number of outcomes");
    }
    std::vector<size_t> still;
    for (size_t k = 0; k < open.size(); ++k) {
      const size_t u = open[k];
      stored[u] = answer.has_value() ? std::move((*answer)[k])
                                     : Result<StoredDelivery>(Unexpected(answer.error()));
      if (!stored[u].has_value() && IsRetryable(stored[u].error().code)) still.push_back(u);
    }
    open = std::move(still);
  }
  for (size_t u = 0; u < updates.size(); ++u) {
    const ports::DeliveryResult& result = results[update_index[u]];
    const StoredDelivery& updated = updates[u].delivery;
    const std::string& key = updated.record.idempotency_key;
    const std::string state(core::model::DeliveryStateName(updated.record.state));
    log::Info(result.detail, {.asset_key = updated.event.asset_key,
                              .action = "notify.send",
                              .status = state,
                              .extra = {{"channel", channel_name},
                                        {"idempotency_key", key},
                                        {"attempt", std::to_string(updated.record.attempts)}}});
    const Error* not_recorded = stored[u].has_value() ? nullptr : &stored[u].error();
    if (not_recorded != nullptr) {
      // The provider was called but the outcome is not recorded: the claim lease runs out and
      // the delivery is sent again with the same idempotency key (the residual duplicate
      // window).
      log::Error("attempt not recorded: " + not_recorded->message,
                 {.action = "notify.send",
                  .status = "unrecorded",
                  .extra = {{"channel", channel_name}, {"idempotency_key", key}}});
      forget(key);
      continue;
    }
    const StoredDelivery& now_stored = *stored[u];
    metrics_.CounterAdd("secplat_notifier_deliveries_total",
                        "Delivery attempts by resulting delivery state",
                        {{"channel", channel_name}, {"state", state}});
    bool was_failing = false;
    {
      std::lock_guard lock(mu_);
      auto ch = channels_.find(channel_name);
      if (ch != channels_.end()) {
        was_failing = ch->second.failing;
        if (updated.record.state == DeliveryState::kFailedPermanent) ch->second.failing = true;
        if (updated.record.state == DeliveryState::kDelivered) ch->second.failing = false;
        const core::model::ResponseClass rc = result.classification.response_class;
        if (rc == core::model::ResponseClass::kTimeout ||
            rc == core::model::ResponseClass::kConnection ||
            rc == core::model::ResponseClass::kServerError) {
          ch->second.probing = true;
        } else if (updated.record.state == DeliveryState::kDelivered) {
          ch->second.probing = false;
        }
      }
      if (result.classification.retry_after) {
        // A 429 (or a 503 with Retry-After) holds the whole channel, not just this delivery.
        limiter_.HoldUntil(channel.rate_limit_key(), binding.rate_limit,
                           done_at + std::min(*result.classification.retry_after,
                                              options_.delivery_retry.max_retry_after));
      }
      const size_t ci = update_index[u];
      if (updated.record.state == DeliveryState::kRetrying && ci < lingers.size() &&
          lingers[ci].id != 0) {
        known_[key] = now_stored;
        held_[key] = retry_at[u];
        lingering[lingers[ci].id] = {
            .key = key, .channel = channel_name, .rendered_at = lingers[ci].rendered_at};
      } else if (updated.record.state == DeliveryState::kRetrying) {
        known_[key] = now_stored;
        ScheduleAt(now_stored.record.next_attempt_at.value_or(done_at), key);
      } else {
        known_.erase(key);
      }
    }
    switch (updated.record.state) {
      case DeliveryState::kDelivered:
        metrics_.ObserveSeconds("secplat_notifier_delivery_latency_seconds",
                                "From the delivery record's creation to the provider's 2xx",
                                {{"channel", channel_name}},
                                Seconds(done_at - updated.record.created_at));
        if (was_failing) {
          (void)gateway_.SetChannelHealth(
              {.channel = channel_name, .failing = false, .reason = "delivered", .since = done_at});
          metrics_.GaugeSet("secplat_notifier_channel_failing", "1 while a channel is failing",
                            {{"channel", channel_name}}, 0);
        }
        break;
      case DeliveryState::kFailedPermanent: {
        auto s = gateway_.SetChannelHealth(
            {.channel = channel_name, .failing = true, .reason = result.detail, .since = done_at});
        if (!s.has_value()) {
          log::Warn("channel health not recorded: " + s.error().message,
                    {.action = "notify.channel",
                     .status = "error",
                     .extra = {{"channel", channel_name}}});
        }
        metrics_.GaugeSet("secplat_notifier_channel_failing", "1 while a channel is failing",
                          {{"channel", channel_name}}, 1);
        log::Error("channel failing: " + result.detail, {.action = "notify.channel",
                                                         .status = "failing",
                                                         .extra = {{"channel", channel_name}}});
        break;
      }
      case DeliveryState::kDead:
        metrics_.CounterAdd("secplat_notifier_dead_letters_total",
                            "Deliveries given up after max attempts", {{"channel", channel_name}});
        break;
      default:
        break;
    }
  }
}

Status Notifier::ConsumeBatched(jobqueue::ConsumeOptions opts, std::stop_token stop) {
  if (options_.batch_workers < 1 || options_.batch_wait < Duration::zero()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "notifier: batch_workers must be positive and batch_wait not negative");
  }
  if (options_.handle_batch <= 1) {
    return queue_.Consume(
        jobqueue::kNotifyStream, jobqueue::kNotifyGroup,
        [this](const jobqueue::Message& m, const jobqueue::LeaseControl&) { return Handle(m); },
        opts, stop);
  }
  // Micro-batches: the queue hands messages out without blocking; batch workers take up to
  // handle_batch at a time and complete each message once its event's writes are stored.
  // They stop only after ConsumeAsync returned (it waits for every message it handed out).
  std::stop_source batchers;
  std::vector<std::jthread> batch_threads;
  {
    std::lock_guard lock(batch_mu_);
    pending_.assign(static_cast<size_t>(std::max(1, options_.batch_workers)), {});
  }
  for (size_t i = 0; i < pending_.size(); ++i) {
    batch_threads.emplace_back([this, i, t = batchers.get_token()] { BatchLoop(t, i); });
  }
  opts.max_in_flight =
      std::clamp(options_.handle_batch * (std::max(1, options_.batch_workers) + 1), 1, 100000);
  Status s = queue_.ConsumeAsync(
      jobqueue::kNotifyStream, jobqueue::kNotifyGroup,
      [this](const jobqueue::Message& m, std::shared_ptr<const jobqueue::LeaseControl> lease,
             jobqueue::CompletionCallback done) {
        const size_t worker = WorkerOf(m);
        {
          std::lock_guard lock(batch_mu_);
          pending_[worker].push_back({m, std::move(lease), std::move(done)});
        }
        batch_cv_.notify_all();
      },
      opts, stop);
  batchers.request_stop();
  batch_cv_.notify_all();
  batch_threads.clear();  // joins
  return s;
}

// g++ 12 -O2 reports std::stop_source's own constructor (it hands `*this` to its state) as
// "may be used uninitialized" once this function's callees grew; a false positive.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
Status Notifier::Run(std::stop_token stop) {
  for (const core::notify::RoutingRule& rule : routing_.rules) {
    for (const std::string& c : rule.channels) {
      if (!channels_.contains(c)) {
        return Unexpected(ErrorCode::kInvalidArgument,
                          "route '" + rule.name + "' names unknown channel '" + c + "'");
      }
    }
  }
  if (options_.sender_threads < 1 || options_.concurrency < 1 ||
      options_.sweep_interval <= Duration::zero() || options_.claim_lease <= Duration::zero()) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "notifier: sender_threads, concurrency, sweep_interval and claim_lease must "
                      "be positive");
  }
  std::stop_source workers;
  std::vector<std::jthread> threads;
  threads.emplace_back([this, t = workers.get_token()] { DispatchLoop(t); });
  for (int i = 0; i < options_.sender_threads; ++i) {
    threads.emplace_back([this, t = workers.get_token()] { SendLoop(t); });
  }
  threads.emplace_back([this, stop] {
    std::mutex mu;
    std::condition_variable_any cv;
    while (!stop.stop_requested()) {
      auto r = SweepOnce();
      if (!r.has_value()) {
        log::Warn("sweep failed: " + r.error().message,
                  {.action = "notify.sweep", .status = "error"});
      } else if (r->due_deliveries > 0 || r->repeats > 0) {
        log::Info("sweep", {.action = "notify.sweep",
                            .status = "ok",
                            .extra = {{"due", std::to_string(r->due_deliveries)},
                                      {"repeats", std::to_string(r->repeats)}}});
      }
      std::unique_lock lock(mu);
      cv.wait_for(lock, stop, options_.sweep_interval, [] { return false; });
    }
  });
  jobqueue::ConsumeOptions opts;
  opts.consumer = options_.consumer;
  opts.concurrency = options_.concurrency;
  opts.lease = options_.lease;
  opts.retry = options_.queue_retry;
  opts.validate = [](std::string_view payload) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(core::model::Envelope e, json::DecodeEnvelope(payload));
    (void)e;
    return OkStatus();
  };
  opts.on_error = [](const Error& e) {
    log::Warn("queue unavailable; retrying",
              {.action = "queue.consume", .status = "error", .extra = {{"error", e.message}}});
  };
  Status s = ConsumeBatched(opts, stop);
  // Stop dispatching; senders finish what they hold (a claim that is never recorded would only
  // be re-sent after claim_lease).
  workers.request_stop();
  cv_.notify_all();
  send_cv_.notify_all();
  threads.clear();  // joins
  return s;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace secplat::services::notifier
