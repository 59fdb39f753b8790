// Route handlers: parse -> call ApiService -> encode. One Register function per resource.
#ifndef SECPLAT_SERVICES_API_HANDLERS_HANDLERS_H_
#define SECPLAT_SERVICES_API_HANDLERS_HANDLERS_H_

#include <string>
#include <string_view>

#include "core/common/result.h"
#include "jobqueue/job_queue.h"
#include "services/api/api_service.h"
#include "services/api/api_types.h"
#include "services/api/router.h"

namespace secplat::services::api::handlers {

struct Deps {
  ApiService& service;
  size_t max_batch;
};

// The queue (null when this process has none) and its backend name ("redis", "embedded").
struct QueueDeps {
  jobqueue::JobQueue* queue = nullptr;
  std::string backend;
};

void RegisterAssetRoutes(Router& router, Deps deps);
void RegisterFindingRoutes(Router& router, Deps deps);
void RegisterEventRoutes(Router& router, Deps deps);
void RegisterScanRoutes(Router& router, Deps deps);
void RegisterAdminRoutes(Router& router, Deps deps);
void RegisterQueueRoutes(Router& router, Deps deps, QueueDeps queue);
// Posture (GET list/detail, PUT by the deriver, due list) and finding counts.
void RegisterPostureRoutes(Router& router, Deps deps);
// Notifications: the viewer's "why" view and channel health, and the notifier's state (notify
// log, deliveries, routing records, channel health) for the service role.
void RegisterNotificationRoutes(Router& router, Deps deps);

// Shared helpers for handlers.
CallMeta Meta(const RequestContext& ctx);
ApiResponse Json(int status, std::string body);
ApiResponse Fail(const Error& error, const RequestContext& ctx);
// Reads ?limit= (default 100, 1..1000) and ?cursor=. Errors: kInvalidArgument.
Result<ports::store::PageRequest> PageFrom(const RequestContext& ctx);
// The single value of query parameter `name`, if present. Errors: kInvalidArgument if repeated.
Result<std::optional<std::string>> QueryParam(const RequestContext& ctx, const std::string& name);
// Rejects query parameters not in `allowed` (typos must not silently widen a filter).
Status OnlyParams(const RequestContext& ctx, std::initializer_list<std::string_view> allowed);
std::string NextCursor(int64_t next_after);

}  // namespace secplat::services::api::handlers

#endif  // SECPLAT_SERVICES_API_HANDLERS_HANDLERS_H_
