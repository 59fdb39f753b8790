#include "adapters/api_client/http_platform.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "adapters/http/client.h"
#include "adapters/json/codec.h"
#include "adapters/json/posture_codec.h"
#include "core/common/status_map.h"

namespace secplat::adapters::api_client {

namespace json = adapters::json;
using core::model::Asset;
using core::model::ScanJob;

namespace {

constexpr size_t kMaxIdleClients = 32;

// Query-string escaping for cursors (opaque, but URL-safe is not guaranteed).
std::string EscapeQuery(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

HttpPlatform::HttpPlatform(HttpPlatformOptions options) : options_(std::move(options)) {
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
}

HttpPlatform::~HttpPlatform() = default;

std::unique_ptr<http::HttpClient> HttpPlatform::Borrow() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<http::HttpClient>();
}

void HttpPlatform::Return(std::unique_ptr<http::HttpClient> client) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdleClients) idle_.push_back(std::move(client));
}

Result<HttpPlatform::Reply> HttpPlatform::Call(std::string_view method, const std::string& path,
                                               std::string body,
                                               std::initializer_list<int> ok_statuses) {
  http::ClientRequest req;
  req.method = std::string(method);
  req.url = options_.base_url + path;
  req.headers.emplace_back("Authorization", "Bearer " + options_.token);
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  req.body = std::move(body);
  req.timeout = options_.timeout;
  auto client = Borrow();
  auto resp = client->Send(req);
  if (!resp.has_value()) {
    // Transport errors carry curl's text, never the request headers.
    return Unexpected(resp.error().code,
                      std::string(method) + " " + path + ": " + resp.error().message);
  }
  Return(std::move(client));
  for (int ok : ok_statuses) {
    if (resp->status == ok) return Reply{resp->status, std::move(resp->body)};
  }
  ErrorCode code = ErrorCodeForHttpStatus(resp->status);
  std::string message = "HTTP " + std::to_string(resp->status);
  if (auto err = json::DecodeError(resp->body); err.has_value()) {
    message += " " + err->code + ": " + err->message;
  }
  return Unexpected(code, std::string(method) + " " + path + ": " + message);
}

Result<Asset> HttpPlatform::GetAsset(std::string_view asset_key) {
  SECPLAT_ASSIGN_OR_RETURN(Reply r,
                           Call("GET", "/api/v1/assets/" + EscapeQuery(asset_key), "", {200}));
  return json::DecodeAsset(r.body);
}

Result<ports::platform::AssetPage> HttpPlatform::ListAssets(std::string_view cursor, int limit) {
  std::string path = "/api/v1/assets?limit=" + std::to_string(limit);
  if (!cursor.empty()) path += "&cursor=" + EscapeQuery(cursor);
  SECPLAT_ASSIGN_OR_RETURN(Reply r, Call("GET", path, "", {200}));
  SECPLAT_ASSIGN_OR_RETURN(json::ListPage page, json::DecodeList(r.body));
  ports::platform::AssetPage out;
  out.next_cursor = std::move(page.next_cursor);
  out.items.reserve(page.items.size());
  for (const std::string& item : page.items) {
    SECPLAT_ASSIGN_OR_RETURN(Asset a, json::DecodeAsset(item));
    out.items.push_back(std::move(a));
  }
  return out;
}

Result<ports::platform::ScanRequester::Requested> HttpPlatform::RequestScan(
    std::string_view asset_key, std::string_view scan_type, std::string_view idempotency_key) {
  json::ScanRequest req{std::string(asset_key), std::string(scan_type),
                        std::string(idempotency_key)};
  SECPLAT_ASSIGN_OR_RETURN(Reply r,
                           Call("POST", "/api/v1/scans", json::EncodeScanRequest(req), {200, 201}));
  SECPLAT_ASSIGN_OR_RETURN(ScanJob job, json::DecodeScanJob(r.body));
  return Requested{std::move(job), r.status == 201};
}

Result<ScanJob> HttpPlatform::GetScanJob(int64_t id) {
  SECPLAT_ASSIGN_OR_RETURN(Reply r, Call("GET", "/api/v1/scans/" + std::to_string(id), "", {200}));
  return json::DecodeScanJob(r.body);
}

Result<ScanJob> HttpPlatform::UpdateScanJobStatus(int64_t id, core::model::ScanJobStatus status,
                                                  std::string_view error) {
  json::ScanStatusUpdate u{status, std::string(error.substr(0, 4096))};
  SECPLAT_ASSIGN_OR_RETURN(Reply r, Call("POST", "/api/v1/scans/" + std::to_string(id) + "/status",
                                         json::EncodeScanStatusUpdate(u), {200}));
  return json::DecodeScanJob(r.body);
}

