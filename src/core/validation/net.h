// Host names, IP literals and http(s) URLs as SecPlat accepts them for assets. Strict on
// purpose: what passes here is what scanners will connect to.
//
// From tests/core/validation/net_test.cc:
//   auto u = ParseHttpUrl("https://Example.com:8443/health?x=1");
//   EXPECT_EQ(u->host, "example.com");
//   EXPECT_EQ(u->port, 8443);
//   EXPECT_EQ(ParseHttpUrl("https://user:pw@example.com/").error().message,
//             "url: must not contain userinfo");
#ifndef SECPLAT_CORE_VALIDATION_NET_H_
#define SECPLAT_CORE_VALIDATION_NET_H_

#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat::core::validation {

inline constexpr size_t kMaxHostLength = 253;
inline constexpr size_t kMaxUrlLength = 2048;

// Dotted-quad IPv4, each part 0..255 in decimal without leading zeros ("010.0.0.1" is refused:
// some resolvers read it as octal).
bool IsIpv4Literal(std::string_view s);
// RFC 4291 text form: up to 8 groups of 1..4 hex digits, one "::", an optional trailing dotted
// IPv4. No brackets, no zone index ("%eth0").
bool IsIpv6Literal(std::string_view s);
// 1..253 characters; dot-separated labels of 1..63 characters of [A-Za-z0-9_-], not starting or
// ending with '-'; no trailing dot; the last label is not all digits (that would be a bad IPv4).
bool IsHostname(std::string_view s);
// IsIpv4Literal || IsIpv6Literal || IsHostname.
bool IsValidHost(std::string_view s);

struct HttpUrl {
  std::string scheme;  // "http" or "https", lower-cased
  std::string host;    // lower-cased; IPv6 without brackets
  int port = 0;        // explicit port, or 80 / 443 from the scheme
  bool explicit_port = false;
  std::string path;  // everything after the authority ("" or "/..." / "?..." / "#...")
};

// Parses an absolute http or https URL with a host and without userinfo, at most 2048 bytes of
// printable ASCII. Errors (kInvalidArgument, all naming "url"): "url: must be at most 2048
// characters", "url: must not contain spaces, control or non-ASCII characters", "url: must be an
// absolute http or https URL", "url: must not contain userinfo", "url: host must be a hostname or
// an IP address", "url: port must be between 1 and 65535".
Result<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace secplat::core::validation

#endif  // SECPLAT_CORE_VALIDATION_NET_H_
