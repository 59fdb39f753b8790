// Query-string and path-segment decoding, and opaque pagination cursors.
#ifndef SECPLAT_SERVICES_API_QUERY_H_
#define SECPLAT_SERVICES_API_QUERY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat::services::api {

// Percent-decodes `s` ('+' is a space only when `plus_is_space`). Errors: kInvalidArgument on
// a bad escape or a decoded NUL byte.
Result<std::string> PercentDecode(std::string_view s, bool plus_is_space);

// Splits "a=1&b=x%20y" into decoded pairs. Errors: kInvalidArgument naming the bad parameter.
Result<std::multimap<std::string, std::string>> ParseQuery(std::string_view raw);

// Cursor <-> store keyset position. Cursors look like "c1.<decimal>" base64url-free on purpose:
// opaque to clients by contract, cheap to check here. Errors: kInvalidArgument.
std::string EncodeCursor(int64_t after);
Result<int64_t> DecodeCursor(std::string_view cursor);

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_QUERY_H_