Status HttpPlatform::AppendScanJobLog(int64_t id, std::string_view text) {
  if (text.empty()) return OkStatus();
  // The API takes at most 64 KiB per append.
  constexpr size_t kChunk = 65536;
  for (size_t at = 0; at < text.size(); at += kChunk) {
    SECPLAT_ASSIGN_OR_RETURN(Reply r, Call("POST", "/api/v1/scans/" + std::to_string(id) + "/log",
                                           json::EncodeLogAppend(text.substr(at, kChunk)), {200}));
    (void)r;
  }
  return OkStatus();
}

Status HttpPlatform::RecordFindings(std::span<const core::model::FindingObservation> batch) {
  if (batch.empty()) return OkStatus();
  constexpr size_t kMaxBatch = 1000;
  for (size_t at = 0; at < batch.size(); at += kMaxBatch) {
    auto part = batch.subspan(at, std::min(kMaxBatch, batch.size() - at));
    SECPLAT_ASSIGN_OR_RETURN(
        Reply r, Call("POST", "/api/v1/findings/batch", json::EncodeObservationBatch(part), {200}));
    (void)r;
  }
  return OkStatus();
}

Status HttpPlatform::RecordEvent(const core::model::Envelope& envelope) {
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r, Call("POST", "/api/v1/events", json::EncodeEnvelope(envelope), {200, 201}));
  (void)r;
  return OkStatus();
}

Result<std::optional<ports::platform::PostureRecord>> HttpPlatform::GetPosture(
    std::string_view asset_key) {
  SECPLAT_ASSIGN_OR_RETURN(Reply r,
                           Call("GET", "/api/v1/posture/" + EscapeQuery(asset_key), "", {200}));
  return json::DecodePostureDetail(r.body);
}

Result<ports::platform::PostureRecord> HttpPlatform::PutPosture(
    const ports::platform::PostureRecord& record, int64_t expected_version) {
  // The status names its asset once it has seen a result; a fresh one is named by the first
  // transition or not at all, and then cannot be addressed.
  std::string_view asset_key = record.status.asset_key;
  if (asset_key.empty() && !record.recent_transitions.empty())
    asset_key = record.recent_transitions.back().asset_key;
  if (asset_key.empty())
    return Unexpected(ErrorCode::kInvalidArgument, "status.asset_key: required");
  SECPLAT_ASSIGN_OR_RETURN(Reply r,
                           Call("PUT", "/api/v1/posture/" + EscapeQuery(asset_key),
                                json::EncodePosturePut(record, expected_version), {200, 201}));
  SECPLAT_ASSIGN_OR_RETURN(auto stored, json::DecodePostureDetail(r.body));
  if (!stored)
    return Unexpected(ErrorCode::kInternal, "PUT /api/v1/posture: answer without a status");
  return *std::move(stored);
}

Result<ports::platform::PostureGateway::AssetKeyPage> HttpPlatform::ListPostureDue(
    Timestamp now, std::string_view cursor, int limit) {
  std::string path = "/api/v1/posture-due?at=" + EscapeQuery(FormatRfc3339(now)) +
                     "&limit=" + std::to_string(limit);
  if (!cursor.empty()) path += "&cursor=" + EscapeQuery(cursor);
  SECPLAT_ASSIGN_OR_RETURN(Reply r, Call("GET", path, "", {200}));
  SECPLAT_ASSIGN_OR_RETURN(json::PostureDueList due, json::DecodePostureDue(r.body));
  AssetKeyPage out;
  out.next_cursor = std::move(due.next_cursor);
  out.asset_keys.reserve(due.items.size());
  for (auto& k : due.items) out.asset_keys.push_back(std::move(k.asset_key));
  return out;
}

Result<core::model::OpenFindingCounts> HttpPlatform::CountOpenFindings(std::string_view asset_key) {
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r, Call("GET", "/api/v1/finding-counts?status=open&asset_key=" + EscapeQuery(asset_key),
                    "", {200}));
  SECPLAT_ASSIGN_OR_RETURN(ports::store::FindingCounts c, json::DecodeFindingCounts(r.body));
  auto clamp = [](int64_t v) {
    return static_cast<int>(std::min<int64_t>(v, std::numeric_limits<int>::max()));
  };
  return core::model::OpenFindingCounts{.critical = clamp(c.critical),
                                        .high = clamp(c.high),
                                        .medium = clamp(c.medium),
                                        .low = clamp(c.low),
                                        .info = clamp(c.info)};
}

}  // namespace secplat::adapters::api_client
