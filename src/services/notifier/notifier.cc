#include "services/notifier/notifier.h"

#include <algorithm>
#include <utility>

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
  std::vector<StoredDelivery> to_schedule;
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
        StoredDelivery sd;
        sd.record = core::notify::NewDelivery(event, target.channel, now);
        sd.event = event;
        sd.rule = target.rule;
        sd.notify_reason = td.reason;
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
        if (!core::notify::IsTerminal(created.delivery.record.state)) {
          to_schedule.push_back(std::move(created.delivery));
        }
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
  for (const StoredDelivery& d : to_schedule) {
    Schedule(d, d.record.next_attempt_at.value_or(now));
  }
  return report;
}

Outcome Notifier::Handle(const jobqueue::Message& message) {
  auto env = json::DecodeEnvelope(message.payload);
  if (!env.has_value()) return Outcome::Fail("malformed envelope: " + env.error().message);
  if (!core::outbox::NotifierConsumes(env->event_type)) {
    log::Info(
        "event type not notified; skipped",
        {.request_id = env->request_id,
         .asset_key = env->asset_key,
         .action = "notify.event",
         .status = "skipped",
         .extra = {{"event_type", std::string(core::model::EventTypeName(env->event_type))}}});
    return Outcome::Done();
  }
  auto payload = adapters::notify::DecodeScalarPayload(env->payload_json);
  if (!payload.has_value()) return Outcome::Fail(payload.error().message);
  auto event = NotifyEventFromEnvelope(*env, *payload, options_.external_url);
  if (!event.has_value()) return Outcome::Fail(event.error().message);
  if (!event->asset_key.empty()) {
    auto asset = assets_.GetAsset(event->asset_key);
    if (asset.has_value()) {
      event->labels = asset->labels;
      event->environment = asset->environment;
    } else if (asset.error().code != ErrorCode::kNotFound) {
      return Outcome::Retry("asset lookup: " + asset.error().message);
    }
    // A deleted asset still gets its notifications (its resolution above all), routed without
    // labels.
  }
  auto r = HandleEvent(*event);
  if (!r.has_value()) {
    if (r.error().code == ErrorCode::kConflict) {
      return Outcome::Retry(r.error().message, std::chrono::milliseconds(50));
    }
    return IsRetryable(r.error().code) ? Outcome::Retry(r.error().message)
                                       : Outcome::Fail(r.error().message);
  }
  log::Info(r->decision.reason, {.request_id = env->request_id,
                                 .asset_key = event->asset_key,
                                 .action = "notify.route",
                                 .status = r->decision.routed() ? "routed" : "unrouted",
                                 .extra = {{"event_id", event->event_id},
                                           {"problem_key", event->problem_key},
                                           {"deliveries", std::to_string(r->deliveries_created)}}});
  return Outcome::Done();
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
  StoredDelivery sd;
  sd.record = core::notify::NewDelivery(repeat, channel, now);
  sd.event = repeat;
  sd.rule = target->rule;
  sd.notify_reason = std::string(core::notify::NotifyReasonName(d.reason));
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
  if (!core::notify::IsTerminal(created.delivery.record.state)) {
    Schedule(created.delivery, created.delivery.record.next_attempt_at.value_or(now));
  }
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

void Notifier::Schedule(const StoredDelivery& d, Timestamp at) {
  {
    std::lock_guard lock(mu_);
    const std::string& key = d.record.idempotency_key;
    if (in_flight_.contains(key)) return;
    auto it = known_.find(key);
    if (it != known_.end()) {
      // Already scheduled: keep the newer record, drop the older schedule entry.
      for (auto s = schedule_.begin(); s != schedule_.end(); ++s) {
        if (s->second == key) {
          schedule_.erase(s);
          break;
        }
      }
      if (d.version >= it->second.version) it->second = d;
    } else {
      known_.emplace(key, d);
    }
    schedule_.emplace(at, key);
    metrics_.GaugeSet("secplat_notifier_scheduled", "Deliveries waiting in this notifier", {},
                      static_cast<double>(known_.size()));
  }
  cv_.notify_all();
}

void Notifier::DispatchLoop(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    const Timestamp now = clock_.Now();
    bool progressed = false;
    while (!schedule_.empty() && schedule_.begin()->first <= now) {
      const std::string key = schedule_.begin()->second;
      schedule_.erase(schedule_.begin());
      auto it = known_.find(key);
      if (it == known_.end()) continue;
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
        continue;
      }
      ChannelState& cs = ch->second;
      if (cs.in_flight >= std::max(1, options_.max_in_flight_per_channel)) {
        cs.blocked.push_back(key);
        continue;
      }
      const Duration wait =
          limiter_.TryTake(cs.binding.channel->rate_limit_key(), cs.binding.rate_limit, now);
      if (wait > Duration::zero()) {
        // Back-pressure: the delivery waits for its token; nothing is dropped.
        schedule_.emplace(now + wait, key);
        metrics_.CounterAdd("secplat_notifier_rate_limited_total",
                            "Sends delayed by a channel's token bucket or a provider's 429",
                            {{"channel", channel_name}});
        continue;
      }
      ++cs.in_flight;
      in_flight_.insert(key);
      ready_.push_back(it->second);
      progressed = true;
    }
    if (progressed) send_cv_.notify_all();
    if (schedule_.empty()) {
      cv_.wait(lock, stop, [&] { return !schedule_.empty(); });
    } else {
      const Duration until = schedule_.begin()->first - clock_.Now();
      if (until > Duration::zero()) {
        cv_.wait_for(lock, stop, until, [&, first = schedule_.begin()->first] {
          return !schedule_.empty() && schedule_.begin()->first < first;
        });
      }
    }
  }
}

