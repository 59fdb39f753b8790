// Notifications <-> JSON: the documents the api stores for the notifier (one JSON `document` per
// row of ports/store/notification_store.h, this file being its format owner), the mapping
// between the notifier's records (ports/platform/notifications.h) and the store rows, and the
// bodies of the notification routes (schemas in services/api/openapi.json):
//
//   GET  /api/v1/notify-log/{channel}/{problem_key}  {"record": log record + version | null}
//   PUT  /api/v1/notify-log/{channel}/{problem_key}  {"expected_version","record"} in,
//                                                     {"record"} out
//   GET  /api/v1/notify-log-due                      {"items":[log record + version],"next_cursor"}
//   POST /api/v1/deliveries                          delivery in; delivery + version out
//   PUT  /api/v1/deliveries/{idempotency_key}        {"expected_version","delivery"} in;
//                                                     delivery + version out
//   GET  /api/v1/deliveries-due                      {"items":[delivery + version],"next_cursor"}
//   PUT  /api/v1/notifications/{event_id}/routing    routing record in and out
//   PUT  /api/v1/notifications/channels/{channel}    channel health in and out
//   GET  /api/v1/notifications/channels              {"items":[channel health],"next_cursor":null}
//   GET  /api/v1/notifications                       {"items":[notification view],"next_cursor"}
//
// The documents are lossless: Decode(Encode(x)) == x for every value (timestamps have
// millisecond precision like Timestamp; text that is not valid UTF-8 is the one exception, as
// everywhere: it is written with U+FFFD). Timestamps are RFC 3339 UTC with milliseconds; unset
// optional values are null, and null is accepted back for them only. Decoders are strict like
// every request decoder (codec.h): every member required, unknown members, wrong types, unknown
// enum names, out-of-range numbers and oversized strings, maps or lists are refused with
// kInvalidArgument naming the path ("delivery.event.severity: must be one of info, low, medium,
// high, critical", "decision.verdicts[3].rule: must be at most 1024 bytes").
//
//   StoredDelivery d{.record = core::notify::NewDelivery(event, "slack-ops", now), .event = event};
//   auto row = ToRow(d);                // the store's index columns + the document
//   auto back = FromRow(row);           // *back == d (version from the row)
#ifndef SECPLAT_ADAPTERS_JSON_NOTIFICATION_CODEC_H_
#define SECPLAT_ADAPTERS_JSON_NOTIFICATION_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/notification.h"
#include "ports/platform/notifications.h"
#include "ports/store/notification_store.h"

