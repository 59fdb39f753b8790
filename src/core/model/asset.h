// Asset: something SecPlat scans (a web service or a host). Plain data; validation lives in
// core/validation/asset.h, storage behind ports/store/asset_store.h.
#ifndef SECPLAT_CORE_MODEL_ASSET_H_
#define SECPLAT_CORE_MODEL_ASSET_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/common/time.h"

namespace secplat::core::model {

using Labels = std::map<std::string, std::string>;

enum class AssetKind { kWeb, kHost };
enum class Criticality { kLow, kMedium, kHigh, kCritical };

// Per scan type ("health_http", "tls_headers", "web_exposure") settings of one asset.
struct ScanSetting {
  bool enabled = true;
  int64_t interval_seconds = 0;  // 0: the global default for that scan type
  bool operator==(const ScanSetting&) const = default;
};

struct Asset {
  int64_t id = 0;         // store-assigned, stable
  std::string asset_key;  // unique, caller-chosen: [A-Za-z0-9][A-Za-z0-9._:-]{0,127}
  std::string name;
  AssetKind kind = AssetKind::kWeb;
  std::string url;   // web assets: http(s)://host[:port][/path]
  std::string host;  // host assets (and derived from url for web)
  int port = 0;      // 0: unset
  Labels labels;
  std::string owner;
  Criticality criticality = Criticality::kMedium;
  std::string environment;  // free text, e.g. "production"
  bool enabled = true;
  std::map<std::string, ScanSetting> scan;  // scan type -> settings
  Timestamp created_at{};
  Timestamp updated_at{};
  std::optional<Timestamp> deleted_at;  // soft delete
  int64_t version = 0;                  // bumped on every write; optimistic concurrency

  bool operator==(const Asset&) const = default;
};

std::string_view AssetKindName(AssetKind k);
std::optional<AssetKind> ParseAssetKind(std::string_view s);
std::string_view CriticalityName(Criticality c);
std::optional<Criticality> ParseCriticality(std::string_view s);

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_ASSET_H_
