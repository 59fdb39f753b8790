#include "adapters/api_client/http_platform.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "adapters/http/client.h"
#include "adapters/json/codec.h"
#include "adapters/json/notification_codec.h"
#include "adapters/json/posture_codec.h"
#include "core/common/status_map.h"

namespace secplat::adapters::api_client {

namespace json = adapters::json;
using core::model::Asset;
using core::model::ScanJob;

namespace {

constexpr size_t kMaxIdleClients = 32;

// Splits encoded items into the bodies of batch requests: prefix + items joined by ',' +
// suffix, at most `max_items` items and (but for a lone oversized item) `max_bytes` bytes.
// Returns the item count of each body, in order.
struct Packed {
  std::string body;
  size_t count = 0;
};
std::vector<Packed> Pack(const std::vector<std::string>& items, std::string_view prefix,
                         std::string_view suffix, size_t max_items, size_t max_bytes) {
  std::vector<Packed> out;
  Packed cur;
  size_t total = prefix.size() + suffix.size();
  for (const std::string& item : items) total += item.size() + 1;
  auto open = [&] {
    // Sized once (batches run to several MB): at most the rest of the items, or max_bytes.
    cur.body.reserve(std::min(total, max_bytes + 1));
    cur.body.assign(prefix);
    cur.count = 0;
  };
  open();
  for (const std::string& item : items) {
    const size_t grown = cur.body.size() + (cur.count > 0 ? 1 : 0) + item.size() + suffix.size();
    if (cur.count > 0 && (cur.count == max_items || grown > max_bytes)) {
      cur.body += suffix;
      out.push_back(std::move(cur));
      open();
    }
    if (cur.count > 0) cur.body += ',';
    cur.body += item;
    ++cur.count;
  }
  if (cur.count > 0) {
    cur.body += suffix;
    out.push_back(std::move(cur));
  }
  return out;
}

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
                                               std::initializer_list<int> ok_statuses,
                                               std::optional<Duration> timeout) {
  http::ClientRequest req;
  req.method = std::string(method);
  req.url = options_.base_url + path;
  req.headers.emplace_back("Authorization", "Bearer " + options_.token);
  if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  req.body = std::move(body);
  req.timeout = timeout.value_or(options_.timeout);
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

// ---- NotificationGateway ---------------------------------------------------------------------

namespace {

using ports::platform::ChannelHealth;
using ports::platform::NotifyLogRecord;
using ports::platform::RoutingRecord;
using ports::platform::StoredDelivery;

Status Required(std::string_view value, std::string_view name) {
  if (!value.empty()) return OkStatus();
  return Unexpected(ErrorCode::kInvalidArgument, std::string(name) + ": must not be empty");
}

std::string NotifyLogPath(std::string_view channel, std::string_view problem_key) {
  return "/api/v1/notify-log/" + EscapeQuery(channel) + "/" + EscapeQuery(problem_key);
}

// "?now=<RFC 3339>&limit=<1..1000>".
std::string DueQuery(Timestamp now, int limit) {
  return "?now=" + EscapeQuery(FormatRfc3339(now)) +
         "&limit=" + std::to_string(std::clamp(limit, 1, 1000));
}

}  // namespace

Result<HttpPlatform::Reply> HttpPlatform::NotifyCall(std::string_view method,
                                                     const std::string& path, std::string body,
                                                     std::initializer_list<int> ok_statuses) {
  auto r = Call(method, path, std::move(body), ok_statuses);
  // Call maps 500 and other 5xx to kInternal; for the notifier they mean "the API cannot
  // answer now": retry later, as for a refused connection.
  if (!r.has_value() && r.error().code == ErrorCode::kInternal)
    return Unexpected(ErrorCode::kUnavailable, r.error().message);
  return r;
}

Result<std::optional<NotifyLogRecord>> HttpPlatform::GetNotifyLog(std::string_view channel,
                                                                  std::string_view problem_key) {
  SECPLAT_RETURN_IF_ERROR(Required(channel, "channel"));
  SECPLAT_RETURN_IF_ERROR(Required(problem_key, "problem_key"));
  SECPLAT_ASSIGN_OR_RETURN(Reply r,
                           NotifyCall("GET", NotifyLogPath(channel, problem_key), "", {200}));
  return json::DecodeNotifyLogReply(r.body);
}

Result<NotifyLogRecord> HttpPlatform::PutNotifyLog(const NotifyLogRecord& record,
                                                   int64_t expected_version) {
  SECPLAT_RETURN_IF_ERROR(Required(record.entry.channel, "channel"));
  SECPLAT_RETURN_IF_ERROR(Required(record.entry.problem_key, "problem_key"));
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r, NotifyCall("PUT", NotifyLogPath(record.entry.channel, record.entry.problem_key),
                          json::EncodeNotifyLogPut(record, expected_version), {200, 201}));
  SECPLAT_ASSIGN_OR_RETURN(auto stored, json::DecodeNotifyLogReply(r.body));
  if (!stored)
    return Unexpected(ErrorCode::kInternal, "PUT /api/v1/notify-log: answer without a record");
  return *std::move(stored);
}

Result<std::vector<NotifyLogRecord>> HttpPlatform::ListRepeatDue(Timestamp now, int limit) {
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r, NotifyCall("GET", "/api/v1/notify-log-due" + DueQuery(now, limit), "", {200}));
  return json::DecodeNotifyLogList(r.body);
}

