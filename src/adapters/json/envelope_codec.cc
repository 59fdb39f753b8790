// Event envelope <-> JSON, following docs/contracts/event-envelope.schema.json member by member.
#include <map>
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/posture_fast.h"
#include "adapters/json/internal/reader.h"
#include "core/contracts/envelope.h"
#include "core/validation/field_path.h"

namespace secplat::adapters::json {
namespace {

using core::model::Envelope;
using internal::Json;
using internal::ObjectReader;
using internal::OJson;

constexpr std::string_view kEventTypes =
    "scan.requested, scan.completed, scan.failed, posture.changed, finding.created, "
    "finding.updated, incident.created, incident.updated, incident.closed, alert.triggered, "
    "notify.sent, notify.failed";

// Reads the envelope members of `r`; the caller has already checked for unknown members.
Result<Envelope> ReadEnvelope(const ObjectReader& r) {
  namespace contracts = core::contracts;
  Envelope e;
  SECPLAT_ASSIGN_OR_RETURN(e.event_id, r.RequiredString("event_id"));
  if (!contracts::IsUuid(e.event_id))
    return r.Fail("event_id", "must be a canonical lower-case UUID (8-4-4-4-12 hex digits)");
  SECPLAT_ASSIGN_OR_RETURN(e.event_type,
                           r.RequiredEnum<core::model::EventType>(
                               "event_type", core::model::ParseEventType, kEventTypes));
  SECPLAT_ASSIGN_OR_RETURN(std::string ts, r.RequiredString("ts"));
  if (!contracts::IsUtcTimestampText(ts))
    return r.Fail("ts", "must be an RFC 3339 UTC timestamp YYYY-MM-DDTHH:MM:SS[.fraction]Z");
  auto parsed = ParseRfc3339(ts);
  if (!parsed) return r.Fail("ts", parsed.error().message);
  e.ts = *parsed;
  SECPLAT_ASSIGN_OR_RETURN(e.org_id, r.RequiredString("org_id"));
  if (!contracts::IsValidOrgId(e.org_id))
    return r.Fail("org_id", "must match " + std::string(contracts::kOrgIdPattern));
  SECPLAT_ASSIGN_OR_RETURN(auto request_id, r.OptionalString("request_id"));
  if (request_id) {
    if (!contracts::IsValidRequestId(*request_id))
      return r.Fail("request_id", "must match " + std::string(contracts::kRequestIdPattern));
    e.request_id = std::move(*request_id);
  }
  SECPLAT_ASSIGN_OR_RETURN(auto asset_key, r.OptionalString("asset_key"));
  if (asset_key) {
    if (!contracts::IsValidAssetKey(*asset_key))
      return r.Fail("asset_key", "must match " + std::string(contracts::kAssetKeyPattern));
    e.asset_key = std::move(*asset_key);
  }
  SECPLAT_ASSIGN_OR_RETURN(
      e.severity, r.OptionalEnum<core::model::Severity>("severity", core::model::ParseSeverity,
                                                        "info, low, medium, high, critical"));
  SECPLAT_ASSIGN_OR_RETURN(auto payload, r.OptionalObjectText("payload"));
  if (payload) e.payload_json = std::move(*payload);
  SECPLAT_RETURN_IF_ERROR(contracts::ValidateEnvelope(e));
  return e;
}

OJson EnvelopeObject(const Envelope& e) {
  OJson o = OJson::object();
  o["event_id"] = e.event_id;
  o["event_type"] = std::string(core::model::EventTypeName(e.event_type));
  o["ts"] = FormatRfc3339(e.ts);
  o["org_id"] = e.org_id;
  if (!e.request_id.empty()) o["request_id"] = e.request_id;
  if (!e.asset_key.empty()) o["asset_key"] = e.asset_key;
  if (e.severity) o["severity"] = std::string(core::model::SeverityName(*e.severity));
  if (!e.payload_json.empty()) o["payload"] = internal::Embed(e.payload_json);
  return o;
}

#define SECPLAT_ENVELOPE_FIELDS \
  "event_id", "event_type", "ts", "org_id", "request_id", "asset_key", "severity", "payload"

}  // namespace

Result<Envelope> DecodeEnvelope(std::string_view body) {
  // The fast path takes envelopes with a canonical payload (what SecPlat's roles send); the
  // rest, and every error, goes through the strict reader below.
  if (auto fast = internal::FastDecodeEnvelope(body)) return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({SECPLAT_ENVELOPE_FIELDS}));
  return ReadEnvelope(r);
}

