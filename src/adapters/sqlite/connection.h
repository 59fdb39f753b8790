// SQLite plumbing for the store: an RAII connection with a prepared-statement cache, statement
// leases that reset themselves, a write transaction guard, a pool of read connections, and the
// one mapping from sqlite result codes to ErrorCode. Only this folder includes <sqlite3.h>.
//
//   SECPLAT_ASSIGN_OR_RETURN(auto db, Connection::Open({.path = path}));
//   SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare("SELECT 1 + ?1"));
//   s->Bind(1, int64_t{41});
//   SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());   // row == true, s->Int64(0) == 42
#ifndef SECPLAT_ADAPTERS_SQLITE_CONNECTION_H_
#define SECPLAT_ADAPTERS_SQLITE_CONNECTION_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace secplat::adapters::sqlite {

// The ErrorCode for a sqlite result code (primary or extended): BUSY/LOCKED -> kUnavailable,
// CONSTRAINT -> kConflict, I/O, full disk, cannot open, out of memory -> kUnavailable, the rest
// (SQL errors, corruption, misuse) -> kInternal.
ErrorCode ErrorCodeFromSqlite(int rc);

// An Error for `rc`: "sqlite: <context>: <sqlite's message>". `db` may be null (then the
// generic text of `rc` is used).
Error ErrorFromSqlite(int rc, sqlite3* db, std::string_view context);

// A prepared statement. Bind indexes and column indexes follow sqlite (binds from 1, columns
// from 0). Bind errors are remembered and reported by the next Step(). Not thread-safe.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void Bind(int index, int64_t value);
  void Bind(int index, int value) { Bind(index, static_cast<int64_t>(value)); }
  void Bind(int index, bool value) { Bind(index, static_cast<int64_t>(value ? 1 : 0)); }
  void Bind(int index, std::string_view value);  // copied by sqlite
  void Bind(int index, const std::string& value) { Bind(index, std::string_view(value)); }
  void Bind(int index, const char* value) { Bind(index, std::string_view(value)); }
  void Bind(int index, Timestamp value) { Bind(index, ToUnixMillis(value)); }
  void Bind(int index, const std::optional<Timestamp>& value);  // nullopt: NULL
  void BindNull(int index);
  void BindTextOrNull(int index, std::string_view value);  // empty: NULL

  // Advances: true when a row is available, false when done. Errors: see ErrorCodeFromSqlite.
  Result<bool> Step();
  // Steps to completion, ignoring rows. Errors: as Step().
  Status Run();

  bool IsNull(int col) const;
  int64_t Int64(int col) const;
  std::string Text(int col) const;  // NULL reads as ""
  Timestamp Time(int col) const { return FromUnixMillis(Int64(col)); }
  std::optional<Timestamp> OptTime(int col) const;

  // Resets to the start and clears the bindings (the statement cache calls it on release).
  void Reset();

 private:
  friend class Connection;
  friend class StatementLease;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;
  bool in_use_ = false;
};

// Exclusive use of one statement until destruction, which resets it so that no read snapshot
// or lock outlives the lease. Movable, not copyable.
class StatementLease {
 public:
  explicit StatementLease(Statement& cached);                 // marks it in use
  explicit StatementLease(std::unique_ptr<Statement> owned);  // a one-off statement
  StatementLease(StatementLease&& other) noexcept;
  StatementLease& operator=(StatementLease&&) = delete;
  ~StatementLease();
  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
  std::unique_ptr<Statement> owned_;  // set when the cached copy was already in use
};

struct ConnectionOptions {
  std::string path;  // a file path, or ":memory:"
  Duration busy_timeout = std::chrono::seconds(5);
  bool create = true;      // create the file if it does not exist
  bool read_only = false;  // PRAGMA query_only: writes fail with kInternal
};

// One sqlite3 handle and its statement cache. Use from one thread at a time (callers lock).
class Connection {
 public:
  // Opens `options.path` with extended result codes and the busy timeout set.
  // Errors: kUnavailable (cannot open), kInternal.
  static Result<std::unique_ptr<Connection>> Open(const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results (sqlite3_exec). Errors: ErrorCodeFromSqlite.
  Status Exec(std::string_view sql);
  // A statement for `sql`, prepared once and cached by its text. Errors: kInternal (bad SQL),
  // kUnavailable.
  Result<StatementLease> Prepare(std::string_view sql);
  // The first column of the first row of `sql` as text ("" when no row). Errors: as Step().
  Result<std::string> QueryText(std::string_view sql);

  int64_t LastInsertRowId() const;
  int64_t Changes() const;
  bool InTransaction() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() const { return db_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<std::unique_ptr<Statement>> PrepareUncached(std::string_view sql);

  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Statement>, StringHash, std::equal_to<>> cache_;
};

// A write transaction on `db` (BEGIN IMMEDIATE). Rolls back on destruction unless committed.
class Transaction {
 public:
  // Errors: kUnavailable (another process holds the write lock past the busy timeout).
  static Result<Transaction> Begin(Connection& db);
  // A deferred transaction for reading: every statement inside reads one snapshot. It takes no
  // lock until its first read and never the write lock; the destructor ends it.
  static Result<Transaction> BeginRead(Connection& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  // Errors: ErrorCodeFromSqlite; the transaction is rolled back on failure.
  Status Commit();

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;
};

// Read connections shared by threads. Thread-safe. With no readers (":memory:" databases,
// whose connections cannot share data), every lease borrows the writer under its mutex.
class ReadPool {
 public:
  // `writer` and `writer_mu` must outlive the pool.
  ReadPool(std::vector<std::unique_ptr<Connection>> readers, Connection* writer,
           std::mutex* writer_mu);

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    friend class ReadPool;
    Lease(ReadPool* pool, Connection* conn, std::unique_lock<std::mutex> writer_lock)
        : pool_(pool), conn_(conn), writer_lock_(std::move(writer_lock)) {}
    ReadPool* pool_;  // null: borrowed writer (or moved-from)
    Connection* conn_;
    std::unique_lock<std::mutex> writer_lock_;
  };

  // Blocks until a connection is free.
  Lease Acquire();

 private:
  void Release(Connection* conn);

  std::vector<std::unique_ptr<Connection>> readers_;
  Connection* writer_;
  std::mutex* writer_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Connection*> free_;
};

}  // namespace secplat::adapters::sqlite

#endif  // SECPLAT_ADAPTERS_SQLITE_CONNECTION_H_
