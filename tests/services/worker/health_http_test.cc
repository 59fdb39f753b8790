#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "services/worker/scanners/scanner.h"
#include "tests/support/fake_prober.h"

namespace secplat::services::worker {
namespace {

using core::model::CertificateInfo;
using core::model::Fact;
using core::model::FactsToJson;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::ScanOutcome;
using core::model::ScanResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Timestamp kT0 = FromUnixMillis(1764358200000);  // 2025-11-28T19:30:00Z
const Timestamp kT1 = kT0 + std::chrono::milliseconds(250);

ScanResult RunScan(testing::FakeProber& prober, const ScanInput& input) {
  ScanContext ctx{.prober = prober, .now = [] { return kT1; }};
  std::optional<ScanResult> out;
  StartTask(ScanHealthHttp(input, ctx), [&](ScanResult r) { out = std::move(r); });
  EXPECT_TRUE(out.has_value()) << "the fake prober never suspends";
  return out.value_or(ScanResult{});
}

ScanInput Input(std::string url) {
  ScanInput in;
  in.asset.asset_key = "web-1";
  in.asset.url = std::move(url);
  in.scan_type = "health_http";
  in.now = kT0;
  return in;
}

HttpProbeResult Https200() {
  HttpProbeResult r{.status = 200,
                    .http_version = "1.1",
                    .body = "ok",
                    .final_url = "https://site.test/",
                    .remote_ip = "127.0.0.1",
                    .timings = {.dns = Duration(1),
                                .connect = Duration(2),
                                .tls = Duration(3),
                                .first_byte = Duration(4),
                                .transfer = Duration(5),
                                .total = Duration(15)}};
  core::model::TlsSessionInfo tls{.version = core::model::TlsVersion::kTls13,
                                  .cipher = "TLS_AES_256_GCM_SHA384",
                                  .chain_trusted = true,
                                  .hostname_match = true};
  tls.chain.push_back(CertificateInfo{.subject = "CN=site.test",
                                      .not_before = kT0 - std::chrono::days(1),
                                      .not_after = FromUnixMillis(1772236800000)});  // 2026-02-28
  r.tls = tls;
  return r;
}

// Verifies an UP https check: exact facts (phases, certificate), completed, no findings.
TEST(ScanHealthHttp, UpOverHttpsReportsExactFacts) {
  testing::FakeProber prober;
  prober.http["https://site.test/"] = Https200();
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_EQ(r.scan_type, "health_http");
  EXPECT_EQ(r.started_at, kT0);
  EXPECT_EQ(r.finished_at, kT1);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(FactsToJson(r.facts),
            R"({"health.up":true,"health.failure_reason":"none","health.status_code":200,)"
            R"("health.phase.dns_ms":1,"health.phase.connect_ms":2,"health.phase.tls_ms":3,)"
            R"("health.phase.first_byte_ms":4,"health.phase.transfer_ms":5,)"
            R"("health.phase.total_ms":15,"health.remote_ip":"127.0.0.1",)"
            R"("health.http_version":"1.1","health.redirects":0,)"
            R"("health.final_url":"https://site.test/","health.tls_version":"TLSv1.3",)"
            R"("health.tls_cipher":"TLS_AES_256_GCM_SHA384",)"
            R"("health.cert_not_after":"2026-02-28T00:00:00.000Z","health.cert_days_left":91,)"
            R"j("health.cert_trusted":true,"health.conditions":["[CONNECTED] == true (got true)",)j"
            R"j("[CERTIFICATE] valid (got valid, 91 days left)","[STATUS] in 2xx (got 200)"]})j");
  EXPECT_THAT(r.log, ElementsAre("GET https://site.test/ -> 200 from 127.0.0.1 in 15 ms: up"));
}

// Verifies the request carries the options: one attempt, method, timeouts, redirects, caps.
TEST(ScanHealthHttp, SendsOneRequestWithTheOptions) {
  testing::FakeProber prober;
  prober.http["http://site.test/health"] = {.status = 200, .final_url = "http://site.test/health"};
  ScanInput in = Input("http://site.test/health");
  in.options.health.method = "HEAD";
  in.options.health.timeout = std::chrono::seconds(3);
  in.options.health.connect_timeout = std::chrono::seconds(1);
  in.options.health.max_redirects = 2;
  in.options.health.max_body_bytes = 4096;
  ScanResult r = RunScan(prober, in);
  ASSERT_EQ(prober.http_requests.size(), 1u);
  const auto& req = prober.http_requests[0];
  EXPECT_EQ(req.method, "HEAD");
  EXPECT_EQ(req.timeout, std::chrono::seconds(3));
  EXPECT_EQ(req.connect_timeout, std::chrono::seconds(1));
  EXPECT_EQ(req.max_redirects, 2);
  EXPECT_EQ(req.max_body_bytes, 4096);
  EXPECT_FALSE(req.truncate_body_ok);
  EXPECT_THAT(req.headers, ElementsAre(std::pair<std::string, std::string>("User-Agent",
                                                                           "SecPlat-Scanner/0.1")));
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
}

// Verifies DOWN is a completed scan with the reason and the failed condition in the log.
TEST(ScanHealthHttp, DownIsCompletedWithReason) {
  testing::FakeProber prober;
  prober.http["http://site.test/"] = {.status = 503, .final_url = "http://site.test/"};
  ScanInput in = Input("http://site.test/");
  in.options.health.expected_statuses = {200};
  ScanResult r = RunScan(prober, in);
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_THAT(FactsToJson(r.facts),
              HasSubstr(R"({"health.up":false,"health.failure_reason":"http_status",)"
                        R"("health.status_code":503,)"));
  EXPECT_THAT(r.log, ElementsAre("GET http://site.test/ -> 503 in 0 ms: down (http_status)",
                                 "condition failed: [STATUS] in (200) (got 503)"));
}

// Verifies a probe error that is the target's fault is DOWN with the taxonomy code.
TEST(ScanHealthHttp, ConnectRefusedIsDown) {
  testing::FakeProber prober;  // unscripted: connect refused
  ScanResult r = RunScan(prober, Input("http://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_THAT(FactsToJson(r.facts),
              HasSubstr(R"({"health.up":false,"health.failure_reason":"connect_refused",)"
                        R"("health.phase.dns_ms":0)"));
  EXPECT_THAT(r.log[0], HasSubstr("-> connect_refused in 0 ms: down (connect_refused)"));
}

// Verifies expired certificate: DOWN, tls_cert_invalid / cert_expired, trust fact false.
TEST(ScanHealthHttp, ExpiredCertificateIsDown) {
  testing::FakeProber prober;
  HttpProbeResult res = Https200();
  res.tls->chain[0].not_after = kT0 - std::chrono::days(2);
  res.tls->chain_trusted = false;
  res.tls->verify_error = "certificate has expired";
  prober.http["https://site.test/"] = res;
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  std::string json = FactsToJson(r.facts);
  EXPECT_THAT(json, HasSubstr(R"("health.up":false,"health.failure_reason":"tls_cert_invalid",)"
                              R"("health.failure_detail":"cert_expired")"));
  EXPECT_THAT(json, HasSubstr(R"("health.cert_days_left":-2,"health.cert_trusted":false)"));
  EXPECT_TRUE(r.findings.empty()) << "certificate findings belong to tls_headers";
}

// Verifies "could not tell" outcomes: blocked by policy and probe errors are kFailed with the
// prober's reason in the message; never health.up=false.
TEST(ScanHealthHttp, BlockedAndProbeErrorAreFailed) {
  for (ProbeError e : {ProbeError::kBlockedByPolicy, ProbeError::kProbeError}) {
    testing::FakeProber prober;
    prober.http["http://169.254.169.254/"] = {
        .error = e, .error_detail = "address 169.254.169.254 denied by rule link-local"};
    ScanResult r = RunScan(prober, Input("http://169.254.169.254/"));
    EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
    EXPECT_EQ(r.error_code, core::model::ProbeErrorName(e));
    EXPECT_EQ(r.error_message, "GET http://169.254.169.254/: " + r.error_code +
                                   ": address 169.254.169.254 denied by rule link-local");
    EXPECT_EQ(FactsToJson(r.facts), R"({"health.failure_reason":")" + r.error_code + R"("})");
    EXPECT_THAT(r.log, ElementsAre("failed: " + r.error_code + ": " + r.error_message));
  }
}

// Verifies missing URL and invalid specs fail before any request.
TEST(ScanHealthHttp, NoUrlAndInvalidSpecFailWithoutProbing) {
  testing::FakeProber prober;
  ScanResult no_url = RunScan(prober, Input(""));
  EXPECT_EQ(no_url.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(no_url.error_code, "no_url");
  ScanInput bad = Input("http://site.test/");
  bad.options.health.body_regex = "a.*";
  ScanResult invalid = RunScan(prober, bad);
  EXPECT_EQ(invalid.error_code, "invalid_config");
  EXPECT_THAT(invalid.error_message, HasSubstr("health.body_regex"));
  EXPECT_TRUE(prober.http_requests.empty());
}

// Verifies credentials in the asset URL never reach logs or facts.
TEST(ScanHealthHttp, UrlUserinfoIsRedacted) {
  testing::FakeProber prober;
  prober.http["http://bob:s3cret@site.test/"] = {.status = 200,
                                                 .final_url = "http://bob:s3cret@site.test/"};
  ScanResult r = RunScan(prober, Input("http://bob:s3cret@site.test/"));
  EXPECT_THAT(FactsToJson(r.facts), ::testing::Not(HasSubstr("s3cret")));
  for (const auto& line : r.log) EXPECT_THAT(line, ::testing::Not(HasSubstr("s3cret")));
  EXPECT_THAT(r.log[0], HasSubstr("http://***@site.test/"));
}

}  // namespace
}  // namespace secplat::services::worker
