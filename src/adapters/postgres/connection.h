// Internal to adapters/postgres: one libpqxx connection with its prepared statements, a
// fixed-size pool of them with reconnect, and the mapping of libpqxx exceptions (SQLSTATE) to
// ErrorCode.
//
//   ConnectionPool pool({.conninfo = url, .size = 8, .statement_timeout = 5s});
//   SECPLAT_ASSIGN_OR_RETURN(ConnectionPool::Lease c, pool.Acquire());
//   pqxx::work tx(c->raw());
//   pqxx::result r = c->Exec(tx, "SELECT 1 FROM assets WHERE asset_key = $1", key);
//
// Every SQL text that goes through Exec() is prepared once per connection (named s0, s1, ...)
// and executed as a prepared statement from then on. A connection that broke (server restart,
// admin shutdown) is never reused: the lease is marked broken and closed, and the next Acquire()
// opens a fresh one, so the pool recovers by itself when the server is back.
#ifndef SECPLAT_ADAPTERS_POSTGRES_CONNECTION_H_
#define SECPLAT_ADAPTERS_POSTGRES_CONNECTION_H_

#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

// Parameters of type std::optional<T> are SQL NULL when empty (libpqxx string_traits).

namespace secplat::adapters::postgres {

// The Error for a libpqxx (or libpq) exception: SQLSTATE 23505 -> kConflict, 23503 -> kNotFound,
// 57014 -> kDeadlineExceeded, 08xxx / 57P0x / 53xxx / 40001 / 40P01 and broken connections ->
// kUnavailable, 22xxx -> kInvalidArgument, anything else -> kInternal. Messages start with
// "postgres: " and never contain the connection string.
Error ErrorFromException(const std::exception& e);

// True when `e` means the connection itself is gone (it must not be reused).
bool IsConnectionLost(const std::exception& e);
// True for a deadlock (40P01) or serialization failure (40001): the transaction was rolled back
// and may simply run again.
bool IsRetryableConflict(const std::exception& e);

class PgConnection {
 public:
  // Connects with `conninfo` (a postgres:// URL or key=value string) and sets statement_timeout
  // (0: none) and client_min_messages = warning. Errors: kUnavailable.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& conninfo,
                                                    Duration statement_timeout);

  pqxx::connection& raw() { return *conn_; }

  // The name of the prepared statement for `sql` on this connection, preparing it on first use.
  const std::string& Prepared(const std::string& sql);

  // Executes `sql` as a prepared statement in `tx` with `args` ($1, $2, ...).
  template <typename... Args>
  pqxx::result Exec(pqxx::transaction_base& tx, const std::string& sql, Args&&... args) {
    return tx.exec_prepared(Prepared(sql), std::forward<Args>(args)...);
  }

 private:
  explicit PgConnection(std::unique_ptr<pqxx::connection> conn) : conn_(std::move(conn)) {}

  std::unique_ptr<pqxx::connection> conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
};

struct PoolOptions {
  std::string conninfo;
  int size = 8;
  Duration statement_timeout = std::chrono::seconds(5);
  Duration acquire_timeout = std::chrono::seconds(10);  // waiting for a free connection
};

// Up to `size` connections, opened on demand. Thread-safe.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<PgConnection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();

    PgConnection* operator->() { return conn_.get(); }
    PgConnection& operator*() { return *conn_; }
    // The connection is closed instead of returned to the pool.
    void MarkBroken() { broken_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<PgConnection> conn_;
    bool broken_ = false;
  };

  explicit ConnectionPool(PoolOptions options) : options_(std::move(options)) {}

  // An idle connection, or a new one while fewer than `size` are open; waits up to
  // acquire_timeout for one to be returned. Errors: kUnavailable (cannot connect, or every
  // connection stayed busy).
  Result<Lease> Acquire();
  // Closes every idle connection (after a connection was found broken, the others probably are
  // too: the server restarted).
  void DropIdle();

 private:
  void Release(std::unique_ptr<PgConnection> conn, bool broken);

  PoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // idle + leased + being opened
};

}  // namespace secplat::adapters::postgres

#endif  // SECPLAT_ADAPTERS_POSTGRES_CONNECTION_H_
