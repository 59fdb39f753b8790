// web_exposure: sensitive paths (the signature pack), directory listings, CORS, TRACE, plain
// HTTP, and optionally open TCP ports of host assets.
//
// Order and politeness: one request at a time, never in parallel against one target:
//  1. the soft-404 baseline: a random path (from ScanInput::nonce) under the asset's base path;
//     if even that fails (refused, timeout, blocked by policy) the scan is kFailed: nothing
//     could be judged;
//  2. every signature path (GET, redirects not followed, body read up to max_body_bytes and
//     truncated without error); a hit that looks like the baseline is dropped as a soft 404;
//  3. the asset URL with `Origin: https://<nonce>.invalid` (CORS; for http:// assets the same
//     response also decides "plain HTTP");
//  4. TRACE on the asset URL with a marker header;
//  5. plain HTTP (rule below);
//  6. TCP ports (host assets without a URL, ExposureScanOptions::tcp_ports).
// After kMaxConsecutiveFailures failed requests in a row the remaining web checks are skipped
// (the target is struggling; they are left out of checks_run, so nothing is resolved by it).
//
// Plain HTTP rule. A web asset has one URL:
//  - http:// asset: the asset URL itself is requested without following redirects. A redirect
//    to https:// (after at most 3 http:// hops) passes; anything else served over plain HTTP is
//    the finding, since no https counterpart is known.
//  - https:// asset on the default port 443: http://<host>/<path> on port 80 is requested. No
//    answer (refused, timeout) passes (no plain HTTP service); a redirect to https:// passes;
//    content served is the finding.
//  - https:// asset on another port: no conventional http counterpart; the check is skipped
//    (fact exposure.plain_http = "skipped").
//
// Findings: check_id = signature id (or one of the kCheck* ids), location = the normalised
// request path (the http URL for plain_http_no_redirect, the port for open_port), so the key
// never depends on titles or response text. Evidence: path, status, content type and a
// redacted excerpt (RedactedExcerpt: values of KEY=VALUE lines and secrets masked).
#include "services/worker/scanners/web_exposure.h"

#include <string>
#include <utility>
#include <vector>

#include "core/common/json_string.h"
#include "core/contracts/keys.h"
#include "core/model/probe.h"

namespace secplat::services::worker {
namespace {

// Every argument of a co_awaited call below is a named local moved in, never a braced
// temporary: g++ 12 destroys such temporaries twice inside coroutines (ASan: bad free).

using core::checks::Signature;
using core::checks::SignaturePack;
using core::model::FindingObservation;
using core::model::HttpProbeRequest;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::ScanOutcome;
using core::model::ScanResult;
using core::model::Severity;

constexpr std::string_view kScanType = "web_exposure";
constexpr int kMaxConsecutiveFailures = 3;
constexpr int kMaxPlainHttpHops = 3;

Timestamp FinishedAt(const ScanInput& input, ScanContext& ctx) {
  return ctx.now ? ctx.now() : input.now;
}

ScanResult Failed(ScanResult r, std::string code, std::string message) {
  r.outcome = ScanOutcome::kFailed;
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  r.log.push_back("failed: " + r.error_code + ": " + r.error_message);
  return r;
}

// A tiny JSON object writer for evidence (string and integer members only).
class EvidenceJson {
 public:
  EvidenceJson& Str(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
    return *this;
  }
  EvidenceJson& Int(std::string_view key, int64_t value) {
    Key(key);
    out_ += std::to_string(value);
    return *this;
  }
  std::string Done() { return out_ + "}"; }

 private:
  void Key(std::string_view key) {
    out_ += out_.size() == 1 ? "" : ",";
    AppendJsonString(out_, key);
    out_ += ":";
  }
  std::string out_ = "{";
};

bool IsUnreachable(ProbeError e) {
  return e == ProbeError::kConnectRefused || e == ProbeError::kConnectTimeout ||
         e == ProbeError::kConnectFailed;
}

// The scan's state across its steps.
struct Run {
  const ScanInput& input;
  ScanContext& ctx;
  ScanResult result;
  core::checks::UrlParts base;
  int consecutive_failures = 0;
  int64_t paths_checked = 0;

  bool Exhausted() const { return consecutive_failures >= kMaxConsecutiveFailures; }

  HttpProbeRequest Request(std::string method, std::string url) const {
    const ExposureScanOptions& o = input.options.exposure;
    return HttpProbeRequest{.method = std::move(method),
                            .url = std::move(url),
                            .headers = {{"User-Agent", input.options.user_agent}},
                            .connect_timeout = o.request_timeout,
                            .timeout = o.request_timeout,
                            .max_redirects = 0,
                            .max_body_bytes = o.max_body_bytes,
                            .truncate_body_ok = true};
  }

