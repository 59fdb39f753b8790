#include "core/notify/dedup.h"

#include <string>

namespace secplat::core::notify {
namespace {

using model::ProblemStatus;

std::string Ms(Duration d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

std::string_view NotifyReasonName(NotifyReason r) {
  switch (r) {
    case NotifyReason::kNewProblem:
      return "new_problem";
    case NotifyReason::kChanged:
      return "changed";
    case NotifyReason::kRepeatDue:
      return "repeat_due";
    case NotifyReason::kResolved:
      return "resolved";
    case NotifyReason::kSkipUnchanged:
      return "skip_unchanged";
    case NotifyReason::kSkipResolvedNotWanted:
      return "skip_resolved_not_wanted";
    case NotifyReason::kSkipResolvedNotNotified:
      return "skip_resolved_not_notified";
    case NotifyReason::kSkipAlreadyResolved:
      return "skip_already_resolved";
    case NotifyReason::kSkipDuplicateEvent:
      return "skip_duplicate_event";
    case NotifyReason::kSkipOutOfOrder:
      return "skip_out_of_order";
  }
  return "unknown";
}

NotifyDecision NeedsNotify(const std::optional<NotifyLogEntry>& entry,
                           const model::NotifyEvent& event, const RouteTarget& target,
                           Timestamp now) {
  auto send = [](NotifyReason r, std::string detail) {
    return NotifyDecision{.send = true, .reason = r, .detail = std::move(detail)};
  };
  auto skip = [](NotifyReason r, std::string detail) {
    return NotifyDecision{.send = false, .reason = r, .detail = std::move(detail)};
  };
  if (entry && !event.event_id.empty() && entry->last_event_id == event.event_id) {
    return skip(NotifyReason::kSkipDuplicateEvent,
                "event " + event.event_id + " already handled for this channel");
  }
  if (entry && event.ts < entry->last_event_ts) {
    return skip(NotifyReason::kSkipOutOfOrder, "event at " + FormatRfc3339(event.ts) +
                                                   " is older than the logged event at " +
                                                   FormatRfc3339(entry->last_event_ts));
  }
  if (event.status == ProblemStatus::kResolved) {
    if (!target.send_resolved) {
      return skip(NotifyReason::kSkipResolvedNotWanted,
                  "rule '" + target.rule + "' has send_resolved off");
    }
    if (!entry || !entry->last_sent_at) {
      return skip(NotifyReason::kSkipResolvedNotNotified,
                  "no firing notification was sent for this problem");
    }
    if (entry->last_status == ProblemStatus::kResolved) {
      return skip(NotifyReason::kSkipAlreadyResolved, "already notified as resolved");
    }
    return send(NotifyReason::kResolved, "problem resolved");
  }
  // Firing.
  if (!entry || entry->last_status == ProblemStatus::kResolved || !entry->last_sent_at) {
    return send(NotifyReason::kNewProblem,
                entry ? "problem fired again after resolving" : "first notification");
  }
  if (entry->last_severity != event.severity) {
    return send(NotifyReason::kChanged,
                "severity " + std::string(model::SeverityName(entry->last_severity)) + " -> " +
                    std::string(model::SeverityName(event.severity)));
  }
  if (entry->last_state != event.state) {
    return send(NotifyReason::kChanged, "state " + entry->last_state + " -> " + event.state);
  }
  if (target.repeat_interval <= Duration::zero()) {
    return skip(NotifyReason::kSkipUnchanged, "unchanged; repeat is off");
  }
  const Duration since = now - *entry->last_sent_at;
  if (since >= target.repeat_interval) {
    return send(NotifyReason::kRepeatDue,
                "unchanged for " + Ms(since) + " >= repeat_interval " + Ms(target.repeat_interval));
  }
  return skip(
      NotifyReason::kSkipUnchanged,
      "unchanged; next repeat at " + FormatRfc3339(*entry->last_sent_at + target.repeat_interval));
}

NotifyLogEntry NextLogEntry(const std::optional<NotifyLogEntry>& entry,
                            const model::NotifyEvent& event, std::string_view channel, bool sent,
                            Timestamp now) {
  NotifyLogEntry next = entry.value_or(NotifyLogEntry{});
  next.channel = std::string(channel);
  next.problem_key = event.problem_key;
  next.last_status = event.status;
  next.last_severity = event.severity;
  next.last_state = event.state;
  next.last_event_id = event.event_id;
  next.last_event_ts = event.ts;
  if (sent) next.last_sent_at = now;
  return next;
}

}  // namespace secplat::core::notify
