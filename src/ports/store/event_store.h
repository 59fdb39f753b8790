// EventStore: the append-only event log. Events are never updated or deleted.
#ifndef SECPLAT_PORTS_STORE_EVENT_STORE_H_
#define SECPLAT_PORTS_STORE_EVENT_STORE_H_

#include <optional>
#include <string>

#include "core/common/result.h"
#include "core/model/event.h"
#include "ports/store/common.h"

namespace secplat::ports::store {

struct AppendOutcome {
  core::model::StoredEvent event;
  bool created = false;  // false: an event with that event_id was already stored (returned)
};

struct EventFilter {
  std::optional<std::string> asset_key;
  std::optional<core::model::EventType> event_type;
  std::optional<Timestamp> since;  // ts >= since
  std::optional<Timestamp> until;  // ts < until
};

class EventStore {
 public:
  virtual ~EventStore() = default;
  // Idempotent on event_id. `envelope` must already be valid (core::contracts).
  // Errors: kUnavailable.
  virtual Result<AppendOutcome> AppendEvent(const core::model::Envelope& envelope,
                                            const WriteContext& ctx) = 0;
  // Ordered by seq (arrival order). Errors: kUnavailable.
  virtual Result<Page<core::model::StoredEvent>> ListEvents(const EventFilter& filter,
                                                            const PageRequest& page) = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_EVENT_STORE_H_
