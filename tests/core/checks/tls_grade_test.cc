// GradeTls: scores, every cap, and the "never grade partial data" rule.
#include "core/checks/tls_grade.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace secplat::core::checks {
namespace {

using model::CertificateInfo;
using model::TlsSessionInfo;
using model::TlsVersion;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const Timestamp kNow = FromUnixMillis(1764358200000);  // 2025-11-28T19:30:00Z

CertificateInfo GoodLeaf() {
  return CertificateInfo{.subject = "CN=site.test",
                         .issuer = "CN=SecPlat Test CA",
                         .dns_sans = {"site.test"},
                         .not_before = kNow - std::chrono::days(10),
                         .not_after = kNow + std::chrono::days(80),
                         .key_type = "RSA",
                         .key_bits = 2048,
                         .signature_algorithm = "sha256WithRSAEncryption"};
}

TlsSessionInfo GoodSession() {
  return TlsSessionInfo{.version = TlsVersion::kTls13,
                        .cipher = "TLS_AES_256_GCM_SHA384",
                        .chain = {GoodLeaf()},
                        .chain_trusted = true,
                        .hostname_match = true};
}

VersionProbe Acc(TlsVersion v, std::string cipher) {
  return {.version = v, .status = VersionStatus::kAccepted, .cipher = std::move(cipher)};
}
VersionProbe Ref(TlsVersion v) { return {.version = v, .status = VersionStatus::kRefused}; }

// TLS 1.2 + 1.3 with AEAD/FS suites, RSA-2048 leaf, trusted, matching.
TlsObservation Modern() {
  return {.versions = {Ref(TlsVersion::kTls10), Ref(TlsVersion::kTls11),
                       Acc(TlsVersion::kTls12, "ECDHE-RSA-AES256-GCM-SHA384"),
                       Acc(TlsVersion::kTls13, "TLS_AES_256_GCM_SHA384")},
          .session = GoodSession()};
}

std::vector<std::string> Codes(const TlsGrade& g) {
  std::vector<std::string> out;
  for (const auto& r : g.reasons) out.push_back(r.code);
  return out;
}

TEST(ScoreLetter, Boundaries) {
  EXPECT_EQ(ScoreLetter(100), 'A');
  EXPECT_EQ(ScoreLetter(80), 'A');
  EXPECT_EQ(ScoreLetter(79), 'B');
  EXPECT_EQ(ScoreLetter(65), 'B');
  EXPECT_EQ(ScoreLetter(64), 'C');
  EXPECT_EQ(ScoreLetter(50), 'C');
  EXPECT_EQ(ScoreLetter(49), 'D');
  EXPECT_EQ(ScoreLetter(35), 'D');
  EXPECT_EQ(ScoreLetter(34), 'E');
  EXPECT_EQ(ScoreLetter(20), 'E');
  EXPECT_EQ(ScoreLetter(19), 'F');
  EXPECT_EQ(ScoreLetter(0), 'F');
}

TEST(KeyStrengthScore, Table) {
  EXPECT_EQ(KeyStrengthScore("RSA", 511), 20);
  EXPECT_EQ(KeyStrengthScore("RSA", 512), 40);
  EXPECT_EQ(KeyStrengthScore("RSA", 1024), 80);
  EXPECT_EQ(KeyStrengthScore("RSA", 2048), 90);
  EXPECT_EQ(KeyStrengthScore("RSA", 3072), 90);
  EXPECT_EQ(KeyStrengthScore("RSA", 4096), 100);
  EXPECT_EQ(KeyStrengthScore("EC", 256), 100);
  EXPECT_EQ(KeyStrengthScore("EC", 224), 90);
  EXPECT_EQ(KeyStrengthScore("EC", 160), 80);
  EXPECT_EQ(KeyStrengthScore("EC", 112), 40);
  EXPECT_EQ(KeyStrengthScore("EC", 100), 20);
  EXPECT_EQ(KeyStrengthScore("Ed25519", 253), 100);
  EXPECT_EQ(KeyStrengthScore("RSA", 0), 0);
}

TEST(IsInsecureKey, Thresholds) {
  EXPECT_TRUE(IsInsecureKey("RSA", 1024));
  EXPECT_TRUE(IsInsecureKey("RSA", 2047));
  EXPECT_FALSE(IsInsecureKey("RSA", 2048));
  EXPECT_TRUE(IsInsecureKey("DSA", 1024));
  EXPECT_FALSE(IsInsecureKey("EC", 256));
  EXPECT_FALSE(IsInsecureKey("EC", 224));
  EXPECT_TRUE(IsInsecureKey("EC", 192));
  EXPECT_TRUE(IsInsecureKey("RSA", 0));  // unknown size counts as insecure
}

TEST(DescribeCipher, Tls13Suites) {
  for (const char* n : {"TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
    CipherTraits t = DescribeCipher(n);
    EXPECT_EQ(t.bits, 256) << n;
    EXPECT_TRUE(t.forward_secrecy && t.aead && t.known_bits) << n;
  }
  EXPECT_EQ(DescribeCipher("TLS_AES_128_GCM_SHA256").bits, 128);
  EXPECT_EQ(DescribeCipher("TLS_AES_128_CCM_8_SHA256").bits, 128);
}

TEST(DescribeCipher, Tls12Suites) {
  CipherTraits a = DescribeCipher("ECDHE-RSA-AES128-GCM-SHA256");  // SHA256 is not the key size
  EXPECT_EQ(a.bits, 128);
  EXPECT_TRUE(a.forward_secrecy);
  EXPECT_TRUE(a.aead);
  CipherTraits b = DescribeCipher("AES256-SHA");
  EXPECT_EQ(b.bits, 256);
  EXPECT_FALSE(b.forward_secrecy);
  EXPECT_FALSE(b.aead);
  CipherTraits c = DescribeCipher("ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(c.bits, 256);
  EXPECT_TRUE(c.aead && c.forward_secrecy);
  CipherTraits d = DescribeCipher("DHE-RSA-AES128-SHA");
  EXPECT_TRUE(d.forward_secrecy);
  EXPECT_FALSE(d.aead);
  EXPECT_TRUE(DescribeCipher("EDH-RSA-DES-CBC3-SHA").forward_secrecy);
  EXPECT_EQ(DescribeCipher("CAMELLIA256-SHA").bits, 256);
  EXPECT_EQ(DescribeCipher("ARIA128-GCM-SHA256").bits, 128);
  EXPECT_TRUE(DescribeCipher("ECDHE-ECDSA-AES128-CCM8").aead);
}

TEST(DescribeCipher, WeakSuites) {
  CipherTraits des3 = DescribeCipher("DES-CBC3-SHA");
  EXPECT_EQ(des3.bits, 112);
  EXPECT_TRUE(des3.block64);
  CipherTraits des = DescribeCipher("DES-CBC-SHA");
  EXPECT_EQ(des.bits, 56);
  CipherTraits rc4 = DescribeCipher("RC4-SHA");
  EXPECT_TRUE(rc4.rc4);
  EXPECT_EQ(rc4.bits, 128);
  CipherTraits null = DescribeCipher("ECDHE-RSA-NULL-SHA");
  EXPECT_EQ(null.bits, 0);
  CipherTraits exp = DescribeCipher("EXP-EDH-RSA-DES-CBC-SHA");
  EXPECT_TRUE(exp.export_grade);
  EXPECT_EQ(exp.bits, 40);
  CipherTraits adh = DescribeCipher("ADH-AES256-GCM-SHA384");
  EXPECT_TRUE(adh.anonymous);
  EXPECT_TRUE(DescribeCipher("AECDH-AES128-SHA").anonymous);
  EXPECT_TRUE(DescribeCipher("IDEA-CBC-SHA").block64);
}

TEST(DescribeCipher, OddNames) {
  CipherTraits empty = DescribeCipher("");
  EXPECT_FALSE(empty.known_bits);
  EXPECT_EQ(empty.bits, 128);
  CipherTraits junk = DescribeCipher("---__--");
  EXPECT_FALSE(junk.known_bits);
  CipherTraits huge = DescribeCipher("AES99999999999-GCM");  // not a plausible size: ignored
  EXPECT_FALSE(huge.known_bits);
  EXPECT_TRUE(huge.aead);
  EXPECT_EQ(DescribeCipher("ecdhe-rsa-aes256-gcm-sha384").bits, 256);  // case-insensitive
}

TEST(GradeTls, ModernSiteIsA) {
  TlsGrade g = GradeTls(Modern(), kNow);
  EXPECT_EQ(g.letter, "A");
  EXPECT_EQ(g.protocol_score, 100);
  EXPECT_EQ(g.key_exchange_score, 90);
  EXPECT_EQ(g.cipher_score, 100);
  EXPECT_EQ(g.score, 97);  // 30 + 27 + 40
  EXPECT_THAT(g.reasons, IsEmpty());
  EXPECT_EQ(g.absent_reason, "");
}

TEST(GradeTls, CipherScoreIsMeanOfBestAndWorst) {
  TlsObservation o = Modern();
  o.versions[2].cipher = "ECDHE-RSA-AES128-GCM-SHA256";  // 80 points
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.cipher_score, 90);
  EXPECT_EQ(g.score, 93);
  EXPECT_EQ(g.letter, "A");
}

TEST(GradeTls, Tls10And11CapAtB) {
  TlsObservation o = Modern();
  o.versions[0] = Acc(TlsVersion::kTls10, "ECDHE-RSA-AES256-SHA");
  o.versions[1] = Acc(TlsVersion::kTls11, "ECDHE-RSA-AES256-SHA");
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.protocol_score, 95);  // (90 + 100) / 2
  EXPECT_EQ(g.score, 95 * 30 / 100 + 27 + 40);
  EXPECT_EQ(g.letter, "B");
  EXPECT_THAT(g.reasons, ElementsAre(GradeReason{"tls10_offered", "TLSv1.0 offered", 'B'},
                                     GradeReason{"tls11_offered", "TLSv1.1 offered", 'B'}));
}

TEST(GradeTls, Tls12AbsentCapsAtC) {
  TlsObservation o = Modern();
  o.versions[2] = Ref(TlsVersion::kTls12);
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "C");
  EXPECT_THAT(Codes(g), ElementsAre("tls12_absent"));
  EXPECT_EQ(g.reasons[0].cap, 'C');
}

