#include "core/validation/asset.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace secplat::core::validation {
namespace {

using model::Asset;
using model::AssetKind;

Asset Web() {
  Asset a;
  a.asset_key = "web-shop";
  a.name = "Web shop";
  a.kind = AssetKind::kWeb;
  a.url = "https://shop.example.com/health";
  a.host = "shop.example.com";
  a.port = 443;
  return a;
}

Asset Host() {
  Asset a;
  a.asset_key = "db-01";
  a.name = "Database 01";
  a.kind = AssetKind::kHost;
  a.host = "10.0.4.17";
  a.port = 5432;
  return a;
}

// Verifies fully populated web and host assets are valid.
TEST(ValidateAsset, AcceptsCompleteAssets) {
  Asset w = Web();
  w.labels = {{"team", "payments"}, {"app.kubernetes.io/name", "shop"}};
  w.owner = "payments@example.com";
  w.criticality = model::Criticality::kCritical;
  w.environment = "production";
  w.scan = {{"tls_headers", {.enabled = true, .interval_seconds = 21600}},
            {"health_http", {.enabled = false, .interval_seconds = 0}},
            {"web_exposure", {.enabled = true, .interval_seconds = 604800}}};
  EXPECT_TRUE(ValidateAsset(w).has_value());
  EXPECT_TRUE(ValidateAsset(Host()).has_value());
}

// Verifies the limits themselves are accepted (inclusive bounds).
TEST(ValidateAsset, AcceptsValuesAtTheLimits) {
  Asset a = Host();
  a.asset_key = std::string(128, 'k');
  a.name = std::string(200, 'n');
  a.host = std::string(63, 'h') + "." + std::string(63, 'h') + "." + std::string(63, 'h') + "." +
           std::string(61, 'h');  // 253
  a.port = 65535;
  for (int i = 0; i < 64; ++i) a.labels["k" + std::to_string(i)] = std::string(256, 'v');
  a.labels["k0"].clear();
  for (int i = 0; i < 256; ++i) a.labels["k0"] += "\xc3\xa9";  // 256 characters, 512 bytes
  a.owner = std::string(256, 'o');
  a.environment = std::string(64, 'e');
  a.scan = {{"health_http", {.interval_seconds = 10}}};
  auto s = ValidateAsset(a);
  EXPECT_TRUE(s.has_value()) << s.error().message;
  a.name = std::string(200, 'x');
  a.name.replace(0, 2, "\xc3\xa9");  // 199 characters
  EXPECT_TRUE(ValidateAsset(a).has_value());
}

struct Case {
  const char* why;
  std::function<Asset()> make;
  const char* message;
};

// Verifies every rule with its exact message; the first broken rule is reported.
TEST(ValidateAsset, RejectsEachRuleWithExactMessage) {
  auto web = [](std::function<void(Asset&)> f) {
    return [f] {
      Asset a = Web();
      f(a);
      return a;
    };
  };
  auto host = [](std::function<void(Asset&)> f) {
    return [f] {
      Asset a = Host();
      f(a);
      return a;
    };
  };
  const std::vector<Case> cases = {
      // Verifies asset_key is required and patterned.
      {"empty key", web([](Asset& a) { a.asset_key = ""; }),
       "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      {"key with slash", web([](Asset& a) { a.asset_key = "web/1"; }),
       "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      {"key too long", web([](Asset& a) { a.asset_key = std::string(129, 'k'); }),
       "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      // Verifies name is 1..200 characters of valid UTF-8 without NUL.
      {"empty name", web([](Asset& a) { a.name = ""; }), "name: must be 1 to 200 characters"},
      {"long name", web([](Asset& a) { a.name = std::string(201, 'n'); }),
       "name: must be 1 to 200 characters"},
      {"name bad utf-8", web([](Asset& a) { a.name = "caf\xe9"; }), "name: must be valid UTF-8"},
      {"name with NUL", web([](Asset& a) { a.name = std::string("a\0b", 3); }),
       "name: must not contain NUL characters"},
      // Verifies an out-of-range kind is refused.
      {"bad kind", web([](Asset& a) { a.kind = static_cast<AssetKind>(7); }),
       "kind: must be one of web, host"},
      // Verifies web assets need an absolute http(s) URL with a host and no userinfo.
      {"web without url", web([](Asset& a) { a.url = ""; }), "url: required for web assets"},
      {"ftp url", web([](Asset& a) { a.url = "ftp://example.com/"; }),
       "url: must be an absolute http or https URL"},
      {"relative url", web([](Asset& a) { a.url = "/health"; }),
       "url: must be an absolute http or https URL"},
      {"url without host", web([](Asset& a) { a.url = "https:///health"; }),
       "url: must be an absolute http or https URL"},
      {"url with userinfo", web([](Asset& a) { a.url = "https://admin:pw@example.com/"; }),
       "url: must not contain userinfo"},
      {"url with space", web([](Asset& a) { a.url = "https://example.com/a b"; }),
       "url: must not contain spaces, control or non-ASCII characters"},
      {"url too long",
       web([](Asset& a) { a.url = "https://example.com/" + std::string(2029, 'p'); }),
       "url: must be at most 2048 characters"},
      {"url bad host", web([](Asset& a) { a.url = "https://exa_mple-.com/"; }),
       "url: host must be a hostname or an IP address"},
      {"url bad port", web([](Asset& a) { a.url = "https://example.com:70000/"; }),
       "url: port must be between 1 and 65535"},
      // Verifies host assets need a host that is a hostname or an IP literal.
      {"host without host", host([](Asset& a) { a.host = ""; }), "host: required for host assets"},
      {"bad host", host([](Asset& a) { a.host = "db 01"; }),
       "host: must be a hostname or an IP address (at most 253 characters)"},
      {"host too long", host([](Asset& a) {
         a.host = std::string(63, 'h') + "." + std::string(63, 'h') + "." + std::string(63, 'h') +
                  "." + std::string(62, 'h');
       }),
       "host: must be a hostname or an IP address (at most 253 characters)"},
      {"bad ipv4", host([](Asset& a) { a.host = "10.0.0.256"; }),
       "host: must be a hostname or an IP address (at most 253 characters)"},
      // Verifies port is 0..65535.
      {"negative port", host([](Asset& a) { a.port = -1; }),
       "port: must be an integer between 0 and 65535"},
      {"port too big", host([](Asset& a) { a.port = 65536; }),
       "port: must be an integer between 0 and 65535"},
      // Verifies labels: count, key pattern, value length.
      {"65 labels", host([](Asset& a) {
         for (int i = 0; i < 65; ++i) a.labels["k" + std::to_string(i)] = "v";
       }),
       "labels: must have at most 64 entries"},
      {"label key with space", host([](Asset& a) { a.labels["team name"] = "x"; }),
       "labels[\"team name\"]: key must match ^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$"},
      {"label key leading dot", host([](Asset& a) { a.labels[".team"] = "x"; }),
       "labels[\".team\"]: key must match ^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$"},
      {"label key too long", host([](Asset& a) { a.labels[std::string(64, 'k')] = "x"; }),
       "labels.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: key must match "
       "^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$"},
      {"label value too long", host([](Asset& a) { a.labels["team"] = std::string(257, 'v'); }),
       "labels.team: must be at most 256 characters"},
      // Verifies owner is at most 256 characters.
      {"owner too long", host([](Asset& a) { a.owner = std::string(257, 'o'); }),
       "owner: must be at most 256 characters"},
      // Verifies an out-of-range criticality is refused.
      {"bad criticality",
       host([](Asset& a) { a.criticality = static_cast<model::Criticality>(9); }),
       "criticality: must be one of low, medium, high, critical"},
      // Verifies environment's pattern.
      {"environment with space", host([](Asset& a) { a.environment = "prod eu"; }),
       "environment: must match ^[A-Za-z0-9._-]{0,64}$"},
      {"environment too long", host([](Asset& a) { a.environment = std::string(65, 'e'); }),
       "environment: must match ^[A-Za-z0-9._-]{0,64}$"},
      // Verifies scan settings: known types, interval 0 or 10..604800.
      {"unknown scan type", host([](Asset& a) { a.scan["nmap"] = {}; }),
       "scan.nmap: unknown scan type"},
      {"interval too small",
       host([](Asset& a) { a.scan["health_http"] = {.interval_seconds = 9}; }),
       "scan.health_http.interval_seconds: must be 0 or between 10 and 604800"},
      {"interval too big",
       host([](Asset& a) { a.scan["tls_headers"] = {.interval_seconds = 604801}; }),
       "scan.tls_headers.interval_seconds: must be 0 or between 10 and 604800"},
      {"negative interval",
       host([](Asset& a) { a.scan["web_exposure"] = {.interval_seconds = -5}; }),
       "scan.web_exposure.interval_seconds: must be 0 or between 10 and 604800"},
  };
  for (const auto& c : cases) {
    auto s = ValidateAsset(c.make());
    ASSERT_FALSE(s.has_value()) << c.why;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.why;
    EXPECT_EQ(s.error().message, c.message) << c.why;
  }
}

// Verifies a host asset may carry an optional url, which must then be valid too.
TEST(ValidateAsset, ChecksUrlOnHostAssetsWhenSet) {
  Asset a = Host();
  a.url = "https://db-01.internal:8443/status";
  EXPECT_TRUE(ValidateAsset(a).has_value());
  a.url = "db-01.internal";
  EXPECT_EQ(ValidateAsset(a).error().message, "url: must be an absolute http or https URL");
}

// Verifies label keys follow their documented pattern.
TEST(IsValidLabelKey, FollowsPattern) {
  EXPECT_TRUE(IsValidLabelKey("team"));
  EXPECT_TRUE(IsValidLabelKey("app.kubernetes.io/name"));
  EXPECT_TRUE(IsValidLabelKey(std::string(63, 'k')));
  EXPECT_FALSE(IsValidLabelKey(std::string(64, 'k')));
  EXPECT_FALSE(IsValidLabelKey(""));
  EXPECT_FALSE(IsValidLabelKey("_team"));
  EXPECT_FALSE(IsValidLabelKey("team:x"));
}

// Verifies the example in asset.h's banner.
TEST(ValidateAsset, HeaderExampleHolds) {
  model::Asset a{.asset_key = "web-1",
                 .name = "Web",
                 .kind = model::AssetKind::kWeb,
                 .url = "ftp://example.com/"};
  EXPECT_EQ(ValidateAsset(a).error().message, "url: must be an absolute http or https URL");
}

}  // namespace
}  // namespace secplat::core::validation
