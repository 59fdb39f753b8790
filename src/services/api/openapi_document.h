// The OpenAPI 3 document (src/services/api/openapi.json), embedded at build time.
#ifndef SECPLAT_SERVICES_API_OPENAPI_DOCUMENT_H_
#define SECPLAT_SERVICES_API_OPENAPI_DOCUMENT_H_

#include <string_view>

namespace secplat::services::api {
extern const std::string_view kOpenApiDocument;
}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_OPENAPI_DOCUMENT_H_
