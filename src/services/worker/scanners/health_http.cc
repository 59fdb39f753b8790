// health_http: one honest HTTP(S) attempt per scan, graded by core::checks::EvaluateHealth.
//
// Rules:
//  - No retries here: retries and debouncing live in the posture state machine, so every
//    attempt stays visible (domain-reference 1.1, blackbox_exporter #320).
//  - Redirects are followed by the prober up to HealthScanOptions::max_redirects, each hop
//    checked against the target policy.
//  - Outcome kCompleted for UP and DOWN (both are verdicts); kFailed when the probe could not
//    tell: blocked_by_policy, probe_error, no URL, an invalid spec.
//  - Certificates: HTTPS validity (expired, not yet valid, untrusted, name mismatch) makes the
//    target DOWN with reason tls_cert_invalid, and the leaf's not_after / days left / trust are
//    facts. Certificate *findings* (expiry thresholds, weak keys, trust) belong to tls_headers,
//    so health_http emits no findings at all: one problem, one finding, one owner.
#include <string>
#include <utility>

#include "core/checks/health.h"
#include "core/common/time.h"
#include "core/model/probe.h"
#include "services/worker/scanners/scanner.h"

namespace secplat::services::worker {
namespace {

using core::checks::HealthFailure;
using core::checks::HealthState;
using core::model::Fact;
using core::model::ScanOutcome;
using core::model::ScanResult;

constexpr std::string_view kScanType = "health_http";

// URLs in logs and facts lose their userinfo ("https://user:pass@host" -> "https://***@host").
std::string RedactUrl(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::string(url);
  size_t start = sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? url.npos : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(start + at));
}

int64_t Ms(Duration d) { return d.count(); }

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

}  // namespace

Task<ScanResult> ScanHealthHttp(const ScanInput& input, ScanContext& ctx) {
  ScanResult r{.scan_type = std::string(kScanType),
               .asset_key = input.asset.asset_key,
               .started_at = input.now};
  const HealthScanOptions& o = input.options.health;
  core::checks::HealthSpec spec{.method = o.method,
                                .expected_statuses = o.expected_statuses,
                                .body_contains = o.body_contains,
                                .body_regex = o.body_regex,
                                .required_headers = o.required_headers};

  if (input.asset.url.empty()) {
    r.finished_at = FinishedAt(input, ctx);
    co_return Failed(std::move(r), "no_url", "asset '" + input.asset.asset_key + "' has no URL");
  }
  if (Status valid = core::checks::ValidateHealthSpec(spec); !valid) {
    r.finished_at = FinishedAt(input, ctx);
    co_return Failed(std::move(r), "invalid_config", valid.error().message);
  }
  const std::string shown_url = RedactUrl(input.asset.url);

  core::model::HttpProbeRequest request{
      .method = spec.method,
      .url = input.asset.url,
      .headers = {{"User-Agent", input.options.user_agent}},
      .connect_timeout = o.connect_timeout,
      .timeout = o.timeout,
      .max_redirects = o.max_redirects,
      .max_body_bytes = o.max_body_bytes,
  };
  core::model::HttpProbeResult res = co_await ctx.prober.Http(std::move(request));
  r.finished_at = FinishedAt(input, ctx);

  core::checks::HealthVerdict v = core::checks::EvaluateHealth(spec, res, input.now);
  const std::string reason(core::checks::HealthFailureName(v.reason));

  if (v.state == HealthState::kUnknown) {
    r.facts.push_back({"health.failure_reason", reason});
    std::string message = spec.method + " " + shown_url + ": " + reason;
    if (!v.reason_detail.empty()) message += " (" + v.reason_detail + ")";
    if (!res.error_detail.empty()) message += ": " + res.error_detail;
    co_return Failed(std::move(r), reason, std::move(message));
  }

  const bool up = v.state == HealthState::kUp;
  r.facts.push_back({"health.up", up});
  r.facts.push_back({"health.failure_reason", reason});
  if (!v.reason_detail.empty()) r.facts.push_back({"health.failure_detail", v.reason_detail});
  if (res.error == core::model::ProbeError::kNone) {
    r.facts.push_back({"health.status_code", int64_t{res.status}});
  }
  r.facts.push_back({"health.phase.dns_ms", Ms(res.timings.dns)});
  r.facts.push_back({"health.phase.connect_ms", Ms(res.timings.connect)});
  r.facts.push_back({"health.phase.tls_ms", Ms(res.timings.tls)});
  r.facts.push_back({"health.phase.first_byte_ms", Ms(res.timings.first_byte)});
  r.facts.push_back({"health.phase.transfer_ms", Ms(res.timings.transfer)});
  r.facts.push_back({"health.phase.total_ms", Ms(res.timings.total)});
  if (!res.remote_ip.empty()) r.facts.push_back({"health.remote_ip", res.remote_ip});
  if (!res.http_version.empty()) r.facts.push_back({"health.http_version", res.http_version});
  r.facts.push_back({"health.redirects", static_cast<int64_t>(res.hops.size())});
  if (!res.final_url.empty()) r.facts.push_back({"health.final_url", RedactUrl(res.final_url)});
  if (res.tls) {
    r.facts.push_back(
        {"health.tls_version", std::string(core::model::TlsVersionName(res.tls->version))});
    if (!res.tls->cipher.empty()) r.facts.push_back({"health.tls_cipher", res.tls->cipher});
    if (!res.tls->chain.empty()) {
      r.facts.push_back({"health.cert_not_after", FormatRfc3339(res.tls->chain.front().not_after)});
      r.facts.push_back(
          {"health.cert_days_left", core::checks::CertificateDaysLeft(*res.tls, input.now)});
    }
    r.facts.push_back(
        {"health.cert_trusted", core::checks::CertificateProblems(*res.tls, input.now).empty()});
  }
  std::vector<std::string> conditions;
  for (const auto& c : v.conditions) conditions.push_back(c.text);
  r.facts.push_back({"health.conditions", conditions});

  // Job log: the attempt and every failed condition, so a DOWN explains itself.
  std::string line = spec.method + " " + shown_url + " -> ";
  if (res.error == core::model::ProbeError::kNone) {
    line += std::to_string(res.status);
    if (!res.remote_ip.empty()) line += " from " + res.remote_ip;
  } else {
    line += std::string(core::model::ProbeErrorName(res.error));
  }
  line += " in " + std::to_string(Ms(res.timings.total)) +
          " ms: " + std::string(core::checks::HealthStateName(v.state));
  if (!up) {
    line += " (" + reason + (v.reason_detail.empty() ? "" : "/" + v.reason_detail) + ")";
  }
  r.log.push_back(std::move(line));
  for (const auto& c : v.conditions) {
    if (!c.ok) r.log.push_back("condition failed: " + c.text);
  }
  if (!res.error_detail.empty()) r.log.push_back("probe: " + res.error_detail);
  co_return r;
}

}  // namespace secplat::services::worker
