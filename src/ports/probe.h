// Prober: the network, as scanners see it. Every method is a coroutine: it suspends the calling
// scanner and the implementation resumes it when the answer is in, so one thread runs hundreds
// of scans at once. Implemented by adapters/probe (libcurl multi + OpenSSL, one event loop per
// core); unit tests use tests/support/fake_prober.h.
//
// Safety is the implementation's job, not the caller's: every connection (each redirect hop
// included) goes to an address the target policy (core/netpolicy) allows, checked on the
// resolved address itself, so a name that resolves to a denied address is refused
// (ProbeError::kBlockedByPolicy) and DNS rebinding gains nothing. Hard caps (body, headers,
// redirects, time, concurrent connections per host) bound what a hostile target can cost.
//
//   Task<ScanResult> MyScan(const ScanInput& in, ScanContext& ctx) {
//     HttpProbeRequest req{.url = in.asset.url};   // a named local: see the g++ 12 note below
//     HttpProbeResult r = co_await ctx.prober.Http(std::move(req));
//     ...
//   }
//
// g++ 12 bug: inside a coroutine, `co_await prober.Http({.url = u})` (a braced temporary as the
// argument of the awaited call) frees an invalid pointer (ASan: bad-free; Release: abort). Build
// the request in a named local (or return it from a function) and move it in, as above.
#ifndef SECPLAT_PORTS_PROBE_H_
#define SECPLAT_PORTS_PROBE_H_

#include <functional>

#include "core/common/task.h"
#include "core/model/probe.h"

namespace secplat::ports {

class Prober {
 public:
  virtual ~Prober() = default;
  // One HTTP(S) exchange, following up to request.max_redirects hops itself. Never fails as a
  // Task: errors are in HttpProbeResult::error.
  virtual Task<core::model::HttpProbeResult> Http(core::model::HttpProbeRequest request) = 0;
  // One TLS handshake, then close (no HTTP).
  virtual Task<core::model::TlsHandshakeResult> TlsHandshake(
      core::model::TlsHandshakeRequest request) = 0;
  // One TCP connect, then close.
  virtual Task<core::model::TcpConnectResult> TcpConnect(
      core::model::TcpConnectRequest request) = 0;
};

// The thread(s) that resume probes. Scanner tasks are started through Post so that a scanner
// runs on one of the prober's loop threads from its first line, and stays on it: a probe
// awaited there resumes on that same thread. An implementation may have several loop threads
// (CurlProber has one per core), so state shared between scanners needs its own locking.
// FakeProber-based tests run the closure inline.
class ProbeLoop {
 public:
  virtual ~ProbeLoop() = default;
  // Runs `fn` on a loop thread soon. Thread-safe.
  virtual void Post(std::function<void()> fn) = 0;
};

}  // namespace secplat::ports

#endif  // SECPLAT_PORTS_PROBE_H_