TEST(GradeTls, Tls12OnlyIsA) {
  TlsObservation o = Modern();
  o.versions[3] = Ref(TlsVersion::kTls13);
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "A");
  EXPECT_THAT(g.reasons, IsEmpty());
}

TEST(GradeTls, ExpiredCertificateIsF) {
  TlsObservation o = Modern();
  o.session->chain[0].not_after = kNow - std::chrono::days(1);
  o.session->chain_trusted = false;  // OpenSSL reports expiry as a verify error too
  o.session->verify_error = "certificate has expired";
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "F");
  ASSERT_THAT(Codes(g), ElementsAre("cert_expired"));  // untrust explained by expiry
  EXPECT_EQ(g.reasons[0].text, "certificate expired (SSL Labs: T; mapped to F)");
  EXPECT_EQ(g.score, 97);  // the score itself is unchanged; the cap decides
}

TEST(GradeTls, NotYetValidIsF) {
  TlsObservation o = Modern();
  o.session->chain[0].not_before = kNow + std::chrono::hours(1);
  EXPECT_THAT(Codes(GradeTls(o, kNow)), ElementsAre("cert_not_yet_valid"));
}

TEST(GradeTls, ExpiryBoundaryIsInclusive) {
  TlsObservation o = Modern();
  o.session->chain[0].not_after = kNow;  // valid through not_after
  EXPECT_EQ(GradeTls(o, kNow).letter, "A");
  EXPECT_EQ(GradeTls(o, kNow + std::chrono::milliseconds(1)).letter, "F");
}

