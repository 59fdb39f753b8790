// Scan jobs <-> JSON: scan requests, status updates and log appends in; scan jobs out.
#include <cstdint>
#include <string>

#include "adapters/json/codec.h"
#include "adapters/json/internal/reader.h"
#include "core/contracts/envelope.h"
#include "core/contracts/keys.h"
#include "core/validation/text.h"

namespace secplat::adapters::json {
namespace {

using core::model::ScanJob;
using core::model::ScanJobStatus;
using internal::Json;
using internal::ObjectReader;
using internal::OJson;

constexpr std::string_view kJobStatuses = "queued, running, done, failed, dead";
constexpr size_t kMaxErrorChars = 4096;
constexpr size_t kMaxLogAppendBytes = 65536;

}  // namespace

Result<ScanRequest> DecodeScanRequest(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"asset_key", "scan_type", "idempotency_key"}));
  ScanRequest req;
  SECPLAT_ASSIGN_OR_RETURN(req.asset_key, r.RequiredString("asset_key"));
  if (!core::contracts::IsValidAssetKey(req.asset_key))
    return r.Fail("asset_key", "must match " + std::string(core::contracts::kAssetKeyPattern));
  SECPLAT_ASSIGN_OR_RETURN(req.scan_type, r.RequiredString("scan_type"));
  if (!core::model::IsKnownScanType(req.scan_type))
    return r.Fail("scan_type", "must be one of health_http, tls_headers, web_exposure");
  SECPLAT_ASSIGN_OR_RETURN(auto key, r.OptionalString("idempotency_key"));
  if (key) {
    if (!core::contracts::IsValidIdempotencyKey(*key))
      return r.Fail("idempotency_key",
                    "must match " + std::string(core::contracts::kIdempotencyKeyPattern));
    req.idempotency_key = std::move(*key);
  }
  return req;
}

std::string EncodeScanRequest(const ScanRequest& request) {
  OJson o = OJson::object();
  o["asset_key"] = request.asset_key;
  o["scan_type"] = request.scan_type;
  if (!request.idempotency_key.empty()) o["idempotency_key"] = request.idempotency_key;
  return internal::Dump(o);
}

Result<ScanRequestedPayload> DecodeScanRequestedPayload(std::string_view payload_json) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(payload_json));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"asset_key", "idempotency_key", "job_id", "scan_type"}));
  ScanRequestedPayload p;
  SECPLAT_ASSIGN_OR_RETURN(auto id, r.OptionalInt("job_id", 1, INT64_MAX));
  if (!id) return r.Fail("job_id", "is required");
  p.job_id = *id;
  SECPLAT_ASSIGN_OR_RETURN(p.asset_key, r.RequiredString("asset_key"));
  if (!core::contracts::IsValidAssetKey(p.asset_key))
    return r.Fail("asset_key", "must match " + std::string(core::contracts::kAssetKeyPattern));
  SECPLAT_ASSIGN_OR_RETURN(p.scan_type, r.RequiredString("scan_type"));
  if (!core::model::IsKnownScanType(p.scan_type))
    return r.Fail("scan_type", "must be one of health_http, tls_headers, web_exposure");
  SECPLAT_ASSIGN_OR_RETURN(p.idempotency_key, r.RequiredString("idempotency_key"));
  if (!core::contracts::IsValidIdempotencyKey(p.idempotency_key))
    return r.Fail("idempotency_key",
                  "must match " + std::string(core::contracts::kIdempotencyKeyPattern));
  return p;
}

Result<ScanStatusUpdate> DecodeScanStatusUpdate(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"status", "error"}));
  ScanStatusUpdate u;
  SECPLAT_ASSIGN_OR_RETURN(u.status, r.RequiredEnum<ScanJobStatus>(
                                         "status", core::model::ParseScanJobStatus, kJobStatuses));
  SECPLAT_ASSIGN_OR_RETURN(auto error, r.OptionalString("error"));
  u.error = error.value_or("");
  SECPLAT_RETURN_IF_ERROR(core::validation::CheckText("error", u.error, 0, kMaxErrorChars));
  return u;
}

