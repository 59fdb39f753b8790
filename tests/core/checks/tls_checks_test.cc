// EvaluateTlsChecks: one result per check, fixed locations (finding keys), expiry thresholds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/checks/tls_grade.h"

namespace secplat::core::checks {
namespace {

using model::CertificateInfo;
using model::Severity;
using model::TlsSessionInfo;
using model::TlsVersion;
using ::testing::ElementsAre;

const Timestamp kNow = FromUnixMillis(1764358200000);  // 2025-11-28T19:30:00Z
const std::vector<int> kThresholds = {30, 14, 7, 1};

TlsObservation Obs(Duration left) {
  CertificateInfo leaf{.subject = "CN=site.test",
                       .issuer = "CN=SecPlat Test CA",
                       .dns_sans = {"site.test"},
                       .sha256_fingerprint = "ab",
                       .not_before = kNow - std::chrono::days(10),
                       .not_after = kNow + left,
                       .key_type = "RSA",
                       .key_bits = 2048,
                       .signature_algorithm = "sha256WithRSAEncryption"};
  return {
      .versions = {{.version = TlsVersion::kTls10, .status = VersionStatus::kRefused},
                   {.version = TlsVersion::kTls11, .status = VersionStatus::kRefused},
                   {.version = TlsVersion::kTls12,
                    .status = VersionStatus::kAccepted,
                    .cipher = "ECDHE-RSA-AES128-GCM-SHA256"},
                   {.version = TlsVersion::kTls13,
                    .status = VersionStatus::kAccepted,
                    .cipher = "TLS_AES_256_GCM_SHA384"}},
      .session = TlsSessionInfo{.chain = {leaf}, .chain_trusted = true, .hostname_match = true}};
}

std::vector<std::string> Ids(const std::vector<TlsCheck>& checks) {
  std::vector<std::string> out;
  for (const auto& c : checks) out.push_back(c.check_id + "@" + c.location);
  return out;
}

std::vector<std::string> Failed(const std::vector<TlsCheck>& checks) {
  std::vector<std::string> out;
  for (const auto& c : checks) {
    if (!c.passed) out.push_back(c.check_id + "@" + c.location);
  }
  return out;
}

const TlsCheck& Find(const std::vector<TlsCheck>& checks, std::string_view id) {
  for (const auto& c : checks) {
    if (c.check_id == id) return c;
  }
  static const TlsCheck none;
  ADD_FAILURE() << "no check " << id;
  return none;
}

TEST(EvaluateTlsChecks, AllPassOnAGoodSiteAndListEveryCheck) {
  auto checks = EvaluateTlsChecks(Obs(std::chrono::days(80)), kNow, kThresholds);
  EXPECT_THAT(Ids(checks),
              ElementsAre("tls_version_accepted@TLSv1.0", "tls_version_accepted@TLSv1.1",
                          "tls_version_missing@TLSv1.2", "tls_version_missing@TLSv1.3",
                          "tls_weak_cipher@TLSv1.2", "tls_weak_cipher@TLSv1.3",
                          "tls_no_forward_secrecy@tls", "tls_no_aead@tls", "cert_expired@leaf",
                          "cert_not_yet_valid@leaf", "cert_expiring@leaf", "cert_self_signed@leaf",
                          "cert_untrusted@chain", "cert_hostname_mismatch@leaf",
                          "cert_weak_key@leaf", "cert_weak_signature@leaf"));
  EXPECT_THAT(Failed(checks), ::testing::IsEmpty());
}

TEST(EvaluateTlsChecks, LegacyVersionsAndMissingModernOnes) {
  TlsObservation o = Obs(std::chrono::days(80));
  o.versions[0] = {.version = TlsVersion::kTls10,
                   .status = VersionStatus::kAccepted,
                   .cipher = "ECDHE-RSA-AES256-SHA"};
  o.versions[3] = {.version = TlsVersion::kTls13, .status = VersionStatus::kRefused};
  auto checks = EvaluateTlsChecks(o, kNow, kThresholds);
  EXPECT_THAT(Failed(checks),
              ElementsAre("tls_version_accepted@TLSv1.0", "tls_version_missing@TLSv1.3"));
  const TlsCheck& c = Find(checks, "tls_version_accepted");
  EXPECT_EQ(c.title, "Deprecated protocol TLSv1.0 accepted");
  EXPECT_EQ(c.severity, Severity::kMedium);
  EXPECT_EQ(model::FactsToJson(c.evidence),
            R"({"version":"TLSv1.0","accepted":true,"cipher":"ECDHE-RSA-AES256-SHA"})");
}

TEST(EvaluateTlsChecks, UnknownVersionsAreNotChecked) {
  TlsObservation o = Obs(std::chrono::days(80));
  o.versions[0] = {
      .version = TlsVersion::kTls10, .status = VersionStatus::kUnknown, .error = "connect_timeout"};
  auto ids = Ids(EvaluateTlsChecks(o, kNow, kThresholds));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "tls_version_accepted@TLSv1.0"), 0);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "tls_version_accepted@TLSv1.1"), 1);
}

