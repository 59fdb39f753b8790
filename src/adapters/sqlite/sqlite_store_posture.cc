// SqliteStore: posture records (ports/store/posture_store.h), one row of asset_status per asset
// (migrations/sqlite/0003_posture.sql). PutPosture reads the stored version and writes the row
// in one write transaction; the single writer connection makes the compare-and-set atomic.
// PutPostures does the same for every write of a batch inside one transaction.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "adapters/sqlite/rows.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/store_internal.h"
#include "core/model/posture.h"

namespace secplat::adapters::sqlite {

using core::model::PostureState;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::PostureDueKey;
using ports::store::PostureDuePage;
using ports::store::PostureFilter;
using ports::store::StoredPosture;
using ports::store::StoredPostureWrite;
using ports::store::WriteContext;

namespace {

// The columns of SECPLAT_SQLITE_ASSET_COLUMNS (rows.h), which ReadAsset reads from column 0.
constexpr int kAssetColumnCount = internal::ColumnCount(SECPLAT_SQLITE_ASSET_COLUMNS);

// Summary columns (documents excluded), in the order ReadSummary expects them, after the asset
// key: s.* may be NULL (LEFT JOIN: never derived).
#define SECPLAT_SQLITE_POSTURE_SUMMARY                                              \
  "s.state, s.since, s.last_result_at, s.score, s.grade, s.confidence, s.version, " \
  "s.updated_at, s.check_by"

// Reads the summary starting at column `col` (asset_key at col - 1).
Result<StoredPosture> ReadSummary(const Statement& s, int col) {
  StoredPosture p;
  p.asset_key = s.Text(col - 1);
  if (s.IsNull(col)) return p;  // never derived: version 0, state unknown
  std::string state = s.Text(col);
  auto parsed = core::model::ParsePostureState(state);
  if (!parsed)
    return Unexpected(ErrorCode::kInternal,
                      "asset_status: unknown state " + internal::Quoted(state));
  p.state = *parsed;
  p.since = s.OptTime(col + 1);
  p.last_result_at = s.OptTime(col + 2);
  p.score = static_cast<int>(s.Int64(col + 3));
  p.grade = s.Text(col + 4);
  p.confidence = static_cast<int>(s.Int64(col + 5));
  p.version = s.Int64(col + 6);
  p.updated_at = s.Time(col + 7);
  p.check_by = s.OptTime(col + 8);
  return p;
}

// The full record: the summary at `col` (as ReadSummary) followed by its three documents.
Result<StoredPosture> ReadRecord(const Statement& s, int col) {
  SECPLAT_ASSIGN_OR_RETURN(StoredPosture p, ReadSummary(s, col));
  p.status_json = s.Text(col + 9);
  p.score_json = s.Text(col + 10);
  p.transitions_json = s.Text(col + 11);
  return p;
}

Result<bool> AssetActive(Connection& db, std::string_view asset_key) {
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("SELECT 1 FROM assets WHERE asset_key = ?1 AND deleted_at IS NULL"));
  s->Bind(1, asset_key);
  return s->Step();
}

// The full record of an asset, or nullopt when it has none (the asset is not checked here).
Result<std::optional<StoredPosture>> FindPosture(Connection& db, std::string_view asset_key) {
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("SELECT s.asset_key, " SECPLAT_SQLITE_POSTURE_SUMMARY
                 ", s.status_json, s.score_json, s.transitions_json FROM asset_status s "
                 "WHERE s.asset_key = ?1"));
  s->Bind(1, asset_key);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<StoredPosture>();
  SECPLAT_ASSIGN_OR_RETURN(StoredPosture p, ReadRecord(*s, 1));
  return std::optional<StoredPosture>(std::move(p));
}

}  // namespace

Result<std::optional<StoredPosture>> SqliteStore::GetPosture(std::string_view asset_key) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(bool active, AssetActive(*db, asset_key));
  if (!active) return internal::NotFound("asset " + internal::Quoted(asset_key));
  return FindPosture(*db, asset_key);
}

