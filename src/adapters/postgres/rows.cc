// adapters/postgres: reading rows into model structs, array literals, audit and outbox inserts.
#include <charconv>

#include "adapters/postgres/store_internal.h"

namespace secplat::adapters::postgres::internal {

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
Result<E> ParseColumn(const pqxx::field& f, std::optional<E> (*parse)(std::string_view),
                      const char* what) {
  std::string text = Text(f);
  std::optional<E> v = parse(text);
  if (!v)
    return Unexpected(ErrorCode::kInternal,
                      std::string(what) + ": unknown value '" + text + "' stored in the database");
  return *v;
}

}  // namespace

Status CheckNoNul(std::string_view value, std::string_view what) {
  if (value.find('\0') == std::string_view::npos) return OkStatus();
  return Unexpected(ErrorCode::kInvalidArgument,
                    std::string(what) + ": must not contain NUL characters");
}

void ArrayLiteral::Separate() {
  if (out_.size() > 1) out_.push_back(',');
}

void ArrayLiteral::Add(std::string_view text) {
  Separate();
  out_.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out_.push_back('\\');
    out_.push_back(c);
  }
  out_.push_back('"');
}

void ArrayLiteral::Add(int64_t v) {
  Separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  (void)ec;  // 24 bytes always hold an int64
  out_.append(buf, end);
}

void ArrayLiteral::Add(const std::optional<int64_t>& v) {
  if (v) {
    Add(*v);
  } else {
    AddNull();
  }
}

void ArrayLiteral::AddNull() {
  Separate();
  out_.append("NULL");
}

std::string ArrayLiteral::Take() {
  out_.push_back('}');
  std::string s = std::move(out_);
  out_ = "{";
  return s;
}

Result<Asset> ReadAsset(const pqxx::row& r) {
  Asset a;
  a.id = Int(r[0]);
  a.asset_key = Text(r[1]);
  a.name = Text(r[2]);
  SECPLAT_ASSIGN_OR_RETURN(
      a.kind, ParseColumn<AssetKind>(r[3], core::model::ParseAssetKind, "assets.kind"));
  a.url = Text(r[4]);
  a.host = Text(r[5]);
  a.port = static_cast<int>(Int(r[6]));
  a.owner = Text(r[7]);
  SECPLAT_ASSIGN_OR_RETURN(
      a.criticality,
      ParseColumn<Criticality>(r[8], core::model::ParseCriticality, "assets.criticality"));
  a.environment = Text(r[9]);
  a.enabled = r[10].as<bool>();
  a.created_at = Time(r[11]);
  a.updated_at = Time(r[12]);
  a.deleted_at = OptTime(r[13]);
  a.version = Int(r[14]);
  return a;
}

Result<Finding> ReadFinding(const pqxx::row& r) {
  Finding f;
  f.id = Int(r[0]);
  f.finding_key = Text(r[1]);
  f.asset_key = Text(r[2]);
  f.source = Text(r[3]);
  f.check_id = Text(r[4]);
  f.location = Text(r[5]);
  f.category = Text(r[6]);
  f.title = Text(r[7]);
  SECPLAT_ASSIGN_OR_RETURN(
      f.severity, ParseColumn<Severity>(r[8], core::model::ParseSeverity, "findings.severity"));
  SECPLAT_ASSIGN_OR_RETURN(f.status, ParseColumn<FindingStatus>(
                                         r[9], core::model::ParseFindingStatus, "findings.status"));
  f.evidence_json = Text(r[10]);
  f.first_seen = Time(r[11]);
  f.last_seen = Time(r[12]);
  f.occurrences = Int(r[13]);
  f.resolved_at = OptTime(r[14]);
  f.accepted_until = OptTime(r[15]);
  f.accepted_by = Text(r[16]);
  f.status_reason = Text(r[17]);
  f.updated_at = Time(r[18]);
  return f;
}

