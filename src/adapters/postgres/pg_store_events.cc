// PgStore: the append-only event log (partitioned by month, idempotent through event_keys) and
// scan jobs (idempotent through INSERT ... ON CONFLICT on idempotency_key).
#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/store_internal.h"
#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/rows.h"
#include "core/outbox/messages.h"
#include "core/scans/transition.h"

namespace secplat::adapters::postgres {

using core::model::Envelope;
using core::model::ScanJob;
using core::model::ScanJobStatus;
using core::model::StoredEvent;
using ports::store::AppendOutcome;
using ports::store::EventFilter;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::ScanJobFilter;
using ports::store::ScanJobOutcome;
using ports::store::WriteContext;

namespace {

Result<std::optional<ScanJob>> FindScanJob(PgConnection& c, pqxx::transaction_base& tx, int64_t id,
                                           bool for_update) {
  pqxx::result rows = c.Exec(
      tx,
      for_update ? "SELECT " SECPLAT_PG_SCAN_JOB_COLUMNS " FROM scan_jobs WHERE id = $1 FOR UPDATE"
                 : "SELECT " SECPLAT_PG_SCAN_JOB_COLUMNS " FROM scan_jobs WHERE id = $1",
      id);
  if (rows.empty()) return std::optional<ScanJob>();
  SECPLAT_ASSIGN_OR_RETURN(ScanJob j, internal::ReadScanJob(rows[0]));
  return std::optional<ScanJob>(std::move(j));
}

std::string JobTarget(int64_t id) { return "scan_job:" + std::to_string(id); }
std::string JobName(int64_t id) { return "scan job " + std::to_string(id); }

Status CheckEnvelopeText(const Envelope& e) {
  for (const std::string* s :
       {&e.event_id, &e.org_id, &e.request_id, &e.asset_key, &e.payload_json})
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(*s, "event"));
  return OkStatus();
}

}  // namespace

// ---- Events ------------------------------------------------------------------------------

Result<AppendOutcome> PgStore::AppendEvent(const Envelope& envelope, const WriteContext& ctx) {
  if (envelope.event_id.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "event_id: required");
  SECPLAT_RETURN_IF_ERROR(CheckEnvelopeText(envelope));
  SECPLAT_RETURN_IF_ERROR(EnsureEventPartition(envelope.ts));
  return Run([&](PgConnection& c) -> Result<AppendOutcome> {
    pqxx::work tx(c.raw());
    // The seq is taken first so event_keys and events agree; a concurrent append of the same
    // event_id waits on the event_keys primary key and then finds the winner's row.
    pqxx::result claimed =
        c.Exec(tx,
               "INSERT INTO event_keys(event_id, seq, ts) "
               "VALUES ($1, nextval(pg_get_serial_sequence('events', 'seq')), $2) "
               "ON CONFLICT (event_id) DO NOTHING RETURNING seq",
               envelope.event_id, internal::Ms(envelope.ts));
    if (claimed.empty()) {
      pqxx::result rows = c.Exec(tx,
                                 "SELECT " SECPLAT_PG_EVENT_COLUMNS
                                 " FROM events WHERE ts = (SELECT ts FROM event_keys WHERE "
                                 "event_id = $1) AND event_id = $1",
                                 envelope.event_id);
      if (rows.empty())
        return Unexpected(ErrorCode::kInternal,
                          "event " + internal::Quoted(envelope.event_id) +
                              " is recorded in event_keys but missing from events");
      SECPLAT_ASSIGN_OR_RETURN(StoredEvent existing, internal::ReadEvent(rows[0]));
      return AppendOutcome{.event = std::move(existing), .created = false};
    }
    StoredEvent e{.envelope = envelope, .received_at = ctx.now};
    e.seq = internal::Int(claimed[0][0]);
    std::optional<std::string> severity;
    if (envelope.severity) severity = std::string(core::model::SeverityName(*envelope.severity));
    c.Exec(tx,
           "INSERT INTO events(seq, event_id, event_type, ts, org_id, request_id, asset_key, "
           "severity, payload, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
           e.seq, envelope.event_id, std::string(core::model::EventTypeName(envelope.event_type)),
           internal::Ms(envelope.ts), envelope.org_id, internal::TextOrNull(envelope.request_id),
           internal::TextOrNull(envelope.asset_key), severity,
           internal::TextOrNull(envelope.payload_json), internal::Ms(ctx.now));
    internal::InsertAudit(c, tx, ctx, "event.append", "event:" + envelope.event_id, "",
                          sqlite::internal::EventJson(e));
    // The transactional outbox: the message commits (or rolls back) with the event.
    if (auto message = core::outbox::MessageForNewEvent(envelope))
      internal::InsertOutbox(c, tx, *message, ctx.now);
    tx.commit();
    return AppendOutcome{.event = std::move(e), .created = true};
  });
}

