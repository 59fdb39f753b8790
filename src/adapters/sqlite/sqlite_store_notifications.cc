// SqliteStore: the notifier's state (ports/store/notification_store.h) in the tables of
// migrations/sqlite/0004_notifications.sql. Every compare-and-set reads the stored version and
// writes in one write transaction; the single writer connection (BEGIN IMMEDIATE across
// processes) makes it atomic. Documents are stored and returned as given; they are only
// checked to be JSON objects. Only a change of a channel's `failing` flag is audited.
#include <string>

#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/rows.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/store_internal.h"
#include "core/model/notification.h"
#include "core/notify/delivery.h"

namespace secplat::adapters::sqlite {

using ports::store::CreatedDeliveryRow;
using ports::store::DeliveryAttemptRow;
using ports::store::NotificationFilter;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::StoredChannelHealth;
using ports::store::StoredDeliveryRow;
using ports::store::StoredNotifyLog;
using ports::store::StoredRouting;
using ports::store::WriteContext;

namespace {

// Column lists in the order the Read* functions below expect them.
#define SECPLAT_SQLITE_NOTIFY_LOG_COLUMNS \
  "channel, problem_key, firing, next_repeat_at, document, version, updated_at"
#define SECPLAT_SQLITE_DELIVERY_COLUMNS                                              \
  "idempotency_key, event_id, channel, asset_key, state, sending, next_attempt_at, " \
  "attempts, created_at, document, version, updated_at"
#define SECPLAT_SQLITE_ATTEMPT_COLUMNS "idempotency_key, attempt, at, document"
#define SECPLAT_SQLITE_ROUTING_COLUMNS "event_id, event_type, asset_key, decided_at, document"
#define SECPLAT_SQLITE_CHANNEL_COLUMNS "channel, failing, reason, since"

// The terminal states as an SQL list (core::notify::IsTerminal); the partial index
// deliveries_due is written with the complementary list, which ListDueDeliveries repeats
// verbatim so that SQLite can use the index.
#define SECPLAT_SQLITE_TERMINAL_STATES "('delivered', 'failed_permanent', 'dead')"
#define SECPLAT_SQLITE_ACTIVE_STATES "('pending', 'retrying')"

Unexpected Invalid(std::string what) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(what));
}

Status ValidateDocument(std::string_view document) {
  if (!IsJsonOf(document, '{')) return Invalid("document: must be a JSON object");
  return OkStatus();
}

Status ValidateDelivery(const StoredDeliveryRow& row) {
  if (row.idempotency_key.empty()) return Invalid("idempotency_key: required");
  if (row.event_id.empty()) return Invalid("event_id: required");
  if (row.channel.empty()) return Invalid("channel: required");
  if (row.attempts < 0) return Invalid("attempts: must not be negative");
  return ValidateDocument(row.document);
}

StoredNotifyLog ReadNotifyLog(const Statement& s) {
  StoredNotifyLog r;
  r.channel = s.Text(0);
  r.problem_key = s.Text(1);
  r.firing = s.Int64(2) != 0;
  r.next_repeat_at = s.OptTime(3);
  r.document = s.Text(4);
  r.version = s.Int64(5);
  r.updated_at = s.Time(6);
  return r;
}

// Reads a delivery starting at column `col`.
Result<StoredDeliveryRow> ReadDelivery(const Statement& s, int col = 0) {
  StoredDeliveryRow r;
  r.idempotency_key = s.Text(col);
  r.event_id = s.Text(col + 1);
  r.channel = s.Text(col + 2);
  r.asset_key = s.Text(col + 3);
  std::string state = s.Text(col + 4);
  auto parsed = core::model::ParseDeliveryState(state);
  if (!parsed)
    return Unexpected(ErrorCode::kInternal, "deliveries: unknown state " + internal::Quoted(state));
  r.state = *parsed;
  r.sending = s.Int64(col + 5) != 0;
  r.next_attempt_at = s.OptTime(col + 6);
  r.attempts = static_cast<int>(s.Int64(col + 7));
  r.created_at = s.Time(col + 8);
  r.document = s.Text(col + 9);
  r.version = s.Int64(col + 10);
  r.updated_at = s.Time(col + 11);
  return r;
}

