#include "adapters/sqlite/migrations.h"

#include <algorithm>
#include <set>

namespace secplat::adapters::sqlite {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

Result<bool> IsRecorded(Connection& db, std::string_view version) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1"));
  s->Bind(1, version);
  return s->Step();
}

}  // namespace

Result<std::vector<std::string>> ListAppliedMigrations(Connection& db) {
  SECPLAT_ASSIGN_OR_RETURN(std::string exists,
                           db.QueryText("SELECT name FROM sqlite_schema WHERE type = 'table' AND "
                                        "name = 'schema_migrations'"));
  std::vector<std::string> versions;
  if (exists.empty()) return versions;
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           db.Prepare("SELECT version FROM schema_migrations ORDER BY version"));
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    versions.push_back(s->Text(0));
  }
  return versions;
}

Result<std::vector<std::string>> ApplyMigrations(Connection& db,
                                                 std::span<const Migration> migrations,
                                                 Timestamp now) {
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (!(migrations[i - 1].version < migrations[i].version))
      return Unexpected(ErrorCode::kInternal,
                        "migrations out of order at " + std::string(migrations[i].version));
  }
  SECPLAT_RETURN_IF_ERROR(db.Exec(kCreateTable));
  SECPLAT_ASSIGN_OR_RETURN(std::vector<std::string> recorded, ListAppliedMigrations(db));
  std::set<std::string_view> known;
  for (const Migration& m : migrations) known.insert(m.version);
  for (const std::string& v : recorded) {
    if (!known.contains(v))
      return Unexpected(ErrorCode::kConflict,
                        "database has migration " + v +
                            " that this binary does not know: it was written by a newer "
                            "secplat; refusing to use it");
  }

  std::vector<std::string> applied;
  for (const Migration& m : migrations) {
    if (std::find(recorded.begin(), recorded.end(), m.version) != recorded.end()) continue;
    SECPLAT_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(db));
    // Another process may have applied it since we read the list; the write lock is ours now.
    SECPLAT_ASSIGN_OR_RETURN(bool done, IsRecorded(db, m.version));
    if (done) continue;
    Status run = db.Exec(m.sql);
    if (!run.has_value()) {
      Error e = std::move(run).error();
      e.message = "migration " + std::string(m.version) + "_" + std::string(m.name) +
                  " failed: " + e.message;
      if (e.code != ErrorCode::kUnavailable) e.code = ErrorCode::kInternal;
      return Unexpected(std::move(e));  // `tx` rolls back
    }
    {
      SECPLAT_ASSIGN_OR_RETURN(StatementLease ins,
                               db.Prepare("INSERT INTO schema_migrations(version, name, "
                                          "applied_at) VALUES (?1, ?2, ?3)"));
      ins->Bind(1, m.version);
      ins->Bind(2, m.name);
      ins->Bind(3, now);
      SECPLAT_RETURN_IF_ERROR(ins->Run());
    }
    SECPLAT_RETURN_IF_ERROR(tx.Commit());
    applied.emplace_back(m.version);
  }
  return applied;
}

}  // namespace secplat::adapters::sqlite
