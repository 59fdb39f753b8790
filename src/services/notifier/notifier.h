// Notifier: the `secplat notifier` role. Consumes secplat.events.notify, decides who hears of
// each event and delivers it durably to Slack, Twilio, Jira and signed webhooks — keeping all
// state in the API (ports/platform/notifications.h), never in the database or in memory only.
//
//   message ─► decode envelope ─► NotifyEvent (+ asset labels/environment from the API)
//     ─► Route (rules, continue) ─► per target channel: NeedsNotify against the notify log
//     ─► send: CreateDelivery (idempotency key; BEFORE any provider call) ─► notify log (CAS)
//     ─► routing record (the "why" view) ─► ack      [the handler never calls a provider]
//   dispatcher: due deliveries ─► per-channel token bucket (waits, never drops) and at most
//     max_in_flight sends per channel ─► sender thread takes a batch of one channel: claim
//     "sending" (CAS per item, one API call) ─► send them all at once (SendBatch) ─► record
//     the attempts in one API call (delivered | retrying at next_attempt_at |
//     failed_permanent ─► channel failing | dead)
//   sweep every sweep_interval: due deliveries from the API (retries, a restarted notifier's
//     unfinished work, sends whose claim lease ran out) and due repeats of open problems.
//
// Exactly once towards the provider as far as the provider allows: the claim is written before
// the provider is called; a notifier that dies mid-send leaves the record "sending", and after
// claim_lease the record is sent again with the same idempotency key: the webhook-id header is
// unchanged (Standard Webhooks receivers dedupe on it) and Jira searches its dedupe label before
// creating, so it comments on the issue instead of opening a second one. Slack and Twilio have
// no idempotency key: a crash after the provider accepted and before the attempt was recorded
// sends that message twice (docs/notifier.md, "Residual duplicates").
//
// Late answers: a timed-out request of a webhook, Slack or Twilio channel is not abandoned (a
// provider that was stalled still reads it and may accept it): the sender keeps it open for its
// linger (CurlSender's `linger`), driven by its sender thread, which polls while any linger. The
// timeout is recorded as an attempt (retrying; the channel probes; the stored next_attempt_at
// is pushed to the linger's end) and the retry is HELD. When the request ends: a 2xx (as the
// channel interprets it) claims the record and records the late answer (delivered, no retry);
// anything else (an error status, a closed connection, the linger ran out) releases the retry
// as it was due. Jira's multi-request deliveries never linger. Stopping abandons what lingers:
// the records are retrying, so the retry machinery (ours after a restart) sends them again.
//
//   Notifier n(queue, api, api, {{slack.get(), limits["slack-ops"]}}, routing,
//              [] { return std::move(CurlSender::Make({})).value(); }, clock, metrics, {});
//   n.Run(stop_token);   // blocks until stop; finishes sends in flight
#ifndef SECPLAT_SERVICES_NOTIFIER_NOTIFIER_H_
#define SECPLAT_SERVICES_NOTIFIER_NOTIFIER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/model/notification.h"
#include "core/notify/delivery.h"
#include "core/notify/rate_limit.h"
#include "core/notify/route.h"
#include "jobqueue/job_queue.h"
#include "ports/metrics.h"
#include "ports/notification_channel.h"
#include "ports/platform/notifications.h"
#include "ports/platform/platform.h"

