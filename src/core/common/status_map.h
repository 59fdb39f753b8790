// The one mapping between ErrorCode and HTTP status, used by the API (errors out) and by
// API clients (statuses back to codes), so a kConflict stays a kConflict across the hop.
#ifndef SECPLAT_CORE_COMMON_STATUS_MAP_H_
#define SECPLAT_CORE_COMMON_STATUS_MAP_H_

#include "core/common/error.h"

namespace secplat {

// kInvalidArgument 400, kUnauthenticated 401, kPermissionDenied 403, kNotFound 404,
// kMethodNotAllowed 405, kRequestTimeout 408, kConflict 409, kPayloadTooLarge 413,
// kUnsupportedMediaType 415, kResourceExhausted 429, kInternal 500, kUnavailable 503,
// kDeadlineExceeded 504.
int HttpStatusFor(ErrorCode code);

// Inverse of HttpStatusFor for error statuses; other 4xx map to kInvalidArgument, other 5xx
// to kInternal (502 to kUnavailable).
ErrorCode ErrorCodeForHttpStatus(int status);

// Retryable HTTP statuses: 408, 425, 429, 503, 504.
bool IsRetryableHttpStatus(int status);

}  // namespace secplat

#endif  // SECPLAT_CORE_COMMON_STATUS_MAP_H_
