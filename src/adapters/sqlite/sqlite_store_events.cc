// SqliteStore: the append-only event log and scan jobs.
#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/rows.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/store_internal.h"
#include "core/outbox/messages.h"
#include "core/scans/transition.h"

namespace secplat::adapters::sqlite {

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

Result<std::optional<StoredEvent>> FindEvent(Connection& db, std::string_view event_id) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare("SELECT " SECPLAT_SQLITE_EVENT_COLUMNS
                                                        " FROM events WHERE event_id = ?1"));
  s->Bind(1, event_id);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<StoredEvent>();
  SECPLAT_ASSIGN_OR_RETURN(StoredEvent e, internal::ReadEvent(*s));
  return std::optional<StoredEvent>(std::move(e));
}

Result<std::optional<ScanJob>> FindScanJob(Connection& db, int64_t id) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare("SELECT " SECPLAT_SQLITE_SCAN_JOB_COLUMNS
                                                        " FROM scan_jobs WHERE id = ?1"));
  s->Bind(1, id);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<ScanJob>();
  SECPLAT_ASSIGN_OR_RETURN(ScanJob j, internal::ReadScanJob(*s));
  return std::optional<ScanJob>(std::move(j));
}

std::string JobTarget(int64_t id) { return "scan_job:" + std::to_string(id); }
std::string JobName(int64_t id) { return "scan job " + std::to_string(id); }

}  // namespace

// ---- Events ------------------------------------------------------------------------------

namespace {

// Appends `envelope` on `db` inside the caller's transaction, with its audit and outbox rows,
// unless its event_id is stored (then the stored event, created = false).
Result<AppendOutcome> AppendEventOn(Connection& db, const Envelope& envelope,
                                    const WriteContext& ctx) {
  SECPLAT_ASSIGN_OR_RETURN(std::optional<StoredEvent> existing, FindEvent(db, envelope.event_id));
  if (existing) return AppendOutcome{.event = *std::move(existing), .created = false};
  StoredEvent e{.envelope = envelope, .received_at = ctx.now};
  {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare("INSERT INTO events(event_id, event_type, ts, org_id, request_id, asset_key, "
                   "severity, payload, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    s->Bind(1, envelope.event_id);
    s->Bind(2, core::model::EventTypeName(envelope.event_type));
    s->Bind(3, envelope.ts);
    s->Bind(4, envelope.org_id);
    s->BindTextOrNull(5, envelope.request_id);
    s->BindTextOrNull(6, envelope.asset_key);
    if (envelope.severity) {
      s->Bind(7, core::model::SeverityName(*envelope.severity));
    } else {
      s->BindNull(7);
    }
    s->BindTextOrNull(8, envelope.payload_json);
    s->Bind(9, ctx.now);
    SECPLAT_RETURN_IF_ERROR(s->Run());
    e.seq = db.LastInsertRowId();
  }
  SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(
      db, ctx, "event.append", "event:" + envelope.event_id, "", internal::EventJson(e)));
  // The transactional outbox: the message commits (or rolls back) with the event.
  if (auto message = core::outbox::MessageForNewEvent(envelope))
    SECPLAT_RETURN_IF_ERROR(internal::InsertOutbox(db, *message, ctx.now));
  return AppendOutcome{.event = std::move(e), .created = true};
}

}  // namespace

Result<AppendOutcome> SqliteStore::AppendEvent(const Envelope& envelope, const WriteContext& ctx) {
  if (envelope.event_id.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "event_id: required");
  return WriteTx(
      [&](Connection& db) -> Result<AppendOutcome> { return AppendEventOn(db, envelope, ctx); });
}

Result<std::vector<AppendOutcome>> SqliteStore::AppendEvents(std::span<const Envelope> envelopes,
                                                             const WriteContext& ctx) {
  for (size_t i = 0; i < envelopes.size(); ++i) {
    if (envelopes[i].event_id.empty())
      return Unexpected(ErrorCode::kInvalidArgument,
                        "events[" + std::to_string(i) + "].event_id: required");
  }
  return WriteTx([&](Connection& db) -> Result<std::vector<AppendOutcome>> {
    std::vector<AppendOutcome> out;
    out.reserve(envelopes.size());
    for (const Envelope& e : envelopes) {
      SECPLAT_ASSIGN_OR_RETURN(AppendOutcome o, AppendEventOn(db, e, ctx));
      out.push_back(std::move(o));
    }
    return out;
  });
}

Result<Page<StoredEvent>> SqliteStore::ListEvents(const EventFilter& filter,
                                                  const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::string sql = "SELECT " SECPLAT_SQLITE_EVENT_COLUMNS " FROM events WHERE seq > ?1";
  if (filter.asset_key) sql += " AND asset_key = ?3";
  if (filter.event_type) sql += " AND event_type = ?4";
  if (filter.since) sql += " AND ts >= ?5";
  if (filter.until) sql += " AND ts < ?6";
  sql += " ORDER BY seq LIMIT ?2";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  s->Bind(1, page.after);
  s->Bind(2, limit + 1);
  if (filter.asset_key) s->Bind(3, *filter.asset_key);
  if (filter.event_type) s->Bind(4, core::model::EventTypeName(*filter.event_type));
  if (filter.since) s->Bind(5, *filter.since);
  if (filter.until) s->Bind(6, *filter.until);
  return internal::CollectPage<StoredEvent>(
      *s, limit, [](const Statement& st) { return internal::ReadEvent(st); },
      [](const StoredEvent& e) { return e.seq; });
}

// ---- Scan jobs ---------------------------------------------------------------------------