TEST(EvaluateTlsChecks, ExpiryPicksTheTightestThresholdCrossed) {
  struct Case {
    Duration left;
    std::string location;
    bool passed;
    Severity severity;
  };
  const Case cases[] = {
      {std::chrono::days(31), "leaf", true, Severity::kLow},
      {std::chrono::days(30), "leaf", true, Severity::kLow},  // exactly 30 days left: not within
      {std::chrono::days(30) - std::chrono::milliseconds(1), "leaf:30d", false, Severity::kMedium},
      {std::chrono::days(20), "leaf:30d", false, Severity::kMedium},
      {std::chrono::days(13), "leaf:14d", false, Severity::kHigh},
      {std::chrono::days(6), "leaf:7d", false, Severity::kCritical},
      {std::chrono::hours(3), "leaf:1d", false, Severity::kCritical},
  };
  for (const Case& c : cases) {
    auto checks = EvaluateTlsChecks(Obs(c.left), kNow, kThresholds);
    const TlsCheck& e = Find(checks, "cert_expiring");
    EXPECT_EQ(e.location, c.location) << c.left.count();
    EXPECT_EQ(e.passed, c.passed) << c.left.count();
    if (!c.passed) {
      EXPECT_EQ(e.severity, c.severity) << c.location;
      // The title carries the threshold, never the day count.
      EXPECT_EQ(e.title, "Certificate expires within " +
                             c.location.substr(5, c.location.size() - 6) + " days");
    }
    EXPECT_TRUE(Find(checks, "cert_expired").passed);
  }
}

TEST(EvaluateTlsChecks, ThresholdOrderAndJunkDoNotMatter) {
  auto a = EvaluateTlsChecks(Obs(std::chrono::days(10)), kNow, {1, 30, 0, -5, 14, 7});
  EXPECT_EQ(Find(a, "cert_expiring").location, "leaf:14d");
  auto b = EvaluateTlsChecks(Obs(std::chrono::days(10)), kNow, {});
  EXPECT_TRUE(Find(b, "cert_expiring").passed);
  auto c = EvaluateTlsChecks(Obs(std::chrono::days(50)), kNow, {60});
  EXPECT_EQ(Find(c, "cert_expiring").location, "leaf:60d");
  EXPECT_EQ(Find(c, "cert_expiring").severity, Severity::kLow);
}

TEST(EvaluateTlsChecks, ExpiredIsCriticalAndNotExpiring) {
  TlsObservation o = Obs(-std::chrono::days(3));
  o.session->chain_trusted = false;
  o.session->verify_error = "certificate has expired";
  auto checks = EvaluateTlsChecks(o, kNow, kThresholds);
  EXPECT_THAT(Failed(checks), ElementsAre("cert_expired@leaf"));
  const TlsCheck& e = Find(checks, "cert_expired");
  EXPECT_EQ(e.severity, Severity::kCritical);
  EXPECT_EQ(e.title, "Certificate expired");
  EXPECT_EQ(model::FactsToJson(e.evidence),
            R"({"subject":"CN=site.test","issuer":"CN=SecPlat Test CA",)"
            R"("not_before":"2025-11-18T19:30:00.000Z","not_after":"2025-11-25T19:30:00.000Z",)"
            R"("days_left":-3,"sha256_fingerprint":"ab"})");
}

TEST(EvaluateTlsChecks, TitlesAndLocationsDoNotDependOnNow) {
  auto a = EvaluateTlsChecks(Obs(std::chrono::days(12)), kNow, kThresholds);
  auto b = EvaluateTlsChecks(Obs(std::chrono::days(12)), kNow + std::chrono::days(1), kThresholds);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].check_id, b[i].check_id);
    EXPECT_EQ(a[i].location, b[i].location);
    EXPECT_EQ(a[i].title, b[i].title);
  }
}

