#include "core/checks/health.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "core/checks/safe_regex.h"

namespace secplat::core::checks {
namespace {

using model::HttpProbeResult;
using model::ProbeError;

bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsTchar); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Observed values are quoted into condition texts: keep them short and printable.
std::string Printable(std::string_view s, size_t max = 64) {
  std::string out;
  for (char c : s.substr(0, std::min(s.size(), max))) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  if (s.size() > max) out += "...";
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, std::min(s.size(), prefix.size())) == prefix;
}

struct ErrorMapping {
  HealthState state;
  HealthFailure reason;
  std::string_view detail;
  std::string_view condition;
};

ErrorMapping MapProbeError(ProbeError e) {
  switch (e) {
    case ProbeError::kNone:
      break;
    case ProbeError::kDnsFailed:
      return {HealthState::kDown, HealthFailure::kDns, "dns_failed", "[DNS]"};
    case ProbeError::kDnsTimeout:
      return {HealthState::kDown, HealthFailure::kDns, "dns_timeout", "[DNS]"};
    case ProbeError::kBlockedByPolicy:
      return {HealthState::kUnknown, HealthFailure::kBlockedByPolicy, "", "[POLICY]"};
    case ProbeError::kConnectRefused:
      return {HealthState::kDown, HealthFailure::kConnectRefused, "", "[CONNECTED]"};
    case ProbeError::kConnectTimeout:
      return {HealthState::kDown, HealthFailure::kConnectTimeout, "", "[CONNECTED]"};
    case ProbeError::kConnectFailed:
      return {HealthState::kDown, HealthFailure::kConnectFailed, "", "[CONNECTED]"};
    case ProbeError::kTlsHandshake:
      return {HealthState::kDown, HealthFailure::kTlsHandshake, "", "[TLS]"};
    case ProbeError::kTimeoutFirstByte:
      return {HealthState::kDown, HealthFailure::kTimeout, "timeout_first_byte", "[RESPONSE_TIME]"};
    case ProbeError::kTimeoutTotal:
      return {HealthState::kDown, HealthFailure::kTimeout, "timeout_total", "[RESPONSE_TIME]"};
    case ProbeError::kTooLarge:
      return {HealthState::kDown, HealthFailure::kTooLarge, "", "[BODY_SIZE]"};
    case ProbeError::kTooManyRedirects:
      return {HealthState::kDown, HealthFailure::kTooManyRedirects, "", "[REDIRECTS]"};
    case ProbeError::kProtocol:
      return {HealthState::kDown, HealthFailure::kProtocol, "", "[CONNECTED]"};
    case ProbeError::kProbeError:
      return {HealthState::kUnknown, HealthFailure::kProbeError, "", "[PROBE]"};
  }
  return {HealthState::kUnknown, HealthFailure::kProbeError, "", "[PROBE]"};
}

std::string StatusSetText(const std::vector<int>& statuses) {
  if (statuses.empty()) return "2xx";
  std::string out = "(";
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(statuses[i]);
  }
  return out + ")";
}

void Fail(HealthVerdict& v, HealthFailure reason, std::string detail = {}) {
  if (v.reason != HealthFailure::kNone) return;  // the first failed condition decides
  v.state = HealthState::kDown;
  v.reason = reason;
  v.reason_detail = std::move(detail);
}

}  // namespace

std::string_view HealthStateName(HealthState s) {
  switch (s) {
    case HealthState::kUp:
      return "up";
    case HealthState::kDown:
      return "down";
    case HealthState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view HealthFailureName(HealthFailure f) {
  switch (f) {
    case HealthFailure::kNone:
      return "none";
    case HealthFailure::kDns:
      return "dns";
    case HealthFailure::kConnectRefused:
      return "connect_refused";
    case HealthFailure::kConnectTimeout:
      return "connect_timeout";
    case HealthFailure::kConnectFailed:
      return "connect_failed";
    case HealthFailure::kTlsHandshake:
      return "tls_handshake";
    case HealthFailure::kTlsCertInvalid:
      return "tls_cert_invalid";
    case HealthFailure::kHttpStatus:
      return "http_status";
    case HealthFailure::kBodyMismatch:
      return "body_mismatch";
    case HealthFailure::kHeaderMismatch:
      return "header_mismatch";
    case HealthFailure::kTimeout:
      return "timeout";
    case HealthFailure::kTooLarge:
      return "too_large";
    case HealthFailure::kTooManyRedirects:
      return "too_many_redirects";
    case HealthFailure::kProtocol:
      return "protocol_error";
    case HealthFailure::kBlockedByPolicy:
      return "blocked_by_policy";
    case HealthFailure::kProbeError:
      return "probe_error";
  }
  return "probe_error";
}

Status ValidateHealthSpec(const HealthSpec& spec) {
  if (!IsToken(spec.method)) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "health.method: not an HTTP method token: '" + Printable(spec.method) + "'");
  }
  for (int s : spec.expected_statuses) {
    if (s < 100 || s > 599) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "health.expected_statuses: " + std::to_string(s) + " is not in 100..599");
    }
  }
  for (const auto& [name, value] : spec.required_headers) {
    if (!IsToken(name)) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "health.required_headers: not a header name: '" + Printable(name) + "'");
    }
  }
  if (!spec.body_regex.empty()) {
    auto re = SafeRegex::Compile(spec.body_regex);
    if (!re) {
      return Unexpected(ErrorCode::kInvalidArgument, "health.body_regex: " + re.error().message);
    }
  }
  return OkStatus();
}

