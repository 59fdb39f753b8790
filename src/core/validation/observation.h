// Finding observation validation: what a scanner (or a person) may report. adapters/json runs
// this after decoding; first failing rule wins; messages name the field.
//
// From tests/core/validation/observation_test.cc:
//   model::FindingObservation o{.asset_key = "web-1", .source = "tls_headers",
//                               .check_id = "HSTS", .title = "HSTS missing"};
//   EXPECT_EQ(ValidateObservation(o).error().message,
//             "check_id: must match ^[a-z0-9][a-z0-9_.-]{0,63}$");
#ifndef SECPLAT_CORE_VALIDATION_OBSERVATION_H_
#define SECPLAT_CORE_VALIDATION_OBSERVATION_H_

#include <string_view>

#include "core/common/result.h"
#include "core/model/finding.h"

namespace secplat::core::validation {

inline constexpr size_t kMaxTitleChars = 500;
inline constexpr size_t kMaxLocationChars = 1024;
inline constexpr size_t kMaxCategoryChars = 64;
inline constexpr size_t kMaxEvidenceBytes = 64 * 1024;
inline constexpr std::string_view kCheckIdPattern = "^[a-z0-9][a-z0-9_.-]{0,63}$";
inline constexpr std::string_view kFindingKeyPattern = "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$";

// True for kCheckIdPattern (also the rule for `source`).
bool IsValidCheckId(std::string_view s);
// True for kFindingKeyPattern (derived keys "f_<32 hex>" qualify).
bool IsValidFindingKey(std::string_view s);

// Checks, in this order: finding_key (pattern, when set); asset_key; source and check_id
// (kCheckIdPattern); location (<= 1024 characters); category (<= 64 characters); title (1..500
// characters); severity; evidence_json (a '{'...'}' text of at most 65536 bytes; the codec
// guarantees it parses); observed_at (years 0001..9999, when set).
// Errors: kInvalidArgument "<field>: <rule>", e.g. "title: must be 1 to 500 characters".
Status ValidateObservation(const model::FindingObservation& obs);

}  // namespace secplat::core::validation

#endif  // SECPLAT_CORE_VALIDATION_OBSERVATION_H_
