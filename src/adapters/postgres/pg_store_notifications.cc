// PgStore: the notifier's durable state (ports/store/notification_store.h) in the tables of
// migrations/postgres/0004_notifications.sql.
//
// Every compare-and-set holds across processes without an explicit read lock: the write itself
// is conditional (UPDATE ... WHERE version = expected, and for deliveries AND state is not
// terminal; a first notify-log entry goes in with INSERT ... ON CONFLICT DO NOTHING). Under READ
// COMMITTED a concurrent writer of the same row waits for our commit and then re-evaluates its
// WHERE against the row we wrote, so exactly one of N writers with one expected version
// changes a row; a write that changed none is kConflict (or kNotFound), naming the version stored
// at that moment. CreateDelivery is INSERT ... ON CONFLICT (idempotency_key) DO NOTHING: the
// unique index makes concurrent creators of one key wait for the winner's commit and insert
// nothing, then read the winner's row.
//
// Documents are checked to be JSON objects here (same check and messages as SqliteStore) and
// stored as TEXT, so they come back byte for byte. Only a change of a channel's `failing` flag
// writes an audit row.
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/store_internal.h"
#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/rows.h"
#include "core/model/notification.h"
#include "core/notify/delivery.h"

namespace secplat::adapters::postgres {

using core::model::DeliveryState;
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

// The terminal states (core::notify::IsTerminal) as an SQL list; the partial index deliveries_due
// of 0004 lists the others.
#define SECPLAT_PG_TERMINAL_STATES "('delivered', 'failed_permanent', 'dead')"

// Column lists in the order the Read* functions below expect them.
#define SECPLAT_PG_NOTIFY_LOG_COLUMNS \
  "channel, problem_key, firing, next_repeat_at, document, version, updated_at"
#define SECPLAT_PG_DELIVERY_COLUMNS                                                                \
  "id, idempotency_key, event_id, channel, asset_key, state, sending, next_attempt_at, attempts, " \
  "created_at, document, version, updated_at"
#define SECPLAT_PG_ATTEMPT_COLUMNS "idempotency_key, attempt, at, document"
#define SECPLAT_PG_ROUTING_COLUMNS "id, event_id, event_type, asset_key, decided_at, document"
#define SECPLAT_PG_CHANNEL_COLUMNS "channel, failing, reason, since"

// Retention deletes terminal deliveries in batches of this many, one transaction each, so a
// large backlog never holds one long transaction (or meets statement_timeout).
constexpr int kRetentionBatch = 1000;

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool Bool(const pqxx::field& f) { return !f.is_null() && f.as<bool>(); }

Unexpected Invalid(std::string what) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(what));
}

// Checks a document: a JSON object without NUL bytes. `what` names it in the message.
Status CheckDocument(std::string_view document, std::string_view what) {
  if (!sqlite::IsJsonOf(document, '{'))
    return Invalid(std::string(what) + ": must be a JSON object");
  return internal::CheckNoNul(document, what);
}

// A required key field: non-empty, no NUL bytes.
Status CheckKey(std::string_view value, std::string_view what) {
  if (value.empty()) return Invalid(std::string(what) + ": required");
  return internal::CheckNoNul(value, what);
}

Status Validate(const StoredNotifyLog& row) {
  SECPLAT_RETURN_IF_ERROR(CheckKey(row.channel, "channel"));
  SECPLAT_RETURN_IF_ERROR(CheckKey(row.problem_key, "problem_key"));
  return CheckDocument(row.document, "document");
}

