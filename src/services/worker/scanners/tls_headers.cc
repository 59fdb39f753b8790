// tls_headers scanner: which TLS versions a server accepts (one permissive exact-version
// handshake each, TLS 1.0-1.3), its certificate chain, trust and name match (from a normal HTTPS
// GET with default TLS settings), and its security headers graded by value; graded with
// core/checks (tls_grade.h, headers.h), one finding per failed check.
//
// Probes, in order: 4 handshakes, 1 HTTPS GET (following up to 5 redirects; the final response's
// headers are graded), and for assets on port 443 one plain-HTTP GET of the same host (no
// redirects followed) to see whether HTTP redirects to HTTPS.
//
// Outcome kFailed (no grade, no findings) when: the asset has no https URL ("no_url",
// "invalid_url", "not_https"); any probe was refused by the target policy
// ("blocked_by_policy"); no version was accepted and some probe could not tell (the first such
// error code, e.g. "connect_refused", "connect_timeout", "probe_error"); or every version was
// refused ("tls_handshake"). When a version was accepted but another probe could not tell, the
// scan completes, the grade is absent (tls.grade_absent_reason: never a grade from partial
// data) and the version checks run for the versions known.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/checks/headers.h"
#include "core/checks/tls_grade.h"
#include "core/contracts/keys.h"
#include "core/model/probe.h"
#include "core/model/scan_result.h"
#include "services/worker/scanners/scanner.h"

