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
#include "ports/platform/platform.h"

namespace secplat::adapters::http {
class HttpClient;
}

namespace secplat::adapters::api_client {

struct HttpPlatformOptions {
  std::string base_url;  // e.g. "http://127.0.0.1:8080" (no trailing slash needed)
  std::string token;     // a service-role API token
  Duration timeout = std::chrono::seconds(10);
};

class HttpPlatform final : public ports::platform::AssetSource,
                           public ports::platform::ScanRequester,
                           public ports::platform::ScanReporter,
                           public ports::platform::EventSink,
                           public ports::platform::PostureGateway {
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
  // PostureGateway: GET/PUT /api/v1/posture/{asset_key}, GET /api/v1/posture-due and
  // GET /api/v1/finding-counts?asset_key=&status=open.
  Result<std::optional<ports::platform::PostureRecord>> GetPosture(
      std::string_view asset_key) override;
  Result<ports::platform::PostureRecord> PutPosture(const ports::platform::PostureRecord& record,
                                                    int64_t expected_version) override;
  Result<AssetKeyPage> ListPostureDue(Timestamp now, std::string_view cursor, int limit) override;
  Result<core::model::OpenFindingCounts> CountOpenFindings(std::string_view asset_key) override;

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  // Sends one request; an HTTP error status becomes an Error. `ok_statuses` lists the
  // statuses that count as success.
  Result<Reply> Call(std::string_view method, const std::string& path, std::string body,
                     std::initializer_list<int> ok_statuses);
  std::unique_ptr<http::HttpClient> Borrow();
  void Return(std::unique_ptr<http::HttpClient> client);

  HttpPlatformOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<http::HttpClient>> idle_;
};

}  // namespace secplat::adapters::api_client

#endif  // SECPLAT_ADAPTERS_API_CLIENT_HTTP_PLATFORM_H_
