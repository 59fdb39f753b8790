// SqliteStore: the transactional outbox (migrations/sqlite/0002_outbox.sql). Rows are inserted
// by CreateScanJob and AppendEvent inside their own transactions (InsertOutbox); the relay reads
// and marks them here.
#include <string>
#include <vector>

#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/store_internal.h"

namespace secplat::adapters::sqlite {

using ports::store::OutboxMessage;

namespace {

constexpr const char* kOutboxColumns =
    "id, stream, event_id, event_type, ts, org_id, request_id, asset_key, severity, payload, "
    "attempts, last_error, created_at";

Result<OutboxMessage> ReadOutbox(const Statement& s) {
  OutboxMessage m;
  m.id = s.Int64(0);
  m.stream = s.Text(1);
  m.envelope.event_id = s.Text(2);
  const std::string type = s.Text(3);
  auto parsed_type = core::model::ParseEventType(type);
  if (!parsed_type)
    return Unexpected(ErrorCode::kInternal,
                      "outbox.event_type: unknown value '" + type + "' stored in the database");
  m.envelope.event_type = *parsed_type;
  m.envelope.ts = s.Time(4);
  m.envelope.org_id = s.Text(5);
  m.envelope.request_id = s.Text(6);
  m.envelope.asset_key = s.Text(7);
  if (!s.IsNull(8)) {
    const std::string severity = s.Text(8);
    auto parsed = core::model::ParseSeverity(severity);
    if (!parsed)
      return Unexpected(ErrorCode::kInternal,
                        "outbox.severity: unknown value '" + severity + "' stored in the database");
    m.envelope.severity = *parsed;
  }
  m.envelope.payload_json = s.Text(9);
  m.attempts = static_cast<int>(s.Int64(10));
  m.last_error = s.Text(11);
  m.created_at = s.Time(12);
  return m;
}

}  // namespace

namespace internal {

Status InsertOutbox(Connection& db, const core::outbox::OutboxEntry& entry, Timestamp now) {
  const core::model::Envelope& e = entry.envelope;
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("INSERT INTO outbox(stream, event_id, event_type, ts, org_id, request_id, "
                 "asset_key, severity, payload, created_at, attempts, last_error, "
                 "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 0, '', ?10)"));
  s->Bind(1, entry.stream);
  s->Bind(2, e.event_id);
  s->Bind(3, core::model::EventTypeName(e.event_type));
  s->Bind(4, e.ts);
  s->Bind(5, e.org_id);
  s->BindTextOrNull(6, e.request_id);
  s->BindTextOrNull(7, e.asset_key);
  if (e.severity) {
    s->Bind(8, core::model::SeverityName(*e.severity));
  } else {
    s->BindNull(8);
  }
  s->BindTextOrNull(9, e.payload_json);
  s->Bind(10, now);
  return s->Run();
}

}  // namespace internal

Result<std::vector<OutboxMessage>> SqliteStore::ClaimUnsent(int limit, Timestamp now) {
  const int n = internal::ClampLimit(limit);
  auto db = readers_->Acquire();
  // A rowid-order scan: the table holds only the backlog (MarkSent deletes a published row).
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s, db->Prepare(std::string("SELECT ") + kOutboxColumns +
                                    " FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= ?1"
                                    " ORDER BY id LIMIT ?2"));
  s->Bind(1, now);
  s->Bind(2, n);
  std::vector<OutboxMessage> out;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    SECPLAT_ASSIGN_OR_RETURN(OutboxMessage m, ReadOutbox(*s));
    out.push_back(std::move(m));
  }
  return out;
}

Status SqliteStore::MarkSent(std::span<const int64_t> ids) {
  if (ids.empty()) return OkStatus();
  // A sent row is deleted: the event (or scan job) it announced keeps its own row.
  return WriteTx([&](Connection& db) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                             db.Prepare("DELETE FROM outbox WHERE id = ?1 AND sent_at IS NULL"));
    for (int64_t id : ids) {
      s->Reset();
      s->Bind(1, id);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    return OkStatus();
  });
}

Status SqliteStore::MarkFailed(int64_t id, const std::string& error, Timestamp next_attempt_at) {
  return WriteTx([&](Connection& db) -> Status {
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ?2, "
                     "next_attempt_at = ?3 WHERE id = ?1 AND sent_at IS NULL"));
      s->Bind(1, id);
      s->Bind(2, error);
      s->Bind(3, next_attempt_at);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    if (db.Changes() == 0) return internal::NotFound("unsent outbox row " + std::to_string(id));
    return OkStatus();
  });
}

Result<int64_t> SqliteStore::CountUnsent() {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db->Prepare("SELECT count(*) FROM outbox WHERE sent_at IS NULL"));
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int64(0) : int64_t{0};
}

}  // namespace secplat::adapters::sqlite
