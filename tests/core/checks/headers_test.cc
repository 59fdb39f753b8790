// GradeHeaders: each header rule by value, the Observatory score, odd inputs.
#include "core/checks/headers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace secplat::core::checks {
namespace {

using model::Severity;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Headers = std::vector<std::pair<std::string, std::string>>;

// Every header right (a CSP with default-src 'none' and frame-ancestors, a private referrer
// policy, a good session cookie).
Headers Good() {
  return {{"server", "nginx"},
          {"strict-transport-security", "max-age=31536000; includeSubDomains"},
          {"content-security-policy", "default-src 'none'; img-src 'self'; frame-ancestors 'none'"},
          {"x-frame-options", "DENY"},
          {"x-content-type-options", "nosniff"},
          {"referrer-policy", "strict-origin-when-cross-origin"},
          {"permissions-policy", "geolocation=()"},
          {"set-cookie", "sessionid=abc; Path=/; Secure; HttpOnly; SameSite=Lax"}};
}

Headers Without(Headers h, std::string_view name) {
  std::erase_if(h, [&](const auto& kv) { return kv.first == name; });
  return h;
}

Headers With(Headers h, std::string name, std::string value) {
  h = Without(std::move(h), name);
  h.emplace_back(std::move(name), std::move(value));
  return h;
}

HeadersGrade Grade(Headers h, std::optional<bool> redirect = true) {
  return GradeHeaders({.headers = std::move(h), .http_redirects_to_https = redirect});
}

std::vector<std::string> Failed(const HeadersGrade& g) {
  std::vector<std::string> out;
  for (const auto& c : g.checks) {
    if (!c.passed) out.push_back(c.check_id + "@" + c.location);
  }
  return out;
}

const HeaderCheck& Find(const HeadersGrade& g, std::string_view id, std::string_view loc = "") {
  for (const auto& c : g.checks) {
    if (c.check_id == id && (loc.empty() || c.location == loc)) return c;
  }
  static const HeaderCheck none;
  ADD_FAILURE() << "no check " << id << "@" << loc;
  return none;
}

TEST(ObservatoryLetter, Table) {
  const std::pair<int, const char*> table[] = {
      {135, "A+"}, {100, "A+"}, {95, "A"},  {90, "A"}, {85, "A-"}, {80, "B+"}, {75, "B"},
      {70, "B"},   {65, "B-"},  {60, "C+"}, {55, "C"}, {50, "C"},  {45, "C-"}, {40, "D+"},
      {35, "D"},   {30, "D"},   {25, "D-"}, {20, "F"}, {0, "F"}};
  for (const auto& [score, letter] : table) EXPECT_EQ(ObservatoryLetter(score), letter) << score;
}

TEST(GradeHeaders, AllRightIsAPlus) {
  HeadersGrade g = Grade(Good());
  EXPECT_THAT(Failed(g), IsEmpty());
  // 100 + CSP default-src 'none' 10 + frame-ancestors 5 + private referrer 5 + cookies 5.
  EXPECT_EQ(g.score, 125);
  EXPECT_EQ(g.letter, "A+");
  EXPECT_THAT(g.missing, IsEmpty());
  std::vector<std::string> ids;
  for (const auto& c : g.checks) ids.push_back(c.check_id + "@" + c.location);
  EXPECT_THAT(
      ids,
      ElementsAre(
          "hsts_missing@strict-transport-security", "hsts_max_age_short@strict-transport-security",
          "hsts_no_include_subdomains@strict-transport-security",
          "csp_missing@content-security-policy", "csp_invalid@content-security-policy",
          "csp_unsafe_inline@script-src", "csp_unsafe_inline@style-src",
          "csp_unsafe_eval@script-src", "csp_wildcard_source@content-security-policy",
          "frame_options_missing@x-frame-options", "xcto_missing@x-content-type-options",
          "referrer_policy_missing@referrer-policy", "referrer_policy_unsafe@referrer-policy",
          "permissions_policy_missing@permissions-policy", "cookie_missing_secure@sessionid",
          "cookie_missing_httponly@sessionid", "cookie_missing_samesite@sessionid",
          "version_disclosure@server", "version_disclosure@x-powered-by",
          "http_redirect_missing@http"));
}

TEST(GradeHeaders, NothingAtAllIsF) {
  HeadersGrade g = Grade({}, false);
  EXPECT_THAT(
      Failed(g),
      ElementsAre("hsts_missing@strict-transport-security", "csp_missing@content-security-policy",
                  "frame_options_missing@x-frame-options", "xcto_missing@x-content-type-options",
                  "referrer_policy_missing@referrer-policy",
                  "permissions_policy_missing@permissions-policy", "http_redirect_missing@http"));
  // 100 - 20 (HSTS) - 25 (CSP) - 20 (XFO) - 5 (XCTO) - 20 (redirect) = 10.
  EXPECT_EQ(g.score, 10);
  EXPECT_EQ(g.letter, "F");
  EXPECT_THAT(g.missing,
              ElementsAre("strict-transport-security", "content-security-policy", "x-frame-options",
                          "x-content-type-options", "referrer-policy", "permissions-policy"));
  EXPECT_EQ(Find(g, "hsts_missing").severity, Severity::kMedium);
  EXPECT_EQ(Find(g, "hsts_missing").title, "HSTS header missing");
  EXPECT_FALSE(Find(g, "http_redirect_missing").finding);
  EXPECT_EQ(Find(g, "hsts_max_age_short").reason, "not applicable: no HSTS header");
  EXPECT_EQ(Find(g, "cookie_missing_secure").location, "set-cookie");
  EXPECT_TRUE(Find(g, "cookie_missing_secure").passed);
}

TEST(GradeHeaders, HstsValues) {
  struct Case {
    std::string value;
    bool age_ok;
    bool sub_ok;
    int score;
  };
  const Case cases[] = {
      {"max-age=31536000; includeSubDomains", true, true, 125},
      {"max-age=15552000; includesubdomains; preload", true, true, 125},
      {"max-age=15551999; includeSubDomains", false, true, 115},  // -10, bonuses still count
      {"max-age=31536000", true, false, 125},
      {"max-age=abc; includeSubDomains", false, true, 80},  // invalid: -20, no bonuses
      {"max-age=; includeSubDomains", false, true, 80},
      {"includeSubDomains", false, true, 80},
      {"max-age=1; max-age=31536000", false, false, 80},  // repeated directive: invalid
      {"MAX-AGE=\"31536000\" ; INCLUDESUBDOMAINS", true, true, 125},
      {"max-age=99999999999999999999999999", true, false, 125},  // clamps, no overflow
      {"max-age=-5", false, false, 80},
      {"", false, false, 80},
  };
  for (const Case& c : cases) {
    HeadersGrade g = Grade(With(Good(), "strict-transport-security", c.value));
    EXPECT_TRUE(Find(g, "hsts_missing").passed) << c.value;
    EXPECT_EQ(Find(g, "hsts_max_age_short").passed, c.age_ok) << c.value;
    EXPECT_EQ(Find(g, "hsts_no_include_subdomains").passed, c.sub_ok) << c.value;
    EXPECT_EQ(g.score, c.score) << c.value;
    EXPECT_EQ(Find(g, "hsts_max_age_short").observed, c.value);
  }
}

TEST(HstsMaxAge, Parse) {
  EXPECT_EQ(HstsMaxAge("max-age=0"), 0);
  EXPECT_EQ(HstsMaxAge(" max-age = 10 ; x"), 10);
  EXPECT_EQ(HstsMaxAge("max-age=\"7\""), 7);
  EXPECT_EQ(HstsMaxAge("max-age=1e9"), std::nullopt);
  EXPECT_EQ(HstsMaxAge("max-age=9223372036854775808"), INT64_MAX);
  EXPECT_EQ(HstsMaxAge("preload"), std::nullopt);
  EXPECT_EQ(HstsMaxAge(";;;"), std::nullopt);
}

TEST(GradeHeaders, DuplicateHstsUsesTheFirst) {
  Headers h = With(Good(), "strict-transport-security", "max-age=60");
  h.emplace_back("strict-transport-security", "max-age=31536000; includeSubDomains");
  HeadersGrade g = Grade(h);
  EXPECT_FALSE(Find(g, "hsts_max_age_short").passed);
  EXPECT_EQ(Find(g, "hsts_max_age_short").reason, "max-age 60 is under 15552000 (180 days)");
  EXPECT_EQ(Find(g, "hsts_missing").reason,
            "Strict-Transport-Security present (repeated; the first is used)");
}

TEST(GradeHeaders, CspUnsafeInlineAndEval) {
  HeadersGrade g = Grade(With(Good(), "content-security-policy",
                              "default-src 'self'; script-src 'self' 'unsafe-inline' "
                              "'unsafe-eval'; frame-ancestors 'self'"));
  EXPECT_THAT(Failed(g), ElementsAre("csp_unsafe_inline@script-src", "csp_unsafe_eval@script-src"));
  EXPECT_EQ(Find(g, "csp_unsafe_inline", "script-src").reason,
            "'unsafe-inline' in the script source list");
  EXPECT_EQ(Find(g, "csp_unsafe_inline", "script-src").severity, Severity::kMedium);
  // 100 - 20 (worst CSP result only) = 80; no bonuses below 90.
  EXPECT_EQ(g.score, 80);
  EXPECT_EQ(g.letter, "B+");
}

TEST(GradeHeaders, CspEvalOnly) {
  HeadersGrade g =
      Grade(With(Good(), "content-security-policy", "default-src 'self' 'unsafe-eval'"));
  EXPECT_THAT(Failed(g), ElementsAre("csp_unsafe_eval@script-src"));
  // 100 - 10 = 90, then bonuses: referrer 5 + cookies 5 (no frame-ancestors: XFO DENY only).
  EXPECT_EQ(g.score, 100);
}

TEST(GradeHeaders, CspInlineNeutralisedByNonceOrHash) {
  HeadersGrade g = Grade(With(Good(), "content-security-policy",
                              "default-src 'none'; script-src 'nonce-abc' 'unsafe-inline'"));
  EXPECT_THAT(Failed(g), IsEmpty());
  HeadersGrade g2 = Grade(With(Good(), "content-security-policy",
                               "default-src 'none'; script-src 'sha256-xyz=' 'unsafe-inline'"));
  EXPECT_THAT(Failed(g2), IsEmpty());
}

TEST(GradeHeaders, CspWithoutScriptRestrictionAllowsInline) {
  HeadersGrade g = Grade(With(Good(), "content-security-policy", "frame-ancestors 'none'"));
  EXPECT_THAT(Failed(g), ElementsAre("csp_unsafe_inline@script-src", "csp_unsafe_inline@style-src",
                                     "csp_unsafe_eval@script-src"));
  EXPECT_EQ(Find(g, "csp_unsafe_inline", "script-src").reason,
            "no script-src or default-src: inline script allowed");
}

TEST(GradeHeaders, CspStyleInlineOnlyIsLowAndNoBonus) {
  HeadersGrade g = Grade(With(Good(), "content-security-policy",
                              "default-src 'self'; style-src 'self' 'unsafe-inline'"));
  EXPECT_THAT(Failed(g), ElementsAre("csp_unsafe_inline@style-src"));
  EXPECT_EQ(Find(g, "csp_unsafe_inline", "style-src").severity, Severity::kLow);
  EXPECT_EQ(g.score, 110);  // no CSP bonus; referrer + cookies
}

TEST(GradeHeaders, CspWildcards) {
  HeadersGrade g =
      Grade(With(Good(), "content-security-policy", "default-src *; object-src https:; img-src *"));
  EXPECT_THAT(Failed(g),
              ElementsAre("csp_unsafe_inline@script-src", "csp_wildcard_source@default-src",
                          "csp_wildcard_source@object-src"));
  EXPECT_EQ(Find(g, "csp_wildcard_source", "object-src").reason, "object-src admits https:");
  EXPECT_EQ(Find(g, "csp_unsafe_inline", "script-src").reason,
            "script source list admits any origin");
  // A host wildcard is not a wildcard source.
  HeadersGrade ok =
      Grade(With(Good(), "content-security-policy", "default-src 'self' *.example.com; img-src *"));
  EXPECT_THAT(Failed(ok), IsEmpty());
}

TEST(GradeHeaders, GarbageCspIsInvalid) {
  for (const char* value : {"garbage", ";;;", "   ", "DEFAULT_SRC 'self'", "@@@ !!"}) {
    HeadersGrade g = Grade(With(Good(), "content-security-policy", value));
    EXPECT_THAT(Failed(g), ElementsAre("csp_invalid@content-security-policy")) << value;
    EXPECT_EQ(Find(g, "csp_unsafe_inline").reason, "not applicable: no valid CSP");
    EXPECT_EQ(g.score, 75) << value;  // -25
  }
}

TEST(GradeHeaders, SeveralCspPoliciesIntersect) {
  // One policy allows inline scripts, the other does not: inline is blocked.
  Headers h = With(Good(), "content-security-policy", "script-src 'unsafe-inline' 'self'");
  h.emplace_back("content-security-policy", "default-src 'none'");
  EXPECT_THAT(Failed(Grade(h)), IsEmpty());
  // Both allow it: flagged. Comma-joined policies count as separate ones too.
  HeadersGrade g = Grade(With(Good(), "content-security-policy",
                              "script-src 'unsafe-inline', default-src 'self' 'unsafe-inline'"));
  EXPECT_THAT(Failed(g),
              ElementsAre("csp_unsafe_inline@script-src", "csp_unsafe_inline@style-src"));
}

TEST(ParseCsp, FirstDirectiveWinsAndNamesLowerCase) {
  CspPolicy p = ParseCsp(" Script-Src 'self';script-src *; ; img-src  a  b ;junk$ x");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].first, "script-src");
  EXPECT_THAT(p[0].second, ElementsAre("'self'"));
  EXPECT_EQ(p[1].first, "img-src");
  EXPECT_THAT(p[1].second, ElementsAre("a", "b"));
}