TEST(EvaluateTlsChecks, CertificateProblems) {
  TlsObservation o = Obs(std::chrono::days(80));
  o.session->chain[0].self_signed = true;
  o.session->chain[0].key_bits = 1024;
  o.session->chain[0].signature_algorithm = "md5WithRSAEncryption";
  o.session->chain_trusted = false;
  o.session->hostname_match = false;
  auto checks = EvaluateTlsChecks(o, kNow, kThresholds);
  EXPECT_THAT(Failed(checks), ElementsAre("cert_self_signed@leaf", "cert_hostname_mismatch@leaf",
                                          "cert_weak_key@leaf", "cert_weak_signature@leaf"));
  EXPECT_EQ(Find(checks, "cert_weak_signature").severity, Severity::kHigh);
  EXPECT_EQ(model::FactsToJson(Find(checks, "cert_weak_key").evidence),
            R"({"key_type":"RSA","key_bits":1024})");
}

TEST(EvaluateTlsChecks, UntrustedChain) {
  TlsObservation o = Obs(std::chrono::days(80));
  o.session->chain_trusted = false;
  o.session->verify_error = "unable to get local issuer certificate";
  auto checks = EvaluateTlsChecks(o, kNow, kThresholds);
  EXPECT_THAT(Failed(checks), ElementsAre("cert_untrusted@chain"));
  EXPECT_EQ(Find(checks, "cert_untrusted").reason,
            "chain does not verify: unable to get local issuer certificate");
}

TEST(EvaluateTlsChecks, UntrustExplainedByAnotherFailedCheckIsNotRepeated) {
  TlsObservation weak = Obs(std::chrono::days(80));
  weak.session->chain[0].key_bits = 1024;
  weak.session->chain_trusted = false;
  weak.session->verify_error = "EE certificate key too weak";
  EXPECT_THAT(Failed(EvaluateTlsChecks(weak, kNow, kThresholds)),
              ElementsAre("cert_weak_key@leaf"));
  TlsObservation self = Obs(std::chrono::days(80));
  self.session->chain[0].self_signed = true;
  self.session->chain_trusted = false;
  auto checks = EvaluateTlsChecks(self, kNow, kThresholds);
  EXPECT_THAT(Failed(checks), ElementsAre("cert_self_signed@leaf"));
  EXPECT_EQ(Find(checks, "cert_untrusted").reason,
            "untrusted, explained by expiry, self-signing or the key");
}

TEST(EvaluateTlsChecks, WeakCiphersPerVersion) {
  TlsObservation o = Obs(std::chrono::days(80));
  o.versions[0] = {
      .version = TlsVersion::kTls10, .status = VersionStatus::kAccepted, .cipher = "DES-CBC3-SHA"};
  o.versions[1] = {
      .version = TlsVersion::kTls11, .status = VersionStatus::kAccepted, .cipher = "EXP-RC4-MD5"};
  auto checks = EvaluateTlsChecks(o, kNow, kThresholds);
  EXPECT_THAT(Failed(checks),
              ElementsAre("tls_version_accepted@TLSv1.0", "tls_version_accepted@TLSv1.1",
                          "tls_weak_cipher@TLSv1.0", "tls_weak_cipher@TLSv1.1"));
  for (const auto& c : checks) {
    if (c.check_id != "tls_weak_cipher" || c.passed) continue;
    EXPECT_EQ(c.severity, c.location == "TLSv1.0" ? Severity::kMedium : Severity::kHigh);
  }
}

TEST(EvaluateTlsChecks, NoFsNoAead) {
  TlsObservation o = Obs(std::chrono::days(80));
  o.versions[2].cipher = "AES128-SHA";
  o.versions[3] = {.version = TlsVersion::kTls13, .status = VersionStatus::kRefused};
  auto checks = EvaluateTlsChecks(o, kNow, kThresholds);
  EXPECT_THAT(Failed(checks), ElementsAre("tls_version_missing@TLSv1.3",
                                          "tls_no_forward_secrecy@tls", "tls_no_aead@tls"));
  EXPECT_EQ(model::FactsToJson(Find(checks, "tls_no_aead").evidence),
            R"({"suites":["TLSv1.2 AES128-SHA"]})");
}

TEST(EvaluateTlsChecks, NoSessionNoCertificateChecks) {
  TlsObservation o = Obs(std::chrono::days(80));
  o.session.reset();
  auto ids = Ids(EvaluateTlsChecks(o, kNow, kThresholds));
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_EQ(ids.back(), "tls_no_aead@tls");
}

}  // namespace
}  // namespace secplat::core::checks
