#include "core/checks/tls_grade.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

namespace secplat::core::checks {
namespace {

using model::Fact;
using model::Severity;
using model::TlsVersion;
using model::TlsVersionName;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> SplitTokens(std::string_view name) {
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : name) {
    if (c == '-' || c == '_') {
      if (!cur.empty()) tokens.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));
  return tokens;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Small decimal (at most 6 digits) or -1.
int SmallNumber(std::string_view s) {
  if (!AllDigits(s) || s.size() > 6) return -1;
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool IsEcKey(std::string_view key_type) {
  std::string t = Upper(key_type);
  return t == "EC" || t == "ECDSA" || t == "ED25519" || t == "ED448" || t == "SM2";
}

int ProtocolPoints(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls10:
      return 90;
    case TlsVersion::kTls11:
      return 95;
    case TlsVersion::kTls12:
    case TlsVersion::kTls13:
      return 100;
  }
  return 0;
}

int CipherPoints(int bits) {
  if (bits <= 0) return 0;
  if (bits < 128) return 20;
  if (bits < 256) return 80;
  return 100;
}

std::string VersionLabel(TlsVersion v) { return std::string(TlsVersionName(v)); }

// The signature algorithm's hash family, lower-case: "md5", "md2", "sha1" or "".
std::string WeakSignatureHash(std::string_view algorithm) {
  std::string a = Lower(algorithm);
  if (a.find("md5") != std::string::npos) return "md5";
  if (a.find("md2") != std::string::npos) return "md2";
  if (a.find("sha1") != std::string::npos || a == "dsawithsha1" ||
      a.find("sha-1") != std::string::npos) {
    return "sha1";
  }
  return "";
}

// Certificates whose signature matters: every served one except a self-signed root (its
// signature is never checked by clients), but a self-signed leaf counts.
std::vector<size_t> SignedCertIndexes(const model::TlsSessionInfo& s) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < s.chain.size(); ++i) {
    if (i > 0 && s.chain[i].self_signed) continue;
    idx.push_back(i);
  }
  return idx;
}

std::string CertLocation(size_t i) { return i == 0 ? "leaf" : "chain:" + std::to_string(i); }

std::vector<const VersionProbe*> Accepted(const TlsObservation& obs) {
  std::vector<const VersionProbe*> out;
  for (const VersionProbe& p : obs.versions) {
    if (p.status == VersionStatus::kAccepted) out.push_back(&p);
  }
  std::sort(out.begin(), out.end(),
            [](const VersionProbe* a, const VersionProbe* b) { return a->version < b->version; });
  return out;
}

const VersionProbe* FindVersion(const TlsObservation& obs, TlsVersion v) {
  for (const VersionProbe& p : obs.versions) {
    if (p.version == v) return &p;
  }
  return nullptr;
}

bool IsAccepted(const TlsObservation& obs, TlsVersion v) {
  const VersionProbe* p = FindVersion(obs, v);
  return p != nullptr && p->status == VersionStatus::kAccepted;
}

// What makes a negotiated suite weak enough to cap at F; empty when it is not.
std::string FatalCipherProblem(const CipherTraits& t) {
  if (t.export_grade) return "export-grade suite";
  if (t.anonymous) return "anonymous key exchange (no server authentication)";
  if (t.bits < 112) return t.bits == 0 ? "no encryption (NULL cipher)" : "cipher under 112 bits";
  return "";
}

}  // namespace