Status Validate(const StoredDeliveryRow& row) {
  SECPLAT_RETURN_IF_ERROR(CheckKey(row.idempotency_key, "idempotency_key"));
  SECPLAT_RETURN_IF_ERROR(CheckKey(row.event_id, "event_id"));
  SECPLAT_RETURN_IF_ERROR(CheckKey(row.channel, "channel"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(row.asset_key, "asset_key"));
  if (row.attempts < 0) return Invalid("attempts: must not be negative");
  return CheckDocument(row.document, "document");
}

// An attempt of the delivery `idempotency_key` (an empty attempt key means that delivery's).
Status Validate(const DeliveryAttemptRow& attempt, std::string_view idempotency_key) {
  if (!attempt.idempotency_key.empty() && attempt.idempotency_key != idempotency_key)
    return Invalid("attempt: idempotency_key " + internal::Quoted(attempt.idempotency_key) +
                   " is not the delivery's " + internal::Quoted(idempotency_key));
  if (attempt.attempt < 1) return Invalid("attempt: number must be at least 1");
  return CheckDocument(attempt.document, "attempt: document");
}

Status Validate(const StoredRouting& row) {
  SECPLAT_RETURN_IF_ERROR(CheckKey(row.event_id, "event_id"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(row.event_type, "event_type"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(row.asset_key, "asset_key"));
  return CheckDocument(row.document, "document");
}

StoredNotifyLog ReadNotifyLog(const pqxx::row& r) {
  StoredNotifyLog n;
  n.channel = internal::Text(r[0]);
  n.problem_key = internal::Text(r[1]);
  n.firing = Bool(r[2]);
  n.next_repeat_at = internal::OptTime(r[3]);
  n.document = internal::Text(r[4]);
  n.version = internal::Int(r[5]);
  n.updated_at = internal::Time(r[6]);
  return n;
}

// Reads a delivery selected with SECPLAT_PG_DELIVERY_COLUMNS (column 0, the id, is skipped).
Result<StoredDeliveryRow> ReadDelivery(const pqxx::row& r) {
  StoredDeliveryRow d;
  d.idempotency_key = internal::Text(r[1]);
  d.event_id = internal::Text(r[2]);
  d.channel = internal::Text(r[3]);
  d.asset_key = internal::Text(r[4]);
  std::string state = internal::Text(r[5]);
  auto parsed = core::model::ParseDeliveryState(state);
  if (!parsed)
    return Unexpected(ErrorCode::kInternal, "deliveries: unknown state " + internal::Quoted(state));
  d.state = *parsed;
  d.sending = Bool(r[6]);
  d.next_attempt_at = internal::OptTime(r[7]);
  d.attempts = static_cast<int>(internal::Int(r[8]));
  d.created_at = internal::Time(r[9]);
  d.document = internal::Text(r[10]);
  d.version = internal::Int(r[11]);
  d.updated_at = internal::Time(r[12]);
  return d;
}

DeliveryAttemptRow ReadAttempt(const pqxx::row& r) {
  DeliveryAttemptRow a;
  a.idempotency_key = internal::Text(r[0]);
  a.attempt = static_cast<int>(internal::Int(r[1]));
  a.at = internal::Time(r[2]);
  a.document = internal::Text(r[3]);
  return a;
}

// Reads a routing record selected with SECPLAT_PG_ROUTING_COLUMNS (column 0, the id, skipped).
StoredRouting ReadRouting(const pqxx::row& r) {
  StoredRouting s;
  s.event_id = internal::Text(r[1]);
  s.event_type = internal::Text(r[2]);
  s.asset_key = internal::Text(r[3]);
  s.decided_at = internal::Time(r[4]);
  s.document = internal::Text(r[5]);
  return s;
}

StoredChannelHealth ReadChannel(const pqxx::row& r) {
  StoredChannelHealth h;
  h.channel = internal::Text(r[0]);
  h.failing = Bool(r[1]);
  h.reason = internal::Text(r[2]);
  h.since = internal::Time(r[3]);
  return h;
}

// The audit summary of a channel's health (the same document SqliteStore writes).
std::string ChannelAuditJson(const StoredChannelHealth& h) {
  sqlite::JsonWriter w;
  w.BeginObject();
  w.Key("failing").Bool(h.failing);
  w.Key("reason").String(h.reason);
  w.EndObject();
  return w.Take();
}

std::string NotifyLogName(std::string_view channel, std::string_view problem_key) {
  return "notify log of channel " + internal::Quoted(channel) + " and problem " +
         internal::Quoted(problem_key);
}

Unexpected VersionConflict(const std::string& what, int64_t stored, int64_t expected) {
  return Unexpected(ErrorCode::kConflict, what + " is at version " + std::to_string(stored) +
                                              ", not " + std::to_string(expected));
}

// A newest-first page (by internal id, column 0) of up to `limit` rows out of `rows` (which
// holds at most limit + 1); next_after is the last item's id when a further row exists.
template <typename T, typename Read>
Result<Page<T>> CollectNewestFirst(const pqxx::result& rows, int limit, Read&& read) {
  Page<T> page;
  int64_t last_id = 0;
  for (const pqxx::row& r : rows) {
    if (static_cast<int>(page.items.size()) == limit) {  // the probe row: another page exists
      page.next_after = last_id;
      break;
    }
    last_id = internal::Int(r[0]);
    SECPLAT_ASSIGN_OR_RETURN(T item, read(r));
    page.items.push_back(std::move(item));
  }
  return page;
}

// Builds "SELECT <columns> FROM <table> WHERE ... ORDER BY id DESC LIMIT $2" with only the
// filters in use numbered as parameters (one prepared statement per filter combination).
class NewestFirstQuery {
 public:
  NewestFirstQuery(std::string columns_from, const PageRequest& page, int limit)
      : sql_("SELECT " + std::move(columns_from) + " WHERE id < $1::bigint"),
        params_{std::to_string(page.after > 0 ? page.after : std::numeric_limits<int64_t>::max()),
                std::to_string(limit + 1)} {}
  // Adds "AND column = $n"; false when `value` holds a NUL byte (no stored row can match).
  bool Equal(std::string_view column, const std::optional<std::string>& value) {
    if (!value) return true;
    if (HasNul(*value)) return false;
    params_.emplace_back(*value);
    sql_ += " AND " + std::string(column) + " = $" + std::to_string(params_.size());
    return true;
  }
  std::string Sql() const { return sql_ + " ORDER BY id DESC LIMIT $2::bigint"; }
  const std::vector<std::optional<std::string>>& params() const { return params_; }

 private:
  std::string sql_;
  std::vector<std::optional<std::string>> params_;
};

}  // namespace

// ---- notification log ----------------------------------------------------------------------

Result<std::optional<StoredNotifyLog>> PgStore::GetNotifyLog(std::string_view channel,
                                                             std::string_view problem_key) {
  if (HasNul(channel) || HasNul(problem_key)) return std::optional<StoredNotifyLog>();
  return Run([&](PgConnection& c) -> Result<std::optional<StoredNotifyLog>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx,
                               "SELECT " SECPLAT_PG_NOTIFY_LOG_COLUMNS
                               " FROM notify_log WHERE channel = $1 AND problem_key = $2",
                               std::string(channel), std::string(problem_key));
    if (rows.empty()) return std::optional<StoredNotifyLog>();
    return std::optional<StoredNotifyLog>(ReadNotifyLog(rows[0]));
  });
}

