// SqliteStore: assets, with their labels and scan settings in child tables.
#include <algorithm>

#include "adapters/sqlite/rows.h"
#include "adapters/sqlite/sqlite_store.h"
#include "adapters/sqlite/store_internal.h"

namespace secplat::adapters::sqlite {

using core::model::Asset;
using ports::store::AssetFilter;
using ports::store::Page;
using ports::store::PageRequest;
using ports::store::WriteContext;

namespace internal {

Status LoadAssetChildren(Connection& db, std::span<Asset> assets) {
  if (assets.empty()) return OkStatus();
  const int64_t lo = assets.front().id;
  const int64_t hi = assets.back().id;
  auto find = [&](int64_t id) -> Asset* {
    auto it = std::lower_bound(assets.begin(), assets.end(), id,
                               [](const Asset& a, int64_t v) { return a.id < v; });
    return it != assets.end() && it->id == id ? &*it : nullptr;
  };
  {
    SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                             db.Prepare("SELECT asset_id, key, value FROM asset_labels "
                                        "WHERE asset_id BETWEEN ?1 AND ?2"));
    s->Bind(1, lo);
    s->Bind(2, hi);
    while (true) {
      SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) break;
      if (Asset* a = find(s->Int64(0))) a->labels.emplace(s->Text(1), s->Text(2));
    }
  }
  SECPLAT_ASSIGN_OR_RETURN(
      StatementLease s,
      db.Prepare("SELECT asset_id, scan_type, enabled, interval_seconds FROM asset_scan_settings "
                 "WHERE asset_id BETWEEN ?1 AND ?2"));
  s->Bind(1, lo);
  s->Bind(2, hi);
  while (true) {
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (Asset* a = find(s->Int64(0)))
      a->scan.emplace(s->Text(1), core::model::ScanSetting{.enabled = s->Int64(2) != 0,
                                                           .interval_seconds = s->Int64(3)});
  }
  return OkStatus();
}

}  // namespace internal

namespace {

// The asset row for `key` with its children, deleted or not; nullopt when absent.
Result<std::optional<Asset>> FindAsset(Connection& db, std::string_view key) {
  std::vector<Asset> found;
  {
    SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare("SELECT " SECPLAT_SQLITE_ASSET_COLUMNS
                                                          " FROM assets WHERE asset_key = ?1"));
    s->Bind(1, key);
    SECPLAT_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return std::optional<Asset>();
    SECPLAT_ASSIGN_OR_RETURN(Asset a, internal::ReadAsset(*s));
    found.push_back(std::move(a));
  }
  SECPLAT_RETURN_IF_ERROR(internal::LoadAssetChildren(db, found));
  return std::optional<Asset>(std::move(found.front()));
}

// Binds ?2..?14 of the INSERT and UPDATE statements below.
void BindAssetFields(Statement& s, const Asset& a) {
  s.Bind(2, a.name);
  s.Bind(3, core::model::AssetKindName(a.kind));
  s.Bind(4, a.url);
  s.Bind(5, a.host);
  s.Bind(6, a.port);
  s.Bind(7, a.owner);
  s.Bind(8, core::model::CriticalityName(a.criticality));
  s.Bind(9, a.environment);
  s.Bind(10, a.enabled);
  s.Bind(11, a.created_at);
  s.Bind(12, a.updated_at);
  s.Bind(13, a.deleted_at);
  s.Bind(14, a.version);
}

// Inserts `a` (a.id == 0; sets it) or rewrites row a.id, then replaces its children when
// `children` is set.
Status WriteAsset(Connection& db, Asset& a, bool children) {
  if (a.id == 0) {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare(
            "INSERT INTO assets(asset_key, name, kind, url, host, port, owner, "
            "criticality, environment, enabled, created_at, updated_at, deleted_at, "
            "version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"));
    s->Bind(1, a.asset_key);
    BindAssetFields(*s, a);
    SECPLAT_RETURN_IF_ERROR(s->Run());
    a.id = db.LastInsertRowId();
  } else {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare("UPDATE assets SET name = ?2, kind = ?3, url = ?4, host = ?5, port = ?6, "
                   "owner = ?7, criticality = ?8, environment = ?9, enabled = ?10, "
                   "created_at = ?11, updated_at = ?12, deleted_at = ?13, version = ?14 "
                   "WHERE id = ?1"));
    s->Bind(1, a.id);
    BindAssetFields(*s, a);
    SECPLAT_RETURN_IF_ERROR(s->Run());
  }
  if (!children) return OkStatus();
  for (const char* sql : {"DELETE FROM asset_labels WHERE asset_id = ?1",
                          "DELETE FROM asset_scan_settings WHERE asset_id = ?1"}) {
    SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db.Prepare(sql));
    s->Bind(1, a.id);
    SECPLAT_RETURN_IF_ERROR(s->Run());
  }
  for (const auto& [key, value] : a.labels) {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare("INSERT INTO asset_labels(asset_id, key, value) VALUES (?1, ?2, ?3)"));
    s->Bind(1, a.id);
    s->Bind(2, key);
    s->Bind(3, value);
    SECPLAT_RETURN_IF_ERROR(s->Run());
  }
  for (const auto& [type, setting] : a.scan) {
    SECPLAT_ASSIGN_OR_RETURN(
        StatementLease s,
        db.Prepare("INSERT INTO asset_scan_settings(asset_id, scan_type, enabled, "
                   "interval_seconds) VALUES (?1, ?2, ?3, ?4)"));
    s->Bind(1, a.id);
    s->Bind(2, type);
    s->Bind(3, setting.enabled);
    s->Bind(4, setting.interval_seconds);
    SECPLAT_RETURN_IF_ERROR(s->Run());
  }
  return OkStatus();
}