Result<StoredEvent> ReadEvent(const pqxx::row& r) {
  StoredEvent e;
  e.seq = Int(r[0]);
  e.envelope.event_id = Text(r[1]);
  SECPLAT_ASSIGN_OR_RETURN(
      e.envelope.event_type,
      ParseColumn<EventType>(r[2], core::model::ParseEventType, "events.event_type"));
  e.envelope.ts = Time(r[3]);
  e.envelope.org_id = Text(r[4]);
  e.envelope.request_id = Text(r[5]);
  e.envelope.asset_key = Text(r[6]);
  if (!r[7].is_null()) {
    SECPLAT_ASSIGN_OR_RETURN(
        e.envelope.severity,
        ParseColumn<Severity>(r[7], core::model::ParseSeverity, "events.severity"));
  }
  e.envelope.payload_json = Text(r[8]);
  e.received_at = Time(r[9]);
  return e;
}

Result<ScanJob> ReadScanJob(const pqxx::row& r) {
  ScanJob j;
  j.id = Int(r[0]);
  j.idempotency_key = Text(r[1]);
  j.scan_type = Text(r[2]);
  j.asset_key = Text(r[3]);
  SECPLAT_ASSIGN_OR_RETURN(
      j.status,
      ParseColumn<ScanJobStatus>(r[4], core::model::ParseScanJobStatus, "scan_jobs.status"));
  j.attempts = Int(r[5]);
  j.requested_by = Text(r[6]);
  j.request_id = Text(r[7]);
  j.log_output = Text(r[8]);
  j.last_error = Text(r[9]);
  j.created_at = Time(r[10]);
  j.updated_at = Time(r[11]);
  j.started_at = OptTime(r[12]);
  j.finished_at = OptTime(r[13]);
  return j;
}

Result<ApiToken> ReadToken(const pqxx::row& r) {
  ApiToken t;
  t.id = Text(r[0]);
  t.name = Text(r[1]);
  SECPLAT_ASSIGN_OR_RETURN(t.role,
                           ParseColumn<Role>(r[2], core::model::ParseRole, "api_tokens.role"));
  t.secret_hash = Text(r[3]);
  t.created_by = Text(r[4]);
  t.created_at = Time(r[5]);
  t.revoked_at = OptTime(r[6]);
  return t;
}

AuditEntry ReadAudit(const pqxx::row& r) {
  AuditEntry a;
  a.id = Int(r[0]);
  a.ts = Time(r[1]);
  a.actor = Text(r[2]);
  a.action = Text(r[3]);
  a.target = Text(r[4]);
  a.before_json = Text(r[5]);
  a.after_json = Text(r[6]);
  a.request_id = Text(r[7]);
  return a;
}

void InsertAudit(PgConnection& c, pqxx::transaction_base& tx, const ports::store::WriteContext& ctx,
                 std::string_view action, std::string_view target, std::string_view before_json,
                 std::string_view after_json) {
  c.Exec(tx,
         "INSERT INTO audit_log(ts, actor, action, target, before_json, after_json, request_id) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7)",
         Ms(ctx.now), ctx.actor, std::string(action), std::string(target), TextOrNull(before_json),
         TextOrNull(after_json), ctx.request_id);
}

void InsertOutbox(PgConnection& c, pqxx::transaction_base& tx,
                  const core::outbox::OutboxEntry& entry, Timestamp now) {
  const core::model::Envelope& e = entry.envelope;
  std::optional<std::string> severity;
  if (e.severity) severity = std::string(core::model::SeverityName(*e.severity));
  c.Exec(tx,
         "INSERT INTO outbox(stream, event_id, event_type, ts, org_id, request_id, asset_key, "
         "severity, payload, created_at, attempts, last_error, next_attempt_at) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, '', $10)",
         entry.stream, e.event_id, std::string(core::model::EventTypeName(e.event_type)), Ms(e.ts),
         e.org_id, TextOrNull(e.request_id), TextOrNull(e.asset_key), severity,
         TextOrNull(e.payload_json), Ms(now));
}

}  // namespace secplat::adapters::postgres::internal