Result<ScanJobOutcome> SqliteStore::CreateScanJob(const ScanJob& job, const WriteContext& ctx) {
  if (job.idempotency_key.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "idempotency_key: required");
  return WriteTx([&](Connection& db) -> Result<ScanJobOutcome> {
    {
      SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                               db.Prepare("SELECT " SECPLAT_SQLITE_SCAN_JOB_COLUMNS
                                          " FROM scan_jobs WHERE idempotency_key = ?1"));
      s->Bind(1, job.idempotency_key);
      SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
      if (row) {
        SECPLAT_ASSIGN_OR_RETURN(ScanJob existing, internal::ReadScanJob(*s));
        return ScanJobOutcome{.job = std::move(existing), .created = false};
      }
    }
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare("SELECT 1 FROM assets WHERE asset_key = ?1 AND deleted_at IS NULL"));
      s->Bind(1, job.asset_key);
      SECPLAT_ASSIGN_OR_RETURN(bool active, s->Step());
      if (!active) return internal::NotFound("asset " + internal::Quoted(job.asset_key));
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
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare("INSERT INTO scan_jobs(idempotency_key, scan_type, asset_key, status, "
                     "attempts, requested_by, request_id, created_at, updated_at) "
                     "VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?7)"));
      s->Bind(1, j.idempotency_key);
      s->Bind(2, j.scan_type);
      s->Bind(3, j.asset_key);
      s->Bind(4, core::model::ScanJobStatusName(j.status));
      s->Bind(5, j.requested_by);
      s->Bind(6, j.request_id);
      s->Bind(7, ctx.now);
      SECPLAT_RETURN_IF_ERROR(s->Run());
      j.id = db.LastInsertRowId();
    }
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(db, ctx, "scan_job.create", JobTarget(j.id), "",
                                                  internal::ScanJobJson(j)));
    // The transactional outbox: the scan.requested message commits (or rolls back) with the job.
    if (auto message = core::outbox::MessageForNewScanJob(j))
      SECPLAT_RETURN_IF_ERROR(internal::InsertOutbox(db, *message, ctx.now));
    return ScanJobOutcome{.job = std::move(j), .created = true};
  });
}

Result<ScanJob> SqliteStore::GetScanJob(int64_t id) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> j, FindScanJob(*db, id));
  if (!j) return internal::NotFound(JobName(id));
  return *std::move(j);
}

Result<Page<ScanJob>> SqliteStore::ListScanJobs(const ScanJobFilter& filter,
                                                const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::string sql = "SELECT " SECPLAT_SQLITE_SCAN_JOB_COLUMNS " FROM scan_jobs WHERE id > ?1";
  if (filter.asset_key) sql += " AND asset_key = ?3";
  if (filter.scan_type) sql += " AND scan_type = ?4";
  if (filter.status) sql += " AND status = ?5";
  sql += " ORDER BY id LIMIT ?2";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  s->Bind(1, page.after);
  s->Bind(2, limit + 1);
  if (filter.asset_key) s->Bind(3, *filter.asset_key);
  if (filter.scan_type) s->Bind(4, *filter.scan_type);
  if (filter.status) s->Bind(5, core::model::ScanJobStatusName(*filter.status));
  return internal::CollectPage<ScanJob>(
      *s, limit, [](const Statement& st) { return internal::ReadScanJob(st); },
      [](const ScanJob& j) { return j.id; });
}

Result<ScanJob> SqliteStore::UpdateScanJobStatus(int64_t id, ScanJobStatus status,
                                                 const std::string& error,
                                                 const WriteContext& ctx) {
  return WriteTx([&](Connection& db) -> Result<ScanJob> {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> before, FindScanJob(db, id));
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
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare("UPDATE scan_jobs SET status = ?2, attempts = ?3, last_error = ?4, "
                     "updated_at = ?5, started_at = ?6, finished_at = ?7 WHERE id = ?1"));
      s->Bind(1, j.id);
      s->Bind(2, core::model::ScanJobStatusName(j.status));
      s->Bind(3, j.attempts);
      s->Bind(4, j.last_error);
      s->Bind(5, j.updated_at);
      s->Bind(6, j.started_at);
      s->Bind(7, j.finished_at);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(db, ctx, "scan_job.status", JobTarget(id),
                                                  internal::ScanJobJson(*before),
                                                  internal::ScanJobJson(j)));
    return j;
  });
}

Result<ScanJob> SqliteStore::AppendScanJobLog(int64_t id, const std::string& text,
                                              const WriteContext& ctx) {
  return WriteTx([&](Connection& db) -> Result<ScanJob> {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ScanJob> j, FindScanJob(db, id));
    if (!j) return internal::NotFound(JobName(id));
    if (text.empty()) return *std::move(j);  // nothing to append, nothing to audit
    if (j->log_output.size() + text.size() > kMaxScanJobLogBytes)
      return Unexpected(ErrorCode::kResourceExhausted,
                        JobName(id) + ": log would exceed " + std::to_string(kMaxScanJobLogBytes) +
                            " bytes (has " + std::to_string(j->log_output.size()) + ", appending " +
                            std::to_string(text.size()) + ")");
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare("UPDATE scan_jobs SET log_output = log_output || ?2, updated_at = ?3 "
                     "WHERE id = ?1"));
      s->Bind(1, id);
      s->Bind(2, text);
      s->Bind(3, ctx.now);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    j->log_output += text;
    j->updated_at = ctx.now;
    JsonWriter after;
    after.BeginObject();
    after.Key("id").Int(id);
    after.Key("appended_bytes").Int(static_cast<int64_t>(text.size()));
    after.Key("log_bytes").Int(static_cast<int64_t>(j->log_output.size()));
    after.EndObject();
    SECPLAT_RETURN_IF_ERROR(
        internal::InsertAudit(db, ctx, "scan_job.log", JobTarget(id), "", after.str()));
    return *std::move(j);
  });
}

}  // namespace secplat::adapters::sqlite
