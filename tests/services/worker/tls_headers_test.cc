// ScanTlsHeaders over a FakeProber: exact facts and findings, stable keys, failure outcomes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/contracts/keys.h"
#include "services/worker/scanners/scanner.h"
#include "tests/support/fake_prober.h"

namespace secplat::services::worker {
namespace {

using core::model::CertificateInfo;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::ScanOutcome;
using core::model::ScanResult;
using core::model::Severity;
using core::model::TlsHandshakeResult;
using core::model::TlsSessionInfo;
using core::model::TlsVersion;
using secplat::testing::FakeProber;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Timestamp kNow = FromUnixMillis(1764358200000);       // 2025-11-28T19:30:00Z
const Timestamp kNotAfter = FromUnixMillis(1772220600000);  // kNow + 91 days

CertificateInfo Leaf() {
  return CertificateInfo{.subject = "CN=site.test,O=SecPlat Test",
                         .issuer = "CN=SecPlat Test CA,O=SecPlat Test",
                         .dns_sans = {"site.test"},
                         .ip_sans = {"127.0.0.1"},
                         .serial_hex = "1001",
                         .sha256_fingerprint = "aa11",
                         .not_before = kNow - std::chrono::days(1),
                         .not_after = kNotAfter,
                         .key_type = "RSA",
                         .key_bits = 2048,
                         .signature_algorithm = "sha256WithRSAEncryption"};
}

TlsSessionInfo Session(TlsVersion v, std::string cipher, CertificateInfo leaf = Leaf()) {
  return TlsSessionInfo{.version = v,
                        .cipher = std::move(cipher),
                        .chain = {std::move(leaf)},
                        .chain_trusted = true,
                        .hostname_match = true};
}

TlsHandshakeResult Accepted(TlsVersion v, std::string cipher) {
  return {.remote_ip = "127.0.0.1", .session = Session(v, std::move(cipher))};
}
TlsHandshakeResult Refused() {
  return {.error = ProbeError::kTlsHandshake, .error_detail = "alert"};
}

const std::vector<std::pair<std::string, std::string>> kGoodHeaders = {
    {"server", "nginx"},
    {"strict-transport-security", "max-age=31536000; includeSubDomains"},
    {"content-security-policy", "default-src 'self'; frame-ancestors 'none'"},
    {"x-frame-options", "DENY"},
    {"x-content-type-options", "nosniff"},
    {"referrer-policy", "no-referrer"},
    {"permissions-policy", "camera=()"},
    {"set-cookie", "sid=1; Secure; HttpOnly; SameSite=Strict"}};

// A modern site on 443 with every header right and an HTTP -> HTTPS redirect.
void ScriptGoodSite(FakeProber& p, const std::string& host = "site.test", int port = 443) {
  p.tls[{host, port, "TLSv1.0"}] = Refused();
  p.tls[{host, port, "TLSv1.1"}] = Refused();
  p.tls[{host, port, "TLSv1.2"}] = Accepted(TlsVersion::kTls12, "ECDHE-RSA-AES256-GCM-SHA384");
  p.tls[{host, port, "TLSv1.3"}] = Accepted(TlsVersion::kTls13, "TLS_AES_256_GCM_SHA384");
  std::string url = "https://" + host + (port == 443 ? "" : ":" + std::to_string(port)) + "/";
  p.http[url] = HttpProbeResult{.status = 200,
                                .http_version = "1.1",
                                .headers = kGoodHeaders,
                                .remote_ip = "127.0.0.1",
                                .tls = Session(TlsVersion::kTls13, "TLS_AES_256_GCM_SHA384")};
  p.http["http://" + host + "/"] =
      HttpProbeResult{.status = 301, .headers = {{"location", "https://" + host + "/"}}};
}

ScanInput Input(std::string url, Timestamp now = kNow) {
  ScanInput in;
  in.asset.asset_key = "web-1";
  in.asset.url = std::move(url);
  in.scan_type = "tls_headers";
  in.now = now;
  return in;
}

ScanResult RunScan(FakeProber& prober, const ScanInput& in) {
  ScanContext ctx{.prober = prober, .now = [&in] { return in.now + std::chrono::seconds(1); }};
  std::optional<ScanResult> out;
  StartTask(ScanTlsHeaders(in, ctx), [&out](ScanResult r) { out = std::move(r); });
  EXPECT_TRUE(out.has_value());
  return out.value_or(ScanResult{});
}

std::vector<std::string> FindingIds(const ScanResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.check_id + "@" + f.location);
  return out;
}

TEST(ScanTlsHeaders, GoodSiteExactFacts) {
  FakeProber prober;
  ScriptGoodSite(prober);
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted) << r.error_code;
  EXPECT_EQ(r.scan_type, "tls_headers");
  EXPECT_EQ(r.asset_key, "web-1");
  EXPECT_EQ(r.started_at, kNow);
  EXPECT_EQ(r.finished_at, kNow + std::chrono::seconds(1));
  EXPECT_THAT(r.findings, IsEmpty());
  EXPECT_EQ(core::model::FactsToJson(r.facts),
            R"({"tls.accepted_versions":["TLSv1.2","TLSv1.3"],)"
            R"("tls.cipher.TLSv1.2":"ECDHE-RSA-AES256-GCM-SHA384",)"
            R"("tls.cipher.TLSv1.3":"TLS_AES_256_GCM_SHA384",)"
            R"("tls.cert.subject":"CN=site.test,O=SecPlat Test",)"
            R"("tls.cert.issuer":"CN=SecPlat Test CA,O=SecPlat Test",)"
            R"("tls.cert.dns_sans":["site.test"],"tls.cert.ip_sans":["127.0.0.1"],)"
            R"("tls.cert.serial":"1001","tls.cert.sha256_fingerprint":"aa11",)"
            R"("tls.cert.not_before":"2025-11-27T19:30:00.000Z",)"
            R"("tls.cert.not_after":"2026-02-27T19:30:00.000Z","tls.cert.days_left":91,)"
            R"("tls.cert.key_type":"RSA","tls.cert.key_bits":2048,)"
            R"("tls.cert.signature_algorithm":"sha256WithRSAEncryption",)"
            R"("tls.cert.self_signed":false,"tls.cert.trusted":true,"tls.cert.verify_error":"",)"
            R"("tls.cert.hostname_match":true,"tls.chain_length":1,)"
            R"("tls.grade":"A","tls.score":97,"tls.grade_reasons":[],"tls.grade_reason_texts":[],)"
            R"("http.status":200,"http.final_url":"https://site.test/",)"
            R"("http.redirects_to_https":true,"headers.grade":"A+","headers.score":120,)"
            R"("headers.missing":[],"headers.failed":[]})");
  EXPECT_THAT(
      r.checks_run,
      ElementsAre("tls_version_accepted", "tls_version_missing", "tls_weak_cipher",
                  "tls_no_forward_secrecy", "tls_no_aead", "cert_expired", "cert_not_yet_valid",
                  "cert_expiring", "cert_self_signed", "cert_untrusted", "cert_hostname_mismatch",
                  "cert_weak_key", "cert_weak_signature", "hsts_missing", "hsts_max_age_short",
                  "hsts_no_include_subdomains", "csp_missing", "csp_invalid", "csp_unsafe_inline",
                  "csp_unsafe_eval", "csp_wildcard_source", "frame_options_missing", "xcto_missing",
                  "referrer_policy_missing", "referrer_policy_unsafe", "permissions_policy_missing",
                  "cookie_missing_secure", "cookie_missing_httponly", "cookie_missing_samesite",
                  "version_disclosure", "http_redirect_missing"));
  // Requests: 4 permissive exact-version handshakes, the GET, the plain-HTTP GET.
  ASSERT_EQ(prober.tls_requests.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    const auto& q = prober.tls_requests[i];
    EXPECT_EQ(q.host, "site.test");
    EXPECT_EQ(q.port, 443);
    EXPECT_TRUE(q.tls.permissive);
    EXPECT_EQ(q.tls.exact_version, core::model::kAllTlsVersions[i]);
  }
  ASSERT_EQ(prober.http_requests.size(), 2u);
  EXPECT_EQ(prober.http_requests[0].url, "https://site.test/");
  EXPECT_EQ(prober.http_requests[0].max_redirects, 5);
  EXPECT_FALSE(prober.http_requests[0].tls.permissive);
  EXPECT_FALSE(prober.http_requests[0].tls.exact_version.has_value());
  EXPECT_EQ(prober.http_requests[1].url, "http://site.test/");
  EXPECT_EQ(prober.http_requests[1].max_redirects, 0);
}

