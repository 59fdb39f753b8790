// PgStore: posture records (ports/store/posture_store.h), one row of asset_status per asset
// (migrations/postgres/0003_posture.sql), and CountFindings.
//
// PutPosture's compare-and-set holds under concurrent writers in other processes: the asset row
// is locked FOR SHARE (a concurrent soft delete waits), the stored record is locked FOR UPDATE
// (a concurrent writer of the same asset waits for our commit, then reads the new version), and
// the write itself is conditional: UPDATE ... WHERE version = expected, or for a first record
// INSERT ... ON CONFLICT DO NOTHING. A write that changed no row is kConflict, naming the
// version stored at that moment.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/store_internal.h"
#include "adapters/sqlite/rows.h"
#include "core/model/finding.h"
#include "core/model/posture.h"

namespace secplat::adapters::postgres {

using core::model::PostureState;
using ports::store::FindingCounts;
using ports::store::FindingFilter;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::PostureDueKey;
using ports::store::PostureDuePage;
using ports::store::PostureFilter;
using ports::store::StoredPosture;
using ports::store::WriteContext;

namespace {

// Summary columns (documents excluded), in the order ReadSummary expects them, after the asset
// key: s.* may be NULL (LEFT JOIN: never derived).
#define SECPLAT_PG_POSTURE_SUMMARY                                                  \
  "s.state, s.since, s.last_result_at, s.score, s.grade, s.confidence, s.version, " \
  "s.updated_at, s.check_by"

// Reads the summary starting at column `col` (asset_key at col - 1).
Result<StoredPosture> ReadSummary(const pqxx::row& r, int col) {
  StoredPosture p;
  p.asset_key = internal::Text(r[col - 1]);
  if (r[col].is_null()) return p;  // never derived: version 0, state unknown
  std::string state = internal::Text(r[col]);
  auto parsed = core::model::ParsePostureState(state);
  if (!parsed)
    return Unexpected(ErrorCode::kInternal,
                      "asset_status: unknown state " + internal::Quoted(state));
  p.state = *parsed;
  p.since = internal::OptTime(r[col + 1]);
  p.last_result_at = internal::OptTime(r[col + 2]);
  p.score = static_cast<int>(internal::Int(r[col + 3]));
  p.grade = internal::Text(r[col + 4]);
  p.confidence = static_cast<int>(internal::Int(r[col + 5]));
  p.version = internal::Int(r[col + 6]);
  p.updated_at = internal::Time(r[col + 7]);
  p.check_by = internal::OptTime(r[col + 8]);
  return p;
}

// The full record (summary and documents) of a row selected with kSelectRecord.
Result<StoredPosture> ReadRecord(const pqxx::row& r) {
  SECPLAT_ASSIGN_OR_RETURN(StoredPosture p, ReadSummary(r, 1));
  p.status_json = internal::Text(r[10]);
  p.score_json = internal::Text(r[11]);
  p.transitions_json = internal::Text(r[12]);
  return p;
}

// The stored record of one asset: summary and documents; the asset is not checked.
constexpr const char* kSelectRecord =
    "SELECT s.asset_key, " SECPLAT_PG_POSTURE_SUMMARY
    ", s.status_json, s.score_json, s.transitions_json FROM asset_status s "
    "WHERE s.asset_key = $1";

// The checks SqliteStore makes (sqlite::internal::ValidatePosture), plus NUL bytes, which
// PostgreSQL text cannot hold.
Status Validate(const StoredPosture& p) {
  SECPLAT_RETURN_IF_ERROR(sqlite::internal::ValidatePosture(p));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.grade, "grade"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.status_json, "status"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.score_json, "score"));
  SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.transitions_json, "recent_transitions"));
  return OkStatus();
}

Unexpected VersionConflict(std::string_view asset_key, int64_t stored, int64_t expected) {
  return Unexpected(ErrorCode::kConflict, "posture of asset " + internal::Quoted(asset_key) +
                                              " is at version " + std::to_string(stored) +
                                              ", not " + std::to_string(expected));
}

