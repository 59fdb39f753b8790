// PgStore: assets, with their labels and scan settings in child tables.
#include <algorithm>

#include "adapters/postgres/pg_store.h"
#include "adapters/postgres/store_internal.h"
#include "adapters/sqlite/rows.h"

namespace secplat::adapters::postgres {

using core::model::Asset;
using ports::store::AssetFilter;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::WriteContext;

namespace {

// Fills labels and scan settings of `assets` (sorted by id) with two queries for the whole
// list rather than two per asset.
void LoadChildren(PgConnection& c, pqxx::transaction_base& tx, std::vector<Asset>& assets) {
  if (assets.empty()) return;
  internal::ArrayLiteral ids;
  for (const Asset& a : assets) ids.Add(a.id);
  const std::string id_array = ids.Take();
  auto find = [&](int64_t id) -> Asset* {
    auto it = std::lower_bound(assets.begin(), assets.end(), id,
                               [](const Asset& a, int64_t v) { return a.id < v; });
    return it != assets.end() && it->id == id ? &*it : nullptr;
  };
  for (const pqxx::row& r : c.Exec(
           tx, "SELECT asset_id, key, value FROM asset_labels WHERE asset_id = ANY($1::bigint[])",
           id_array)) {
    if (Asset* a = find(internal::Int(r[0])))
      a->labels.emplace(internal::Text(r[1]), internal::Text(r[2]));
  }
  for (const pqxx::row& r :
       c.Exec(tx,
              "SELECT asset_id, scan_type, enabled, interval_seconds FROM asset_scan_settings "
              "WHERE asset_id = ANY($1::bigint[])",
              id_array)) {
    if (Asset* a = find(internal::Int(r[0])))
      a->scan.emplace(internal::Text(r[1]),
                      core::model::ScanSetting{.enabled = r[2].as<bool>(),
                                               .interval_seconds = internal::Int(r[3])});
  }
}

// The asset row for `key` with its children, deleted or not; nullopt when absent. `for_update`
// locks the row until the end of the transaction.
Result<std::optional<Asset>> FindAsset(PgConnection& c, pqxx::transaction_base& tx,
                                       std::string_view key, bool for_update) {
  pqxx::result rows = c.Exec(
      tx,
      for_update ? "SELECT " SECPLAT_PG_ASSET_COLUMNS " FROM assets WHERE asset_key = $1 FOR UPDATE"
                 : "SELECT " SECPLAT_PG_ASSET_COLUMNS " FROM assets WHERE asset_key = $1",
      std::string(key));
  if (rows.empty()) return std::optional<Asset>();
  std::vector<Asset> found;
  SECPLAT_ASSIGN_OR_RETURN(Asset a, internal::ReadAsset(rows[0]));
  found.push_back(std::move(a));
  LoadChildren(c, tx, found);
  return std::optional<Asset>(std::move(found.front()));
}

Status CheckAssetText(const Asset& a) {
  for (const std::string* s : {&a.asset_key, &a.name, &a.url, &a.host, &a.owner, &a.environment})
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(*s, "asset"));
  for (const auto& [k, v] : a.labels) {
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(k, "asset label"));
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(v, "asset label"));
  }
  for (const auto& [k, v] : a.scan) SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(k, "scan type"));
  return OkStatus();
}

