#include "core/validation/net.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace secplat::core::validation {
namespace {

// Verifies IPv4 literals: four decimal parts 0..255 without leading zeros.
TEST(IsIpv4Literal, AcceptsDottedQuadsOnly) {
  for (const char* ok : {"0.0.0.0", "10.0.4.17", "255.255.255.255", "192.168.1.1"})
    EXPECT_TRUE(IsIpv4Literal(ok)) << ok;
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.", "a.b.c.d",
                          "1..2.3", "1.2.3.4 ", "-1.2.3.4", "1234.1.1.1"})
    EXPECT_FALSE(IsIpv4Literal(bad)) << bad;
}

// Verifies IPv6 literals in RFC 4291 text form, with "::" and an embedded IPv4.
TEST(IsIpv6Literal, AcceptsRfc4291TextForms) {
  for (const char* ok :
       {"::", "::1", "1::", "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "fe80::1", "::ffff:192.0.2.1", "64:ff9b::192.0.2.33", "1:2:3:4:5:6:192.0.2.1",
        "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "ABCD:EF01::"})
    EXPECT_TRUE(IsIpv6Literal(ok)) << ok;
  for (const char* bad : {"", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1",
                          "1:2:3:4:5:6:7", "[::1]", "fe80::1%eth0", "::1.2.3", ":1",
                          "1:", "1:2:3:4:5:6:7:192.0.2.1", "::ffff:256.0.0.1", "1:2:3:4:5:6:7:8::"})
    EXPECT_FALSE(IsIpv6Literal(bad)) << bad;
}

// Verifies hostnames: labels of [A-Za-z0-9_-], no edge dashes, no all-digit last label.
TEST(IsHostname, AcceptsDnsNames) {
  for (const char* ok : {"localhost", "example.com", "db-01.internal", "_srv.example.com", "x",
                         "a1.b2.c3", "123.example.com", "EXAMPLE.COM"})
    EXPECT_TRUE(IsHostname(ok)) << ok;
  std::string label63(63, 'a');
  EXPECT_TRUE(IsHostname(label63 + ".com"));
  EXPECT_FALSE(IsHostname(std::string(64, 'a') + ".com"));
  for (const char* bad : {"", ".", "example.com.", ".example.com", "-a.com", "a-.com", "a..com",
                          "exa mple.com", "10.0.0.256", "1234", "ex*ample.com", "caf\xc3\xa9.com"})
    EXPECT_FALSE(IsHostname(bad)) << bad;
}

// Verifies ParseHttpUrl splits URLs and defaults ports from the scheme.
TEST(ParseHttpUrl, ExtractsSchemeHostPortAndPath) {
  auto u = ParseHttpUrl("https://Example.com:8443/health?x=1");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, 8443);
  EXPECT_TRUE(u->explicit_port);
  EXPECT_EQ(u->path, "/health?x=1");

  auto plain = ParseHttpUrl("HTTP://10.0.4.17");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->scheme, "http");
  EXPECT_EQ(plain->port, 80);
  EXPECT_FALSE(plain->explicit_port);
  EXPECT_EQ(plain->path, "");

  auto v6 = ParseHttpUrl("https://[2001:DB8::1]/");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 443);
  auto v6port = ParseHttpUrl("http://[::1]:8080");
  ASSERT_TRUE(v6port.has_value());
  EXPECT_EQ(v6port->port, 8080);
}

// Verifies each refusal of ParseHttpUrl with its exact message.
TEST(ParseHttpUrl, RejectsWithExactMessages) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"example.com", "url: must be an absolute http or https URL"},
      {"ftp://example.com", "url: must be an absolute http or https URL"},
      {"https://", "url: must be an absolute http or https URL"},
      {"https:///path", "url: must be an absolute http or https URL"},
      {"//example.com", "url: must be an absolute http or https URL"},
      {"https://user@example.com", "url: must not contain userinfo"},
      {"https://user:pw@example.com/", "url: must not contain userinfo"},
      {"https://exa mple.com", "url: must not contain spaces, control or non-ASCII characters"},
      {"https://example.com/\x01", "url: must not contain spaces, control or non-ASCII characters"},
      {"https://b\xc3\xbc"
       "cher.de",
       "url: must not contain spaces, control or non-ASCII characters"},
      {"https://example.com/" + std::string(2029, 'p'), "url: must be at most 2048 characters"},
      {"https://-bad.com", "url: host must be a hostname or an IP address"},
      {"https://[::1", "url: host must be a hostname or an IP address"},
      {"https://[::1]x", "url: host must be a hostname or an IP address"},
      {"https://[example.com]", "url: host must be a hostname or an IP address"},
      {"https://10.0.0.300/", "url: host must be a hostname or an IP address"},
      {"https://example.com:/", "url: port must be between 1 and 65535"},
      {"https://example.com:0/", "url: port must be between 1 and 65535"},
      {"https://example.com:65536/", "url: port must be between 1 and 65535"},
      {"https://example.com:443x/", "url: port must be between 1 and 65535"},
      {"https://example.com:99999999999/", "url: port must be between 1 and 65535"},
  };
  for (const auto& [url, message] : cases) {
    auto r = ParseHttpUrl(url);
    ASSERT_FALSE(r.has_value()) << url;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(r.error().message, message) << url;
  }
  // Verifies the length limit is inclusive.
  EXPECT_TRUE(ParseHttpUrl("https://example.com/" + std::string(2028, 'p')).has_value());
}

}  // namespace
}  // namespace secplat::core::validation