namespace secplat::services::notifier {

// One configured channel and its rate limit. The channel is not owned; it must outlive the
// Notifier.
struct ChannelBinding {
  const ports::NotificationChannel* channel = nullptr;
  core::notify::RateLimit rate_limit;  // core::notify::DefaultRateLimit(kind) unless overridden
  // Sends of this channel in flight at once (the routes file's `max_in_flight`); 0: the
  // notifier's options.max_in_flight_per_channel. 1 keeps the channel's messages in order.
  int max_in_flight = 0;
};

struct NotifierOptions {
  std::string consumer;  // queue consumer name; empty: jobqueue::DefaultConsumerName()
  int concurrency = 4;   // queue messages handled at once (API calls only, never a provider)
  int sender_threads = 4;
  int max_in_flight_per_channel = 1;  // default of ChannelBinding::max_in_flight
  // Most deliveries of one channel a sender thread takes at once: claimed in one API call, sent
  // concurrently (HttpSender::SendBatch; Jira one after another) and recorded in one API call.
  int send_batch = 256;
  // The queue handler works in micro-batches (Run): up to handle_batch messages, or what
  // arrived within batch_wait of the first, handled by one of batch_workers threads with one
  // notify-log read and one write for the whole batch. 1: one message at a time (Handle,
  // `concurrency` threads).
  int handle_batch = 256;
  Duration batch_wait = std::chrono::milliseconds(2);
  // Batch workers work side by side; messages are spread over them by problem key, so every
  // event of one problem goes to the same worker and is decided in queue order.
  int batch_workers = 2;
  // How long an asset's labels and environment are reused by batches (0: read every time).
  Duration asset_cache_ttl = std::chrono::seconds(5);
  Duration sweep_interval = std::chrono::seconds(5);
  // How long a "sending" claim holds before another notifier (or this one after a restart)
  // sends the delivery again. Must exceed the longest delivery (Jira: 4 requests x timeout).
  Duration claim_lease = std::chrono::minutes(2);
  Duration lease = std::chrono::seconds(30);  // queue lease
  jobqueue::RetryPolicy queue_retry{
      .base = std::chrono::milliseconds(200), .cap = std::chrono::seconds(30), .max_attempts = 10};
  core::notify::RetryPolicy delivery_retry;  // backoff, Retry-After cap, dead after max_attempts
  std::string external_url;                  // SecPlat's URL for links in messages; may be empty
  std::function<double()> random01;          // jitter source in [0, 1); empty: a seeded PRNG
  // Late answers: a timed-out request of a single-request channel (webhook, Slack, Twilio) may
  // be kept open by the sender (OutboundRequest::may_linger; CurlSender's `linger`). The timeout
  // is recorded as usual (the channel probes), the retry is held until the request ends, and a
  // late 2xx records the delivery as delivered. false: every timed-out request is abandoned.
  bool late_answers = true;
};

// Makes the HttpSender of one sender thread (each thread its own: CurlSender serialises the calls
// made on one instance, so a shared one would let a hanging provider stall every channel).
using SenderFactory = std::function<std::unique_ptr<ports::HttpSender>()>;

// What HandleEvent did (for tests and logs).
struct HandleReport {
  core::notify::RoutingDecision decision;
  std::vector<ports::platform::TargetDecision> targets;
  int deliveries_created = 0;  // new delivery records (a redelivered event creates none)
};

// What one sweep did.
struct SweepReport {
  int64_t due_deliveries = 0;  // listed by the API and handed to the dispatcher
  int64_t repeats = 0;         // repeat deliveries created
};

class Notifier {
 public:
  // `gateway` and `assets` are usually the same HttpPlatform. Channels are not owned.
  Notifier(jobqueue::JobQueue& queue, ports::platform::NotificationGateway& gateway,
           ports::platform::AssetSource& assets, std::vector<ChannelBinding> channels,
           core::notify::RoutingConfig routing, SenderFactory make_sender, const Clock& clock,
           ports::Metrics& metrics, NotifierOptions options);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Consumes secplat.events.notify, delivers and sweeps until `stop`; then waits for sends in
  // flight. Errors: kInvalidArgument (options, or a routing rule naming an unknown channel).
  Status Run(std::stop_token stop);

  // Handles one queue message: what the consumer does. Never calls a provider.
  jobqueue::Outcome Handle(const jobqueue::Message& message);

