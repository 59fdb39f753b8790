#include "adapters/postgres/migrations.h"

#include <algorithm>
#include <pqxx/pqxx>
#include <set>

#include "adapters/postgres/connection.h"

namespace secplat::adapters::postgres {
namespace {

constexpr const char* kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version TEXT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

std::vector<std::string> ReadVersions(pqxx::transaction_base& tx) {
  std::vector<std::string> versions;
  pqxx::row exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists[0].as<bool>()) return versions;
  for (const pqxx::row& r : tx.exec("SELECT version FROM schema_migrations ORDER BY version"))
    versions.push_back(r[0].as<std::string>());
  return versions;
}

}  // namespace

Result<std::vector<std::string>> ListAppliedMigrations(pqxx::connection_base& conn) {
  try {
    pqxx::read_transaction tx(conn);
    return ReadVersions(tx);
  } catch (const std::exception& e) {
    return Unexpected(ErrorFromException(e));
  }
}

Result<std::vector<std::string>> ApplyMigrations(pqxx::connection_base& conn,
                                                 std::span<const Migration> migrations,
                                                 Timestamp now) {
  for (size_t i = 1; i < migrations.size(); ++i) {
    if (!(migrations[i - 1].version < migrations[i].version))
      return Unexpected(ErrorCode::kInternal,
                        "migrations out of order at " + std::string(migrations[i].version));
  }
  std::string current;  // the migration being applied, for the error message
  try {
    pqxx::work tx(conn);
    // Serialises concurrent migrators; released at commit or rollback.
    tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLockKey) + ")");
    tx.exec(kCreateTable);
    std::vector<std::string> recorded = ReadVersions(tx);
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
      current = std::string(m.version) + "_" + std::string(m.name);
      tx.exec(std::string(m.sql));
      tx.exec_params("INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)",
                     std::string(m.version), std::string(m.name), ToUnixMillis(now));
      applied.emplace_back(m.version);
    }
    current.clear();
    tx.commit();
    return applied;
  } catch (const std::exception& e) {
    Error err = ErrorFromException(e);
    if (!current.empty()) {
      err.message = "migration " + current + " failed: " + err.message;
      if (err.code != ErrorCode::kUnavailable) err.code = ErrorCode::kInternal;
    }
    return Unexpected(std::move(err));
  }
}

}  // namespace secplat::adapters::postgres
