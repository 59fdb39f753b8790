// Notification dedup and repeat, after Alertmanager's notification log (nflog, `dedup_stage.go`):
// per (channel, problem key) the log remembers what was last sent; NeedsNotify decides whether an
// event is worth a message now and says why, as a reason that reaches the API's "why" view.
//
//   NotifyDecision d = NeedsNotify(std::nullopt, firing_event, target, now);
//   EXPECT_EQ(d.reason, NotifyReason::kNewProblem);
//   NotifyLogEntry log = NextLogEntry(std::nullopt, firing_event, "slack-ops", true, now);
//   d = NeedsNotify(log, firing_event_again, target, now + 1min);  // kSkipUnchanged
#ifndef SECPLAT_CORE_NOTIFY_DEDUP_H_
#define SECPLAT_CORE_NOTIFY_DEDUP_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/common/time.h"
#include "core/model/finding.h"
#include "core/model/notification.h"
#include "core/notify/route.h"

namespace secplat::core::notify {

// What was last notified for one (channel, problem key). Persisted by the notifier.
struct NotifyLogEntry {
  std::string channel;
  std::string problem_key;
  model::ProblemStatus last_status = model::ProblemStatus::kFiring;
  model::Severity last_severity = model::Severity::kMedium;
  std::string last_state;                 // NotifyEvent::state at the last entry
  std::string last_event_id;              // the last event folded into the entry
  Timestamp last_event_ts{};              // its ts
  std::optional<Timestamp> last_sent_at;  // last message actually sent; unset: never sent
};

enum class NotifyReason {
  kNewProblem,               // send: nothing sent yet for this problem, or it had resolved
  kChanged,                  // send: still firing, severity or state changed
  kRepeatDue,                // send: unchanged, but repeat_interval passed since the last send
  kResolved,                 // send: resolved after a firing message, send_resolved on
  kSkipUnchanged,            // skip: unchanged and inside repeat_interval (or repeat off)
  kSkipResolvedNotWanted,    // skip: resolved, the rule has send_resolved off
  kSkipResolvedNotNotified,  // skip: resolved, but no firing message was ever sent
  kSkipAlreadyResolved,      // skip: resolved again
  kSkipDuplicateEvent,       // skip: this event id is already in the log (a redelivery)
  kSkipOutOfOrder,           // skip: older than the event already in the log
};

// "new_problem", "changed", "repeat_due", "resolved", "skip_unchanged", ...
std::string_view NotifyReasonName(NotifyReason r);

// The verdict: send or not, the reason, and a human detail ("severity high -> critical").
struct NotifyDecision {
  bool send = false;
  NotifyReason reason = NotifyReason::kSkipUnchanged;
  std::string detail;
};

// Decides whether `event` must be sent to `target.channel` given the log entry for
// (target.channel, event.problem_key) (nullopt: none). Uses target.repeat_interval (0: never
// repeat) and target.send_resolved. `now` is the decision time. Pure and total.
NotifyDecision NeedsNotify(const std::optional<NotifyLogEntry>& entry,
                           const model::NotifyEvent& event, const RouteTarget& target,
                           Timestamp now);

// The log entry after `event` was handled: call it after a successful send (`sent` = true) and
// after a kSkipResolvedNotWanted (`sent` = false, so the next firing counts as new). `now` is
// the send time. Skips for duplicates / out-of-order events must not update the log.
NotifyLogEntry NextLogEntry(const std::optional<NotifyLogEntry>& entry,
                            const model::NotifyEvent& event, std::string_view channel, bool sent,
                            Timestamp now);

}  // namespace secplat::core::notify

#endif  // SECPLAT_CORE_NOTIFY_DEDUP_H_
