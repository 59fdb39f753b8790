// Finding lifecycle: how an observation folds into a finding, and which status changes are
// allowed. Pure; the store calls these inside its transaction.
//
//   Finding f = NewFinding(obs, now);                 // occurrences 1, status open
//   f = ApplyObservation(f, obs_again, now);          // occurrences 2, last_seen moves
//   auto r = ApplyStatusChange(f, {.to = FindingStatus::kFalsePositive, .reason = "lab"}, now);
//   // a false positive stays a false positive when seen again:
//   EXPECT_EQ(ApplyObservation(*r, obs, now).status, FindingStatus::kFalsePositive);
#ifndef SECPLAT_CORE_FINDINGS_LIFECYCLE_H_
#define SECPLAT_CORE_FINDINGS_LIFECYCLE_H_

#include <optional>
#include <string>

#include "core/common/result.h"
#include "core/model/finding.h"

namespace secplat::core::findings {

// The longest a risk acceptance may run; longer requests are refused.
inline constexpr Duration kMaxAcceptance = std::chrono::days(366);

// A status change requested by a person.
struct StatusChange {
  model::FindingStatus to = model::FindingStatus::kResolved;
  std::string reason;                       // required for accepted and false_positive
  std::optional<Timestamp> accepted_until;  // required for accepted, in (now, now + 366 d]
  std::string actor;                        // recorded as accepted_by for acceptances
};

// A finding seen for the first time. `obs.observed_at` unset means `now`.
model::Finding NewFinding(const model::FindingObservation& obs, Timestamp now);

// Folds a later (or, out of order, earlier) sighting into `f`:
// - occurrences + 1; first_seen/last_seen widen to include the sighting;
// - title, severity, category and evidence follow the newest sighting only;
// - resolved is reopened (resolved_at cleared); false_positive stays; accepted stays until
//   accepted_until has passed at `now`, then reopens.
model::Finding ApplyObservation(model::Finding f, const model::FindingObservation& obs,
                                Timestamp now);

// Errors: kInvalidArgument (missing reason/expiry, expiry out of range),
// kConflict (already in that status; accepted may be renewed).
Result<model::Finding> ApplyStatusChange(model::Finding f, const StatusChange& change,
                                         Timestamp now);

}  // namespace secplat::core::findings

#endif  // SECPLAT_CORE_FINDINGS_LIFECYCLE_H_
