// How a finished libcurl transfer maps to the ProbeError taxonomy: by curl code, the socket
// errno and what the transfer got to (connected, TLS done, a header seen), never by message
// text. Kept apart from the event loop so every branch has a unit test.
//
//   TransferFacts f{.curl_code = CURLE_OPERATION_TIMEDOUT, .connected = true,
//                   .header_received = true};
//   ClassifyTransfer(f) == ProbeError::kTimeoutTotal   // slowloris
#ifndef SECPLAT_ADAPTERS_PROBE_ERROR_MAP_H_
#define SECPLAT_ADAPTERS_PROBE_ERROR_MAP_H_

#include "core/model/probe.h"

namespace secplat::adapters::probe {

struct TransferFacts {
  int curl_code = 0;             // CURLcode
  long os_errno = 0;             // CURLINFO_OS_ERRNO
  bool blocked = false;          // the open-socket callback refused an address (target policy)
  bool too_large = false;        // our header/body cap aborted the transfer
  bool https = false;            // a TLS handshake was part of the transfer
  bool host_is_name = false;     // the host needed resolving (not a literal, not a static host)
  bool resolved = false;         // name lookup finished
  bool connected = false;        // TCP connect finished
  bool tls_done = false;         // TLS handshake finished
  bool header_received = false;  // a response status line arrived
};

core::model::ProbeError ClassifyTransfer(const TransferFacts& facts);

}  // namespace secplat::adapters::probe

#endif  // SECPLAT_ADAPTERS_PROBE_ERROR_MAP_H_