std::string Target(std::string_view key) { return "asset:" + std::string(key); }

}  // namespace

Result<Asset> SqliteStore::CreateAsset(const Asset& asset, const WriteContext& ctx) {
  if (asset.asset_key.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "asset_key: required");
  return WriteTx([&](Connection& db) -> Result<Asset> {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> existing, FindAsset(db, asset.asset_key));
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
    SECPLAT_RETURN_IF_ERROR(WriteAsset(db, a, /*children=*/true));
    if (existing) {
      // A revived key starts a new life: its posture is derived afresh (unknown until its first
      // result); the old incarnation's transitions stay in the event log.
      SECPLAT_ASSIGN_OR_RETURN(StatementLease s,
                               db.Prepare("DELETE FROM asset_status WHERE asset_key = ?1"));
      s->Bind(1, a.asset_key);
      SECPLAT_RETURN_IF_ERROR(s->Run());
    }
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(db, ctx, "asset.create", Target(a.asset_key),
                                                  existing ? internal::AssetJson(*existing) : "",
                                                  internal::AssetJson(a)));
    return a;
  });
}

Result<Asset> SqliteStore::GetAsset(std::string_view asset_key) {
  auto db = readers_->Acquire();
  SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> a, FindAsset(*db, asset_key));
  if (!a || a->deleted_at) return internal::NotFound("asset " + internal::Quoted(asset_key));
  return *std::move(a);
}

Result<Page<Asset>> SqliteStore::ListAssets(const AssetFilter& filter, const PageRequest& page) {
  if (filter.label_value && !filter.label_key)
    return Unexpected(ErrorCode::kInvalidArgument, "label_value: needs label_key");
  const int limit = internal::ClampLimit(page.limit);
  // Fixed parameter numbers whatever the filter, so each combination is one cached statement.
  std::string sql = "SELECT " SECPLAT_SQLITE_ASSET_COLUMNS " FROM assets";
  if (filter.label_key) {
    // (asset_id, key) is the primary key of asset_labels: the join yields at most one row.
    sql += " JOIN asset_labels ON asset_labels.asset_id = assets.id AND asset_labels.key = ?3";
    if (filter.label_value) sql += " AND asset_labels.value = ?4";
  }
  sql += " WHERE assets.id > ?1";
  if (!filter.include_deleted) sql += " AND assets.deleted_at IS NULL";
  if (filter.environment) sql += " AND assets.environment = ?5";
  if (filter.kind) sql += " AND assets.kind = ?6";
  sql += " ORDER BY assets.id LIMIT ?2";

  auto db = readers_->Acquire();
  Page<Asset> result;
  {
    SECPLAT_ASSIGN_OR_RETURN(StatementLease s, db->Prepare(sql));
    s->Bind(1, page.after);
    s->Bind(2, limit + 1);
    if (filter.label_key) s->Bind(3, *filter.label_key);
    if (filter.label_value) s->Bind(4, *filter.label_value);
    if (filter.environment) s->Bind(5, *filter.environment);
    if (filter.kind) s->Bind(6, core::model::AssetKindName(*filter.kind));
    SECPLAT_ASSIGN_OR_RETURN(
        result, internal::CollectPage<Asset>(
                    *s, limit, [](const Statement& st) { return internal::ReadAsset(st); },
                    [](const Asset& a) { return a.id; }));
  }
  SECPLAT_RETURN_IF_ERROR(internal::LoadAssetChildren(*db, result.items));
  return result;
}

Result<Asset> SqliteStore::UpdateAsset(const Asset& asset, const WriteContext& ctx) {
  return WriteTx([&](Connection& db) -> Result<Asset> {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> existing, FindAsset(db, asset.asset_key));
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
    SECPLAT_RETURN_IF_ERROR(WriteAsset(db, a, /*children=*/true));
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(db, ctx, "asset.update", Target(a.asset_key),
                                                  internal::AssetJson(*existing),
                                                  internal::AssetJson(a)));
    return a;
  });
}

Result<Asset> SqliteStore::DeleteAsset(std::string_view asset_key, const WriteContext& ctx) {
  return WriteTx([&](Connection& db) -> Result<Asset> {
    SECPLAT_ASSIGN_OR_RETURN(std::optional<Asset> existing, FindAsset(db, asset_key));
    if (!existing || existing->deleted_at)
      return internal::NotFound("asset " + internal::Quoted(asset_key));
    Asset a = *existing;
    a.deleted_at = ctx.now;
    a.enabled = false;
    a.updated_at = ctx.now;
    a.version += 1;
    SECPLAT_RETURN_IF_ERROR(WriteAsset(db, a, /*children=*/false));
    SECPLAT_RETURN_IF_ERROR(internal::InsertAudit(db, ctx, "asset.delete", Target(a.asset_key),
                                                  internal::AssetJson(*existing),
                                                  internal::AssetJson(a)));
    return a;
  });
}

}  // namespace secplat::adapters::sqlite