TEST(GradeHeaders, FrameOptions) {
  // CSP frame-ancestors alone is enough.
  EXPECT_THAT(Failed(Grade(Without(Good(), "x-frame-options"))), IsEmpty());
  // XFO alone is enough (no frame-ancestors bonus).
  Headers xfo_only = With(With(Good(), "content-security-policy", "default-src 'none'"),
                          "x-frame-options", "sameorigin");
  HeadersGrade g = Grade(xfo_only);
  EXPECT_THAT(Failed(g), IsEmpty());
  EXPECT_EQ(g.score, 120);
  for (const char* bad : {"ALLOW-FROM https://a.test", "DENY, SAMEORIGIN", "nonsense", ""}) {
    HeadersGrade b = Grade(With(With(Good(), "content-security-policy", "default-src 'none'"),
                                "x-frame-options", bad));
    EXPECT_THAT(Failed(b), ElementsAre("frame_options_missing@x-frame-options")) << bad;
    EXPECT_EQ(b.score, 80) << bad;
  }
  // Repeated, agreeing values are fine; frame-ancestors * does not protect.
  Headers twice = With(Good(), "content-security-policy", "default-src 'none'");
  twice.emplace_back("x-frame-options", "DENY");
  EXPECT_THAT(Failed(Grade(twice)), IsEmpty());
  HeadersGrade star = Grade(With(Without(Good(), "x-frame-options"), "content-security-policy",
                                 "default-src 'none'; frame-ancestors *"));
  EXPECT_THAT(Failed(star), ElementsAre("frame_options_missing@x-frame-options"));
  EXPECT_THAT(star.missing, ElementsAre("x-frame-options"));
}