DeliveryAttemptRow ReadAttempt(const Statement& s) {
  DeliveryAttemptRow r;
  r.idempotency_key = s.Text(0);
  r.attempt = static_cast<int>(s.Int64(1));
  r.at = s.Time(2);
  r.document = s.Text(3);
  return r;
}

// Reads a routing record starting at column `col`.
StoredRouting ReadRouting(const Statement& s, int col = 0) {
  StoredRouting r;
  r.event_id = s.Text(col);
  r.event_type = s.Text(col + 1);
  r.asset_key = s.Text(col + 2);
  r.decided_at = s.Time(col + 3);
  r.document = s.Text(col + 4);
  return r;
}

StoredChannelHealth ReadChannel(const Statement& s) {
  StoredChannelHealth r;
  r.channel = s.Text(0);
  r.failing = s.Int64(1) != 0;
  r.reason = s.Text(2);
  r.since = s.Time(3);
  return r;
}

Result<std::optional<StoredNotifyLog>> FindNotifyLog(Connection& db, std::string_view channel,
                                                     std::string_view problem_key) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db.Prepare("SELECT " SECPLAT_SQLITE_NOTIFY_LOG_COLUMNS
                                      " FROM notify_log WHERE channel = ?1 AND problem_key = ?2"));
  s->Bind(1, channel);
  s->Bind(2, problem_key);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<StoredNotifyLog>();
  return std::optional<StoredNotifyLog>(ReadNotifyLog(*s));
}

Result<std::optional<StoredDeliveryRow>> FindDelivery(Connection& db,
                                                      std::string_view idempotency_key) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db.Prepare("SELECT " SECPLAT_SQLITE_DELIVERY_COLUMNS
                                      " FROM deliveries WHERE idempotency_key = ?1"));
  s->Bind(1, idempotency_key);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<StoredDeliveryRow>();
  SECPLAT_ASSIGN_OR_RETURN(StoredDeliveryRow r, ReadDelivery(*s));
  return std::optional<StoredDeliveryRow>(std::move(r));
}

// Binds the columns of `r` after the key (?2..?12, SECPLAT_SQLITE_DELIVERY_COLUMNS order).
void BindDelivery(Statement& s, const StoredDeliveryRow& r) {
  s.Bind(1, r.idempotency_key);
  s.Bind(2, r.event_id);
  s.Bind(3, r.channel);
  s.Bind(4, r.asset_key);
  s.Bind(5, core::model::DeliveryStateName(r.state));
  s.Bind(6, r.sending);
  s.Bind(7, r.next_attempt_at);
  s.Bind(8, r.attempts);
  s.Bind(9, r.created_at);
  s.Bind(10, r.document);
  s.Bind(11, r.version);
  s.Bind(12, r.updated_at);
}

// Reads up to `limit` rows of `s`, which selects the internal id first and then the columns
// `read` expects (from column 1), at most limit + 1 rows, newest first. next_after is the id of
// the last item when a further row exists.
template <typename T, typename Read>
Result<Page<T>> CollectNewestFirst(Statement& s, int limit, Read&& read) {
  Page<T> out;
  int64_t last_id = 0;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (static_cast<int>(out.items.size()) == limit) {  // the probe row: another page exists
      out.next_after = last_id;
      break;
    }
    last_id = s.Int64(0);
    SECPLAT_ASSIGN_OR_RETURN(T item, read(s));
    out.items.push_back(std::move(item));
  }
  return out;
}

// The audit summary of a channel's health.
std::string ChannelAuditJson(const StoredChannelHealth& h) {
  JsonWriter w;
  w.BeginObject();
  w.Key("failing").Bool(h.failing);
  w.Key("reason").String(h.reason);
  w.EndObject();
  return w.Take();
}

}  // namespace

// ---- Notification log --------------------------------------------------------------------

