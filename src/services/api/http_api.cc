#include "services/api/http_api.h"

#include <chrono>
#include <exception>
#include <vector>

#include "adapters/json/codec.h"
#include "adapters/system/crypto.h"
#include "core/common/status_map.h"
#include "core/contracts/envelope.h"
#include "log/logger.h"
#include "services/api/handlers/handlers.h"
#include "services/api/openapi_document.h"
#include "services/api/query.h"

namespace secplat::services::api {
namespace {

constexpr std::string_view kRequestsTotal = "secplat_http_requests_total";
constexpr std::string_view kRequestDuration = "secplat_http_request_duration_seconds";

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool IsJsonMediaType(std::string_view ct) {
  // "application/json" optionally followed by parameters ("; charset=utf-8").
  if (!StartsWithNoCase(ct, "application/json")) return false;
  return ct.size() == 16 || ct[16] == ';' || ct[16] == ' ';
}

}  // namespace

ApiResponse ErrorResponse(const Error& error, std::string_view request_id) {
  ApiResponse r;
  r.status = HttpStatusFor(error.code);
  std::string message = error.message;
  if (error.code == ErrorCode::kMethodNotAllowed) {
    // The router reports the allowed methods as the message; they become the Allow header.
    r.headers.emplace_back("Allow", error.message);
    message = "method not allowed; allowed: " + error.message;
  }
  if (error.code == ErrorCode::kUnauthenticated)
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"secplat\"");
  // A dependency (store, queue) is down: tell clients when to come back (RFC 9110 §10.2.3)
  // rather than leaving them to retry at once.
  if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
  r.body = adapters::json::EncodeError(ErrorCodeName(error.code), message, IsRetryable(error.code),
                                       request_id);
  return r;
}

namespace {
ApiResponse WithRetryAfter(ApiResponse r, Duration retry_after) {
  if (retry_after.count() <= 0) return r;
  std::erase_if(r.headers, [](const auto& h) { return h.first == "Retry-After"; });
  r.headers.emplace_back(
      "Retry-After", std::to_string(std::chrono::ceil<std::chrono::seconds>(retry_after).count()));
  return r;
}
}  // namespace

HttpApi::HttpApi(ports::store::Store& store, ports::Metrics& metrics, const Clock& clock,
                 ApiOptions options)
    : store_(store),
      metrics_(metrics),
      clock_(clock),
      options_(options),
      service_(store),
      queue_metrics_(metrics),
      limiter_(options.failed_auth) {
  handlers::Deps deps{service_, options_.max_batch};
  handlers::RegisterAssetRoutes(router_, deps);
  handlers::RegisterFindingRoutes(router_, deps);
  handlers::RegisterEventRoutes(router_, deps);
  handlers::RegisterScanRoutes(router_, deps);
  handlers::RegisterAdminRoutes(router_, deps);
  handlers::RegisterQueueRoutes(router_, deps, {options_.queue, options_.queue_backend});
  handlers::RegisterPostureRoutes(router_, deps);
  handlers::RegisterNotificationRoutes(router_, deps);
}

std::string_view HttpApi::OpenApiDocument() { return kOpenApiDocument; }

Result<core::model::Actor> HttpApi::Authenticate(const ApiRequest& request) {
  std::string_view auth = request.Header("authorization");
  if (auth.empty())
    return Unexpected(ErrorCode::kUnauthenticated, "missing Authorization: Bearer <token>");
  if (!StartsWithNoCase(auth, "bearer "))
    return Unexpected(ErrorCode::kUnauthenticated, "Authorization must use the Bearer scheme");
  std::string_view presented = auth.substr(7);
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  // One message for every failure below, so the response is no oracle for which part was wrong.
  const Unexpected invalid(ErrorCode::kUnauthenticated, "invalid or revoked token");
  auto parts = adapters::system::SplitApiToken(presented);
  if (!parts) return invalid;
  auto token = store_.FindToken(parts->id);
  if (!token) {
    if (token.error().code == ErrorCode::kNotFound) return invalid;
    return Unexpected(token.error());
  }
  std::string presented_hash = adapters::system::Sha256Hex(parts->secret);
  if (!adapters::system::ConstantTimeEquals(presented_hash, token->secret_hash)) return invalid;
  if (token->revoked_at) return invalid;
  return core::model::Actor{token->id, token->name, token->role};
}