namespace {

// PutNotifyLog's compare-and-set in `tx` (not committed here).
Result<StoredNotifyLog> PutNotifyLogIn(PgConnection& c, pqxx::transaction_base& tx,
                                       const StoredNotifyLog& row, int64_t expected_version,
                                       const WriteContext& ctx) {
  StoredNotifyLog after = row;
  after.version = expected_version + 1;
  after.updated_at = ctx.now;
  pqxx::result written;
  if (expected_version == 0) {
    // The primary key decides between concurrent first writes: the losers wait for the
    // winner's commit, then insert nothing.
    written =
        c.Exec(tx,
               "INSERT INTO notify_log(" SECPLAT_PG_NOTIFY_LOG_COLUMNS
               ") VALUES ($1, $2, $3, $4, $5, $6, $7) "
               "ON CONFLICT (channel, problem_key) DO NOTHING RETURNING version",
               after.channel, after.problem_key, after.firing, internal::Ms(after.next_repeat_at),
               after.document, after.version, internal::Ms(after.updated_at));
  } else {
    written =
        c.Exec(tx,
               "UPDATE notify_log SET firing = $3, next_repeat_at = $4, document = $5, "
               "version = $6, updated_at = $7 "
               "WHERE channel = $1 AND problem_key = $2 AND version = $8 RETURNING version",
               after.channel, after.problem_key, after.firing, internal::Ms(after.next_repeat_at),
               after.document, after.version, internal::Ms(after.updated_at), expected_version);
  }
  if (written.empty()) {
    pqxx::result stored =
        c.Exec(tx, "SELECT version FROM notify_log WHERE channel = $1 AND problem_key = $2",
               after.channel, after.problem_key);
    return VersionConflict(NotifyLogName(after.channel, after.problem_key),
                           stored.empty() ? 0 : internal::Int(stored[0][0]), expected_version);
  }
  return after;
}

}  // namespace

Result<StoredNotifyLog> PgStore::PutNotifyLog(const StoredNotifyLog& row, int64_t expected_version,
                                              const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(Validate(row));
  if (expected_version < 0) return Invalid("expected_version: must not be negative");
  return Run([&](PgConnection& c) -> Result<StoredNotifyLog> {
    pqxx::work tx(c.raw());
    auto r = PutNotifyLogIn(c, tx, row, expected_version, ctx);
    if (r.has_value()) tx.commit();
    return r;
  });
}

Result<std::vector<StoredNotifyLog>> PgStore::ListRepeatDue(Timestamp now, int limit) {
  limit = internal::ClampLimit(limit);
  return Run([&](PgConnection& c) -> Result<std::vector<StoredNotifyLog>> {
    pqxx::nontransaction tx(c.raw());
    // Served by the partial index notify_log_repeat_due (same predicate, same order).
    pqxx::result rows = c.Exec(tx,
                               "SELECT " SECPLAT_PG_NOTIFY_LOG_COLUMNS
                               " FROM notify_log WHERE firing AND next_repeat_at IS NOT NULL "
                               "AND next_repeat_at <= $1 "
                               "ORDER BY next_repeat_at, channel, problem_key LIMIT $2",
                               internal::Ms(now), static_cast<int64_t>(limit));
    std::vector<StoredNotifyLog> out;
    out.reserve(rows.size());
    for (const pqxx::row& r : rows) out.push_back(ReadNotifyLog(r));
    return out;
  });
}

// ---- deliveries ----------------------------------------------------------------------------