Result<std::optional<StoredNotifyLog>> SqliteStore::GetNotifyLog(std::string_view channel,
                                                                 std::string_view problem_key) {
  auto db = readers_->Acquire();
  return FindNotifyLog(*db, channel, problem_key);
}

namespace {

Status ValidateNotifyLogPut(const StoredNotifyLog& row, int64_t expected_version) {
  if (row.channel.empty()) return Invalid("channel: required");
  if (row.problem_key.empty()) return Invalid("problem_key: required");
  if (expected_version < 0) return Invalid("expected_version: must not be negative");
  return ValidateDocument(row.document);
}

// PutNotifyLog's compare-and-set on `db`, inside the caller's transaction.
Result<StoredNotifyLog> PutNotifyLogIn(Connection& db, const StoredNotifyLog& row,
                                       int64_t expected_version, const WriteContext& ctx) {
  int64_t stored = 0;
  {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare("SELECT version FROM notify_log WHERE channel = ?1 AND problem_key = ?2"));
    s->Bind(1, row.channel);
    s->Bind(2, row.problem_key);
    SECPLAT_ASSIGN_OR_RETURN(bool found, s->Step());
    if (found) stored = s->Int64(0);
  }
  if (stored != expected_version)
    return Unexpected(ErrorCode::kConflict,
                      "notify log of channel " + internal::Quoted(row.channel) + " and problem " +
                          internal::Quoted(row.problem_key) + " is at version " +
                          std::to_string(stored) + ", not " + std::to_string(expected_version));
  StoredNotifyLog after = row;
  after.version = stored + 1;
  after.updated_at = ctx.now;
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("INSERT INTO notify_log(" SECPLAT_SQLITE_NOTIFY_LOG_COLUMNS
                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(channel, problem_key) DO "
                 "UPDATE SET firing = excluded.firing, next_repeat_at = excluded.next_repeat_at, "
                 "document = excluded.document, version = excluded.version, "
                 "updated_at = excluded.updated_at"));
  s->Bind(1, after.channel);
  s->Bind(2, after.problem_key);
  s->Bind(3, after.firing);
  s->Bind(4, after.next_repeat_at);
  s->Bind(5, after.document);
  s->Bind(6, after.version);
  s->Bind(7, after.updated_at);
  SECPLAT_RETURN_IF_ERROR(s->Run());
  return after;
}

}  // namespace

Result<StoredNotifyLog> SqliteStore::PutNotifyLog(const StoredNotifyLog& row,
                                                  int64_t expected_version,
                                                  const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(ValidateNotifyLogPut(row, expected_version));
  return WriteTx([&](Connection& db) -> Result<StoredNotifyLog> {
    return PutNotifyLogIn(db, row, expected_version, ctx);
  });
}

Result<std::vector<StoredNotifyLog>> SqliteStore::ListRepeatDue(Timestamp now, int limit) {
  limit = internal::ClampLimit(limit);
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db->Prepare("SELECT " SECPLAT_SQLITE_NOTIFY_LOG_COLUMNS
                                       " FROM notify_log WHERE firing = 1 AND next_repeat_at <= ?1"
                                       " ORDER BY next_repeat_at, channel, problem_key LIMIT ?2"));
  s->Bind(1, now);
  s->Bind(2, limit);
  std::vector<StoredNotifyLog> out;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadNotifyLog(*s));
  }
  return out;
}

// ---- Deliveries --------------------------------------------------------------------------

