// Store factory for the contract suite on PostgreSQL: one PostgresServer per test binary
// (started on first use, stopped at exit), and for each factory a fresh database copied from a
// migrated template, dropped with the factory, so tests are independent. Also used by
// tests/adapters/postgres.
//
//   PgStoreFactory factory;
//   auto store = factory.Make();                // PgStore on database secplat_t<pid>_<n>
//   auto other = factory.MakePg({.pool_size = 16});  // another store on the same database
#ifndef SECPLAT_TESTS_CONTRACT_PG_STORE_FACTORY_H_
#define SECPLAT_TESTS_CONTRACT_PG_STORE_FACTORY_H_

#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "adapters/postgres/pg_store.h"
#include "core/common/result.h"
#include "ports/store/store.h"
#include "tests/support/postgres_server.h"

namespace secplat::testing {

// The test binary's server with a migrated template database "secplat_template". The first
// call starts it; the error of a failed start is kept and returned to every caller.
inline Result<PostgresServer*> SharedPostgresServer() {
  static std::mutex mu;
  static std::unique_ptr<PostgresServer> server;
  static std::optional<Error> failure;
  std::lock_guard lock(mu);
  if (server) return server.get();
  if (failure) return Unexpected(*failure);
  auto started = PostgresServer::Start();
  if (!started.has_value()) {
    failure = started.error();
    return Unexpected(*failure);
  }
  std::unique_ptr<PostgresServer> s = *std::move(started);
  Status made = s->CreateDatabase("secplat_template");
  if (made.has_value()) {
    // Migrate the template once; the store (and its connections) is closed before any copy.
    auto store =
        adapters::postgres::PgStore::Open({.url = s->url("secplat_template"), .pool_size = 1});
    if (!store.has_value()) made = Unexpected(store.error());
  }
  if (!made.has_value()) {
    failure = made.error();
    return Unexpected(*failure);
  }
  server = std::move(s);
  return server.get();
}

struct PgStoreFactory {
  static constexpr const char* kName = "Postgres";
  // Skipped only where PostgreSQL 15 is not installed; a server that is installed but does not
  // start fails the tests (Make() returns the error).
  static std::optional<std::string> SkipReason() {
    if (::access("/usr/lib/postgresql/15/bin/postgres", X_OK) != 0)
      return std::string("PostgreSQL 15 is not installed (/usr/lib/postgresql/15/bin/postgres)");
    return std::nullopt;
  }

  PgStoreFactory() = default;
  PgStoreFactory(const PgStoreFactory&) = delete;
  PgStoreFactory& operator=(const PgStoreFactory&) = delete;
  ~PgStoreFactory() {
    if (server != nullptr && !database.empty()) (void)server->DropDatabase(database);
  }

  // A PgStore on this factory's database (created on the first call), with `options.url` set.
  Result<std::unique_ptr<adapters::postgres::PgStore>> MakePg(
      adapters::postgres::PgOptions options = {}) {
    if (database.empty()) {
      SECPLAT_ASSIGN_OR_RETURN(server, SharedPostgresServer());
      static std::atomic<int> counter{0};
      std::string name = "secplat_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
      SECPLAT_ASSIGN_OR_RETURN(
          std::string ignored,
          server->Query("postgres", "CREATE DATABASE " + name + " TEMPLATE secplat_template"));
      (void)ignored;
      database = name;
    }
    options.url = server->url(database);
    return adapters::postgres::PgStore::Open(options);
  }

  Result<std::unique_ptr<ports::store::Store>> Make() {
    SECPLAT_ASSIGN_OR_RETURN(auto store, MakePg());
    return std::unique_ptr<ports::store::Store>(std::move(store));
  }

  PostgresServer* server = nullptr;
  std::string database;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_CONTRACT_PG_STORE_FACTORY_H_