namespace {
// "ip:port" -> "ip" (IPv6 addresses keep their colons; only the last one is the port's).
std::string_view ClientAddress(std::string_view remote) {
  auto colon = remote.rfind(':');
  return colon == std::string_view::npos ? remote : remote.substr(0, colon);
}
}  // namespace

Result<core::model::Actor> HttpApi::AuthenticateLimited(const ApiRequest& request, Timestamp now,
                                                        Duration* retry_after) {
  std::string address(ClientAddress(request.remote_address));
  {
    std::lock_guard lock(limiter_mu_);
    *retry_after = limiter_.RetryAfter(address, now);
  }
  if (retry_after->count() > 0) {
    metrics_.CounterAdd("secplat_auth_throttled_total",
                        "Requests refused because their address failed authentication too often",
                        {});
    return Unexpected(
        ErrorCode::kResourceExhausted,
        "too many failed authentications from this address; retry in " +
            std::to_string(std::chrono::ceil<std::chrono::seconds>(*retry_after).count()) + " s");
  }
  auto actor = Authenticate(request);
  if (!actor && actor.error().code == ErrorCode::kUnauthenticated) {
    metrics_.CounterAdd("secplat_auth_failures_total", "Failed authentications", {});
    std::lock_guard lock(limiter_mu_);
    limiter_.RecordFailure(address, now);
  }
  return actor;
}

