#include "adapters/sqlite/rows.h"

#include "adapters/sqlite/json_writer.h"

namespace secplat::adapters::sqlite::internal {

using core::model::ApiToken;
using core::model::Asset;
using core::model::AssetKind;
using core::model::AuditEntry;
using core::model::Criticality;
using core::model::EventType;
using core::model::Finding;
using core::model::FindingStatus;
using core::model::Role;
using core::model::ScanJob;
using core::model::ScanJobStatus;
using core::model::Severity;
using core::model::StoredEvent;

namespace {

template <typename E>
Result<E> ParseColumn(const Statement& s, int col, std::optional<E> (*parse)(std::string_view),
                      const char* what) {
  std::string text = s.Text(col);
  std::optional<E> v = parse(text);
  if (!v)
    return Unexpected(ErrorCode::kInternal,
                      std::string(what) + ": unknown value '" + text + "' stored in the database");
  return *v;
}

}  // namespace

Result<Asset> ReadAsset(const Statement& s) {
  Asset a;
  a.id = s.Int64(0);
  a.asset_key = s.Text(1);
  a.name = s.Text(2);
  SECPLAT_ASSIGN_OR_RETURN(
      a.kind, ParseColumn<AssetKind>(s, 3, core::model::ParseAssetKind, "assets.kind"));
  a.url = s.Text(4);
  a.host = s.Text(5);
  a.port = static_cast<int>(s.Int64(6));
  a.owner = s.Text(7);
  SECPLAT_ASSIGN_OR_RETURN(
      a.criticality,
      ParseColumn<Criticality>(s, 8, core::model::ParseCriticality, "assets.criticality"));
  a.environment = s.Text(9);
  a.enabled = s.Int64(10) != 0;
  a.created_at = s.Time(11);
  a.updated_at = s.Time(12);
  a.deleted_at = s.OptTime(13);
  a.version = s.Int64(14);
  return a;
}

Result<Finding> ReadFinding(const Statement& s) {
  Finding f;
  f.id = s.Int64(0);
  f.finding_key = s.Text(1);
  f.asset_key = s.Text(2);
  f.source = s.Text(3);
  f.check_id = s.Text(4);
  f.location = s.Text(5);
  f.category = s.Text(6);
  f.title = s.Text(7);
  SECPLAT_ASSIGN_OR_RETURN(
      f.severity, ParseColumn<Severity>(s, 8, core::model::ParseSeverity, "findings.severity"));
  SECPLAT_ASSIGN_OR_RETURN(f.status, ParseColumn<FindingStatus>(
                                         s, 9, core::model::ParseFindingStatus, "findings.status"));
  f.evidence_json = s.Text(10);
  f.first_seen = s.Time(11);
  f.last_seen = s.Time(12);
  f.occurrences = s.Int64(13);
  f.resolved_at = s.OptTime(14);
  f.accepted_until = s.OptTime(15);
  f.accepted_by = s.Text(16);
  f.status_reason = s.Text(17);
  f.updated_at = s.Time(18);
  return f;
}

Result<StoredEvent> ReadEvent(const Statement& s) {
  StoredEvent e;
  e.seq = s.Int64(0);
  e.envelope.event_id = s.Text(1);
  SECPLAT_ASSIGN_OR_RETURN(
      e.envelope.event_type,
      ParseColumn<EventType>(s, 2, core::model::ParseEventType, "events.event_type"));
  e.envelope.ts = s.Time(3);
  e.envelope.org_id = s.Text(4);
  e.envelope.request_id = s.Text(5);
  e.envelope.asset_key = s.Text(6);
  if (!s.IsNull(7)) {
    SECPLAT_ASSIGN_OR_RETURN(
        e.envelope.severity,
        ParseColumn<Severity>(s, 7, core::model::ParseSeverity, "events.severity"));
  }
  e.envelope.payload_json = s.Text(8);
  e.received_at = s.Time(9);
  return e;
}

Result<ScanJob> ReadScanJob(const Statement& s) {
  ScanJob j;
  j.id = s.Int64(0);
  j.idempotency_key = s.Text(1);
  j.scan_type = s.Text(2);
  j.asset_key = s.Text(3);
  SECPLAT_ASSIGN_OR_RETURN(
      j.status,
      ParseColumn<ScanJobStatus>(s, 4, core::model::ParseScanJobStatus, "scan_jobs.status"));
  j.attempts = s.Int64(5);
  j.requested_by = s.Text(6);
  j.request_id = s.Text(7);
  j.log_output = s.Text(8);
  j.last_error = s.Text(9);
  j.created_at = s.Time(10);
  j.updated_at = s.Time(11);
  j.started_at = s.OptTime(12);
  j.finished_at = s.OptTime(13);
  return j;
}

Result<ApiToken> ReadToken(const Statement& s) {
  ApiToken t;
  t.id = s.Text(0);
  t.name = s.Text(1);
  SECPLAT_ASSIGN_OR_RETURN(t.role,
                           ParseColumn<Role>(s, 2, core::model::ParseRole, "api_tokens.role"));
  t.secret_hash = s.Text(3);
  t.created_by = s.Text(4);
  t.created_at = s.Time(5);
  t.revoked_at = s.OptTime(6);
  return t;
}

AuditEntry ReadAudit(const Statement& s) {
  AuditEntry a;
  a.id = s.Int64(0);
  a.ts = s.Time(1);
  a.actor = s.Text(2);
  a.action = s.Text(3);
  a.target = s.Text(4);
  a.before_json = s.Text(5);
  a.after_json = s.Text(6);
  a.request_id = s.Text(7);
  return a;
}

std::string AssetJson(const Asset& a) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id").Int(a.id);
  w.Key("asset_key").String(a.asset_key);
  w.Key("name").String(a.name);
  w.Key("kind").String(core::model::AssetKindName(a.kind));
  w.Key("url").String(a.url);
  w.Key("host").String(a.host);
  w.Key("port").Int(a.port);
  w.Key("labels").BeginObject();
  for (const auto& [k, v] : a.labels) w.Key(k).String(v);
  w.EndObject();
  w.Key("owner").String(a.owner);
  w.Key("criticality").String(core::model::CriticalityName(a.criticality));
  w.Key("environment").String(a.environment);
  w.Key("enabled").Bool(a.enabled);
  w.Key("scan").BeginObject();
  for (const auto& [type, setting] : a.scan) {
    w.Key(type).BeginObject();
    w.Key("enabled").Bool(setting.enabled);
    w.Key("interval_seconds").Int(setting.interval_seconds);
    w.EndObject();
  }
  w.EndObject();
  w.Key("created_at").Time(a.created_at);
  w.Key("updated_at").Time(a.updated_at);
  w.Key("deleted_at").Time(a.deleted_at);
  w.Key("version").Int(a.version);
  w.EndObject();
  return w.Take();
}

