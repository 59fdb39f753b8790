// String names of the model enums: the single place where wire names are spelled.
#include <array>
#include <string_view>
#include <utility>

#include "core/model/asset.h"
#include "core/model/auth.h"
#include "core/model/event.h"
#include "core/model/finding.h"
#include "core/model/name_table.h"
#include "core/model/scan_job.h"

namespace secplat::core::model {
namespace {

using names::NameOf;
using names::ValueOf;

constexpr std::array<std::pair<AssetKind, std::string_view>, 2> kAssetKinds{{
    {AssetKind::kWeb, "web"},
    {AssetKind::kHost, "host"},
}};
constexpr std::array<std::pair<Criticality, std::string_view>, 4> kCriticalities{{
    {Criticality::kLow, "low"},
    {Criticality::kMedium, "medium"},
    {Criticality::kHigh, "high"},
    {Criticality::kCritical, "critical"},
}};
constexpr std::array<std::pair<Severity, std::string_view>, 5> kSeverities{{
    {Severity::kInfo, "info"},
    {Severity::kLow, "low"},
    {Severity::kMedium, "medium"},
    {Severity::kHigh, "high"},
    {Severity::kCritical, "critical"},
}};
constexpr std::array<std::pair<FindingStatus, std::string_view>, 4> kFindingStatuses{{
    {FindingStatus::kOpen, "open"},
    {FindingStatus::kResolved, "resolved"},
    {FindingStatus::kAccepted, "accepted"},
    {FindingStatus::kFalsePositive, "false_positive"},
}};
constexpr std::array<std::pair<ScanJobStatus, std::string_view>, 5> kScanJobStatuses{{
    {ScanJobStatus::kQueued, "queued"},
    {ScanJobStatus::kRunning, "running"},
    {ScanJobStatus::kDone, "done"},
    {ScanJobStatus::kFailed, "failed"},
    {ScanJobStatus::kDead, "dead"},
}};
constexpr std::array<std::pair<EventType, std::string_view>, 12> kEventTypes{{
    {EventType::kScanRequested, "scan.requested"},
    {EventType::kScanCompleted, "scan.completed"},
    {EventType::kScanFailed, "scan.failed"},
    {EventType::kPostureChanged, "posture.changed"},
    {EventType::kFindingCreated, "finding.created"},
    {EventType::kFindingUpdated, "finding.updated"},
    {EventType::kIncidentCreated, "incident.created"},
    {EventType::kIncidentUpdated, "incident.updated"},
    {EventType::kIncidentClosed, "incident.closed"},
    {EventType::kAlertTriggered, "alert.triggered"},
    {EventType::kNotifySent, "notify.sent"},
    {EventType::kNotifyFailed, "notify.failed"},
}};
constexpr std::array<std::pair<Role, std::string_view>, 4> kRoles{{
    {Role::kViewer, "viewer"},
    {Role::kAnalyst, "analyst"},
    {Role::kAdmin, "admin"},
    {Role::kService, "service"},
}};
constexpr std::array<std::string_view, 3> kScanTypes{"health_http", "tls_headers", "web_exposure"};

}  // namespace

std::string_view AssetKindName(AssetKind k) { return NameOf(kAssetKinds, k); }
std::optional<AssetKind> ParseAssetKind(std::string_view s) { return ValueOf(kAssetKinds, s); }
std::string_view CriticalityName(Criticality c) { return NameOf(kCriticalities, c); }
std::optional<Criticality> ParseCriticality(std::string_view s) {
  return ValueOf(kCriticalities, s);
}
std::string_view SeverityName(Severity s) { return NameOf(kSeverities, s); }
std::optional<Severity> ParseSeverity(std::string_view s) { return ValueOf(kSeverities, s); }
std::string_view FindingStatusName(FindingStatus s) { return NameOf(kFindingStatuses, s); }
std::optional<FindingStatus> ParseFindingStatus(std::string_view s) {
  return ValueOf(kFindingStatuses, s);
}
std::string_view ScanJobStatusName(ScanJobStatus s) { return NameOf(kScanJobStatuses, s); }
std::optional<ScanJobStatus> ParseScanJobStatus(std::string_view s) {
  return ValueOf(kScanJobStatuses, s);
}
bool IsKnownScanType(std::string_view scan_type) {
  for (auto t : kScanTypes)
    if (t == scan_type) return true;
  return false;
}
std::string_view EventTypeName(EventType t) { return NameOf(kEventTypes, t); }
std::optional<EventType> ParseEventType(std::string_view s) { return ValueOf(kEventTypes, s); }
std::string_view RoleName(Role r) { return NameOf(kRoles, r); }
std::optional<Role> ParseRole(std::string_view s) { return ValueOf(kRoles, s); }

std::string Actor::Display() const {
  if (token_id.empty()) return name.empty() ? "cli" : name;
  return "token:" + name + "/" + token_id;
}

}  // namespace secplat::core::model
