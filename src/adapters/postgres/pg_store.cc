// PgStore: opening, migrations, health, event partitions, tokens and the audit log. Assets,
// findings, events, scan jobs and the outbox live in the pg_store_*.cc files next to this one.
#include "adapters/postgres/pg_store.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "adapters/postgres/migrations.h"
#include "adapters/postgres/store_internal.h"
#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/rows.h"

namespace secplat::adapters::postgres {

using core::model::ApiToken;
using core::model::AuditEntry;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::WriteContext;

namespace {

constexpr int kMaxPoolSize = 256;
// Serialises partition DDL between stores and processes (pg_advisory_xact_lock).
constexpr int64_t kPartitionLockKey = 0x5EC91A7'0002;

// applied_at of a migration: the adapter's one wall-clock read (store writes take ctx.now).
Timestamp WallClockNow() {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

// `url` with connect_timeout (whole seconds, at least 1) and application_name appended.
std::string ConnInfo(const PgOptions& options) {
  auto seconds = std::chrono::ceil<std::chrono::seconds>(options.connect_timeout).count();
  std::string info = options.url;
  info += info.find('?') == std::string::npos ? '?' : '&';
  info += "connect_timeout=" + std::to_string(std::max<int64_t>(seconds, 1));
  if (info.find("application_name=") == std::string::npos) info += "&application_name=secplat";
  return info;
}

// Month index (year * 12 + month - 1) of a unix-ms time, and back.
int64_t MonthIndex(Timestamp ts) {
  auto day = std::chrono::floor<std::chrono::days>(ts);
  std::chrono::year_month_day ymd{day};
  return static_cast<int64_t>(static_cast<int>(ymd.year())) * 12 +
         static_cast<int64_t>(static_cast<unsigned>(ymd.month())) - 1;
}

int64_t MonthStartMs(int64_t index) {
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(index / 12)),
                                  std::chrono::month(static_cast<unsigned>(index % 12 + 1)),
                                  std::chrono::day(1)};
  auto tp = std::chrono::sys_days(ymd);
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

EventPartition PartitionForMonth(int64_t index) {
  char name[32];
  std::snprintf(name, sizeof(name), "events_p%04d%02d", static_cast<int>(index / 12),
                static_cast<int>(index % 12 + 1));
  return {name, MonthStartMs(index), MonthStartMs(index + 1)};
}

// Month index of a partition name events_pYYYYMM; nullopt for other names.
std::optional<int64_t> MonthOfPartition(std::string_view name) {
  constexpr std::string_view kPrefix = "events_p";
  if (!name.starts_with(kPrefix) || name.size() != kPrefix.size() + 6) return std::nullopt;
  int year = 0;
  int month = 0;
  for (size_t i = kPrefix.size(); i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  year = std::stoi(std::string(name.substr(kPrefix.size(), 4)));
  month = std::stoi(std::string(name.substr(kPrefix.size() + 4, 2)));
  if (month < 1 || month > 12) return std::nullopt;
  return static_cast<int64_t>(year) * 12 + month - 1;
}

}  // namespace

EventPartition EventPartitionFor(Timestamp ts) { return PartitionForMonth(MonthIndex(ts)); }

PgStore::PgStore(PgOptions options, std::unique_ptr<ConnectionPool> pool)
    : options_(std::move(options)), pool_(std::move(pool)) {}

PgStore::~PgStore() = default;

Result<std::unique_ptr<PgStore>> PgStore::Open(const PgOptions& options) {
  if (!options.url.starts_with("postgres://") && !options.url.starts_with("postgresql://"))
    return Unexpected(ErrorCode::kInvalidArgument,
                      "postgres: url: must start with postgres:// or postgresql://");
  if (options.statement_timeout < Duration::zero())
    return Unexpected(ErrorCode::kInvalidArgument,
                      "postgres: statement_timeout: must not be negative");
  if (options.connect_timeout < Duration::zero())
    return Unexpected(ErrorCode::kInvalidArgument,
                      "postgres: connect_timeout: must not be negative");
  if (options.event_retention_months < 0)
    return Unexpected(ErrorCode::kInvalidArgument,
                      "postgres: event_retention_months: must not be negative");
  PgOptions opts = options;
  opts.pool_size = std::clamp(opts.pool_size, 1, kMaxPoolSize);
  auto pool = std::make_unique<ConnectionPool>(PoolOptions{
      .conninfo = ConnInfo(opts),
      .size = opts.pool_size,
      .statement_timeout = opts.statement_timeout,
      .acquire_timeout = opts.statement_timeout + opts.connect_timeout + std::chrono::seconds(1)});
  {
    // Fail early when the server cannot be reached; the connection stays in the pool.
    SECPLAT_ASSIGN_OR_RETURN(ConnectionPool::Lease first, pool->Acquire());
  }
  std::unique_ptr<PgStore> store(new PgStore(std::move(opts), std::move(pool)));
  if (store->options_.apply_migrations) SECPLAT_RETURN_IF_ERROR(store->Migrate());
  return store;
}

Result<std::vector<std::string>> PgStore::Migrate() {
  return Run([&](PgConnection& c) {
    return ApplyMigrations(c.raw(), EmbeddedMigrations(), WallClockNow());
  });
}

Result<std::vector<std::string>> PgStore::AppliedMigrations() {
  return Run([&](PgConnection& c) { return ListAppliedMigrations(c.raw()); });
}

Status PgStore::Ping() {
  return Run([&](PgConnection& c) -> Status {
    pqxx::nontransaction tx(c.raw());
    c.Exec(tx, "SELECT count(*) FROM schema_migrations");
    return OkStatus();
  });
}

// ---- Event partitions ----------------------------------------------------------------------

Status PgStore::EnsureEventPartition(Timestamp ts) {
  const int64_t month = MonthIndex(ts);
  if (month < 1000 * 12 || month > 9999 * 12 + 11) return OkStatus();  // events_default holds it
  const EventPartition p = PartitionForMonth(month);
  {
    std::lock_guard lock(partitions_mu_);
    if (partitions_.contains(p.name)) return OkStatus();
  }
  SECPLAT_RETURN_IF_ERROR(Run([&](PgConnection& c) -> Status {
    pqxx::work tx(c.raw());
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kPartitionLockKey) + ")");
    pqxx::row exists = tx.exec_params1("SELECT to_regclass($1) IS NOT NULL", p.name);
    if (!exists[0].as<bool>()) {
      const std::string from = std::to_string(p.from_ms);
      const std::string to = std::to_string(p.to_ms);
      const std::string range = "ts >= " + from + " AND ts < " + to;
      // Rows of this month that landed in events_default would make CREATE ... PARTITION OF
      // fail: move them into the new partition (same seq), in this transaction.
      pqxx::row stray = tx.exec1("SELECT count(*) FROM events_default WHERE " + range);
      const bool move = stray[0].as<int64_t>() > 0;
      if (move) {
        tx.exec("SET LOCAL secplat.event_maintenance = 'on'");
        tx.exec(
            "CREATE TEMP TABLE secplat_moving ON COMMIT DROP AS SELECT * FROM events_default "
            "WHERE " +
            range);
        tx.exec("DELETE FROM events_default WHERE " + range);
      }
      tx.exec("CREATE TABLE " + p.name + " PARTITION OF events FOR VALUES FROM (" + from +
              ") TO (" + to + ")");
      if (move) tx.exec("INSERT INTO events SELECT * FROM secplat_moving");
    }
    tx.commit();
    return OkStatus();
  }));
  std::lock_guard lock(partitions_mu_);
  partitions_.insert(p.name);
  return OkStatus();
}