void Notifier::SendLoop(std::stop_token stop) {
  std::unique_ptr<ports::HttpSender> sender = make_sender_ ? make_sender_() : nullptr;
  while (true) {
    StoredDelivery d;
    {
      std::unique_lock lock(mu_);
      send_cv_.wait(lock, stop, [&] { return !ready_.empty(); });
      if (ready_.empty()) return;  // stop requested and nothing left to send
      d = std::move(ready_.front());
      ready_.pop_front();
    }
    const std::string key = d.record.idempotency_key;
    const std::string channel = d.record.channel;
    if (sender) {
      SendOne(std::move(d), *sender);
    } else {
      log::Error("no HTTP sender; delivery left for another notifier",
                 {.action = "notify.send", .status = "error", .extra = {{"channel", channel}}});
      std::lock_guard lock(mu_);
      known_.erase(key);
    }
    Finish(key, channel);
  }
}

void Notifier::Finish(const std::string& key, const std::string& channel) {
  {
    std::lock_guard lock(mu_);
    in_flight_.erase(key);
    auto ch = channels_.find(channel);
    if (ch != channels_.end()) {
      ChannelState& cs = ch->second;
      --cs.in_flight;
      const Timestamp now = clock_.Now();
      while (!cs.blocked.empty()) {
        schedule_.emplace(now, cs.blocked.front());
        cs.blocked.pop_front();
      }
    }
    metrics_.GaugeSet("secplat_notifier_scheduled", "Deliveries waiting in this notifier", {},
                      static_cast<double>(known_.size()));
  }
  cv_.notify_all();
}