Result<ports::platform::CreatedDelivery> HttpPlatform::CreateDelivery(
    const StoredDelivery& delivery) {
  SECPLAT_RETURN_IF_ERROR(Required(delivery.record.idempotency_key, "idempotency_key"));
  SECPLAT_ASSIGN_OR_RETURN(Reply r, NotifyCall("POST", "/api/v1/deliveries",
                                               json::EncodeStoredDelivery(delivery), {200, 201}));
  SECPLAT_ASSIGN_OR_RETURN(StoredDelivery stored, json::DecodeDeliveryReply(r.body));
  return ports::platform::CreatedDelivery{std::move(stored), r.status == 201};
}

Result<StoredDelivery> HttpPlatform::PutDelivery(const StoredDelivery& delivery,
                                                 int64_t expected_version) {
  SECPLAT_RETURN_IF_ERROR(Required(delivery.record.idempotency_key, "idempotency_key"));
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r,
      NotifyCall("PUT", "/api/v1/deliveries/" + EscapeQuery(delivery.record.idempotency_key),
                 json::EncodeDeliveryPut(delivery, expected_version), {200}));
  return json::DecodeDeliveryReply(r.body);
}

Result<std::vector<StoredDelivery>> HttpPlatform::ListDueDeliveries(Timestamp now, int limit) {
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r, NotifyCall("GET", "/api/v1/deliveries-due" + DueQuery(now, limit), "", {200}));
  return json::DecodeDeliveryList(r.body);
}

Status HttpPlatform::RecordRouting(const RoutingRecord& record) {
  SECPLAT_RETURN_IF_ERROR(Required(record.event_id, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r,
      NotifyCall("PUT", "/api/v1/notifications/" + EscapeQuery(record.event_id) + "/routing",
                 json::EncodeRoutingRecord(record), {200}));
  (void)r;
  return OkStatus();
}

Status HttpPlatform::SetChannelHealth(const ChannelHealth& health) {
  SECPLAT_RETURN_IF_ERROR(Required(health.channel, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(
      Reply r, NotifyCall("PUT", "/api/v1/notifications/channels/" + EscapeQuery(health.channel),
                          json::EncodeChannelHealth(health), {200}));
  (void)r;
  return OkStatus();
}

Status HttpPlatform::RecordEvents(std::span<const core::model::Envelope> envelopes) {
  if (envelopes.empty()) return OkStatus();
  std::vector<std::string> items;
  items.reserve(envelopes.size());
  for (const auto& e : envelopes) items.push_back(json::EncodeEnvelope(e));
  for (Packed& p : Pack(items, "{\"events\":[", "]}", ports::platform::kMaxBatchItems,
                        options_.max_request_bytes)) {
    SECPLAT_ASSIGN_OR_RETURN(Reply r, Call("POST", "/api/v1/events/batch", std::move(p.body), {200},
                                           options_.batch_timeout));
    (void)r;
  }
  return OkStatus();
}

Result<std::vector<ports::platform::PostureInputs>> HttpPlatform::GetPostureInputs(
    std::span<const std::string> asset_keys) {
  std::vector<ports::platform::PostureInputs> out;
  out.reserve(asset_keys.size());
  constexpr size_t kChunk = ports::platform::kMaxBatchItems;
  for (size_t at = 0; at < asset_keys.size(); at += kChunk) {
    auto part = asset_keys.subspan(at, std::min(kChunk, asset_keys.size() - at));
    SECPLAT_ASSIGN_OR_RETURN(
        Reply r, Call("POST", "/api/v1/posture-batch/get", json::EncodePostureBatchGet(part), {200},
                      options_.batch_timeout));
    SECPLAT_ASSIGN_OR_RETURN(auto items, json::DecodePostureInputs(r.body));
    if (items.size() != part.size())
      return Unexpected(ErrorCode::kInternal,
                        "POST /api/v1/posture-batch/get: " + std::to_string(items.size()) +
                            " items for " + std::to_string(part.size()) + " keys");
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].asset_key != part[i])
        return Unexpected(
            ErrorCode::kInternal,
            "POST /api/v1/posture-batch/get: items out of order at " + std::to_string(i));
      out.push_back(std::move(items[i]));
    }
  }
  return out;
}