CipherTraits DescribeCipher(std::string_view openssl_name) {
  CipherTraits t;
  std::string name = Upper(openssl_name);
  std::vector<std::string> tok = SplitTokens(name);
  if (tok.empty()) return t;
  bool tls13 = tok[0] == "TLS" && name.rfind("TLS_", 0) == 0;
  if (tls13) {
    t.forward_secrecy = true;
    t.aead = true;
  }
  auto set_bits = [&t](int b) {
    if (!t.known_bits || b < t.bits) t.bits = b;
    t.known_bits = true;
  };
  for (size_t i = 0; i < tok.size(); ++i) {
    const std::string& s = tok[i];
    const std::string next = i + 1 < tok.size() ? tok[i + 1] : "";
    if (s == "NULL" || s == "ENULL") set_bits(0);
    if (s.rfind("EXP", 0) == 0) t.export_grade = true;  // EXP, EXPORT, EXP1024, EXPORT1024
    if (s == "RC4") {
      t.rc4 = true;
      set_bits(128);
    }
    if (s == "CBC3" || s == "3DES" || s == "DES3") {
      t.block64 = true;
      set_bits(112);
    } else if (s == "DES") {
      t.block64 = true;
      if (next != "CBC3") set_bits(56);
    }
    if (s == "IDEA" || s == "SEED") {
      t.block64 = t.block64 || s == "IDEA";
      set_bits(128);
    }
    if (s == "RC2") {
      t.block64 = true;
      set_bits(40);
    }
    if (s == "CHACHA20") set_bits(256);
    for (std::string_view family : {"AES", "CAMELLIA", "ARIA"}) {
      if (s.rfind(family, 0) != 0) continue;
      std::string_view rest = std::string_view(s).substr(family.size());
      int b = rest.empty() ? SmallNumber(next) : SmallNumber(rest);
      if (b > 0) set_bits(b);
    }
    if (s == "GCM" || s == "CCM" || s == "CCM8" || s == "POLY1305") t.aead = true;
  }
  if (!tls13) {
    const std::string& kx = tok[0];
    if (kx == "ECDHE" || kx == "DHE" || kx == "EDH") t.forward_secrecy = true;
    if (kx == "ADH" || kx == "AECDH") t.anonymous = true;
    // "DHE-RSA-..." with an EXP prefix: "EXP-EDH-RSA-DES-CBC-SHA".
    if (t.export_grade && tok.size() > 1 && (tok[1] == "EDH" || tok[1] == "DHE")) {
      t.forward_secrecy = true;
    }
    if (t.export_grade && tok.size() > 1 && tok[1] == "ADH") t.anonymous = true;
  }
  if (t.export_grade) set_bits(40);
  return t;
}

char ScoreLetter(int score) {
  if (score >= 80) return 'A';
  if (score >= 65) return 'B';
  if (score >= 50) return 'C';
  if (score >= 35) return 'D';
  if (score >= 20) return 'E';
  return 'F';
}

int KeyStrengthScore(std::string_view key_type, int bits) {
  if (bits <= 0) return 0;
  if (IsEcKey(key_type)) {
    if (bits < 110) return 20;
    if (bits < 123) return 40;
    if (bits < 163) return 80;
    if (bits < 225) return 90;
    return 100;
  }
  if (bits < 512) return 20;
  if (bits < 1024) return 40;
  if (bits < 2048) return 80;
  if (bits < 4096) return 90;
  return 100;
}

bool IsInsecureKey(std::string_view key_type, int bits) {
  if (bits <= 0) return true;
  return IsEcKey(key_type) ? bits < 224 : bits < 2048;
}

int64_t DaysLeft(Timestamp not_after, Timestamp now) {
  auto d = std::chrono::floor<std::chrono::days>(not_after - now);
  return d.count();
}