// An asset key with a NUL byte names no asset (CreateAsset refuses them), and libpq would cut
// it at the NUL: answer without asking the server.
bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

}  // namespace

// ---- CountFindings -------------------------------------------------------------------------

Result<FindingCounts> PgStore::CountFindings(const FindingFilter& filter) {
  std::vector<std::optional<std::string>> params;
  auto param = [&](std::string value) {
    params.emplace_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT severity, count(*) FROM findings WHERE true";
  if (filter.asset_key) sql += " AND asset_key = " + param(*filter.asset_key);
  if (filter.severity)
    sql += " AND severity = " + param(std::string(core::model::SeverityName(*filter.severity)));
  if (filter.status)
    sql += " AND status = " + param(std::string(core::model::FindingStatusName(*filter.status)));
  if (filter.since)
    sql += " AND last_seen >= " + param(std::to_string(internal::Ms(*filter.since))) + "::bigint";
  sql += " GROUP BY severity";
  for (const auto& p : params)
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.value_or(""), "filter"));
  return Run([&](PgConnection& c) -> Result<FindingCounts> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, sql, pqxx::prepare::make_dynamic_params(params));
    FindingCounts counts;
    for (const pqxx::row& r : rows) {
      std::string name = internal::Text(r[0]);
      auto severity = core::model::ParseSeverity(name);
      if (!severity)
        return Unexpected(ErrorCode::kInternal,
                          "findings: unknown severity " + internal::Quoted(name));
      const int64_t n = internal::Int(r[1]);
      switch (*severity) {
        case core::model::Severity::kInfo:
          counts.info += n;
          break;
        case core::model::Severity::kLow:
          counts.low += n;
          break;
        case core::model::Severity::kMedium:
          counts.medium += n;
          break;
        case core::model::Severity::kHigh:
          counts.high += n;
          break;
        case core::model::Severity::kCritical:
          counts.critical += n;
          break;
      }
    }
    return counts;
  });
}

// ---- PostureStore --------------------------------------------------------------------------

Result<std::optional<StoredPosture>> PgStore::GetPosture(std::string_view asset_key) {
  if (HasNul(asset_key)) return internal::NotFound("asset " + internal::Quoted(asset_key));
  return Run([&](PgConnection& c) -> Result<std::optional<StoredPosture>> {
    pqxx::nontransaction tx(c.raw());
    // One statement: the asset (active or not) joined with its record, if any.
    pqxx::result rows = c.Exec(tx,
                               "SELECT a.asset_key, " SECPLAT_PG_POSTURE_SUMMARY
                               ", s.status_json, s.score_json, s.transitions_json "
                               "FROM assets a LEFT JOIN asset_status s ON s.asset_key = "
                               "a.asset_key WHERE a.asset_key = $1 AND a.deleted_at IS NULL",
                               std::string(asset_key));
    if (rows.empty()) return internal::NotFound("asset " + internal::Quoted(asset_key));
    if (rows[0][1].is_null()) return std::optional<StoredPosture>();
    SECPLAT_ASSIGN_OR_RETURN(StoredPosture p, ReadRecord(rows[0]));
    return std::optional<StoredPosture>(std::move(p));
  });
}

