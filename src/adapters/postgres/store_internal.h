// Internal to adapters/postgres: PgStore::Run, column lists, reading model structs from result
// rows, array parameters, and the audit/outbox inserts shared by the pg_store*.cc files.
#ifndef SECPLAT_ADAPTERS_POSTGRES_STORE_INTERNAL_H_
#define SECPLAT_ADAPTERS_POSTGRES_STORE_INTERNAL_H_

#include <algorithm>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/postgres/connection.h"
#include "adapters/postgres/pg_store.h"
#include "core/model/asset.h"
#include "core/model/audit.h"
#include "core/model/auth.h"
#include "core/model/event.h"
#include "core/model/finding.h"
#include "core/model/scan_job.h"
#include "core/outbox/messages.h"
#include "ports/store/common.h"

// Column lists in the order the Read* functions expect them.
#define SECPLAT_PG_ASSET_COLUMNS                                                        \
  "assets.id, assets.asset_key, assets.name, assets.kind, assets.url, assets.host, "    \
  "assets.port, assets.owner, assets.criticality, assets.environment, assets.enabled, " \
  "assets.created_at, assets.updated_at, assets.deleted_at, assets.version"
#define SECPLAT_PG_FINDING_COLUMNS                                                      \
  "id, finding_key, asset_key, source, check_id, location, category, title, severity, " \
  "status, evidence, first_seen, last_seen, occurrences, resolved_at, accepted_until, " \
  "accepted_by, status_reason, updated_at"
#define SECPLAT_PG_EVENT_COLUMNS                                                      \
  "seq, event_id, event_type, ts, org_id, request_id, asset_key, severity, payload, " \
  "received_at"
#define SECPLAT_PG_SCAN_JOB_COLUMNS                                                         \
  "id, idempotency_key, scan_type, asset_key, status, attempts, requested_by, request_id, " \
  "log_output, last_error, created_at, updated_at, started_at, finished_at"
#define SECPLAT_PG_TOKEN_COLUMNS "id, name, role, secret_hash, created_by, created_at, revoked_at"
#define SECPLAT_PG_AUDIT_COLUMNS \
  "id, ts, actor, action, target, before_json, after_json, request_id"

namespace secplat::adapters::postgres {

template <typename Body>
auto PgStore::Run(Body&& body) -> decltype(body(std::declval<PgConnection&>())) {
  constexpr int kMaxConflictRetries = 8;
  int reconnects = 0;
  int conflicts = 0;
  while (true) {
    auto lease = pool_->Acquire();
    if (!lease.has_value()) return Unexpected(std::move(lease).error());
    try {
      return body(**lease);
    } catch (const std::exception& e) {
      Error err = ErrorFromException(e);
      if (IsRetryableConflict(e)) {
        // Deadlock or serialization failure: the server rolled the transaction back and
        // running it again is safe (concurrent batches that insert overlapping new keys in
        // different orders can deadlock).
        if (++conflicts > kMaxConflictRetries) return Unexpected(std::move(err));
        continue;
      }
      if (!IsConnectionLost(e)) return Unexpected(std::move(err));
      lease->MarkBroken();
      pool_->DropIdle();
      // A transaction cut off before COMMIT was rolled back by the server: run it again once on
      // a fresh connection. One lost during COMMIT (in_doubt) may have committed: report it.
      if (++reconnects > 1 || dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr)
        return Unexpected(std::move(err));
    }
  }
}

namespace internal {

inline constexpr int kMaxPageLimit = 1000;

inline int ClampLimit(int limit) { return std::clamp(limit, 1, kMaxPageLimit); }

inline Unexpected NotFound(std::string what) {
  return Unexpected(ErrorCode::kNotFound, std::move(what) + " not found");
}

inline std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

inline int64_t Ms(Timestamp t) { return ToUnixMillis(t); }
inline std::optional<int64_t> Ms(const std::optional<Timestamp>& t) {
  if (!t) return std::nullopt;
  return ToUnixMillis(*t);
}
// "" as SQL NULL (optional text columns: request_id, asset_key, payload, before/after).
inline std::optional<std::string> TextOrNull(std::string_view s) {
  if (s.empty()) return std::nullopt;
  return std::string(s);
}

// Text of a column; "" for NULL.
inline std::string Text(const pqxx::field& f) { return f.is_null() ? std::string() : f.c_str(); }
inline int64_t Int(const pqxx::field& f) { return f.is_null() ? 0 : f.as<int64_t>(); }
inline Timestamp Time(const pqxx::field& f) { return FromUnixMillis(Int(f)); }
inline std::optional<Timestamp> OptTime(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return FromUnixMillis(f.as<int64_t>());
}

// PostgreSQL text cannot hold NUL bytes (libpq passes parameters as C strings): refuse them
// rather than store a silently cut value. `what` names the field.
Status CheckNoNul(std::string_view value, std::string_view what);

// Builds a PostgreSQL array literal ('{"a","b",NULL}') for one array parameter.
class ArrayLiteral {
 public:
  void Add(std::string_view text);
  void Add(int64_t v);
  void Add(const std::optional<int64_t>& v);
  void AddNull();
  std::string Take();

 private:
  void Separate();
  std::string out_ = "{";
};

// Each reads a row selected with the column list above. Errors: kInternal when a stored enum
// name is unknown (a newer or damaged database).
Result<core::model::Asset> ReadAsset(const pqxx::row& r);  // labels and scan not filled
Result<core::model::Finding> ReadFinding(const pqxx::row& r);
Result<core::model::StoredEvent> ReadEvent(const pqxx::row& r);
Result<core::model::ScanJob> ReadScanJob(const pqxx::row& r);
Result<core::model::ApiToken> ReadToken(const pqxx::row& r);
core::model::AuditEntry ReadAudit(const pqxx::row& r);

// Appends one audit_log row in `tx`. Empty before/after are stored as NULL.
void InsertAudit(PgConnection& c, pqxx::transaction_base& tx, const ports::store::WriteContext& ctx,
                 std::string_view action, std::string_view target, std::string_view before_json,
                 std::string_view after_json);

// Inserts the outbox row of `entry` (created_at and next_attempt_at = `now`, unsent) in `tx`.
void InsertOutbox(PgConnection& c, pqxx::transaction_base& tx,
                  const core::outbox::OutboxEntry& entry, Timestamp now);

// Reads up to `limit` rows of `rows` (which must hold at most limit + 1 rows, ordered by key
// ascending) with `read(const pqxx::row&) -> Result<T>`; next_after is key(last item) when a
// further row exists.
template <typename T, typename Read, typename Key>
Result<ports::store::Page<T>> CollectPage(const pqxx::result& rows, int limit, Read&& read,
                                          Key&& key) {
  ports::store::Page<T> page;
  for (const pqxx::row& r : rows) {
    if (static_cast<int>(page.items.size()) == limit) {  // the probe row: another page exists
      page.next_after = key(page.items.back());
      break;
    }
    SECPLAT_ASSIGN_OR_RETURN(T item, read(r));
    page.items.push_back(std::move(item));
  }
  return page;
}

}  // namespace internal
}  // namespace secplat::adapters::postgres

#endif  // SECPLAT_ADAPTERS_POSTGRES_STORE_INTERNAL_H_
