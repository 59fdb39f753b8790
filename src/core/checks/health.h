// HTTP health verdicts: one probe result graded against a health spec, Gatus-style. Every
// condition is reported by name with the observed value, and a failed check carries one failure
// reason from a fixed taxonomy derived from typed probe errors (never from message text).
//
// Three states: UP, DOWN (the target failed: a verdict), and UNKNOWN (the probe could not tell:
// the target policy refused the address, or our side broke). UNKNOWN is never DOWN; the
// health_http scanner reports it as ScanOutcome::kFailed.
//
//   HealthSpec spec{.expected_statuses = {200}};
//   HttpProbeResult r{.status = 503, .final_url = "http://site.test/"};
//   HealthVerdict v = EvaluateHealth(spec, r, now);
//   v.state == HealthState::kDown; v.reason == HealthFailure::kHttpStatus
//   v.conditions[1].text == "[STATUS] in (200) (got 503)"
#ifndef SECPLAT_CORE_CHECKS_HEALTH_H_
#define SECPLAT_CORE_CHECKS_HEALTH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "core/model/probe.h"

namespace secplat::core::checks {

// What "healthy" means for one asset. The scanner converts services' HealthScanOptions into this
// (core stays free of service types).
struct HealthSpec {
  std::string method = "GET";
  std::vector<int> expected_statuses;  // empty: any 2xx
  std::string body_contains;           // empty: not checked
  std::string body_regex;              // SafeRegex rules (safe_regex.h); empty: not checked
  // name (any case) and a substring the value must contain; empty value: must be present.
  std::vector<std::pair<std::string, std::string>> required_headers;
  // HTTPS: an expired, not-yet-valid, untrusted or wrong-name certificate makes the target DOWN
  // (blackbox_exporter's default). false: certificate facts are still reported, never graded.
  bool verify_certificate = true;
};

// Checks a spec before it is used: method a token, statuses 100..599, header names tokens,
// body_regex accepted by SafeRegex. kInvalidArgument naming the field, e.g.
// "health.body_regex: regex: unbounded quantifier '*' at offset 2 (use {0,64} or {1,64})".
Status ValidateHealthSpec(const HealthSpec& spec);

enum class HealthState { kUp, kDown, kUnknown };
std::string_view HealthStateName(HealthState s);  // "up" | "down" | "unknown"

// Why a check is not UP. Stable names (HealthFailureName) are stored in facts and events.
enum class HealthFailure {
  kNone,
  kDns,               // dns: name did not resolve / resolver timeout (detail says which)
  kConnectRefused,    // connect_refused
  kConnectTimeout,    // connect_timeout
  kConnectFailed,     // connect_failed: unreachable network or host
  kTlsHandshake,      // tls_handshake
  kTlsCertInvalid,    // tls_cert_invalid: detail cert_expired | cert_not_yet_valid |
                      // cert_name_mismatch | cert_untrusted
  kHttpStatus,        // http_status
  kBodyMismatch,      // body_mismatch
  kHeaderMismatch,    // header_mismatch
  kTimeout,           // timeout: detail timeout_first_byte | timeout_total
  kTooLarge,          // too_large
  kTooManyRedirects,  // too_many_redirects
  kProtocol,          // protocol_error: malformed HTTP
  kBlockedByPolicy,   // blocked_by_policy: UNKNOWN (we refused to look)
  kProbeError,        // probe_error: UNKNOWN (our side broke)
};
std::string_view HealthFailureName(HealthFailure f);

// One condition and how it went, e.g. {"[STATUS]", false, "[STATUS] in (200) (got 503)"}.
struct HealthCondition {
  std::string name;  // "[CONNECTED]", "[STATUS]", "[BODY]", "[HEADER x-ready]", "[CERTIFICATE]"
  bool ok = false;
  std::string text;  // the condition with the observed value in parentheses
};

struct HealthVerdict {
  HealthState state = HealthState::kUnknown;
  HealthFailure reason = HealthFailure::kNone;  // kNone exactly when state == kUp
  // A finer sub-code where the taxonomy has one ("dns_timeout", "cert_expired",
  // "timeout_first_byte", ...); empty otherwise.
  std::string reason_detail;
  std::vector<HealthCondition> conditions;  // in evaluation order; the first failed one decides
};

// Grades `result` against `spec` at `now` (certificate validity). A body-regex that fails to
// compile counts as a failed condition (ValidateHealthSpec should have caught it). The regex sees
// only the first kMaxRegexInputBytes of the body.
HealthVerdict EvaluateHealth(const HealthSpec& spec, const model::HttpProbeResult& result,
                             Timestamp now);

// Certificate problems of a TLS session at `now`, in severity order: "cert_expired",
// "cert_not_yet_valid", "cert_name_mismatch", "cert_untrusted" (empty: none). Expiry is judged on
// every certificate of the chain as served, so an expired intermediate counts too.
std::vector<std::string> CertificateProblems(const model::TlsSessionInfo& tls, Timestamp now);

// Whole days from `now` to the leaf's not_after, rounded down (negative once expired).
int64_t CertificateDaysLeft(const model::TlsSessionInfo& tls, Timestamp now);

}  // namespace secplat::core::checks

#endif  // SECPLAT_CORE_CHECKS_HEALTH_H_
