#include "core/model/probe.h"

namespace secplat::core::model {

std::string_view ProbeErrorName(ProbeError e) {
  switch (e) {
    case ProbeError::kNone:
      return "none";
    case ProbeError::kDnsFailed:
      return "dns_failed";
    case ProbeError::kDnsTimeout:
      return "dns_timeout";
    case ProbeError::kBlockedByPolicy:
      return "blocked_by_policy";
    case ProbeError::kConnectRefused:
      return "connect_refused";
    case ProbeError::kConnectTimeout:
      return "connect_timeout";
    case ProbeError::kConnectFailed:
      return "connect_failed";
    case ProbeError::kTlsHandshake:
      return "tls_handshake";
    case ProbeError::kTimeoutFirstByte:
      return "timeout_first_byte";
    case ProbeError::kTimeoutTotal:
      return "timeout_total";
    case ProbeError::kTooLarge:
      return "too_large";
    case ProbeError::kTooManyRedirects:
      return "too_many_redirects";
    case ProbeError::kProtocol:
      return "protocol_error";
    case ProbeError::kProbeError:
      return "probe_error";
  }
  return "probe_error";
}

std::string_view TlsVersionName(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls10:
      return "TLSv1.0";
    case TlsVersion::kTls11:
      return "TLSv1.1";
    case TlsVersion::kTls12:
      return "TLSv1.2";
    case TlsVersion::kTls13:
      return "TLSv1.3";
  }
  return "TLSv1.2";
}

std::optional<TlsVersion> ParseTlsVersion(std::string_view s) {
  for (TlsVersion v : kAllTlsVersions) {
    if (TlsVersionName(v) == s) return v;
  }
  return std::nullopt;
}

}  // namespace secplat::core::model