Result<std::vector<std::string>> PgStore::ListEventPartitions() {
  return Run([&](PgConnection& c) -> Result<std::vector<std::string>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx,
                               "SELECT child.relname FROM pg_inherits "
                               "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
                               "WHERE pg_inherits.inhparent = 'events'::regclass "
                               "ORDER BY child.relname");
    std::vector<std::string> names;
    for (const pqxx::row& r : rows) {
      std::string name = r[0].as<std::string>();
      if (MonthOfPartition(name)) names.push_back(std::move(name));
    }
    return names;
  });
}

Result<std::vector<std::string>> PgStore::DropExpiredEventPartitions(Timestamp now) {
  std::vector<std::string> dropped;
  if (options_.event_retention_months == 0) return dropped;
  const int64_t keep_from = MonthIndex(now) - options_.event_retention_months;
  const int64_t cutoff_ms = MonthStartMs(keep_from);
  SECPLAT_ASSIGN_OR_RETURN(std::vector<std::string> names, ListEventPartitions());
  SECPLAT_RETURN_IF_ERROR(Run([&](PgConnection& c) -> Status {
    dropped.clear();
    pqxx::work tx(c.raw());
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kPartitionLockKey) + ")");
    for (const std::string& name : names) {
      auto month = MonthOfPartition(name);
      if (!month || *month >= keep_from) continue;
      tx.exec("DROP TABLE IF EXISTS " + name);
      dropped.push_back(name);
    }
    tx.exec("SET LOCAL secplat.event_maintenance = 'on'");
    tx.exec_params("DELETE FROM events_default WHERE ts < $1", cutoff_ms);
    tx.exec_params("DELETE FROM event_keys WHERE ts < $1", cutoff_ms);
    tx.commit();
    return OkStatus();
  }));
  std::lock_guard lock(partitions_mu_);
  for (const std::string& name : dropped) partitions_.erase(name);
  return dropped;
}

// ---- Tokens ------------------------------------------------------------------------------

