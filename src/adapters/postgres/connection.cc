#include "adapters/postgres/connection.h"

#include <chrono>
#include <string_view>

namespace secplat::adapters::postgres {
namespace {

// libpq messages end with a newline and may span lines; keep them on one line.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

ErrorCode CodeForSqlState(std::string_view state) {
  if (state == "23505") return ErrorCode::kConflict;          // unique_violation
  if (state == "23503") return ErrorCode::kNotFound;          // foreign_key_violation
  if (state == "57014") return ErrorCode::kDeadlineExceeded;  // query_canceled (timeout)
  if (state == "55P03") return ErrorCode::kDeadlineExceeded;  // lock_not_available
  if (state.starts_with("08") || state.starts_with("57P") || state.starts_with("53") ||
      state == "40001" || state == "40P01")
    return ErrorCode::kUnavailable;  // connection, shutdown, resources, serialization, deadlock
  if (state.starts_with("22")) return ErrorCode::kInvalidArgument;  // data_exception
  return ErrorCode::kInternal;
}

}  // namespace

bool IsConnectionLost(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    std::string_view state = sql->sqlstate();
    return state.starts_with("08") || state.starts_with("57P");
  }
  return false;
}

bool IsRetryableConflict(const std::exception& e) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && (sql->sqlstate() == "40P01" || sql->sqlstate() == "40001");
}

Error ErrorFromException(const std::exception& e) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr)
    return {
        ErrorCode::kUnavailable,
        "postgres: connection lost during commit; the outcome is unknown: " + OneLine(e.what())};
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr)
    return {ErrorCode::kUnavailable, "postgres: connection lost: " + OneLine(e.what())};
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    return {CodeForSqlState(state), "postgres: " + OneLine(e.what()) + " (SQLSTATE " + state + ")"};
  }
  return {ErrorCode::kInternal, "postgres: " + OneLine(e.what())};
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo,
                                                         Duration statement_timeout) {
  try {
    auto conn = std::make_unique<pqxx::connection>(conninfo);
    pqxx::nontransaction setup(*conn);
    setup.exec("SET client_min_messages = warning; SET statement_timeout = " +
               std::to_string(statement_timeout.count()));
    setup.commit();
    return std::unique_ptr<PgConnection>(new PgConnection(std::move(conn)));
  } catch (const std::exception& e) {
    Error err = ErrorFromException(e);
    if (err.code == ErrorCode::kInternal) err.code = ErrorCode::kUnavailable;
    err.message = "postgres: cannot connect: " + OneLine(e.what());
    return Unexpected(std::move(err));
  }
}

const std::string& PgConnection::Prepared(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  std::string name = "s" + std::to_string(prepared_.size());
  conn_->prepare(name, sql);
  return prepared_.emplace(sql, std::move(name)).first->second;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Release(std::move(conn_), broken_);
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  while (idle_.empty() && open_ >= options_.size) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size)
      return Unexpected(ErrorCode::kUnavailable, "postgres: all " + std::to_string(options_.size) +
                                                     " connections stayed busy");
  }
  if (!idle_.empty()) {
    std::unique_ptr<PgConnection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;  // reserve the slot, connect without holding the lock
  lock.unlock();
  auto conn = PgConnection::Open(options_.conninfo, options_.statement_timeout);
  if (!conn.has_value()) {
    lock.lock();
    --open_;
    cv_.notify_one();
    return Unexpected(std::move(conn).error());
  }
  return Lease(this, *std::move(conn));
}

void ConnectionPool::Release(std::unique_ptr<PgConnection> conn, bool broken) {
  std::unique_ptr<PgConnection> closing;
  {
    std::lock_guard lock(mu_);
    if (broken) {
      closing = std::move(conn);
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  cv_.notify_one();
  // `closing` is destroyed here, outside the lock (closing a socket may take a moment).
}

void ConnectionPool::DropIdle() {
  std::vector<std::unique_ptr<PgConnection>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(idle_);
    open_ -= static_cast<int>(closing.size());
  }
  cv_.notify_all();
}

}  // namespace secplat::adapters::postgres
