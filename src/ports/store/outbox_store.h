// OutboxStore: the transactional outbox. A store write that causes a queue message (a new scan
// job, a new event the notifier consumes; core/outbox/messages.h decides which) inserts one
// outbox row in the same transaction as the write itself, so the API never publishes inside the
// request path and a message exists exactly when its cause was committed. The relay
// (services/relay/outbox_relay.h) claims unsent rows, publishes them and marks them sent.
//
// MarkSent deletes the rows it marks: a published message has done its job, and the write that
// caused it (the event, the scan job) keeps its own row, so the outbox holds the backlog only
// and never grows with history (migration 0005 dropped the rows only marked sent before).
//
// From tests/contract/store_contract_test.cc (CreatedScanJobYieldsExactlyOneUnsentOutboxRow):
//   store.CreateScanJob(MakeScanJob("tls:web-1:1", "web-1"), MakeWriteContext(kT0));
//   auto claimed = store.ClaimUnsent(10, kT0);
//   // one row: stream "secplat.jobs.scan", a scan.requested envelope whose event_id is
//   // core::outbox::ScanRequestedEventId("tls:web-1:1")
#ifndef SECPLAT_PORTS_STORE_OUTBOX_STORE_H_
#define SECPLAT_PORTS_STORE_OUTBOX_STORE_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/event.h"

namespace secplat::ports::store {

// One outbox row as the relay sees it.
struct OutboxMessage {
  int64_t id = 0;                  // ascending in commit order; the relay publishes in this order
  std::string stream;              // the queue stream, e.g. "secplat.jobs.scan"
  core::model::Envelope envelope;  // the message (payload_json a JSON object or empty)
  int attempts = 0;                // failed publish attempts so far
  std::string last_error;          // text of the last failed attempt ("" when none)
  Timestamp created_at{};          // the causing write's ctx.now
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Up to `limit` (clamped to [1, 1000]) unsent rows whose next_attempt_at <= `now`, oldest
  // (lowest id) first. Reading does not lock or change rows: one relay per store is assumed;
  // two relays would publish a row twice, which the queue's idempotency key absorbs.
  // Errors: kUnavailable, kInternal (a stored enum name is unknown).
  virtual Result<std::vector<OutboxMessage>> ClaimUnsent(int limit, Timestamp now) = 0;
  // Deletes every listed row still unsent, in one transaction; unknown or already sent ids are
  // ignored. Errors: kUnavailable.
  virtual Status MarkSent(std::span<const int64_t> ids) = 0;
  // Records a failed publish of row `id`: attempts + 1, last_error = `error`, next_attempt_at =
  // `next_attempt_at` (the row is not claimed before then). Errors: kNotFound (no unsent row
  // with that id), kUnavailable.
  virtual Status MarkFailed(int64_t id, const std::string& error, Timestamp next_attempt_at) = 0;
  // Number of unsent rows, due or not. Errors: kUnavailable.
  virtual Result<int64_t> CountUnsent() = 0;
};

}  // namespace secplat::ports::store

#endif  // SECPLAT_PORTS_STORE_OUTBOX_STORE_H_
