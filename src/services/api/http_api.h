// HttpApi: the request pipeline of `secplat api`. For every request: establish the request id
// (X-Request-Id when well-formed, else a new UUID), route, authenticate the bearer token,
// authorise the route's permission, check the body's media type, run the handler, map errors
// to {"error":{code,message,retryable,request_id}}, echo X-Request-Id, record metrics and log
// one JSON line. Never throws.
//
//   HttpApi api(store, metrics, clock, {});
//   ApiResponse r = api.Handle(request);   // called by the HTTP server on its io threads
#ifndef SECPLAT_SERVICES_API_HTTP_API_H_
#define SECPLAT_SERVICES_API_HTTP_API_H_

#include <mutex>
#include <string>
#include <string_view>

#include "core/auth/failure_limiter.h"
#include "core/common/clock.h"
#include "jobqueue/job_queue.h"
#include "ports/metrics.h"
#include "ports/store/store.h"
#include "services/api/api_service.h"
#include "services/api/api_types.h"
#include "services/api/queue_health.h"
#include "services/api/router.h"

namespace secplat::services::api {

struct ApiOptions {
  size_t max_batch = 1000;              // findings per batch request
  jobqueue::JobQueue* queue = nullptr;  // for /api/v1/queue/... and queue metrics; may be null
  std::string queue_backend;            // "redis" or "embedded", shown in queue health
  core::auth::FailureLimiter::Options failed_auth;  // failed-authentication budget per address
};

class HttpApi {
 public:
  // All references must outlive this object. Thread-safe.
  HttpApi(ports::store::Store& store, ports::Metrics& metrics, const Clock& clock,
          ApiOptions options);

  ApiResponse Handle(const ApiRequest& request);
  // For requests the HTTP server rejects before routing (400/408/413/431/500): the same error
  // body, request id and log line as any other error.
  ApiResponse Reject(int status, std::string_view message, const ApiRequest& partial);

  const Router& router() const { return router_; }
  // The OpenAPI 3 document served at /api/v1/openapi.json (embedded at build time).
  static std::string_view OpenApiDocument();

 private:
  ApiResponse Dispatch(const ApiRequest& request, const std::string& request_id,
                       std::string* route_label, std::string* actor_label);
  Result<core::model::Actor> Authenticate(const ApiRequest& request);
  // Authenticate behind the per-address failure budget: an address out of budget gets
  // kResourceExhausted (429) before its credentials are looked at.
  Result<core::model::Actor> AuthenticateLimited(const ApiRequest& request, Timestamp now,
                                                 Duration* retry_after);

  ports::store::Store& store_;
  ports::Metrics& metrics_;
  const Clock& clock_;
  ApiOptions options_;
  ApiService service_;
  Router router_;
  QueueMetricsExporter queue_metrics_;
  std::mutex limiter_mu_;
  core::auth::FailureLimiter limiter_;
};

// Builds an error response in the standard shape.
ApiResponse ErrorResponse(const Error& error, std::string_view request_id);

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_HTTP_API_H_