Result<std::vector<Result<ports::store::PostureInputs>>> SqliteStore::GetPostureInputs(
    std::span<const std::string> asset_keys) {
  auto db = readers_->Acquire();
  // One snapshot for the batch: an asset and its record cannot be read across a write.
  SECPLAT_ASSIGN_OR_RETURN(Transaction snapshot, Transaction::BeginRead(*db));
  std::vector<Result<ports::store::PostureInputs>> out;
  out.reserve(asset_keys.size());
  const std::string open(core::model::FindingStatusName(core::model::FindingStatus::kOpen));
  for (const std::string& key : asset_keys) {
    ports::store::PostureInputs in;
    {
      // The active asset and its record in one lookup (NULL summary: never derived).
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db->Prepare("SELECT " SECPLAT_SQLITE_ASSET_COLUMNS
                      ", assets.asset_key, " SECPLAT_SQLITE_POSTURE_SUMMARY
                      ", s.status_json, s.score_json, s.transitions_json FROM assets"
                      " LEFT JOIN asset_status s ON s.asset_key = assets.asset_key"
                      " WHERE assets.asset_key = ?1 AND assets.deleted_at IS NULL"));
      s->Bind(1, key);
      SECPLAT_ASSIGN_OR_RETURN(bool active, s->Step());
      if (!active) {
        out.push_back(internal::NotFound("asset " + internal::Quoted(key)));
        continue;
      }
      SECPLAT_ASSIGN_OR_RETURN(in.asset, internal::ReadAsset(*s));
      constexpr int kSummary = kAssetColumnCount + 1;  // after the asset key repeated
      if (!s->IsNull(kSummary)) {
        SECPLAT_ASSIGN_OR_RETURN(in.posture, ReadRecord(*s, kSummary));
      }
    }
    SECPLAT_RETURN_IF_ERROR(internal::LoadAssetChildren(*db, std::span(&in.asset, 1)));
    {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db->Prepare("SELECT severity, COUNT(*) FROM findings WHERE asset_key = ?1 AND "
                      "status = ?2 GROUP BY severity"));
      s->Bind(1, key);
      s->Bind(2, open);
      SECPLAT_ASSIGN_OR_RETURN(in.open_findings, internal::ReadFindingCounts(*s));
    }
    out.push_back(std::move(in));
  }
  return out;
}

namespace {

// The compare-and-set check of a write on `db`: the stored summary (nullopt: no record yet)
// when the asset is active and its record is at `expected_version`. Errors: kNotFound,
// kConflict, or the database's. Writes nothing.
Result<std::optional<StoredPosture>> CheckPostureWrite(Connection& db, const StoredPosture& record,
                                                       int64_t expected_version) {
  // One lookup for both: the active asset and its record's summary (NULLs: never derived).
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("SELECT a.asset_key, " SECPLAT_SQLITE_POSTURE_SUMMARY
                 " FROM assets a LEFT JOIN asset_status s ON s.asset_key = a.asset_key"
                 " WHERE a.asset_key = ?1 AND a.deleted_at IS NULL"));
  s->Bind(1, record.asset_key);
  SECPLAT_ASSIGN_OR_RETURN(bool active, s->Step());
  if (!active) return internal::NotFound("asset " + internal::Quoted(record.asset_key));
  std::optional<StoredPosture> before;
  if (!s->IsNull(1)) {
    SECPLAT_ASSIGN_OR_RETURN(before, ReadSummary(*s, 1));
  }
  const int64_t stored = before ? before->version : 0;
  if (stored != expected_version)
    return Unexpected(ErrorCode::kConflict,
                      "posture of asset " + internal::Quoted(record.asset_key) + " is at version " +
                          std::to_string(stored) + ", not " + std::to_string(expected_version));
  return before;
}

