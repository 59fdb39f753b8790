// PgStore: findings. Single and batch upserts share one path that costs the same few
// statements whatever the batch size: the active assets of the batch (one query), the existing
// rows of its keys locked FOR UPDATE in key order (one query), the fold of every observation in
// input order in memory (core::findings::NewFinding / ApplyObservation), then one multi-row
// INSERT ... ON CONFLICT (finding_key) DO NOTHING for the new keys and one multi-row UPDATE for
// the existing ones, both fed by array parameters (unnest).
//
// Concurrent first sightings of one key: each transaction sees no row and tries the INSERT; the
// unique index makes all but one wait for the winner's commit and then do nothing. The losers
// read the now-committed row FOR UPDATE, fold their observations onto it and update it, so the
// key has one row and exactly one caller reports created.
#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/store_internal.h"
#include "adapters/sqlite/json_writer.h"
#include "adapters/sqlite/rows.h"
#include "core/findings/lifecycle.h"

namespace secplat::adapters::postgres {

using core::model::Finding;
using core::model::FindingObservation;
using ports::store::FindingFilter;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::UpsertOutcome;
using ports::store::WriteContext;

namespace {

// How often conflicting inserts are re-folded before giving up (each round needs another
// concurrent writer to win a race on one of the batch's new keys).
constexpr int kMaxInsertRounds = 4;

Status CheckObservationText(const FindingObservation& o) {
  for (const std::string* s : {&o.finding_key, &o.asset_key, &o.source, &o.check_id, &o.location,
                               &o.category, &o.title, &o.evidence_json})
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(*s, "finding"));
  return OkStatus();
}

Error AtIndex(Error e, size_t i, bool batch) {
  if (batch) e.message = "findings[" + std::to_string(i) + "]: " + e.message;
  return e;
}

// The rows of `keys` (locked FOR UPDATE, in key order so concurrent batches lock alike).
Result<std::unordered_map<std::string, Finding>> LockFindings(
    PgConnection& c, pqxx::work& tx, const std::vector<std::string>& keys) {
  internal::ArrayLiteral arr;
  for (const std::string& k : keys) arr.Add(k);
  pqxx::result rows = c.Exec(tx,
                             "SELECT " SECPLAT_PG_FINDING_COLUMNS
                             " FROM findings WHERE finding_key = ANY($1::text[]) "
                             "ORDER BY finding_key FOR UPDATE",
                             arr.Take());
  std::unordered_map<std::string, Finding> found;
  for (const pqxx::row& r : rows) {
    SECPLAT_ASSIGN_OR_RETURN(Finding f, internal::ReadFinding(r));
    std::string key = f.finding_key;
    found.emplace(std::move(key), std::move(f));
  }
  return found;
}

// The outcome of folding a batch onto the stored rows.
struct Fold {
  std::vector<UpsertOutcome> outcomes;                   // per item; ids not yet set
  std::unordered_map<std::string, Finding> final_state;  // per key, after the last item
  std::vector<std::string> new_keys;                     // keys without a row, first-seen order
  int64_t created = 0;
};

Result<Fold> FoldBatch(std::span<const FindingObservation> batch,
                       const std::unordered_set<std::string>& active_assets,
                       const std::unordered_map<std::string, Finding>& stored, Timestamp now,
                       bool is_batch) {
  Fold fold;
  fold.outcomes.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    const FindingObservation& obs = batch[i];
    if (!active_assets.contains(obs.asset_key))
      return Unexpected(
          AtIndex({ErrorCode::kNotFound, "asset " + internal::Quoted(obs.asset_key) + " not found"},
                  i, is_batch));
    auto it = fold.final_state.find(obs.finding_key);
    const Finding* current = nullptr;
    if (it != fold.final_state.end()) {
      current = &it->second;
    } else if (auto s = stored.find(obs.finding_key); s != stored.end()) {
      current = &s->second;
    }
    UpsertOutcome out;
    if (current == nullptr) {
      out.finding = core::findings::NewFinding(obs, now);
      out.created = true;
      ++fold.created;
      fold.new_keys.push_back(obs.finding_key);
    } else {
      if (current->asset_key != obs.asset_key)
        return Unexpected(AtIndex(
            {ErrorCode::kConflict, "finding_key " + internal::Quoted(obs.finding_key) +
                                       " belongs to asset " + internal::Quoted(current->asset_key)},
            i, is_batch));
      out.finding = core::findings::ApplyObservation(*current, obs, now);
    }
    fold.final_state.insert_or_assign(obs.finding_key, out.finding);
    fold.outcomes.push_back(std::move(out));
  }
  return fold;
}

