// Encodings the notification channels share: base64 and HMAC-SHA256 (OpenSSL), form
// percent-encoding (application/x-www-form-urlencoded), URL query encoding, and UTF-8-safe
// truncation with an ellipsis.
//
//   EXPECT_EQ(FormEncode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
//   EXPECT_EQ(TruncateUtf8("héllo", 3), "hé…");  // 3 code points: 'h', 'é', '…'
#ifndef SECPLAT_ADAPTERS_NOTIFY_ENCODING_H_
#define SECPLAT_ADAPTERS_NOTIFY_ENCODING_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"

namespace secplat::adapters::notify {

// Standard base64 with padding.
std::string Base64Encode(std::string_view bytes);
// Decodes standard base64 (padding required when the length is not a multiple of 4; no
// whitespace). Errors: kInvalidArgument.
Result<std::string> Base64Decode(std::string_view text);

// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// application/x-www-form-urlencoded for one name or value: unreserved bytes (A-Z a-z 0-9 - . _ ~)
// as is, space as '+', every other byte as %XX (upper-case hex).
std::string FormEncode(std::string_view s);
// "k1=v1&k2=v2", each side FormEncode()d, in the given order.
std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields);
// Percent-encoding for a URL query component: like FormEncode but space as %20.
std::string QueryEncode(std::string_view s);

// Number of Unicode code points in `s` (invalid bytes count one each).
size_t CountCodePoints(std::string_view s);
// `s` when it has at most `max_code_points` code points; else its first max_code_points - 1
// code points followed by "…" (U+2026), never cutting a UTF-8 sequence. max_code_points >= 1.
std::string TruncateUtf8(std::string_view s, size_t max_code_points);

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_ENCODING_H_
