// PostgreSQL schema migrations: the numbered files under migrations/postgres/ (same numbering
// as migrations/sqlite/), embedded at build time (cmake/embed_migrations.cmake) and applied in version
// order in ONE transaction that holds an advisory lock, so two processes starting at once
// neither race nor apply a migration twice. Recorded in schema_migrations(version, name,
// applied_at).
//
//   SECPLAT_ASSIGN_OR_RETURN(auto applied, ApplyMigrations(conn, EmbeddedMigrations(), now));
//   // first run: {"0001", "0002"}; every later run: {}
#ifndef SECPLAT_ADAPTERS_POSTGRES_MIGRATIONS_H_
#define SECPLAT_ADAPTERS_POSTGRES_MIGRATIONS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

namespace pqxx {
class connection_base;
}  // namespace pqxx

namespace secplat::adapters::postgres {

// One migration file: "0001_init.sql" has version "0001" and name "init".
struct Migration {
  std::string_view version;
  std::string_view name;
  std::string_view sql;
};

// The migrations compiled into this binary, ascending by version. Defined in a generated file.
std::span<const Migration> EmbeddedMigrations();

// The advisory lock key held while migrating (pg_advisory_xact_lock).
inline constexpr int64_t kMigrationLockKey = 0x5EC91A7'0001;

// Applies every migration of `migrations` not yet recorded in schema_migrations (creating that
// table when absent), all in one transaction with their records. Returns the versions applied,
// in order (empty when up to date). `now` is applied_at. Errors: kConflict (the database records
// a version this list does not know: it is newer than the binary), kInternal (a migration
// failed; the message names it; nothing is applied), kUnavailable.
Result<std::vector<std::string>> ApplyMigrations(pqxx::connection_base& conn,
                                                 std::span<const Migration> migrations,
                                                 Timestamp now);

// Versions recorded in schema_migrations, ascending (empty when the table does not exist).
// Errors: kUnavailable, kInternal.
Result<std::vector<std::string>> ListAppliedMigrations(pqxx::connection_base& conn);

}  // namespace secplat::adapters::postgres

#endif  // SECPLAT_ADAPTERS_POSTGRES_MIGRATIONS_H_