namespace {

// CreateDelivery's insert-or-read in `tx` (not committed here).
Result<CreatedDeliveryRow> CreateDeliveryIn(PgConnection& c, pqxx::transaction_base& tx,
                                            const StoredDeliveryRow& row, const WriteContext& ctx) {
  const std::string state(core::model::DeliveryStateName(row.state));
  pqxx::result ins = c.Exec(
      tx,
      "INSERT INTO deliveries(idempotency_key, event_id, channel, asset_key, state, sending, "
      "next_attempt_at, attempts, created_at, document, version, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11) "
      "ON CONFLICT (idempotency_key) DO NOTHING RETURNING " SECPLAT_PG_DELIVERY_COLUMNS,
      row.idempotency_key, row.event_id, row.channel, row.asset_key, state, row.sending,
      internal::Ms(row.next_attempt_at), row.attempts, internal::Ms(row.created_at), row.document,
      internal::Ms(ctx.now));
  if (!ins.empty()) {
    SECPLAT_ASSIGN_OR_RETURN(StoredDeliveryRow created, ReadDelivery(ins[0]));
    return CreatedDeliveryRow{.row = std::move(created), .created = true};
  }
  // The key exists (ON CONFLICT waited for a concurrent creator's commit): this statement's
  // fresh snapshot sees the stored row.
  pqxx::result rows = c.Exec(
      tx, "SELECT " SECPLAT_PG_DELIVERY_COLUMNS " FROM deliveries WHERE idempotency_key = $1",
      row.idempotency_key);
  if (rows.empty())
    return Unexpected(ErrorCode::kUnavailable, "delivery " + internal::Quoted(row.idempotency_key) +
                                                   " was created and removed concurrently; retry");
  SECPLAT_ASSIGN_OR_RETURN(StoredDeliveryRow existing, ReadDelivery(rows[0]));
  return CreatedDeliveryRow{.row = std::move(existing), .created = false};
}

}  // namespace

Result<CreatedDeliveryRow> PgStore::CreateDelivery(const StoredDeliveryRow& row,
                                                   const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(Validate(row));
  return Run([&](PgConnection& c) -> Result<CreatedDeliveryRow> {
    pqxx::work tx(c.raw());
    auto r = CreateDeliveryIn(c, tx, row, ctx);
    if (r.has_value()) tx.commit();
    return r;
  });
}

namespace {

Status ValidatePut(const StoredDeliveryRow& row, int64_t expected_version,
                   const std::optional<DeliveryAttemptRow>& attempt) {
  SECPLAT_RETURN_IF_ERROR(Validate(row));
  if (attempt) SECPLAT_RETURN_IF_ERROR(Validate(*attempt, row.idempotency_key));
  if (expected_version < 0) return Invalid("expected_version: must not be negative");
  return OkStatus();
}

// PutDelivery's compare-and-set in `tx` (not committed here; a failure leaves the caller to
// roll back what it wrote).
Result<StoredDeliveryRow> PutDeliveryIn(PgConnection& c, pqxx::transaction_base& tx,
                                        const StoredDeliveryRow& row, int64_t expected_version,
                                        const std::optional<DeliveryAttemptRow>& attempt,
                                        const WriteContext& ctx) {
  const std::string what = "delivery " + internal::Quoted(row.idempotency_key);
  const std::string state(core::model::DeliveryStateName(row.state));
  // The row lock this takes serialises concurrent writers; a loser re-evaluates the WHERE on
  // the winner's row and changes nothing.
  pqxx::result written = c.Exec(
      tx,
      "UPDATE deliveries SET state = $5, sending = $6, next_attempt_at = $7, attempts = $8, "
      "document = $10, version = version + 1, updated_at = $11 "
      "WHERE idempotency_key = $1 AND version = $12 AND state NOT IN " SECPLAT_PG_TERMINAL_STATES
      " AND event_id = $2 AND channel = $3 AND asset_key = $4 AND created_at = $9"
      " RETURNING " SECPLAT_PG_DELIVERY_COLUMNS,
      row.idempotency_key, row.event_id, row.channel, row.asset_key, state, row.sending,
      internal::Ms(row.next_attempt_at), row.attempts, internal::Ms(row.created_at), row.document,
      internal::Ms(ctx.now), expected_version);
  if (written.empty()) {
    pqxx::result stored = c.Exec(tx,
                                 "SELECT version, state, event_id, channel, asset_key, created_at "
                                 "FROM deliveries WHERE idempotency_key = $1",
                                 row.idempotency_key);
    if (stored.empty()) return internal::NotFound(what);
    const int64_t version = internal::Int(stored[0][0]);
    if (version != expected_version) return VersionConflict(what, version, expected_version);
    const std::string state_now = internal::Text(stored[0][1]);
    auto parsed = core::model::ParseDeliveryState(state_now);
    if (parsed && core::notify::IsTerminal(*parsed))
      return Unexpected(ErrorCode::kConflict, what + " is " + state_now +
                                                  " (terminal) at version " +
                                                  std::to_string(version) + "; it cannot change");
    SECPLAT_RETURN_IF_ERROR(sqlite::internal::SameDeliveryIdentity(
        what, row, internal::Text(stored[0][2]), internal::Text(stored[0][3]),
        internal::Text(stored[0][4]), internal::Time(stored[0][5])));
    // Deleted by retention and created afresh between the two statements.
    return Unexpected(ErrorCode::kConflict, what + " changed concurrently; read it again");
  }
  SECPLAT_ASSIGN_OR_RETURN(StoredDeliveryRow after, ReadDelivery(written[0]));
  if (attempt) {
    pqxx::result added =
        c.Exec(tx,
               "INSERT INTO delivery_attempts(" SECPLAT_PG_ATTEMPT_COLUMNS
               ") VALUES ($1, $2, $3, $4) "
               "ON CONFLICT (idempotency_key, attempt) DO NOTHING "
               "RETURNING attempt",
               row.idempotency_key, attempt->attempt, internal::Ms(attempt->at), attempt->document);
    // Not committed: the delivery's update is rolled back with it.
    if (added.empty())
      return Unexpected(
          ErrorCode::kConflict,
          what + ": attempt " + std::to_string(attempt->attempt) + " is already recorded");
  }
  return after;
}

}  // namespace