namespace secplat::services::worker {
namespace {

using core::checks::HeadersGrade;
using core::checks::TlsCheck;
using core::checks::TlsGrade;
using core::checks::TlsObservation;
using core::checks::VersionProbe;
using core::checks::VersionStatus;
using core::model::Fact;
using core::model::FindingObservation;
using core::model::HttpProbeRequest;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::ProbeErrorName;
using core::model::ScanOutcome;
using core::model::ScanResult;
using core::model::TlsHandshakeRequest;
using core::model::TlsHandshakeResult;
using core::model::TlsSessionInfo;
using core::model::TlsVersionName;

constexpr std::string_view kScanType = "tls_headers";
constexpr int kMaxRedirects = 5;
constexpr int64_t kMaxBodyBytes = 64 * 1024;  // headers are what matters; the body is cut

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Target {
  std::string scheme;
  std::string host;  // without brackets for IPv6 literals
  int port = 0;
};

// scheme://[userinfo@]host[:port][/...]; nullopt when malformed.
std::optional<Target> ParseTarget(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  Target t;
  t.scheme = Lower(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view auth = rest.substr(0, end);
  size_t at = auth.rfind('@');
  if (at != std::string_view::npos) auth = auth.substr(at + 1);
  std::string_view port_text;
  if (!auth.empty() && auth.front() == '[') {
    size_t close = auth.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    t.host = Lower(auth.substr(1, close - 1));
    std::string_view after = auth.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = auth.rfind(':');
    t.host = Lower(auth.substr(0, colon));
    if (colon != std::string_view::npos) port_text = auth.substr(colon + 1);
  }
  if (t.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    if (port_text.size() > 5) return std::nullopt;
    int p = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return std::nullopt;
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return std::nullopt;
    t.port = p;
  } else {
    t.port = t.scheme == "https" ? 443 : t.scheme == "http" ? 80 : 0;
  }
  return t;
}

bool SameOrigin(const std::string& url, const Target& asset) {
  std::optional<Target> t = ParseTarget(url);
  return t && t->scheme == asset.scheme && t->host == asset.host && t->port == asset.port;
}

void Fail(ScanResult& r, std::string code, std::string message) {
  r.outcome = ScanOutcome::kFailed;
  r.error_code = std::move(code);
  r.error_message = std::move(message);
  r.log.push_back("failed: " + r.error_code + ": " + r.error_message);
}

void AddCheckRun(ScanResult& r, const std::string& id) {
  if (std::find(r.checks_run.begin(), r.checks_run.end(), id) == r.checks_run.end()) {
    r.checks_run.push_back(id);
  }
}

FindingObservation Observation(const ScanInput& in, std::string check_id, std::string location,
                               std::string category, std::string title,
                               core::model::Severity severity, std::string evidence_json) {
  FindingObservation f;
  f.finding_key =
      core::contracts::DeriveFindingKey(in.asset.asset_key, kScanType, check_id, location);
  f.asset_key = in.asset.asset_key;
  f.source = std::string(kScanType);
  f.check_id = std::move(check_id);
  f.location = std::move(location);
  f.category = std::move(category);
  f.title = std::move(title);
  f.severity = severity;
  f.evidence_json = std::move(evidence_json);
  return f;
}

void AddCertificateFacts(ScanResult& r, const TlsSessionInfo& s, Timestamp now) {
  if (s.chain.empty()) return;
  const core::model::CertificateInfo& leaf = s.chain.front();
  auto& f = r.facts;
  f.push_back({"tls.cert.subject", leaf.subject});
  f.push_back({"tls.cert.issuer", leaf.issuer});
  f.push_back({"tls.cert.dns_sans", leaf.dns_sans});
  f.push_back({"tls.cert.ip_sans", leaf.ip_sans});
  f.push_back({"tls.cert.serial", leaf.serial_hex});
  f.push_back({"tls.cert.sha256_fingerprint", leaf.sha256_fingerprint});
  f.push_back({"tls.cert.not_before", FormatRfc3339(leaf.not_before)});
  f.push_back({"tls.cert.not_after", FormatRfc3339(leaf.not_after)});
  f.push_back({"tls.cert.days_left", core::checks::DaysLeft(leaf.not_after, now)});
  f.push_back({"tls.cert.key_type", leaf.key_type});
  f.push_back({"tls.cert.key_bits", int64_t{leaf.key_bits}});
  f.push_back({"tls.cert.signature_algorithm", leaf.signature_algorithm});
  f.push_back({"tls.cert.self_signed", leaf.self_signed});
  f.push_back({"tls.cert.trusted", s.chain_trusted});
  f.push_back({"tls.cert.verify_error", s.verify_error});
  f.push_back({"tls.cert.hostname_match", s.hostname_match});
  f.push_back({"tls.chain_length", static_cast<int64_t>(s.chain.size())});
}

}  // namespace

Task<ScanResult> ScanTlsHeaders(const ScanInput& in, ScanContext& ctx) {
  ScanResult r{
      .scan_type = std::string(kScanType), .asset_key = in.asset.asset_key, .started_at = in.now};
  auto finish = [&r, &ctx]() { r.finished_at = ctx.now ? ctx.now() : r.started_at; };

  if (in.asset.url.empty()) {
    Fail(r, "no_url", "the asset has no URL");
    finish();
    co_return r;
  }
  std::optional<Target> target = ParseTarget(in.asset.url);
  if (!target) {
    Fail(r, "invalid_url", "the asset URL could not be parsed");
    finish();
    co_return r;
  }
  if (target->scheme != "https") {
    Fail(r, "not_https", "tls_headers needs an https URL (the asset's is " + target->scheme + ")");
    finish();
    co_return r;
  }

  // 1. One permissive handshake per version.
  TlsObservation obs;
  std::optional<TlsSessionInfo> handshake_session;
  for (core::model::TlsVersion v : core::model::kAllTlsVersions) {
    TlsHandshakeRequest req{.host = target->host,
                            .port = target->port,
                            .tls = {.exact_version = v, .permissive = true},
                            .timeout = in.options.tls.handshake_timeout};
    TlsHandshakeResult hs = co_await ctx.prober.TlsHandshake(std::move(req));
    VersionProbe p{.version = v};
    std::string name(TlsVersionName(v));
    if (hs.error == ProbeError::kNone && hs.session) {
      p.status = VersionStatus::kAccepted;
      p.cipher = hs.session->cipher;
      if (!handshake_session || hs.session->version >= handshake_session->version) {
        handshake_session = hs.session;
      }
      r.log.push_back(name + ": accepted, " + p.cipher);
    } else if (hs.error == ProbeError::kTlsHandshake) {
      p.status = VersionStatus::kRefused;
      r.log.push_back(name + ": refused");
    } else {
      ProbeError e = hs.error == ProbeError::kNone ? ProbeError::kProbeError : hs.error;
      p.status = VersionStatus::kUnknown;
      p.error = std::string(ProbeErrorName(e));
      r.log.push_back(name + ": unknown (" + p.error + ")");
      if (e == ProbeError::kBlockedByPolicy) {
        Fail(r, "blocked_by_policy",
             "the target policy refused " + target->host + ": " + hs.error_detail);
        finish();
        co_return r;
      }
    }
    obs.versions.push_back(std::move(p));
  }
  // Nothing accepted: either every version was refused (a verdict on TLS, but nothing to grade)
  // or some probe could not tell (connect refused, timeout, our error): no data either way.
  bool any_accepted = std::any_of(obs.versions.begin(), obs.versions.end(), [](const auto& p) {
    return p.status == VersionStatus::kAccepted;
  });
  if (!any_accepted) {
    auto unknown = std::find_if(obs.versions.begin(), obs.versions.end(),
                                [](const auto& p) { return p.status == VersionStatus::kUnknown; });
    if (unknown == obs.versions.end()) {
      Fail(r, "tls_handshake", "the server accepted none of TLS 1.0-1.3");
    } else {
      Fail(r, unknown->error,
           "no TLS handshake completed with " + target->host + ":" + std::to_string(target->port));
    }
    finish();
    co_return r;
  }

  // 2. The HTTPS GET with default TLS settings: chain, trust, name match, headers.
  HttpProbeRequest get{.method = "GET",
                       .url = in.asset.url,
                       .headers = {{"User-Agent", in.options.user_agent}},
                       .connect_timeout = in.options.tls.handshake_timeout,
                       .timeout = std::chrono::seconds(10),
                       .max_redirects = kMaxRedirects,
                       .max_body_bytes = kMaxBodyBytes,
                       .truncate_body_ok = true};
  HttpProbeResult resp = co_await ctx.prober.Http(get);
  if (resp.error == ProbeError::kBlockedByPolicy) {
    Fail(r, "blocked_by_policy", "the target policy refused a request: " + resp.error_detail);
    finish();
    co_return r;
  }
  if (resp.error == ProbeError::kTlsHandshake) {
    // Default settings refused (legacy-only server, small key): read the headers permissively.
    r.log.push_back("GET " + in.asset.url +
                    ": tls_handshake with default settings; retrying in probing mode");
    get.tls.permissive = true;
    resp = co_await ctx.prober.Http(get);
    if (resp.error == ProbeError::kBlockedByPolicy) {
      Fail(r, "blocked_by_policy", "the target policy refused a request: " + resp.error_detail);
      finish();
      co_return r;
    }
  }
  bool have_response = resp.error == ProbeError::kNone;
  if (have_response) {
    r.log.push_back("GET " + in.asset.url + ": " + std::to_string(resp.status) +
                    (resp.hops.empty() ? ""
                                       : " after " + std::to_string(resp.hops.size()) +
                                             " redirect(s) to " + resp.final_url));
  } else {
    r.log.push_back("GET " + in.asset.url + ": " + std::string(ProbeErrorName(resp.error)));
  }
  // The chain comes from the GET when its TLS session is the asset's own (not another host
  // reached by a redirect), else from the newest accepted handshake.
  bool get_session_is_assets = resp.tls.has_value() && !get.tls.permissive &&
                               (resp.hops.empty() || SameOrigin(resp.final_url, *target));
  if (get_session_is_assets) {
    obs.session = resp.tls;
  } else if (handshake_session) {
    obs.session = handshake_session;
    r.log.push_back("certificate read from the handshake probes");
  }

  // 3. Does plain HTTP redirect to HTTPS? Only for the default port (no way to know another).
  std::optional<bool> http_redirects;
  if (have_response && target->port == 443) {
    bool ipv6 = target->host.find(':') != std::string::npos;
    HttpProbeRequest plain{
        .method = "GET",
        .url = "http://" + (ipv6 ? "[" + target->host + "]" : target->host) + "/",
        .headers = {{"User-Agent", in.options.user_agent}},
        .connect_timeout = in.options.tls.handshake_timeout,
        .timeout = std::chrono::seconds(10),
        .max_redirects = 0,
        .max_body_bytes = kMaxBodyBytes,
        .truncate_body_ok = true};
    HttpProbeResult pr = co_await ctx.prober.Http(plain);
    if (pr.error == ProbeError::kNone) {
      std::string location(pr.Header("location"));
      http_redirects =
          pr.status >= 300 && pr.status < 400 && Lower(location).rfind("https://", 0) == 0;
      r.log.push_back("GET " + plain.url + ": " + std::to_string(pr.status) +
                      (location.empty() ? "" : " -> " + location));
    } else {
      r.log.push_back("GET " + plain.url + ": " + std::string(ProbeErrorName(pr.error)) +
                      " (redirect not known)");
    }
  }

  Timestamp now = in.now;
  // 4. Grade TLS.
  TlsGrade grade = core::checks::GradeTls(obs, now);
  std::vector<std::string> accepted;
  for (const VersionProbe& p : obs.versions) {
    if (p.status == VersionStatus::kAccepted) accepted.emplace_back(TlsVersionName(p.version));
  }
  r.facts.push_back({"tls.accepted_versions", accepted});
  for (const VersionProbe& p : obs.versions) {
    if (p.status == VersionStatus::kAccepted) {
      r.facts.push_back({"tls.cipher." + std::string(TlsVersionName(p.version)), p.cipher});
    }
  }
  if (obs.session) AddCertificateFacts(r, *obs.session, now);
  std::vector<std::string> reason_codes;
  std::vector<std::string> reason_texts;
  for (const auto& reason : grade.reasons) {
    reason_codes.push_back(reason.code);
    reason_texts.push_back(reason.text + " (caps at " + std::string(1, reason.cap) + ")");
  }
  if (grade.letter.empty()) {
    r.facts.push_back({"tls.grade_absent_reason", grade.absent_reason});
    r.log.push_back("tls grade: none (" + grade.absent_reason + ")");
  } else {
    r.facts.push_back({"tls.grade", grade.letter});
    r.facts.push_back({"tls.score", int64_t{grade.score}});
    r.facts.push_back({"tls.grade_reasons", reason_codes});
    r.facts.push_back({"tls.grade_reason_texts", reason_texts});
    std::string line = "tls grade: " + grade.letter + " (score " + std::to_string(grade.score);
    for (const auto& c : reason_codes) line += ", " + c;
    r.log.push_back(line + ")");
  }
  for (const TlsCheck& c :
       core::checks::EvaluateTlsChecks(obs, now, in.options.tls.expiry_warning_days)) {
    AddCheckRun(r, c.check_id);
    if (c.passed) continue;
    r.findings.push_back(Observation(in, c.check_id, c.location, "tls", c.title, c.severity,
                                     core::model::FactsToJson(c.evidence)));
  }

  // 5. Grade the headers of the final response.
  if (have_response) {
    HeadersGrade hg = core::checks::GradeHeaders(
        {.headers = resp.headers, .http_redirects_to_https = http_redirects});
    std::vector<std::string> failed;
    for (const auto& c : hg.checks) {
      AddCheckRun(r, c.check_id);
      if (c.passed) continue;
      failed.push_back(c.check_id + ":" + c.location);
      if (!c.finding) continue;
      bool cookie = c.check_id.rfind("cookie_", 0) == 0;
      std::vector<Fact> ev = {{cookie ? "cookie" : "header", c.location},
                              {"present", !c.observed.empty()},
                              {"observed", c.observed},
                              {"reason", c.reason}};
      r.findings.push_back(Observation(in, c.check_id, c.location, "headers", c.title, c.severity,
                                       core::model::FactsToJson(ev)));
    }
    r.facts.push_back({"http.status", int64_t{resp.status}});
    r.facts.push_back({"http.final_url", resp.final_url});
    if (http_redirects) r.facts.push_back({"http.redirects_to_https", *http_redirects});
    r.facts.push_back({"headers.grade", hg.letter});
    r.facts.push_back({"headers.score", int64_t{hg.score}});
    r.facts.push_back({"headers.missing", hg.missing});
    r.facts.push_back({"headers.failed", failed});
    r.log.push_back("headers grade: " + hg.letter + " (score " + std::to_string(hg.score) + ")");
  } else {
    r.facts.push_back({"headers.error", std::string(ProbeErrorName(resp.error))});
    r.log.push_back("headers not graded: no response");
  }
  r.log.push_back(std::to_string(r.findings.size()) + " finding(s), " +
                  std::to_string(r.checks_run.size()) + " checks run");
  finish();
  for (auto& f : r.findings) f.observed_at = r.finished_at;
  co_return r;
}

}  // namespace secplat::services::worker
