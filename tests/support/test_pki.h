// TestPki: certificates made at test time with the `openssl` CLI (/usr/bin/openssl) in a temp
// dir: a test CA and the leaves the TLS fixture sites serve. Nothing is checked in; every run
// gets fresh keys. Validity windows are set explicitly (`openssl ca -startdate/-enddate`), so the
// expected not_before/not_after are exact (whole seconds, UTC).
//
//   auto pki = TestPki::Shared();                  // made once per test process
//   if (!pki.has_value()) GTEST_SKIP() << pki.error().message;
//   const TestPki& p = **pki;
//   // p.ca_cert() for the prober's CA file; p.leaf(TestPki::kRsa2048).cert for nginx
//   EXPECT_EQ(info.not_after, p.leaf(TestPki::kExpired).not_after);
//
// Leaves (all issued by the test CA unless noted; subject "O=SecPlat Test, CN=<cn>", which is
// "CN=<cn>,O=SecPlat Test" in RFC 2253 form):
//   kRsa2048     CN site.test, SAN DNS:site.test DNS:localhost IP:127.0.0.1, RSA 2048, valid
//   kEcP256      same names, EC P-256 (prime256v1), valid
//   kExpired     same names, EC P-256, validity ended 1 day before Create() (started 31 days
//   before) kWrongHost   CN other.test, SAN DNS:other.test only, EC P-256, valid kRsa1024     same
//   names as kRsa2048, RSA 1024, valid kSelfSigned  same names, EC P-256, self-signed (issuer ==
//   subject, not issued by the CA)
// Valid leaves: not_before = Create() time - 1 day, not_after = Create() time + 90 days (seconds
// truncated). All signatures are sha256 (ecdsa-with-SHA256 from the EC CA; the self-signed leaf
// signs with its own EC key). The CA: "CN=SecPlat Test CA,O=SecPlat Test", EC P-256, 10 years.
#ifndef SECPLAT_TESTS_SUPPORT_TEST_PKI_H_
#define SECPLAT_TESTS_SUPPORT_TEST_PKI_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::testing {

class TestPki {
 public:
  enum LeafKind { kRsa2048, kEcP256, kExpired, kWrongHost, kRsa1024, kSelfSigned };

  struct Leaf {
    std::string cert;  // PEM path (the leaf alone)
    std::string key;   // PEM path (unencrypted private key)
    std::string common_name;
    std::vector<std::string> dns_sans;
    std::vector<std::string> ip_sans;
    std::string key_type;  // "RSA" or "EC"
    int key_bits = 0;
    Timestamp not_before{};
    Timestamp not_after{};
    bool self_signed = false;
  };

  // Makes the CA and every leaf in a new temp dir (~0.3 s, RSA key generation dominates).
  // Errors: kUnavailable when openssl is missing or a command fails (its output is quoted).
  static Result<std::unique_ptr<TestPki>> Create();
  // One TestPki per process, made on first use and removed at exit. Thread-safe.
  static Result<const TestPki*> Shared();

  ~TestPki();  // removes the temp dir
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& ca_cert() const { return ca_cert_; }  // PEM path; the trust anchor for tests
  const std::string& ca_key() const { return ca_key_; }
  const Leaf& leaf(LeafKind kind) const { return leaves_.at(kind); }
  // The time Create() ran (seconds truncated); validity windows are relative to it.
  Timestamp created_at() const { return created_at_; }

 private:
  TestPki() = default;
  Status Build();
  Status MakeLeaf(LeafKind kind, const std::string& name, const std::string& cn,
                  const std::string& key_alg, bool expired, bool self_signed);

  std::string dir_;
  std::string ca_cert_;
  std::string ca_key_;
  std::map<LeafKind, Leaf> leaves_;
  Timestamp created_at_{};
};

// Runs argv[0] with arguments (no shell), waiting up to `timeout_s`; stdout and stderr go to
// `output` (the last 4 KiB). OK on exit status 0. Shared by the fixtures in tests/support.
Status RunCommand(const std::vector<std::string>& argv, std::string* output, int timeout_s = 30);

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_TEST_PKI_H_