TEST(GradeHeaders, ContentTypeOptions) {
  EXPECT_THAT(Failed(Grade(With(Good(), "x-content-type-options", "NoSniff "))), IsEmpty());
  EXPECT_THAT(Failed(Grade(With(Good(), "x-content-type-options", "nosniff, foo"))), IsEmpty());
  HeadersGrade g = Grade(With(Good(), "x-content-type-options", "sniff"));
  EXPECT_THAT(Failed(g), ElementsAre("xcto_missing@x-content-type-options"));
  EXPECT_EQ(Find(g, "xcto_missing").reason, "value is not nosniff");
  EXPECT_EQ(Find(g, "xcto_missing").observed, "sniff");
  EXPECT_EQ(g.score, 95 + 25);  // -5, still >= 90 so bonuses count
}

TEST(GradeHeaders, ReferrerPolicy) {
  HeadersGrade unsafe = Grade(With(Good(), "referrer-policy", "unsafe-url"));
  EXPECT_THAT(Failed(unsafe), ElementsAre("referrer_policy_unsafe@referrer-policy"));
  EXPECT_EQ(unsafe.score, 95 + 20);  // -5 and no private-policy bonus
  EXPECT_THAT(Failed(Grade(With(Good(), "referrer-policy", "no-referrer-when-downgrade"))),
              ElementsAre("referrer_policy_unsafe@referrer-policy"));
  // The last valid token wins (fallback lists).
  EXPECT_THAT(Failed(Grade(With(Good(), "referrer-policy", "unsafe-url, bogus, no-referrer"))),
              IsEmpty());
  EXPECT_THAT(Failed(Grade(With(Good(), "referrer-policy", "no-referrer, unsafe-url"))),
              ElementsAre("referrer_policy_unsafe@referrer-policy"));
  HeadersGrade invalid = Grade(With(Good(), "referrer-policy", "bogus"));
  EXPECT_THAT(Failed(invalid), ElementsAre("referrer_policy_missing@referrer-policy"));
  EXPECT_EQ(Find(invalid, "referrer_policy_missing").reason, "no valid policy token");
  HeadersGrade absent = Grade(Without(Good(), "referrer-policy"));
  EXPECT_THAT(Failed(absent), ElementsAre("referrer_policy_missing@referrer-policy"));
  EXPECT_EQ(absent.score, 120);  // absent costs nothing, loses the +5
  EXPECT_EQ(Grade(With(Good(), "referrer-policy", "origin")).score, 120);
}