Result<StoredPosture> PgStore::PutPosture(const StoredPosture& record, int64_t expected_version,
                                          const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(Validate(record));
  if (expected_version < 0)
    return Unexpected(ErrorCode::kInvalidArgument, "expected_version: must not be negative");
  if (HasNul(record.asset_key))
    return internal::NotFound("asset " + internal::Quoted(record.asset_key));
  return Run([&](PgConnection& c) -> Result<StoredPosture> {
    pqxx::work tx(c.raw());
    const std::string& key = record.asset_key;
    // FOR SHARE: a concurrent DeleteAsset (FOR UPDATE) waits for this write, or this one sees
    // the asset deleted.
    if (c.Exec(tx, "SELECT 1 FROM assets WHERE asset_key = $1 AND deleted_at IS NULL FOR SHARE",
               key)
            .empty())
      return internal::NotFound("asset " + internal::Quoted(key));
    // The stored record, locked: a concurrent writer of this asset holds it until its commit,
    // after which this read returns the row it wrote (READ COMMITTED re-reads locked rows).
    std::optional<StoredPosture> before;
    {
      pqxx::result rows = c.Exec(tx, std::string(kSelectRecord) + " FOR UPDATE", key);
      if (!rows.empty()) {
        SECPLAT_ASSIGN_OR_RETURN(StoredPosture p, ReadRecord(rows[0]));
        before = std::move(p);
      }
    }
    const int64_t stored = before ? before->version : 0;
    if (stored != expected_version) return VersionConflict(key, stored, expected_version);

    StoredPosture after = record;
    after.version = stored + 1;
    after.updated_at = ctx.now;
    const std::string state(core::model::PostureStateName(after.state));
    const int64_t status_num = core::model::StatusNum(after.state);
    const int64_t score = after.score;
    const int64_t confidence = after.confidence;
    pqxx::result written;
    if (!before) {
      // No row to lock: the primary key decides between concurrent first writes (the losers
      // wait for the winner's commit, then insert nothing).
      written = c.Exec(tx,
                       "INSERT INTO asset_status(asset_key, state, status_num, since, "
                       "last_result_at, score, grade, confidence, check_by, version, updated_at, "
                       "status_json, score_json, transitions_json) VALUES ($1, $2, $3, $4, $5, "
                       "$6, $7, $8, $9, $10, $11, $12, $13, $14) "
                       "ON CONFLICT (asset_key) DO NOTHING RETURNING version",
                       key, state, status_num, internal::Ms(after.since),
                       internal::Ms(after.last_result_at), score, after.grade, confidence,
                       internal::Ms(after.check_by), after.version, internal::Ms(after.updated_at),
                       after.status_json, after.score_json, after.transitions_json);
    } else {
      written =
          c.Exec(tx,
                 "UPDATE asset_status SET state = $2, status_num = $3, since = $4, "
                 "last_result_at = $5, score = $6, grade = $7, confidence = $8, "
                 "check_by = $9, version = $10, updated_at = $11, status_json = $12, "
                 "score_json = $13, transitions_json = $14 "
                 "WHERE asset_key = $1 AND version = $15 RETURNING version",
                 key, state, status_num, internal::Ms(after.since),
                 internal::Ms(after.last_result_at), score, after.grade, confidence,
                 internal::Ms(after.check_by), after.version, internal::Ms(after.updated_at),
                 after.status_json, after.score_json, after.transitions_json, expected_version);
    }
    if (written.empty()) {
      // Another writer got there first: name the version stored now.
      pqxx::result now_stored =
          c.Exec(tx, "SELECT version FROM asset_status WHERE asset_key = $1", key);
      return VersionConflict(key, now_stored.empty() ? 0 : internal::Int(now_stored[0][0]),
                             expected_version);
    }
    if (!before || before->state != after.state) {
      internal::InsertAudit(c, tx, ctx, "posture.change", "posture:" + key,
                            before ? sqlite::internal::PostureJson(*before) : "",
                            sqlite::internal::PostureJson(after));
    }
    tx.commit();
    return after;
  });
}

