#include "adapters/sqlite/connection.h"

#include <sqlite3.h>

#include <utility>

namespace secplat::adapters::sqlite {

ErrorCode ErrorCodeFromSqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kUnavailable;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConflict;
    // The environment, not our SQL: a full or read-only disk, I/O errors, a file that cannot
    // be opened, memory pressure. Callers retry with backoff.
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_INTERRUPT:
      return ErrorCode::kUnavailable;
    default:
      return ErrorCode::kInternal;
  }
}

Error ErrorFromSqlite(int rc, sqlite3* db, std::string_view context) {
  std::string message = "sqlite: ";
  message.append(context);
  message.append(": ");
  // sqlite3_errmsg describes the most recent failed call on `db`; fall back to the generic
  // text when there is no handle (or the handle holds no error for `rc`).
  const char* text =
      db != nullptr && sqlite3_errcode(db) != SQLITE_OK ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message.append(text != nullptr ? text : "unknown error");
  return Error{ErrorCodeFromSqlite(rc), std::move(message)};
}

// ---- Statement ---------------------------------------------------------------------------

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::Bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: sqlite copies, so a temporary argument cannot dangle before Step().
  int rc =
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::Bind(int index, const std::optional<Timestamp>& value) {
  if (value) {
    Bind(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::BindTextOrNull(int index, std::string_view value) {
  if (value.empty()) {
    BindNull(index);
  } else {
    Bind(index, value);
  }
}

Result<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    int rc = bind_error_;
    return Unexpected(ErrorFromSqlite(rc, nullptr, "bind"));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Unexpected(ErrorFromSqlite(rc, db_, "step"));
}

Status Statement::Run() {
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

int64_t Statement::Int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::Text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  int n = sqlite3_column_bytes(stmt_, col);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(n));
}

std::optional<Timestamp> Statement::OptTime(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Time(col);
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

// ---- StatementLease ----------------------------------------------------------------------

StatementLease::StatementLease(Statement& cached) : stmt_(&cached) { cached.in_use_ = true; }

StatementLease::StatementLease(std::unique_ptr<Statement> owned)
    : stmt_(owned.get()), owned_(std::move(owned)) {}

StatementLease::StatementLease(StatementLease&& other) noexcept
    : stmt_(other.stmt_), owned_(std::move(other.owned_)) {
  other.stmt_ = nullptr;
}

StatementLease::~StatementLease() {
  if (stmt_ == nullptr) return;
  stmt_->Reset();
  if (!owned_) stmt_->in_use_ = false;
}

// ---- Connection --------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Open(const ConnectionOptions& options) {
  // NOMUTEX: every connection is used by one thread at a time (the store's mutex and pool
  // guarantee it), so sqlite's own per-connection mutex would be pure overhead.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create) flags |= SQLITE_OPEN_CREATE;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(options.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = ErrorFromSqlite(rc, db, "open '" + options.path + "'");
    if (rc != SQLITE_NOMEM) e.code = ErrorCode::kUnavailable;
    sqlite3_close_v2(db);  // a handle is returned even on failure (null only on NOMEM)
    return Unexpected(std::move(e));
  }
  std::unique_ptr<Connection> conn(new Connection(db, options.path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
  if (options.read_only) SECPLAT_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only = ON"));
  return conn;
}

Connection::~Connection() {
  cache_.clear();  // finalize every statement before closing
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return OkStatus();
  std::string message = "sqlite: exec: ";
  message += err != nullptr ? err : sqlite3_errstr(rc);
  sqlite3_free(err);
  return Unexpected(ErrorCodeFromSqlite(rc), std::move(message));
}

Result<std::unique_ptr<Statement>> Connection::PrepareUncached(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    Error e = ErrorFromSqlite(rc, db_, "prepare");
    e.message += " in: " + std::string(sql.substr(0, 200));
    return Unexpected(std::move(e));
  }
  if (stmt == nullptr) return Unexpected(ErrorCode::kInternal, "sqlite: prepare: empty SQL");
  return std::make_unique<Statement>(db_, stmt);
}

Result<StatementLease> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    if (!it->second->in_use_) return StatementLease(*it->second);
    // The same SQL is already stepping further up the stack: use a one-off copy.
    SECPLAT_ASSIGN_OR_RETURN(auto owned, PrepareUncached(sql));
    return StatementLease(std::move(owned));
  }
  SECPLAT_ASSIGN_OR_RETURN(auto stmt, PrepareUncached(sql));
  Statement& cached = *stmt;
  cache_.emplace(std::string(sql), std::move(stmt));
  return StatementLease(cached);
}

Result<std::string> Connection::QueryText(std::string_view sql) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, Prepare(sql));
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::string();
  return s->Text(0);
}

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---- Transaction -------------------------------------------------------------------------

Result<Transaction> Transaction::Begin(Connection& db) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare("BEGIN IMMEDIATE"));
  SECPLAT_RETURN_IF_ERROR(s->Run());
  return Transaction(&db);
}

Result<Transaction> Transaction::BeginRead(Connection& db) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare("BEGIN"));
  SECPLAT_RETURN_IF_ERROR(s->Run());
  return Transaction(&db);
}

Transaction::~Transaction() {
  // sqlite rolls back by itself after some errors (SQLITE_FULL, IOERR, ...): only roll back
  // a transaction that is still open.
  if (db_ == nullptr || !db_->InTransaction()) return;
  auto s = db_->Prepare("ROLLBACK");
  if (s.has_value()) (void)(*s)->Run();
}

Status Transaction::Commit() {
  Connection* db = db_;
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare("COMMIT"));
  SECPLAT_RETURN_IF_ERROR(s->Run());  // on failure the destructor rolls back
  db_ = nullptr;
  return OkStatus();
}

// ---- ReadPool ----------------------------------------------------------------------------

ReadPool::ReadPool(std::vector<std::unique_ptr<Connection>> readers, Connection* writer,
                   std::mutex* writer_mu)
    : readers_(std::move(readers)), writer_(writer), writer_mu_(writer_mu) {
  for (auto& r : readers_) free_.push_back(r.get());
}

ReadPool::Lease ReadPool::Acquire() {
  if (readers_.empty()) return Lease(nullptr, writer_, std::unique_lock<std::mutex>(*writer_mu_));
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  Connection* conn = free_.back();
  free_.pop_back();
  return Lease(this, conn, {});
}

void ReadPool::Release(Connection* conn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(conn);
  }
  cv_.notify_one();
}

ReadPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), conn_(other.conn_), writer_lock_(std::move(other.writer_lock_)) {
  other.pool_ = nullptr;
  other.conn_ = nullptr;
}

ReadPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(conn_);
}

}  // namespace secplat::adapters::sqlite
