// How the notifier reads the events it is sent (secplat.events.notify) as NotifyEvents: which
// problem an event is about, whether it is firing or resolved, its state, severity and text.
// Pure: the envelope and its payload's scalar members in, a NotifyEvent out (the asset's labels
// and environment are added by the caller, from the API).
//
//   posture.changed {from: up, to: down, reason_text: "3 consecutive failures ..."} on web-shop
//     -> problem_key "web-shop/posture", firing, state "down", severity from the envelope
//   posture.changed {from: down, to: up}  -> the same problem, resolved
//
//   auto e = NotifyEventFromEnvelope(envelope, payload, "https://secplat.example.com");
//   EXPECT_EQ(e->problem_key, "web-shop/posture");
#ifndef SECPLAT_SERVICES_NOTIFIER_EVENTS_H_
#define SECPLAT_SERVICES_NOTIFIER_EVENTS_H_

#include <map>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/model/event.h"
#include "core/model/notification.h"

namespace secplat::services::notifier {

// Maps one envelope (its payload's scalar members in `payload`) onto a NotifyEvent.
//   posture.changed: problem "<asset>/posture"; `to` up or maintenance resolves it, any other
//     state (down, flapping, stale, pending) fires it with that state; summary from reason_text;
//     details from, to, reason, score, grade, confidence.
//   incident.created|updated|closed, alert.triggered, finding.created: problem from the payload's
//     `problem_key`, else "incident/<incident_id>", "alert/<fingerprint>",
//     "<asset>/finding/<finding_key>", else "<event_type>/<event_id>" (a problem of its own);
//     resolved for incident.closed or payload status "resolved"/"closed".
// `external_url` (may be empty) makes the link "<external_url>/assets/<asset_key>".
// Errors: kInvalidArgument (posture.changed without asset_key, from or to), naming the field.
Result<core::model::NotifyEvent> NotifyEventFromEnvelope(
    const core::model::Envelope& envelope, const std::map<std::string, std::string>& payload,
    std::string_view external_url);

// The repeat of `last` (re-offered because its problem is still open and the repeat interval
// passed): same problem, state and text, id "<last.event_id>/repeat/<due unix ms>", stable for
// one due time so a retried repeat sweep creates no second delivery.
core::model::NotifyEvent RepeatEvent(const core::model::NotifyEvent& last, Timestamp due);

}  // namespace secplat::services::notifier

#endif  // SECPLAT_SERVICES_NOTIFIER_EVENTS_H_
