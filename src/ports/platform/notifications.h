// ports/platform/notifications.h: what the notifier needs from the API. The notifier keeps no
// state of its own; the notification log (what was last sent per (channel, problem)), the
// delivery records (one per (event, channel)), each event's routing decision and the channels'
// health live in the API (tables notify_log, deliveries, notify_routing, notify_channels; see
// docs/notifier.md). Writes are compare-and-set on a version or idempotent upserts, so two
// notifiers, a redelivered queue message or a restart never double-count.
//
//   NotificationGateway& api = platform;
//   auto created = api.CreateDelivery(StoredDelivery{.record = NewDelivery(e, "slack-ops", now),
//                                                    .event = e});
//   // created->created == false: this (event, channel) already had a record; nothing new
//   auto claimed = api.PutDelivery(sending, created->delivery.version);   // kConflict: lost
//
// Errors follow core/common/error.h as in platform.h: kUnavailable / kDeadlineExceeded when the
// API cannot be reached (retry later), kConflict for a lost compare-and-set, kNotFound,
// kInvalidArgument as the API answered them.
#ifndef SECPLAT_PORTS_PLATFORM_NOTIFICATIONS_H_
#define SECPLAT_PORTS_PLATFORM_NOTIFICATIONS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/notification.h"
#include "core/notify/dedup.h"
#include "core/notify/route.h"

namespace secplat::ports::platform {

// The notification log entry of one (channel, problem key) as stored, with what the repeat
// timer needs: the last event sent (re-offered when the repeat is due) and when that is.
struct NotifyLogRecord {
  core::notify::NotifyLogEntry entry;   // entry.channel + entry.problem_key: the key
  core::model::NotifyEvent last_event;  // the event last folded in (its snapshot)
  // When the problem must be re-notified if nothing changes: last_sent_at + the rule's
  // repeat_interval while the problem is firing; unset when resolved or repeat is off.
  std::optional<Timestamp> next_repeat_at;
  int64_t version = 0;  // bumped on every write; 0 in a record never stored
  Timestamp updated_at{};
};

// One delivery as stored: the pure record (core/model/notification.h), the event it renders
// (so a retry or a restarted notifier can send it without the queue message) and the claim.
//
// "sending" is the claim: `sending_since` is set (and next_attempt_at pushed out by the claim
// lease) in a write that happens BEFORE the provider is called, and cleared by the write that
// records the attempt. A record still sending after its lease is a notifier that died mid-send:
// ListDueDeliveries returns it again and it is re-sent with the same idempotency key.
struct StoredDelivery {
  core::model::DeliveryRecord record;
  core::model::NotifyEvent event;
  std::string rule;           // the routing rule that chose the channel
  std::string notify_reason;  // core::notify::NotifyReasonName of the decision ("new_problem")
  std::optional<Timestamp> sending_since;
  std::string sending_by;  // consumer name of the claimant (for the "why" view)
  int64_t version = 0;     // bumped on every write; 0 in a record never stored
};

// The answer of CreateDelivery.
struct CreatedDelivery {
  StoredDelivery delivery;  // the stored record (the existing one when created == false)
  bool created = false;
};

// What the notifier decided for one channel of one event (the "why" view).
struct TargetDecision {
  std::string channel;
  std::string rule;
  bool send = false;
  std::string reason;           // core::notify::NotifyReasonName ("skip_unchanged", ...)
  std::string detail;           // "unchanged; next repeat at 2025-…Z"
  std::string idempotency_key;  // of the delivery, when send
};

// One event's routing: every rule's verdict and, per target channel, the dedup decision.
struct RoutingRecord {
  std::string event_id;
  std::string event_type;
  std::string asset_key;
  std::string problem_key;
  Timestamp decided_at{};
  core::notify::RoutingDecision decision;
  std::vector<TargetDecision> targets;
};

// A channel's health as admins see it. `failing` is set by a permanent failure (auth or client
// error: a revoked Slack webhook, a wrong Jira project) and cleared by the next delivery.
struct ChannelHealth {
  std::string channel;
  bool failing = false;
  std::string reason;  // secret-free: "404 client error; slack said: no_service"
  Timestamp since{};
};

// One compare-and-set write of PutDeliveries: as PutDelivery(delivery, expected_version).
struct DeliveryPut {
  StoredDelivery delivery;
  int64_t expected_version = 0;
};

// The most items one batch route of the notifier carries (PUT /api/v1/deliveries/batch, POST
// /api/v1/notify-log/batch-get, POST /api/v1/notifications/batch); clients split larger calls.
inline constexpr size_t kMaxNotifyBatchItems = 1000;

// The key of a notification-log entry.
struct NotifyLogKey {
  std::string channel;
  std::string problem_key;
};

// One compare-and-set write of a notification-log entry (as PutNotifyLog).
struct NotifyLogPut {
  NotifyLogRecord record;
  int64_t expected_version = 0;
};

// What handling one event writes, all or nothing: its deliveries (created unless their
// idempotency key exists, as CreateDelivery), its notification-log entries (compare-and-set, as
// PutNotifyLog) and its routing record (as RecordRouting).
struct EventNotifications {
  std::vector<StoredDelivery> deliveries;
  std::vector<NotifyLogPut> logs;
  RoutingRecord routing;
};

// What was stored for one EventNotifications: per delivery (in order) the stored record and
// whether it is new; per log entry (in order) the record with its new version.
struct EventNotificationsResult {
  std::vector<CreatedDelivery> deliveries;
  std::vector<NotifyLogRecord> logs;
};

class NotificationGateway {
 public:
  virtual ~NotificationGateway() = default;