TlsGrade GradeTls(const TlsObservation& obs, Timestamp now) {
  TlsGrade g;
  for (const VersionProbe& p : obs.versions) {
    if (p.status == VersionStatus::kUnknown) {
      g.absent_reason = "incomplete: the " + VersionLabel(p.version) + " probe could not tell (" +
                        (p.error.empty() ? std::string("unknown error") : p.error) + ")";
      return g;
    }
  }
  std::vector<const VersionProbe*> accepted = Accepted(obs);
  if (accepted.empty()) {
    g.absent_reason = obs.versions.empty() ? "no TLS version was probed"
                                           : "no handshake succeeded: no TLS version was accepted";
    return g;
  }
  if (!obs.session || obs.session->chain.empty()) {
    g.absent_reason = "the certificate chain was not read";
    return g;
  }
  const model::TlsSessionInfo& s = *obs.session;
  const model::CertificateInfo& leaf = s.chain.front();

  // Scores.
  g.protocol_score =
      (ProtocolPoints(accepted.front()->version) + ProtocolPoints(accepted.back()->version)) / 2;
  g.key_exchange_score = KeyStrengthScore(leaf.key_type, leaf.key_bits);
  int best_cipher = -1;
  int worst_cipher = 101;
  std::vector<std::pair<TlsVersion, CipherTraits>> traits;
  for (const VersionProbe* p : accepted) {
    CipherTraits t = DescribeCipher(p->cipher);
    traits.emplace_back(p->version, t);
    int pts = CipherPoints(t.bits);
    best_cipher = std::max(best_cipher, pts);
    worst_cipher = std::min(worst_cipher, pts);
    if (t.anonymous) g.key_exchange_score = 0;
    if (t.export_grade) g.key_exchange_score = std::min(g.key_exchange_score, 40);
  }
  g.cipher_score = (best_cipher + worst_cipher) / 2;
  if (g.protocol_score == 0 || g.key_exchange_score == 0 || g.cipher_score == 0) {
    g.score = 0;
  } else {
    g.score = (g.protocol_score * 30 + g.key_exchange_score * 30 + g.cipher_score * 40) / 100;
  }

  // Caps, in a fixed order: protocols, ciphers, certificate.
  auto cap = [&g](std::string code, std::string text, char letter) {
    g.reasons.push_back({std::move(code), std::move(text), letter});
  };
  if (IsAccepted(obs, TlsVersion::kTls10)) cap("tls10_offered", "TLSv1.0 offered", 'B');
  if (IsAccepted(obs, TlsVersion::kTls11)) cap("tls11_offered", "TLSv1.1 offered", 'B');
  if (!IsAccepted(obs, TlsVersion::kTls12)) cap("tls12_absent", "TLSv1.2 not offered", 'C');
  bool any_fs = false;
  bool any_aead = false;
  for (const auto& [version, t] : traits) {
    any_fs = any_fs || t.forward_secrecy;
    any_aead = any_aead || t.aead;
    std::string v = VersionLabel(version);
    std::string fatal = FatalCipherProblem(t);
    if (!fatal.empty()) {
      cap("weak_cipher", v + " negotiates " + fatal, 'F');
    } else if ((t.rc4 || t.block64) && version >= TlsVersion::kTls11) {
      cap(t.rc4 ? "rc4_cipher" : "sweet32_cipher",
          v + " negotiates " + (t.rc4 ? "RC4" : "a 64-bit block cipher (SWEET32)"), 'C');
    } else if (t.rc4) {
      cap("rc4_cipher", v + " negotiates RC4", 'B');
    }
  }
  if (!any_fs) cap("no_forward_secrecy", "no negotiated suite has forward secrecy", 'B');
  if (!any_aead) cap("no_aead", "no negotiated suite is AEAD", 'B');

  if (IsInsecureKey(leaf.key_type, leaf.key_bits)) {
    cap("insecure_key",
        "insecure certificate key: " + leaf.key_type + " " + std::to_string(leaf.key_bits) +
            " bits (below the 112-bit security level)",
        'F');
  }
  for (size_t i : SignedCertIndexes(s)) {
    std::string hash = WeakSignatureHash(s.chain[i].signature_algorithm);
    if (hash == "md5" || hash == "md2") {
      cap(hash + "_signature",
          CertLocation(i) + " certificate signed with " + s.chain[i].signature_algorithm, 'F');
    } else if (hash == "sha1") {
      cap("sha1_signature",
          CertLocation(i) + " certificate signed with SHA-1 (SSL Labs: T; mapped to F)", 'F');
    }
  }
  bool expired = now > leaf.not_after;
  bool not_yet_valid = now < leaf.not_before;
  if (expired) cap("cert_expired", "certificate expired (SSL Labs: T; mapped to F)", 'F');
  if (not_yet_valid) {
    cap("cert_not_yet_valid", "certificate not yet valid (SSL Labs: T; mapped to F)", 'F');
  }
  if (leaf.self_signed) {
    cap("cert_self_signed", "self-signed certificate (SSL Labs: T; mapped to F)", 'F');
  } else if (!s.chain_trusted && !expired && !not_yet_valid &&
             !IsInsecureKey(leaf.key_type, leaf.key_bits)) {
    cap("cert_untrusted",
        "certificate chain not trusted" + (s.verify_error.empty() ? "" : ": " + s.verify_error) +
            " (SSL Labs: T; mapped to F)",
        'F');
  }
  if (!s.hostname_match) {
    cap("cert_name_mismatch", "certificate does not match the host name (SSL Labs: M; mapped to F)",
        'F');
  }

  char letter = ScoreLetter(g.score);
  for (const GradeReason& r : g.reasons) letter = std::max(letter, r.cap);
  g.letter = std::string(1, letter);
  return g;
}