TEST(GradeTls, SelfSignedIsFWithTMapping) {
  TlsObservation o = Modern();
  o.session->chain[0].self_signed = true;
  o.session->chain[0].issuer = o.session->chain[0].subject;
  o.session->chain_trusted = false;
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "F");
  ASSERT_THAT(Codes(g), ElementsAre("cert_self_signed"));
  EXPECT_EQ(g.reasons[0].text, "self-signed certificate (SSL Labs: T; mapped to F)");
}

TEST(GradeTls, UntrustedIsF) {
  TlsObservation o = Modern();
  o.session->chain_trusted = false;
  o.session->verify_error = "unable to get local issuer certificate";
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "F");
  ASSERT_THAT(Codes(g), ElementsAre("cert_untrusted"));
  EXPECT_EQ(g.reasons[0].text,
            "certificate chain not trusted: unable to get local issuer certificate (SSL Labs: T; "
            "mapped to F)");
}

TEST(GradeTls, NameMismatchIsFWithMMapping) {
  TlsObservation o = Modern();
  o.session->hostname_match = false;
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "F");
  ASSERT_THAT(Codes(g), ElementsAre("cert_name_mismatch"));
  EXPECT_NE(g.reasons[0].text.find("SSL Labs: M; mapped to F"), std::string::npos);
}

