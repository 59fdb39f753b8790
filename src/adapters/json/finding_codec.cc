// Findings <-> JSON: observations in (one or a batch), findings out, status changes in.
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/reader.h"
#include "core/validation/field_path.h"
#include "core/validation/observation.h"
#include "core/validation/text.h"

namespace secplat::adapters::json {
namespace {

using core::model::Finding;
using core::model::FindingObservation;
using internal::Json;
using internal::ObjectReader;
using internal::OJson;

constexpr std::string_view kSeverities = "info, low, medium, high, critical";
constexpr std::string_view kStatuses = "open, resolved, accepted, false_positive";

// Decodes one observation object found at `path` ("" for a whole body); errors carry the path.
Result<FindingObservation> ReadObservation(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(
      r.OnlyKnown({"finding_key", "asset_key", "source", "check_id", "location", "category",
                   "title", "severity", "evidence", "observed_at"}));
  FindingObservation o;
  SECPLAT_ASSIGN_OR_RETURN(auto key, r.OptionalString("finding_key"));
  o.finding_key = key.value_or("");
  SECPLAT_ASSIGN_OR_RETURN(o.asset_key, r.RequiredString("asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(o.source, r.RequiredString("source"));
  SECPLAT_ASSIGN_OR_RETURN(o.check_id, r.RequiredString("check_id"));
  SECPLAT_ASSIGN_OR_RETURN(auto location, r.OptionalString("location"));
  o.location = location.value_or("");
  SECPLAT_ASSIGN_OR_RETURN(auto category, r.OptionalString("category"));
  o.category = category.value_or("");
  SECPLAT_ASSIGN_OR_RETURN(o.title, r.RequiredString("title"));
  SECPLAT_ASSIGN_OR_RETURN(o.severity, r.RequiredEnum<core::model::Severity>(
                                           "severity", core::model::ParseSeverity, kSeverities));
  SECPLAT_ASSIGN_OR_RETURN(auto evidence, r.OptionalObjectText("evidence"));
  o.evidence_json = evidence.value_or("{}");
  SECPLAT_ASSIGN_OR_RETURN(o.observed_at, r.OptionalTimestamp("observed_at"));
  if (auto s = core::validation::ValidateObservation(o); !s) {
    if (path.empty()) return Unexpected(s.error());
    return Unexpected(internal::Nest(path, s.error()));
  }
  return o;
}

OJson ObservationObject(const FindingObservation& o) {
  OJson j = OJson::object();
  if (!o.finding_key.empty()) j["finding_key"] = o.finding_key;
  j["asset_key"] = o.asset_key;
  j["source"] = o.source;
  j["check_id"] = o.check_id;
  if (!o.location.empty()) j["location"] = o.location;
  if (!o.category.empty()) j["category"] = o.category;
  j["title"] = o.title;
  j["severity"] = std::string(core::model::SeverityName(o.severity));
  j["evidence"] = o.evidence_json.empty() ? OJson::object() : internal::Embed(o.evidence_json);
  if (o.observed_at) j["observed_at"] = FormatRfc3339(*o.observed_at);
  return j;
}

}  // namespace

Result<FindingObservation> DecodeObservation(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  return ReadObservation(doc, "");
}

Result<std::vector<FindingObservation>> DecodeObservationBatch(std::string_view body,
                                                               size_t max_items) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"findings"}));
  const Json* items = r.Find("findings");
  if (items == nullptr) return r.Fail("findings", "required");
  if (!items->is_array()) return r.Fail("findings", "must be an array");
  if (items->empty() || items->size() > max_items)
    return r.Fail("findings", "must contain 1 to " + std::to_string(max_items) + " items");
  std::vector<FindingObservation> out;
  out.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(
        FindingObservation o,
        ReadObservation((*items)[i], core::validation::IndexPath("findings", i)));
    out.push_back(std::move(o));
  }
  return out;
}

std::string EncodeObservation(const FindingObservation& obs) {
  return internal::Dump(ObservationObject(obs));
}

std::string EncodeObservationBatch(std::span<const FindingObservation> batch) {
  OJson items = OJson::array();
  for (const auto& o : batch) items.push_back(ObservationObject(o));
  OJson j = OJson::object();
  j["findings"] = std::move(items);
  return internal::Dump(j);
}

std::string EncodeFinding(const Finding& f) {
  OJson o = OJson::object();
  o["finding_key"] = f.finding_key;
  o["asset_key"] = f.asset_key;
  o["source"] = f.source;
  o["check_id"] = f.check_id;
  o["location"] = f.location;
  o["category"] = f.category;
  o["title"] = f.title;
  o["severity"] = std::string(core::model::SeverityName(f.severity));
  o["status"] = std::string(core::model::FindingStatusName(f.status));
  o["evidence"] = f.evidence_json.empty() ? OJson::object() : internal::Embed(f.evidence_json);
  o["first_seen"] = FormatRfc3339(f.first_seen);
  o["last_seen"] = FormatRfc3339(f.last_seen);
  o["occurrences"] = f.occurrences;
  o["resolved_at"] = internal::TimeOrNull(f.resolved_at);
  o["accepted_until"] = internal::TimeOrNull(f.accepted_until);
  o["accepted_by"] = f.accepted_by;
  o["status_reason"] = f.status_reason;
  o["updated_at"] = FormatRfc3339(f.updated_at);
  return internal::Dump(o);
}

