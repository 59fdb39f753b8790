// SqliteStore: opening, migrations, health, tokens and the audit log. Assets, findings, events
// and scan jobs live in the sqlite_store_*.cc files next to this one.
#include "adapters/sqlite/sqlite_store.h"

#include <algorithm>
#include <chrono>

#include "adapters/sqlite/migrations.h"
#include "adapters/sqlite/rows.h"
#include "adapters/sqlite/store_internal.h"

namespace secplat::adapters::sqlite {

using core::model::ApiToken;
using core::model::AuditEntry;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::WriteContext;

namespace {

constexpr int kMaxReadConnections = 64;

// applied_at of a migration: the adapter's one wall-clock read (store writes take ctx.now).
Timestamp WallClockNow() {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

}  // namespace

namespace internal {

Status InsertAudit(Connection& db, const WriteContext& ctx, std::string_view action,
                   std::string_view target, std::string_view before_json,
                   std::string_view after_json) {
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("INSERT INTO audit_log(ts, actor, action, target, before_json, after_json, "
                 "request_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  s->Bind(1, ctx.now);
  s->Bind(2, ctx.actor);
  s->Bind(3, action);
  s->Bind(4, target);
  s->BindTextOrNull(5, before_json);
  s->BindTextOrNull(6, after_json);
  s->Bind(7, ctx.request_id);
  return s->Run();
}

}  // namespace internal

namespace {
// WAL pages (4 KiB each) that trigger a checkpoint: ~40 MiB.
constexpr int kWalCheckpointPages = 10000;
}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteOptions& options) {
  if (options.path.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "sqlite: path: required");
  if (options.busy_timeout < Duration::zero())
    return Unexpected(ErrorCode::kInvalidArgument, "sqlite: busy_timeout: must not be negative");
  const bool memory = options.path == ":memory:";

  SECPLAT_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> writer,
      Connection::Open({.path = options.path, .busy_timeout = options.busy_timeout}));
  if (!memory) {
    // WAL is a property of the file (it persists); the pragma answers with the mode in force.
    SECPLAT_ASSIGN_OR_RETURN(std::string mode, writer->QueryText("PRAGMA journal_mode = WAL"));
    if (mode != "wal")
      return Unexpected(ErrorCode::kUnavailable, "sqlite: cannot enable WAL on '" + options.path +
                                                     "' (journal_mode is '" + mode + "')");
  }
  // synchronous=NORMAL in WAL mode: a commit survives a process crash; a power loss may lose
  // the last transactions but never corrupts the file.
  SECPLAT_RETURN_IF_ERROR(writer->Exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"));
  // Checkpoint every ~40 MiB of WAL instead of SQLite's default ~4 MiB: each checkpoint copies
  // pages back and fsyncs, and at thousands of small writes a second the default ran dozens of
  // them per second. SQLite's own autocheckpoint covers the migrations; for a file the
  // Checkpointer below then takes over with the same threshold. A larger page cache keeps the
  // hot indexes (finding_key, asset_key) in memory.
  SECPLAT_RETURN_IF_ERROR(
      writer->Exec("PRAGMA wal_autocheckpoint = " + std::to_string(kWalCheckpointPages) +
                   "; PRAGMA cache_size = -65536;"));
  // Every write of a group commit runs in its own savepoint, and a savepoint's statement
  // journal (the original of each page it changes) spills to a temporary file past 64 KiB:
  // hundreds of MB of file writes in a sweep. The journal only lives until the group commits,
  // so it stays in memory.
  SECPLAT_RETURN_IF_ERROR(writer->Exec("PRAGMA temp_store = MEMORY;"));

  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(writer)));
  if (options.apply_migrations) SECPLAT_RETURN_IF_ERROR(store->Migrate());