// TLS 1.0 on, certificate 10 days from expiry, every header missing, an insecure cookie, a
// disclosed version, no redirect from HTTP.
void ScriptBadSite(FakeProber& p) {
  CertificateInfo leaf = Leaf();
  leaf.not_after = FromUnixMillis(1765222200000);  // 2025-12-08T19:30:00Z = kNow + 10 days
  p.tls[{"site.test", 443, "TLSv1.0"}] = Accepted(TlsVersion::kTls10, "ECDHE-RSA-AES256-SHA");
  p.tls[{"site.test", 443, "TLSv1.1"}] = Refused();
  p.tls[{"site.test", 443, "TLSv1.2"}] =
      Accepted(TlsVersion::kTls12, "ECDHE-RSA-AES128-GCM-SHA256");
  p.tls[{"site.test", 443, "TLSv1.3"}] = Refused();
  for (auto& [k, v] : p.tls) {
    if (v.session) v.session->chain = {leaf};
  }
  p.http["https://site.test/"] =
      HttpProbeResult{.status = 200,
                      .headers = {{"server", "nginx/1.22.1"}, {"set-cookie", "sid=abc123; Path=/"}},
                      .tls = Session(TlsVersion::kTls12, "ECDHE-RSA-AES128-GCM-SHA256", leaf)};
  p.http["http://site.test/"] = HttpProbeResult{.status = 200};
}

