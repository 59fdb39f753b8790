// InspectCertificate on the test PKI's files: the facts match what TestPki issued.
#include "adapters/probe/tls_inspect.h"

#include <gtest/gtest.h>

#include "tests/support/test_pki.h"

namespace secplat::adapters::probe {
namespace {

using secplat::testing::TestPki;

TEST(TlsInspectTest, LeavesMatchWhatWasIssued) {
  auto pki = TestPki::Shared();
  ASSERT_TRUE(pki.has_value()) << pki.error().message;
  for (auto kind : {TestPki::kRsa2048, TestPki::kEcP256, TestPki::kExpired, TestPki::kWrongHost,
                    TestPki::kRsa1024, TestPki::kSelfSigned}) {
    const TestPki::Leaf& want = (*pki)->leaf(kind);
    auto got = ReadCertificatePem(want.cert);
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_EQ(got->subject, "CN=" + want.common_name + ",O=SecPlat Test");
    EXPECT_EQ(got->issuer, want.self_signed ? got->subject : "CN=SecPlat Test CA,O=SecPlat Test");
    EXPECT_EQ(got->dns_sans, want.dns_sans);
    EXPECT_EQ(got->ip_sans, want.ip_sans);
    EXPECT_EQ(got->not_before, want.not_before);
    EXPECT_EQ(got->not_after, want.not_after);
    EXPECT_EQ(got->key_type, want.key_type);
    EXPECT_EQ(got->key_bits, want.key_bits);
    EXPECT_EQ(got->self_signed, want.self_signed);
    EXPECT_EQ(got->signature_algorithm, "ecdsa-with-SHA256");
    EXPECT_EQ(got->sha256_fingerprint.size(), 64u);
    EXPECT_EQ(got->sha256_fingerprint.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  auto ca = ReadCertificatePem((*pki)->ca_cert());
  ASSERT_TRUE(ca.has_value());
  EXPECT_TRUE(ca->self_signed);
  EXPECT_FALSE(ReadCertificatePem("/nonexistent.pem").has_value());
}

}  // namespace
}  // namespace secplat::adapters::probe