ApiResponse HttpApi::Dispatch(const ApiRequest& request, const std::string& request_id,
                              std::string* route_label, std::string* actor_label) {
  const Timestamp now = clock_.Now();
  if (request.path == "/healthz") {
    *route_label = "healthz";
    return handlers::Json(200, "{\"status\":\"ok\"}");
  }
  if (request.path == "/readyz") {
    *route_label = "readyz";
    auto ping = store_.Ping();
    if (!ping)
      return ErrorResponse({ErrorCode::kUnavailable, "store: " + ping.error().message}, request_id);
    // The queue is reported, not required: while it is down writes still succeed and their
    // messages wait in the outbox, so the API stays ready ("queue": "unavailable").
    std::string queue = "none";
    if (options_.queue) {
      queue = options_.queue->Stats(jobqueue::kScanStream, jobqueue::kScanGroup).has_value()
                  ? "ok"
                  : "unavailable";
    }
    return handlers::Json(200,
                          "{\"status\":\"ready\",\"store\":\"ok\",\"queue\":\"" + queue + "\"}");
  }
  if (request.path == "/metrics") {
    *route_label = "metrics";
    if (request.method != "GET")
      return ErrorResponse({ErrorCode::kMethodNotAllowed, "GET"}, request_id);
    Duration retry_after{0};
    auto actor = AuthenticateLimited(request, now, &retry_after);
    if (!actor) return WithRetryAfter(ErrorResponse(actor.error(), request_id), retry_after);
    *actor_label = actor->Display();
    if (options_.queue) {
      // Queue series are read at scrape time; a queue outage must not fail the scrape.
      auto report = CollectQueueHealth(*options_.queue, store_);
      metrics_.GaugeSet("secplat_queue_up", "1 when the queue backend answered this scrape", {},
                        report.has_value() ? 1 : 0);
      if (report) queue_metrics_.Export(*report);
    }
    ApiResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics_.RenderText();
    return r;
  }

  auto match = router_.Match(request.method, request.path);
  if (!match) {
    *route_label = "unmatched";
    return ErrorResponse(match.error(), request_id);
  }
  const Route& route = *match->route;
  *route_label = route.operation_id;

  Duration retry_after{0};
  auto actor = AuthenticateLimited(request, now, &retry_after);
  if (!actor) return WithRetryAfter(ErrorResponse(actor.error(), request_id), retry_after);
  *actor_label = actor->Display();
  if (!core::auth::Allows(actor->role, route.permission))
    return ErrorResponse({ErrorCode::kPermissionDenied,
                          "role " + std::string(core::model::RoleName(actor->role)) + " may not " +
                              std::string(core::auth::PermissionName(route.permission))},
                         request_id);

  if (route.has_body && !IsJsonMediaType(request.Header("content-type")))
    return ErrorResponse(
        {ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json"}, request_id);

  auto query = ParseQuery(request.query);
  if (!query) return ErrorResponse(query.error(), request_id);

  RequestContext ctx{request, request_id, *actor, std::move(match->params), std::move(*query), now};
  ApiResponse response = route.handler(ctx);
  if (response.asset_key.empty()) {
    auto it = ctx.path_params.find("asset_key");
    if (it != ctx.path_params.end()) response.asset_key = it->second;
  }
  return response;
}

ApiResponse HttpApi::Handle(const ApiRequest& request) {
  auto started = std::chrono::steady_clock::now();
  std::string_view offered = request.Header("x-request-id");
  std::string request_id = core::contracts::IsValidRequestId(offered)
                               ? std::string(offered)
                               : adapters::system::NewUuidV4();
  std::string route_label = "unknown";
  std::string actor_label;
  ApiResponse response;
  try {
    response = Dispatch(request, request_id, &route_label, &actor_label);
  } catch (const std::exception& e) {
    // A bug, contained: the request fails, the server lives on, and the log says where.
    log::Error("unhandled exception in handler",
               {.request_id = request_id,
                .action = "http.request",
                .status = "500",
                .extra = {{"route", route_label}, {"what", e.what()}}});
    response = ErrorResponse({ErrorCode::kInternal, "internal error"}, request_id);
  }
  response.headers.emplace_back("X-Request-Id", request_id);

  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string status = std::to_string(response.status);
  metrics_.CounterAdd(kRequestsTotal, "HTTP requests by route, method and status",
                      {{"route", route_label}, {"method", request.method}, {"status", status}});
  metrics_.ObserveSeconds(kRequestDuration, "HTTP request latency by route",
                          {{"route", route_label}, {"method", request.method}}, seconds);
  bool quiet = route_label == "healthz" || route_label == "readyz" || route_label == "metrics";
  const log::Level level = quiet
                               ? log::Level::kDebug
                               : (response.status >= 500 ? log::Level::kError : log::Level::kInfo);
  if (log::Enabled(level)) {  // the fields cost allocations; build them only when written
    log::Write(level, "request handled",
               {.request_id = request_id,
                .asset_key = response.asset_key,
                .action = "http.request",
                .status = status,
                .extra = {{"method", request.method},
                          {"route", route_label},
                          {"path", request.path.substr(0, 256)},
                          {"actor", actor_label},
                          {"duration_ms", std::to_string(seconds * 1000.0)}}});
  }
  return response;
}

ApiResponse HttpApi::Reject(int status, std::string_view message, const ApiRequest& partial) {
  std::string_view offered = partial.Header("x-request-id");
  std::string request_id = core::contracts::IsValidRequestId(offered)
                               ? std::string(offered)
                               : adapters::system::NewUuidV4();
  ErrorCode code = ErrorCodeForHttpStatus(status);
  ApiResponse r = ErrorResponse({code, std::string(message)}, request_id);
  r.status = status;  // keep e.g. 431, which has no ErrorCode of its own
  r.headers.emplace_back("X-Request-Id", request_id);
  std::string st = std::to_string(status);
  metrics_.CounterAdd(kRequestsTotal, "HTTP requests by route, method and status",
                      {{"route", "rejected"}, {"method", partial.method}, {"status", st}});
  log::Warn("request rejected by the server",
            {.request_id = request_id,
             .action = "http.request",
             .status = st,
             .extra = {{"reason", std::string(message)}, {"method", partial.method}}});
  return r;
}

}  // namespace secplat::services::api