// The UPDATE of a stored record from `before` to `after`, with the parameters of WritePosture.
// An indexed column (state, grade, check_by) is assigned only when its value changes: SQLite
// rewrites an index entry whenever a column of the index is assigned, even to its own value, and
// most writes keep the grade and many the state. One of eight statements, each prepared once.
std::string UpdateStatusSql(const StoredPosture& before, const StoredPosture& after) {
  std::string sql =
      "UPDATE asset_status SET status_num = ?3, since = ?4, last_result_at = ?5, score = ?6, "
      "confidence = ?8, version = ?10, updated_at = ?11, status_json = ?12, score_json = ?13, "
      "transitions_json = ?14";
  if (before.state != after.state) sql += ", state = ?2";
  if (before.grade != after.grade) sql += ", grade = ?7";
  if (before.check_by != after.check_by) sql += ", check_by = ?9";
  sql += " WHERE asset_key = ?1";
  return sql;
}

// Writes `record` over `before` (CheckPostureWrite's answer) inside the caller's transaction,
// with its audit row when it creates the record or changes its state.
Result<StoredPosture> WritePosture(Connection& db, const StoredPosture& record,
                                   const std::optional<StoredPosture>& before,
                                   const WriteContext& ctx) {
  StoredPosture after = record;
  after.version = (before ? before->version : 0) + 1;
  after.updated_at = ctx.now;
  // CheckPostureWrite has just read the row under the same write lock: an existing record is
  // updated in place, a new one inserted (no upsert: one b-tree search instead of two).
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                           before ? db.Prepare(UpdateStatusSql(*before, after))
                                  : db.Prepare("INSERT INTO asset_status(asset_key, state, "
                                               "status_num, since, last_result_at, score, grade, "
                                               "confidence, check_by, version, updated_at, "
                                               "status_json, score_json, transitions_json) "
                                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                                               "?10, ?11, ?12, ?13, ?14)"));
  s->Bind(1, after.asset_key);
  s->Bind(2, core::model::PostureStateName(after.state));
  s->Bind(3, core::model::StatusNum(after.state));
  s->Bind(4, after.since);
  s->Bind(5, after.last_result_at);
  s->Bind(6, after.score);
  s->Bind(7, after.grade);
  s->Bind(8, after.confidence);
  s->Bind(9, after.check_by);
  s->Bind(10, after.version);
  s->Bind(11, after.updated_at);
  s->Bind(12, after.status_json);
  s->Bind(13, after.score_json);
  s->Bind(14, after.transitions_json);
  SECPLAT_RETURN_IF_ERROR(s->Run());
  if (db.Changes() != 1)
    return Unexpected(ErrorCode::kInternal,
                      "posture of asset " + internal::Quoted(after.asset_key) + ": row vanished");
  if (!before || before->state != after.state) {
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(
        db, ctx, "posture.change", "posture:" + after.asset_key,
        before ? internal::PostureJson(*before) : "", internal::PostureJson(after)));
  }
  return after;
}

// The check outcomes a batch reports per item; any other error aborts the batch.
bool IsItemOutcome(ErrorCode code) {
  return code == ErrorCode::kConflict || code == ErrorCode::kNotFound;
}

}  // namespace

Result<StoredPosture> SqliteStore::PutPosture(const StoredPosture& record, int64_t expected_version,
                                              const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(internal::ValidatePosture(record));
  if (expected_version < 0)
    return Unexpected(ErrorCode::kInvalidArgument, "expected_version: must not be negative");
  return WriteTx([&](Connection& db) -> Result<StoredPosture> {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<StoredPosture> before,
                             CheckPostureWrite(db, record, expected_version));
    return WritePosture(db, record, before, ctx);
  });
}