TEST(GradeTls, Rsa1024IsInsecureKey) {
  TlsObservation o = Modern();
  o.session->chain[0].key_bits = 1024;
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.key_exchange_score, 80);
  EXPECT_EQ(g.score, 30 + 24 + 40);
  EXPECT_EQ(g.letter, "F");
  ASSERT_THAT(Codes(g), ElementsAre("insecure_key"));
  EXPECT_EQ(g.reasons[0].text,
            "insecure certificate key: RSA 1024 bits (below the 112-bit security level)");
}

TEST(GradeTls, UntrustExplainedByTheKeyIsOneReason) {
  TlsObservation o = Modern();
  o.session->chain[0].key_bits = 1024;
  o.session->chain_trusted = false;
  o.session->verify_error = "EE certificate key too weak";
  EXPECT_THAT(Codes(GradeTls(o, kNow)), ElementsAre("insecure_key"));
}

TEST(GradeTls, EcP256IsFine) {
  TlsObservation o = Modern();
  o.session->chain[0].key_type = "EC";
  o.session->chain[0].key_bits = 256;
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.key_exchange_score, 100);
  EXPECT_EQ(g.score, 100);
  EXPECT_EQ(g.letter, "A");
}

TEST(GradeTls, NoForwardSecrecyAndNoAeadCapAtB) {
  TlsObservation o = Modern();
  o.versions[2].cipher = "AES256-SHA";
  o.versions[3] = Ref(TlsVersion::kTls13);
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "B");
  EXPECT_THAT(Codes(g), ElementsAre("no_forward_secrecy", "no_aead"));
}

TEST(GradeTls, Tls13AloneHasFsAndAead) {
  TlsObservation o = Modern();
  o.versions[2].cipher = "AES256-SHA";  // TLS 1.3 still gives FS + AEAD
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_THAT(g.reasons, IsEmpty());
}

TEST(GradeTls, WeakCiphersCapAtF) {
  for (const char* cipher :
       {"DES-CBC-SHA", "ECDHE-RSA-NULL-SHA", "EXP-RC4-MD5", "ADH-AES256-GCM-SHA384"}) {
    TlsObservation o = Modern();
    o.versions[0] = Acc(TlsVersion::kTls10, cipher);
    TlsGrade g = GradeTls(o, kNow);
    EXPECT_EQ(g.letter, "F") << cipher;
    EXPECT_THAT(Codes(g), ::testing::Contains("weak_cipher")) << cipher;
  }
}

TEST(GradeTls, AnonymousSuiteZeroesKeyExchange) {
  TlsObservation o = Modern();
  o.versions[2].cipher = "AECDH-AES256-SHA";
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.key_exchange_score, 0);
  EXPECT_EQ(g.score, 0);
}

TEST(GradeTls, NullCipherLowersCipherScore) {
  TlsObservation o = Modern();
  o.versions[2].cipher = "ECDHE-RSA-NULL-SHA";
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.cipher_score, 50);  // (100 + 0) / 2
  EXPECT_EQ(g.letter, "F");
}

TEST(GradeTls, Rc4AndSweet32) {
  TlsObservation o = Modern();
  o.versions[0] = Acc(TlsVersion::kTls10, "RC4-SHA");
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_THAT(Codes(g), ElementsAre("tls10_offered", "rc4_cipher"));
  EXPECT_EQ(g.reasons[1].cap, 'B');
  EXPECT_EQ(g.letter, "B");

  TlsObservation o2 = Modern();
  o2.versions[1] = Acc(TlsVersion::kTls11, "DES-CBC3-SHA");
  TlsGrade g2 = GradeTls(o2, kNow);
  EXPECT_THAT(Codes(g2), ElementsAre("tls11_offered", "sweet32_cipher"));
  EXPECT_EQ(g2.reasons[1].cap, 'C');
  EXPECT_EQ(g2.letter, "C");

  TlsObservation o3 = Modern();
  o3.versions[2].cipher = "RC4-SHA";
  o3.versions[3] = Ref(TlsVersion::kTls13);
  TlsGrade g3 = GradeTls(o3, kNow);
  EXPECT_THAT(Codes(g3), ElementsAre("rc4_cipher", "no_forward_secrecy", "no_aead"));
  EXPECT_EQ(g3.letter, "C");
}

