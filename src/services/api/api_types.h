// The API's own view of an HTTP exchange. The HTTP server adapter converts to and from these,
// so nothing in services/api depends on the server library.
#ifndef SECPLAT_SERVICES_API_API_TYPES_H_
#define SECPLAT_SERVICES_API_API_TYPES_H_

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/time.h"
#include "core/model/auth.h"

namespace secplat::services::api {

struct ApiRequest {
  std::string method;
  std::string path;                                          // not percent-decoded
  std::string query;                                         // raw, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names
  std::string body;
  std::string remote_address;
  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return v;
    return {};
  }
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string asset_key;  // for the log line: the asset this request was about, when known
};

// What a route handler gets: the request plus everything the pipeline established.
struct RequestContext {
  const ApiRequest& request;
  std::string request_id;
  core::model::Actor actor;
  std::map<std::string, std::string> path_params;  // percent-decoded
  std::multimap<std::string, std::string> query;   // percent-decoded
  Timestamp now{};
};

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_API_TYPES_H_
