#include "core/outbox/messages.h"

#include <cstdint>

#include "core/contracts/envelope.h"
#include "core/contracts/sha256.h"

namespace secplat::core::outbox {
namespace {}  // namespace

std::string DeterministicUuid(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  contracts::Sha256Digest d = contracts::Sha256(name);
  d[6] = static_cast<uint8_t>((d[6] & 0x0f) | 0x50);  // version 5
  d[8] = static_cast<uint8_t>((d[8] & 0x3f) | 0x80);  // variant 10xx (RFC 4122)
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 0xf]);
  }
  return out;
}

std::string ScanRequestedEventId(std::string_view idempotency_key) {
  std::string name(model::EventTypeName(model::EventType::kScanRequested));
  name.push_back('\x1f');
  name.append(idempotency_key);
  return DeterministicUuid(name);
}

bool NotifierConsumes(model::EventType type) {
  switch (type) {
    case model::EventType::kPostureChanged:
    case model::EventType::kAlertTriggered:
    case model::EventType::kIncidentCreated:
    case model::EventType::kIncidentUpdated:
    case model::EventType::kIncidentClosed:
    case model::EventType::kFindingCreated:
      return true;
    case model::EventType::kScanRequested:
    case model::EventType::kScanCompleted:
    case model::EventType::kScanFailed:
    case model::EventType::kFindingUpdated:
    case model::EventType::kNotifySent:
    case model::EventType::kNotifyFailed:
      return false;
  }
  return false;
}

std::optional<OutboxEntry> MessageForNewScanJob(const model::ScanJob& job) {
  OutboxEntry entry;
  entry.stream = std::string(kScanStream);
  model::Envelope& e = entry.envelope;
  e.event_id = ScanRequestedEventId(job.idempotency_key);
  e.event_type = model::EventType::kScanRequested;
  e.ts = job.created_at;
  e.org_id = std::string(contracts::kDefaultOrgId);
  // The store does not re-validate these; an envelope that failed validation would be
  // dead-lettered as malformed by every consumer, so an odd value is left out instead.
  if (contracts::IsValidRequestId(job.request_id)) e.request_id = job.request_id;
  if (contracts::IsValidAssetKey(job.asset_key)) e.asset_key = job.asset_key;
  // Canonical form (keys sorted), as adapters/json stores payloads.
  std::string& p = e.payload_json;
  p = "{\"asset_key\":";
  AppendJsonString(p, job.asset_key);
  p += ",\"idempotency_key\":";
  AppendJsonString(p, job.idempotency_key);
  p += ",\"job_id\":";
  p += std::to_string(job.id);
  p += ",\"scan_type\":";
  AppendJsonString(p, job.scan_type);
  p += "}";
  return entry;
}

bool DeriverConsumes(model::EventType type) {
  return type == model::EventType::kScanCompleted || type == model::EventType::kScanFailed;
}

std::optional<OutboxEntry> MessageForNewEvent(const model::Envelope& event) {
  if (NotifierConsumes(event.event_type)) {
    return OutboxEntry{.stream = std::string(kNotifyStream), .envelope = event};
  }
  if (DeriverConsumes(event.event_type)) {
    return OutboxEntry{.stream = std::string(kDeriveStream), .envelope = event};
  }
  return std::nullopt;
}

}  // namespace secplat::core::outbox