// Takes a transaction-scoped advisory lock per new key, in ascending hash order, before a
// multi-row insert: concurrent batches that insert overlapping new keys in different input
// orders then queue up instead of deadlocking on each other's unique-index entries (ids still
// follow input order). The hash is FNV-1a, the same in every process.
void LockNewKeys(PgConnection& c, pqxx::work& tx, const std::vector<std::string>& keys) {
  std::vector<int64_t> hashes;
  hashes.reserve(keys.size());
  for (const std::string& k : keys) {
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char ch : k) h = (h ^ ch) * 1099511628211ULL;
    hashes.push_back(static_cast<int64_t>(h));
  }
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  internal::ArrayLiteral arr;
  for (int64_t h : hashes) arr.Add(h);
  // unnest yields the elements in array order, so the locks are taken in ascending order.
  c.Exec(tx, "SELECT count(pg_advisory_xact_lock(h)) FROM unnest($1::bigint[]) AS h", arr.Take());
}

// Inserts the final state of `keys`; returns key -> id of the rows inserted (keys that a
// concurrent transaction inserted first are missing).
std::unordered_map<std::string, int64_t> InsertNew(
    PgConnection& c, pqxx::work& tx, const std::vector<std::string>& keys,
    const std::unordered_map<std::string, Finding>& state) {
  internal::ArrayLiteral key, asset, source, check, location, category, title, severity, status,
      evidence, first_seen, last_seen, occurrences, resolved_at, accepted_until, accepted_by,
      reason, updated_at;
  for (const std::string& k : keys) {
    const Finding& f = state.at(k);
    key.Add(f.finding_key);
    asset.Add(f.asset_key);
    source.Add(f.source);
    check.Add(f.check_id);
    location.Add(f.location);
    category.Add(f.category);
    title.Add(f.title);
    severity.Add(core::model::SeverityName(f.severity));
    status.Add(core::model::FindingStatusName(f.status));
    evidence.Add(f.evidence_json);
    first_seen.Add(internal::Ms(f.first_seen));
    last_seen.Add(internal::Ms(f.last_seen));
    occurrences.Add(f.occurrences);
    resolved_at.Add(internal::Ms(f.resolved_at));
    accepted_until.Add(internal::Ms(f.accepted_until));
    accepted_by.Add(f.accepted_by);
    reason.Add(f.status_reason);
    updated_at.Add(internal::Ms(f.updated_at));
  }
  pqxx::result rows = c.Exec(
      tx,
      "INSERT INTO findings(finding_key, asset_key, source, check_id, location, category, title, "
      "severity, status, evidence, first_seen, last_seen, occurrences, resolved_at, "
      "accepted_until, accepted_by, status_reason, updated_at) "
      "SELECT k, a, src, chk, loc, cat, ttl, sev, st, ev, fs, ls, occ, ra, au, ab, sr, ua "
      "FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
      "$7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::bigint[], "
      "$13::bigint[], $14::bigint[], $15::bigint[], $16::text[], $17::text[], $18::bigint[]) "
      "WITH ORDINALITY AS u(k, a, src, chk, loc, cat, ttl, sev, st, ev, fs, ls, occ, ra, au, ab, "
      "sr, ua, ord) ORDER BY ord "
      "ON CONFLICT (finding_key) DO NOTHING RETURNING id, finding_key",
      key.Take(), asset.Take(), source.Take(), check.Take(), location.Take(), category.Take(),
      title.Take(), severity.Take(), status.Take(), evidence.Take(), first_seen.Take(),
      last_seen.Take(), occurrences.Take(), resolved_at.Take(), accepted_until.Take(),
      accepted_by.Take(), reason.Take(), updated_at.Take());
  std::unordered_map<std::string, int64_t> ids;
  for (const pqxx::row& r : rows) ids.emplace(internal::Text(r[1]), internal::Int(r[0]));
  return ids;
}

