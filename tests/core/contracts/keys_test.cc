#include "core/contracts/keys.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/contracts/sha256.h"
#include "core/model/finding.h"

namespace secplat::core::contracts {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct LocationCase {
  const char* why;
  std::string in;
  std::string out;
};

// Verifies every normalisation rule of NormaliseLocation (documented in keys.h and
// docs/contracts/idempotency-keys.md), one row per rule and edge.
TEST(NormaliseLocation, FollowsTheDocumentedRules) {
  const std::vector<LocationCase> cases = {
      // Verifies empty and blank locations normalise to empty.
      {"empty", "", ""},
      {"blank", " \t\r\n", ""},
      // Verifies header names are trimmed and lower-cased.
      {"header name", "  Strict-Transport-Security ", "strict-transport-security"},
      {"header name with tab", "\tX-Frame-Options\n", "x-frame-options"},
      // Verifies TLS versions and ports are tokens and lower-cased.
      {"tls version", "TLSv1.0", "tlsv1.0"},
      {"port", " 443 ", "443"},
      // Verifies paths drop query and fragment, collapse slashes, drop a trailing slash.
      {"path query", "/admin/login?next=/home", "/admin/login"},
      {"path fragment", "/docs#section-2", "/docs"},
      {"path double slashes", "//admin///users//", "/admin/users"},
      {"path trailing slash", "/admin/", "/admin"},
      {"root path", "/", "/"},
      {"root with query", "/?q=1", "/"},
      {"slashes only", "///", "/"},
      {"path keeps case", "/Admin/Login", "/Admin/Login"},
      // Verifies URLs lower-case scheme and host, drop userinfo and default ports.
      {"url", "HTTPS://Example.COM/Admin/?a=1#top", "https://example.com/Admin"},
      {"url without path", "https://example.com", "https://example.com/"},
      {"url default https port", "https://example.com:443/x", "https://example.com/x"},
      {"url default http port", "http://example.com:80/x", "http://example.com/x"},
      {"url other port kept", "https://example.com:8443/x", "https://example.com:8443/x"},
      {"url http on 443 kept", "http://example.com:443/", "http://example.com:443/"},
      {"url userinfo dropped", "https://user:pw@Example.com/", "https://example.com/"},
      {"url query only", "https://example.com?x=1", "https://example.com/"},
      {"url double slashes", "https://example.com//a//b/", "https://example.com/a/b"},
      // Verifies anything else is only trimmed.
      {"free text", "  cipher TLS_RSA_WITH_RC4_128_SHA on port 443 ",
       "cipher TLS_RSA_WITH_RC4_128_SHA on port 443"},
      {"host:port", "Example.com:8443", "Example.com:8443"},
      {"non-ascii", " Zertifikat läuft ab ", "Zertifikat läuft ab"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(NormaliseLocation(c.in), c.out) << c.why;
    // Verifies normalising twice changes nothing.
    EXPECT_EQ(NormaliseLocation(NormaliseLocation(c.in)), c.out) << c.why << " (idempotent)";
  }
}

// Verifies the worked example of docs/contracts/idempotency-keys.md.
TEST(DeriveFindingKey, MatchesTheDocumentedWorkedExample) {
  EXPECT_EQ(Sha256Hex("web-1\x1ftls_headers\x1fhsts_missing\x1fstrict-transport-security"),
            "1aa02491227baf4077ac91268acd1205fa4ee3dba1e3cf2f910c7d2bba6cea22");
  EXPECT_EQ(DeriveFindingKey("web-1", "tls_headers", "hsts_missing", "Strict-Transport-Security"),
            "f_1aa02491227baf4077ac91268acd1205");
}

// Verifies the key is "f_" + 32 lower-case hex characters and the same on every call.
TEST(DeriveFindingKey, IsDeterministicAndWellFormed) {
  std::string k = DeriveFindingKey("db-01", "web_exposure", "open_port", "5432");
  EXPECT_EQ(k, DeriveFindingKey("db-01", "web_exposure", "open_port", "5432"));
  ASSERT_EQ(k.size(), 34u);
  EXPECT_EQ(k.substr(0, 2), "f_");
  for (char c : k.substr(2)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << k;
}

// Verifies observations that differ only in volatile fields (title, severity, category,
// evidence, time) get one key, since only identity fields feed the hash.
TEST(DeriveFindingKey, IgnoresVolatileFields) {
  model::FindingObservation a{.asset_key = "web-1",
                              .source = "tls_headers",
                              .check_id = "cert_expiring",
                              .location = "443",
                              .category = "tls",
                              .title = "Certificate expires in 29 days",
                              .severity = model::Severity::kMedium,
                              .evidence_json = R"({"days_left":29})"};
  model::FindingObservation b = a;
  b.title = "Certificate expires in 3 days";
  b.severity = model::Severity::kHigh;
  b.category = "certificates";
  b.evidence_json = R"({"days_left":3})";
  b.observed_at = FromUnixMillis(1764358200123);
  EXPECT_EQ(DeriveFindingKey(a.asset_key, a.source, a.check_id, a.location),
            DeriveFindingKey(b.asset_key, b.source, b.check_id, b.location));
}

// Verifies equivalent spellings of a location give one key and identity fields split keys.
TEST(DeriveFindingKey, NormalisesLocationButSeparatesIdentities) {
  std::string k = DeriveFindingKey("web-1", "web_exposure", "admin_panel", "/admin/");
  EXPECT_EQ(k, DeriveFindingKey("web-1", "web_exposure", "admin_panel", " //admin?from=scan"));
  EXPECT_NE(k, DeriveFindingKey("web-2", "web_exposure", "admin_panel", "/admin"));
  EXPECT_NE(k, DeriveFindingKey("web-1", "tls_headers", "admin_panel", "/admin"));
  EXPECT_NE(k, DeriveFindingKey("web-1", "web_exposure", "login_panel", "/admin"));
  EXPECT_NE(k, DeriveFindingKey("web-1", "web_exposure", "admin_panel", "/Admin"));
}

// Verifies the 0x1F separator keeps shifted field boundaries apart ("ab"+"c" vs "a"+"bc").
TEST(DeriveFindingKey, SeparatorPreventsBoundaryCollisions) {
  EXPECT_NE(DeriveFindingKey("ab", "c", "x", ""), DeriveFindingKey("a", "bc", "x", ""));
}

// Verifies the worked example of docs/contracts/idempotency-keys.md: 2025-11-28T19:30:00.123Z is
// unix second 1764358200; hourly buckets: floor(1764358200 / 3600) = 490099.
TEST(ScanIdempotencyKey, MatchesTheDocumentedWorkedExample) {
  Timestamp now = FromUnixMillis(1764358200123);
  EXPECT_EQ(FormatRfc3339(now), "2025-11-28T19:30:00.123Z");
  EXPECT_EQ(PeriodBucket(now, hours(1)), 490099);
  EXPECT_EQ(ScanIdempotencyKey("tls_headers", "web-1", now, hours(1)), "tls_headers+web-1+490099");
  EXPECT_TRUE(IsValidIdempotencyKey("tls_headers+web-1+490099"));
}

// Verifies requests inside one period share a key and the next period starts a new one.
TEST(ScanIdempotencyKey, ChangesExactlyAtPeriodBoundaries) {
  Timestamp start = FromUnixMillis(490099LL * 3600 * 1000);  // 2025-11-28T19:00:00Z
  Timestamp last_ms = start + hours(1) - milliseconds(1);
  EXPECT_EQ(ScanIdempotencyKey("health_http", "a", start, hours(1)), "health_http+a+490099");
  EXPECT_EQ(ScanIdempotencyKey("health_http", "a", last_ms, hours(1)), "health_http+a+490099");
  EXPECT_EQ(ScanIdempotencyKey("health_http", "a", start + hours(1), hours(1)),
            "health_http+a+490100");
}

// Verifies times before 1970 floor towards minus infinity, and sub-second intervals count as 1 s.
TEST(ScanIdempotencyKey, FloorsNegativeTimesAndClampsTinyIntervals) {
  EXPECT_EQ(PeriodBucket(FromUnixMillis(-1), seconds(60)), -1);
  EXPECT_EQ(PeriodBucket(FromUnixMillis(-60000), seconds(60)), -1);
  EXPECT_EQ(PeriodBucket(FromUnixMillis(-60001), seconds(60)), -2);
  EXPECT_EQ(PeriodBucket(FromUnixMillis(5999), milliseconds(0)), 5);
  EXPECT_EQ(PeriodBucket(FromUnixMillis(5999), milliseconds(1500)), 5);
}

// Verifies the caller-supplied idempotency key rule.
TEST(IsValidIdempotencyKey, AcceptsKeyAlphabetOnly) {
  EXPECT_TRUE(IsValidIdempotencyKey("deploy-2025-11-28.1"));
  EXPECT_TRUE(IsValidIdempotencyKey(std::string(256, 'k')));
  EXPECT_FALSE(IsValidIdempotencyKey(""));
  EXPECT_FALSE(IsValidIdempotencyKey(std::string(257, 'k')));
  EXPECT_FALSE(IsValidIdempotencyKey("+leading-plus"));
  EXPECT_FALSE(IsValidIdempotencyKey("has space"));
  EXPECT_FALSE(IsValidIdempotencyKey("slash/key"));
}

}  // namespace
}  // namespace secplat::core::contracts