TEST(GradeHeaders, PermissionsPolicy) {
  EXPECT_THAT(Failed(Grade(With(Good(), "permissions-policy", "  "))),
              ElementsAre("permissions_policy_missing@permissions-policy"));
  EXPECT_EQ(Grade(Without(Good(), "permissions-policy")).score, 125);  // no modifier
}

TEST(GradeHeaders, CookiesPerName) {
  Headers h = Good();
  h.emplace_back("set-cookie", "theme=dark; Path=/");
  h.emplace_back("set-cookie", "auth_token=x; Secure; SameSite=Strict");
  h.emplace_back("set-cookie", "prefs=1; Secure; HttpOnly; SameSite=None");
  h.emplace_back("set-cookie", "tracker=1; SameSite=None; HttpOnly");
  h.emplace_back("set-cookie", "odd=1; Secure; HttpOnly; SameSite=Sometimes");
  HeadersGrade g = Grade(h);
  EXPECT_THAT(Failed(g),
              ElementsAre("cookie_missing_secure@theme", "cookie_missing_httponly@theme",
                          "cookie_missing_samesite@theme", "cookie_missing_httponly@auth_token",
                          "cookie_missing_secure@tracker", "cookie_missing_samesite@tracker",
                          "cookie_missing_samesite@odd"));
  EXPECT_EQ(Find(g, "cookie_missing_samesite", "tracker").reason,
            "SameSite=None without Secure (rejected by browsers)");
  EXPECT_EQ(Find(g, "cookie_missing_samesite", "odd").reason,
            "SameSite value not Lax, Strict or None");
  EXPECT_EQ(Find(g, "cookie_missing_httponly", "auth_token").severity, Severity::kMedium);
  EXPECT_EQ(Find(g, "cookie_missing_httponly", "theme").severity, Severity::kLow);
  EXPECT_EQ(Find(g, "cookie_missing_secure", "theme").observed, "theme=dark; Path=/");
  // Worst cookie result: session cookie without HttpOnly -30.
  EXPECT_EQ(g.score, 70);
}