namespace {

// CreateDelivery's insert-or-read on `db`, inside the caller's transaction.
Result<CreatedDeliveryRow> CreateDeliveryIn(Connection& db, const StoredDeliveryRow& row,
                                            const WriteContext& ctx) {
  StoredDeliveryRow fresh = row;
  fresh.version = 1;
  fresh.updated_at = ctx.now;
  {
    // ON CONFLICT DO NOTHING: a second create (or one from another process holding the file)
    // leaves the stored row alone and reads it back below.
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s, db.Prepare("INSERT INTO deliveries(" SECPLAT_SQLITE_DELIVERY_COLUMNS
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
                                     "ON CONFLICT(idempotency_key) DO NOTHING"));
    BindDelivery(*s, fresh);
    SECPLAT_RETURN_IF_ERROR(s->Run());
  }
  if (db.Changes() == 1) return CreatedDeliveryRow{std::move(fresh), true};
  SECPLAT_ASSIGN_OR_RETURN(std::optional<StoredDeliveryRow> stored,
                           FindDelivery(db, row.idempotency_key));
  if (!stored)  // cannot happen inside the transaction; kept as an error, not a crash
    return Unexpected(ErrorCode::kInternal, "delivery " + internal::Quoted(row.idempotency_key) +
                                                " was neither inserted nor found");
  return CreatedDeliveryRow{*std::move(stored), false};
}

}  // namespace

Result<CreatedDeliveryRow> SqliteStore::CreateDelivery(const StoredDeliveryRow& row,
                                                       const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(ValidateDelivery(row));
  return WriteTx(
      [&](Connection& db) -> Result<CreatedDeliveryRow> { return CreateDeliveryIn(db, row, ctx); });
}

namespace {

Status ValidateDeliveryPut(const StoredDeliveryRow& row, int64_t expected_version,
                           const std::optional<DeliveryAttemptRow>& attempt) {
  SECPLAT_RETURN_IF_ERROR(ValidateDelivery(row));
  if (expected_version < 0) return Invalid("expected_version: must not be negative");
  if (attempt) {
    if (!attempt->idempotency_key.empty() && attempt->idempotency_key != row.idempotency_key)
      return Invalid("attempt: idempotency_key " + internal::Quoted(attempt->idempotency_key) +
                     " is not the delivery's " + internal::Quoted(row.idempotency_key));
    if (attempt->attempt < 1) return Invalid("attempt: number must be at least 1");
    if (!IsJsonOf(attempt->document, '{'))
      return Invalid("attempt: document: must be a JSON object");
  }
  return OkStatus();
}

// PutDelivery's compare-and-set on `db`, inside the caller's transaction.
Result<StoredDeliveryRow> PutDeliveryIn(Connection& db, const StoredDeliveryRow& row,
                                        int64_t expected_version,
                                        const std::optional<DeliveryAttemptRow>& attempt,
                                        const WriteContext& ctx) {
  const std::string quoted = "delivery " + internal::Quoted(row.idempotency_key);
  {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare("SELECT version, state, event_id, channel, asset_key, created_at "
                   "FROM deliveries WHERE idempotency_key = ?1"));
    s->Bind(1, row.idempotency_key);
    SECPLAT_ASSIGN_OR_RETURN(bool found, s->Step());
    if (!found) return internal::NotFound(quoted);
    const int64_t stored = s->Int64(0);
    const std::string state = s->Text(1);
    if (stored != expected_version)
      return Unexpected(ErrorCode::kConflict, quoted + " is at version " + std::to_string(stored) +
                                                  ", not " + std::to_string(expected_version));
    auto parsed = core::model::ParseDeliveryState(state);
    if (!parsed)
      return Unexpected(ErrorCode::kInternal,
                        "deliveries: unknown state " + internal::Quoted(state));
    if (core::notify::IsTerminal(*parsed))
      return Unexpected(ErrorCode::kConflict, quoted + " is " + state + " (terminal) at version " +
                                                  std::to_string(stored) + "; it cannot change");
    SECPLAT_RETURN_IF_ERROR(internal::SameDeliveryIdentity(quoted, row, s->Text(2), s->Text(3),
                                                           s->Text(4), s->Time(5)));
  }
  if (attempt) {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare("SELECT 1 FROM delivery_attempts WHERE idempotency_key = ?1 AND attempt = ?2"));
    s->Bind(1, row.idempotency_key);
    s->Bind(2, attempt->attempt);
    SECPLAT_ASSIGN_OR_RETURN(bool recorded, s->Step());
    if (recorded)
      return Unexpected(
          ErrorCode::kConflict,
          quoted + ": attempt " + std::to_string(attempt->attempt) + " is already recorded");
  }
  StoredDeliveryRow after = row;
  after.version = expected_version + 1;
  after.updated_at = ctx.now;
  {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        // The identity columns (?2, ?3, ?4, ?9) are equal: leaving them out of the SET spares
        // three index rewrites per write (SQLite rewrites an index entry whenever a column of
        // the index is assigned, even to its own value).
        db.Prepare("UPDATE deliveries SET state = ?5, sending = ?6, next_attempt_at = ?7, "
                   "attempts = ?8, document = ?10, version = ?11, updated_at = ?12 "
                   "WHERE idempotency_key = ?1"));
    BindDelivery(*s, after);
    SECPLAT_RETURN_IF_ERROR(s->Run());
  }
  if (attempt) {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s, db.Prepare("INSERT INTO delivery_attempts(" SECPLAT_SQLITE_ATTEMPT_COLUMNS
                                     ") VALUES (?1, ?2, ?3, ?4)"));
    s->Bind(1, row.idempotency_key);
    s->Bind(2, attempt->attempt);
    s->Bind(3, attempt->at);
    s->Bind(4, attempt->document);
    SECPLAT_RETURN_IF_ERROR(s->Run());
  }
  return after;
}

}  // namespace