namespace {

Result<std::optional<ApiToken>> FindTokenRow(PgConnection& c, pqxx::transaction_base& tx,
                                             std::string_view id, bool for_update) {
  pqxx::result rows = c.Exec(
      tx,
      for_update ? "SELECT " SECPLAT_PG_TOKEN_COLUMNS " FROM api_tokens WHERE id = $1 FOR UPDATE"
                 : "SELECT " SECPLAT_PG_TOKEN_COLUMNS " FROM api_tokens WHERE id = $1",
      std::string(id));
  if (rows.empty()) return std::optional<ApiToken>();
  SECPLAT_ASSIGN_OR_RETURN(ApiToken t, internal::ReadToken(rows[0]));
  return std::optional<ApiToken>(std::move(t));
}

}  // namespace

Status PgStore::CreateToken(const ApiToken& token, const WriteContext& ctx) {
  if (token.id.empty()) return Unexpected(ErrorCode::kInvalidArgument, "token id: required");
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(token.id, "token id"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(token.name, "token name"));
  return Run([&](PgConnection& c) -> Status {
    pqxx::work tx(c.raw());
    pqxx::result ins = c.Exec(
        tx,
        "INSERT INTO api_tokens(id, name, role, secret_hash, created_by, created_at, revoked_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id",
        token.id, token.name, std::string(core::model::RoleName(token.role)), token.secret_hash,
        token.created_by, internal::Ms(token.created_at), internal::Ms(token.revoked_at));
    if (ins.empty())
      return Unexpected(ErrorCode::kConflict,
                        "token " + internal::Quoted(token.id) + " already exists");
    internal::InsertAudit(c, tx, ctx, "token.create", "token:" + token.id, "",
                          sqlite::internal::TokenJson(token));
    tx.commit();
    return OkStatus();
  });
}

Result<ApiToken> PgStore::FindToken(std::string_view id) {
  return Run([&](PgConnection& c) -> Result<ApiToken> {
    pqxx::nontransaction tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ApiToken> t, FindTokenRow(c, tx, id, false));
    if (!t) return internal::NotFound("token " + internal::Quoted(id));
    return *std::move(t);
  });
}

Result<std::vector<ApiToken>> PgStore::ListTokens() {
  return Run([&](PgConnection& c) -> Result<std::vector<ApiToken>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows =
        c.Exec(tx, "SELECT " SECPLAT_PG_TOKEN_COLUMNS " FROM api_tokens ORDER BY created_at, ord");
    std::vector<ApiToken> tokens;
    for (const pqxx::row& r : rows) {
      SECPLAT_ASSIGN_OR_RETURN(ApiToken t, internal::ReadToken(r));
      tokens.push_back(std::move(t));
    }
    return tokens;
  });
}

Status PgStore::RevokeToken(std::string_view id, const WriteContext& ctx) {
  return Run([&](PgConnection& c) -> Status {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ApiToken> before, FindTokenRow(c, tx, id, true));
    if (!before) return internal::NotFound("token " + internal::Quoted(id));
    if (before->revoked_at) return OkStatus();  // revoking twice changes nothing
    ApiToken after = *before;
    after.revoked_at = ctx.now;
    c.Exec(tx, "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1", std::string(id),
           internal::Ms(ctx.now));
    internal::InsertAudit(c, tx, ctx, "token.revoke", "token:" + std::string(id),
                          sqlite::internal::TokenJson(*before), sqlite::internal::TokenJson(after));
    tx.commit();
    return OkStatus();
  });
}

Result<int64_t> PgStore::CountActiveAdmins() {
  return Run([&](PgConnection& c) -> Result<int64_t> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result r =
        c.Exec(tx, "SELECT count(*) FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL");
    return internal::Int(r[0][0]);
  });
}

// ---- Audit -------------------------------------------------------------------------------

Status PgStore::AppendAudit(const AuditEntry& entry) {
  if (entry.actor.empty() || entry.action.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "audit entry needs an actor and an action");
  if (!entry.after_json.empty() && !sqlite::IsValidJson(entry.after_json))
    return Unexpected(ErrorCode::kInvalidArgument, "audit entry: after is not valid JSON");
  return Run([&](PgConnection& c) -> Status {
    pqxx::work tx(c.raw());
    internal::InsertAudit(c, tx, {entry.actor, entry.request_id, entry.ts}, entry.action,
                          entry.target, entry.before_json, entry.after_json);
    tx.commit();
    return OkStatus();
  });
}

Result<Page<AuditEntry>> PgStore::ListAudit(const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  return Run([&](PgConnection& c) -> Result<Page<AuditEntry>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(
        tx, "SELECT " SECPLAT_PG_AUDIT_COLUMNS " FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
        page.after, limit + 1);
    return internal::CollectPage<AuditEntry>(
        rows, limit,
        [](const pqxx::row& r) -> Result<AuditEntry> { return internal::ReadAudit(r); },
        [](const AuditEntry& a) { return a.id; });
  });
}

}  // namespace secplat::adapters::postgres