Result<std::vector<Result<int64_t>>> HttpPlatform::PutPostureBatch(
    std::span<const ports::platform::PostureWrite> writes) {
  std::vector<std::string> items;
  items.reserve(writes.size());
  for (const auto& w : writes) {
    if (w.record.status.asset_key.empty())
      return Unexpected(ErrorCode::kInvalidArgument,
                        "writes[" + std::to_string(items.size()) + "].status.asset_key: required");
    items.push_back(json::EncodePostureBatchPutItem(w));
  }
  std::vector<Result<int64_t>> out;
  out.reserve(writes.size());
  for (Packed& p : Pack(items, "{\"items\":[", "]}", ports::platform::kMaxBatchItems,
                        options_.max_request_bytes)) {
    auto r = Call("PUT", "/api/v1/posture-batch", std::move(p.body), {200}, options_.batch_timeout);
    if (!r.has_value()) {
      if (p.count == 1 && r.error().code == ErrorCode::kPayloadTooLarge) {
        out.push_back(Unexpected(r.error()));
        continue;
      }
      return Unexpected(r.error());
    }
    SECPLAT_ASSIGN_OR_RETURN(auto outcomes, json::DecodePostureBatchPutResult(r->body, p.count));
    for (auto& o : outcomes) out.push_back(std::move(o));
  }
  return out;
}

Result<HttpPlatform::Reply> HttpPlatform::NotifyBatchCall(std::string_view method,
                                                          const std::string& path,
                                                          std::string body) {
  auto r = Call(method, path, std::move(body), {200}, options_.batch_timeout);
  if (!r.has_value() && r.error().code == ErrorCode::kInternal)
    return Unexpected(ErrorCode::kUnavailable, r.error().message);
  return r;
}

Result<std::vector<Result<StoredDelivery>>> HttpPlatform::PutDeliveries(
    std::span<const ports::platform::DeliveryPut> items) {
  std::vector<std::string> encoded;
  encoded.reserve(items.size());
  for (const auto& item : items) {
    if (item.delivery.record.idempotency_key.empty())
      return Unexpected(ErrorCode::kInvalidArgument, "items[" + std::to_string(encoded.size()) +
                                                         "].delivery.idempotency_key: required");
    encoded.push_back(json::EncodeDeliveryPutBatchItem(item));
  }
  std::vector<Result<StoredDelivery>> out;
  out.reserve(items.size());
  size_t at = 0;  // the first item of the current request
  for (Packed& p : Pack(encoded, "{\"items\":[", "]}", ports::platform::kMaxNotifyBatchItems,
                        options_.max_request_bytes)) {
    SECPLAT_ASSIGN_OR_RETURN(Reply r,
                             NotifyBatchCall("PUT", "/api/v1/deliveries/batch", std::move(p.body)));
    SECPLAT_ASSIGN_OR_RETURN(
        auto outcomes, json::DecodeDeliveryPutBatchResult(r.body, items.subspan(at, p.count)));
    at += p.count;
    for (auto& o : outcomes) out.push_back(std::move(o));
  }
  return out;
}

Result<std::vector<std::optional<NotifyLogRecord>>> HttpPlatform::GetNotifyLogs(
    std::span<const ports::platform::NotifyLogKey> keys) {
  std::vector<std::optional<NotifyLogRecord>> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    SECPLAT_RETURN_IF_ERROR(Required(k.channel, "channel"));
    SECPLAT_RETURN_IF_ERROR(Required(k.problem_key, "problem_key"));
  }
  constexpr size_t kChunk = ports::platform::kMaxNotifyBatchItems;
  for (size_t at = 0; at < keys.size(); at += kChunk) {
    auto part = keys.subspan(at, std::min(kChunk, keys.size() - at));
    SECPLAT_ASSIGN_OR_RETURN(Reply r, NotifyBatchCall("POST", "/api/v1/notify-log/batch-get",
                                                      json::EncodeNotifyLogBatchGet(part)));
    SECPLAT_ASSIGN_OR_RETURN(auto records,
                             json::DecodeNotifyLogBatchGetResult(r.body, part.size()));
    for (auto& rec : records) out.push_back(std::move(rec));
  }
  return out;
}

Result<std::vector<Result<ports::platform::EventNotificationsResult>>>
HttpPlatform::RecordEventNotifications(
    std::span<const ports::platform::EventNotifications> events) {
  std::vector<std::string> encoded;
  encoded.reserve(events.size());
  for (const auto& e : events) {
    if (e.routing.event_id.empty())
      return Unexpected(ErrorCode::kInvalidArgument, "events[" + std::to_string(encoded.size()) +
                                                         "].routing.event_id: required");
    encoded.push_back(json::EncodeEventNotificationsItem(e));
  }
  std::vector<Result<ports::platform::EventNotificationsResult>> out;
  out.reserve(events.size());
  size_t at = 0;
  for (Packed& p : Pack(encoded, "{\"events\":[", "]}", ports::platform::kMaxNotifyBatchItems,
                        options_.max_request_bytes)) {
    SECPLAT_ASSIGN_OR_RETURN(
        Reply r, NotifyBatchCall("POST", "/api/v1/notifications/batch", std::move(p.body)));
    SECPLAT_ASSIGN_OR_RETURN(
        auto outcomes, json::DecodeEventNotificationsResult(r.body, events.subspan(at, p.count)));
    at += p.count;
    for (auto& o : outcomes) out.push_back(std::move(o));
  }
  return out;
}

}  // namespace secplat::adapters::api_client