Result<Page<StoredEvent>> PgStore::ListEvents(const EventFilter& filter, const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::vector<std::optional<std::string>> params = {std::to_string(page.after),
                                                    std::to_string(limit + 1)};
  auto param = [&](std::string value) {
    params.emplace_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT " SECPLAT_PG_EVENT_COLUMNS " FROM events WHERE seq > $1::bigint";
  if (filter.asset_key) sql += " AND asset_key = " + param(*filter.asset_key);
  if (filter.event_type)
    sql +=
        " AND event_type = " + param(std::string(core::model::EventTypeName(*filter.event_type)));
  if (filter.since)
    sql += " AND ts >= " + param(std::to_string(internal::Ms(*filter.since))) + "::bigint";
  if (filter.until)
    sql += " AND ts < " + param(std::to_string(internal::Ms(*filter.until))) + "::bigint";
  sql += " ORDER BY seq LIMIT $2::bigint";
  for (const auto& p : params)
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.value_or(""), "filter"));
  return Run([&](PgConnection& c) -> Result<Page<StoredEvent>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, sql, pqxx::prepare::make_dynamic_params(params));
    return internal::CollectPage<StoredEvent>(
        rows, limit, [](const pqxx::row& r) { return internal::ReadEvent(r); },
        [](const StoredEvent& e) { return e.seq; });
  });
}

// ---- Scan jobs ---------------------------------------------------------------------------

Result<ScanJobOutcome> PgStore::CreateScanJob(const ScanJob& job, const WriteContext& ctx) {
  if (job.idempotency_key.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "idempotency_key: required");
  for (const std::string* s :
       {&job.idempotency_key, &job.scan_type, &job.asset_key, &job.requested_by, &job.request_id})
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(*s, "scan job"));
  return Run([&](PgConnection& c) -> Result<ScanJobOutcome> {
    pqxx::work tx(c.raw());
    auto existing = [&]() -> Result<std::optional<ScanJob>> {
      pqxx::result rows = c.Exec(
          tx, "SELECT " SECPLAT_PG_SCAN_JOB_COLUMNS " FROM scan_jobs WHERE idempotency_key = $1",
          job.idempotency_key);
      if (rows.empty()) return std::optional<ScanJob>();
      SECPLAT_ASSIGN_OR_RETURN(ScanJob j, internal::ReadScanJob(rows[0]));
      return std::optional<ScanJob>(std::move(j));
    };
    {
      SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> found, existing());
      if (found) return ScanJobOutcome{.job = *std::move(found), .created = false};
    }
    {
      pqxx::result active = c.Exec(
          tx, "SELECT 1 FROM assets WHERE asset_key = $1 AND deleted_at IS NULL", job.asset_key);
      if (active.empty()) return internal::NotFound("asset " + internal::Quoted(job.asset_key));
    }
    ScanJob j;
    j.idempotency_key = job.idempotency_key;
    j.scan_type = job.scan_type;
    j.asset_key = job.asset_key;
    j.status = ScanJobStatus::kQueued;
    j.requested_by = job.requested_by;
    j.request_id = job.request_id;
    j.created_at = ctx.now;
    j.updated_at = ctx.now;
    pqxx::result ins =
        c.Exec(tx,
               "INSERT INTO scan_jobs(idempotency_key, scan_type, asset_key, status, attempts, "
               "requested_by, request_id, created_at, updated_at) "
               "VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $7) "
               "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
               j.idempotency_key, j.scan_type, j.asset_key,
               std::string(core::model::ScanJobStatusName(j.status)), j.requested_by, j.request_id,
               internal::Ms(ctx.now));
    if (ins.empty()) {
      // A concurrent create with the same key committed between our read and our insert.
      SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> found, existing());
      if (!found)
        return Unexpected(ErrorCode::kUnavailable,
                          "scan job " + internal::Quoted(job.idempotency_key) +
                              " was created and removed concurrently; retry");
      return ScanJobOutcome{.job = *std::move(found), .created = false};
    }
    j.id = internal::Int(ins[0][0]);
    internal::InsertAudit(c, tx, ctx, "scan_job.create", JobTarget(j.id), "",
                          sqlite::internal::ScanJobJson(j));
    // The transactional outbox: the scan.requested message commits (or rolls back) with the job.
    if (auto message = core::outbox::MessageForNewScanJob(j))
      internal::InsertOutbox(c, tx, *message, ctx.now);
    tx.commit();
    return ScanJobOutcome{.job = std::move(j), .created = true};
  });
}