Result<StoredDeliveryRow> PgStore::PutDelivery(const StoredDeliveryRow& row,
                                               int64_t expected_version,
                                               const std::optional<DeliveryAttemptRow>& attempt,
                                               const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(ValidatePut(row, expected_version, attempt));
  return Run([&](PgConnection& c) -> Result<StoredDeliveryRow> {
    pqxx::work tx(c.raw());
    auto r = PutDeliveryIn(c, tx, row, expected_version, attempt, ctx);
    if (r.has_value()) tx.commit();
    return r;
  });
}

Result<StoredDeliveryRow> PgStore::GetDelivery(std::string_view idempotency_key) {
  const std::string what = "delivery " + internal::Quoted(idempotency_key);
  if (HasNul(idempotency_key)) return internal::NotFound(what);
  return Run([&](PgConnection& c) -> Result<StoredDeliveryRow> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(
        tx, "SELECT " SECPLAT_PG_DELIVERY_COLUMNS " FROM deliveries WHERE idempotency_key = $1",
        std::string(idempotency_key));
    if (rows.empty()) return internal::NotFound(what);
    return ReadDelivery(rows[0]);
  });
}

Result<std::vector<StoredDeliveryRow>> PgStore::ListDueDeliveries(Timestamp now, int limit) {
  limit = internal::ClampLimit(limit);
  return Run([&](PgConnection& c) -> Result<std::vector<StoredDeliveryRow>> {
    pqxx::nontransaction tx(c.raw());
    // Served by the partial index deliveries_due (same predicate, same order).
    pqxx::result rows = c.Exec(tx,
                               "SELECT " SECPLAT_PG_DELIVERY_COLUMNS
                               " FROM deliveries WHERE state IN ('pending', 'retrying') "
                               "AND next_attempt_at IS NOT NULL AND next_attempt_at <= $1 "
                               "ORDER BY next_attempt_at, idempotency_key LIMIT $2",
                               internal::Ms(now), static_cast<int64_t>(limit));
    std::vector<StoredDeliveryRow> out;
    out.reserve(rows.size());
    for (const pqxx::row& r : rows) {
      SECPLAT_ASSIGN_OR_RETURN(StoredDeliveryRow d, ReadDelivery(r));
      out.push_back(std::move(d));
    }
    return out;
  });
}

Result<Page<StoredDeliveryRow>> PgStore::ListDeliveries(const NotificationFilter& filter,
                                                        const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  NewestFirstQuery q(SECPLAT_PG_DELIVERY_COLUMNS " FROM deliveries", page, limit);
  if (!q.Equal("event_id", filter.event_id) || !q.Equal("asset_key", filter.asset_key) ||
      !q.Equal("channel", filter.channel))
    return Page<StoredDeliveryRow>();
  return Run([&](PgConnection& c) -> Result<Page<StoredDeliveryRow>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, q.Sql(), pqxx::prepare::make_dynamic_params(q.params()));
    return CollectNewestFirst<StoredDeliveryRow>(rows, limit, ReadDelivery);
  });
}

Result<std::vector<DeliveryAttemptRow>> PgStore::ListDeliveryAttempts(
    std::string_view idempotency_key) {
  if (HasNul(idempotency_key)) return std::vector<DeliveryAttemptRow>();
  return Run([&](PgConnection& c) -> Result<std::vector<DeliveryAttemptRow>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx,
                               "SELECT " SECPLAT_PG_ATTEMPT_COLUMNS
                               " FROM delivery_attempts WHERE idempotency_key = $1 "
                               "ORDER BY attempt",
                               std::string(idempotency_key));
    std::vector<DeliveryAttemptRow> out;
    out.reserve(rows.size());
    for (const pqxx::row& r : rows) out.push_back(ReadAttempt(r));
    return out;
  });
}

