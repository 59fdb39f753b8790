// Event envelope: the canonical shape of every event (docs/contracts/event-envelope.schema.json).
// Validation: core/contracts/envelope.h. Storage: ports/store/event_store.h (append-only).
#ifndef SECPLAT_CORE_MODEL_EVENT_H_
#define SECPLAT_CORE_MODEL_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/common/time.h"
#include "core/model/finding.h"

namespace secplat::core::model {

enum class EventType {
  kScanRequested,
  kScanCompleted,
  kScanFailed,
  kPostureChanged,
  kFindingCreated,
  kFindingUpdated,
  kIncidentCreated,
  kIncidentUpdated,
  kIncidentClosed,
  kAlertTriggered,
  kNotifySent,
  kNotifyFailed,
};

std::string_view EventTypeName(EventType t);  // "scan.requested", ...
std::optional<EventType> ParseEventType(std::string_view s);

struct Envelope {
  std::string event_id;  // UUID, lower-case canonical form
  EventType event_type = EventType::kScanRequested;
  Timestamp ts{};
  std::string org_id = "default";
  std::string request_id;  // empty: absent
  std::string asset_key;   // empty: absent
  std::optional<Severity> severity;
  std::string payload_json;  // empty: absent; else a JSON object, canonical text
};

// An envelope as stored: plus the store's sequence number (for cursors) and receive time.
struct StoredEvent {
  int64_t seq = 0;
  Envelope envelope;
  Timestamp received_at{};
};

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_EVENT_H_
