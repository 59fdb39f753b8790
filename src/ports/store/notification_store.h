// NotificationStore: the notifier's durable state, kept by the api role (the notifier reaches it
// through ports/platform/notifications.h over HTTP). Tables (migration 0004_notifications):
// notify_log (what was last sent per channel and problem), deliveries (one per event and
// channel), delivery_attempts (append-only, one row per recorded attempt), notify_routing (each
// event's routing decision, the "why was / wasn't I notified" view) and notify_channels
// (channel health). Implemented by adapters/sqlite and adapters/postgres; every implementation
// passes tests/contract/notification_store_contract.h.
//
// As with PostureStore, the store keeps the columns it filters, orders and compare-and-sets on,
// plus one JSON document per row that it never interprets (format owner:
// adapters/json/notification_codec.h; the API encodes and decodes). This keeps JSON parsing out
// of the database adapters and gives both backends one format.
//
//   StoredDeliveryRow d{.idempotency_key = "ntf_1a2b", .event_id = "evt_9", ...};
//   auto c = store.CreateDelivery(d, ctx);            // c->created == true, version 1
//   auto again = store.CreateDelivery(d, ctx);        // created == false: the stored row
//   d.state = DeliveryState::kDelivered;
//   auto done = store.PutDelivery(d, c->row.version, attempt_row, ctx);   // version 2
//   auto late = store.PutDelivery(d, done->version, std::nullopt, ctx);   // kConflict: terminal
//
// Audit: these rows are written by the notifier's service token many times per event; an audit
// row per write would bury what people did. Only a change of a channel's `failing` flag is
// audited (action "notify.channel_health", target "notify_channel:<name>", before/after
// {failing, reason}).
#ifndef SECPLAT_PORTS_STORE_NOTIFICATION_STORE_H_
#define SECPLAT_PORTS_STORE_NOTIFICATION_STORE_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/notification.h"
#include "ports/store/common.h"

namespace secplat::ports::store {

// One notification-log entry: key (channel, problem_key).
struct StoredNotifyLog {
  std::string channel;
  std::string problem_key;
  bool firing = false;                      // the last status folded in was "firing"
  std::optional<Timestamp> next_repeat_at;  // ListRepeatDue reads it (only while firing)
  std::string document;                     // JSON object: the whole NotifyLogRecord
  int64_t version = 0;                      // bumped by every write; the first write stores 1
  Timestamp updated_at{};                   // WriteContext::now of the last write

  bool operator==(const StoredNotifyLog&) const = default;
};

// One delivery: key idempotency_key.
struct StoredDeliveryRow {
  std::string idempotency_key;
  std::string event_id;
  std::string channel;
  std::string asset_key;  // may be empty (an event about no asset)
  core::model::DeliveryState state = core::model::DeliveryState::kPending;
  bool sending = false;                      // claimed by a notifier (sending_since set)
  std::optional<Timestamp> next_attempt_at;  // ListDueDeliveries reads it
  int attempts = 0;
  Timestamp created_at{};
  std::string document;  // JSON object: the whole StoredDelivery (record, event, rule, claim)
  int64_t version = 0;   // bumped by every write; the first write stores 1
  Timestamp updated_at{};

  bool operator==(const StoredDeliveryRow&) const = default;
};

// One recorded attempt (append-only): key (idempotency_key, attempt).
struct DeliveryAttemptRow {
  std::string idempotency_key;
  int attempt = 0;  // 1-based
  Timestamp at{};
  std::string document;  // JSON object: status, class, detail, retry_after_ms

  bool operator==(const DeliveryAttemptRow&) const = default;
};

// One event's routing decision: key event_id.
struct StoredRouting {
  std::string event_id;
  std::string event_type;
  std::string asset_key;
  Timestamp decided_at{};
  std::string document;  // JSON object: the whole RoutingRecord

  bool operator==(const StoredRouting&) const = default;
};

// A channel's health: key channel.
struct StoredChannelHealth {
  std::string channel;
  bool failing = false;
  std::string reason;  // secret-free
  Timestamp since{};

