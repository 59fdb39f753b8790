// Event envelope rules: the typed twin of docs/contracts/event-envelope.schema.json.
// adapters/json decodes untrusted JSON and then calls ValidateEnvelope, so a decoded envelope
// obeys the same rules as the schema; tests/core/contracts/envelope_test.cc checks the pattern
// constants below against the schema file, so the two cannot drift apart.
//
// From tests/core/contracts/envelope_test.cc:
//   model::Envelope e{.event_id = "0b7e6f1c-9a52-4c1e-8f00-3d4a5b6c7d8e",
//                     .event_type = model::EventType::kScanRequested,
//                     .ts = FromUnixMillis(1764358200123)};
//   EXPECT_TRUE(ValidateEnvelope(e).has_value());
//   e.event_id = "0B7E6F1C-9A52-4C1E-8F00-3D4A5B6C7D8E";  // upper case: not canonical
//   EXPECT_EQ(ValidateEnvelope(e).error().message,
//             "event_id: must be a canonical lower-case UUID (8-4-4-4-12 hex digits)");
#ifndef SECPLAT_CORE_CONTRACTS_ENVELOPE_H_
#define SECPLAT_CORE_CONTRACTS_ENVELOPE_H_

#include <cstdint>
#include <string_view>

#include "core/common/result.h"
#include "core/model/event.h"

namespace secplat::core::contracts {

// The schema's patterns, verbatim (ECMA 262 syntax). The functions below implement them by hand;
// a test runs both over a probe list with std::regex.
inline constexpr std::string_view kUuidPattern =
    "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";
inline constexpr std::string_view kTimestampPattern =
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    "(\\.[0-9]{1,9})?Z$";
inline constexpr std::string_view kOrgIdPattern = "^[a-z0-9][a-z0-9_-]{0,63}$";
inline constexpr std::string_view kRequestIdPattern = "^[A-Za-z0-9._-]{1,128}$";
inline constexpr std::string_view kAssetKeyPattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";

// The representable range of RFC 3339 timestamps: 0001-01-01T00:00:00.000Z to
// 9999-12-31T23:59:59.999Z, in Unix milliseconds.
inline constexpr int64_t kMinRfc3339Millis = -62135596800000;
inline constexpr int64_t kMaxRfc3339Millis = 253402300799999;

// org_id written when a producer has no tenant (the schema's "default").
inline constexpr std::string_view kDefaultOrgId = "default";

// True for the canonical lower-case 8-4-4-4-12 hex form (any version/variant bits).
bool IsUuid(std::string_view s);
// True for 1..128 characters of [A-Za-z0-9._-] (kRequestIdPattern).
bool IsValidRequestId(std::string_view s);
// True for kOrgIdPattern.
bool IsValidOrgId(std::string_view s);
// True for kAssetKeyPattern (also the rule for asset keys everywhere else).
bool IsValidAssetKey(std::string_view s);
// True for kTimestampPattern: RFC 3339 in UTC with an upper-case 'T' and 'Z'. A shape check only:
// "2025-02-30T00:00:00Z" passes here and is refused by ParseRfc3339.
bool IsUtcTimestampText(std::string_view s);

// Checks a typed envelope against the schema's rules: event_id canonical UUID; event_type and
// severity known enumerators; ts within years 0001..9999; org_id, and request_id and asset_key
// when non-empty, match their patterns; payload_json empty or '{'...'}' (the codec guarantees it
// parses). Errors: kInvalidArgument naming the field, e.g. "org_id: must match ^[a-z0-9]...$".
Status ValidateEnvelope(const model::Envelope& envelope);

}  // namespace secplat::core::contracts

#endif  // SECPLAT_CORE_CONTRACTS_ENVELOPE_H_
