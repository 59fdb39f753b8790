// Internal to adapters/json (and its tests): the fast paths of the delivery documents, defined
// in notification_codec.cc. Each accepts a document only when it is well-formed JSON of exactly
// the expected shape (every member once, none unknown, every value of the type and within the
// bounds the strict readers check) and returns nullopt for anything else; the public decoders
// then run the strict readers, which accept it too or name the error. So a fast path can change
// speed, never an answer.
#ifndef SECPLAT_ADAPTERS_JSON_INTERNAL_NOTIFICATION_FAST_H_
#define SECPLAT_ADAPTERS_JSON_INTERNAL_NOTIFICATION_FAST_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "ports/platform/notifications.h"

namespace secplat::adapters::json::internal {

// A delivery document (EncodeStoredDelivery) or, with_version, a reply (EncodeDeliveryReply).
std::optional<ports::platform::StoredDelivery> FastDecodeStoredDelivery(std::string_view text,
                                                                        bool with_version);
// PUT /api/v1/deliveries/batch's body: 1..max_items items, idempotency keys non-empty and
// distinct.
std::optional<std::vector<ports::platform::DeliveryPut>> FastDecodeDeliveryPutBatch(
    std::string_view body, size_t max_items);

// A notification-log document (EncodeNotifyLogRecord) and a routing record
// (EncodeRoutingRecord).
std::optional<ports::platform::NotifyLogRecord> FastDecodeNotifyLogRecord(std::string_view text);
std::optional<ports::platform::RoutingRecord> FastDecodeRoutingRecord(std::string_view text);
// POST /api/v1/notifications/batch's body: 1..max_items events, each with the checks
// DecodeEventNotificationsBatch makes (routing event_id non-empty and distinct across events;
// each delivery's idempotency key and channel non-empty, its event_id the routing's; each log
// entry's channel and problem key non-empty).
std::optional<std::vector<ports::platform::EventNotifications>> FastDecodeEventNotificationsBatch(
    std::string_view body, size_t max_items);

// POST /api/v1/notifications/batch's answer to `request` (items without an error only; one
// carrying an error goes to the strict reader).
std::optional<std::vector<Result<ports::platform::EventNotificationsResult>>>
FastDecodeEventNotificationsResult(std::string_view body,
                                   std::span<const ports::platform::EventNotifications> request);

// POST /api/v1/notify-log/batch-get's answer: exactly expected_items records (reply form) or
// nulls.
std::optional<std::vector<std::optional<ports::platform::NotifyLogRecord>>>
FastDecodeNotifyLogBatchGetResult(std::string_view body, size_t expected_items);

}  // namespace secplat::adapters::json::internal

#endif  // SECPLAT_ADAPTERS_JSON_INTERNAL_NOTIFICATION_FAST_H_