  std::vector<std::unique_ptr<Connection>> readers;
  if (!memory) {
    int n = std::clamp(options.read_connections, 1, kMaxReadConnections);
    for (int i = 0; i < n; ++i) {
      SECPLAT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader,
                               Connection::Open({.path = options.path,
                                                 .busy_timeout = options.busy_timeout,
                                                 .create = false,
                                                 .read_only = true}));
      readers.push_back(std::move(reader));
    }
  }
  store->readers_ =
      std::make_unique<ReadPool>(std::move(readers), store->writer_.get(), &store->write_mu_);
  if (!memory) {
    // Checkpoints (each with an fsync of the database file) off the writer's path; see
    // checkpointer.h.
    SECPLAT_ASSIGN_OR_RETURN(
        store->checkpointer_,
        Checkpointer::Start(options.path, store->writer_->raw(), kWalCheckpointPages));
  }
  return store;
}

SqliteStore::~SqliteStore() = default;

Result<std::vector<std::string>> SqliteStore::Migrate() {
  std::lock_guard<std::mutex> lock(write_mu_);
  return ApplyMigrations(*writer_, EmbeddedMigrations(), WallClockNow());
}

Result<std::vector<std::string>> SqliteStore::AppliedMigrations() {
  std::lock_guard<std::mutex> lock(write_mu_);
  return ListAppliedMigrations(*writer_);
}

Status SqliteStore::Ping() {
  auto db = readers_->Acquire();
  // Touches the file (schema and a table), unlike a constant SELECT 1.
  SECPLAT_ASSIGN_OR_RETURN(std::string ignored,
                           db->QueryText("SELECT count(*) FROM schema_migrations"));
  (void)ignored;
  return OkStatus();
}

// ---- Tokens ------------------------------------------------------------------------------

// ---- Group commit ------------------------------------------------------------------------

Status SqliteStore::GroupCommit(const std::function<bool(Connection&)>& run) {
  PendingWrite me{&run, OkStatus(), false};
  std::unique_lock lock(queue_mu_);
  pending_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      queue_cv_.wait(lock);
      continue;
    }
    // Lead: take everything queued so far (our own write included) and run it as one batch.
    leader_active_ = true;
    std::vector<PendingWrite*> batch;
    batch.swap(pending_);
    lock.unlock();
    RunBatch(batch);
    lock.lock();
    leader_active_ = false;
    queue_cv_.notify_all();
  }
  return me.status;
}

void SqliteStore::RunBatch(std::vector<PendingWrite*>& batch) {
  auto finish_all = [&](const Status& st) {
    std::lock_guard lock(queue_mu_);
    for (PendingWrite* w : batch) {
      w->status = st;
      w->done = true;
    }
  };
  std::lock_guard<std::mutex> write_lock(write_mu_);
  Connection& db = *writer_;
  auto tx = Transaction::Begin(db);
  if (!tx) return finish_all(Unexpected(tx.error()));
  const bool alone = batch.size() == 1;
  for (PendingWrite* w : batch) {
    if (alone) {
      // One writer: its transaction is the whole batch; a failure rolls it back.
      if (!(*w->run)(db)) return finish_all(OkStatus());  // `tx` rolls back in its destructor
      break;
    }
    auto savepoint = db.Prepare("SAVEPOINT w");
    if (!savepoint || !(*savepoint)->Run()) {
      return finish_all(Unexpected(ErrorCode::kUnavailable, "cannot open a savepoint"));
    }
    bool keep = (*w->run)(db);
    if (!db.InTransaction()) {
      // SQLite abandoned the whole transaction (disk full, I/O error): nothing is kept.
      return finish_all(
          Unexpected(ErrorCode::kUnavailable, "the write transaction was aborted by the database"));
    }
    if (!keep) {
      auto rollback = db.Prepare("ROLLBACK TO w");
      if (!rollback || !(*rollback)->Run())
        return finish_all(Unexpected(ErrorCode::kUnavailable, "cannot roll back a savepoint"));
    }
    auto release = db.Prepare("RELEASE w");
    if (!release || !(*release)->Run())
      return finish_all(Unexpected(ErrorCode::kUnavailable, "cannot release a savepoint"));
  }
  Status committed = tx->Commit();
  finish_all(committed);
}