std::string EncodeScanStatusUpdate(const ScanStatusUpdate& update) {
  OJson o = OJson::object();
  o["status"] = std::string(core::model::ScanJobStatusName(update.status));
  if (!update.error.empty()) o["error"] = update.error;
  return internal::Dump(o);
}

Result<std::string> DecodeLogAppend(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"text"}));
  SECPLAT_ASSIGN_OR_RETURN(std::string text, r.RequiredString("text"));
  if (text.empty() || text.size() > kMaxLogAppendBytes)
    return r.Fail("text", "must be 1 to 65536 bytes");
  return text;
}

std::string EncodeLogAppend(std::string_view text) {
  OJson o = OJson::object();
  o["text"] = std::string(text);
  return internal::Dump(o);
}

std::string EncodeScanJob(const ScanJob& j) {
  OJson o = OJson::object();
  o["id"] = j.id;
  o["idempotency_key"] = j.idempotency_key;
  o["scan_type"] = j.scan_type;
  o["asset_key"] = j.asset_key;
  o["status"] = std::string(core::model::ScanJobStatusName(j.status));
  o["attempts"] = j.attempts;
  o["requested_by"] = j.requested_by;
  o["request_id"] = j.request_id;
  o["log_output"] = j.log_output;
  o["last_error"] = j.last_error;
  o["created_at"] = FormatRfc3339(j.created_at);
  o["updated_at"] = FormatRfc3339(j.updated_at);
  o["started_at"] = internal::TimeOrNull(j.started_at);
  o["finished_at"] = internal::TimeOrNull(j.finished_at);
  return internal::Dump(o);
}

Result<ScanJob> DecodeScanJob(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  ScanJob j;
  if (!r.Has("id")) return r.Fail("id", "required");
  SECPLAT_ASSIGN_OR_RETURN(auto id, r.OptionalInt("id", 0, INT64_MAX));
  j.id = *id;
  SECPLAT_ASSIGN_OR_RETURN(j.scan_type, r.RequiredString("scan_type"));
  SECPLAT_ASSIGN_OR_RETURN(j.asset_key, r.RequiredString("asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(j.status, r.RequiredEnum<ScanJobStatus>(
                                         "status", core::model::ParseScanJobStatus, kJobStatuses));
  auto str = [&r](std::string_view key, std::string& out) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(auto v, r.OptionalString(key));
    if (v) out = std::move(*v);
    return OkStatus();
  };
  SECPLAT_RETURN_IF_ERROR(str("idempotency_key", j.idempotency_key));
  SECPLAT_RETURN_IF_ERROR(str("requested_by", j.requested_by));
  SECPLAT_RETURN_IF_ERROR(str("request_id", j.request_id));
  SECPLAT_RETURN_IF_ERROR(str("log_output", j.log_output));
  SECPLAT_RETURN_IF_ERROR(str("last_error", j.last_error));
  SECPLAT_ASSIGN_OR_RETURN(auto attempts, r.OptionalInt("attempts", 0, INT64_MAX));
  j.attempts = attempts.value_or(0);
  auto time = [&r](std::string_view key, Timestamp& out) -> Status {
    SECPLAT_ASSIGN_OR_RETURN(auto t, r.OptionalTimestamp(key));
    if (t) out = *t;
    return OkStatus();
  };
  SECPLAT_RETURN_IF_ERROR(time("created_at", j.created_at));
  SECPLAT_RETURN_IF_ERROR(time("updated_at", j.updated_at));
  auto nullable_time = [&r](std::string_view key, std::optional<Timestamp>& out) -> Status {
    const Json* v = r.Find(key);
    if (v == nullptr || v->is_null()) return OkStatus();
    SECPLAT_ASSIGN_OR_RETURN(out, r.OptionalTimestamp(key));
    return OkStatus();
  };
  SECPLAT_RETURN_IF_ERROR(nullable_time("started_at", j.started_at));
  SECPLAT_RETURN_IF_ERROR(nullable_time("finished_at", j.finished_at));
  return j;
}

}  // namespace secplat::adapters::json
