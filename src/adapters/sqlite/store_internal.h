// Internal to adapters/sqlite: helpers shared by the sqlite_store*.cc files.
#ifndef SECPLAT_ADAPTERS_SQLITE_STORE_INTERNAL_H_
#define SECPLAT_ADAPTERS_SQLITE_STORE_INTERNAL_H_

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/sqlite/connection.h"
#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/sqlite_store.h"
#include "core/outbox/messages.h"
#include "ports/store/common.h"

namespace secplat::adapters::sqlite {

template <typename Body>
auto SqliteStore::WriteTx(Body&& body) -> decltype(body(std::declval<Connection&>())) {
  using R = decltype(body(std::declval<Connection&>()));
  std::optional<R> result;
  const std::function<bool(Connection&)> run = [&](Connection& db) {
    result.emplace(body(db));
    return result->has_value();
  };
  Status committed = GroupCommit(run);
  if (result && !result->has_value()) return std::move(*result);  // its own error wins
  if (!committed.has_value()) return Unexpected(std::move(committed).error());
  return std::move(*result);
}

namespace internal {

inline constexpr int kMaxPageLimit = 1000;

inline int ClampLimit(int limit) { return std::clamp(limit, 1, kMaxPageLimit); }

// Appends one audit_log row on `db` (inside the caller's transaction). Empty before/after are
// stored as NULL. Errors: ErrorCodeFromSqlite.
Status InsertAudit(Connection& db, const ports::store::WriteContext& ctx, std::string_view action,
                   std::string_view target, std::string_view before_json,
                   std::string_view after_json);

// Inserts the outbox row of `entry` (created_at and next_attempt_at = `now`, unsent) on `db`,
// inside the caller's transaction. Defined in sqlite_store_outbox.cc. Errors:
// ErrorCodeFromSqlite.
Status InsertOutbox(Connection& db, const core::outbox::OutboxEntry& entry, Timestamp now);

// Fills labels and scan settings of `assets` (sorted by id) with two range queries, rather than
// two queries per asset (sqlite_store_assets.cc).
Status LoadAssetChildren(Connection& db, std::span<core::model::Asset> assets);

// Adds up the (severity, count) rows of `s` into counts by severity (sqlite_store_findings.cc).
// Errors: kInternal (an unknown severity stored), or the database's.
Result<ports::store::FindingCounts> ReadFindingCounts(Statement& s);

// Reads up to `limit` rows of `s` (which must select at most limit + 1 rows, ordered by key
// ascending) with `read(Statement&) -> Result<T>`; next_after is key(last item) when a further
// row exists.
template <typename T, typename Read, typename Key>
Result<ports::store::Page<T>> CollectPage(Statement& s, int limit, Read&& read, Key&& key) {
  ports::store::Page<T> page;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (static_cast<int>(page.items.size()) == limit) {  // the probe row: another page exists
      page.next_after = key(page.items.back());
      break;
    }
    SECPLAT_ASSIGN_OR_RETURN(T item, read(s));
    page.items.push_back(std::move(item));
  }
  return page;
}

inline Unexpected NotFound(std::string what) {
  return Unexpected(ErrorCode::kNotFound, std::move(what) + " not found");
}

inline std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace internal
}  // namespace secplat::adapters::sqlite

#endif  // SECPLAT_ADAPTERS_SQLITE_STORE_INTERNAL_H_
