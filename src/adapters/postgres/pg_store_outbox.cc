// PgStore: the transactional outbox (migrations/postgres/0002_outbox.sql). Rows are inserted by
// CreateScanJob and AppendEvent inside their own transactions (internal::InsertOutbox); the
// relay reads and marks them here.
#include <string>
#include <vector>

#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/store_internal.h"

namespace secplat::adapters::postgres {

using ports::store::OutboxMessage;

namespace {

Result<OutboxMessage> ReadOutbox(const pqxx::row& r) {
  OutboxMessage m;
  m.id = internal::Int(r[0]);
  m.stream = internal::Text(r[1]);
  m.envelope.event_id = internal::Text(r[2]);
  const std::string type = internal::Text(r[3]);
  auto parsed_type = core::model::ParseEventType(type);
  if (!parsed_type)
    return Unexpected(ErrorCode::kInternal,
                      "outbox.event_type: unknown value '" + type + "' stored in the database");
  m.envelope.event_type = *parsed_type;
  m.envelope.ts = internal::Time(r[4]);
  m.envelope.org_id = internal::Text(r[5]);
  m.envelope.request_id = internal::Text(r[6]);
  m.envelope.asset_key = internal::Text(r[7]);
  if (!r[8].is_null()) {
    const std::string severity = internal::Text(r[8]);
    auto parsed = core::model::ParseSeverity(severity);
    if (!parsed)
      return Unexpected(ErrorCode::kInternal,
                        "outbox.severity: unknown value '" + severity + "' stored in the database");
    m.envelope.severity = *parsed;
  }
  m.envelope.payload_json = internal::Text(r[9]);
  m.attempts = static_cast<int>(internal::Int(r[10]));
  m.last_error = internal::Text(r[11]);
  m.created_at = internal::Time(r[12]);
  return m;
}

}  // namespace

Result<std::vector<OutboxMessage>> PgStore::ClaimUnsent(int limit, Timestamp now) {
  const int n = internal::ClampLimit(limit);
  return Run([&](PgConnection& c) -> Result<std::vector<OutboxMessage>> {
    pqxx::nontransaction tx(c.raw());
    // Served by the partial index outbox_unsent (id WHERE sent_at IS NULL).
    pqxx::result rows = c.Exec(
        tx,
        "SELECT id, stream, event_id, event_type, ts, org_id, request_id, asset_key, severity, "
        "payload, attempts, last_error, created_at FROM outbox "
        "WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY id LIMIT $2",
        internal::Ms(now), n);
    std::vector<OutboxMessage> out;
    out.reserve(rows.size());
    for (const pqxx::row& r : rows) {
      SECPLAT_ASSIGN_OR_RETURN(OutboxMessage m, ReadOutbox(r));
      out.push_back(std::move(m));
    }
    return out;
  });
}

Status PgStore::MarkSent(std::span<const int64_t> ids) {
  if (ids.empty()) return OkStatus();
  internal::ArrayLiteral arr;
  for (int64_t id : ids) arr.Add(id);
  const std::string id_array = arr.Take();
  return Run([&](PgConnection& c) -> Status {
    pqxx::nontransaction tx(c.raw());  // one statement: atomic by itself
    // A sent row is deleted: the event (or scan job) it announced keeps its own row.
    c.Exec(tx, "DELETE FROM outbox WHERE id = ANY($1::bigint[]) AND sent_at IS NULL", id_array);
    return OkStatus();
  });
}

Status PgStore::MarkFailed(int64_t id, const std::string& error, Timestamp next_attempt_at) {
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(error, "error"));
  return Run([&](PgConnection& c) -> Status {
    pqxx::nontransaction tx(c.raw());
    pqxx::result r = c.Exec(tx,
                            "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
                            "next_attempt_at = $3 WHERE id = $1 AND sent_at IS NULL",
                            id, error, internal::Ms(next_attempt_at));
    if (r.affected_rows() == 0)
      return internal::NotFound("unsent outbox row " + std::to_string(id));
    return OkStatus();
  });
}

Result<int64_t> PgStore::CountUnsent() {
  return Run([&](PgConnection& c) -> Result<int64_t> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result r = c.Exec(tx, "SELECT count(*) FROM outbox WHERE sent_at IS NULL");
    return internal::Int(r[0][0]);
  });
}

}  // namespace secplat::adapters::postgres
