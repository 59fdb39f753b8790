// Security headers graded by value, after the MDN HTTP Observatory (domain-reference 1.3): every
// check reads the final response's headers, yields a pass/fail result with the raw value and a
// reason, and adds its modifier to a score that starts at 100. Pure.
//
//   HeadersObservation obs{.headers = response.headers, .http_redirects_to_https = true};
//   HeadersGrade g = GradeHeaders(obs);
//   // g.letter == "A+", g.score == 105 for a site with every header right
//   for (const HeaderCheck& c : g.checks) if (!c.passed) ...   // -> findings
//
// Checks: check_id @ location (header, directive or cookie name, lower-case): fails when ...
// (Observatory modifier).
//   hsts_missing @ strict-transport-security: absent (-20)
//   hsts_max_age_short @ strict-transport-security: max-age absent/invalid (-20), < 15552000 (-10)
//   hsts_no_include_subdomains @ strict-transport-security: includeSubDomains absent (0)
//   csp_missing @ content-security-policy: absent (-25)
//   csp_invalid @ content-security-policy: present, but no valid directive (-25)
//   csp_unsafe_inline @ script-src | style-src: inline code allowed (scripts -20, styles 0)
//   csp_unsafe_eval @ script-src: 'unsafe-eval' or no script restriction (-10)
//   csp_wildcard_source @ <directive>: "*" or a bare scheme (https:, data:) in a default, script
//     or object source list (-20)
//   CSP scores its worst result once; no unsafe source at all +5, +10 with default-src 'none'.
//   frame_options_missing @ x-frame-options: no valid XFO and no CSP frame-ancestors (-20;
//     frame-ancestors +5)
//   xcto_missing @ x-content-type-options: not "nosniff" (-5)
//   referrer_policy_missing @ referrer-policy: absent (0) or no valid token (-5)
//   referrer_policy_unsafe @ referrer-policy: unsafe-url, no-referrer-when-downgrade (-5;
//     private policies +5)
//   permissions_policy_missing @ permissions-policy: absent or empty (0)
//   cookie_missing_secure @ <cookie>: no Secure (-20, session cookie -40; with valid HSTS -5/-10)
//   cookie_missing_httponly @ <cookie>: no HttpOnly (session cookie -30, others 0)
//   cookie_missing_samesite @ <cookie>: absent (0); invalid, or None without Secure (-20)
//   Cookies score the worst cookie once; every cookie with all flags +5. A session cookie is one
//   whose name contains sess, sid, auth, token, login or jwt (case-insensitive).
//   version_disclosure @ server | x-powered-by | x-aspnet-version | x-aspnetmvc-version:
//     a version number is disclosed (0)
//   http_redirect_missing @ http: plain HTTP not redirected to HTTPS, when known (-20); scored
//     and a fact only, no finding (web_exposure reports it)
// A check whose subject is absent (no cookies, no HSTS header for hsts_max_age_short) passes with
// reason "not applicable", so a fixed problem resolves by coverage.
//
// Repeated headers: HSTS uses the first (RFC 6797 8.1); each CSP header is a separate policy and a
// source is allowed only when every policy allows it; X-Frame-Options values must all agree;
// X-Content-Type-Options reads the first token; Referrer-Policy the last valid token.
#ifndef SECPLAT_CORE_CHECKS_HEADERS_H_
#define SECPLAT_CORE_CHECKS_HEADERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model/finding.h"

namespace secplat::core::checks {

// HSTS max-age at or above which the header counts as long enough (180 days).
inline constexpr int64_t kHstsMinMaxAge = 15552000;
// Observed values longer than this are cut (with "...") in results and evidence.
inline constexpr size_t kMaxObservedValue = 1024;

struct HeadersObservation {
  // The final response's headers in order, names lower-case (as HttpProbeResult has them).
  std::vector<std::pair<std::string, std::string>> headers;
  // Whether a plain-HTTP request to the host redirects to HTTPS; unset: not known.
  std::optional<bool> http_redirects_to_https;
};

struct HeaderCheck {
  std::string check_id;
  std::string location;  // lower-case header or directive name, or the cookie name
  bool passed = true;
  model::Severity severity = model::Severity::kInfo;  // of the finding when failed
  std::string title;                                  // fixed per check (no observed values)
  std::string observed;  // raw value seen (cut at kMaxObservedValue), empty when absent
  std::string reason;
  int modifier = 0;     // Observatory score modifier applied for this result
  bool finding = true;  // false: scored and reported as a fact only
};

struct HeadersGrade {
  std::vector<HeaderCheck> checks;   // fixed order: HSTS, CSP, XFO, XCTO, Referrer, Permissions,
                                     // cookies (in response order), disclosure, redirect
  int score = 0;                     // 0..135, a multiple of 5
  std::string letter;                // "A+" ... "F"
  std::vector<std::string> missing;  // names of the security headers absent, lower-case
};

HeadersGrade GradeHeaders(const HeadersObservation& obs);

// Observatory letter of a score: 100+ A+, 90 A, 85 A-, 80 B+, 70 B, 65 B-, 60 C+, 50 C, 45 C-,
// 40 D+, 30 D, 25 D-, below F.
std::string ObservatoryLetter(int score);

// One parsed Content-Security-Policy: directive name (lower-case) -> source tokens, in order.
// The first occurrence of a directive wins (CSP3 2.2.1). Unknown directive names are kept.
using CspPolicy = std::vector<std::pair<std::string, std::vector<std::string>>>;
CspPolicy ParseCsp(std::string_view header_value);

// max-age of a Strict-Transport-Security value; nullopt when absent, repeated or not a
// non-negative decimal (a quoted decimal is accepted). Values beyond int64 clamp to INT64_MAX.
std::optional<int64_t> HstsMaxAge(std::string_view header_value);

}  // namespace secplat::core::checks

#endif  // SECPLAT_CORE_CHECKS_HEADERS_H_