Result<ScanJob> PgStore::GetScanJob(int64_t id) {
  return Run([&](PgConnection& c) -> Result<ScanJob> {
    pqxx::nontransaction tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> j, FindScanJob(c, tx, id, false));
    if (!j) return internal::NotFound(JobName(id));
    return *std::move(j);
  });
}

Result<Page<ScanJob>> PgStore::ListScanJobs(const ScanJobFilter& filter, const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::vector<std::optional<std::string>> params = {std::to_string(page.after),
                                                    std::to_string(limit + 1)};
  auto param = [&](std::string value) {
    params.emplace_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT " SECPLAT_PG_SCAN_JOB_COLUMNS " FROM scan_jobs WHERE id > $1::bigint";
  if (filter.asset_key) sql += " AND asset_key = " + param(*filter.asset_key);
  if (filter.scan_type) sql += " AND scan_type = " + param(*filter.scan_type);
  if (filter.status)
    sql += " AND status = " + param(std::string(core::model::ScanJobStatusName(*filter.status)));
  sql += " ORDER BY id LIMIT $2::bigint";
  for (const auto& p : params)
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.value_or(""), "filter"));
  return Run([&](PgConnection& c) -> Result<Page<ScanJob>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, sql, pqxx::prepare::make_dynamic_params(params));
    return internal::CollectPage<ScanJob>(
        rows, limit, [](const pqxx::row& r) { return internal::ReadScanJob(r); },
        [](const ScanJob& j) { return j.id; });
  });
}

Result<ScanJob> PgStore::UpdateScanJobStatus(int64_t id, ScanJobStatus status,
                                             const std::string& error, const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(error, "error"));
  return Run([&](PgConnection& c) -> Result<ScanJob> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> before, FindScanJob(c, tx, id, true));
    if (!before) return internal::NotFound(JobName(id));
    SECPLAT_RETURN_IF_ERROR(core::scans::CheckTransition(before->status, status));
    ScanJob j = *before;
    j.status = status;
    j.updated_at = ctx.now;
    switch (status) {
      case ScanJobStatus::kRunning:
        j.attempts += 1;
        j.started_at = ctx.now;
        j.finished_at.reset();
        break;
      case ScanJobStatus::kQueued:  // retried or requeued: not finished any more
        j.finished_at.reset();
        break;
      case ScanJobStatus::kDone:
      case ScanJobStatus::kFailed:
      case ScanJobStatus::kDead:
        j.finished_at = ctx.now;
        break;
    }
    if (!error.empty()) j.last_error = error;
    c.Exec(tx,
           "UPDATE scan_jobs SET status = $2, attempts = $3, last_error = $4, updated_at = $5, "
           "started_at = $6, finished_at = $7 WHERE id = $1",
           j.id, std::string(core::model::ScanJobStatusName(j.status)), j.attempts, j.last_error,
           internal::Ms(j.updated_at), internal::Ms(j.started_at), internal::Ms(j.finished_at));
    internal::InsertAudit(c, tx, ctx, "scan_job.status", JobTarget(id),
                          sqlite::internal::ScanJobJson(*before), sqlite::internal::ScanJobJson(j));
    tx.commit();
    return j;
  });
}

Result<ScanJob> PgStore::AppendScanJobLog(int64_t id, const std::string& text,
                                          const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(text, "log text"));
  return Run([&](PgConnection& c) -> Result<ScanJob> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> j, FindScanJob(c, tx, id, true));
    if (!j) return internal::NotFound(JobName(id));
    if (text.empty()) return *std::move(j);  // nothing to append, nothing to audit
    if (j->log_output.size() + text.size() > kMaxScanJobLogBytes)
      return Unexpected(ErrorCode::kResourceExhausted,
                        JobName(id) + ": log would exceed " + std::to_string(kMaxScanJobLogBytes) +
                            " bytes (has " + std::to_string(j->log_output.size()) + ", appending " +
                            std::to_string(text.size()) + ")");
    c.Exec(tx, "UPDATE scan_jobs SET log_output = log_output || $2, updated_at = $3 WHERE id = $1",
           id, text, internal::Ms(ctx.now));
    j->log_output += text;
    j->updated_at = ctx.now;
    sqlite::JsonWriter after;
    after.BeginObject();
    after.Key("id").Int(id);
    after.Key("appended_bytes").Int(static_cast<int64_t>(text.size()));
    after.Key("log_bytes").Int(static_cast<int64_t>(j->log_output.size()));
    after.EndObject();
    internal::InsertAudit(c, tx, ctx, "scan_job.log", JobTarget(id), "", after.str());
    tx.commit();
    return *std::move(j);
  });
}

}  // namespace secplat::adapters::postgres
