#include "core/validation/observation.h"

#include <string>

#include "core/contracts/envelope.h"
#include "core/validation/field_path.h"
#include "core/validation/text.h"

namespace secplat::core::validation {
namespace {

Unexpected Invalid(std::string_view path, std::string_view why) {
  return Unexpected(ErrorCode::kInvalidArgument, FieldMessage(path, why));
}

bool IsLowerAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

}  // namespace

bool IsValidCheckId(std::string_view s) {
  if (s.empty() || s.size() > 64 || !IsLowerAlnum(s[0])) return false;
  for (char c : s)
    if (!IsLowerAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

bool IsValidFindingKey(std::string_view s) {
  // Same alphabet and length as asset keys.
  return contracts::IsValidAssetKey(s);
}

Status ValidateObservation(const model::FindingObservation& o) {
  if (!o.finding_key.empty() && !IsValidFindingKey(o.finding_key))
    return Invalid("finding_key", "must match " + std::string(kFindingKeyPattern));
  if (!contracts::IsValidAssetKey(o.asset_key))
    return Invalid("asset_key", "must match " + std::string(contracts::kAssetKeyPattern));
  if (!IsValidCheckId(o.source))
    return Invalid("source", "must match " + std::string(kCheckIdPattern));
  if (!IsValidCheckId(o.check_id))
    return Invalid("check_id", "must match " + std::string(kCheckIdPattern));
  SECPLAT_RETURN_IF_ERROR(CheckText("location", o.location, 0, kMaxLocationChars));
  SECPLAT_RETURN_IF_ERROR(CheckText("category", o.category, 0, kMaxCategoryChars));
  SECPLAT_RETURN_IF_ERROR(CheckText("title", o.title, 1, kMaxTitleChars));
  if (!model::ParseSeverity(model::SeverityName(o.severity)))
    return Invalid("severity", "must be one of info, low, medium, high, critical");
  if (o.evidence_json.size() > kMaxEvidenceBytes)
    return Invalid("evidence", "must be at most 65536 bytes");
  if (o.evidence_json.empty() || o.evidence_json.front() != '{' || o.evidence_json.back() != '}')
    return Invalid("evidence", "must be a JSON object");
  if (o.observed_at && (ToUnixMillis(*o.observed_at) < contracts::kMinRfc3339Millis ||
                        ToUnixMillis(*o.observed_at) > contracts::kMaxRfc3339Millis))
    return Invalid("observed_at",
                   "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z");
  return OkStatus();
}

}  // namespace secplat::core::validation