Result<Page<StoredPosture>> PgStore::ListPosture(const PostureFilter& filter,
                                                 const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::vector<std::optional<std::string>> params = {std::to_string(page.after),
                                                    std::to_string(limit + 1)};
  auto param = [&](std::string value) {
    params.emplace_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT a.id, a.asset_key, " SECPLAT_PG_POSTURE_SUMMARY
                    " FROM assets a LEFT JOIN asset_status s ON s.asset_key = a.asset_key"
                    " WHERE a.deleted_at IS NULL AND a.id > $1::bigint";
  if (filter.state) {
    std::string name(core::model::PostureStateName(*filter.state));
    sql += *filter.state == PostureState::kUnknown
               ? " AND COALESCE(s.state, 'unknown') = " + param(std::move(name))
               : " AND s.state = " + param(std::move(name));
  }
  if (filter.grade) sql += " AND s.grade = " + param(*filter.grade);
  sql += " ORDER BY a.id LIMIT $2::bigint";
  for (const auto& p : params)
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.value_or(""), "filter"));
  return Run([&](PgConnection& c) -> Result<Page<StoredPosture>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, sql, pqxx::prepare::make_dynamic_params(params));
    Page<StoredPosture> out;
    int64_t last_id = 0;
    for (const pqxx::row& r : rows) {
      if (static_cast<int>(out.items.size()) == limit) {  // the probe row: another page exists
        out.next_after = last_id;
        break;
      }
      last_id = internal::Int(r[0]);
      SECPLAT_ASSIGN_OR_RETURN(StoredPosture p, ReadSummary(r, 2));
      out.items.push_back(std::move(p));
    }
    return out;
  });
}

Result<PostureDuePage> PgStore::ListPostureDue(Timestamp now,
                                               const std::optional<PostureDueKey>& after,
                                               int limit) {
  limit = internal::ClampLimit(limit);
  if (after) SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(after->asset_key, "after"));
  // Order and cursor use the same collation (the database's), so pages neither skip nor
  // repeat; the partial index asset_status_check_by serves both.
  static const std::string kFirst =
      "SELECT s.check_by, s.asset_key FROM asset_status s JOIN assets a ON a.asset_key = "
      "s.asset_key AND a.deleted_at IS NULL WHERE s.check_by IS NOT NULL AND s.check_by <= $1 "
      "ORDER BY s.check_by, s.asset_key LIMIT $2";
  static const std::string kNext =
      "SELECT s.check_by, s.asset_key FROM asset_status s JOIN assets a ON a.asset_key = "
      "s.asset_key AND a.deleted_at IS NULL WHERE s.check_by IS NOT NULL AND s.check_by <= $1 "
      "AND (s.check_by, s.asset_key) > ($3::bigint, $4::text) "
      "ORDER BY s.check_by, s.asset_key LIMIT $2";
  return Run([&](PgConnection& c) -> Result<PostureDuePage> {
    pqxx::nontransaction tx(c.raw());
    const int64_t probe = limit + 1;
    pqxx::result rows = after ? c.Exec(tx, kNext, internal::Ms(now), probe,
                                       internal::Ms(after->check_by), after->asset_key)
                              : c.Exec(tx, kFirst, internal::Ms(now), probe);
    PostureDuePage out;
    for (const pqxx::row& r : rows) {
      if (static_cast<int>(out.items.size()) == limit) {
        out.next_after = out.items.back();
        break;
      }
      out.items.push_back(PostureDueKey{internal::Time(r[0]), internal::Text(r[1])});
    }
    return out;
  });
}

Result<std::map<PostureState, int64_t>> PgStore::CountPostureByState() {
  return Run([&](PgConnection& c) -> Result<std::map<PostureState, int64_t>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows =
        c.Exec(tx,
               "SELECT COALESCE(s.state, 'unknown'), count(*) FROM assets a LEFT JOIN "
               "asset_status s ON s.asset_key = a.asset_key WHERE a.deleted_at IS NULL "
               "GROUP BY 1");
    std::map<PostureState, int64_t> counts;
    for (const pqxx::row& r : rows) {
      std::string state = internal::Text(r[0]);
      auto parsed = core::model::ParsePostureState(state);
      if (!parsed)
        return Unexpected(ErrorCode::kInternal,
                          "asset_status: unknown state " + internal::Quoted(state));
      counts[*parsed] += internal::Int(r[1]);
    }
    return counts;
  });
}

}  // namespace secplat::adapters::postgres