Result<std::vector<Result<StoredPosture>>> SqliteStore::PutPostures(
    std::span<const ports::store::StoredPostureWrite> writes, const WriteContext& ctx) {
  // Validation first, outside the transaction; an invalid write is that item's outcome.
  std::vector<std::optional<Result<StoredPosture>>> checked(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    if (auto v = internal::ValidatePosture(writes[i].record); !v.has_value()) {
      checked[i] = Unexpected(v.error());
    } else if (writes[i].expected_version < 0) {
      checked[i] =
          Unexpected(ErrorCode::kInvalidArgument, "expected_version: must not be negative");
    }
  }
  // One transaction. A conflict or a missing asset is found before its item writes anything,
  // so no item needs a savepoint; any other error fails (and rolls back) the whole batch.
  return WriteTx([&](Connection& db) -> Result<std::vector<Result<StoredPosture>>> {
    std::vector<Result<StoredPosture>> out;
    out.reserve(writes.size());
    for (size_t i = 0; i < writes.size(); ++i) {
      if (checked[i]) {
        out.push_back(*checked[i]);
        continue;
      }
      const StoredPostureWrite& w = writes[i];
      auto before = CheckPostureWrite(db, w.record, w.expected_version);
      if (!before.has_value()) {
        if (!IsItemOutcome(before.error().code)) return Unexpected(before.error());
        out.push_back(Unexpected(before.error()));
        continue;
      }
      SECPLAT_ASSIGN_OR_RETURN(StoredPosture after, WritePosture(db, w.record, *before, ctx));
      out.push_back(std::move(after));
    }
    return out;
  });
}

Result<Page<StoredPosture>> SqliteStore::ListPosture(const PostureFilter& filter,
                                                     const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::string sql = "SELECT a.id, a.asset_key, " SECPLAT_SQLITE_POSTURE_SUMMARY
                    " FROM assets a LEFT JOIN asset_status s ON s.asset_key = a.asset_key"
                    " WHERE a.deleted_at IS NULL AND a.id > ?1";
  if (filter.state) {
    sql += *filter.state == PostureState::kUnknown ? " AND COALESCE(s.state, 'unknown') = ?3"
                                                   : " AND s.state = ?3";
  }
  if (filter.grade) sql += " AND s.grade = ?4";
  sql += " ORDER BY a.id LIMIT ?2";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  s->Bind(1, page.after);
  s->Bind(2, limit + 1);
  if (filter.state) s->Bind(3, core::model::PostureStateName(*filter.state));
  if (filter.grade) s->Bind(4, *filter.grade);
  Page<StoredPosture> out;
  int64_t last_id = 0;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (static_cast<int>(out.items.size()) == limit) {  // the probe row: another page exists
      out.next_after = last_id;
      break;
    }
    last_id = s->Int64(0);
    SECPLAT_ASSIGN_OR_RETURN(StoredPosture p, ReadSummary(*s, 2));
    out.items.push_back(std::move(p));
  }
  return out;
}

Result<PostureDuePage> SqliteStore::ListPostureDue(Timestamp now,
                                                   const std::optional<PostureDueKey>& after,
                                                   int limit) {
  limit = internal::ClampLimit(limit);
  std::string sql =
      "SELECT s.check_by, s.asset_key FROM asset_status s JOIN assets a ON a.asset_key = "
      "s.asset_key AND a.deleted_at IS NULL WHERE s.check_by IS NOT NULL AND s.check_by <= ?1";
  if (after) sql += " AND (s.check_by, s.asset_key) > (?3, ?4)";
  sql += " ORDER BY s.check_by, s.asset_key LIMIT ?2";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  s->Bind(1, now);
  s->Bind(2, limit + 1);
  if (after) {
    s->Bind(3, after->check_by);
    s->Bind(4, after->asset_key);
  }
  PostureDuePage out;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (static_cast<int>(out.items.size()) == limit) {
      out.next_after = out.items.back();
      break;
    }
    out.items.push_back(PostureDueKey{s->Time(0), s->Text(1)});
  }
  return out;
}

Result<std::map<PostureState, int64_t>> SqliteStore::CountPostureByState() {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db->Prepare("SELECT COALESCE(s.state, 'unknown'), COUNT(*) FROM assets a LEFT JOIN "
                  "asset_status s ON s.asset_key = a.asset_key WHERE a.deleted_at IS NULL "
                  "GROUP BY 1"));
  std::map<PostureState, int64_t> counts;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    std::string state = s->Text(0);
    auto parsed = core::model::ParsePostureState(state);
    if (!parsed)
      return Unexpected(ErrorCode::kInternal,
                        "asset_status: unknown state " + internal::Quoted(state));
    counts[*parsed] += s->Int64(1);
  }
  return counts;
}

}  // namespace secplat::adapters::sqlite
