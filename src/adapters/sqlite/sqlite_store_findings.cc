// SqliteStore: findings. The fold of an observation into a finding is
// core::findings::ApplyObservation, run inside the write transaction that reads and writes the
// row; the single writer connection serialises concurrent upserts of one key.
#include <unordered_map>

#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/rows.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/store_internal.h"
#include "core/findings/lifecycle.h"

namespace secplat::adapters::sqlite {

using core::model::Finding;
using core::model::FindingObservation;
using ports::store::FindingFilter;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::UpsertOutcome;
using ports::store::WriteContext;

namespace {

// Whether an asset key names an active asset, remembered across the items of one batch.
class AssetCheck {
 public:
  explicit AssetCheck(Connection& db) : db_(db) {}

  Status RequireActive(const std::string& asset_key) {
    auto it = known_.find(asset_key);
    bool active;
    if (it != known_.end()) {
      active = it->second;
    } else {
      SECPLAT_ASSIGN_OR_RETURN(
          StatementLease s,
          db_.Prepare("SELECT 1 FROM assets WHERE asset_key = ?1 AND deleted_at IS NULL"));
      s->Bind(1, asset_key);
      SECPLAT_ASSIGN_OR_RETURN(active, s->Step());
      known_.emplace(asset_key, active);
    }
    if (!active) return internal::NotFound("asset " + internal::Quoted(asset_key));
    return OkStatus();
  }

 private:
  Connection& db_;
  std::unordered_map<std::string, bool> known_;
};

Result<std::optional<Finding>> FindFinding(Connection& db, std::string_view key) {
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare("SELECT " SECPLAT_SQLITE_FINDING_COLUMNS
                                                        " FROM findings WHERE finding_key = ?1"));
  s->Bind(1, key);
  SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<Finding>();
  SECPLAT_ASSIGN_OR_RETURN(Finding f, internal::ReadFinding(*s));
  return std::optional<Finding>(std::move(f));
}

Status InsertFinding(Connection& db, Finding& f) {
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("INSERT INTO findings(finding_key, asset_key, source, check_id, location, "
                 "category, title, severity, status, evidence, first_seen, last_seen, "
                 "occurrences, resolved_at, accepted_until, accepted_by, status_reason, "
                 "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                 "?14, ?15, ?16, ?17, ?18)"));
  s->Bind(1, f.finding_key);
  s->Bind(2, f.asset_key);
  s->Bind(3, f.source);
  s->Bind(4, f.check_id);
  s->Bind(5, f.location);
  s->Bind(6, f.category);
  s->Bind(7, f.title);
  s->Bind(8, core::model::SeverityName(f.severity));
  s->Bind(9, core::model::FindingStatusName(f.status));
  s->Bind(10, f.evidence_json);
  s->Bind(11, f.first_seen);
  s->Bind(12, f.last_seen);
  s->Bind(13, f.occurrences);
  s->Bind(14, f.resolved_at);
  s->Bind(15, f.accepted_until);
  s->Bind(16, f.accepted_by);
  s->Bind(17, f.status_reason);
  s->Bind(18, f.updated_at);
  SECPLAT_RETURN_IF_ERROR(s->Run());
  f.id = db.LastInsertRowId();
  return OkStatus();
}

// Rewrites every column the lifecycle functions may change (identity columns never change).
Status UpdateFinding(Connection& db, const Finding& f) {
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("UPDATE findings SET category = ?2, title = ?3, severity = ?4, status = ?5, "
                 "evidence = ?6, first_seen = ?7, last_seen = ?8, occurrences = ?9, "
                 "resolved_at = ?10, accepted_until = ?11, accepted_by = ?12, "
                 "status_reason = ?13, updated_at = ?14 WHERE id = ?1"));
  s->Bind(1, f.id);
  s->Bind(2, f.category);
  s->Bind(3, f.title);
  s->Bind(4, core::model::SeverityName(f.severity));
  s->Bind(5, core::model::FindingStatusName(f.status));
  s->Bind(6, f.evidence_json);
  s->Bind(7, f.first_seen);
  s->Bind(8, f.last_seen);
  s->Bind(9, f.occurrences);
  s->Bind(10, f.resolved_at);
  s->Bind(11, f.accepted_until);
  s->Bind(12, f.accepted_by);
  s->Bind(13, f.status_reason);
  s->Bind(14, f.updated_at);
  return s->Run();
}

// One upsert inside the caller's transaction. Sets *before to the previous row when it existed
// and `before` is not null.
Result<UpsertOutcome> UpsertOne(Connection& db, AssetCheck& assets, const FindingObservation& obs,
                                Timestamp now, std::optional<Finding>* before) {
  if (obs.finding_key.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "finding_key: required");
  SECPLAT_RETURN_IF_ERROR(assets.RequireActive(obs.asset_key));
  SECPLAT_ASSIGN_OR_RETURN(std::optional<Finding> existing, FindFinding(db, obs.finding_key));
  UpsertOutcome out;
  if (!existing) {
    out.finding = core::findings::NewFinding(obs, now);
    out.created = true;
    SECPLAT_RETURN_IF_ERROR(InsertFinding(db, out.finding));
    return out;
  }
  if (existing->asset_key != obs.asset_key)
    return Unexpected(ErrorCode::kConflict, "finding_key " + internal::Quoted(obs.finding_key) +
                                                " belongs to asset " +
                                                internal::Quoted(existing->asset_key));
  out.finding = core::findings::ApplyObservation(*existing, obs, now);
  SECPLAT_RETURN_IF_ERROR(UpdateFinding(db, out.finding));
  if (before != nullptr) *before = std::move(existing);
  return out;
}