TEST(ScanTlsHeaders, BadSiteFindings) {
  FakeProber prober;
  ScriptBadSite(prober);
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_THAT(
      FindingIds(r),
      ElementsAre("tls_version_accepted@TLSv1.0", "tls_version_missing@TLSv1.3",
                  "cert_expiring@leaf:14d", "hsts_missing@strict-transport-security",
                  "csp_missing@content-security-policy", "frame_options_missing@x-frame-options",
                  "xcto_missing@x-content-type-options", "referrer_policy_missing@referrer-policy",
                  "permissions_policy_missing@permissions-policy", "cookie_missing_secure@sid",
                  "cookie_missing_httponly@sid", "cookie_missing_samesite@sid",
                  "version_disclosure@server"));
  const auto& expiring = r.findings[2];
  EXPECT_EQ(expiring.title, "Certificate expires within 14 days");
  EXPECT_EQ(expiring.severity, Severity::kHigh);
  EXPECT_EQ(expiring.category, "tls");
  EXPECT_EQ(expiring.source, "tls_headers");
  EXPECT_EQ(expiring.finding_key,
            core::contracts::DeriveFindingKey("web-1", "tls_headers", "cert_expiring", "leaf:14d"));
  EXPECT_EQ(expiring.observed_at, kNow + std::chrono::seconds(1));
  EXPECT_EQ(expiring.evidence_json,
            R"({"subject":"CN=site.test,O=SecPlat Test",)"
            R"("issuer":"CN=SecPlat Test CA,O=SecPlat Test",)"
            R"("not_before":"2025-11-27T19:30:00.000Z","not_after":"2025-12-08T19:30:00.000Z",)"
            R"("days_left":10,"sha256_fingerprint":"aa11"})");
  const auto& cookie = r.findings[9];
  EXPECT_EQ(cookie.severity, Severity::kHigh);  // a session cookie without Secure
  EXPECT_EQ(cookie.category, "headers");
  EXPECT_EQ(cookie.evidence_json,
            R"({"cookie":"sid","present":true,"observed":"sid=abc123; Path=/",)"
            R"("reason":"Secure missing: sent over plain HTTP"})");
  EXPECT_EQ(r.findings[3].evidence_json,
            R"({"header":"strict-transport-security","present":false,"observed":"",)"
            R"("reason":"no Strict-Transport-Security header"})");
  // Facts that summarise it.
  auto fact = [&r](std::string_view name) -> const core::model::FactValue* {
    for (const auto& f : r.facts) {
      if (f.name == name) return &f.value;
    }
    return nullptr;
  };
  ASSERT_NE(fact("tls.grade"), nullptr);
  EXPECT_EQ(std::get<std::string>(*fact("tls.grade")), "B");
  EXPECT_THAT(std::get<std::vector<std::string>>(*fact("tls.grade_reasons")),
              ElementsAre("tls10_offered"));
  EXPECT_THAT(std::get<std::vector<std::string>>(*fact("tls.grade_reason_texts")),
              ElementsAre("TLSv1.0 offered (caps at B)"));
  EXPECT_EQ(std::get<std::string>(*fact("headers.grade")), "F");
  EXPECT_EQ(std::get<bool>(*fact("http.redirects_to_https")), false);
  EXPECT_THAT(std::get<std::vector<std::string>>(*fact("headers.missing")),
              ElementsAre("strict-transport-security", "content-security-policy", "x-frame-options",
                          "x-content-type-options", "referrer-policy", "permissions-policy"));
  EXPECT_EQ(std::get<int64_t>(*fact("tls.cert.days_left")), 10);
}

