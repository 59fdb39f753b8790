#include "adapters/probe/error_map.h"

#include <curl/curl.h>

#include <cerrno>

namespace secplat::adapters::probe {

using core::model::ProbeError;

ProbeError ClassifyTransfer(const TransferFacts& f) {
  auto code = static_cast<CURLcode>(f.curl_code);
  if (code == CURLE_OK) return ProbeError::kNone;
  if (f.blocked && !f.connected) return ProbeError::kBlockedByPolicy;
  if (f.too_large) return ProbeError::kTooLarge;
  // Before or during the handshake, a dropped or broken connection is the handshake failing.
  bool in_handshake = f.https && f.connected && !f.tls_done;
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ProbeError::kDnsFailed;
    case CURLE_COULDNT_CONNECT:
      if (f.os_errno == ECONNREFUSED) return ProbeError::kConnectRefused;
      if (f.os_errno == ETIMEDOUT) return ProbeError::kConnectTimeout;
      return ProbeError::kConnectFailed;
    case CURLE_OPERATION_TIMEDOUT:
      if (f.host_is_name && !f.resolved) return ProbeError::kDnsTimeout;
      if (!f.connected) return ProbeError::kConnectTimeout;
      if (in_handshake) return ProbeError::kTlsHandshake;
      return f.header_received ? ProbeError::kTimeoutTotal : ProbeError::kTimeoutFirstByte;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
      return ProbeError::kTlsHandshake;
    case CURLE_FILESIZE_EXCEEDED:
      return ProbeError::kTooLarge;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      if (in_handshake) return ProbeError::kTlsHandshake;
      return ProbeError::kProtocol;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:  // e.g. "HTTP/0.9 when not allowed", bad HTTP/1.x version
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
    case CURLE_HTTP3:
      return f.connected ? ProbeError::kProtocol : ProbeError::kProbeError;
    case CURLE_OUT_OF_MEMORY:
      // curl refuses a single header line over CURL_MAX_HTTP_HEADER (100 KiB) this way, before
      // our header callback sees the line: a response that large is the peer's doing.
      return f.connected && f.tls_done == f.https ? ProbeError::kTooLarge : ProbeError::kProbeError;
    default:
      return ProbeError::kProbeError;
  }
}

}  // namespace secplat::adapters::probe
