// Assets <-> JSON: the create and patch request shapes and the asset resource.
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/reader.h"
#include "core/validation/asset.h"
#include "core/validation/net.h"

namespace secplat::adapters::json {
namespace {

using core::model::Asset;
using core::model::AssetKind;
using internal::Json;
using internal::ObjectReader;
using internal::OJson;

constexpr std::string_view kKinds = "web, host";
constexpr std::string_view kCriticalities = "low, medium, high, critical";

Result<core::model::Labels> ReadLabels(const ObjectReader& r) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader labels,
                           ObjectReader::Open(*r.Find("labels"), r.PathOf("labels")));
  core::model::Labels out;
  for (const auto& [key, value] : r.Find("labels")->items()) {
    if (!value.is_string()) return labels.Fail(key, "must be a string");
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, core::model::ScanSetting>> ReadScan(const ObjectReader& r) {
  const Json& scan = *r.Find("scan");
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader scan_reader, ObjectReader::Open(scan, r.PathOf("scan")));
  std::map<std::string, core::model::ScanSetting> out;
  for (const auto& [type, value] : scan.items()) {
    if (!core::model::IsKnownScanType(type)) return scan_reader.Fail(type, "unknown scan type");
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader s, ObjectReader::Open(value, scan_reader.PathOf(type)));
    SECPLAT_RETURN_IF_ERROR(s.OnlyKnown({"enabled", "interval_seconds"}));
    core::model::ScanSetting setting;
    SECPLAT_ASSIGN_OR_RETURN(auto enabled, s.OptionalBool("enabled"));
    setting.enabled = enabled.value_or(true);
    SECPLAT_ASSIGN_OR_RETURN(
        auto interval,
        s.OptionalInt("interval_seconds", 0, core::validation::kMaxScanIntervalSeconds));
    setting.interval_seconds = interval.value_or(0);
    out.emplace(type, setting);
  }
  return out;
}

#define SECPLAT_ASSET_FIELDS                                                            \
  "asset_key", "name", "kind", "url", "host", "port", "labels", "owner", "criticality", \
      "environment", "enabled", "scan"

// Reads every mutable member present in `r` into `a`. Returns how many were present.
Result<int> ReadMutable(const ObjectReader& r, Asset& a) {
  int n = 0;
  SECPLAT_ASSIGN_OR_RETURN(auto name, r.OptionalString("name"));
  if (name) {
    ++n;
    a.name = std::move(*name);
  }
  SECPLAT_ASSIGN_OR_RETURN(auto url, r.OptionalString("url"));
  if (url) {
    ++n;
    a.url = std::move(*url);
  }
  SECPLAT_ASSIGN_OR_RETURN(auto host, r.OptionalString("host"));
  if (host) {
    ++n;
    a.host = std::move(*host);
  }
  SECPLAT_ASSIGN_OR_RETURN(auto port, r.OptionalInt("port", 0, 65535));
  if (port) {
    ++n;
    a.port = static_cast<int>(*port);
  }
  if (r.Has("labels")) {
    ++n;
    SECPLAT_ASSIGN_OR_RETURN(a.labels, ReadLabels(r));
  }
  SECPLAT_ASSIGN_OR_RETURN(auto owner, r.OptionalString("owner"));
  if (owner) {
    ++n;
    a.owner = std::move(*owner);
  }
  SECPLAT_ASSIGN_OR_RETURN(auto crit,
                           r.OptionalEnum<core::model::Criticality>(
                               "criticality", core::model::ParseCriticality, kCriticalities));
  if (crit) {
    ++n;
    a.criticality = *crit;
  }
  SECPLAT_ASSIGN_OR_RETURN(auto env, r.OptionalString("environment"));
  if (env) {
    ++n;
    a.environment = std::move(*env);
  }
  SECPLAT_ASSIGN_OR_RETURN(auto enabled, r.OptionalBool("enabled"));
  if (enabled) {
    ++n;
    a.enabled = *enabled;
  }
  if (r.Has("scan")) {
    ++n;
    SECPLAT_ASSIGN_OR_RETURN(a.scan, ReadScan(r));
  }
  return n;
}

