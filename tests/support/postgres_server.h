// A real PostgreSQL 15 server (Debian's /usr/lib/postgresql/15/bin) for integration tests and
// benchmarks: initdb into a temp dir, then the postgres binary itself (not pg_ctl, so the
// recorded PID is the postmaster) on 127.0.0.1, a random free port, trust authentication,
// fsync=off. As root, the temp dir belongs to the postgres user and the server runs as that
// user (initdb refuses root); otherwise it runs as the current user. The postmaster gets SIGKILL
// if the thread that started it dies (PR_SET_PDEATHSIG), so a crashed test leaves no server
// behind. Stop() is a fast shutdown (SIGINT); Stop(/*hard=*/true) an immediate one (SIGQUIT, as
// after a crash: recovery runs at the next start).
//
//   auto server = PostgresServer::Start();
//   if (!server.has_value()) GTEST_SKIP() << server.error().message;
//   ASSERT_TRUE((*server)->CreateDatabase("t1").has_value());
//   auto store = PgStore::Open({.url = (*server)->url("t1")});
#ifndef SECPLAT_TESTS_SUPPORT_POSTGRES_SERVER_H_
#define SECPLAT_TESTS_SUPPORT_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/common/result.h"

namespace secplat::testing {

class PostgresServer {
 public:
  // Runs initdb and starts the server, waiting (up to 30 s) until it accepts connections.
  // Errors: kUnavailable when PostgreSQL 15 is missing or does not come up (its log is quoted).
  static Result<std::unique_ptr<PostgresServer>> Start();

  ~PostgresServer();  // stops the server and removes the temp dir
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // postgres://postgres@127.0.0.1:<port>/<database>
  std::string url(const std::string& database = "postgres") const;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }

  // Creates an empty database (from template0). Errors: kUnavailable, kInternal (the SQL
  // failed, e.g. it exists).
  Status CreateDatabase(const std::string& name);
  // Drops a database, disconnecting its sessions first. Errors: kUnavailable, kInternal.
  Status DropDatabase(const std::string& name);
  // Runs `sql` (one or more statements) on `database` as the superuser; returns the first
  // column of the first row of the last statement ("" when none). Errors: kUnavailable,
  // kInternal (the message quotes the server's).
  Result<std::string> Query(const std::string& database, const std::string& sql);

  // Stops the server and starts it again on the same port and data dir (the data survives).
  Status Restart(bool hard = false);
  // Stops the server by PID. Idempotent.
  Status Stop(bool hard = false);
  // Starts a stopped server again (same port and data). Errors as Start.
  Status Launch();

 private:
  PostgresServer(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}

  std::string dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_POSTGRES_SERVER_H_