// Rewrites every column the lifecycle functions may change of `findings` (ids set).
void UpdateExisting(PgConnection& c, pqxx::transaction_base& tx,
                    const std::vector<const Finding*>& findings) {
  if (findings.empty()) return;
  internal::ArrayLiteral id, category, title, severity, status, evidence, first_seen, last_seen,
      occurrences, resolved_at, accepted_until, accepted_by, reason, updated_at;
  for (const Finding* f : findings) {
    id.Add(f->id);
    category.Add(f->category);
    title.Add(f->title);
    severity.Add(core::model::SeverityName(f->severity));
    status.Add(core::model::FindingStatusName(f->status));
    evidence.Add(f->evidence_json);
    first_seen.Add(internal::Ms(f->first_seen));
    last_seen.Add(internal::Ms(f->last_seen));
    occurrences.Add(f->occurrences);
    resolved_at.Add(internal::Ms(f->resolved_at));
    accepted_until.Add(internal::Ms(f->accepted_until));
    accepted_by.Add(f->accepted_by);
    reason.Add(f->status_reason);
    updated_at.Add(internal::Ms(f->updated_at));
  }
  c.Exec(tx,
         "UPDATE findings AS f SET category = u.cat, title = u.ttl, severity = u.sev, "
         "status = u.st, evidence = u.ev, first_seen = u.fs, last_seen = u.ls, "
         "occurrences = u.occ, resolved_at = u.ra, accepted_until = u.au, accepted_by = u.ab, "
         "status_reason = u.sr, updated_at = u.ua "
         "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
         "$7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], "
         "$13::text[], $14::bigint[]) AS u(id, cat, ttl, sev, st, ev, fs, ls, occ, ra, au, ab, sr, "
         "ua) WHERE f.id = u.id",
         id.Take(), category.Take(), title.Take(), severity.Take(), status.Take(), evidence.Take(),
         first_seen.Take(), last_seen.Take(), occurrences.Take(), resolved_at.Take(),
         accepted_until.Take(), accepted_by.Take(), reason.Take(), updated_at.Take());
}

struct BatchResult {
  std::vector<UpsertOutcome> outcomes;
  int64_t created = 0;
  std::unordered_map<std::string, Finding> before;  // stored rows the batch changed
};