std::string Target(std::string_view key) { return "finding:" + std::string(key); }

}  // namespace

Result<UpsertOutcome> SqliteStore::UpsertFinding(const FindingObservation& obs,
                                                 const WriteContext& ctx) {
  return WriteTx([&](Connection& db) -> Result<UpsertOutcome> {
    AssetCheck assets(db);
    std::optional<Finding> before;
    SECPLAT_ASSIGN_OR_RETURN(UpsertOutcome out, UpsertOne(db, assets, obs, ctx.now, &before));
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(
        db, ctx, "finding.upsert", Target(obs.finding_key),
        before ? internal::FindingJson(*before) : "", internal::FindingJson(out.finding)));
    return out;
  });
}

Result<std::vector<UpsertOutcome>> SqliteStore::UpsertFindings(
    std::span<const FindingObservation> batch, const WriteContext& ctx) {
  if (batch.empty()) return std::vector<UpsertOutcome>();
  return WriteTx([&](Connection& db) -> Result<std::vector<UpsertOutcome>> {
    AssetCheck assets(db);
    std::vector<UpsertOutcome> outcomes;
    outcomes.reserve(batch.size());
    int64_t created = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      auto one = UpsertOne(db, assets, batch[i], ctx.now, nullptr);
      if (!one.has_value()) {
        Error e = std::move(one).error();
        e.message = "findings[" + std::to_string(i) + "]: " + e.message;
        return Unexpected(std::move(e));  // the whole batch rolls back
      }
      created += one->created ? 1 : 0;
      outcomes.push_back(*std::move(one));
    }
    JsonWriter after;
    after.BeginObject();
    after.Key("created").Int(created);
    after.Key("updated").Int(static_cast<int64_t>(outcomes.size()) - created);
    after.EndObject();
    SECPLAT_RETURN_IF_ERROR(
        internal::InsertAudit(db, ctx, "finding.upsert_batch", "findings", "", after.str()));
    return outcomes;
  });
}

Result<Finding> SqliteStore::GetFinding(std::string_view finding_key) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(std::optional<Finding> f, FindFinding(*db, finding_key));
  if (!f) return internal::NotFound("finding " + internal::Quoted(finding_key));
  return *std::move(f);
}

Result<Page<Finding>> SqliteStore::ListFindings(const FindingFilter& filter,
                                                const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::string sql = "SELECT " SECPLAT_SQLITE_FINDING_COLUMNS " FROM findings WHERE id > ?1";
  if (filter.asset_key) sql += " AND asset_key = ?3";
  if (filter.severity) sql += " AND severity = ?4";
  if (filter.status) sql += " AND status = ?5";
  if (filter.since) sql += " AND last_seen >= ?6";
  sql += " ORDER BY id LIMIT ?2";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  s->Bind(1, page.after);
  s->Bind(2, limit + 1);
  if (filter.asset_key) s->Bind(3, *filter.asset_key);
  if (filter.severity) s->Bind(4, core::model::SeverityName(*filter.severity));
  if (filter.status) s->Bind(5, core::model::FindingStatusName(*filter.status));
  if (filter.since) s->Bind(6, *filter.since);
  return internal::CollectPage<Finding>(
      *s, limit, [](const Statement& st) { return internal::ReadFinding(st); },
      [](const Finding& f) { return f.id; });
}

namespace internal {

Result<ports::store::FindingCounts> ReadFindingCounts(Statement& s) {
  ports::store::FindingCounts counts;
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    std::string name = s.Text(0);
    auto severity = core::model::ParseSeverity(name);
    if (!severity)
      return Unexpected(ErrorCode::kInternal, "findings: unknown severity " + Quoted(name));
    const int64_t n = s.Int64(1);
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
}

}  // namespace internal

Result<ports::store::FindingCounts> SqliteStore::CountFindings(const FindingFilter& filter) {
  std::string sql = "SELECT severity, COUNT(*) FROM findings WHERE 1 = 1";
  if (filter.asset_key) sql += " AND asset_key = ?1";
  if (filter.severity) sql += " AND severity = ?2";
  if (filter.status) sql += " AND status = ?3";
  if (filter.since) sql += " AND last_seen >= ?4";
  sql += " GROUP BY severity";
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
  if (filter.asset_key) s->Bind(1, *filter.asset_key);
  if (filter.severity) s->Bind(2, core::model::SeverityName(*filter.severity));
  if (filter.status) s->Bind(3, core::model::FindingStatusName(*filter.status));
  if (filter.since) s->Bind(4, *filter.since);
  return internal::ReadFindingCounts(*s);
}

Result<Finding> SqliteStore::ChangeFindingStatus(std::string_view finding_key,
                                                 const core::findings::StatusChange& change,
                                                 const WriteContext& ctx) {
  return WriteTx([&](Connection& db) -> Result<Finding> {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Finding> before, FindFinding(db, finding_key));
    if (!before) return internal::NotFound("finding " + internal::Quoted(finding_key));
    SECPLAT_ASSIGN_OR_RETURN(Finding after,
                             core::findings::ApplyStatusChange(*before, change, ctx.now));
    SECPLAT_RETURN_IF_ERROR(UpdateFinding(db, after));
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(db, ctx, "finding.status", Target(finding_key),
                                                  internal::FindingJson(*before),
                                                  internal::FindingJson(after)));
    return after;
  });
}

}  // namespace secplat::adapters::sqlite