TEST(GradeHeaders, CookieSecureModifierDependsOnHsts) {
  Headers h = With(Good(), "set-cookie", "session=1; HttpOnly; SameSite=Lax");
  EXPECT_EQ(Grade(h).score, 100 - 10 + 20);  // protected by HSTS: -10, bonuses except cookies
  EXPECT_EQ(Grade(Without(h, "strict-transport-security")).score, 100 - 20 - 40);
  Headers plain = With(Good(), "set-cookie", "color=1; HttpOnly; SameSite=Lax");
  EXPECT_EQ(Grade(Without(plain, "strict-transport-security")).score, 100 - 20 - 20);
}

TEST(GradeHeaders, CookieSameSiteAbsentCostsNothingInvalidCosts20) {
  EXPECT_EQ(Grade(With(Good(), "set-cookie", "prefs=1; Secure; HttpOnly")).score, 120);
  EXPECT_EQ(Grade(With(Good(), "set-cookie", "prefs=1; Secure; HttpOnly; SameSite=bogus")).score,
            80);
  EXPECT_EQ(Grade(With(Good(), "set-cookie", "prefs=1; HttpOnly; SameSite=None")).score,
            100 - 20);  // no Secure (HSTS-protected: -5) and None without Secure (-20): the worst
}

TEST(GradeHeaders, RepeatedCookieNameFailsIfAnyInstanceLacksAFlag) {
  Headers h = Good();
  h.emplace_back("set-cookie", "sessionid=; Path=/old; Max-Age=0");
  HeadersGrade g = Grade(h);
  EXPECT_THAT(Failed(g),
              ElementsAre("cookie_missing_secure@sessionid", "cookie_missing_httponly@sessionid",
                          "cookie_missing_samesite@sessionid"));
  // One result per (check, cookie): keys stay unique.
  int n = 0;
  for (const auto& c : g.checks) n += c.check_id == "cookie_missing_secure";
  EXPECT_EQ(n, 1);
}