TEST(ScanTlsHeaders, KeysStableAcrossRunsAtDifferentTimes) {
  FakeProber prober;
  ScriptBadSite(prober);
  ScanResult a = RunScan(prober, Input("https://site.test/", kNow));
  ScanResult b = RunScan(prober, Input("https://site.test/", kNow + std::chrono::hours(30)));
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (size_t i = 0; i < a.findings.size(); ++i) {
    EXPECT_EQ(a.findings[i].finding_key, b.findings[i].finding_key);
    EXPECT_EQ(a.findings[i].title, b.findings[i].title);
  }
  // Only the evidence moves (days_left 10 -> 8).
  EXPECT_NE(a.findings[2].evidence_json, b.findings[2].evidence_json);
  EXPECT_NE(b.findings[2].evidence_json.find(R"("days_left":8)"), std::string::npos);
  // Keys are unique within a run.
  std::set<std::string> keys;
  for (const auto& f : a.findings) keys.insert(f.finding_key);
  EXPECT_EQ(keys.size(), a.findings.size());
  // Crossing the next threshold gives a new key (a new, more severe finding).
  ScanResult c = RunScan(prober, Input("https://site.test/", kNow + std::chrono::days(4)));
  EXPECT_EQ(c.findings[2].location, "leaf:7d");
  EXPECT_EQ(c.findings[2].severity, Severity::kCritical);
  EXPECT_NE(c.findings[2].finding_key, a.findings[2].finding_key);
}

TEST(ScanTlsHeaders, ExpiredCertificateIsFAndCritical) {
  FakeProber prober;
  ScriptGoodSite(prober);
  ScanResult r = RunScan(prober, Input("https://site.test/", kNotAfter + std::chrono::days(2)));
  EXPECT_THAT(FindingIds(r), ElementsAre("cert_expired@leaf"));
  EXPECT_EQ(r.findings[0].severity, Severity::kCritical);
  bool graded_f = false;
  for (const auto& f : r.facts) {
    if (f.name == "tls.grade") graded_f = std::get<std::string>(f.value) == "F";
  }
  EXPECT_TRUE(graded_f);
}

