#include "core/validation/asset.h"

#include <string>

#include "core/contracts/envelope.h"
#include "core/model/scan_job.h"
#include "core/validation/field_path.h"
#include "core/validation/net.h"
#include "core/validation/text.h"

namespace secplat::core::validation {
namespace {

Unexpected Invalid(std::string_view path, std::string_view why) {
  return Unexpected(ErrorCode::kInvalidArgument, FieldMessage(path, why));
}

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool IsValidEnvironment(std::string_view s) {
  if (s.size() > 64) return false;
  for (char c : s)
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

}  // namespace

bool IsValidLabelKey(std::string_view key) {
  if (key.empty() || key.size() > 63 || !IsAlnum(key[0])) return false;
  for (char c : key)
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '/' && c != '-') return false;
  return true;
}

Status ValidateAsset(const model::Asset& a) {
  if (!contracts::IsValidAssetKey(a.asset_key))
    return Invalid("asset_key", "must match " + std::string(contracts::kAssetKeyPattern));
  SECPLAT_RETURN_IF_ERROR(CheckText("name", a.name, 1, kMaxAssetNameChars));
  if (!model::ParseAssetKind(model::AssetKindName(a.kind)))
    return Invalid("kind", "must be one of web, host");

  if (a.kind == model::AssetKind::kWeb && a.url.empty())
    return Invalid("url", "required for web assets");
  if (!a.url.empty()) SECPLAT_RETURN_IF_ERROR(ParseHttpUrl(a.url));

  if (a.kind == model::AssetKind::kHost && a.host.empty())
    return Invalid("host", "required for host assets");
  if (!a.host.empty() && !IsValidHost(a.host))
    return Invalid("host", "must be a hostname or an IP address (at most 253 characters)");
  if (a.port < 0 || a.port > 65535)
    return Invalid("port", "must be an integer between 0 and 65535");

  if (a.labels.size() > kMaxLabels) return Invalid("labels", "must have at most 64 entries");
  for (const auto& [key, value] : a.labels) {
    std::string path = JoinPath("labels", key);
    if (!IsValidLabelKey(key))
      return Invalid(path, "key must match " + std::string(kLabelKeyPattern));
    SECPLAT_RETURN_IF_ERROR(CheckText(path, value, 0, kMaxLabelValueChars));
  }
  SECPLAT_RETURN_IF_ERROR(CheckText("owner", a.owner, 0, kMaxOwnerChars));
  if (!model::ParseCriticality(model::CriticalityName(a.criticality)))
    return Invalid("criticality", "must be one of low, medium, high, critical");
  if (!IsValidEnvironment(a.environment))
    return Invalid("environment", "must match " + std::string(kEnvironmentPattern));

  for (const auto& [type, setting] : a.scan) {
    std::string path = JoinPath("scan", type);
    if (!model::IsKnownScanType(type)) return Invalid(path, "unknown scan type");
    int64_t s = setting.interval_seconds;
    if (s != 0 && (s < kMinScanIntervalSeconds || s > kMaxScanIntervalSeconds))
      return Invalid(JoinPath(path, "interval_seconds"), "must be 0 or between 10 and 604800");
  }
  return OkStatus();
}

}  // namespace secplat::core::validation