// Web assets: host and port follow the url unless the body gave them. A url that does not parse
// is left for ValidateAsset to report, in its order of rules.
void DeriveFromUrl(const ObjectReader& r, Asset& a) {
  if (a.kind != AssetKind::kWeb || a.url.empty()) return;
  auto u = core::validation::ParseHttpUrl(a.url);
  if (!u) return;
  if (!r.Has("host")) a.host = u->host;
  if (!r.Has("port")) a.port = u->port;
}

}  // namespace

std::string EncodeAsset(const Asset& a) {
  OJson o = OJson::object();
  o["asset_key"] = a.asset_key;
  o["name"] = a.name;
  o["kind"] = std::string(core::model::AssetKindName(a.kind));
  o["url"] = a.url;
  o["host"] = a.host;
  o["port"] = a.port;
  OJson labels = OJson::object();
  for (const auto& [k, v] : a.labels) labels[k] = v;
  o["labels"] = std::move(labels);
  o["owner"] = a.owner;
  o["criticality"] = std::string(core::model::CriticalityName(a.criticality));
  o["environment"] = a.environment;
  o["enabled"] = a.enabled;
  OJson scan = OJson::object();
  for (const auto& [type, s] : a.scan) {
    OJson setting = OJson::object();
    setting["enabled"] = s.enabled;
    setting["interval_seconds"] = s.interval_seconds;
    scan[type] = std::move(setting);
  }
  o["scan"] = std::move(scan);
  o["created_at"] = FormatRfc3339(a.created_at);
  o["updated_at"] = FormatRfc3339(a.updated_at);
  o["deleted_at"] = internal::TimeOrNull(a.deleted_at);
  o["version"] = a.version;
  return internal::Dump(o);
}

Result<Asset> DecodeAssetCreate(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({SECPLAT_ASSET_FIELDS}));
  Asset a;
  SECPLAT_ASSIGN_OR_RETURN(a.asset_key, r.RequiredString("asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(a.kind,
                           r.RequiredEnum<AssetKind>("kind", core::model::ParseAssetKind, kKinds));
  SECPLAT_RETURN_IF_ERROR(ReadMutable(r, a));
  if (!r.Has("name")) a.name = a.asset_key;
  DeriveFromUrl(r, a);
  SECPLAT_RETURN_IF_ERROR(core::validation::ValidateAsset(a));
  return a;
}

Result<Asset> DecodeAssetPatch(std::string_view body, Asset base) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({SECPLAT_ASSET_FIELDS}));
  SECPLAT_ASSIGN_OR_RETURN(auto key, r.OptionalString("asset_key"));
  if (key && *key != base.asset_key) return r.Fail("asset_key", "cannot be changed");
  SECPLAT_ASSIGN_OR_RETURN(auto kind,
                           r.OptionalEnum<AssetKind>("kind", core::model::ParseAssetKind, kKinds));
  if (kind && *kind != base.kind) return r.Fail("kind", "cannot be changed");
  std::string old_url = base.url;
  SECPLAT_ASSIGN_OR_RETURN(int changed, ReadMutable(r, base));
  if (changed == 0) return internal::FailAt("", "no fields to update");
  if (base.url != old_url) DeriveFromUrl(r, base);
  SECPLAT_RETURN_IF_ERROR(core::validation::ValidateAsset(base));
  return base;
}

Result<Asset> DecodeAsset(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  Asset a;
  SECPLAT_ASSIGN_OR_RETURN(a.asset_key, r.RequiredString("asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(a.kind,
                           r.RequiredEnum<AssetKind>("kind", core::model::ParseAssetKind, kKinds));
  SECPLAT_RETURN_IF_ERROR(ReadMutable(r, a));
  SECPLAT_ASSIGN_OR_RETURN(auto created, r.OptionalTimestamp("created_at"));
  if (created) a.created_at = *created;
  SECPLAT_ASSIGN_OR_RETURN(auto updated, r.OptionalTimestamp("updated_at"));
  if (updated) a.updated_at = *updated;
  if (const Json* d = r.Find("deleted_at"); d != nullptr && !d->is_null()) {
    SECPLAT_ASSIGN_OR_RETURN(a.deleted_at, r.OptionalTimestamp("deleted_at"));
  }
  SECPLAT_ASSIGN_OR_RETURN(auto version, r.OptionalInt("version", 0, INT64_MAX));
  a.version = version.value_or(0);
  return a;
}

}  // namespace secplat::adapters::json