TEST(ScanTlsHeaders, NonDefaultPortSkipsThePlainHttpCheck) {
  FakeProber prober;
  ScriptGoodSite(prober, "site.test", 8443);
  ScanResult r = RunScan(prober, Input("https://site.test:8443/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_EQ(prober.tls_requests[0].port, 8443);
  ASSERT_EQ(prober.http_requests.size(), 1u);
  for (const auto& f : r.facts) EXPECT_NE(f.name, "http.redirects_to_https");
}

TEST(ScanTlsHeaders, NotHttpsAndNoUrlFail) {
  FakeProber prober;
  ScanResult r = RunScan(prober, Input("http://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "not_https");
  EXPECT_THAT(r.findings, IsEmpty());
  EXPECT_THAT(r.checks_run, IsEmpty());
  EXPECT_THAT(prober.tls_requests, IsEmpty());
  EXPECT_EQ(RunScan(prober, Input("")).error_code, "no_url");
  for (const char* bad : {"site.test", "https://", "https://site.test:99999/", "https://[::1/",
                          "https://site.test:x/"}) {
    EXPECT_EQ(RunScan(prober, Input(bad)).error_code, "invalid_url") << bad;
  }
}

TEST(ScanTlsHeaders, EveryHandshakeRefusedAtTransportLevelFails) {
  FakeProber prober;
  for (const char* v : {"TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"}) {
    prober.tls[{"site.test", 443, v}] = {.error = ProbeError::kConnectRefused};
  }
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "connect_refused");
  EXPECT_THAT(r.facts, IsEmpty());
  EXPECT_THAT(r.findings, IsEmpty());
  EXPECT_THAT(prober.http_requests, IsEmpty());
}

TEST(ScanTlsHeaders, NothingAcceptedAndSomeProbeUnsureFailsWithItsCode) {
  FakeProber prober;
  prober.tls[{"site.test", 443, "TLSv1.0"}] = Refused();
  prober.tls[{"site.test", 443, "TLSv1.1"}] = Refused();
  prober.tls[{"site.test", 443, "TLSv1.2"}] = {.error = ProbeError::kConnectTimeout};
  prober.tls[{"site.test", 443, "TLSv1.3"}] = {.error = ProbeError::kProbeError};
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "connect_timeout");
  EXPECT_EQ(r.error_message, "no TLS handshake completed with site.test:443");
  EXPECT_THAT(r.facts, IsEmpty());
  EXPECT_THAT(r.checks_run, IsEmpty());
}

TEST(ScanTlsHeaders, NoVersionAcceptedFails) {
  FakeProber prober;  // unscripted handshakes answer kTlsHandshake
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "tls_handshake");
  EXPECT_THAT(r.findings, IsEmpty());
}

TEST(ScanTlsHeaders, BlockedByPolicyFailsAtOnce) {
  FakeProber prober;
  prober.tls[{"meta.test", 443, "TLSv1.0"}] = {.error = ProbeError::kBlockedByPolicy,
                                               .error_detail = "169.254.169.254 is link-local"};
  ScanResult r = RunScan(prober, Input("https://meta.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "blocked_by_policy");
  EXPECT_NE(r.error_message.find("link-local"), std::string::npos);
  EXPECT_EQ(prober.tls_requests.size(), 1u);

  FakeProber p2;
  ScriptGoodSite(p2);
  p2.http["https://site.test/"] = {.error = ProbeError::kBlockedByPolicy};
  ScanResult r2 = RunScan(p2, Input("https://site.test/"));
  EXPECT_EQ(r2.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r2.error_code, "blocked_by_policy");
  EXPECT_THAT(r2.findings, IsEmpty());
}

TEST(ScanTlsHeaders, PartialVersionDataIsNotGraded) {
  FakeProber prober;
  ScriptGoodSite(prober);
  prober.tls[{"site.test", 443, "TLSv1.1"}] = {.error = ProbeError::kConnectTimeout};
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted);
  bool absent = false;
  for (const auto& f : r.facts) {
    EXPECT_NE(f.name, "tls.grade");
    if (f.name == "tls.grade_absent_reason") {
      absent = true;
      EXPECT_EQ(std::get<std::string>(f.value),
                "incomplete: the TLSv1.1 probe could not tell (connect_timeout)");
    }
  }
  EXPECT_TRUE(absent);
  EXPECT_THAT(r.findings, IsEmpty());
  EXPECT_THAT(r.log, ::testing::Contains("TLSv1.1: unknown (connect_timeout)"));
}

TEST(ScanTlsHeaders, DefaultGetRefusedRetriesPermissivelyAndUsesHandshakeChain) {
  FakeProber prober;
  ScriptGoodSite(prober);
  // A scripted answer is per URL, so the retry gets the same result: script the failure, then
  // check the chain falls back to the handshakes and the retry was permissive.
  prober.http["https://site.test/"] = {.error = ProbeError::kTlsHandshake};
  prober.tls[{"site.test", 443, "TLSv1.3"}].session->chain[0].key_bits = 1024;
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted);
  ASSERT_EQ(prober.http_requests.size(), 2u);
  EXPECT_FALSE(prober.http_requests[0].tls.permissive);
  EXPECT_TRUE(prober.http_requests[1].tls.permissive);
  EXPECT_THAT(FindingIds(r), ElementsAre("cert_weak_key@leaf"));
  bool headers_error = false;
  for (const auto& f : r.facts) {
    if (f.name == "headers.error") {
      headers_error = std::get<std::string>(f.value) == "tls_handshake";
    }
    if (f.name == "tls.cert.key_bits") {
      EXPECT_EQ(std::get<int64_t>(f.value), 1024);
    }
    if (f.name == "tls.grade") {
      EXPECT_EQ(std::get<std::string>(f.value), "F");
    }
  }
  EXPECT_TRUE(headers_error);
  // Header checks did not run: they are not claimed in checks_run.
  EXPECT_THAT(r.checks_run, ::testing::Not(::testing::Contains("hsts_missing")));
}

TEST(ScanTlsHeaders, RedirectToAnotherHostKeepsTheAssetsChain) {
  FakeProber prober;
  ScriptGoodSite(prober);
  auto& resp = prober.http["https://site.test/"];
  resp.hops = {{.url = "https://site.test/", .status = 302, .location = "https://cdn.test/"}};
  resp.final_url = "https://cdn.test/";
  resp.tls->chain[0].subject = "CN=cdn.test";
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  for (const auto& f : r.facts) {
    if (f.name == "tls.cert.subject") {
      EXPECT_EQ(std::get<std::string>(f.value), "CN=site.test,O=SecPlat Test");
    }
    if (f.name == "http.final_url") {
      EXPECT_EQ(std::get<std::string>(f.value), "https://cdn.test/");
    }
  }
}

TEST(ScanTlsHeaders, SameJobTwiceGivesTheSameResult) {
  FakeProber prober;
  ScriptBadSite(prober);
  ScanResult a = RunScan(prober, Input("https://site.test/"));
  ScanResult b = RunScan(prober, Input("https://site.test/"));
  EXPECT_EQ(core::model::FactsToJson(a.facts), core::model::FactsToJson(b.facts));
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (size_t i = 0; i < a.findings.size(); ++i) {
    EXPECT_EQ(a.findings[i].finding_key, b.findings[i].finding_key);
    EXPECT_EQ(a.findings[i].evidence_json, b.findings[i].evidence_json);
    EXPECT_EQ(a.findings[i].observed_at, b.findings[i].observed_at);
  }
  EXPECT_EQ(a.log, b.log);
}

}  // namespace
}  // namespace secplat::services::worker
