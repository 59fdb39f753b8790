// Probe data: what a scanner asks the network for and what comes back, as plain structs.
// The prober that fills them is ports/probe.h (implemented by adapters/probe over libcurl and
// OpenSSL); the graders in core/checks read them. Nothing here does I/O.
//
// The failure taxonomy is an enum derived from typed library errors, never from message text
// (domain-reference 1.1): kProbeError means "our side could not tell", which is UNKNOWN for
// posture, never DOWN.
#ifndef SECPLAT_CORE_MODEL_PROBE_H_
#define SECPLAT_CORE_MODEL_PROBE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/time.h"

namespace secplat::core::model {

// Why a probe did not produce a response. kNone: it did (any HTTP status is a response).
enum class ProbeError {
  kNone,
  kDnsFailed,         // name did not resolve (NXDOMAIN, SERVFAIL, no address)
  kDnsTimeout,        // resolver did not answer in time
  kBlockedByPolicy,   // the resolved address (or a redirect hop) is denied by the target policy
  kConnectRefused,    // RST on connect
  kConnectTimeout,    // no answer to SYN in time
  kConnectFailed,     // other connect errors (unreachable network/host)
  kTlsHandshake,      // handshake failed (protocol/cipher mismatch, garbage, alert)
  kTimeoutFirstByte,  // connected, but no response header in time
  kTimeoutTotal,      // the whole exchange exceeded its deadline (slow body: slowloris)
  kTooLarge,          // body, header block or header count over the hard cap
  kTooManyRedirects,  // more hops than allowed, or a redirect loop
  kProtocol,          // malformed HTTP response
  kProbeError,        // our side broke (out of memory, internal library error)
};

// "dns_failed", "connect_refused", ... (stable: stored in events and job logs).
std::string_view ProbeErrorName(ProbeError e);

enum class TlsVersion { kTls10, kTls11, kTls12, kTls13 };
std::string_view TlsVersionName(TlsVersion v);  // "TLSv1.0" ... "TLSv1.3"
std::optional<TlsVersion> ParseTlsVersion(std::string_view s);
inline constexpr TlsVersion kAllTlsVersions[] = {TlsVersion::kTls10, TlsVersion::kTls11,
                                                 TlsVersion::kTls12, TlsVersion::kTls13};

// One certificate as served (verification off: expired or untrusted certificates are read too).
struct CertificateInfo {
  std::string subject;  // RFC 2253 one-line form, e.g. "CN=site.test,O=SecPlat Test"
  std::string issuer;
  std::vector<std::string> dns_sans;  // subjectAltName DNS entries
  std::vector<std::string> ip_sans;   // subjectAltName IP entries, textual
  std::string serial_hex;
  std::string sha256_fingerprint;  // lower-case hex of the DER
  Timestamp not_before{};
  Timestamp not_after{};
  std::string key_type;  // "RSA", "EC", "Ed25519", "DSA", ...
  int key_bits = 0;
  std::string signature_algorithm;  // e.g. "sha256WithRSAEncryption"
  bool self_signed = false;         // issuer == subject and the signature verifies with its own key
};

// The TLS session a probe negotiated.
struct TlsSessionInfo {
  TlsVersion version = TlsVersion::kTls12;
  std::string cipher;                  // OpenSSL name, e.g. "ECDHE-RSA-AES128-GCM-SHA256"
  std::vector<CertificateInfo> chain;  // leaf first, as served
  bool chain_trusted = false;          // verified against the CA store (verification result 0)
  std::string verify_error;     // OpenSSL's text when not trusted, e.g. "certificate has expired"
  bool hostname_match = false;  // leaf matches the requested host name (or IP)
};

// Per-phase durations of one exchange (blackbox_exporter phases). Zero when a phase did not run.
struct ProbeTimings {
  Duration dns{};
  Duration connect{};
  Duration tls{};
  Duration first_byte{};  // request sent -> first response byte ("processing")
  Duration transfer{};    // first byte -> last byte
  Duration total{};
};

// Options for the TLS part of a probe.
struct TlsProbeOptions {
  // Set: exactly this version (min = max). Unset: the prober's defaults (TLS 1.2 and 1.3).
  std::optional<TlsVersion> exact_version;
  // Probing mode: security level 0, every cipher (also ones OpenSSL refuses by default),
  // legacy renegotiation allowed. Needed to see TLS 1.0/1.1 or RSA-1024 servers at all.
  bool permissive = false;
};

struct HttpProbeRequest {
  std::string method = "GET";
  std::string url;  // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Duration connect_timeout = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(10);  // whole exchange incl. redirects
  // Redirects the prober follows itself (each hop's address checked against the target policy
  // again). 0: return the 3xx as the response.
  int max_redirects = 0;
  int64_t max_body_bytes = 1 << 20;  // beyond: kTooLarge (body_truncated is not an error mode)
  // Read at most max_body_bytes and stop without error (for fingerprinting pages) when true.
  bool truncate_body_ok = false;
  TlsProbeOptions tls;
};

struct RedirectHop {
  std::string url;       // the URL requested
  int status = 0;        // its 3xx status
  std::string location;  // absolute target
};

struct HttpProbeResult {
  ProbeError error = ProbeError::kNone;
  std::string error_detail;  // library text for logs; never parsed
  int status = 0;
  std::string http_version;                                  // "1.1", "2"
  std::vector<std::pair<std::string, std::string>> headers;  // final response; names lower-case
  std::string body;                                          // at most max_body_bytes
  bool body_truncated = false;
  std::string final_url;
  std::vector<RedirectHop> hops;  // in order; empty when none was followed
  std::string remote_ip;          // the address connected to (last hop)
  ProbeTimings timings;
  std::optional<TlsSessionInfo> tls;  // https only, when the handshake completed

  // First header with that lower-case name, or empty.
  std::string_view Header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return v;
    }
    return {};
  }
};

// One TLS handshake (no HTTP): which version/cipher a server accepts and its chain.
struct TlsHandshakeRequest {
  std::string host;  // name or literal IP; also the SNI when it is a name
  int port = 443;
  TlsProbeOptions tls;
  Duration timeout = std::chrono::seconds(5);
};

struct TlsHandshakeResult {
  ProbeError error = ProbeError::kNone;  // kTlsHandshake: this version/cipher set was refused
  std::string error_detail;
  std::string remote_ip;
  Duration duration{};
  std::optional<TlsSessionInfo> session;  // set when the handshake completed
};

struct TcpConnectRequest {
  std::string host;
  int port = 0;
  Duration timeout = std::chrono::seconds(3);
};

struct TcpConnectResult {
  ProbeError error = ProbeError::kNone;  // kNone: the port accepted a connection
  std::string error_detail;
  std::string remote_ip;
  Duration duration{};
};

}  // namespace secplat::core::model

#endif  // SECPLAT_CORE_MODEL_PROBE_H_
