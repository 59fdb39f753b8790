#include "services/notifier/events.h"

#include <utility>

namespace secplat::services::notifier {
namespace {

using core::model::EventType;
using core::model::NotifyEvent;
using core::model::ProblemStatus;

std::string Get(const std::map<std::string, std::string>& p, std::string_view key) {
  auto it = p.find(std::string(key));
  return it == p.end() ? std::string() : it->second;
}

std::string FirstOf(const std::map<std::string, std::string>& p,
                    std::initializer_list<std::string_view> keys) {
  for (std::string_view k : keys) {
    std::string v = Get(p, k);
    if (!v.empty()) return v;
  }
  return "";
}

Result<NotifyEvent> Posture(NotifyEvent e, const std::map<std::string, std::string>& p) {
  if (e.asset_key.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, "posture.changed: asset_key: required");
  }
  const std::string from = Get(p, "from");
  const std::string to = Get(p, "to");
  if (from.empty()) return Unexpected(ErrorCode::kInvalidArgument, "payload.from: required");
  if (to.empty()) return Unexpected(ErrorCode::kInvalidArgument, "payload.to: required");
  e.problem_key = e.asset_key + "/posture";
  e.status =
      (to == "up" || to == "maintenance") ? ProblemStatus::kResolved : ProblemStatus::kFiring;
  e.state = to;
  const std::string reason_text = Get(p, "reason_text");
  e.summary = "posture " + from + " -> " + to + (reason_text.empty() ? "" : ": " + reason_text);
  for (std::string_view k : {"from", "to", "reason", "score", "grade", "confidence"}) {
    std::string v = Get(p, k);
    if (!v.empty()) e.details.emplace(std::string(k), std::move(v));
  }
  if (e.status == ProblemStatus::kFiring) {
    auto at = ParseRfc3339(Get(p, "at"));
    e.since = at.has_value() ? *at : e.ts;
  }
  return e;
}

NotifyEvent Generic(NotifyEvent e, const core::model::Envelope& env,
                    const std::map<std::string, std::string>& p) {
  std::string key = Get(p, "problem_key");
  if (key.empty()) {
    if (auto id = FirstOf(p, {"incident_id", "incident_key"});
        !id.empty() && e.event_type.rfind("incident.", 0) == 0) {
      key = "incident/" + id;
    } else if (auto fp = FirstOf(p, {"fingerprint", "alert_key"});
               !fp.empty() && env.event_type == EventType::kAlertTriggered) {
      key = "alert/" + fp;
    } else if (auto fk = FirstOf(p, {"finding_key", "key"});
               !fk.empty() && env.event_type == EventType::kFindingCreated) {
      key = (e.asset_key.empty() ? std::string("-") : e.asset_key) + "/finding/" + fk;
    } else {
      key = e.event_type + "/" + e.event_id;
    }
  }
  e.problem_key = std::move(key);
  const std::string status = Get(p, "status");
  e.status =
      (env.event_type == EventType::kIncidentClosed || status == "resolved" || status == "closed")
          ? ProblemStatus::kResolved
          : ProblemStatus::kFiring;
  e.state = FirstOf(p, {"state", "status"});
  if (e.state.empty()) e.state = e.event_type;
  e.summary = FirstOf(p, {"summary", "title", "reason_text", "message"});
  if (e.summary.empty()) e.summary = e.event_type;
  for (std::string_view k : {"incident_id", "fingerprint", "finding_key", "check_id", "title"}) {
    std::string v = Get(p, k);
    if (!v.empty()) e.details.emplace(std::string(k), std::move(v));
  }
  if (e.status == ProblemStatus::kFiring) e.since = e.ts;
  return e;
}

}  // namespace

Result<NotifyEvent> NotifyEventFromEnvelope(const core::model::Envelope& envelope,
                                            const std::map<std::string, std::string>& payload,
                                            std::string_view external_url) {
  NotifyEvent e;
  e.event_id = envelope.event_id;
  e.event_type = std::string(core::model::EventTypeName(envelope.event_type));
  e.ts = envelope.ts;
  e.asset_key = envelope.asset_key;
  e.severity = envelope.severity.value_or(core::model::Severity::kMedium);
  if (!external_url.empty() && !e.asset_key.empty()) {
    std::string base(external_url);
    while (!base.empty() && base.back() == '/') base.pop_back();
    e.link = base + "/assets/" + e.asset_key;
  }
  if (envelope.event_type == EventType::kPostureChanged) return Posture(std::move(e), payload);
  return Generic(std::move(e), envelope, payload);
}

NotifyEvent RepeatEvent(const NotifyEvent& last, Timestamp due) {
  NotifyEvent e = last;
  e.event_id = last.event_id + "/repeat/" + std::to_string(ToUnixMillis(due));
  return e;
}

}  // namespace secplat::services::notifier
