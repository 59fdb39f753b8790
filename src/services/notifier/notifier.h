// Notifier: the `secplat notifier` role. Consumes secplat.events.notify, decides who hears of
// each event and delivers it durably to Slack, Twilio, Jira and signed webhooks — keeping all
// state in the API (ports/platform/notifications.h), never in the database or in memory only.
//
//   message ─► decode envelope ─► NotifyEvent (+ asset labels/environment from the API)
//     ─► Route (rules, continue) ─► per target channel: NeedsNotify against the notify log
//     ─► send: CreateDelivery (idempotency key; BEFORE any provider call) ─► notify log (CAS)
//     ─► routing record (the "why" view) ─► ack      [the handler never calls a provider]
//   dispatcher: due deliveries ─► per-channel token bucket (waits, never drops) and one send in
//     flight per channel ─► sender thread: claim "sending" (CAS) ─► channel.Deliver ─► record
//     the attempt (delivered | retrying at next_attempt_at | failed_permanent ─► channel
//     failing | dead)
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
#include <random>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
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
};

struct NotifierOptions {
  std::string consumer;  // queue consumer name; empty: jobqueue::DefaultConsumerName()
  int concurrency = 4;   // queue messages handled at once (API calls only, never a provider)
  int sender_threads = 4;
  int max_in_flight_per_channel = 1;  // sends at once per channel (1 keeps per-channel order)
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
  };

  void Schedule(const ports::platform::StoredDelivery& d, Timestamp at);
  void DispatchLoop(std::stop_token stop);
  void SendLoop(std::stop_token stop);
  void SendOne(ports::platform::StoredDelivery d, ports::HttpSender& sender);
  void Finish(const std::string& key, const std::string& channel);
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
  std::condition_variable_any cv_;                                // dispatcher: schedule changed
  std::condition_variable_any send_cv_;                           // senders: ready_ changed
  std::map<std::string, ChannelState> channels_;                  // by name
  std::multimap<Timestamp, std::string> schedule_;                // due time -> idempotency key
  std::map<std::string, ports::platform::StoredDelivery> known_;  // scheduled or in flight
  std::set<std::string> in_flight_;
  std::deque<ports::platform::StoredDelivery> ready_;
  core::notify::RateLimiter limiter_;
  std::mt19937_64 rng_;  // jitter when options.random01 is empty (guarded by mu_)
};

}  // namespace secplat::services::notifier

#endif  // SECPLAT_SERVICES_NOTIFIER_NOTIFIER_H_
