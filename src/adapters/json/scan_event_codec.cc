// Scan result events -> posture inputs (core::model::CheckResult).
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/reader.h"

namespace secplat::adapters::json {

using core::model::CheckOutcome;
using core::model::CheckResult;
using core::model::EventType;
using internal::Json;

Result<CheckResult> DecodeCheckResult(const core::model::Envelope& event) {
  auto bad = [](std::string what) {
    return Unexpected(ErrorCode::kInvalidArgument, "scan result event: " + std::move(what));
  };
  if (event.event_type != EventType::kScanCompleted && event.event_type != EventType::kScanFailed) {
    return bad("event_type must be scan.completed or scan.failed, got " +
               std::string(core::model::EventTypeName(event.event_type)));
  }
  if (event.asset_key.empty()) return bad("asset_key is missing");
  if (event.payload_json.empty()) return bad("payload is missing");
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(event.payload_json));
  if (!doc.is_object()) return bad("payload must be an object");
  auto scan_type = doc.find("scan_type");
  if (scan_type == doc.end() || !scan_type->is_string() ||
      scan_type->get_ref<const std::string&>().empty()) {
    return bad("payload.scan_type must be a non-empty string");
  }
  CheckResult r;
  r.event_id = event.event_id;
  r.asset_key = event.asset_key;
  r.scan_type = scan_type->get<std::string>();
  r.observed_at = event.ts;
  if (event.event_type == EventType::kScanFailed) {
    r.outcome = CheckOutcome::kProbeError;
    auto code = doc.find("error_code");
    if (code != doc.end() && code->is_string()) r.failure_reason = code->get<std::string>();
    return r;
  }
  auto facts = doc.find("facts");
  if (facts == doc.end() || !facts->is_object()) return bad("payload.facts must be an object");
  if (r.scan_type == "health_http") {
    auto up = facts->find("health.up");
    if (up == facts->end() || !up->is_boolean()) {
      return bad("payload.facts[\"health.up\"] must be true or false");
    }
    r.outcome = up->get<bool>() ? CheckOutcome::kUp : CheckOutcome::kDown;
    auto reason = facts->find("health.failure_reason");
    if (reason != facts->end() && reason->is_string())
      r.failure_reason = reason->get<std::string>();
    return r;
  }
  r.outcome = CheckOutcome::kUp;
  if (r.scan_type == "tls_headers") {
    auto grade = facts->find("tls.grade");
    if (grade != facts->end() && grade->is_string() &&
        !grade->get_ref<const std::string&>().empty()) {
      r.tls_grade = grade->get<std::string>();
    }
  }
  return r;
}

}  // namespace secplat::adapters::json