// ---- routing -------------------------------------------------------------------------------

namespace {

// PutRouting's upsert in `tx`.
void PutRoutingIn(PgConnection& c, pqxx::transaction_base& tx, const StoredRouting& row) {
  // A replacement keeps the row's id: the record stays where it was first listed.
  c.Exec(tx,
         "INSERT INTO notify_routing(event_id, event_type, asset_key, decided_at, document) "
         "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO UPDATE SET "
         "event_type = excluded.event_type, asset_key = excluded.asset_key, "
         "decided_at = excluded.decided_at, document = excluded.document",
         row.event_id, row.event_type, row.asset_key, internal::Ms(row.decided_at), row.document);
}

}  // namespace

Status PgStore::PutRouting(const StoredRouting& row, const WriteContext& /*ctx*/) {
  SECPLAT_RETURN_IF_ERROR(Validate(row));
  return Run([&](PgConnection& c) -> Status {
    pqxx::nontransaction tx(c.raw());
    PutRoutingIn(c, tx, row);
    return OkStatus();
  });
}

Result<std::optional<StoredRouting>> PgStore::GetRouting(std::string_view event_id) {
  if (HasNul(event_id)) return std::optional<StoredRouting>();
  return Run([&](PgConnection& c) -> Result<std::optional<StoredRouting>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows =
        c.Exec(tx, "SELECT " SECPLAT_PG_ROUTING_COLUMNS " FROM notify_routing WHERE event_id = $1",
               std::string(event_id));
    if (rows.empty()) return std::optional<StoredRouting>();
    return std::optional<StoredRouting>(ReadRouting(rows[0]));
  });
}

Result<Page<StoredRouting>> PgStore::ListRouting(const NotificationFilter& filter,
                                                 const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  NewestFirstQuery q(SECPLAT_PG_ROUTING_COLUMNS " FROM notify_routing", page, limit);
  if (!q.Equal("event_id", filter.event_id) || !q.Equal("asset_key", filter.asset_key))
    return Page<StoredRouting>();
  return Run([&](PgConnection& c) -> Result<Page<StoredRouting>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, q.Sql(), pqxx::prepare::make_dynamic_params(q.params()));
    return CollectNewestFirst<StoredRouting>(
        rows, limit, [](const pqxx::row& r) -> Result<StoredRouting> { return ReadRouting(r); });
  });
}

// ---- channels ------------------------------------------------------------------------------

Status PgStore::SetChannelHealth(const StoredChannelHealth& health, const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(CheckKey(health.channel, "channel"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(health.reason, "reason"));
  return Run([&](PgConnection& c) -> Status {
    pqxx::work tx(c.raw());
    // The stored health, locked, so the audit row compares against what this write replaces
    // (a concurrent reporter of the same channel waits for our commit, then reads our row).
    auto lock = [&]() -> std::optional<StoredChannelHealth> {
      pqxx::result rows = c.Exec(tx,
                                 "SELECT " SECPLAT_PG_CHANNEL_COLUMNS
                                 " FROM notify_channels WHERE channel = $1 FOR UPDATE",
                                 health.channel);
      if (rows.empty()) return std::nullopt;
      return ReadChannel(rows[0]);
    };
    std::optional<StoredChannelHealth> before = lock();
    bool inserted = false;
    if (!before) {
      inserted = !c.Exec(tx,
                         "INSERT INTO notify_channels(" SECPLAT_PG_CHANNEL_COLUMNS
                         ") VALUES ($1, $2, $3, $4) ON CONFLICT (channel) DO NOTHING "
                         "RETURNING channel",
                         health.channel, health.failing, health.reason, internal::Ms(health.since))
                      .empty();
      // A concurrent first report committed in between: update its row instead.
      if (!inserted) before = lock();
      if (!inserted && !before)
        return Unexpected(ErrorCode::kUnavailable,
                          "channel " + internal::Quoted(health.channel) +
                              " was reported and removed concurrently; retry");
    }
    if (!inserted) {
      c.Exec(tx,
             "UPDATE notify_channels SET failing = $2, reason = $3, since = $4 WHERE channel = $1",
             health.channel, health.failing, health.reason, internal::Ms(health.since));
    }
    const bool audited = before ? before->failing != health.failing : health.failing;
    if (audited) {
      internal::InsertAudit(c, tx, ctx, "notify.channel_health", "notify_channel:" + health.channel,
                            before ? ChannelAuditJson(*before) : "", ChannelAuditJson(health));
    }
    tx.commit();
    return OkStatus();
  });
}

Result<std::vector<StoredChannelHealth>> PgStore::ListChannelHealth() {
  return Run([&](PgConnection& c) -> Result<std::vector<StoredChannelHealth>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows =
        c.Exec(tx, "SELECT " SECPLAT_PG_CHANNEL_COLUMNS " FROM notify_channels ORDER BY channel");
    std::vector<StoredChannelHealth> out;
    out.reserve(rows.size());
    for (const pqxx::row& r : rows) out.push_back(ReadChannel(r));
    return out;
  });
}

