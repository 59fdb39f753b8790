// Router: the API's route table. Each route names its method, path pattern, operation id (the
// OpenAPI operationId) and the permission it needs; the table is the source of truth that
// tests compare with openapi.json.
//
//   router.Add({"GET", "/api/v1/assets/{asset_key}", "getAsset", Permission::kRead, handler});
//   auto m = router.Match("GET", "/api/v1/assets/web-1");  // m->params["asset_key"] == "web-1"
#ifndef SECPLAT_SERVICES_API_ROUTER_H_
#define SECPLAT_SERVICES_API_ROUTER_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/auth/authorize.h"
#include "core/common/result.h"
#include "services/api/api_types.h"

namespace secplat::services::api {

using RouteHandler = std::function<ApiResponse(const RequestContext&)>;

struct Route {
  std::string method;
  std::string pattern;       // "/api/v1/assets/{asset_key}"
  std::string operation_id;  // "getAsset"
  core::auth::Permission permission = core::auth::Permission::kRead;
  RouteHandler handler;
  bool has_body = false;  // POST/PATCH bodies must be application/json
};

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;  // percent-decoded
};

class Router {
 public:
  void Add(Route route);
  // Errors: kNotFound (no pattern matches), kMethodNotAllowed (pattern matches, method does not;
  // the message lists the allowed methods), kInvalidArgument (bad escape in a path segment).
  Result<RouteMatch> Match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_ROUTER_H_