std::vector<TlsCheck> EvaluateTlsChecks(const TlsObservation& obs, Timestamp now,
                                        const std::vector<int>& expiry_warning_days) {
  std::vector<TlsCheck> out;
  auto add = [&out](TlsCheck c) { out.push_back(std::move(c)); };

  // Legacy versions offered.
  for (TlsVersion v : {TlsVersion::kTls10, TlsVersion::kTls11}) {
    const VersionProbe* p = FindVersion(obs, v);
    if (p == nullptr || p->status == VersionStatus::kUnknown) continue;
    bool accepted = p->status == VersionStatus::kAccepted;
    TlsCheck c{.check_id = "tls_version_accepted",
               .location = VersionLabel(v),
               .passed = !accepted,
               .severity = Severity::kMedium,
               .title = "Deprecated protocol " + VersionLabel(v) + " accepted",
               .reason = accepted ? VersionLabel(v) + " is accepted (deprecated, RFC 8996)"
                                  : VersionLabel(v) + " is refused"};
    c.evidence.push_back({"version", VersionLabel(v)});
    c.evidence.push_back({"accepted", accepted});
    if (accepted) c.evidence.push_back({"cipher", p->cipher});
    add(std::move(c));
  }
  // Modern versions missing.
  for (TlsVersion v : {TlsVersion::kTls12, TlsVersion::kTls13}) {
    const VersionProbe* p = FindVersion(obs, v);
    if (p == nullptr || p->status == VersionStatus::kUnknown) continue;
    bool accepted = p->status == VersionStatus::kAccepted;
    TlsCheck c{.check_id = "tls_version_missing",
               .location = VersionLabel(v),
               .passed = accepted,
               .severity = v == TlsVersion::kTls12 ? Severity::kMedium : Severity::kLow,
               .title = VersionLabel(v) + " not supported",
               .reason = accepted ? VersionLabel(v) + " is accepted"
                                  : VersionLabel(v) + " is not accepted"};
    c.evidence.push_back({"version", VersionLabel(v)});
    c.evidence.push_back({"accepted", accepted});
    add(std::move(c));
  }
  // Negotiated suites.
  std::vector<const VersionProbe*> accepted = Accepted(obs);
  bool any_fs = false;
  bool any_aead = false;
  std::vector<std::string> suites;
  for (const VersionProbe* p : accepted) {
    CipherTraits t = DescribeCipher(p->cipher);
    any_fs = any_fs || t.forward_secrecy;
    any_aead = any_aead || t.aead;
    suites.push_back(VersionLabel(p->version) + " " + p->cipher);
    std::string problem = FatalCipherProblem(t);
    if (problem.empty() && t.rc4) problem = "RC4";
    if (problem.empty() && t.block64) problem = "64-bit block cipher (SWEET32)";
    TlsCheck c{.check_id = "tls_weak_cipher",
               .location = VersionLabel(p->version),
               .passed = problem.empty(),
               .severity = FatalCipherProblem(t).empty() ? Severity::kMedium : Severity::kHigh,
               .title = "Weak cipher suite negotiated with " + VersionLabel(p->version),
               .reason = problem.empty() ? "negotiated suite is not weak" : problem};
    c.evidence.push_back({"version", VersionLabel(p->version)});
    c.evidence.push_back({"cipher", p->cipher});
    c.evidence.push_back({"bits", int64_t{t.bits}});
    add(std::move(c));
  }
  if (!accepted.empty()) {
    TlsCheck fs{.check_id = "tls_no_forward_secrecy",
                .location = "tls",
                .passed = any_fs,
                .severity = Severity::kMedium,
                .title = "No forward secrecy",
                .reason = any_fs ? "a negotiated suite has forward secrecy"
                                 : "no negotiated suite uses ECDHE or DHE"};
    fs.evidence.push_back({"suites", suites});
    add(std::move(fs));
    TlsCheck aead{.check_id = "tls_no_aead",
                  .location = "tls",
                  .passed = any_aead,
                  .severity = Severity::kLow,
                  .title = "No AEAD cipher suite",
                  .reason = any_aead ? "a negotiated suite is AEAD"
                                     : "no negotiated suite uses GCM, CCM or ChaCha20-Poly1305"};
    aead.evidence.push_back({"suites", suites});
    add(std::move(aead));
  }

  if (!obs.session || obs.session->chain.empty()) return out;
  const model::TlsSessionInfo& s = *obs.session;
  const model::CertificateInfo& leaf = s.chain.front();
  int64_t days_left = DaysLeft(leaf.not_after, now);
  auto cert_evidence = [&](TlsCheck& c) {
    c.evidence.push_back({"subject", leaf.subject});
    c.evidence.push_back({"issuer", leaf.issuer});
    c.evidence.push_back({"not_before", FormatRfc3339(leaf.not_before)});
    c.evidence.push_back({"not_after", FormatRfc3339(leaf.not_after)});
    c.evidence.push_back({"days_left", days_left});
    c.evidence.push_back({"sha256_fingerprint", leaf.sha256_fingerprint});
  };
  bool expired = now > leaf.not_after;
  bool not_yet_valid = now < leaf.not_before;
  {
    TlsCheck c{.check_id = "cert_expired",
               .location = "leaf",
               .passed = !expired,
               .severity = Severity::kCritical,
               .title = "Certificate expired",
               .reason = expired ? "certificate expired on " + FormatRfc3339(leaf.not_after)
                                 : "certificate has not expired"};
    cert_evidence(c);
    add(std::move(c));
  }
  {
    TlsCheck c{.check_id = "cert_not_yet_valid",
               .location = "leaf",
               .passed = !not_yet_valid,
               .severity = Severity::kHigh,
               .title = "Certificate not yet valid",
               .reason = not_yet_valid
                             ? "certificate is valid from " + FormatRfc3339(leaf.not_before)
                             : "certificate validity has started"};
    cert_evidence(c);
    add(std::move(c));
  }
  {
    // The tightest threshold crossed (not for an expired certificate: cert_expired covers it).
    std::optional<int> crossed;
    for (int t : expiry_warning_days) {
      if (t <= 0) continue;
      if (!expired && days_left < t && (!crossed || t < *crossed)) crossed = t;
    }
    Severity sev = Severity::kLow;
    if (crossed) {
      if (*crossed <= 7) {
        sev = Severity::kCritical;
      } else if (*crossed <= 14) {
        sev = Severity::kHigh;
      } else if (*crossed <= 30) {
        sev = Severity::kMedium;
      }
    }
    TlsCheck c{.check_id = "cert_expiring",
               .location = crossed ? "leaf:" + std::to_string(*crossed) + "d" : "leaf",
               .passed = !crossed,
               .severity = sev,
               .title = crossed ? "Certificate expires within " + std::to_string(*crossed) + " days"
                                : "Certificate expiry",
               .reason = crossed ? "certificate expires in " + std::to_string(days_left) + " days"
                                 : (expired ? "certificate already expired (see cert_expired)"
                                            : "no expiry threshold crossed")};
    cert_evidence(c);
    add(std::move(c));
  }
  {
    TlsCheck c{.check_id = "cert_self_signed",
               .location = "leaf",
               .passed = !leaf.self_signed,
               .severity = Severity::kHigh,
               .title = "Self-signed certificate",
               .reason = leaf.self_signed ? "the leaf certificate is self-signed"
                                          : "the leaf certificate is issued by a CA"};
    cert_evidence(c);
    add(std::move(c));
  }
  {
    // Untrust explained by expiry, self-signing or a key the verifier refuses ("EE certificate
    // key too weak") is reported by those checks only.
    bool explained =
        expired || not_yet_valid || leaf.self_signed || IsInsecureKey(leaf.key_type, leaf.key_bits);
    bool fail = !s.chain_trusted && !explained;
    TlsCheck c{.check_id = "cert_untrusted",
               .location = "chain",
               .passed = !fail,
               .severity = Severity::kHigh,
               .title = "Certificate chain not trusted",
               .reason = s.chain_trusted ? "chain verifies against the CA store"
                         : explained     ? "untrusted, explained by expiry, self-signing or the key"
                                         : "chain does not verify: " + s.verify_error};
    c.evidence.push_back({"trusted", s.chain_trusted});
    c.evidence.push_back({"verify_error", s.verify_error});
    c.evidence.push_back({"issuer", leaf.issuer});
    c.evidence.push_back({"chain_length", static_cast<int64_t>(s.chain.size())});
    add(std::move(c));
  }
  {
    TlsCheck c{.check_id = "cert_hostname_mismatch",
               .location = "leaf",
               .passed = s.hostname_match,
               .severity = Severity::kHigh,
               .title = "Certificate does not match the host name",
               .reason = s.hostname_match ? "the certificate matches the host name"
                                          : "no subject or SAN entry matches the host name"};
    c.evidence.push_back({"subject", leaf.subject});
    c.evidence.push_back({"dns_sans", leaf.dns_sans});
    c.evidence.push_back({"ip_sans", leaf.ip_sans});
    add(std::move(c));
  }
  {
    bool insecure = IsInsecureKey(leaf.key_type, leaf.key_bits);
    TlsCheck c{.check_id = "cert_weak_key",
               .location = "leaf",
               .passed = !insecure,
               .severity = Severity::kHigh,
               .title = "Certificate key too small",
               .reason = insecure ? "key below the 112-bit security level" : "key size adequate"};
    c.evidence.push_back({"key_type", leaf.key_type});
    c.evidence.push_back({"key_bits", int64_t{leaf.key_bits}});
    add(std::move(c));
  }
  for (size_t i : SignedCertIndexes(s)) {
    std::string hash = WeakSignatureHash(s.chain[i].signature_algorithm);
    TlsCheck c{.check_id = "cert_weak_signature",
               .location = CertLocation(i),
               .passed = hash.empty(),
               .severity = hash == "sha1" || hash.empty() ? Severity::kMedium : Severity::kHigh,
               .title = "Certificate signed with a weak hash",
               .reason = hash.empty() ? "signature hash is not MD5, MD2 or SHA-1"
                                      : "signature uses " + hash};
    c.evidence.push_back({"subject", s.chain[i].subject});
    c.evidence.push_back({"signature_algorithm", s.chain[i].signature_algorithm});
    add(std::move(c));
  }
  return out;
}

}  // namespace secplat::core::checks