Status SqliteStore::CreateToken(const ApiToken& token, const WriteContext& ctx) {
  if (token.id.empty()) return Unexpected(ErrorCode::kInvalidArgument, "token id: required");
  return WriteTx([&](Connection& db) -> Status {
    {
      SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                               db.Prepare("SELECT 1 FROM api_tokens WHERE id = ?1"));
      s->Bind(1, token.id);
      SECPLAT_ASSIGN_OR_RETURN(bool exists, s->Step());
      if (exists)
        return Unexpected(ErrorCode::kConflict,
                          "token " + internal::Quoted(token.id) + " already exists");
    }
    {
      SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                               db.Prepare("INSERT INTO api_tokens(" SECPLAT_SQLITE_TOKEN_COLUMNS
                                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
      s->Bind(1, token.id);
      s->Bind(2, token.name);
      s->Bind(3, core::model::RoleName(token.role));
      s->Bind(4, token.secret_hash);
      s->Bind(5, token.created_by);
      s->Bind(6, token.created_at);
      s->Bind(7, token.revoked_at);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    return internal::InsertAudit(db, ctx, "token.create", "token:" + token.id, "",
                                 internal::TokenJson(token));
  });
}

namespace {

Result<std::optional<ApiToken>> FindTokenRow(Connection& db, std::string_view id) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare("SELECT " SECPLAT_SQLITE_TOKEN_COLUMNS
                                                        " FROM api_tokens WHERE id = ?1"));
  s->Bind(1, id);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<ApiToken>();
  SECPLAT_ASSIGN_OR_RETURN(ApiToken t, internal::ReadToken(*s));
  return std::optional<ApiToken>(std::move(t));
}

}  // namespace

Result<ApiToken> SqliteStore::FindToken(std::string_view id) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(std::optional<ApiToken> t, FindTokenRow(*db, id));
  if (!t) return internal::NotFound("token " + internal::Quoted(id));
  return *std::move(t);
}

Result<std::vector<ApiToken>> SqliteStore::ListTokens() {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db->Prepare("SELECT " SECPLAT_SQLITE_TOKEN_COLUMNS
                                       " FROM api_tokens ORDER BY created_at, rowid"));
  std::vector<ApiToken> tokens;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    SECPLAT_ASSIGN_OR_RETURN(ApiToken t, internal::ReadToken(*s));
    tokens.push_back(std::move(t));
  }
  return tokens;
}

Status SqliteStore::RevokeToken(std::string_view id, const WriteContext& ctx) {
  return WriteTx([&](Connection& db) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<ApiToken> before, FindTokenRow(db, id));
    if (!before) return internal::NotFound("token " + internal::Quoted(id));
    if (before->revoked_at) return OkStatus();  // revoking twice changes nothing
    ApiToken after = *before;
    after.revoked_at = ctx.now;
    {
      SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                               db.Prepare("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1"));
      s->Bind(1, id);
      s->Bind(2, ctx.now);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    return internal::InsertAudit(db, ctx, "token.revoke", "token:" + std::string(id),
                                 internal::TokenJson(*before), internal::TokenJson(after));
  });
}

Result<int64_t> SqliteStore::CountActiveAdmins() {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db->Prepare("SELECT count(*) FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL"));
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  return row ? s->Int64(0) : int64_t{0};
}

// ---- Audit -------------------------------------------------------------------------------

Status SqliteStore::AppendAudit(const AuditEntry& entry) {
  if (entry.actor.empty() || entry.action.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "audit entry needs an actor and an action");
  if (!entry.after_json.empty() && !IsValidJson(entry.after_json))
    return Unexpected(ErrorCode::kInvalidArgument, "audit entry: after is not valid JSON");
  return WriteTx([&](Connection& db) -> Status {
    return internal::InsertAudit(db, {entry.actor, entry.request_id, entry.ts}, entry.action,
                                 entry.target, entry.before_json, entry.after_json);
  });
}

Result<Page<AuditEntry>> SqliteStore::ListAudit(const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db->Prepare("SELECT " SECPLAT_SQLITE_AUDIT_COLUMNS
                                       " FROM audit_log WHERE id > ?1 ORDER BY id LIMIT ?2"));
  s->Bind(1, page.after);
  s->Bind(2, limit + 1);
  return internal::CollectPage<AuditEntry>(
      *s, limit, [](const Statement& st) -> Result<AuditEntry> { return internal::ReadAudit(st); },
      [](const AuditEntry& a) { return a.id; });
}

}  // namespace secplat::adapters::sqlite