  bool operator==(const StoredChannelHealth&) const = default;
};

// Filters of the "why" view; unset fields match everything, set ones must all match.
struct NotificationFilter {
  std::optional<std::string> event_id;
  std::optional<std::string> asset_key;
  std::optional<std::string> channel;
};

struct CreatedDeliveryRow {
  StoredDeliveryRow row;  // the stored row (the existing one when created == false)
  bool created = false;
};

// One compare-and-set write of PutDeliveries: as PutDelivery(row, expected_version, attempt).
struct DeliveryPutRow {
  StoredDeliveryRow row;
  int64_t expected_version = 0;
  std::optional<DeliveryAttemptRow> attempt;
};

// The key of a notification-log entry.
struct NotifyLogKey {
  std::string channel;
  std::string problem_key;
};

// One compare-and-set write of a notification-log entry (as PutNotifyLog).
struct NotifyLogPutRow {
  StoredNotifyLog row;
  int64_t expected_version = 0;
};

// What handling one event writes (WriteEventBatch): deliveries created unless their key
// exists (as CreateDelivery), notification-log entries compare-and-set (as PutNotifyLog) and
// the event's routing record (as PutRouting), all or nothing.
struct EventWrites {
  std::vector<StoredDeliveryRow> deliveries;
  std::vector<NotifyLogPutRow> logs;
  std::optional<StoredRouting> routing;
};

// The outcome of one EventWrites: per delivery (in order) the stored row and whether it was
// created; per log entry (in order) the stored entry with its new version.
struct EventWritesResult {
  std::vector<CreatedDeliveryRow> deliveries;
  std::vector<StoredNotifyLog> logs;
};

// The most items one batch call carries.
inline constexpr size_t kMaxNotificationBatchItems = 1000;

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;

  // --- notification log ---
  // Errors: kUnavailable.
  virtual Result<std::optional<StoredNotifyLog>> GetNotifyLog(std::string_view channel,
                                                              std::string_view problem_key) = 0;
  // Stores `row` if the stored version still equals `expected_version` (0: none stored), and
  // returns it with version expected_version + 1 and updated_at = ctx.now. Errors: kConflict
  // (the message names both versions), kInvalidArgument (empty channel or problem key, a
  // document that is not a JSON object), kUnavailable.
  virtual Result<StoredNotifyLog> PutNotifyLog(const StoredNotifyLog& row, int64_t expected_version,
                                               const WriteContext& ctx) = 0;
  // The entries of many keys: one per key in order, nullopt when none. Errors: kInvalidArgument
  // (more than kMaxNotificationBatchItems keys), kUnavailable.
  virtual Result<std::vector<std::optional<StoredNotifyLog>>> GetNotifyLogs(
      std::span<const NotifyLogKey> keys) = 0;
  // Firing entries with next_repeat_at <= now, ascending by (next_repeat_at, channel,
  // problem_key), at most `limit` (clamped to 1..1000). Errors: kUnavailable.
  virtual Result<std::vector<StoredNotifyLog>> ListRepeatDue(Timestamp now, int limit) = 0;