// Inserts `a` (a.id == 0; sets it) or rewrites row a.id, then replaces its children when
// `children` is set.
void WriteAsset(PgConnection& c, pqxx::transaction_base& tx, Asset& a, bool children) {
  const std::string kind(core::model::AssetKindName(a.kind));
  const std::string criticality(core::model::CriticalityName(a.criticality));
  if (a.id == 0) {
    pqxx::result r =
        c.Exec(tx,
               "INSERT INTO assets(asset_key, name, kind, url, host, port, owner, criticality, "
               "environment, enabled, created_at, updated_at, deleted_at, version) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
               a.asset_key, a.name, kind, a.url, a.host, a.port, a.owner, criticality,
               a.environment, a.enabled, internal::Ms(a.created_at), internal::Ms(a.updated_at),
               internal::Ms(a.deleted_at), a.version);
    a.id = internal::Int(r[0][0]);
  } else {
    c.Exec(tx,
           "UPDATE assets SET name = $2, kind = $3, url = $4, host = $5, port = $6, owner = $7, "
           "criticality = $8, environment = $9, enabled = $10, created_at = $11, "
           "updated_at = $12, deleted_at = $13, version = $14 WHERE id = $1",
           a.id, a.name, kind, a.url, a.host, a.port, a.owner, criticality, a.environment,
           a.enabled, internal::Ms(a.created_at), internal::Ms(a.updated_at),
           internal::Ms(a.deleted_at), a.version);
  }
  if (!children) return;
  c.Exec(tx, "DELETE FROM asset_labels WHERE asset_id = $1", a.id);
  c.Exec(tx, "DELETE FROM asset_scan_settings WHERE asset_id = $1", a.id);
  if (!a.labels.empty()) {
    internal::ArrayLiteral keys, values;
    for (const auto& [k, v] : a.labels) {
      keys.Add(k);
      values.Add(v);
    }
    c.Exec(tx,
           "INSERT INTO asset_labels(asset_id, key, value) "
           "SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS u(k, v)",
           a.id, keys.Take(), values.Take());
  }
  if (!a.scan.empty()) {
    internal::ArrayLiteral types, enabled, intervals;
    for (const auto& [type, setting] : a.scan) {
      types.Add(type);
      enabled.Add(int64_t{setting.enabled ? 1 : 0});
      intervals.Add(setting.interval_seconds);
    }
    c.Exec(tx,
           "INSERT INTO asset_scan_settings(asset_id, scan_type, enabled, interval_seconds) "
           "SELECT $1, t, e <> 0, i FROM unnest($2::text[], $3::bigint[], $4::bigint[]) "
           "AS u(t, e, i)",
           a.id, types.Take(), enabled.Take(), intervals.Take());
  }
}

std::string Target(std::string_view key) { return "asset:" + std::string(key); }

}  // namespace

Result<Asset> PgStore::CreateAsset(const Asset& asset, const WriteContext& ctx) {
  if (asset.asset_key.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "asset_key: required");
  SECPLAT_RETURN_IF_ERROR(CheckAssetText(asset));
  return Run([&](PgConnection& c) -> Result<Asset> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> existing,
                             FindAsset(c, tx, asset.asset_key, /*for_update=*/true));
    if (existing && !existing->deleted_at)
      return Unexpected(ErrorCode::kConflict,
                        "asset " + internal::Quoted(asset.asset_key) + " already exists");
    Asset a = asset;
    a.created_at = ctx.now;
    a.updated_at = ctx.now;
    a.deleted_at.reset();
    // Reviving a soft-deleted key keeps its id (findings and jobs refer to the key) and keeps
    // the version counting up, so an update based on the deleted incarnation conflicts.
    a.id = existing ? existing->id : 0;
    a.version = existing ? existing->version + 1 : 1;
    try {
      WriteAsset(c, tx, a, /*children=*/true);
    } catch (const pqxx::unique_violation&) {
      // A concurrent CreateAsset of the same key committed first.
      return Unexpected(ErrorCode::kConflict,
                        "asset " + internal::Quoted(asset.asset_key) + " already exists");
    }
    // A revived key starts a new life: its posture is derived afresh (unknown until its first
    // result); the old incarnation's transitions stay in the event log.
    if (existing) c.Exec(tx, "DELETE FROM asset_status WHERE asset_key = $1", a.asset_key);
    internal::InsertAudit(c, tx, ctx, "asset.create", Target(a.asset_key),
                          existing ? sqlite::internal::AssetJson(*existing) : "",
                          sqlite::internal::AssetJson(a));
    tx.commit();
    return a;
  });
}

Result<Asset> PgStore::GetAsset(std::string_view asset_key) {
  return Run([&](PgConnection& c) -> Result<Asset> {
    pqxx::read_transaction tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> a, FindAsset(c, tx, asset_key, false));
    if (!a || a->deleted_at) return internal::NotFound("asset " + internal::Quoted(asset_key));
    return *std::move(a);
  });
}