std::vector<std::string> CertificateProblems(const model::TlsSessionInfo& tls, Timestamp now) {
  std::vector<std::string> problems;
  bool expired = false;
  bool not_yet_valid = false;
  for (const model::CertificateInfo& c : tls.chain) {
    if (now > c.not_after) expired = true;
    if (now < c.not_before) not_yet_valid = true;
  }
  if (expired) problems.push_back("cert_expired");
  if (not_yet_valid) problems.push_back("cert_not_yet_valid");
  if (!tls.hostname_match) problems.push_back("cert_name_mismatch");
  // An expired chain is also untrusted by the verifier; name that once, by its cause.
  if (!tls.chain_trusted && !expired && !not_yet_valid) problems.push_back("cert_untrusted");
  if (tls.chain.empty() && problems.empty()) problems.push_back("cert_untrusted");
  return problems;
}

int64_t CertificateDaysLeft(const model::TlsSessionInfo& tls, Timestamp now) {
  if (tls.chain.empty()) return 0;
  auto left = tls.chain.front().not_after - now;
  return std::chrono::floor<std::chrono::days>(left).count();
}

HealthVerdict EvaluateHealth(const HealthSpec& spec, const HttpProbeResult& result, Timestamp now) {
  HealthVerdict v;
  if (result.error != ProbeError::kNone) {
    ErrorMapping m = MapProbeError(result.error);
    v.state = m.state;
    v.reason = m.reason;
    v.reason_detail = std::string(m.detail);
    std::string got(m.detail.empty() ? HealthFailureName(m.reason) : m.detail);
    v.conditions.push_back(
        {std::string(m.condition), false, std::string(m.condition) + " ok (got " + got + ")"});
    return v;
  }
  v.state = HealthState::kUp;
  v.conditions.push_back({"[CONNECTED]", true, "[CONNECTED] == true (got true)"});

  // Certificate: judged on the final hop when it is https.
  const bool https = StartsWith(Lower(result.final_url), "https://");
  if (https && spec.verify_certificate) {
    if (!result.tls) {
      // The prober must report the session of an https response; without it we cannot tell.
      v.state = HealthState::kUnknown;
      v.reason = HealthFailure::kProbeError;
      v.reason_detail = "tls_session_missing";
      v.conditions.push_back(
          {"[CERTIFICATE]", false, "[CERTIFICATE] valid (got no TLS session reported)"});
      return v;
    }
    std::vector<std::string> problems = CertificateProblems(*result.tls, now);
    if (problems.empty()) {
      v.conditions.push_back({"[CERTIFICATE]", true,
                              "[CERTIFICATE] valid (got valid, " +
                                  std::to_string(CertificateDaysLeft(*result.tls, now)) +
                                  " days left)"});
    } else {
      std::string got;
      for (const std::string& p : problems) got += (got.empty() ? "" : ", ") + p;
      v.conditions.push_back({"[CERTIFICATE]", false, "[CERTIFICATE] valid (got " + got + ")"});
      Fail(v, HealthFailure::kTlsCertInvalid, problems.front());
    }
  }

  // Status.
  bool status_ok = spec.expected_statuses.empty()
                       ? (result.status >= 200 && result.status <= 299)
                       : std::find(spec.expected_statuses.begin(), spec.expected_statuses.end(),
                                   result.status) != spec.expected_statuses.end();
  v.conditions.push_back({"[STATUS]", status_ok,
                          "[STATUS] in " + StatusSetText(spec.expected_statuses) + " (got " +
                              std::to_string(result.status) + ")"});
  if (!status_ok) Fail(v, HealthFailure::kHttpStatus);

  // Body. The observed value is "found"/"absent": bodies are never copied into verdicts.
  if (!spec.body_contains.empty()) {
    bool found = result.body.find(spec.body_contains) != std::string::npos;
    v.conditions.push_back({"[BODY]", found,
                            "[BODY] contains \"" + Printable(spec.body_contains) + "\" (got " +
                                (found ? "found" : "absent") + ")"});
    if (!found) Fail(v, HealthFailure::kBodyMismatch);
  }
  if (!spec.body_regex.empty()) {
    auto re = SafeRegex::Compile(spec.body_regex);
    bool found = re && re->Search(result.body);
    std::string got = !re ? "invalid pattern" : (found ? "match" : "no match");
    v.conditions.push_back(
        {"[BODY]", found, "[BODY] =~ /" + Printable(spec.body_regex) + "/ (got " + got + ")"});
    if (!found) Fail(v, HealthFailure::kBodyMismatch);
  }

  // Headers.
  for (const auto& [name, want] : spec.required_headers) {
    std::string lname = Lower(name);
    std::string label = "[HEADER " + lname + "]";
    bool present = false;
    std::string_view value;
    for (const auto& [k, val] : result.headers) {
      if (Lower(k) == lname) {
        present = true;
        value = val;
        break;
      }
    }
    bool ok = present && (want.empty() || value.find(want) != std::string_view::npos);
    std::string text =
        want.empty() ? label + " present" : label + " contains \"" + Printable(want) + "\"";
    text += present ? " (got \"" + Printable(value) + "\")" : " (got missing)";
    v.conditions.push_back({label, ok, std::move(text)});
    if (!ok) Fail(v, HealthFailure::kHeaderMismatch);
  }
  return v;
}

}  // namespace secplat::core::checks
