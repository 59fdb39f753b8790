// SQLite schema migrations: the numbered files under migrations/sqlite/, embedded into the
// library at build time (cmake/embed_migrations.cmake), applied in version order, each in its own
// transaction, and recorded in schema_migrations(version, name, applied_at).
//
//   SECPLAT_ASSIGN_OR_RETURN(auto applied, ApplyMigrations(*db, EmbeddedMigrations(), now));
//   // first run: {"0001"}; every later run: {}
#ifndef SECPLAT_ADAPTERS_SQLITE_MIGRATIONS_H_
#define SECPLAT_ADAPTERS_SQLITE_MIGRATIONS_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sqlite/connection.h"
#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::adapters::sqlite {

// One migration file: "0001_init.sql" has version "0001" and name "init".
struct Migration {
  std::string_view version;
  std::string_view name;
  std::string_view sql;
};

// The migrations compiled into this binary, ascending by version. Defined in a generated file.
std::span<const Migration> EmbeddedMigrations();

// Applies every migration of `migrations` (ascending by version) not yet recorded in
// schema_migrations, creating that table when absent. Each runs in its own BEGIN IMMEDIATE
// transaction together with its record, so a failing migration leaves no trace and stops the
// run. Returns the versions applied, in order (empty when up to date). `now` is applied_at.
// Errors: kConflict (the database records a version this list does not know: it is newer than
// the binary), kInternal (a migration failed; the message names it), kUnavailable.
Result<std::vector<std::string>> ApplyMigrations(Connection& db,
                                                 std::span<const Migration> migrations,
                                                 Timestamp now);

// Versions recorded in schema_migrations, ascending (empty when the table does not exist).
// Errors: kUnavailable, kInternal.
Result<std::vector<std::string>> ListAppliedMigrations(Connection& db);

}  // namespace secplat::adapters::sqlite

#endif  // SECPLAT_ADAPTERS_SQLITE_MIGRATIONS_H_