Result<StoredDeliveryRow> SqliteStore::PutDelivery(const StoredDeliveryRow& row,
                                                   int64_t expected_version,
                                                   const std::optional<DeliveryAttemptRow>& attempt,
                                                   const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(ValidateDeliveryPut(row, expected_version, attempt));
  return WriteTx([&](Connection& db) -> Result<StoredDeliveryRow> {
    return PutDeliveryIn(db, row, expected_version, attempt, ctx);
  });
}

Result<StoredDeliveryRow> SqliteStore::GetDelivery(std::string_view idempotency_key) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(std::optional<StoredDeliveryRow> row,
                           FindDelivery(*db, idempotency_key));
  if (!row) return internal::NotFound("delivery " + internal::Quoted(idempotency_key));
  return *std::move(row);
}

Result<std::vector<StoredDeliveryRow>> SqliteStore::ListDueDeliveries(Timestamp now, int limit) {
  limit = internal::ClampLimit(limit);
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db->Prepare("SELECT " SECPLAT_SQLITE_DELIVERY_COLUMNS
                  " FROM deliveries WHERE state IN " SECPLAT_SQLITE_ACTIVE_STATES
                  " AND next_attempt_at <= ?1 ORDER BY next_attempt_at, idempotency_key"
                  " LIMIT ?2"));
  s->Bind(1, now);
  s->Bind(2, limit);
  std::vector<StoredDeliveryRow> out;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    SECPLAT_ASSIGN_OR_RETURN(StoredDeliveryRow d, ReadDelivery(*s));
    out.push_back(std::move(d));
  }
  return out;
}

Result<Page<StoredDeliveryRow>> SqliteStore::ListDeliveries(const NotificationFilter& filter,
                                                            const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::string sql = "SELECT id, " SECPLAT_SQLITE_DELIVERY_COLUMNS " FROM deliveries WHERE 1";
  if (page.after > 0) sql += " AND id < ?1";
  if (filter.event_id) sql += " AND event_id = ?3";
  if (filter.asset_key) sql += " AND asset_key = ?4";
  if (filter.channel) sql += " AND channel = ?5";
  sql += " ORDER BY id DESC LIMIT ?2";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  if (page.after > 0) s->Bind(1, page.after);
  s->Bind(2, limit + 1);
  if (filter.event_id) s->Bind(3, *filter.event_id);
  if (filter.asset_key) s->Bind(4, *filter.asset_key);
  if (filter.channel) s->Bind(5, *filter.channel);
  return CollectNewestFirst<StoredDeliveryRow>(
      *s, limit, [](const Statement& st) { return ReadDelivery(st, 1); });
}