std::string FindingJson(const Finding& f) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id").Int(f.id);
  w.Key("finding_key").String(f.finding_key);
  w.Key("asset_key").String(f.asset_key);
  w.Key("source").String(f.source);
  w.Key("check_id").String(f.check_id);
  w.Key("location").String(f.location);
  w.Key("category").String(f.category);
  w.Key("title").String(f.title);
  w.Key("severity").String(core::model::SeverityName(f.severity));
  w.Key("status").String(core::model::FindingStatusName(f.status));
  w.Key("evidence").RawOrString(f.evidence_json);
  w.Key("first_seen").Time(f.first_seen);
  w.Key("last_seen").Time(f.last_seen);
  w.Key("occurrences").Int(f.occurrences);
  w.Key("resolved_at").Time(f.resolved_at);
  w.Key("accepted_until").Time(f.accepted_until);
  w.Key("accepted_by").String(f.accepted_by);
  w.Key("status_reason").String(f.status_reason);
  w.Key("updated_at").Time(f.updated_at);
  w.EndObject();
  return w.Take();
}

std::string EventJson(const StoredEvent& e) {
  JsonWriter w;
  w.BeginObject();
  w.Key("seq").Int(e.seq);
  w.Key("event_type").String(core::model::EventTypeName(e.envelope.event_type));
  w.Key("asset_key").String(e.envelope.asset_key);
  w.EndObject();
  return w.Take();
}

std::string ScanJobJson(const ScanJob& j) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id").Int(j.id);
  w.Key("idempotency_key").String(j.idempotency_key);
  w.Key("scan_type").String(j.scan_type);
  w.Key("asset_key").String(j.asset_key);
  w.Key("status").String(core::model::ScanJobStatusName(j.status));
  w.Key("attempts").Int(j.attempts);
  w.Key("requested_by").String(j.requested_by);
  w.Key("request_id").String(j.request_id);
  w.Key("log_bytes").Int(static_cast<int64_t>(j.log_output.size()));
  w.Key("last_error").String(j.last_error);
  w.Key("created_at").Time(j.created_at);
  w.Key("updated_at").Time(j.updated_at);
  w.Key("started_at").Time(j.started_at);
  w.Key("finished_at").Time(j.finished_at);
  w.EndObject();
  return w.Take();
}

std::string TokenJson(const ApiToken& t) {
  JsonWriter w;
  w.BeginObject();
  w.Key("id").String(t.id);
  w.Key("name").String(t.name);
  w.Key("role").String(core::model::RoleName(t.role));
  w.Key("created_by").String(t.created_by);
  w.Key("created_at").Time(t.created_at);
  w.Key("revoked_at").Time(t.revoked_at);
  w.EndObject();
  return w.Take();
}

std::string PostureJson(const ports::store::StoredPosture& p) {
  JsonWriter w;
  w.BeginObject();
  w.Key("state").String(core::model::PostureStateName(p.state));
  w.Key("since").Time(p.since);
  w.Key("score").Int(p.score);
  w.Key("grade").String(p.grade);
  w.Key("version").Int(p.version);
  w.EndObject();
  return w.Take();
}

Status ValidatePosture(const ports::store::StoredPosture& p) {
  auto invalid = [](std::string what) {
    return Unexpected(ErrorCode::kInvalidArgument, std::move(what));
  };
  if (p.score < 0 || p.score > 100) return invalid("score: must be between 0 and 100");
  if (p.confidence < 0 || p.confidence > 100)
    return invalid("confidence: must be between 0 and 100");
  if (p.grade.empty()) return invalid("grade: required");
  if (!IsJsonOf(p.status_json, '{')) return invalid("status: must be a JSON object");
  if (!IsJsonOf(p.score_json, '{')) return invalid("score: must be a JSON object");
  if (!IsJsonOf(p.transitions_json, '['))
    return invalid("recent_transitions: must be a JSON array");
  return OkStatus();
}

Status SameDeliveryIdentity(std::string_view what, const ports::store::StoredDeliveryRow& row,
                            std::string_view event_id, std::string_view channel,
                            std::string_view asset_key, Timestamp created_at) {
  auto changed = [&](std::string_view field, std::string_view stored) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(what) + ": " + std::string(field) +
                                                       " cannot change (stored '" +
                                                       std::string(stored) + "')");
  };
  if (row.event_id != event_id) return changed("event_id", event_id);
  if (row.channel != channel) return changed("channel", channel);
  if (row.asset_key != asset_key) return changed("asset_key", asset_key);
  if (row.created_at != created_at) return changed("created_at", FormatRfc3339(created_at));
  return OkStatus();
}

}  // namespace secplat::adapters::sqlite::internal