TEST(GradeHeaders, OddCookies) {
  Headers h = Without(Good(), "set-cookie");
  h.emplace_back("set-cookie", "");
  h.emplace_back("set-cookie", "novalue");
  h.emplace_back("set-cookie", "=x; secure; httponly; samesite=lax");
  HeadersGrade g = Grade(h);
  EXPECT_THAT(Failed(g),
              ElementsAre("cookie_missing_secure@(unnamed)", "cookie_missing_httponly@(unnamed)",
                          "cookie_missing_samesite@(unnamed)"));
}

TEST(GradeHeaders, VersionDisclosure) {
  struct Case {
    const char* server;
    bool disclosed;
  };
  for (const Case& c : {Case{"nginx/1.22.1", true}, Case{"nginx", false},
                        Case{"Apache/2.4.57 (Debian)", true}, Case{"Microsoft-IIS/10.0", true},
                        Case{"cloudflare", false}, Case{"Server 2.0", true}, Case{"", false}}) {
    HeadersGrade g = Grade(With(Good(), "server", c.server));
    EXPECT_EQ(Find(g, "version_disclosure", "server").passed, !c.disclosed) << c.server;
  }
  Headers h = With(Good(), "x-powered-by", "PHP/8.2.7");
  h.emplace_back("x-aspnet-version", "4.0.30319");
  HeadersGrade g = Grade(h);
  EXPECT_THAT(Failed(g), ElementsAre("version_disclosure@x-powered-by",
                                     "version_disclosure@x-aspnet-version"));
  EXPECT_EQ(Find(g, "version_disclosure", "x-powered-by").observed, "PHP/8.2.7");
  EXPECT_EQ(g.score, 125);  // disclosure is not scored
}

TEST(GradeHeaders, RedirectUnknownIsNotPenalised) {
  HeadersGrade g = Grade(Good(), std::nullopt);
  EXPECT_EQ(g.score, 125);
  EXPECT_EQ(Find(g, "http_redirect_missing").reason,
            "not known: plain HTTP not checked or not served");
  HeadersGrade no = Grade(Good(), false);
  EXPECT_EQ(no.score, 80);  // -20, and no bonuses below 90
}

TEST(GradeHeaders, HugeValuesAreCut) {
  std::string huge(100000, 'a');
  HeadersGrade g = Grade(With(Good(), "x-content-type-options", huge));
  const HeaderCheck& c = Find(g, "xcto_missing");
  EXPECT_FALSE(c.passed);
  EXPECT_EQ(c.observed.size(), kMaxObservedValue + 3);
  std::string big_csp = "default-src 'none'";
  for (int i = 0; i < 20000; ++i) big_csp += "; img-src a" + std::to_string(i);
  HeadersGrade g2 = Grade(With(Good(), "content-security-policy", big_csp));
  EXPECT_THAT(Failed(g2), IsEmpty());
  EXPECT_EQ(Find(g2, "csp_missing").observed.size(), kMaxObservedValue + 3);
  Headers cookie = With(Good(), "set-cookie", std::string(5000, 'n') + "=1");
  HeadersGrade g3 = Grade(cookie);
  EXPECT_EQ(Find(g3, "cookie_missing_secure").location.size(), kMaxObservedValue + 3);
}

TEST(GradeHeaders, ScoreFloorsAtZero) {
  Headers h;
  h.emplace_back("set-cookie", "sessionid=1");
  h.emplace_back("x-frame-options", "nope");
  h.emplace_back("x-content-type-options", "no");
  h.emplace_back("referrer-policy", "unsafe-url");
  HeadersGrade g = Grade(h, false);
  // 100 -20 -25 -20 -5 -5 -40 -20 < 0
  EXPECT_EQ(g.score, 0);
  EXPECT_EQ(g.letter, "F");
}

}  // namespace
}  // namespace secplat::core::checks