Result<Page<Asset>> PgStore::ListAssets(const AssetFilter& filter, const PageRequest& page) {
  if (filter.label_value && !filter.label_key)
    return Unexpected(ErrorCode::kInvalidArgument, "label_value: needs label_key");
  const int limit = internal::ClampLimit(page.limit);
  // Only the parameters in use are numbered, so each filter combination is one prepared
  // statement with fully typed parameters.
  std::vector<std::optional<std::string>> params = {std::to_string(page.after),
                                                    std::to_string(limit + 1)};
  auto param = [&](std::string value) {
    params.emplace_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  std::string sql = "SELECT " SECPLAT_PG_ASSET_COLUMNS " FROM assets";
  if (filter.label_key) {
    // (asset_id, key) is the primary key of asset_labels: the join yields at most one row.
    sql += " JOIN asset_labels ON asset_labels.asset_id = assets.id AND asset_labels.key = " +
           param(*filter.label_key);
    if (filter.label_value) sql += " AND asset_labels.value = " + param(*filter.label_value);
  }
  sql += " WHERE assets.id > $1::bigint";
  if (!filter.include_deleted) sql += " AND assets.deleted_at IS NULL";
  if (filter.environment) sql += " AND assets.environment = " + param(*filter.environment);
  if (filter.kind)
    sql += " AND assets.kind = " + param(std::string(core::model::AssetKindName(*filter.kind)));
  sql += " ORDER BY assets.id LIMIT $2::bigint";
  for (const auto& p : params)
    SECPLAT_RETURN_IF_ERROR(internal::CheckNoNul(p.value_or(""), "filter"));

  return Run([&](PgConnection& c) -> Result<Page<Asset>> {
    pqxx::read_transaction tx(c.raw());
    pqxx::result rows = c.Exec(tx, sql, pqxx::prepare::make_dynamic_params(params));
    SECPLAT_ASSIGN_OR_RETURN(
        Page<Asset> result,
        internal::CollectPage<Asset>(
            rows, limit, [](const pqxx::row& r) { return internal::ReadAsset(r); },
            [](const Asset& a) { return a.id; }));
    LoadChildren(c, tx, result.items);
    return result;
  });
}

Result<Asset> PgStore::UpdateAsset(const Asset& asset, const WriteContext& ctx) {
  SECPLAT_RETURN_IF_ERROR(CheckAssetText(asset));
  return Run([&](PgConnection& c) -> Result<Asset> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> existing,
                             FindAsset(c, tx, asset.asset_key, /*for_update=*/true));
    if (!existing || existing->deleted_at)
      return internal::NotFound("asset " + internal::Quoted(asset.asset_key));
    if (existing->version != asset.version)
      return Unexpected(ErrorCode::kConflict,
                        "asset " + internal::Quoted(asset.asset_key) + " was modified: version " +
                            std::to_string(existing->version) + ", update based on version " +
                            std::to_string(asset.version));
    Asset a = asset;
    a.id = existing->id;
    a.created_at = existing->created_at;
    a.updated_at = ctx.now;
    a.deleted_at.reset();
    a.version = existing->version + 1;
    WriteAsset(c, tx, a, /*children=*/true);
    internal::InsertAudit(c, tx, ctx, "asset.update", Target(a.asset_key),
                          sqlite::internal::AssetJson(*existing), sqlite::internal::AssetJson(a));
    tx.commit();
    return a;
  });
}

Result<Asset> PgStore::DeleteAsset(std::string_view asset_key, const WriteContext& ctx) {
  return Run([&](PgConnection& c) -> Result<Asset> {
    pqxx::work tx(c.raw());
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> existing,
                             FindAsset(c, tx, asset_key, /*for_update=*/true));
    if (!existing || existing->deleted_at)
      return internal::NotFound("asset " + internal::Quoted(asset_key));
    Asset a = *existing;
    a.deleted_at = ctx.now;
    a.enabled = false;
    a.updated_at = ctx.now;
    a.version += 1;
    WriteAsset(c, tx, a, /*children=*/false);
    internal::InsertAudit(c, tx, ctx, "asset.delete", Target(a.asset_key),
                          sqlite::internal::AssetJson(*existing), sqlite::internal::AssetJson(a));
    tx.commit();
    return a;
  });
}

}  // namespace secplat::adapters::postgres
