// Notification log decisions: new, changed, repeat, resolved, and every skip reason.
#include "core/notify/dedup.h"

#include <gtest/gtest.h>

namespace secplat::core::notify {
namespace {

using model::NotifyEvent;
using model::ProblemStatus;
using model::Severity;
using std::chrono::hours;
using std::chrono::minutes;

const Timestamp kT0 = FromUnixMillis(1764358200000);

NotifyEvent Ev(std::string id, Timestamp ts, ProblemStatus status = ProblemStatus::kFiring,
               Severity sev = Severity::kHigh, std::string state = "down") {
  NotifyEvent e;
  e.event_id = std::move(id);
  e.event_type = "posture.changed";
  e.ts = ts;
  e.asset_key = "web-shop";
  e.severity = sev;
  e.problem_key = "web-shop/health";
  e.status = status;
  e.state = std::move(state);
  return e;
}

const RouteTarget kTarget{
    .channel = "slack-ops", .rule = "r", .repeat_interval = hours(4), .send_resolved = true};

// Verifies a first firing is sent as a new problem, and the same state inside the repeat
// interval is skipped with the next repeat time.
TEST(NeedsNotify, NewThenUnchangedSkipped) {
  NotifyEvent e1 = Ev("e1", kT0);
  NotifyDecision d = NeedsNotify(std::nullopt, e1, kTarget, kT0);
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.reason, NotifyReason::kNewProblem);
  NotifyLogEntry log = NextLogEntry(std::nullopt, e1, "slack-ops", true, kT0);
  d = NeedsNotify(log, Ev("e2", kT0 + minutes(10)), kTarget, kT0 + minutes(10));
  EXPECT_FALSE(d.send);
  EXPECT_EQ(d.reason, NotifyReason::kSkipUnchanged);
  EXPECT_EQ(d.detail, "unchanged; next repeat at 2025-11-28T23:30:00.000Z");
}

// Verifies the repeat interval boundary: just before is skipped, at it is sent.
TEST(NeedsNotify, RepeatDueAtInterval) {
  NotifyLogEntry log = NextLogEntry(std::nullopt, Ev("e1", kT0), "slack-ops", true, kT0);
  const Timestamp before = kT0 + hours(4) - Duration(1);
  EXPECT_FALSE(NeedsNotify(log, Ev("e2", before), kTarget, before).send);
  NotifyDecision d = NeedsNotify(log, Ev("e3", kT0 + hours(4)), kTarget, kT0 + hours(4));
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.reason, NotifyReason::kRepeatDue);
  RouteTarget no_repeat = kTarget;
  no_repeat.repeat_interval = Duration::zero();
  d = NeedsNotify(log, Ev("e4", kT0 + hours(40)), no_repeat, kT0 + hours(40));
  EXPECT_FALSE(d.send);
  EXPECT_EQ(d.detail, "unchanged; repeat is off");
}

// Verifies a severity or state change is sent at once, with the change in the detail.
TEST(NeedsNotify, ChangedSeverityOrState) {
  NotifyLogEntry log = NextLogEntry(std::nullopt, Ev("e1", kT0), "slack-ops", true, kT0);
  NotifyDecision d =
      NeedsNotify(log, Ev("e2", kT0 + minutes(1), ProblemStatus::kFiring, Severity::kCritical),
                  kTarget, kT0 + minutes(1));
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.reason, NotifyReason::kChanged);
  EXPECT_EQ(d.detail, "severity high -> critical");
  d = NeedsNotify(log,
                  Ev("e3", kT0 + minutes(1), ProblemStatus::kFiring, Severity::kHigh, "degraded"),
                  kTarget, kT0 + minutes(1));
  EXPECT_EQ(d.reason, NotifyReason::kChanged);
  EXPECT_EQ(d.detail, "state down -> degraded");
}

// Verifies resolved is sent once after a firing message, then skipped; and a new firing after
// it counts as a new problem.
TEST(NeedsNotify, ResolvedOnceThenNewProblem) {
  NotifyLogEntry log = NextLogEntry(std::nullopt, Ev("e1", kT0), "slack-ops", true, kT0);
  NotifyEvent r = Ev("e2", kT0 + minutes(5), ProblemStatus::kResolved, Severity::kHigh, "up");
  NotifyDecision d = NeedsNotify(log, r, kTarget, kT0 + minutes(5));
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.reason, NotifyReason::kResolved);
  log = NextLogEntry(log, r, "slack-ops", true, kT0 + minutes(5));
  d = NeedsNotify(log, Ev("e3", kT0 + minutes(6), ProblemStatus::kResolved), kTarget,
                  kT0 + minutes(6));
  EXPECT_EQ(d.reason, NotifyReason::kSkipAlreadyResolved);
  d = NeedsNotify(log, Ev("e4", kT0 + minutes(7)), kTarget, kT0 + minutes(7));
  EXPECT_TRUE(d.send);
  EXPECT_EQ(d.reason, NotifyReason::kNewProblem);
  EXPECT_EQ(d.detail, "problem fired again after resolving");
}

// Verifies resolved is not sent when never notified or when the rule does not want it; the
// log still records the resolve so the next firing is new.
TEST(NeedsNotify, ResolvedSkips) {
  NotifyEvent r = Ev("e2", kT0, ProblemStatus::kResolved);
  EXPECT_EQ(NeedsNotify(std::nullopt, r, kTarget, kT0).reason,
            NotifyReason::kSkipResolvedNotNotified);
  RouteTarget quiet = kTarget;
  quiet.send_resolved = false;
  NotifyLogEntry log = NextLogEntry(std::nullopt, Ev("e1", kT0), "slack-ops", true, kT0);
  NotifyDecision d = NeedsNotify(log, Ev("e2", kT0 + minutes(1), ProblemStatus::kResolved), quiet,
                                 kT0 + minutes(1));
  EXPECT_EQ(d.reason, NotifyReason::kSkipResolvedNotWanted);
  EXPECT_EQ(d.detail, "rule 'r' has send_resolved off");
  log = NextLogEntry(log, Ev("e2", kT0 + minutes(1), ProblemStatus::kResolved), "slack-ops", false,
                     kT0 + minutes(1));
  EXPECT_EQ(*log.last_sent_at, kT0);  // not sent: the send time stays
  EXPECT_EQ(NeedsNotify(log, Ev("e3", kT0 + minutes(2)), quiet, kT0 + minutes(2)).reason,
            NotifyReason::kNewProblem);
}

// Verifies a redelivered event and an older event are skipped without a send.
TEST(NeedsNotify, DuplicateAndOutOfOrderSkipped) {
  NotifyLogEntry log =
      NextLogEntry(std::nullopt, Ev("e5", kT0 + minutes(5)), "slack-ops", true, kT0 + minutes(5));
  EXPECT_EQ(NeedsNotify(log, Ev("e5", kT0 + minutes(5)), kTarget, kT0 + hours(9)).reason,
            NotifyReason::kSkipDuplicateEvent);
  NotifyDecision d = NeedsNotify(log, Ev("e4", kT0, ProblemStatus::kResolved), kTarget, kT0);
  EXPECT_EQ(d.reason, NotifyReason::kSkipOutOfOrder);
  EXPECT_FALSE(d.send);
  EXPECT_EQ(NotifyReasonName(d.reason), "skip_out_of_order");
}

}  // namespace
}  // namespace secplat::core::notify