// The shared upsert path, inside `tx`.
Result<BatchResult> UpsertBatch(PgConnection& c, pqxx::work& tx,
                                std::span<const FindingObservation> batch, Timestamp now,
                                bool is_batch) {
  std::vector<std::string> keys;
  std::unordered_set<std::string> seen_keys;
  std::unordered_set<std::string> asset_set;
  internal::ArrayLiteral assets;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].finding_key.empty())
      return Unexpected(
          AtIndex({ErrorCode::kInvalidArgument, "finding_key: required"}, i, is_batch));
    if (auto st = CheckObservationText(batch[i]); !st.has_value())
      return Unexpected(AtIndex(std::move(st).error(), i, is_batch));
    if (seen_keys.insert(batch[i].finding_key).second) keys.push_back(batch[i].finding_key);
    if (asset_set.insert(batch[i].asset_key).second) assets.Add(batch[i].asset_key);
  }
  std::unordered_set<std::string> active;
  for (const pqxx::row& r :
       c.Exec(tx,
              "SELECT asset_key FROM assets WHERE asset_key = ANY($1::text[]) AND "
              "deleted_at IS NULL",
              assets.Take()))
    active.insert(internal::Text(r[0]));

  SECPLAT_ASSIGN_OR_RETURN(auto stored, LockFindings(c, tx, keys));
  std::unordered_map<std::string, int64_t> inserted;  // key -> id, rows this call inserted
  for (int round = 0;; ++round) {
    SECPLAT_ASSIGN_OR_RETURN(Fold fold, FoldBatch(batch, active, stored, now, is_batch));
    std::vector<std::string> to_insert;
    for (const std::string& k : fold.new_keys)
      if (!inserted.contains(k)) to_insert.push_back(k);
    std::vector<std::string> lost;  // inserted first by a concurrent transaction
    if (to_insert.size() > 1) LockNewKeys(c, tx, to_insert);
    if (!to_insert.empty()) {
      auto ids = InsertNew(c, tx, to_insert, fold.final_state);
      for (const std::string& k : to_insert) {
        if (auto it = ids.find(k); it != ids.end()) {
          inserted.emplace(k, it->second);
        } else {
          lost.push_back(k);
        }
      }
    }
    if (!lost.empty()) {
      if (round + 1 >= kMaxInsertRounds)
        return Unexpected(ErrorCode::kUnavailable,
                          "findings: too many concurrent inserts of the same keys; retry");
      SECPLAT_ASSIGN_OR_RETURN(auto now_stored, LockFindings(c, tx, lost));
      for (auto& [k, f] : now_stored) stored.insert_or_assign(k, std::move(f));
      continue;  // fold again: those keys now update the committed rows
    }
    // Ids: stored rows keep theirs, new rows got theirs from the INSERT.
    std::vector<const Finding*> updates;
    for (auto& [k, f] : fold.final_state) {
      if (auto s = stored.find(k); s != stored.end()) {
        f.id = s->second.id;
        updates.push_back(&f);
      } else {
        f.id = inserted.at(k);
      }
    }
    UpdateExisting(c, tx, updates);
    for (size_t i = 0; i < batch.size(); ++i)
      fold.outcomes[i].finding.id = fold.final_state.at(batch[i].finding_key).id;
    BatchResult result{std::move(fold.outcomes), fold.created, {}};
    for (auto& [k, f] : stored)
      if (fold.final_state.contains(k)) result.before.emplace(k, std::move(f));
    return result;
  }
}

Result<std::optional<Finding>> FindFinding(PgConnection& c, pqxx::transaction_base& tx,
                                           std::string_view key, bool for_update) {
  pqxx::result rows = c.Exec(tx,
                             for_update ? "SELECT " SECPLAT_PG_FINDING_COLUMNS
                                          " FROM findings WHERE finding_key = $1 FOR UPDATE"
                                        : "SELECT " SECPLAT_PG_FINDING_COLUMNS
                                          " FROM findings WHERE finding_key = $1",
                             std::string(key));
  if (rows.empty()) return std::optional<Finding>();
  SECPLAT_ASSIGN_OR_RETURN(Finding f, internal::ReadFinding(rows[0]));
  return std::optional<Finding>(std::move(f));
}

std::string Target(std::string_view key) { return "finding:" + std::string(key); }

}  // namespace

Result<UpsertOutcome> PgStore::UpsertFinding(const FindingObservation& obs,
                                             const WriteContext& ctx) {
  return Run([&](PgConnection& c) -> Result<UpsertOutcome> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(
        BatchResult r, UpsertBatch(c, tx, std::span<const FindingObservation>(&obs, 1), ctx.now,
                                   /*is_batch=*/false));
    UpsertOutcome out = std::move(r.outcomes.front());
    auto before = r.before.find(obs.finding_key);
    internal::InsertAudit(
        c, tx, ctx, "finding.upsert", Target(obs.finding_key),
        before != r.before.end() ? sqlite::internal::FindingJson(before->second) : "",
        sqlite::internal::FindingJson(out.finding));
    tx.commit();
    return out;
  });
}