TEST(GradeTls, WeakSignatures) {
  TlsObservation o = Modern();
  o.session->chain[0].signature_algorithm = "sha1WithRSAEncryption";
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_EQ(g.letter, "F");
  ASSERT_THAT(Codes(g), ElementsAre("sha1_signature"));
  EXPECT_EQ(g.reasons[0].text, "leaf certificate signed with SHA-1 (SSL Labs: T; mapped to F)");

  o.session->chain[0].signature_algorithm = "md5WithRSAEncryption";
  EXPECT_THAT(Codes(GradeTls(o, kNow)), ElementsAre("md5_signature"));
}

TEST(GradeTls, SelfSignedRootSignatureIgnoredIntermediateCounted) {
  TlsObservation o = Modern();
  CertificateInfo inter = GoodLeaf();
  inter.subject = "CN=Intermediate";
  inter.signature_algorithm = "sha1WithRSAEncryption";
  CertificateInfo root = GoodLeaf();
  root.subject = root.issuer = "CN=Root";
  root.self_signed = true;
  root.signature_algorithm = "sha1WithRSAEncryption";
  o.session->chain = {GoodLeaf(), root};
  EXPECT_THAT(GradeTls(o, kNow).reasons, IsEmpty());
  o.session->chain = {GoodLeaf(), inter, root};
  TlsGrade g = GradeTls(o, kNow);
  ASSERT_THAT(Codes(g), ElementsAre("sha1_signature"));
  EXPECT_EQ(g.reasons[0].text.rfind("chain:1 certificate", 0), 0u);
}

TEST(GradeTls, SeveralCapsWorstWins) {
  TlsObservation o = Modern();
  o.versions[0] = Acc(TlsVersion::kTls10, "ECDHE-RSA-AES256-SHA");
  o.session->hostname_match = false;
  TlsGrade g = GradeTls(o, kNow);
  EXPECT_THAT(Codes(g), ElementsAre("tls10_offered", "cert_name_mismatch"));
  EXPECT_EQ(g.letter, "F");
}

TEST(GradeTls, NeverGradesPartialData) {
  TlsObservation none = Modern();
  for (auto& v : none.versions) v = Ref(v.version);
  TlsGrade g = GradeTls(none, kNow);
  EXPECT_EQ(g.letter, "");
  EXPECT_EQ(g.absent_reason, "no handshake succeeded: no TLS version was accepted");
  EXPECT_THAT(g.reasons, IsEmpty());

  TlsObservation unknown = Modern();
  unknown.versions[1] = {
      .version = TlsVersion::kTls11, .status = VersionStatus::kUnknown, .error = "connect_timeout"};
  TlsGrade g2 = GradeTls(unknown, kNow);
  EXPECT_EQ(g2.letter, "");
  EXPECT_EQ(g2.absent_reason, "incomplete: the TLSv1.1 probe could not tell (connect_timeout)");

  TlsObservation nocert = Modern();
  nocert.session.reset();
  EXPECT_EQ(GradeTls(nocert, kNow).absent_reason, "the certificate chain was not read");
  nocert.session = GoodSession();
  nocert.session->chain.clear();
  EXPECT_EQ(GradeTls(nocert, kNow).letter, "");

  EXPECT_EQ(GradeTls(TlsObservation{}, kNow).absent_reason, "no TLS version was probed");
}

TEST(DaysLeft, FloorsTowardsPast) {
  EXPECT_EQ(DaysLeft(kNow + std::chrono::days(14), kNow), 14);
  EXPECT_EQ(DaysLeft(kNow + std::chrono::days(14) - std::chrono::milliseconds(1), kNow), 13);
  EXPECT_EQ(DaysLeft(kNow, kNow), 0);
  EXPECT_EQ(DaysLeft(kNow - std::chrono::milliseconds(1), kNow), -1);
  EXPECT_EQ(DaysLeft(kNow - std::chrono::days(3), kNow), -3);
}

}  // namespace
}  // namespace secplat::core::checks