  // Handles messages as one batch (what Run's batch workers do): asset data from a short
  // cache, ONE notify-log read for every (channel, problem_key) of the batch, decisions in
  // message order (events of one problem key fold over the entry in memory), ONE write of every
  // event's deliveries, log entries and routing record (each event all or nothing). An event
  // whose compare-and-set lost is handled again on its own (HandleEvent). One outcome per
  // message, in order; a message is Done only once its event's writes are stored. Never calls
  // a provider.
  std::vector<jobqueue::Outcome> HandleBatch(std::span<const jobqueue::Message> messages);

  // Routes one event, applies dedup per target and creates the deliveries (handed to the
  // dispatcher when it runs). Errors: kUnavailable (API), kConflict (the notify log kept moving).
  Result<HandleReport> HandleEvent(const core::model::NotifyEvent& event);

  // One sweep: due deliveries and due repeats. Errors: kUnavailable when a list fails.
  Result<SweepReport> SweepOnce();

 private:
  struct ChannelState {
    ChannelBinding binding;
    int in_flight = 0;
    std::deque<std::string> blocked;  // due, waiting for a free send slot on this channel
    bool failing = false;
    // The last attempt timed out, could not connect or got a 5xx: one send at a time until a
    // delivery succeeds, so a hanging provider holds one request, not max_in_flight of them.
    bool probing = false;
  };

  // A decoded message: the event to route, or the outcome already decided.
  struct Prepared {
    std::optional<jobqueue::Outcome> outcome;
    core::model::NotifyEvent event;
    std::string request_id;
  };
  Prepared Prepare(const jobqueue::Message& message, bool cached_assets);
  // The asset's labels and environment (kNotFound when absent), through the cache.
  struct AssetInfo {
    std::map<std::string, std::string> labels;
    std::string environment;
    bool found = false;
    Timestamp fetched_at{};
  };
  Result<AssetInfo> LookupAsset(const std::string& asset_key);
  jobqueue::Outcome OutcomeOf(const Result<HandleReport>& r, const Prepared& p);
  struct PendingMessage {
    jobqueue::Message message;
    std::shared_ptr<const jobqueue::LeaseControl> lease;
    jobqueue::CompletionCallback done;
  };
  // Run's consumer in micro-batches (ConsumeAsync and the batch workers).
  Status ConsumeBatched(jobqueue::ConsumeOptions opts, std::stop_token stop);
  void BatchLoop(std::stop_token stop, size_t worker);
  // The batch worker of a message: by its event's problem key (0 when it does not decode).
  size_t WorkerOf(const jobqueue::Message& message) const;

