// Error codes and the Error value carried by Result<T>.
//
// The codes are few and absl-like; each maps to exactly one HTTP status in
// adapters/http/status_map.cc. Add a code only when some caller must branch on it;
// details belong in the message.
//
//   Error e{ErrorCode::kNotFound, "asset 'web-1' not found"};
//   EXPECT_EQ(ErrorCodeName(e.code), "not_found");
#ifndef SECPLAT_CORE_COMMON_ERROR_H_
#define SECPLAT_CORE_COMMON_ERROR_H_

#include <string>
#include <string_view>

namespace secplat {

enum class ErrorCode {
  kInvalidArgument,   // 400: the caller sent something malformed or out of range
  kUnauthenticated,   // 401: no or unknown credentials
  kPermissionDenied,  // 403: known caller, role too low
  kNotFound,          // 404
  kMethodNotAllowed,  // 405: route exists, method does not
  kRequestTimeout,    // 408: the client was too slow sending its request
  kConflict,          // 409: state conflict (duplicate key with different content, bad transition)
  kPayloadTooLarge,   // 413: body above the configured limit
  kUnsupportedMediaType,  // 415: body is not application/json
  kResourceExhausted,     // 429: rate limit or quota
  kInternal,              // 500: a bug on our side
  kUnavailable,           // 503: a dependency (database, queue) is down; retry
  kDeadlineExceeded,      // 504: a dependency did not answer in time; retry
};

// Stable snake_case name used in error responses and logs ("invalid_argument", ...).
std::string_view ErrorCodeName(ErrorCode code);

// True when a client may retry the same request unchanged (408, 429, 503, 504).
bool IsRetryable(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

}  // namespace secplat

#endif  // SECPLAT_CORE_COMMON_ERROR_H_