  // --- deliveries ---
  // Inserts `row` (version 1, updated_at = ctx.now) unless its idempotency key exists; then the
  // stored row comes back unchanged with created = false. Holds under concurrent callers (one
  // row). Errors: kInvalidArgument (empty key, event id or channel, a document that is not a
  // JSON object), kUnavailable.
  virtual Result<CreatedDeliveryRow> CreateDelivery(const StoredDeliveryRow& row,
                                                    const WriteContext& ctx) = 0;
  // Replaces the delivery if its stored version equals `expected_version` and its stored state
  // is not terminal (delivered, failed_permanent, dead); appends `attempt` (when given) in the
  // same transaction. Returns the row with the new version. What a delivery is about —
  // event_id, channel, asset_key, created_at — is fixed at creation: a row that changes one is
  // kInvalidArgument (checked after the version and the state). Errors: kConflict (version
  // moved on, stored row terminal, or the attempt number already recorded), kNotFound,
  // kInvalidArgument, kUnavailable.
  virtual Result<StoredDeliveryRow> PutDelivery(const StoredDeliveryRow& row,
                                                int64_t expected_version,
                                                const std::optional<DeliveryAttemptRow>& attempt,
                                                const WriteContext& ctx) = 0;
  // PutDelivery for every item in ONE transaction, each item compare-and-set on its own: an
  // item's kConflict, kNotFound or kInvalidArgument is its outcome (its writes undone, the
  // others kept). One outcome per item in order. Errors of the whole call (nothing stored):
  // kInvalidArgument (more than kMaxNotificationBatchItems items), kUnavailable.
  virtual Result<std::vector<Result<StoredDeliveryRow>>> PutDeliveries(
      std::span<const DeliveryPutRow> items, const WriteContext& ctx) = 0;
  // Errors: kNotFound, kUnavailable.
  virtual Result<StoredDeliveryRow> GetDelivery(std::string_view idempotency_key) = 0;
  // Non-terminal deliveries with next_attempt_at <= now, ascending by (next_attempt_at,
  // idempotency_key), at most `limit` (clamped to 1..1000). Errors: kUnavailable.
  virtual Result<std::vector<StoredDeliveryRow>> ListDueDeliveries(Timestamp now, int limit) = 0;
  // Deliveries matching `filter`, newest first by internal id; `page.after` is that id.
  // Errors: kUnavailable.
  virtual Result<Page<StoredDeliveryRow>> ListDeliveries(const NotificationFilter& filter,
                                                         const PageRequest& page) = 0;
  // A delivery's attempts ascending by attempt number. Errors: kUnavailable.
  virtual Result<std::vector<DeliveryAttemptRow>> ListDeliveryAttempts(
      std::string_view idempotency_key) = 0;

  // --- routing ("why") ---
  // Inserts or replaces the routing of row.event_id. Errors: kInvalidArgument (empty event id,
  // a document that is not a JSON object), kUnavailable.
  virtual Status PutRouting(const StoredRouting& row, const WriteContext& ctx) = 0;
  // Errors: kUnavailable (nullopt when none).
  virtual Result<std::optional<StoredRouting>> GetRouting(std::string_view event_id) = 0;
  // Routing records matching filter.event_id / filter.asset_key (channel is ignored here: the
  // API filters targets), newest first by internal id. Errors: kUnavailable.
  virtual Result<Page<StoredRouting>> ListRouting(const NotificationFilter& filter,
                                                  const PageRequest& page) = 0;

  // --- one event's writes, for many events ---
  // Stores every event's EventWrites in ONE transaction, each event all or nothing (a
  // savepoint): an event whose log compare-and-set lost (kConflict) or whose rows are invalid
  // (kInvalidArgument) has none of its writes kept and that error as its outcome; the other
  // events are stored. One outcome per event in order. Errors of the whole call (nothing
  // stored): kInvalidArgument (more than kMaxNotificationBatchItems events), kUnavailable.
  virtual Result<std::vector<Result<EventWritesResult>>> WriteEventBatch(
      std::span<const EventWrites> events, const WriteContext& ctx) = 0;

  // --- channels ---
  // Upserts a channel's health; audited when `failing` changes (or the channel is new and
  // failing). Errors: kInvalidArgument (empty channel), kUnavailable.
  virtual Status SetChannelHealth(const StoredChannelHealth& health, const WriteContext& ctx) = 0;
  // Every channel ever reported, ordered by name. Errors: kUnavailable.
  virtual Result<std::vector<StoredChannelHealth>> ListChannelHealth() = 0;

  // --- retention ---
  // Deletes terminal deliveries (and their attempts) and routing records older than `before`
  // (created_at / decided_at); returns how many rows went. Errors: kUnavailable.
  virtual Result<int64_t> DeleteNotificationsBefore(Timestamp before) = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_NOTIFICATION_STORE_H_
