#include "core/contracts/envelope.h"

#include <string>

namespace secplat::core::contracts {
namespace {

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsLowerAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }

Unexpected Invalid(std::string message) {
  return Unexpected(ErrorCode::kInvalidArgument, std::move(message));
}

// Two digits at s[pos] forming a number in [lo, hi].
bool TwoDigitsIn(std::string_view s, size_t pos, int lo, int hi) {
  if (!IsDigit(s[pos]) || !IsDigit(s[pos + 1])) return false;
  int v = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
  return v >= lo && v <= hi;
}

constexpr std::string_view kEventTypeList =
    "scan.requested, scan.completed, scan.failed, posture.changed, finding.created, "
    "finding.updated, incident.created, incident.updated, incident.closed, alert.triggered, "
    "notify.sent, notify.failed";

}  // namespace

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsLowerHex(s[i])) return false;
  }
  return true;
}

bool IsValidRequestId(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!IsAlnum(c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

bool IsValidOrgId(std::string_view s) {
  if (s.empty() || s.size() > 64 || !IsLowerAlnum(s[0])) return false;
  for (char c : s)
    if (!IsLowerAlnum(c) && c != '_' && c != '-') return false;
  return true;
}

bool IsValidAssetKey(std::string_view s) {
  if (s.empty() || s.size() > 128 || !IsAlnum(s[0])) return false;
  for (char c : s)
    if (!IsAlnum(c) && c != '.' && c != '_' && c != ':' && c != '-') return false;
  return true;
}

bool IsUtcTimestampText(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z
  if (s.size() < 20) return false;
  for (size_t i : {0, 1, 2, 3})
    if (!IsDigit(s[i])) return false;
  if (s[4] != '-' || !TwoDigitsIn(s, 5, 1, 12) || s[7] != '-' || !TwoDigitsIn(s, 8, 1, 31) ||
      s[10] != 'T' || !TwoDigitsIn(s, 11, 0, 23) || s[13] != ':' || !TwoDigitsIn(s, 14, 0, 59) ||
      s[16] != ':' || !TwoDigitsIn(s, 17, 0, 59))
    return false;
  size_t pos = 19;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    size_t n = pos - start;
    if (n < 1 || n > 9) return false;
  }
  return pos + 1 == s.size() && s[pos] == 'Z';
}

Status ValidateEnvelope(const model::Envelope& e) {
  if (!IsUuid(e.event_id))
    return Invalid("event_id: must be a canonical lower-case UUID (8-4-4-4-12 hex digits)");
  if (!model::ParseEventType(model::EventTypeName(e.event_type)))
    return Invalid("event_type: must be one of " + std::string(kEventTypeList));
  // Compared in milliseconds: calendar arithmetic on absurd values would overflow.
  if (ToUnixMillis(e.ts) < kMinRfc3339Millis || ToUnixMillis(e.ts) > kMaxRfc3339Millis)
    return Invalid("ts: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z");
  if (!IsValidOrgId(e.org_id)) return Invalid("org_id: must match " + std::string(kOrgIdPattern));
  if (!e.request_id.empty() && !IsValidRequestId(e.request_id))
    return Invalid("request_id: must match " + std::string(kRequestIdPattern));
  if (!e.asset_key.empty() && !IsValidAssetKey(e.asset_key))
    return Invalid("asset_key: must match " + std::string(kAssetKeyPattern));
  if (e.severity && !model::ParseSeverity(model::SeverityName(*e.severity)))
    return Invalid("severity: must be one of info, low, medium, high, critical");
  if (!e.payload_json.empty() && (e.payload_json.front() != '{' || e.payload_json.back() != '}'))
    return Invalid("payload: must be a JSON object");
  return OkStatus();
}

}  // namespace secplat::core::contracts