// ---- retention -----------------------------------------------------------------------------

Result<int64_t> PgStore::DeleteNotificationsBefore(Timestamp before) {
  const int64_t cutoff = internal::Ms(before);
  int64_t deleted = 0;
  // Terminal deliveries, a batch per transaction. The batch is locked FOR UPDATE first: a
  // terminal row can no longer change (PutDelivery refuses it) and a PutDelivery that was making
  // one terminal has committed its attempt before we get the lock, so deleting the batch's
  // attempts and then the batch never meets an attempt row inserted in between.
  while (true) {
    struct Batch {
      int64_t keys = 0;  // terminal deliveries found (a full batch: look again)
      int64_t rows = 0;  // deliveries deleted (their attempts are not counted)
    };
    auto batch = Run([&](PgConnection& c) -> Result<Batch> {
      pqxx::work tx(c.raw());
      pqxx::result keys =
          c.Exec(tx,
                 "SELECT idempotency_key FROM deliveries WHERE state IN " SECPLAT_PG_TERMINAL_STATES
                 " AND created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE",
                 cutoff, static_cast<int64_t>(kRetentionBatch));
      if (keys.empty()) return Batch{};
      internal::ArrayLiteral arr;
      for (const pqxx::row& r : keys) arr.Add(internal::Text(r[0]));
      const std::string key_array = arr.Take();
      c.Exec(tx, "DELETE FROM delivery_attempts WHERE idempotency_key = ANY($1::text[])",
             key_array);
      pqxx::result deliveries =
          c.Exec(tx, "DELETE FROM deliveries WHERE idempotency_key = ANY($1::text[])", key_array);
      tx.commit();
      return Batch{.keys = static_cast<int64_t>(keys.size()),
                   .rows = static_cast<int64_t>(deliveries.affected_rows())};
    });
    if (!batch.has_value()) return Unexpected(std::move(batch).error());
    deleted += batch->rows;
    if (batch->keys < kRetentionBatch) break;
  }
  // Routing records, in batches too.
  while (true) {
    auto batch = Run([&](PgConnection& c) -> Result<int64_t> {
      pqxx::nontransaction tx(c.raw());
      pqxx::result gone =
          c.Exec(tx,
                 "DELETE FROM notify_routing WHERE id IN (SELECT id FROM notify_routing "
                 "WHERE decided_at < $1 LIMIT $2)",
                 cutoff, static_cast<int64_t>(kRetentionBatch));
      return static_cast<int64_t>(gone.affected_rows());
    });
    if (!batch.has_value()) return Unexpected(std::move(batch).error());
    deleted += *batch;
    if (*batch < kRetentionBatch) break;
  }
  return deleted;
}

// ---- batches (the notifier's batched handling and sends) -----------------------------------

namespace {

// An item's own outcome (its writes undone, the batch goes on) rather than the whole call's.
bool IsItemError(const Error& e) {
  return e.code == ErrorCode::kConflict || e.code == ErrorCode::kNotFound ||
         e.code == ErrorCode::kInvalidArgument;
}

Status BatchSize(size_t n, std::string_view what) {
  if (n <= ports::store::kMaxNotificationBatchItems) return OkStatus();
  return Invalid(std::string(what) + ": at most " +
                 std::to_string(ports::store::kMaxNotificationBatchItems) + " in one call, not " +
                 std::to_string(n));
}

// Runs `body()` inside SAVEPOINT item of `tx`: kept when it succeeds, undone when it fails with
// an item error (the item's outcome). Any other failure is the whole call's (the outer error).
template <typename T, typename Body>
Result<Result<T>> InSavepoint(PgConnection& c, pqxx::transaction_base& tx, Body&& body) {
  c.Exec(tx, "SAVEPOINT item");
  Result<T> r = body();
  if (!r.has_value()) {
    c.Exec(tx, "ROLLBACK TO SAVEPOINT item");
    c.Exec(tx, "RELEASE SAVEPOINT item");
    if (!IsItemError(r.error())) return Unexpected(r.error());
    return Result<Result<T>>(std::move(r));
  }
  c.Exec(tx, "RELEASE SAVEPOINT item");
  return Result<Result<T>>(std::move(r));
}

}  // namespace

