// FakeProber: ports::Prober answering from tables, for scanner unit tests. Every call is
// recorded; an unscripted request answers kConnectRefused (HTTP/TLS/TCP), so a test that forgot
// a response sees a clear failure rather than a hang. Tasks complete immediately.
//
//   FakeProber prober;
//   prober.http["https://site.test/"] = {.status = 200, .headers = {{"server", "nginx"}}};
//   ScanContext ctx{.prober = prober, .now = [] { return kT0; }};
#ifndef SECPLAT_TESTS_SUPPORT_FAKE_PROBER_H_
#define SECPLAT_TESTS_SUPPORT_FAKE_PROBER_H_

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/model/probe.h"
#include "ports/probe.h"

namespace secplat::testing {

class FakeProber : public ports::Prober {
 public:
  // Keyed by URL (exact).
  std::map<std::string, core::model::HttpProbeResult> http;
  // Keyed by (host, port, version name or "default").
  std::map<std::tuple<std::string, int, std::string>, core::model::TlsHandshakeResult> tls;
  // Keyed by (host, port).
  std::map<std::pair<std::string, int>, core::model::TcpConnectResult> tcp;

  std::vector<core::model::HttpProbeRequest> http_requests;
  std::vector<core::model::TlsHandshakeRequest> tls_requests;
  std::vector<core::model::TcpConnectRequest> tcp_requests;

  Task<core::model::HttpProbeResult> Http(core::model::HttpProbeRequest request) override {
    http_requests.push_back(request);
    auto it = http.find(request.url);
    if (it != http.end()) {
      core::model::HttpProbeResult r = it->second;
      if (r.final_url.empty()) r.final_url = request.url;
      co_return r;
    }
    co_return core::model::HttpProbeResult{.error = core::model::ProbeError::kConnectRefused,
                                           .error_detail = "fake: no response scripted",
                                           .final_url = request.url};
  }

  Task<core::model::TlsHandshakeResult> TlsHandshake(
      core::model::TlsHandshakeRequest request) override {
    tls_requests.push_back(request);
    std::string version = request.tls.exact_version
                              ? std::string(core::model::TlsVersionName(*request.tls.exact_version))
                              : "default";
    auto it = tls.find({request.host, request.port, version});
    if (it != tls.end()) co_return it->second;
    co_return core::model::TlsHandshakeResult{.error = core::model::ProbeError::kTlsHandshake,
                                              .error_detail = "fake: no handshake scripted"};
  }

  Task<core::model::TcpConnectResult> TcpConnect(core::model::TcpConnectRequest request) override {
    tcp_requests.push_back(request);
    auto it = tcp.find({request.host, request.port});
    if (it != tcp.end()) co_return it->second;
    co_return core::model::TcpConnectResult{.error = core::model::ProbeError::kConnectRefused,
                                            .error_detail = "fake: no port scripted"};
  }
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_FAKE_PROBER_H_
