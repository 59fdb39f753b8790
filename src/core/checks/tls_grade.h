// TLS grading: what a server's accepted protocol versions, negotiated ciphers and certificate
// chain are worth, after the SSL Labs Rating Guide as implemented by testssl.sh
// (domain-reference 1.2), plus the per-check results the tls_headers scanner turns into
// findings. Pure: `now` is passed in.
//
//   TlsObservation obs;
//   obs.versions = {{.version = TlsVersion::kTls12, .status = VersionStatus::kAccepted,
//                    .cipher = "ECDHE-RSA-AES128-GCM-SHA256"},
//                   {.version = TlsVersion::kTls10, .status = VersionStatus::kAccepted,
//                    .cipher = "ECDHE-RSA-AES256-SHA"}, ...};
//   obs.session = session_from_the_https_get;   // chain, trust, hostname match
//   TlsGrade g = GradeTls(obs, now);
//   // g.letter == "B", g.reasons[0] == {"tls10_offered", "TLSv1.0 offered", 'B'}
//   std::vector<TlsCheck> checks = EvaluateTlsChecks(obs, now, {30, 14, 7, 1});
//
// Our letters are A-F only: SSL Labs' T (trust problems) and M (name mismatch) map to F, and the
// reason text says so. A grade is never computed from partial data (testssl.sh withholds its
// rating when a sub-check did not run): when a version probe could not tell, when no version was
// accepted or when no certificate was read, `letter` is empty and `absent_reason` says why.
//
// Known limits: one cipher per version is observed (the one the server picks from a client
// offering every suite), so the cipher score and the weak-cipher caps see the preferred suites
// only; key-exchange groups and DH sizes are not observed (ECDHE/DHE count as strong); SSLv2/3,
// Heartbleed, ROBOT and the other vulnerability caps are not tested.
#ifndef SECPLAT_CORE_CHECKS_TLS_GRADE_H_
#define SECPLAT_CORE_CHECKS_TLS_GRADE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/time.h"
#include "core/model/finding.h"
#include "core/model/probe.h"
#include "core/model/scan_result.h"

namespace secplat::core::checks {

// What one exact-version handshake found out.
enum class VersionStatus {
  kAccepted,  // the handshake completed at this version
  kRefused,   // the server refused this version (handshake failure / alert)
  kUnknown,   // the probe could not tell (connect failure, timeout, blocked, our error)
};

struct VersionProbe {
  model::TlsVersion version = model::TlsVersion::kTls12;
  VersionStatus status = VersionStatus::kUnknown;
  std::string cipher;  // when accepted: the OpenSSL name of the negotiated suite
  std::string error;   // when unknown: the probe error name, e.g. "connect_timeout"
};

// Everything the grade reads.
struct TlsObservation {
  std::vector<VersionProbe> versions;  // one per probed version, any order
  // The certificate chain as served, with the trust verdict and hostname match (from the
  // default-settings HTTPS request, or a handshake when that failed). Unset: not read.
  std::optional<model::TlsSessionInfo> session;
};

// What an OpenSSL cipher suite name says about the suite.
struct CipherTraits {
  int bits = 128;                // symmetric strength; 0 for NULL encryption
  bool known_bits = false;       // false: the name did not say (bits is then a guess of 128)
  bool forward_secrecy = false;  // ECDHE/DHE key exchange, or any TLS 1.3 suite
  bool aead = false;             // GCM, CCM, ChaCha20-Poly1305, or any TLS 1.3 suite
  bool anonymous = false;        // ADH / AECDH: no server authentication
  bool export_grade = false;     // EXP-*
  bool rc4 = false;
  bool block64 = false;  // 64-bit block cipher (3DES, DES, IDEA, RC2): SWEET32
};
CipherTraits DescribeCipher(std::string_view openssl_name);

// A cap on the grade and why. `cap` is the highest letter still possible ('A'..'F').
struct GradeReason {
  std::string code;  // stable, e.g. "tls10_offered", "cert_expired"
  std::string text;  // one line for people
  char cap = 'F';
  bool operator==(const GradeReason&) const = default;
};

struct TlsGrade {
  std::string letter;         // "A".."F"; empty: not graded (see absent_reason)
  std::string absent_reason;  // why there is no grade
  int score = 0;              // 0..100 before caps
  int protocol_score = 0;
  int key_exchange_score = 0;
  int cipher_score = 0;
  std::vector<GradeReason> reasons;  // every cap that applied, in a fixed order
};

TlsGrade GradeTls(const TlsObservation& obs, Timestamp now);

// Letter for a 0..100 score: A >= 80, B >= 65, C >= 50, D >= 35, E >= 20, else F.
char ScoreLetter(int score);

// Key-exchange score of a certificate key (SSL Labs / testssl.sh table): RSA/DSA/DH 20 (<512),
// 40 (<1024), 80 (<2048), 90 (<4096), 100; EC/EdDSA 20 (<110), 40 (<123), 80 (<163),
// 90 (<225), 100.
int KeyStrengthScore(std::string_view key_type, int bits);

// True when the key is below the 112-bit security level (NIST SP 800-131A): RSA/DSA under 2048
// bits, EC under 224 bits. Graded F ("insecure key").
bool IsInsecureKey(std::string_view key_type, int bits);

// Whole days from `now` to `not_after`, rounded down (negative once expired).
int64_t DaysLeft(Timestamp not_after, Timestamp now);

// One check result; failed ones become findings. `location` is part of the finding key, so it
// never carries volatile text (no day counts, no cipher names).
struct TlsCheck {
  std::string check_id;  // e.g. "tls_version_accepted", "cert_expired"
  std::string location;  // e.g. "TLSv1.0", "leaf", "leaf:14d", "chain"
  bool passed = true;
  model::Severity severity = model::Severity::kInfo;  // of the finding when failed
  std::string title;                                  // fixed text per check and location
  std::string reason;                                 // why it passed or failed (may vary)
  std::vector<model::Fact> evidence;                  // observed values (FactsToJson)
};

// Every TLS check that could run on `obs`, passed or failed. Version checks run for versions
// whose probe could tell; certificate checks only when a session was read.
//
// Trust: cert_untrusted fails only when the untrust is not explained by a failed check of its
// own (expired, not yet valid, self-signed, insecure key: verifiers refuse RSA-1024 with "EE
// certificate key too weak"), so one cause gives one finding; GradeTls applies the same rule
// to its reasons. A renewed certificate that is still untrusted then shows cert_untrusted.
//
// Expiry: `expiry_warning_days` are thresholds (any order). At most one cert_expiring result
// fails: the tightest threshold crossed, with location "leaf:<N>d" and severity by N (<= 7
// critical, <= 14 high, <= 30 medium, else low). Each crossing therefore opens a new finding
// (so it is notified), and the looser one it supersedes is no longer observed and resolves;
// a renewed certificate resolves the last one. An expired certificate fails cert_expired
// (critical) instead.
std::vector<TlsCheck> EvaluateTlsChecks(const TlsObservation& obs, Timestamp now,
                                        const std::vector<int>& expiry_warning_days);

}  // namespace secplat::core::checks

#endif  // SECPLAT_CORE_CHECKS_TLS_GRADE_H_
