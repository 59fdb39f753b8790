#include "core/findings/lifecycle.h"

#include <algorithm>

namespace secplat::core::findings {

using model::Finding;
using model::FindingObservation;
using model::FindingStatus;

Finding NewFinding(const FindingObservation& obs, Timestamp now) {
  Finding f;
  Timestamp seen = obs.observed_at.value_or(now);
  f.finding_key = obs.finding_key;
  f.asset_key = obs.asset_key;
  f.source = obs.source;
  f.check_id = obs.check_id;
  f.location = obs.location;
  f.category = obs.category;
  f.title = obs.title;
  f.severity = obs.severity;
  f.status = FindingStatus::kOpen;
  f.evidence_json = obs.evidence_json;
  f.first_seen = seen;
  f.last_seen = seen;
  f.occurrences = 1;
  f.updated_at = now;
  return f;
}

Finding ApplyObservation(Finding f, const FindingObservation& obs, Timestamp now) {
  Timestamp seen = obs.observed_at.value_or(now);
  f.occurrences += 1;
  f.first_seen = std::min(f.first_seen, seen);
  if (seen >= f.last_seen) {
    f.last_seen = seen;
    f.title = obs.title;
    f.severity = obs.severity;
    f.category = obs.category;
    f.evidence_json = obs.evidence_json;
  }
  switch (f.status) {
    case FindingStatus::kOpen:
    case FindingStatus::kFalsePositive:
      break;
    case FindingStatus::kResolved:
      // Seen again after a resolve: reactivate (only a sighting newer than the resolve counts).
      if (!f.resolved_at || seen > *f.resolved_at) {
        f.status = FindingStatus::kOpen;
        f.resolved_at.reset();
        f.status_reason = "seen again after resolve";
      }
      break;
    case FindingStatus::kAccepted:
      if (f.accepted_until && *f.accepted_until <= now) {
        f.status = FindingStatus::kOpen;
        f.status_reason = "risk acceptance expired";
      }
      break;
  }
  f.updated_at = now;
  return f;
}

Result<Finding> ApplyStatusChange(Finding f, const StatusChange& c, Timestamp now) {
  if (c.reason.size() > 2000)
    return Unexpected(ErrorCode::kInvalidArgument, "reason: longer than 2000 characters");
  switch (c.to) {
    case FindingStatus::kAccepted: {
      if (c.reason.empty())
        return Unexpected(ErrorCode::kInvalidArgument, "reason: required to accept a risk");
      if (!c.accepted_until)
        return Unexpected(ErrorCode::kInvalidArgument, "accepted_until: required to accept a risk");
      if (*c.accepted_until <= now)
        return Unexpected(ErrorCode::kInvalidArgument, "accepted_until: must be in the future");
      if (*c.accepted_until > now + kMaxAcceptance)
        return Unexpected(ErrorCode::kInvalidArgument, "accepted_until: at most 366 days ahead");
      f.status = FindingStatus::kAccepted;
      f.accepted_until = c.accepted_until;
      f.accepted_by = c.actor;
      f.resolved_at.reset();
      break;
    }
    case FindingStatus::kFalsePositive:
      if (f.status == FindingStatus::kFalsePositive)
        return Unexpected(ErrorCode::kConflict, "finding is already false_positive");
      if (c.reason.empty())
        return Unexpected(ErrorCode::kInvalidArgument, "reason: required to mark a false positive");
      f.status = FindingStatus::kFalsePositive;
      f.accepted_until.reset();
      f.resolved_at.reset();
      break;
    case FindingStatus::kResolved:
      if (f.status == FindingStatus::kResolved)
        return Unexpected(ErrorCode::kConflict, "finding is already resolved");
      f.status = FindingStatus::kResolved;
      f.resolved_at = now;
      f.accepted_until.reset();
      break;
    case FindingStatus::kOpen:
      if (f.status == FindingStatus::kOpen)
        return Unexpected(ErrorCode::kConflict, "finding is already open");
      f.status = FindingStatus::kOpen;
      f.resolved_at.reset();
      f.accepted_until.reset();
      break;
  }
  f.status_reason = c.reason;
  f.updated_at = now;
  return f;
}

}  // namespace secplat::core::findings
