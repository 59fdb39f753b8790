// Asset validation: every rule an asset must satisfy before it is stored, whether it came from
// the API (adapters/json runs this after decoding) or from the CLI. First failing rule wins;
// messages name the field.
//
// From tests/core/validation/asset_test.cc:
//   model::Asset a{.asset_key = "web-1", .name = "Web", .kind = model::AssetKind::kWeb,
//                  .url = "ftp://example.com/"};
//   EXPECT_EQ(ValidateAsset(a).error().message, "url: must be an absolute http or https URL");
#ifndef SECPLAT_CORE_VALIDATION_ASSET_H_
#define SECPLAT_CORE_VALIDATION_ASSET_H_

#include <cstdint>
#include <string_view>

#include "core/common/result.h"
#include "core/model/asset.h"

namespace secplat::core::validation {

inline constexpr size_t kMaxAssetNameChars = 200;
inline constexpr size_t kMaxLabels = 64;
inline constexpr size_t kMaxLabelValueChars = 256;
inline constexpr size_t kMaxOwnerChars = 256;
inline constexpr int64_t kMinScanIntervalSeconds = 10;
inline constexpr int64_t kMaxScanIntervalSeconds = 604800;  // one week
inline constexpr std::string_view kLabelKeyPattern = "^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$";
inline constexpr std::string_view kEnvironmentPattern = "^[A-Za-z0-9._-]{0,64}$";

// True for kLabelKeyPattern.
bool IsValidLabelKey(std::string_view key);

// Checks, in this order: asset_key (pattern); name (1..200 characters); kind; url (required for
// web, and when set an absolute http/https URL with a host, no userinfo, <= 2048 bytes); host
// (required for host assets, and when set a hostname or IP literal <= 253); port (0..65535);
// labels (<= 64, key pattern, value <= 256 characters); owner (<= 256 characters); criticality;
// environment (pattern); scan (known scan types; interval_seconds 0 or 10..604800).
// Errors: kInvalidArgument "<field path>: <rule>", e.g. "labels.team: must be at most 256
// characters", "scan.nmap: unknown scan type".
Status ValidateAsset(const model::Asset& asset);

}  // namespace secplat::core::validation

#endif  // SECPLAT_CORE_VALIDATION_ASSET_H_
