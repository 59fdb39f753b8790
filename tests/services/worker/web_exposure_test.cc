#include "services/worker/scanners/web_exposure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "core/contracts/keys.h"
#include "tests/support/fake_prober.h"

namespace secplat::services::worker {
namespace {

using core::checks::SignaturePack;
using core::model::FactsToJson;
using core::model::HttpProbeRequest;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::ScanOutcome;
using core::model::ScanResult;
using core::model::Severity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

const Timestamp kT0 = FromUnixMillis(1764358200000);
const Timestamp kT1 = kT0 + std::chrono::seconds(2);

// FakeProber plus TRACE answers (keyed by URL) and a fallback for unscripted GETs.
class ScriptedProber : public testing::FakeProber {
 public:
  std::map<std::string, HttpProbeResult> trace;
  std::optional<HttpProbeResult> fallback;

  Task<HttpProbeResult> Http(HttpProbeRequest request) override {
    if (request.method == "TRACE") {
      http_requests.push_back(request);
      auto it = trace.find(request.url);
      co_return it != trace.end() ? it->second : HttpProbeResult{.status = 405};
    }
    if (fallback && !http.count(request.url)) {
      http_requests.push_back(request);
      co_return *fallback;
    }
    co_return co_await FakeProber::Http(std::move(request));
  }
};

constexpr std::string_view kPackText = R"(pack test-pack 7

[git-head]
title: Git HEAD exposed
severity: high
cwe: CWE-538
paths: /.git/HEAD
status: 200
match: regex ^ref: refs/
remediation: Deny /.git/.

[dotenv]
title: Env file exposed
severity: critical
cwe: CWE-200
paths: /.env
status: 200
match: regex ^DB_[A-Z_]{1,32}=
remediation: Move it.

[admin-console]
title: Admin console reachable
severity: medium
cwe: CWE-306
paths: /admin/
status: 200
allow_html: true
match: icontains <title>admin
match: icontains type="password"
condition: all
remediation: Restrict it.
)";

const SignaturePack& Pack() {
  static const SignaturePack* pack = [] {
    auto p = core::checks::ParseSignaturePack(kPackText);
    EXPECT_TRUE(p.has_value()) << p.error().message;
    return new SignaturePack(std::move(p).value());
  }();
  return *pack;
}

ScanInput Input(std::string url) {
  ScanInput in;
  in.asset.asset_key = "web-1";
  in.asset.url = std::move(url);
  in.scan_type = "web_exposure";
  in.now = kT0;
  in.nonce = "n0nce";
  return in;
}

ScanResult RunScan(ScriptedProber& prober, const ScanInput& input,
                   const SignaturePack* pack = &Pack()) {
  ScanContext ctx{.prober = prober, .now = [] { return kT1; }};
  std::optional<ScanResult> out;
  if (pack) {
    StartTask(ScanWebExposureWithPack(*pack, input, ctx),
              [&](ScanResult r) { out = std::move(r); });
  } else {
    StartTask(ScanWebExposure(input, ctx), [&](ScanResult r) { out = std::move(r); });
  }
  EXPECT_TRUE(out.has_value());
  return out.value_or(ScanResult{});
}

HttpProbeResult R(int status, std::string body = "",
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpProbeResult{.status = status, .headers = std::move(headers), .body = std::move(body)};
}

std::vector<std::string> CheckIds(const ScanResult& r) {
  std::vector<std::string> ids;
  for (const auto& f : r.findings) ids.push_back(f.check_id);
  return ids;
}

// An exposed http:// site: /.git/HEAD and .env served, no redirect to https.
void ScriptExposedSite(ScriptedProber& p) {
  p.http["http://site.test/secplat-404-n0nce"] = R(404, "<html>404 Not Found</html>");
  p.http["http://site.test/.git/HEAD"] = R(200, "ref: refs/heads/main\n");
  p.http["http://site.test/.env"] = R(200, "APP_NAME=shop\nDB_PASSWORD=hunter2\n");
  p.http["http://site.test/admin/"] = R(404, "<html>404 Not Found</html>");
  p.http["http://site.test/"] = R(200, "<html>welcome</html>");
}

// Verifies an exposed site: exact findings (keys from asset, check, path), redacted evidence,
// facts, coverage and the request order (baseline first, one at a time).
TEST(ScanWebExposure, ExposedSiteGivesExactFindings) {
  ScriptedProber prober;
  ScriptExposedSite(prober);
  ScanResult r = RunScan(prober, Input("http://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_THAT(CheckIds(r), ElementsAre("git-head", "dotenv", "plain_http_no_redirect"));

  const auto& git = r.findings[0];
  EXPECT_EQ(git.finding_key,
            core::contracts::DeriveFindingKey("web-1", "web_exposure", "git-head", "/.git/HEAD"));
  EXPECT_EQ(git.location, "/.git/HEAD");
  EXPECT_EQ(git.source, "web_exposure");
  EXPECT_EQ(git.category, "exposure");
  EXPECT_EQ(git.title, "Git HEAD exposed");
  EXPECT_EQ(git.severity, Severity::kHigh);
  EXPECT_EQ(git.observed_at, kT1);
  EXPECT_EQ(git.evidence_json,
            R"({"path":"/.git/HEAD","status":200,"content_type":"",)"
            R"("excerpt":"ref: refs/heads/main","cwe":"CWE-538","remediation":"Deny /.git/.",)"
            R"("signature_pack":"test-pack 7"})");

  const auto& env = r.findings[1];
  EXPECT_EQ(env.severity, Severity::kCritical);
  EXPECT_THAT(env.evidence_json, HasSubstr(R"("excerpt":"DB_PASSWORD=***")"));
  EXPECT_THAT(env.evidence_json, ::testing::Not(HasSubstr("hunter2")));

  const auto& plain = r.findings[2];
  EXPECT_EQ(plain.location, "http://site.test/");
  EXPECT_EQ(plain.finding_key,
            core::contracts::DeriveFindingKey("web-1", "web_exposure", "plain_http_no_redirect",
                                              "http://site.test/"));
  EXPECT_EQ(plain.severity, Severity::kMedium);

  EXPECT_EQ(FactsToJson(r.facts),
            R"({"exposure.paths_checked":3,"exposure.soft404_baseline_status":404,)"
            R"("exposure.matches":["git-head /.git/HEAD","dotenv /.env"],)"
            R"("exposure.soft404_dropped":0,"exposure.cors":"none",)"
            R"("exposure.trace_enabled":false,"exposure.plain_http":"served"})");
  EXPECT_THAT(r.checks_run, ElementsAre("git-head", "dotenv", "admin-console",
                                        "cors_reflected_origin_with_credentials",
                                        "cors_wildcard_with_credentials", "http_trace_enabled",
                                        "plain_http_no_redirect"));

  std::vector<std::string> order;
  for (const auto& req : prober.http_requests) order.push_back(req.method + " " + req.url);
  EXPECT_THAT(
      order, ElementsAre("GET http://site.test/secplat-404-n0nce", "GET http://site.test/.git/HEAD",
                         "GET http://site.test/.env", "GET http://site.test/admin/",
                         "GET http://site.test/", "TRACE http://site.test/"));
  for (const auto& req : prober.http_requests) {
    EXPECT_EQ(req.max_redirects, 0);
    EXPECT_TRUE(req.truncate_body_ok);
    EXPECT_EQ(req.max_body_bytes, 256 * 1024);
  }
  // The CORS request carried the foreign Origin.
  EXPECT_THAT(
      prober.http_requests[4].headers,
      ::testing::Contains(std::pair<std::string, std::string>("Origin", "https://n0nce.invalid")));
}

// Verifies the same job run twice reports identical keys and nothing extra.
TEST(ScanWebExposure, RerunGivesIdenticalKeys) {
  ScriptedProber prober;
  ScriptExposedSite(prober);
  ScanResult first = RunScan(prober, Input("http://site.test/"));
  ScanResult second = RunScan(prober, Input("http://site.test/"));
  ASSERT_EQ(first.findings.size(), second.findings.size());
  for (size_t i = 0; i < first.findings.size(); ++i) {
    EXPECT_EQ(first.findings[i].finding_key, second.findings[i].finding_key);
    EXPECT_EQ(first.findings[i].evidence_json, second.findings[i].evidence_json);
  }
  // A different nonce (another run) changes the baseline path, not the keys.
  ScanInput other = Input("http://site.test/");
  other.nonce = "other";
  prober.http["http://site.test/secplat-404-other"] = R(404, "<html>404 Not Found</html>");
  ScanResult third = RunScan(prober, other);
  ASSERT_EQ(third.findings.size(), first.findings.size());
  for (size_t i = 0; i < first.findings.size(); ++i) {
    EXPECT_EQ(first.findings[i].finding_key, third.findings[i].finding_key);
  }
}

// Verifies the soft-404 guard: a catch-all site that answers every path with the same login
// page does not produce an admin-console finding, and HTML never counts as /.git/HEAD.
TEST(ScanWebExposure, SoftNotFoundSiteGivesNoSignatureFindings) {
  ScriptedProber prober;
  prober.fallback = R(200,
                      "<html><title>Admin login</title><form><input type=\"password\"></form>"
                      "<p>ref: refs/heads/main</p></html>");
  prober.http["https://site.test/"] = R(200, "<html>home</html>");
  prober.http["http://site.test/"] = R(301, "", {{"location", "https://site.test/"}});
  ScanResult r = RunScan(prober, Input("https://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_TRUE(r.findings.empty());
  std::string facts = FactsToJson(r.facts);
  EXPECT_THAT(facts, HasSubstr(R"("exposure.soft404_baseline_status":200)"));
  EXPECT_THAT(facts, HasSubstr(R"("exposure.matches":[],"exposure.soft404_dropped":1)"));
  EXPECT_THAT(facts, HasSubstr(R"("exposure.plain_http":"redirects_to_https")"));
  EXPECT_THAT(r.log, ::testing::Contains(
                         "dropped admin-console at /admin/: response looks like the soft-404 "
                         "baseline"));
  EXPECT_THAT(r.checks_run, ::testing::Contains("plain_http_no_redirect"));
}

// Verifies CORS reflection with credentials and TRACE echo become findings at the base path.
TEST(ScanWebExposure, CorsReflectionAndTrace) {
  ScriptedProber prober;
  prober.fallback = R(404, "nope");
  prober.http["https://site.test:8443/app/"] =
      R(200, "app",
        {{"access-control-allow-origin", "https://n0nce.invalid"},
         {"access-control-allow-credentials", "true"}});
  prober.trace["https://site.test:8443/app/"] =
      R(200, "TRACE /app/ HTTP/1.1\r\nX-SecPlat-Trace: secplat-trace-n0nce\r\n\r\n");
  ScanResult r = RunScan(prober, Input("https://site.test:8443/app/"));
  EXPECT_THAT(CheckIds(r),
              ElementsAre("cors_reflected_origin_with_credentials", "http_trace_enabled"));
  EXPECT_EQ(r.findings[0].location, "/app/");
  EXPECT_EQ(r.findings[0].severity, Severity::kHigh);
  EXPECT_EQ(r.findings[0].evidence_json, R"({"path":"/app/","origin_sent":"https://n0nce.invalid",)"
                                         R"("access_control_allow_origin":"https://n0nce.invalid",)"
                                         R"("access_control_allow_credentials":"true"})");
  EXPECT_EQ(r.findings[1].severity, Severity::kLow);
  // Signature paths are joined to the asset's base path; the https port is not 443, so there is
  // no conventional plain-HTTP counterpart.
  EXPECT_EQ(prober.http_requests[1].url, "https://site.test:8443/app/.git/HEAD");
  EXPECT_THAT(FactsToJson(r.facts), HasSubstr(R"("exposure.plain_http":"skipped")"));
  EXPECT_THAT(r.checks_run, ::testing::Not(::testing::Contains("plain_http_no_redirect")));
}

// Verifies a https:// asset on 443 whose port 80 is closed passes the plain-HTTP check, and
// one whose port 80 serves content is flagged at the http URL.
TEST(ScanWebExposure, HttpsAssetPlainHttpCounterpart) {
  ScriptedProber closed;
  closed.http["https://site.test/secplat-404-n0nce"] = R(404);
  closed.http["https://site.test/.git/HEAD"] = R(404);
  closed.http["https://site.test/.env"] = R(404);
  closed.http["https://site.test/admin/"] = R(404);
  closed.http["https://site.test/"] = R(200);
  ScanResult a =
      RunScan(closed, Input("https://site.test/"));  // http://site.test/ unscripted: refused
  EXPECT_TRUE(a.findings.empty());
  EXPECT_THAT(FactsToJson(a.facts), HasSubstr(R"("exposure.plain_http":"not_served")"));
  EXPECT_THAT(a.checks_run, ::testing::Contains("plain_http_no_redirect"));

  ScriptedProber served = closed;
  served.http_requests.clear();
  served.http["http://site.test/"] = R(200, "hello over http");
  ScanResult b = RunScan(served, Input("https://site.test/"));
  EXPECT_THAT(CheckIds(b), ElementsAre("plain_http_no_redirect"));
  EXPECT_EQ(b.findings[0].location, "http://site.test/");
}

// Verifies a baseline that cannot be fetched fails the scan with the prober's reason, and
// nothing else is requested (a blocked target is never probed further).
TEST(ScanWebExposure, BlockedBaselineFailsTheScan) {
  ScriptedProber prober;
  prober.http["http://169.254.169.254/secplat-404-n0nce"] = {
      .error = ProbeError::kBlockedByPolicy,
      .error_detail = "address 169.254.169.254 denied by rule link-local"};
  ScanResult r = RunScan(prober, Input("http://169.254.169.254/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "blocked_by_policy");
  EXPECT_EQ(r.error_message,
            "GET http://169.254.169.254/secplat-404-n0nce: blocked_by_policy: address "
            "169.254.169.254 denied by rule link-local");
  EXPECT_EQ(prober.http_requests.size(), 1u);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_TRUE(r.checks_run.empty());
}

// Verifies the scan stops after three failed requests in a row and claims no coverage for
// what it did not see.
TEST(ScanWebExposure, StopsAfterConsecutiveFailures) {
  ScriptedProber prober;
  prober.http["http://site.test/secplat-404-n0nce"] = R(404);
  prober.http["http://site.test/.git/HEAD"] = {.error = ProbeError::kTimeoutTotal};
  prober.http["http://site.test/.env"] = {.error = ProbeError::kTimeoutTotal};
  prober.http["http://site.test/admin/"] = {.error = ProbeError::kTimeoutTotal};
  ScanResult r = RunScan(prober, Input("http://site.test/"));
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_EQ(prober.http_requests.size(), 4u);
  EXPECT_TRUE(r.checks_run.empty());
  EXPECT_THAT(r.log.back(), HasSubstr("stopped after 3 failed requests in a row"));
}

// Verifies host assets without a URL get the TCP port check, with findings keyed by port.
TEST(ScanWebExposure, HostAssetOpenPorts) {
  ScriptedProber prober;
  prober.tcp[{"db.test", 6379}] = {.remote_ip = "10.0.0.5"};
  prober.tcp[{"db.test", 22}] = {.remote_ip = "10.0.0.5"};
  ScanInput in = Input("");
  in.asset.kind = core::model::AssetKind::kHost;
  in.asset.host = "db.test";
  in.options.exposure.tcp_ports = {22, 6379, 8080};
  ScanResult r = RunScan(prober, in);
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_THAT(CheckIds(r), ElementsAre("open_port", "open_port"));
  EXPECT_EQ(r.findings[0].location, "22");
  EXPECT_EQ(r.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(r.findings[1].location, "6379");
  EXPECT_EQ(r.findings[1].severity, Severity::kHigh);
  EXPECT_EQ(r.findings[1].title, "TCP port 6379 open (redis)");
  EXPECT_NE(r.findings[0].finding_key, r.findings[1].finding_key);
  EXPECT_EQ(FactsToJson(r.facts), R"({"exposure.open_ports":["22","6379"]})");
  EXPECT_THAT(r.checks_run, ElementsAre("open_port"));
  EXPECT_TRUE(prober.http_requests.empty());
}

// Verifies a web asset without URL cannot be scanned.
TEST(ScanWebExposure, NoUrlFails) {
  ScriptedProber prober;
  ScanResult r = RunScan(prober, Input(""));
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "no_url");
}

// Verifies the scanner registered for "web_exposure" runs the embedded pack: every signature
// path is requested once and every signature counts as run on a clean site.
TEST(ScanWebExposure, EmbeddedPackOnCleanSite) {
  ScriptedProber prober;
  prober.fallback = R(404, "<html>not found</html>");
  prober.http["http://site.test/"] = R(301, "", {{"location", "https://site.test/"}});
  ScanResult r = RunScan(prober, Input("http://site.test/"), nullptr);
  EXPECT_EQ(r.outcome, ScanOutcome::kCompleted) << r.error_message;
  EXPECT_TRUE(r.findings.empty());
  const auto& pack = *core::checks::EmbeddedSignaturePack();
  size_t paths = 0;
  for (const auto& s : pack.signatures) {
    paths += s.paths.size();
    EXPECT_THAT(r.checks_run, ::testing::Contains(s.id));
  }
  // baseline + every path + the asset URL (whose /-path is also a signature path) + TRACE
  EXPECT_EQ(prober.http_requests.size(), 1 + paths + 2);
}

}  // namespace
}  // namespace secplat::services::worker