Result<Finding> DecodeFinding(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  Finding f;
  SECPLAT_ASSIGN_OR_RETURN(f.finding_key, r.RequiredString("finding_key"));
  SECPLAT_ASSIGN_OR_RETURN(f.asset_key, r.RequiredString("asset_key"));
  auto str = [&r](std::string_view key, std::string& out) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(auto v, r.OptionalString(key));
    if (v) out = std::move(*v);
    return OkStatus();
  };
  SECPLAT_RETURN_IF_ERROR(str("source", f.source));
  SECPLAT_RETURN_IF_ERROR(str("check_id", f.check_id));
  SECPLAT_RETURN_IF_ERROR(str("location", f.location));
  SECPLAT_RETURN_IF_ERROR(str("category", f.category));
  SECPLAT_RETURN_IF_ERROR(str("title", f.title));
  SECPLAT_RETURN_IF_ERROR(str("accepted_by", f.accepted_by));
  SECPLAT_RETURN_IF_ERROR(str("status_reason", f.status_reason));
  SECPLAT_ASSIGN_OR_RETURN(auto sev, r.OptionalEnum<core::model::Severity>(
                                         "severity", core::model::ParseSeverity, kSeverities));
  if (sev) f.severity = *sev;
  SECPLAT_ASSIGN_OR_RETURN(auto status, r.OptionalEnum<core::model::FindingStatus>(
                                            "status", core::model::ParseFindingStatus, kStatuses));
  if (status) f.status = *status;
  SECPLAT_ASSIGN_OR_RETURN(auto evidence, r.OptionalObjectText("evidence"));
  if (evidence) f.evidence_json = std::move(*evidence);
  auto time = [&r](std::string_view key, Timestamp& out) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(auto t, r.OptionalTimestamp(key));
    if (t) out = *t;
    return OkStatus();
  };
  SECPLAT_RETURN_IF_ERROR(time("first_seen", f.first_seen));
  SECPLAT_RETURN_IF_ERROR(time("last_seen", f.last_seen));
  SECPLAT_RETURN_IF_ERROR(time("updated_at", f.updated_at));
  auto nullable_time = [&r](std::string_view key, std::optional<Timestamp>& out) -> Status {
    const Json* v = r.Find(key);
    if (v == nullptr || v->is_null()) return OkStatus();
    SECPLAT_ASSIGN_OR_RETURN(out, r.OptionalTimestamp(key));
    return OkStatus();
  };
  SECPLAT_RETURN_IF_ERROR(nullable_time("resolved_at", f.resolved_at));
  SECPLAT_RETURN_IF_ERROR(nullable_time("accepted_until", f.accepted_until));
  SECPLAT_ASSIGN_OR_RETURN(auto occurrences, r.OptionalInt("occurrences", 0, INT64_MAX));
  f.occurrences = occurrences.value_or(0);
  return f;
}

std::string EncodeBatchOutcome(const std::vector<ports::store::UpsertOutcome>& outcomes) {
  int64_t created = 0;
  OJson results = OJson::array();
  for (const auto& out : outcomes) {
    if (out.created) ++created;
    OJson r = OJson::object();
    r["finding_key"] = out.finding.finding_key;
    r["created"] = out.created;
    r["status"] = std::string(core::model::FindingStatusName(out.finding.status));
    r["occurrences"] = out.finding.occurrences;
    results.push_back(std::move(r));
  }
  OJson o = OJson::object();
  o["created"] = created;
  o["updated"] = static_cast<int64_t>(outcomes.size()) - created;
  o["results"] = std::move(results);
  return internal::Dump(o);
}

Result<core::findings::StatusChange> DecodeStatusChange(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"status", "reason", "accepted_until"}));
  core::findings::StatusChange c;
  SECPLAT_ASSIGN_OR_RETURN(c.to, r.RequiredEnum<core::model::FindingStatus>(
                                     "status", core::model::ParseFindingStatus, kStatuses));
  SECPLAT_ASSIGN_OR_RETURN(auto reason, r.OptionalString("reason"));
  c.reason = reason.value_or("");
  SECPLAT_RETURN_IF_ERROR(core::validation::CheckText("reason", c.reason, 0, 1000));
  SECPLAT_ASSIGN_OR_RETURN(c.accepted_until, r.OptionalTimestamp("accepted_until"));
  return c;
}

}  // namespace secplat::adapters::json