void Notifier::SendOne(StoredDelivery d, ports::HttpSender& sender) {
  const std::string key = d.record.idempotency_key;
  const std::string channel_name = d.record.channel;
  const ChannelBinding* binding = nullptr;
  {
    std::lock_guard lock(mu_);
    auto ch = channels_.find(channel_name);
    if (ch != channels_.end()) binding = &ch->second.binding;
  }
  auto forget = [&] {
    std::lock_guard lock(mu_);
    known_.erase(key);
  };
  auto retry_later = [&](Duration after, const std::string& why) {
    log::Warn("delivery postponed: " + why,
              {.action = "notify.send",
               .status = "postponed",
               .extra = {{"channel", channel_name}, {"idempotency_key", key}}});
    std::lock_guard lock(mu_);
    auto it = known_.find(key);
    if (it != known_.end()) schedule_.emplace(clock_.Now() + after, key);
  };
  if (binding == nullptr) {
    forget();
    return;
  }
  // 1. Claim: "sending", written before the provider is called.
  const Timestamp claim_at = clock_.Now();
  StoredDelivery claim = d;
  claim.sending_since = claim_at;
  claim.sending_by = options_.consumer;
  claim.record.next_attempt_at = claim_at + options_.claim_lease;
  auto claimed = gateway_.PutDelivery(claim, d.version);
  if (!claimed.has_value()) {
    if (claimed.error().code == ErrorCode::kConflict ||
        claimed.error().code == ErrorCode::kNotFound) {
      // Another notifier claimed or finished it; the API lists it again if it is still due.
      forget();
      return;
    }
    retry_later(std::chrono::seconds(1), "claim: " + claimed.error().message);
    return;
  }
  // 2. Send.
  const ports::NotificationChannel& channel = *binding->channel;
  ports::DeliveryContext ctx{
      .idempotency_key = key, .attempt = claimed->record.attempts + 1, .now = clock_.Now()};
  ports::DeliveryResult result = channel.Deliver(claimed->event, ctx, sender);
  const Timestamp done_at = clock_.Now();
  metrics_.ObserveSeconds("secplat_notifier_send_duration_seconds",
                          "Time of one delivery attempt (all provider requests)",
                          {{"channel", channel_name}}, Seconds(result.latency));
  metrics_.CounterAdd(
      "secplat_notifier_attempts_total", "Delivery attempts by channel and answer class",
      {{"channel", channel_name},
       {"class",
        std::string(core::model::ResponseClassName(result.classification.response_class))}});
  // 3. Record the attempt (clears the claim).
  auto next = core::notify::RecordAttempt(claimed->record, result.status, result.classification,
                                          options_.delivery_retry, Random01(), done_at);
  if (!next.has_value()) {
    forget();
    return;
  }
  StoredDelivery updated = *claimed;
  updated.record = std::move(*next);
  updated.record.last_response->detail = result.detail;
  if (!result.external_ref.empty()) updated.record.external_ref = result.external_ref;
  updated.sending_since.reset();
  updated.sending_by.clear();
  Result<StoredDelivery> stored = Unexpected(ErrorCode::kUnavailable, "not tried");
  for (int i = 0; i < 3; ++i) {
    stored = gateway_.PutDelivery(updated, claimed->version);
    if (stored.has_value() || !IsRetryable(stored.error().code)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * (i + 1)));
  }
  const std::string state(core::model::DeliveryStateName(updated.record.state));
  log::Info(result.detail, {.asset_key = claimed->event.asset_key,
                            .action = "notify.send",
                            .status = state,
                            .extra = {{"channel", channel_name},
                                      {"idempotency_key", key},
                                      {"attempt", std::to_string(updated.record.attempts)}}});
  if (!stored.has_value()) {
    // The provider was called but the outcome is not recorded: the claim lease runs out and the
    // delivery is sent again with the same idempotency key (the residual duplicate window).
    log::Error("attempt not recorded: " + stored.error().message,
               {.action = "notify.send",
                .status = "unrecorded",
                .extra = {{"channel", channel_name}, {"idempotency_key", key}}});
    forget();
    return;
  }
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
    }
    if (result.classification.retry_after) {
      // A 429 (or a 503 with Retry-After) holds the whole channel, not just this delivery.
      limiter_.HoldUntil(channel.rate_limit_key(), binding->rate_limit,
                         done_at + std::min(*result.classification.retry_after,
                                            options_.delivery_retry.max_retry_after));
    }
    if (updated.record.state == DeliveryState::kRetrying) {
      known_[key] = *stored;
      schedule_.emplace(stored->record.next_attempt_at.value_or(done_at), key);
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
        log::Warn(
            "channel health not recorded: " + s.error().message,
            {.action = "notify.channel", .status = "error", .extra = {{"channel", channel_name}}});
      }
      metrics_.GaugeSet("secplat_notifier_channel_failing", "1 while a channel is failing",
                        {{"channel", channel_name}}, 1);
      log::Error(
          "channel failing: " + result.detail,
          {.action = "notify.channel", .status = "failing", .extra = {{"channel", channel_name}}});
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
  Status s = queue_.Consume(
      jobqueue::kNotifyStream, jobqueue::kNotifyGroup,
      [this](const jobqueue::Message& m, const jobqueue::LeaseControl&) { return Handle(m); }, opts,
      stop);
  // Stop dispatching; senders finish what they hold (a claim that is never recorded would only
  // be re-sent after claim_lease).
  workers.request_stop();
  cv_.notify_all();
  send_cv_.notify_all();
  threads.clear();  // joins
  return s;
}

}  // namespace secplat::services::notifier