Result<std::vector<DeliveryAttemptRow>> SqliteStore::ListDeliveryAttempts(
    std::string_view idempotency_key) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db->Prepare("SELECT " SECPLAT_SQLITE_ATTEMPT_COLUMNS
                  " FROM delivery_attempts WHERE idempotency_key = ?1 ORDER BY attempt"));
  s->Bind(1, idempotency_key);
  std::vector<DeliveryAttemptRow> out;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadAttempt(*s));
  }
  return out;
}

// ---- Routing -----------------------------------------------------------------------------

namespace {

Status ValidateRouting(const StoredRouting& row) {
  if (row.event_id.empty()) return Invalid("event_id: required");
  return ValidateDocument(row.document);
}

// PutRouting's upsert on `db`, inside the caller's transaction.
Status PutRoutingIn(Connection& db, const StoredRouting& row) {
  // DO UPDATE keeps the row's id, so a rewrite does not move the event in the "why" view.
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("INSERT INTO notify_routing(" SECPLAT_SQLITE_ROUTING_COLUMNS
                 ") VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(event_id) DO UPDATE SET "
                 "event_type = excluded.event_type, asset_key = excluded.asset_key, "
                 "decided_at = excluded.decided_at, document = excluded.document"));
  s->Bind(1, row.event_id);
  s->Bind(2, row.event_type);
  s->Bind(3, row.asset_key);
  s->Bind(4, row.decided_at);
  s->Bind(5, row.document);
  return s->Run();
}

}  // namespace

Status SqliteStore::PutRouting(const StoredRouting& row, const WriteContext& /*ctx*/) {
  SECPLAT_RETURN_IF_ERROR(ValidateRouting(row));
  return WriteTx([&](Connection& db) -> Status { return PutRoutingIn(db, row); });
}

Result<std::optional<StoredRouting>> SqliteStore::GetRouting(std::string_view event_id) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db->Prepare("SELECT " SECPLAT_SQLITE_ROUTING_COLUMNS
                                       " FROM notify_routing WHERE event_id = ?1"));
  s->Bind(1, event_id);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<StoredRouting>();
  return std::optional<StoredRouting>(ReadRouting(*s));
}

Result<Page<StoredRouting>> SqliteStore::ListRouting(const NotificationFilter& filter,
                                                     const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::string sql = "SELECT id, " SECPLAT_SQLITE_ROUTING_COLUMNS " FROM notify_routing WHERE 1";
  if (page.after > 0) sql += " AND id < ?1";
  if (filter.event_id) sql += " AND event_id = ?3";
  if (filter.asset_key) sql += " AND asset_key = ?4";
  sql += " ORDER BY id DESC LIMIT ?2";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  if (page.after > 0) s->Bind(1, page.after);
  s->Bind(2, limit + 1);
  if (filter.event_id) s->Bind(3, *filter.event_id);
  if (filter.asset_key) s->Bind(4, *filter.asset_key);
  return CollectNewestFirst<StoredRouting>(
      *s, limit, [](const Statement& st) -> Result<StoredRouting> { return ReadRouting(st, 1); });
}

// ---- Channels ----------------------------------------------------------------------------

Status SqliteStore::SetChannelHealth(const StoredChannelHealth& health, const WriteContext& ctx) {
  if (health.channel.empty()) return Invalid("channel: required");
  return WriteTx([&](Connection& db) -> Status {
    std::optional<StoredChannelHealth> before;
    {
      SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                               db.Prepare("SELECT " SECPLAT_SQLITE_CHANNEL_COLUMNS
                                          " FROM notify_channels WHERE channel = ?1"));
      s->Bind(1, health.channel);
      SECPLAT_ASSIGN_OR_RETURN(bool found, s->Step());
      if (found) before = ReadChannel(*s);
    }
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare("INSERT INTO notify_channels(" SECPLAT_SQLITE_CHANNEL_COLUMNS
                     ") VALUES (?1, ?2, ?3, ?4) ON CONFLICT(channel) DO UPDATE SET "
                     "failing = excluded.failing, reason = excluded.reason, "
                     "since = excluded.since"));
      s->Bind(1, health.channel);
      s->Bind(2, health.failing);
      s->Bind(3, health.reason);
      s->Bind(4, health.since);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    const bool was_failing = before && before->failing;
    if (was_failing == health.failing) return OkStatus();
    return internal::InsertAudit(db, ctx, "notify.channel_health",
                                 "notify_channel:" + health.channel,
                                 before ? ChannelAuditJson(*before) : "", ChannelAuditJson(health));
  });
}

