// EventStore: the append-only event log. Events are never updated or deleted.
#ifndef SECPLAT_PORTS_STORE_EVENT_STORE_H_
#define SECPLAT_PORTS_STORE_EVENT_STORE_H_

#include <optional>
#include <span>
#include <string>
#include <vector>

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
  // AppendEvent for each envelope, in order; one outcome each (an event_id already stored, or
  // repeated in the batch, gives created = false). This default appends one by one (a failure
  // leaves the earlier ones stored); SqliteStore appends the batch in one transaction, all or
  // nothing. Errors: as AppendEvent.
  virtual Result<std::vector<AppendOutcome>> AppendEvents(
      std::span<const core::model::Envelope> envelopes, const WriteContext& ctx) {
    std::vector<AppendOutcome> out;
    out.reserve(envelopes.size());
    for (const core::model::Envelope& e : envelopes) {
      SECPLAT_ASSIGN_OR_RETURN(AppendOutcome o, AppendEvent(e, ctx));
      out.push_back(std::move(o));
    }
    return out;
  }
  // Ordered by seq (arrival order). Errors: kUnavailable.
  virtual Result<Page<core::model::StoredEvent>> ListEvents(const EventFilter& filter,
                                                            const PageRequest& page) = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_EVENT_STORE_H_