std::string EncodeEnvelope(const Envelope& envelope) {
  if (auto fast = internal::FastEncodeEnvelope(envelope)) return *std::move(fast);
  return internal::Dump(EnvelopeObject(envelope));
}

std::string EncodeStoredEvent(const core::model::StoredEvent& event) {
  OJson o = EnvelopeObject(event.envelope);
  o["seq"] = event.seq;
  o["received_at"] = FormatRfc3339(event.received_at);
  return internal::Dump(o);
}

Result<core::model::StoredEvent> DecodeStoredEvent(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({SECPLAT_ENVELOPE_FIELDS, "seq", "received_at"}));
  core::model::StoredEvent ev;
  SECPLAT_ASSIGN_OR_RETURN(ev.envelope, ReadEnvelope(r));
  if (!r.Has("seq")) return r.Fail("seq", "required");
  SECPLAT_ASSIGN_OR_RETURN(auto seq, r.OptionalInt("seq", 0, INT64_MAX));
  ev.seq = *seq;
  if (!r.Has("received_at")) return r.Fail("received_at", "required");
  SECPLAT_ASSIGN_OR_RETURN(auto received_at, r.OptionalTimestamp("received_at"));
  ev.received_at = *received_at;
  return ev;
}

Result<std::vector<Envelope>> DecodeEventBatch(std::string_view body, size_t max_items) {
  if (auto fast = internal::FastDecodeEventBatch(body, max_items)) return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(top.OnlyKnown({"events"}));
  const Json* items = top.Find("events");
  if (items == nullptr) return top.Fail("events", "required");
  if (!items->is_array()) return top.Fail("events", "must be an array");
  if (items->empty() || items->size() > max_items)
    return top.Fail("events", "must contain 1 to " + std::to_string(max_items) + " items");
  std::vector<Envelope> out;
  out.reserve(items->size());
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string path = core::validation::IndexPath("events", i);
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open((*items)[i], path));
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({SECPLAT_ENVELOPE_FIELDS}));
    auto e = ReadEnvelope(r);
    if (!e.has_value()) {
      // ReadEnvelope's own failures carry the item path; ValidateEnvelope's do not.
      if (e.error().message.rfind(path, 0) == 0) return Unexpected(e.error());
      return Unexpected(internal::Nest(path, e.error()));
    }
    auto [it, inserted] = seen.emplace(e->event_id, i);
    if (!inserted)
      return r.Fail(
          "event_id",
          "duplicate of " + core::validation::IndexPath("events", it->second) + ".event_id");
    out.push_back(*std::move(e));
  }
  return out;
}

std::string EncodeEventBatchOutcome(const std::vector<ports::store::AppendOutcome>& outcomes) {
  int64_t created = 0;
  OJson items = OJson::array();
  for (const auto& o : outcomes) {
    created += o.created ? 1 : 0;
    OJson item = OJson::object();
    item["event_id"] = o.event.envelope.event_id;
    item["seq"] = o.event.seq;
    item["created"] = o.created;
    items.push_back(std::move(item));
  }
  OJson out = OJson::object();
  out["created"] = created;
  out["existing"] = static_cast<int64_t>(outcomes.size()) - created;
  out["items"] = std::move(items);
  return internal::Dump(out);
}

}  // namespace secplat::adapters::json