Result<std::vector<StoredChannelHealth>> SqliteStore::ListChannelHealth() {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare("SELECT " SECPLAT_SQLITE_CHANNEL_COLUMNS
                                                         " FROM notify_channels ORDER BY channel"));
  std::vector<StoredChannelHealth> out;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReadChannel(*s));
  }
  return out;
}

// ---- Retention ---------------------------------------------------------------------------

Result<int64_t> SqliteStore::DeleteNotificationsBefore(Timestamp before) {
  // Not audited: housekeeping by the api itself (the port takes no WriteContext).
  return WriteTx([&](Connection& db) -> Result<int64_t> {
    {
      // Attempts first: delivery_attempts references deliveries.
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare(
              "DELETE FROM delivery_attempts WHERE idempotency_key IN (SELECT "
              "idempotency_key FROM deliveries WHERE state IN " SECPLAT_SQLITE_TERMINAL_STATES
              " AND created_at < ?1)"));
      s->Bind(1, before);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    int64_t deleted = 0;
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db.Prepare("DELETE FROM deliveries WHERE state IN " SECPLAT_SQLITE_TERMINAL_STATES
                     " AND created_at < ?1"));
      s->Bind(1, before);
      SECPLAT_RETURN_IF_ERROR(s->Run());
      deleted += db.Changes();
    }
    {
      SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                               db.Prepare("DELETE FROM notify_routing WHERE decided_at < ?1"));
      s->Bind(1, before);
      SECPLAT_RETURN_IF_ERROR(s->Run());
      deleted += db.Changes();
    }
    return deleted;
  });
}

// ---- Batches (the notifier's batched handling and sends) ---------------------------------

namespace {

// An item's own outcome (its writes undone, the batch goes on) rather than the whole call's.
bool IsItemError(const Error& e) {
  return e.code == ErrorCode::kConflict || e.code == ErrorCode::kNotFound ||
         e.code == ErrorCode::kInvalidArgument;
}

Status RunSql(Connection& db, const char* sql) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare(sql));
  return s->Run();
}

// Runs `body(db)` inside SAVEPOINT item: kept when it succeeds, undone when it fails with an
// item error (returned as the item's outcome). Any other failure is the whole call's (returned
// as the outer error).
template <typename T, typename Body>
Result<Result<T>> InSavepoint(Connection& db, Body&& body) {
  SECPLAT_RETURN_IF_ERROR(RunSql(db, "SAVEPOINT item"));
  Result<T> r = body();
  if (!r.has_value()) {
    if (!db.InTransaction())
      return Unexpected(ErrorCode::kUnavailable,
                        "the write transaction was aborted by the database");
    SECPLAT_RETURN_IF_ERROR(RunSql(db, "ROLLBACK TO item"));
    SECPLAT_RETURN_IF_ERROR(RunSql(db, "RELEASE item"));
    if (!IsItemError(r.error())) return Unexpected(r.error());
    return Result<Result<T>>(std::move(r));
  }
  SECPLAT_RETURN_IF_ERROR(RunSql(db, "RELEASE item"));
  return Result<Result<T>>(std::move(r));
}

Status BatchSize(size_t n, std::string_view what) {
  if (n <= ports::store::kMaxNotificationBatchItems) return OkStatus();
  return Invalid(std::string(what) + ": at most " +
                 std::to_string(ports::store::kMaxNotificationBatchItems) + " in one call, not " +
                 std::to_string(n));
}

}  // namespace

