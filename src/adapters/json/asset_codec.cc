// Assets <-> JSON: the create and patch request shapes and the asset resource.
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/reader.h"
#include "core/common/json_string.h"
#include "core/common/time.h"
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

// Written directly (no DOM: the posture batch read encodes 1,000 assets per response), byte for
// byte what an ordered nlohmann object with these members in this order dumps
// (asset_codec_test compares the two on random assets).
std::string EncodeAsset(const Asset& a) {
  std::string out;
  out.reserve(320 + a.url.size() + a.name.size() + 40 * (a.labels.size() + a.scan.size()));
  auto key = [&out](std::string_view k, bool first = false) {
    if (!first) out += ',';
    out += '"';
    out += k;  // member names are fixed ASCII: nothing to escape
    out += "\":";
  };
  auto str = [&out](std::string_view v) { AppendJsonString(out, v); };
  auto time = [&out](Timestamp t) {
    out += '"';
    AppendRfc3339(out, t);
    out += '"';
  };
  out += '{';
  key("asset_key", true);
  str(a.asset_key);
  key("name");
  str(a.name);
  key("kind");
  str(core::model::AssetKindName(a.kind));
  key("url");
  str(a.url);
  key("host");
  str(a.host);
  key("port");
  out += std::to_string(a.port);
  key("labels");
  out += '{';
  bool first = true;
  for (const auto& [k, v] : a.labels) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, k);
    out += ':';
    AppendJsonString(out, v);
  }
  out += '}';
  key("owner");
  str(a.owner);
  key("criticality");
  str(core::model::CriticalityName(a.criticality));
  key("environment");
  str(a.environment);
  key("enabled");
  out += a.enabled ? "true" : "false";
  key("scan");
  out += '{';
  first = true;
  for (const auto& [type, setting] : a.scan) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, type);
    out += ":{\"enabled\":";
    out += setting.enabled ? "true" : "false";
    out += ",\"interval_seconds\":";
    out += std::to_string(setting.interval_seconds);
    out += '}';
  }
  out += '}';
  key("created_at");
  time(a.created_at);
  key("updated_at");
  time(a.updated_at);
  key("deleted_at");
  if (a.deleted_at) {
    time(*a.deleted_at);
  } else {
    out += "null";
  }
  key("version");
  out += std::to_string(a.version);
  out += '}';
  return out;
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