Result<std::vector<std::optional<StoredNotifyLog>>> PgStore::GetNotifyLogs(
    std::span<const ports::store::NotifyLogKey> keys) {
  SECPLAT_RETURN_IF_ERROR(BatchSize(keys.size(), "keys"));
  internal::ArrayLiteral channels, problems;
  bool any = false;
  for (const ports::store::NotifyLogKey& k : keys) {
    if (HasNul(k.channel) || HasNul(k.problem_key)) continue;  // cannot be stored: none
    channels.Add(k.channel);
    problems.Add(k.problem_key);
    any = true;
  }
  const std::string channel_array = channels.Take();
  const std::string problem_array = problems.Take();
  return Run([&](PgConnection& c) -> Result<std::vector<std::optional<StoredNotifyLog>>> {
    std::map<std::pair<std::string, std::string>, StoredNotifyLog> found;
    if (any) {
      pqxx::nontransaction tx(c.raw());
      pqxx::result rows = c.Exec(tx,
                                 "SELECT " SECPLAT_PG_NOTIFY_LOG_COLUMNS
                                 " FROM notify_log WHERE (channel, problem_key) IN "
                                 "(SELECT * FROM unnest($1::text[], $2::text[]))",
                                 channel_array, problem_array);
      for (const pqxx::row& r : rows) {
        StoredNotifyLog log = ReadNotifyLog(r);
        std::pair<std::string, std::string> key{log.channel, log.problem_key};
        found.emplace(std::move(key), std::move(log));
      }
    }
    std::vector<std::optional<StoredNotifyLog>> out;
    out.reserve(keys.size());
    for (const ports::store::NotifyLogKey& k : keys) {
      auto it = found.find({k.channel, k.problem_key});
      if (it == found.end()) {
        out.emplace_back();
      } else {
        out.emplace_back(it->second);
      }
    }
    return out;
  });
}

Result<std::vector<Result<StoredDeliveryRow>>> PgStore::PutDeliveries(
    std::span<const ports::store::DeliveryPutRow> items, const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(BatchSize(items.size(), "items"));
  using Outcomes = std::vector<Result<StoredDeliveryRow>>;
  Outcomes out;
  out.reserve(items.size());
  std::vector<size_t> valid;
  for (size_t i = 0; i < items.size(); ++i) {
    Status v = ValidatePut(items[i].row, items[i].expected_version, items[i].attempt);
    if (!v.has_value()) {
      out.push_back(Unexpected(v.error()));
    } else {
      out.push_back(Unexpected(ErrorCode::kInternal, "not stored"));
      valid.push_back(i);
    }
  }
  if (valid.empty()) return out;
  return Run([&](PgConnection& c) -> Result<Outcomes> {
    Outcomes result = out;
    pqxx::work tx(c.raw());
    for (size_t i : valid) {
      const ports::store::DeliveryPutRow& item = items[i];
      SECPLAT_ASSIGN_OR_RETURN(
          Result<StoredDeliveryRow> r, InSavepoint<StoredDeliveryRow>(c, tx, [&] {
            return PutDeliveryIn(c, tx, item.row, item.expected_version, item.attempt, ctx);
          }));
      result[i] = std::move(r);
    }
    tx.commit();
    return result;
  });
}

Result<std::vector<Result<ports::store::EventWritesResult>>> PgStore::WriteEventBatch(
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
      if (v.has_value()) v = Validate(d);
    }
    for (const ports::store::NotifyLogPutRow& l : events[i].logs) {
      if (v.has_value()) v = Validate(l.row);
      if (v.has_value() && l.expected_version < 0)
        v = Invalid("expected_version: must not be negative");
    }
    if (v.has_value() && events[i].routing) v = Validate(*events[i].routing);
    if (!v.has_value()) {
      out.push_back(Unexpected(v.error()));
    } else {
      out.push_back(Unexpected(ErrorCode::kInternal, "not stored"));
      valid.push_back(i);
    }
  }
  if (valid.empty()) return out;
  return Run([&](PgConnection& c) -> Result<Outcomes> {
    Outcomes result = out;
    pqxx::work tx(c.raw());
    for (size_t i : valid) {
      const ports::store::EventWrites& e = events[i];
      SECPLAT_ASSIGN_OR_RETURN(
          Result<EventWritesResult> r,
          InSavepoint<EventWritesResult>(c, tx, [&]() -> Result<EventWritesResult> {
            EventWritesResult w;
            for (const StoredDeliveryRow& d : e.deliveries) {
              SECPLAT_ASSIGN_OR_RETURN(CreatedDeliveryRow cd, CreateDeliveryIn(c, tx, d, ctx));
              w.deliveries.push_back(std::move(cd));
            }
            for (const ports::store::NotifyLogPutRow& l : e.logs) {
              SECPLAT_ASSIGN_OR_RETURN(StoredNotifyLog stored,
                                       PutNotifyLogIn(c, tx, l.row, l.expected_version, ctx));
              w.logs.push_back(std::move(stored));
            }
            if (e.routing) PutRoutingIn(c, tx, *e.routing);
            return w;
          }));
      result[i] = std::move(r);
    }
    tx.commit();
    return result;
  });
}

}  // namespace secplat::adapters::postgres