Result<std::vector<UpsertOutcome>> PgStore::UpsertFindings(
    std::span<const FindingObservation> batch, const WriteContext& ctx) {
  if (batch.empty()) return std::vector<UpsertOutcome>();
  return Run([&](PgConnection& c) -> Result<std::vector<UpsertOutcome>> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(BatchResult r, UpsertBatch(c, tx, batch, ctx.now, /*is_batch=*/true));
    sqlite::JsonWriter after;
    after.BeginObject();
    after.Key("created").Int(r.created);
    after.Key("updated").Int(static_cast<int64_t>(r.outcomes.size()) - r.created);
    after.EndObject();
    internal::InsertAudit(c, tx, ctx, "finding.upsert_batch", "findings", "", after.str());
    tx.commit();
    return std::move(r.outcomes);
  });
}

Result<Finding> PgStore::GetFinding(std::string_view finding_key) {
  return Run([&](PgConnection& c) -> Result<Finding> {
    pqxx::nontransaction tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Finding> f, FindFinding(c, tx, finding_key, false));
    if (!f) return internal::NotFound("finding " + internal::Quoted(finding_key));
    return *std::move(f);
  });
}

Result<Page<Finding>> PgStore::ListFindings(const FindingFilter& filter, const PageRequest& page) {
  const int limit = internal::ClampLimit(page.limit);
  std::vector<std::optional<std::string>> params = {std::to_string(page.after),
                                                    std::to_string(limit + 1)};
  auto param = [&](std::string value) {
    params.emplace_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT " SECPLAT_PG_FINDING_COLUMNS " FROM findings WHERE id > $1::bigint";
  if (filter.asset_key) sql += " AND asset_key = " + param(*filter.asset_key);
  if (filter.severity)
    sql += " AND severity = " + param(std::string(core::model::SeverityName(*filter.severity)));
  if (filter.status)
    sql += " AND status = " + param(std::string(core::model::FindingStatusName(*filter.status)));
  if (filter.since)
    sql += " AND last_seen >= " + param(std::to_string(internal::Ms(*filter.since))) + "::bigint";
  sql += " ORDER BY id LIMIT $2::bigint";
  for (const auto& p : params)
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.value_or(""), "filter"));
  return Run([&](PgConnection& c) -> Result<Page<Finding>> {
    pqxx::nontransaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, sql, pqxx::prepare::make_dynamic_params(params));
    return internal::CollectPage<Finding>(
        rows, limit, [](const pqxx::row& r) { return internal::ReadFinding(r); },
        [](const Finding& f) { return f.id; });
  });
}

Result<Finding> PgStore::ChangeFindingStatus(std::string_view finding_key,
                                             const core::findings::StatusChange& change,
                                             const WriteContext& ctx) {
  return Run([&](PgConnection& c) -> Result<Finding> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Finding> before,
                             FindFinding(c, tx, finding_key, /*for_update=*/true));
    if (!before) return internal::NotFound("finding " + internal::Quoted(finding_key));
    SECPLAT_ASSIGN_OR_RETURN(Finding after,
                             core::findings::ApplyStatusChange(*before, change, ctx.now));
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(after.status_reason, "reason"));
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(after.accepted_by, "accepted_by"));
    UpdateExisting(c, tx, {&after});
    internal::InsertAudit(c, tx, ctx, "finding.status", Target(finding_key),
                          sqlite::internal::FindingJson(*before),
                          sqlite::internal::FindingJson(after));
    tx.commit();
    return after;
  });
}

}  // namespace secplat::adapters::postgres
