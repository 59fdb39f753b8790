// Outbox messages: which store writes cause which queue message (issue 3, transactional
// outbox). Pure: the store calls these inside the transaction of the write and inserts the
// returned entry as an outbox row; the relay publishes it later.
//
//   - a newly created scan job -> "secplat.jobs.scan", a scan.requested envelope whose event_id
//     is derived from the job's idempotency key (so a retried write can never yield a second
//     distinct message) and whose payload is {"asset_key","idempotency_key","job_id","scan_type"};
//   - a newly stored event the notifier consumes (posture.changed, alert.triggered,
//     incident.created, incident.updated, incident.closed, finding.created) ->
//     "secplat.events.notify" with that same envelope;
//   - nothing for any other write.
//
// From tests/core/outbox/messages_test.cc:
//   auto m = MessageForNewScanJob(job);  // job.id 412, tls_headers on web-shop
//   EXPECT_EQ(m->stream, "secplat.jobs.scan");
//   EXPECT_EQ(m->envelope.payload_json,
//             R"({"asset_key":"web-shop","idempotency_key":"tls_headers+web-shop+490099",)"
//             R"("job_id":412,"scan_type":"tls_headers"})");
#ifndef SECPLAT_CORE_OUTBOX_MESSAGES_H_
#define SECPLAT_CORE_OUTBOX_MESSAGES_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/common/json_string.h"
#include "core/model/event.h"
#include "core/model/scan_job.h"

namespace secplat::core::outbox {

// The queue streams (equal to jobqueue::kScanStream / kNotifyStream; core does not depend on
// the queue library).
inline constexpr std::string_view kScanStream = "secplat.jobs.scan";
inline constexpr std::string_view kNotifyStream = "secplat.events.notify";
inline constexpr std::string_view kDeriveStream = "secplat.jobs.derive";

// One message to put in the outbox: the stream and the envelope (payload_json, when set, is a
// JSON object in canonical form: compact, keys sorted).
struct OutboxEntry {
  std::string stream;
  model::Envelope envelope;
};

// A UUID in canonical lower-case form derived from `name`: the first 16 bytes of
// SHA-256(name) with the version nibble set to 5 and the RFC 4122 variant bits, as UUIDv5 does
// with SHA-1. Deterministic across processes and versions. Total.
std::string DeterministicUuid(std::string_view name);

// The event_id of the scan.requested message of the job with `idempotency_key`:
// DeterministicUuid("scan.requested" 0x1F idempotency_key).
std::string ScanRequestedEventId(std::string_view idempotency_key);

// True for the event types the notifier consumes from kNotifyStream.
bool NotifierConsumes(model::EventType type);

// The message caused by creating `job` (as stored: id and created_at assigned). ts is
// job.created_at, org_id "default"; request_id and asset_key are copied when they match the
// envelope's patterns and left out otherwise, so the envelope always passes
// core::contracts::ValidateEnvelope. Always a value today; optional so callers do not assume.
std::optional<OutboxEntry> MessageForNewScanJob(const model::ScanJob& job);

// True for the event types that ask the deriver to re-derive the event's asset
// (scan.completed, scan.failed): the scan result itself is the derive request, so it reaches
// kDeriveStream exactly when it was stored.
bool DeriverConsumes(model::EventType type);

// The message caused by storing `event` for the first time, with the envelope unchanged:
// kNotifyStream when NotifierConsumes(event.event_type), kDeriveStream when
// DeriverConsumes(...) (the two sets are disjoint), nullopt otherwise.
std::optional<OutboxEntry> MessageForNewEvent(const model::Envelope& event);

// The shared escaper (core/common/json_string.h), named here for existing callers.
using ::secplat::AppendJsonString;

}  // namespace secplat::core::outbox

#endif  // SECPLAT_CORE_OUTBOX_MESSAGES_H_
