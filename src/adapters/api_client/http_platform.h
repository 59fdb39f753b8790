// HttpPlatform: ports/platform over the SecPlat HTTP API with a service token. Thread-safe: it
// keeps a small pool of keep-alive libcurl clients, so several threads can call at once.
//
//   HttpPlatform api({.base_url = "http://127.0.0.1:8080", .token = token});
//   auto asset = api.GetAsset("web-1");
//
// Errors: a transport failure (refused, DNS, timeout) is kUnavailable / kDeadlineExceeded; an
// HTTP error answer maps through core/common/status_map.h (503 → kUnavailable, 409 → kConflict
// ...) with the API's own error message. The token never appears in an error message.
#ifndef SECPLAT_ADAPTERS_API_CLIENT_HTTP_PLATFORM_H_
#define SECPLAT_ADAPTERS_API_CLIENT_HTTP_PLATFORM_H_

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/time.h"
#include "ports/platform/notifications.h"
#include "ports/platform/platform.h"

namespace secplat::adapters::http {
class HttpClient;
}

namespace secplat::adapters::api_client {

struct HttpPlatformOptions {
  std::string base_url;  // e.g. "http://127.0.0.1:8080" (no trailing slash needed)
  std::string token;     // a service-role API token
  Duration timeout = std::chrono::seconds(10);
  // Batch calls (GetPostureInputs, PutPostureBatch, RecordEvents) split their items into
  // requests of at most ports::platform::kMaxBatchItems items and this many body bytes (the
  // api's server.max_body_bytes, 1 MiB by default), each with batch_timeout.
  size_t max_request_bytes = 1'048'576;
  Duration batch_timeout = std::chrono::seconds(60);
};

class HttpPlatform final : public ports::platform::AssetSource,
                           public ports::platform::ScanRequester,
                           public ports::platform::ScanReporter,
                           public ports::platform::EventSink,
                           public ports::platform::PostureGateway,
                           public ports::platform::NotificationGateway {
 public:
  explicit HttpPlatform(HttpPlatformOptions options);
  ~HttpPlatform() override;
  HttpPlatform(const HttpPlatform&) = delete;
  HttpPlatform& operator=(const HttpPlatform&) = delete;

  Result<core::model::Asset> GetAsset(std::string_view asset_key) override;
  Result<ports::platform::AssetPage> ListAssets(std::string_view cursor, int limit) override;
  Result<Requested> RequestScan(std::string_view asset_key, std::string_view scan_type,
                                std::string_view idempotency_key) override;
  Result<core::model::ScanJob> GetScanJob(int64_t id) override;
  Result<core::model::ScanJob> UpdateScanJobStatus(int64_t id, core::model::ScanJobStatus status,
                                                   std::string_view error) override;
  Status AppendScanJobLog(int64_t id, std::string_view text) override;
  Status RecordFindings(std::span<const core::model::FindingObservation> batch) override;
  Status RecordEvent(const core::model::Envelope& envelope) override;
  // POST /api/v1/events/batch, split by size (max_request_bytes) and count.
  Status RecordEvents(std::span<const core::model::Envelope> envelopes) override;
  // PostureGateway: GET/PUT /api/v1/posture/{asset_key}, GET /api/v1/posture-due and
  // GET /api/v1/finding-counts?asset_key=&status=open.
  Result<std::optional<ports::platform::PostureRecord>> GetPosture(
      std::string_view asset_key) override;
  Result<ports::platform::PostureRecord> PutPosture(const ports::platform::PostureRecord& record,
                                                    int64_t expected_version) override;
  Result<AssetKeyPage> ListPostureDue(Timestamp now, std::string_view cursor, int limit) override;
  Result<core::model::OpenFindingCounts> CountOpenFindings(std::string_view asset_key) override;
  // POST /api/v1/posture-batch/get per kMaxBatchItems keys.
  Result<std::vector<ports::platform::PostureInputs>> GetPostureInputs(
      std::span<const std::string> asset_keys) override;
  // PUT /api/v1/posture-batch, split by size and count; a write too large for a request of its
  // own gets that request's error (kPayloadTooLarge) as its outcome.
  Result<std::vector<Result<int64_t>>> PutPostureBatch(
      std::span<const ports::platform::PostureWrite> writes) override;

  // NotificationGateway (service routes of docs/notifier.md): GET/PUT
  // /api/v1/notify-log/{channel}/{problem_key} (both percent-encoded, so '/' in a problem key
  // travels as %2F), GET /api/v1/notify-log-due, POST /api/v1/deliveries, PUT
  // /api/v1/deliveries/{key}, GET /api/v1/deliveries-due, PUT
  // /api/v1/notifications/{event_id}/routing and PUT /api/v1/notifications/channels/{channel}.
  // 409 is kConflict, 404 kNotFound, 400 kInvalidArgument; every 5xx but 504 (and a transport
  // failure) is kUnavailable, so the notifier retries later; 504 is kDeadlineExceeded. Empty
  // keys are kInvalidArgument before any request.
  Result<std::optional<ports::platform::NotifyLogRecord>> GetNotifyLog(
      std::string_view channel, std::string_view problem_key) override;
  Result<ports::platform::NotifyLogRecord> PutNotifyLog(
      const ports::platform::NotifyLogRecord& record, int64_t expected_version) override;
  Result<std::vector<ports::platform::NotifyLogRecord>> ListRepeatDue(Timestamp now,
                                                                      int limit) override;
  Result<ports::platform::CreatedDelivery> CreateDelivery(
      const ports::platform::StoredDelivery& delivery) override;
  Result<ports::platform::StoredDelivery> PutDelivery(
      const ports::platform::StoredDelivery& delivery, int64_t expected_version) override;
  Result<std::vector<ports::platform::StoredDelivery>> ListDueDeliveries(Timestamp now,
                                                                         int limit) override;
  Status RecordRouting(const ports::platform::RoutingRecord& record) override;
  Status SetChannelHealth(const ports::platform::ChannelHealth& health) override;
  // The notifier's batches: PUT /api/v1/deliveries/batch, POST /api/v1/notify-log/batch-get
  // and POST /api/v1/notifications/batch, split by size (max_request_bytes) and count
  // (kMaxNotifyBatchItems), with batch_timeout; errors of a whole request as above.
  Result<std::vector<Result<ports::platform::StoredDelivery>>> PutDeliveries(
      std::span<const ports::platform::DeliveryPut> items) override;
  Result<std::vector<std::optional<ports::platform::NotifyLogRecord>>> GetNotifyLogs(
      std::span<const ports::platform::NotifyLogKey> keys) override;
  Result<std::vector<Result<ports::platform::EventNotificationsResult>>> RecordEventNotifications(
      std::span<const ports::platform::EventNotifications> events) override;

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  // Sends one request; an HTTP error status becomes an Error. `ok_statuses` lists the
  // statuses that count as success.
  Result<Reply> Call(std::string_view method, const std::string& path, std::string body,
                     std::initializer_list<int> ok_statuses,
                     std::optional<Duration> timeout = std::nullopt);
  // Call for the notification routes: a 5xx other than 504 is kUnavailable (retry later).
  Result<Reply> NotifyCall(std::string_view method, const std::string& path, std::string body,
                           std::initializer_list<int> ok_statuses);
  // NotifyCall for the batch routes (batch_timeout).
  Result<Reply> NotifyBatchCall(std::string_view method, const std::string& path, std::string body);
  std::unique_ptr<http::HttpClient> Borrow();
  void Return(std::unique_ptr<http::HttpClient> client);

  HttpPlatformOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<http::HttpClient>> idle_;
};

}  // namespace secplat::adapters::api_client

#endif  // SECPLAT_ADAPTERS_API_CLIENT_HTTP_PLATFORM_H_