  // The log entry of (channel, problem_key); nullopt when none. Errors: kUnavailable.
  virtual Result<std::optional<NotifyLogRecord>> GetNotifyLog(std::string_view channel,
                                                              std::string_view problem_key) = 0;
  // Stores `record` if the stored version still equals `expected_version` (0: none stored) and
  // returns it with the new version. Errors: kConflict (another notifier wrote first: re-read
  // and decide again), kInvalidArgument (empty channel or problem key), kUnavailable.
  virtual Result<NotifyLogRecord> PutNotifyLog(const NotifyLogRecord& record,
                                               int64_t expected_version) = 0;
  // Log entries still firing whose next_repeat_at <= `now`, ascending by (next_repeat_at,
  // channel, problem_key), at most `limit` (1..1000). Errors: kUnavailable.
  virtual Result<std::vector<NotifyLogRecord>> ListRepeatDue(Timestamp now, int limit) = 0;

  // Inserts the delivery unless one with the same record.idempotency_key exists, which is then
  // returned unchanged (created = false): idempotent, so a redelivered message creates nothing.
  // Errors: kInvalidArgument (empty key, event id or channel), kUnavailable.
  virtual Result<CreatedDelivery> CreateDelivery(const StoredDelivery& delivery) = 0;
  // Replaces the delivery if its stored version still equals `expected_version`; returns it
  // with the new version. A terminal record (delivered, failed_permanent, dead) is never
  // replaced. Errors: kConflict (version moved on, or terminal), kNotFound, kUnavailable.
  virtual Result<StoredDelivery> PutDelivery(const StoredDelivery& delivery,
                                             int64_t expected_version) = 0;
  // PutDelivery for many deliveries in one call (the API stores them in one transaction, each
  // item compare-and-set on its own): one outcome per item in order, each the stored record or
  // that item's error (kConflict, kNotFound, kInvalidArgument). Errors of the whole call:
  // kUnavailable, kInvalidArgument (malformed request). The default calls PutDelivery per item.
  virtual Result<std::vector<Result<StoredDelivery>>> PutDeliveries(
      std::span<const DeliveryPut> items) {
    std::vector<Result<StoredDelivery>> out;
    out.reserve(items.size());
    for (const DeliveryPut& item : items)
      out.push_back(PutDelivery(item.delivery, item.expected_version));
    return out;
  }
  // GetNotifyLog for many keys in one call: one entry per key in order (nullopt when none).
  // Errors: kUnavailable, kInvalidArgument. The default calls GetNotifyLog per key.
  virtual Result<std::vector<std::optional<NotifyLogRecord>>> GetNotifyLogs(
      std::span<const NotifyLogKey> keys) {
    std::vector<std::optional<NotifyLogRecord>> out;
    out.reserve(keys.size());
    for (const NotifyLogKey& k : keys) {
      auto r = GetNotifyLog(k.channel, k.problem_key);
      if (!r.has_value()) return Unexpected(r.error());
      out.push_back(*std::move(r));
    }
    return out;
  }
  // Stores many events' writes in one call (the API: one transaction, each event all or
  // nothing). One outcome per event in order: what was stored, or the event's error
  // (kConflict: a log compare-and-set lost and nothing of the event was stored; decide it
  // again; kInvalidArgument). Errors of the whole call: kUnavailable, kInvalidArgument
  // (malformed request). The default writes each event with CreateDelivery, PutNotifyLog and
  // RecordRouting (then a lost compare-and-set may leave the event's new deliveries stored,
  // which is harmless: creating them again is idempotent).
  virtual Result<std::vector<Result<EventNotificationsResult>>> RecordEventNotifications(
      std::span<const EventNotifications> events) {
    std::vector<Result<EventNotificationsResult>> out;
    out.reserve(events.size());
    for (const EventNotifications& e : events) {
      out.push_back([&]() -> Result<EventNotificationsResult> {
        EventNotificationsResult r;
        for (const StoredDelivery& d : e.deliveries) {
          SECPLAT_ASSIGN_OR_RETURN(CreatedDelivery c, CreateDelivery(d));
          r.deliveries.push_back(std::move(c));
        }
        for (const NotifyLogPut& l : e.logs) {
          SECPLAT_ASSIGN_OR_RETURN(NotifyLogRecord stored,
                                   PutNotifyLog(l.record, l.expected_version));
          r.logs.push_back(std::move(stored));
        }
        SECPLAT_RETURN_IF_ERROR(RecordRouting(e.routing));
        return r;
      }());
      if (!out.back().has_value() && out.back().error().code != ErrorCode::kConflict &&
          out.back().error().code != ErrorCode::kInvalidArgument) {
        return Unexpected(out.back().error());
      }
    }
    return out;
  }

  // Non-terminal deliveries with next_attempt_at <= `now` (pending, retrying, and sending ones
  // whose claim lease ran out), ascending by (next_attempt_at, idempotency_key), at most
  // `limit` (1..1000). Errors: kUnavailable.
  virtual Result<std::vector<StoredDelivery>> ListDueDeliveries(Timestamp now, int limit) = 0;

  // Upserts the routing record of record.event_id. A redelivered event replaces it, except that
  // a target whose reason is "skip_duplicate_event" keeps the decision already stored for that
  // channel (the first handling's "why" survives). Errors: kInvalidArgument (empty event id),
  // kUnavailable.
  virtual Status RecordRouting(const RoutingRecord& record) = 0;
  // Sets a channel's health (failing or recovered). Errors: kInvalidArgument, kUnavailable.
  virtual Status SetChannelHealth(const ChannelHealth& health) = 0;
};

}  // namespace secplat::ports::platform

#endif  // SECPLAT_PORTS_PLATFORM_NOTIFICATIONS_H_