namespace secplat::adapters::json {

// Bounds of the decoders (hostile input stays small).
inline constexpr size_t kMaxNotifyKeyBytes = 1024;      // ids, keys, channel and rule names
inline constexpr size_t kMaxNotifyTextBytes = 8192;     // summaries, details, reasons, links
inline constexpr size_t kMaxNotifyMapEntries = 256;     // event labels and details
inline constexpr size_t kMaxNotifyListItems = 1000;     // verdicts, matched rules, targets
inline constexpr size_t kMaxNotifyBodyBytes = 1 << 20;  // request bodies of the notifier routes

// ---- Documents ---------------------------------------------------------------------------------

// {"event_id","event_type","ts","asset_key","severity","labels":{},"environment","problem_key",
//  "status":"firing|resolved","state","summary","details":{},"since":RFC 3339|null,"link"}.
std::string EncodeNotifyEvent(const core::model::NotifyEvent& event);
Result<core::model::NotifyEvent> DecodeNotifyEvent(std::string_view text);

// The stored document of a log record (no version, no updated_at: the row holds them):
// {"channel","problem_key","last_status","last_severity","last_state","last_event_id",
//  "last_event_ts","last_sent_at":RFC 3339|null,"last_event":event,"next_repeat_at":...|null}.
std::string EncodeNotifyLogRecord(const ports::platform::NotifyLogRecord& record);
Result<ports::platform::NotifyLogRecord> DecodeNotifyLogRecord(std::string_view text);

// {"status":0..999,"class":"ok|rate_limited|...","detail","retry_after_ms":int|null}: the last
// response of a delivery, and the document of one delivery_attempts row.
std::string EncodeDeliveryAttempt(const core::model::LastResponse& response);
Result<core::model::LastResponse> DecodeDeliveryAttempt(std::string_view text);

// The stored document of a delivery (no version): {"idempotency_key","event_id","channel",
//  "problem_key","state","attempts","created_at","last_attempt_at","next_attempt_at",
//  "delivered_at","last_response":attempt document|null,"external_ref","rule","notify_reason",
//  "sending_since":RFC 3339|null,"sending_by","event":event}.
std::string EncodeStoredDelivery(const ports::platform::StoredDelivery& delivery);
Result<ports::platform::StoredDelivery> DecodeStoredDelivery(std::string_view text);

// {"event_id","event_type","asset_key","problem_key","decided_at","decision":{"verdicts":[{"rule",
//  "evaluated","matched","reason"}],"matched_rules":[...],"targets":[{"channel","rule",
//  "repeat_interval_ms","send_resolved"}],"reason"},"targets":[{"channel","rule","send","reason",
//  "detail","idempotency_key"}]}.
std::string EncodeRoutingRecord(const ports::platform::RoutingRecord& record);
Result<ports::platform::RoutingRecord> DecodeRoutingRecord(std::string_view text);

// {"channel","failing","reason","since"}.
std::string EncodeChannelHealth(const ports::platform::ChannelHealth& health);
Result<ports::platform::ChannelHealth> DecodeChannelHealth(std::string_view text);

// ---- Store rows
// ----------------------------------------------------------------------------------

// The index columns copied from the record (firing = last_status is firing, next_repeat_at,
// version, updated_at) and the document.
ports::store::StoredNotifyLog ToRow(const ports::platform::NotifyLogRecord& record);
// Decodes the document; version and updated_at come from the row. Errors: kInternal naming the
// table and key when the document does not decode (a damaged row).
Result<ports::platform::NotifyLogRecord> FromRow(const ports::store::StoredNotifyLog& row);

// Columns: key, event id, channel, asset key (the event's), state, sending (sending_since set),
// next_attempt_at, attempts, created_at, version; updated_at is left for the store.
ports::store::StoredDeliveryRow ToRow(const ports::platform::StoredDelivery& delivery);
Result<ports::platform::StoredDelivery> FromRow(const ports::store::StoredDeliveryRow& row);

ports::store::StoredRouting ToRow(const ports::platform::RoutingRecord& record);
Result<ports::platform::RoutingRecord> FromRow(const ports::store::StoredRouting& row);

ports::store::StoredChannelHealth ToRow(const ports::platform::ChannelHealth& health);
ports::platform::ChannelHealth FromRow(const ports::store::StoredChannelHealth& row);

// One recorded attempt of a delivery (the "why" view): number, time, answer.
struct DeliveryAttempt {
  int attempt = 0;  // 1-based
  Timestamp at{};
  core::model::LastResponse response;
};
// The row of attempt number `attempt` (record.attempts after it), made at `at`.
ports::store::DeliveryAttemptRow ToAttemptRow(std::string_view idempotency_key,
                                              const DeliveryAttempt& attempt);
Result<DeliveryAttempt> FromRow(const ports::store::DeliveryAttemptRow& row);

// ---- Service routes (the notifier's writes) ----------------------------------------------------

// GET and PUT /api/v1/notify-log/...: {"record": document + "version" + "updated_at" | null}.
std::string EncodeNotifyLogReply(const std::optional<ports::platform::NotifyLogRecord>& record);
Result<std::optional<ports::platform::NotifyLogRecord>> DecodeNotifyLogReply(std::string_view body);

// PUT /api/v1/notify-log/{channel}/{problem_key}: {"expected_version":0..,"record":document}.
struct NotifyLogPut {
  ports::platform::NotifyLogRecord record;  // version and updated_at stay 0 / unset
  int64_t expected_version = 0;
};
std::string EncodeNotifyLogPut(const ports::platform::NotifyLogRecord& record,
                               int64_t expected_version);
Result<NotifyLogPut> DecodeNotifyLogPut(std::string_view body);

// GET /api/v1/notify-log-due: {"items":[document + "version" + "updated_at"],"next_cursor":null}.
std::string EncodeNotifyLogList(const std::vector<ports::platform::NotifyLogRecord>& records);
Result<std::vector<ports::platform::NotifyLogRecord>> DecodeNotifyLogList(std::string_view body);

// A delivery as the API answers it: the document plus "version".
std::string EncodeDeliveryReply(const ports::platform::StoredDelivery& delivery);
Result<ports::platform::StoredDelivery> DecodeDeliveryReply(std::string_view body);

// PUT /api/v1/deliveries/{idempotency_key}: {"expected_version":0..,"delivery":document} (0
// never matches a stored delivery: the store answers kNotFound or kConflict).
struct DeliveryPut {
  ports::platform::StoredDelivery delivery;  // version stays 0
  int64_t expected_version = 0;
};
std::string EncodeDeliveryPut(const ports::platform::StoredDelivery& delivery,
                              int64_t expected_version);
Result<DeliveryPut> DecodeDeliveryPut(std::string_view body);

// GET /api/v1/deliveries-due: {"items":[delivery reply],"next_cursor":null}.
std::string EncodeDeliveryList(const std::vector<ports::platform::StoredDelivery>& deliveries);
Result<std::vector<ports::platform::StoredDelivery>> DecodeDeliveryList(std::string_view body);

// GET /api/v1/notifications/channels: {"items":[channel health],"next_cursor":null}.
std::string EncodeChannelHealthList(const std::vector<ports::platform::ChannelHealth>& channels);
Result<std::vector<ports::platform::ChannelHealth>> DecodeChannelHealthList(std::string_view body);

// ---- Batch routes (the notifier's batched handling and sends) ----------------------------------
// Each carries 1..max_items items (ports::platform::kMaxNotifyBatchItems) and a body within
// kMaxNotifyBodyBytes; errors name the item ("items[3].delivery.channel: required"). Item
// outcomes are {"error": null | {"code","message"}} beside the stored value (null on error).

// PUT /api/v1/deliveries/batch: {"items":[{"expected_version":0..,"delivery":document}]} with
// distinct, non-empty idempotency keys.
Result<std::vector<ports::platform::DeliveryPut>> DecodeDeliveryPutBatch(std::string_view body,
                                                                         size_t max_items);
// One item of that body (clients join items into {"items":[...]} themselves, to size requests).
std::string EncodeDeliveryPutBatchItem(const ports::platform::DeliveryPut& put);
// Answer: {"items":[{"version":n|null,"error":null|{"code","message"}}]} in request order. A
// stored item is exactly what the caller sent with its new version, so only the version goes
// back (the delivery document, ~2 KB, would be sent back and parsed again for nothing).
std::string EncodeDeliveryPutBatchResult(
    std::span<const Result<ports::platform::StoredDelivery>> results);
// Decodes the answer to `request`: each stored item is request[i].delivery with the answered
// version, which must be above its expected_version. Errors: kInvalidArgument when the answer
// is malformed or does not match the request (item count, a version not moved on).
Result<std::vector<Result<ports::platform::StoredDelivery>>> DecodeDeliveryPutBatchResult(
    std::string_view body, std::span<const ports::platform::DeliveryPut> request);

// POST /api/v1/notify-log/batch-get: {"keys":[{"channel","problem_key"}]} (non-empty).
Result<std::vector<ports::platform::NotifyLogKey>> DecodeNotifyLogBatchGet(std::string_view body,
                                                                           size_t max_items);
std::string EncodeNotifyLogBatchGet(std::span<const ports::platform::NotifyLogKey> keys);
// Answer: {"items":[record reply|null]} in request order.
std::string EncodeNotifyLogBatchGetResult(
    std::span<const std::optional<ports::platform::NotifyLogRecord>> records);
Result<std::vector<std::optional<ports::platform::NotifyLogRecord>>> DecodeNotifyLogBatchGetResult(
    std::string_view body, size_t expected_items);

// POST /api/v1/notifications/batch: {"events":[{"deliveries":[document],"logs":[{
// "expected_version","record":document}],"routing":routing record}]}; the routing's event_id
// must be non-empty and distinct across events.
Result<std::vector<ports::platform::EventNotifications>> DecodeEventNotificationsBatch(
    std::string_view body, size_t max_items);
// One event of that body.
std::string EncodeEventNotificationsItem(const ports::platform::EventNotifications& event);
// Answer: {"items":[{"event_id","error":null|{..},"deliveries":[{"created":true,"version"} |
// {"created":false,"delivery":reply}],"logs":[{"version","updated_at"}]}]} in request order
// (deliveries and logs empty on error): what the caller sent is not sent back, only what the
// store added (versions) or had (an existing delivery).
std::string EncodeEventNotificationsResult(
    std::span<const std::string> event_ids,
    std::span<const Result<ports::platform::EventNotificationsResult>> results);
// Decodes the answer to `request` (its deliveries and log records are completed with the
// versions). Errors: kInvalidArgument when malformed or not matching the request's shape.
Result<std::vector<Result<ports::platform::EventNotificationsResult>>>
DecodeEventNotificationsResult(std::string_view body,
                               std::span<const ports::platform::EventNotifications> request);

// ---- The "why was / wasn't I notified" view (viewer)
// ---------------------------------------------

// One target channel of an event: the dedup decision and, when a delivery was made, the
// delivery and its recorded attempts.
struct NotificationTargetView {
  ports::platform::TargetDecision decision;
  std::optional<ports::platform::StoredDelivery> delivery;
  std::vector<DeliveryAttempt> attempts;  // ascending by attempt number
};

// One event: its routing record and its targets (possibly filtered to one channel).
struct NotificationView {
  ports::platform::RoutingRecord routing;
  std::vector<NotificationTargetView> targets;
};

// {"event_id","event_type","asset_key","problem_key","decided_at","routed","reason",
//  "matched_rules":[...],"rules":[{"rule","evaluated","matched","reason"}],
//  "targets":[{"channel","rule","send","reason","detail","idempotency_key","delivery":null|
//  {"idempotency_key","state" ("sending" while claimed, else the stored state),"stored_state",
//  "attempt_count","created_at","last_attempt_at","next_attempt_at","delivered_at",
//  "last_response","external_ref","rule","notify_reason","sending_since","sending_by",
//  "attempts":[{"attempt","at","status","class","detail","retry_after_ms"}]}}]}.
// Never the event's text or a rendered payload: summary, details, labels and links stay out.
std::string EncodeNotificationView(const NotificationView& view);

// {"items":[view...],"next_cursor":...|null}.
std::string EncodeNotificationViewList(const std::vector<NotificationView>& views,
                                       std::string_view next_cursor);

}  // namespace secplat::adapters::json

#endif  // SECPLAT_ADAPTERS_JSON_NOTIFICATION_CODEC_H_
