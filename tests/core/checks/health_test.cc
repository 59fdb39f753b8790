#include "core/checks/health.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/checks/safe_regex.h"

namespace secplat::core::checks {
namespace {

using model::CertificateInfo;
using model::HttpProbeResult;
using model::ProbeError;
using model::TlsSessionInfo;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const Timestamp kNow = FromUnixMillis(1764358200000);  // 2025-11-28T19:30:00Z

std::vector<std::string> Texts(const HealthVerdict& v) {
  std::vector<std::string> out;
  for (const auto& c : v.conditions) out.push_back(c.text);
  return out;
}

TlsSessionInfo GoodTls() {
  TlsSessionInfo t;
  t.chain.push_back(
      CertificateInfo{.subject = "CN=site.test",
                      .not_before = kNow - std::chrono::days(10),
                      .not_after = kNow + std::chrono::days(89) + std::chrono::hours(5)});
  t.chain_trusted = true;
  t.hostname_match = true;
  return t;
}

HttpProbeResult Ok(std::string url = "http://site.test/") {
  return HttpProbeResult{.status = 200, .body = "all good", .final_url = std::move(url)};
}

// Verifies a plain 200 is UP with every condition reported with its observed value.
TEST(EvaluateHealth, PlainOkIsUpWithConditions) {
  HealthVerdict v = EvaluateHealth({}, Ok(), kNow);
  EXPECT_EQ(v.state, HealthState::kUp);
  EXPECT_EQ(v.reason, HealthFailure::kNone);
  EXPECT_THAT(Texts(v), ElementsAre("[CONNECTED] == true (got true)", "[STATUS] in 2xx (got 200)"));
}

// Verifies an unexpected status is DOWN/http_status, Gatus-style text.
TEST(EvaluateHealth, UnexpectedStatusIsHttpStatus) {
  HttpProbeResult r = Ok();
  r.status = 503;
  HealthVerdict v = EvaluateHealth({.expected_statuses = {200, 204}}, r, kNow);
  EXPECT_EQ(v.state, HealthState::kDown);
  EXPECT_EQ(v.reason, HealthFailure::kHttpStatus);
  EXPECT_EQ(HealthFailureName(v.reason), "http_status");
  EXPECT_EQ(v.conditions[1].text, "[STATUS] in (200, 204) (got 503)");
  EXPECT_FALSE(v.conditions[1].ok);
}

// Verifies each probe error maps to its taxonomy code, sub-code and state.
TEST(EvaluateHealth, ProbeErrorsMapToTaxonomy) {
  struct Row {
    ProbeError error;
    HealthState state;
    std::string_view reason;
    std::string_view detail;
  };
  const Row rows[] = {
      {ProbeError::kDnsFailed, HealthState::kDown, "dns", "dns_failed"},
      {ProbeError::kDnsTimeout, HealthState::kDown, "dns", "dns_timeout"},
      {ProbeError::kConnectRefused, HealthState::kDown, "connect_refused", ""},
      {ProbeError::kConnectTimeout, HealthState::kDown, "connect_timeout", ""},
      {ProbeError::kConnectFailed, HealthState::kDown, "connect_failed", ""},
      {ProbeError::kTlsHandshake, HealthState::kDown, "tls_handshake", ""},
      {ProbeError::kTimeoutFirstByte, HealthState::kDown, "timeout", "timeout_first_byte"},
      {ProbeError::kTimeoutTotal, HealthState::kDown, "timeout", "timeout_total"},
      {ProbeError::kTooLarge, HealthState::kDown, "too_large", ""},
      {ProbeError::kTooManyRedirects, HealthState::kDown, "too_many_redirects", ""},
      {ProbeError::kProtocol, HealthState::kDown, "protocol_error", ""},
      // "The probe could not tell" is never DOWN.
      {ProbeError::kBlockedByPolicy, HealthState::kUnknown, "blocked_by_policy", ""},
      {ProbeError::kProbeError, HealthState::kUnknown, "probe_error", ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(model::ProbeErrorName(row.error));
    HttpProbeResult r{.error = row.error, .error_detail = "library text"};
    HealthVerdict v = EvaluateHealth({}, r, kNow);
    EXPECT_EQ(v.state, row.state);
    EXPECT_EQ(HealthFailureName(v.reason), row.reason);
    EXPECT_EQ(v.reason_detail, row.detail);
    ASSERT_EQ(v.conditions.size(), 1u);
    EXPECT_FALSE(v.conditions[0].ok);
    EXPECT_THAT(v.conditions[0].text,
                HasSubstr("(got " + std::string(row.detail.empty() ? row.reason : row.detail)));
  }
}

// Verifies HTTPS certificate problems are DOWN/tls_cert_invalid naming which problem.
TEST(EvaluateHealth, CertificateProblemsAreTlsCertInvalid) {
  struct Row {
    std::string name;
    void (*mutate)(TlsSessionInfo&);
    std::string_view detail;
  };
  const Row rows[] = {
      {"expired",
       [](TlsSessionInfo& t) {
         t.chain[0].not_after = kNow - std::chrono::days(1);
         t.chain_trusted = false;  // the verifier says so too; reported once, as expired
       },
       "cert_expired"},
      {"not yet valid",
       [](TlsSessionInfo& t) { t.chain[0].not_before = kNow + std::chrono::days(1); },
       "cert_not_yet_valid"},
      {"name mismatch", [](TlsSessionInfo& t) { t.hostname_match = false; }, "cert_name_mismatch"},
      {"untrusted", [](TlsSessionInfo& t) { t.chain_trusted = false; }, "cert_untrusted"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    HttpProbeResult r = Ok("https://site.test/");
    r.tls = GoodTls();
    row.mutate(*r.tls);
    HealthVerdict v = EvaluateHealth({}, r, kNow);
    EXPECT_EQ(v.state, HealthState::kDown);
    EXPECT_EQ(v.reason, HealthFailure::kTlsCertInvalid);
    EXPECT_EQ(HealthFailureName(v.reason), "tls_cert_invalid");
    EXPECT_EQ(v.reason_detail, row.detail);
    EXPECT_EQ(v.conditions[1].text, "[CERTIFICATE] valid (got " + std::string(row.detail) + ")");
  }
}

// Verifies a valid certificate is a passing condition with the days left, and that
// verify_certificate=false reports nothing about it.
TEST(EvaluateHealth, ValidCertificateAndVerificationOff) {
  HttpProbeResult r = Ok("https://site.test/");
  r.tls = GoodTls();
  HealthVerdict v = EvaluateHealth({}, r, kNow);
  EXPECT_EQ(v.state, HealthState::kUp);
  EXPECT_EQ(v.conditions[1].text, "[CERTIFICATE] valid (got valid, 89 days left)");

  r.tls->chain[0].not_after = kNow - std::chrono::days(3);
  EXPECT_EQ(EvaluateHealth({.verify_certificate = false}, r, kNow).state, HealthState::kUp);
  EXPECT_EQ(CertificateDaysLeft(*r.tls, kNow), -3);
}

// Verifies an https response without a TLS session cannot be judged (UNKNOWN, not UP).
TEST(EvaluateHealth, HttpsWithoutSessionIsUnknown) {
  HealthVerdict v = EvaluateHealth({}, Ok("https://site.test/"), kNow);
  EXPECT_EQ(v.state, HealthState::kUnknown);
  EXPECT_EQ(v.reason, HealthFailure::kProbeError);
  EXPECT_EQ(v.reason_detail, "tls_session_missing");
}

// Verifies body substring and regex conditions, and that bodies are never echoed.
TEST(EvaluateHealth, BodyConditions) {
  HttpProbeResult r = Ok();
  r.body = R"({"status": "UP", "secret": "hunter2"})";
  HealthVerdict up =
      EvaluateHealth({.body_contains = "UP", .body_regex = R"("status":\s{0,4}"UP")"}, r, kNow);
  EXPECT_EQ(up.state, HealthState::kUp);
  EXPECT_THAT(Texts(up), ElementsAre("[CONNECTED] == true (got true)", "[STATUS] in 2xx (got 200)",
                                     "[BODY] contains \"UP\" (got found)",
                                     "[BODY] =~ /\"status\":\\s{0,4}\"UP\"/ (got match)"));

  HealthVerdict down = EvaluateHealth({.body_contains = "DOWN"}, r, kNow);
  EXPECT_EQ(down.reason, HealthFailure::kBodyMismatch);
  EXPECT_EQ(down.conditions.back().text, "[BODY] contains \"DOWN\" (got absent)");
  for (const auto& t : Texts(down)) EXPECT_THAT(t, ::testing::Not(HasSubstr("hunter2")));

  HealthVerdict re = EvaluateHealth({.body_regex = "^ok$"}, r, kNow);
  EXPECT_EQ(re.reason, HealthFailure::kBodyMismatch);
  EXPECT_EQ(re.conditions.back().text, "[BODY] =~ /^ok$/ (got no match)");
}

// Verifies header conditions: presence, substring, case-insensitive names.
TEST(EvaluateHealth, HeaderConditions) {
  HttpProbeResult r = Ok();
  r.headers = {{"x-ready", "yes"}, {"content-type", "application/json"}};
  HealthVerdict v =
      EvaluateHealth({.required_headers = {{"X-Ready", ""}, {"content-type", "json"}}}, r, kNow);
  EXPECT_EQ(v.state, HealthState::kUp);
  EXPECT_EQ(v.conditions[2].text, "[HEADER x-ready] present (got \"yes\")");
  EXPECT_EQ(v.conditions[3].text,
            "[HEADER content-type] contains \"json\" (got \"application/json\")");

  HealthVerdict missing = EvaluateHealth({.required_headers = {{"x-version", "2"}}}, r, kNow);
  EXPECT_EQ(missing.reason, HealthFailure::kHeaderMismatch);
  EXPECT_EQ(missing.conditions.back().text, "[HEADER x-version] contains \"2\" (got missing)");
}

// Verifies the first failed condition decides the reason, and all are still reported.
TEST(EvaluateHealth, FirstFailureDecides) {
  HttpProbeResult r = Ok();
  r.status = 500;
  HealthVerdict v = EvaluateHealth({.body_contains = "nope"}, r, kNow);
  EXPECT_EQ(v.reason, HealthFailure::kHttpStatus);
  ASSERT_EQ(v.conditions.size(), 3u);
  EXPECT_FALSE(v.conditions[2].ok);
}

// Verifies spec validation names the field and rejects pathological regexes.
TEST(ValidateHealthSpec, RejectsBadSpecs) {
  EXPECT_TRUE(ValidateHealthSpec({}).has_value());
  EXPECT_EQ(ValidateHealthSpec({.method = "GE T"}).error().message,
            "health.method: not an HTTP method token: 'GE T'");
  EXPECT_EQ(ValidateHealthSpec({.expected_statuses = {99}}).error().message,
            "health.expected_statuses: 99 is not in 100..599");
  EXPECT_EQ(ValidateHealthSpec({.required_headers = {{"bad name", ""}}}).error().message,
            "health.required_headers: not a header name: 'bad name'");
  EXPECT_EQ(
      ValidateHealthSpec({.body_regex = "a.*b"}).error().message,
      "health.body_regex: regex: unbounded quantifier '*' at offset 2 (use {0,64} or {1,64})");
  EXPECT_THAT(ValidateHealthSpec({.body_regex = std::string(300, 'a')}).error().message,
              HasSubstr("longer than 256"));
  EXPECT_THAT(ValidateHealthSpec({.body_regex = "(a"}).error().message, HasSubstr("unbalanced"));
}

// Verifies the regex guard's rules one by one.
TEST(SafeRegex, RulesAndBoundedInput) {
  EXPECT_TRUE(CheckRegexSafety("a{0,64}b").has_value());
  EXPECT_TRUE(CheckRegexSafety("[*+]x").has_value());  // inside a class: literal
  EXPECT_TRUE(CheckRegexSafety(R"(\*\+)").has_value());
  EXPECT_THAT(CheckRegexSafety("a+").error().message, HasSubstr("unbounded quantifier '+'"));
  EXPECT_THAT(CheckRegexSafety("a{2,}").error().message, HasSubstr("unbounded repetition"));
  EXPECT_THAT(CheckRegexSafety("a{0,65}").error().message, HasSubstr("exceeds {0,64}"));
  EXPECT_THAT(CheckRegexSafety(R"((a)\1)").error().message, HasSubstr("back-reference"));
  EXPECT_THAT(CheckRegexSafety("((a{0,64}){0,64})").error().message,
              HasSubstr("nested repetitions"));
  EXPECT_THAT(CheckRegexSafety("[abc").error().message, HasSubstr("unterminated"));
  EXPECT_THAT(SafeRegex::Compile("a{1,2").error().message, HasSubstr("malformed"));

  // Input beyond kMaxRegexInputBytes is not searched.
  auto re = SafeRegex::Compile("a.{0,64}ok");
  ASSERT_TRUE(re.has_value());
  std::string body(kMaxRegexInputBytes - 3, 'b');
  EXPECT_TRUE(re->Search(body + "aok"));
  EXPECT_FALSE(re->Search(body + "baok"));
  EXPECT_TRUE(re->Search("xxaYYok"));
  auto m = re->Find("xxaYYok");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->offset, 2u);
  EXPECT_EQ(m->length, 5u);
}

}  // namespace
}  // namespace secplat::core::checks
