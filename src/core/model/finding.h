// Finding: one problem a check found on an asset, identified by a stable finding_key.
// Observations (what a scanner reports) are folded into findings by
// core/findings/lifecycle.h; storage behind ports/store/finding_store.h.
#ifndef SECPLAT_CORE_MODEL_FINDING_H_
#define SECPLAT_CORE_MODEL_FINDING_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/common/time.h"

namespace secplat::core::model {

enum class Severity { kInfo, kLow, kMedium, kHigh, kCritical };
enum class FindingStatus { kOpen, kResolved, kAccepted, kFalsePositive };

std::string_view SeverityName(Severity s);
std::optional<Severity> ParseSeverity(std::string_view s);
std::string_view FindingStatusName(FindingStatus s);
std::optional<FindingStatus> ParseFindingStatus(std::string_view s);

// What a scanner (or a person) reports: one sighting of a problem.
struct FindingObservation {
  std::string finding_key;  // empty: derived by core/contracts/keys.h (DeriveFindingKey)
  std::string asset_key;
  std::string source;    // scan type or tool, e.g. "tls_headers"
  std::string check_id;  // e.g. "hsts_missing"
  std::string location;  // header name, TLS version, path, port; normalised for the key
  std::string category;  // e.g. "tls", "headers", "exposure"
  std::string title;
  Severity severity = Severity::kMedium;
  std::string evidence_json = "{}";      // a JSON object, canonical text
  std::optional<Timestamp> observed_at;  // unset: the time the API received it
};

struct Finding {
  int64_t id = 0;
  std::string finding_key;
  std::string asset_key;
  std::string source;
  std::string check_id;
  std::string location;
  std::string category;
  std::string title;
  Severity severity = Severity::kMedium;
  FindingStatus status = FindingStatus::kOpen;
  std::string evidence_json = "{}";
  Timestamp first_seen{};
  Timestamp last_seen{};
  int64_t occurrences = 0;
  std::optional<Timestamp> resolved_at;
  std::optional<Timestamp> accepted_until;
  std::string accepted_by;
  std::string status_reason;  // why the last status change was made (accept reason, FP note)
  Timestamp updated_at{};
};

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_FINDING_H_