  // Sends one request; counts failures in a row and logs them.
  Task<HttpProbeResult> Send(HttpProbeRequest request) {
    std::string what = request.method + " " + request.url;
    HttpProbeResult res = co_await ctx.prober.Http(std::move(request));
    if (res.error == ProbeError::kNone) {
      consecutive_failures = 0;
    } else {
      ++consecutive_failures;
      std::string line = what + ": " + std::string(core::model::ProbeErrorName(res.error));
      if (!res.error_detail.empty()) line += ": " + res.error_detail;
      result.log.push_back(std::move(line));
    }
    co_return res;
  }

  void AddFinding(std::string_view check_id, std::string location, std::string title,
                  Severity severity, std::string evidence) {
    FindingObservation f;
    f.asset_key = input.asset.asset_key;
    f.source = std::string(kScanType);
    f.check_id = std::string(check_id);
    f.location = std::move(location);
    f.finding_key =
        core::contracts::DeriveFindingKey(f.asset_key, f.source, f.check_id, f.location);
    f.category = "exposure";
    f.title = std::move(title);
    f.severity = severity;
    f.evidence_json = std::move(evidence);
    result.log.push_back("finding " + f.check_id + " at " + f.location);
    result.findings.push_back(std::move(f));
  }
};

Task<void> RunSignatures(Run& run, const SignaturePack& pack,
                         const core::checks::Soft404Baseline& baseline) {
  std::vector<std::string> matches;
  int64_t dropped = 0;
  for (const Signature& sig : pack.signatures) {
    bool complete = true;
    for (const std::string& sig_path : sig.paths) {
      if (run.Exhausted()) {
        complete = false;
        break;
      }
      std::string path = core::checks::JoinPath(run.base.path, sig_path);
      HttpProbeRequest req = run.Request("GET", core::checks::BuildUrl(run.base, path));
      HttpProbeResult res = co_await run.Send(std::move(req));
      ++run.paths_checked;
      if (res.error != ProbeError::kNone) {
        complete = false;
        continue;
      }
      std::optional<core::checks::SignatureHit> hit = core::checks::MatchSignature(sig, res);
      if (!hit) continue;
      if (core::checks::LooksLikeSoft404(baseline, path, res)) {
        ++dropped;
        run.result.log.push_back("dropped " + sig.id + " at " + path +
                                 ": response looks like the soft-404 baseline");
        continue;
      }
      matches.push_back(sig.id + " " + path);
      run.AddFinding(sig.id, path, sig.title, sig.severity,
                     EvidenceJson()
                         .Str("path", path)
                         .Int("status", res.status)
                         .Str("content_type", res.Header("content-type"))
                         .Str("excerpt", hit->excerpt)
                         .Str("cwe", sig.cwe)
                         .Str("remediation", sig.remediation)
                         .Str("signature_pack", pack.name + " " + pack.version)
                         .Done());
    }
    if (complete) run.result.checks_run.push_back(sig.id);
  }
  run.result.facts.push_back({"exposure.matches", matches});
  run.result.facts.push_back({"exposure.soft404_dropped", dropped});
}

// GET of the asset URL with a foreign Origin. Returns the response (reused by plain HTTP).
Task<HttpProbeResult> RunCors(Run& run, const std::string& origin) {
  HttpProbeRequest req = run.Request("GET", run.input.asset.url);
  req.headers.emplace_back("Origin", origin);
  HttpProbeResult res = co_await run.Send(std::move(req));
  if (res.error != ProbeError::kNone) co_return res;
  core::checks::CorsIssue issue = core::checks::EvaluateCors(origin, res);
  run.result.facts.push_back({"exposure.cors", std::string(core::checks::CorsIssueName(issue))});
  auto evidence = [&] {
    return EvidenceJson()
        .Str("path", run.base.path)
        .Str("origin_sent", origin)
        .Str("access_control_allow_origin", res.Header("access-control-allow-origin"))
        .Str("access_control_allow_credentials", res.Header("access-control-allow-credentials"))
        .Done();
  };
  if (issue == core::checks::CorsIssue::kReflectedWithCredentials) {
    run.AddFinding(kCheckCorsReflected, run.base.path,
                   "CORS reflects any Origin and allows credentials", Severity::kHigh, evidence());
  } else if (issue == core::checks::CorsIssue::kWildcardWithCredentials) {
    run.AddFinding(kCheckCorsWildcard, run.base.path,
                   "CORS allows any Origin (*) together with credentials", Severity::kMedium,
                   evidence());
  }
  run.result.checks_run.push_back(std::string(kCheckCorsReflected));
  run.result.checks_run.push_back(std::string(kCheckCorsWildcard));
  co_return res;
}

Task<void> RunTrace(Run& run) {
  std::string marker = "secplat-trace-" + core::checks::BaselinePath(run.input.nonce).substr(13);
  HttpProbeRequest req = run.Request("TRACE", run.input.asset.url);
  req.headers.emplace_back("X-SecPlat-Trace", marker);
  HttpProbeResult res = co_await run.Send(std::move(req));
  if (res.error != ProbeError::kNone) co_return;
  bool echoed = core::checks::TraceEchoed(run.base.path, marker, res);
  run.result.facts.push_back({"exposure.trace_enabled", echoed});
  if (echoed) {
    run.AddFinding(kCheckTrace, run.base.path, "HTTP TRACE method enabled", Severity::kLow,
                   EvidenceJson().Str("path", run.base.path).Int("status", res.status).Done());
  }
  run.result.checks_run.push_back(std::string(kCheckTrace));
}

// Follows http:// -> http:// redirects (at most kMaxPlainHttpHops) from `first`, the response
// to `url`. Records the verdict.
Task<void> RunPlainHttp(Run& run, std::string url, HttpProbeResult res) {
  for (int hop = 0;; ++hop) {
    if (res.error != ProbeError::kNone) {
      if (IsUnreachable(res.error)) {
        run.result.facts.push_back({"exposure.plain_http", std::string("not_served")});
        run.result.checks_run.push_back(std::string(kCheckPlainHttp));
      }
      co_return;  // other errors: the check did not run
    }
    core::checks::PlainHttpStep step = core::checks::ClassifyPlainHttp(url, res);
    if (step.kind == core::checks::PlainHttpKind::kRedirectsToHttps) {
      run.result.facts.push_back({"exposure.plain_http", std::string("redirects_to_https")});
      run.result.checks_run.push_back(std::string(kCheckPlainHttp));
      co_return;
    }
    if (step.kind == core::checks::PlainHttpKind::kServed || hop >= kMaxPlainHttpHops ||
        run.Exhausted()) {
      run.result.facts.push_back({"exposure.plain_http", std::string("served")});
      std::string location = url;
      if (hop > 0) location = run.input.asset.url;  // key on where the chain started
      auto parts = core::checks::ParseHttpUrl(location);
      std::string key_location =
          parts ? core::checks::BuildUrl(*parts, parts->path) : std::string(location);
      run.AddFinding(kCheckPlainHttp, key_location,
                     "Site served over plain HTTP without a redirect to HTTPS", Severity::kMedium,
                     EvidenceJson().Str("url", url).Int("status", res.status).Done());
      run.result.checks_run.push_back(std::string(kCheckPlainHttp));
      co_return;
    }
    url = step.next_url;
    HttpProbeRequest req = run.Request("GET", url);
    res = co_await run.Send(std::move(req));
  }
}

Task<void> RunPorts(Run& run, const std::string& host) {
  std::vector<std::string> open;
  bool complete = true;
  for (int port : run.input.options.exposure.tcp_ports) {
    core::model::TcpConnectRequest req{
        .host = host, .port = port, .timeout = run.input.options.exposure.request_timeout};
    core::model::TcpConnectResult res = co_await run.ctx.prober.TcpConnect(std::move(req));
    if (res.error == ProbeError::kNone) {
      core::checks::PortClass cls = core::checks::ClassifyOpenPort(port);
      open.push_back(std::to_string(port));
      run.AddFinding(kCheckOpenPort, std::to_string(port),
                     "TCP port " + std::to_string(port) + " open (" + cls.service + ")",
                     cls.severity,
                     EvidenceJson()
                         .Str("host", host)
                         .Int("port", port)
                         .Str("service", cls.service)
                         .Str("remote_ip", res.remote_ip)
                         .Done());
    } else if (!IsUnreachable(res.error)) {
      complete = false;  // blocked or broken: we did not see the port
      run.result.log.push_back("tcp " + host + ":" + std::to_string(port) + ": " +
                               std::string(core::model::ProbeErrorName(res.error)) +
                               (res.error_detail.empty() ? "" : ": " + res.error_detail));
    }
  }
  run.result.facts.push_back({"exposure.open_ports", open});
  if (complete) run.result.checks_run.push_back(std::string(kCheckOpenPort));
}

}  // namespace

Task<ScanResult> ScanWebExposureWithPack(const SignaturePack& pack, const ScanInput& input,
                                         ScanContext& ctx) {
  Run run{.input = input,
          .ctx = ctx,
          .result = ScanResult{.scan_type = std::string(kScanType),
                               .asset_key = input.asset.asset_key,
                               .started_at = input.now}};
  const core::model::Asset& asset = input.asset;

  if (asset.url.empty()) {
    const auto& ports = input.options.exposure.tcp_ports;
    if (asset.kind == core::model::AssetKind::kHost && !asset.host.empty() && !ports.empty()) {
      co_await RunPorts(run, asset.host);
      run.result.finished_at = FinishedAt(input, ctx);
      for (auto& f : run.result.findings) f.observed_at = run.result.finished_at;
      co_return std::move(run.result);
    }
    run.result.finished_at = FinishedAt(input, ctx);
    co_return Failed(std::move(run.result), "no_url",
                     "asset '" + asset.asset_key + "' has no URL (and no TCP ports to try)");
  }
  auto parts = core::checks::ParseHttpUrl(asset.url);
  if (!parts) {
    run.result.finished_at = FinishedAt(input, ctx);
    co_return Failed(std::move(run.result), "invalid_url",
                     "asset URL is not http(s): " + parts.error().message);
  }
  run.base = *parts;

  // 1. Baseline.
  std::string baseline_path =
      core::checks::JoinPath(run.base.path, core::checks::BaselinePath(input.nonce));
  HttpProbeRequest baseline_req =
      run.Request("GET", core::checks::BuildUrl(run.base, baseline_path));
  HttpProbeResult baseline_res = co_await run.Send(std::move(baseline_req));
  if (baseline_res.error != ProbeError::kNone) {
    run.result.finished_at = FinishedAt(input, ctx);
    std::string code(core::model::ProbeErrorName(baseline_res.error));
    std::string message = "GET " + core::checks::BuildUrl(run.base, baseline_path) + ": " + code;
    if (!baseline_res.error_detail.empty()) message += ": " + baseline_res.error_detail;
    co_return Failed(std::move(run.result), std::move(code), std::move(message));
  }
  core::checks::Soft404Baseline baseline =
      core::checks::MakeSoft404Baseline(baseline_path, baseline_res);
  run.result.facts.push_back({"exposure.soft404_baseline_status", int64_t{baseline_res.status}});
  run.result.log.push_back("soft-404 baseline " + baseline_path + " -> " +
                           std::to_string(baseline_res.status) + ", " +
                           std::to_string(baseline.normalised_length) + " bytes");

  // 2. Signatures.
  co_await RunSignatures(run, pack, baseline);

  // 3. CORS (and the asset URL's own response).
  std::string nonce_host = core::checks::BaselinePath(input.nonce).substr(13);
  std::string origin = "https://" + nonce_host + ".invalid";
  HttpProbeResult root;
  if (!run.Exhausted()) root = co_await RunCors(run, origin);

  // 4. TRACE.
  if (!run.Exhausted()) co_await RunTrace(run);

  // 5. Plain HTTP.
  if (!run.Exhausted()) {
    if (run.base.scheme == "http") {
      if (root.error == ProbeError::kNone || IsUnreachable(root.error)) {
        std::string url = asset.url;
        co_await RunPlainHttp(run, std::move(url), std::move(root));
      }
    } else if (run.base.port == 443) {
      core::checks::UrlParts http = run.base;
      http.scheme = "http";
      http.port = 80;
      std::string url = core::checks::BuildUrl(http, run.base.path);
      HttpProbeRequest req = run.Request("GET", url);
      HttpProbeResult res = co_await run.Send(std::move(req));
      co_await RunPlainHttp(run, url, std::move(res));
    } else {
      run.result.facts.push_back({"exposure.plain_http", std::string("skipped")});
    }
  }
  if (run.Exhausted()) {
    run.result.log.push_back("stopped after " + std::to_string(kMaxConsecutiveFailures) +
                             " failed requests in a row; remaining checks skipped");
  }

  run.result.facts.insert(run.result.facts.begin(), {"exposure.paths_checked", run.paths_checked});
  run.result.finished_at = FinishedAt(input, ctx);
  for (auto& f : run.result.findings) f.observed_at = run.result.finished_at;
  co_return std::move(run.result);
}

Task<ScanResult> ScanWebExposure(const ScanInput& input, ScanContext& ctx) {
  const Result<core::checks::SignaturePack>& pack = core::checks::EmbeddedSignaturePack();
  if (!pack) {
    co_return Failed(ScanResult{.scan_type = std::string(kScanType),
                                .asset_key = input.asset.asset_key,
                                .started_at = input.now,
                                .finished_at = FinishedAt(input, ctx)},
                     "signature_pack_invalid", pack.error().message);
  }
  co_return co_await ScanWebExposureWithPack(*pack, input, ctx);
}

}  // namespace secplat::services::worker