Result<std::vector<std::optional<StoredNotifyLog>>> SqliteStore::GetNotifyLogs(
    std::span<const ports::store::NotifyLogKey> keys) {
  SECPLAT_RETURN_IF_ERROR(BatchSize(keys.size(), "keys"));
  auto db = readers_->Acquire();
  std::vector<std::optional<StoredNotifyLog>> out;
  out.reserve(keys.size());
  for (const ports::store::NotifyLogKey& k : keys) {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<StoredNotifyLog> row,
                             FindNotifyLog(*db, k.channel, k.problem_key));
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<Result<StoredDeliveryRow>>> SqliteStore::PutDeliveries(
    std::span<const ports::store::DeliveryPutRow> items, const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(BatchSize(items.size(), "items"));
  using Outcomes = std::vector<Result<StoredDeliveryRow>>;
  Outcomes out;
  out.reserve(items.size());
  std::vector<size_t> valid;  // items that reach the transaction
  for (size_t i = 0; i < items.size(); ++i) {
    Status v = ValidateDeliveryPut(items[i].row, items[i].expected_version, items[i].attempt);
    if (!v.has_value()) {
      out.push_back(Unexpected(v.error()));
    } else {
      out.push_back(Unexpected(ErrorCode::kInternal, "not stored"));
      valid.push_back(i);
    }
  }
  if (valid.empty()) return out;
  return WriteTx([&](Connection& db) -> Result<Outcomes> {
    Outcomes result = out;
    for (size_t i : valid) {
      const ports::store::DeliveryPutRow& item = items[i];
      SECPLAT_ASSIGN_OR_RETURN(Result<StoredDeliveryRow> r, InSavepoint<StoredDeliveryRow>(db, [&] {
                                 return PutDeliveryIn(db, item.row, item.expected_version,
                                                      item.attempt, ctx);
                               }));
      result[i] = std::move(r);
    }
    return result;
  });
}

Result<std::vector<Result<ports::store::EventWritesResult>>> SqliteStore::WriteEventBatch(
    std::span<const ports::store::EventWrites> events, const WriteContext& ctx) {
  using ports::store::EventWritesResult;
  SECPLAT_RETURN_IF_ERROR(BatchSize(events.size(), "events"));
  using Outcomes = std::vector<Result<EventWritesResult>>;
  Outcomes out;
  out.reserve(events.size());
  std::vector<size_t> valid;
  for (size_t i = 0; i < events.size(); ++i) {
    Status v = OkStatus();
    for (const StoredDeliveryRow& d : events[i].deliveries) {
      if (v.has_value()) v = ValidateDelivery(d);
    }
    for (const ports::store::NotifyLogPutRow& l : events[i].logs) {
      if (v.has_value()) v = ValidateNotifyLogPut(l.row, l.expected_version);
    }
    if (v.has_value() && events[i].routing) v = ValidateRouting(*events[i].routing);
    if (!v.has_value()) {
      out.push_back(Unexpected(v.error()));
    } else {
      out.push_back(Unexpected(ErrorCode::kInternal, "not stored"));
      valid.push_back(i);
    }
  }
  if (valid.empty()) return out;
  return WriteTx([&](Connection& db) -> Result<Outcomes> {
    Outcomes result = out;
    for (size_t i : valid) {
      const ports::store::EventWrites& e = events[i];
      SECPLAT_ASSIGN_OR_RETURN(
          Result<EventWritesResult> r,
          InSavepoint<EventWritesResult>(db, [&]() -> Result<EventWritesResult> {
            EventWritesResult w;
            for (const StoredDeliveryRow& d : e.deliveries) {
              SECPLAT_ASSIGN_OR_RETURN(CreatedDeliveryRow c, CreateDeliveryIn(db, d, ctx));
              w.deliveries.push_back(std::move(c));
            }
            for (const ports::store::NotifyLogPutRow& l : e.logs) {
              SECPLAT_ASSIGN_OR_RETURN(StoredNotifyLog stored,
                                       PutNotifyLogIn(db, l.row, l.expected_version, ctx));
              w.logs.push_back(std::move(stored));
            }
            if (e.routing) SECPLAT_RETURN_IF_ERROR(PutRoutingIn(db, *e.routing));
            return w;
          }));
      result[i] = std::move(r);
    }
    return result;
  });
}

}  // namespace secplat::adapters::sqlite