  void Schedule(const ports::platform::StoredDelivery& d, Timestamp at);
  // Puts `key` in the schedule at `at`, replacing its earlier entry if it has one. mu_ held.
  void ScheduleAt(Timestamp at, const std::string& key);
  // A new delivery of `event` to `channel`, claimed by this notifier as it is created.
  ports::platform::StoredDelivery NewClaimedDelivery(const core::model::NotifyEvent& event,
                                                     const std::string& channel,
                                                     const std::string& rule,
                                                     std::string notify_reason,
                                                     Timestamp now) const;
  // Hands a delivery CreateDelivery answered to the dispatcher: one this process just created
  // claimed is due now (and needs no claim write while young); one that already existed is
  // due at its next_attempt_at; a terminal one is left alone.
  void ScheduleCreated(const ports::platform::CreatedDelivery& created, Timestamp now);
  void DispatchLoop(std::stop_token stop);
  // How many sends `cs` may have in flight now (one while probing a failing provider).
  int SendSlots(const ChannelState& cs) const;
  // Hands `key` to the senders when it is still known, not held and its token bucket allows;
  // otherwise leaves it (rate-limited: rescheduled at its token). Under mu_.
  bool Dispatch(const std::string& key, ChannelState& cs, Timestamp now);
  // A timed-out attempt whose request still lingers in a sender (late answers).
  struct Linger {
    uint64_t id = 0;  // SendResult::linger_id; 0: not lingering
    Duration linger{};
    Timestamp rendered_at{};
  };
  struct LingeringAttempt {
    std::string key;  // idempotency key
    std::string channel;
    Timestamp rendered_at{};
  };
  using LingerMap = std::map<uint64_t, LingeringAttempt>;  // one sender thread's, by linger id
  void SendLoop(std::stop_token stop);
  // Claims, sends and records one channel's batch. Returns how many of the batch's send slots
  // it already gave back: when the provider accepted every request, the slots go back once all
  // the answers are in, before the results are recorded (the provider is done with them);
  // after any failure they go back in Finish, after the recording has applied the backoff, the
  // Retry-After and the channel's probing.
  size_t SendBatch(std::vector<ports::platform::StoredDelivery> batch, ports::HttpSender& sender,
                   LingerMap& lingering);
  // Records the attempts of `claimed` (results and lingers by index; lingers may be empty) in one
  // API call and updates the schedule and the channel's health; a lingering timed-out attempt's
  // retry is held (held_, `lingering`).
  void Record(const ChannelBinding& binding,
              const std::vector<ports::platform::StoredDelivery>& claimed,
              const std::vector<ports::DeliveryResult>& results, const std::vector<Linger>& lingers,
              LingerMap& lingering);
  // Takes the sender's ended lingering requests: a 2xx (as the channel interprets it) claims
  // and records the delivery as delivered; anything else releases the held retry.
  void PollLate(ports::HttpSender& sender, LingerMap& lingering);
  void Release(const std::string& key);  // a held retry goes ahead (due as computed, or now)
  // The "sending" claims of `deliveries` (compare-and-set on each version), as of now.
  std::vector<ports::platform::DeliveryPut> Claims(
      std::span<const ports::platform::StoredDelivery> deliveries) const;
  // The end of one delivery's send; `free_slot`: its channel slot was not given back yet.
  void Finish(const std::string& key, const std::string& channel, bool free_slot = true);
  // Gives `count` of the channel's send slots back (the dispatcher hands them on).
  void FreeSlots(const std::string& channel, size_t count);
  Result<int64_t> Repeat(const ports::platform::NotifyLogRecord& record);
  double Random01();

  jobqueue::JobQueue& queue_;
  ports::platform::NotificationGateway& gateway_;
  ports::platform::AssetSource& assets_;
  core::notify::RoutingConfig routing_;
  SenderFactory make_sender_;
  const Clock& clock_;
  ports::Metrics& metrics_;
  NotifierOptions options_;

  std::mutex mu_;
  std::condition_variable_any cv_;                // dispatcher: schedule changed
  std::condition_variable_any send_cv_;           // senders: ready_ changed
  std::map<std::string, ChannelState> channels_;  // by name
  // Due time -> idempotency key, at most one entry per key (ScheduleAt), found by key through
  // scheduled_ so that rescheduling a known delivery is O(log n), not a walk of the schedule.
  std::multimap<Timestamp, std::string> schedule_;
  std::unordered_map<std::string, std::multimap<Timestamp, std::string>::iterator> scheduled_;
  std::map<std::string, ports::platform::StoredDelivery> known_;  // scheduled or in flight
  std::set<std::string> in_flight_;
  // Retries held while an earlier attempt of the delivery lingers: key -> when the retry is due.
  std::map<std::string, Timestamp> held_;
  // Deliveries this process created already claimed: key -> the version it created.
  std::map<std::string, int64_t> preclaimed_;
  std::deque<ports::platform::StoredDelivery> ready_;
  core::notify::RateLimiter limiter_;
  std::mt19937_64 rng_;  // jitter when options.random01 is empty (guarded by mu_)

  std::mutex batch_mu_;
  std::condition_variable_any batch_cv_;
  // Per batch worker: handed out by the queue, not yet in a batch (guarded by batch_mu_).
  std::vector<std::deque<PendingMessage>> pending_;
  std::mutex asset_mu_;
  std::map<std::string, AssetInfo> asset_cache_;
};

}  // namespace secplat::services::notifier

#endif  // SECPLAT_SERVICES_NOTIFIER_NOTIFIER_H_
