#include "core/checks/headers.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>

namespace secplat::core::checks {
namespace {

using model::Severity;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    parts.push_back(
        s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

std::vector<std::string> SplitSpace(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (IsSpace(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::string Cut(std::string_view v) {
  if (v.size() <= kMaxObservedValue) return std::string(v);
  return std::string(v.substr(0, kMaxObservedValue)) + "...";
}

std::vector<std::string_view> All(const HeadersObservation& obs, std::string_view name) {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : obs.headers) {
    if (k == name) out.push_back(v);
  }
  return out;
}

std::string Joined(const std::vector<std::string_view>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += values[i];
  }
  return out;
}

bool IsDirectiveName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

constexpr std::string_view kKnownCspDirectives[] = {"default-src",
                                                    "script-src",
                                                    "script-src-elem",
                                                    "script-src-attr",
                                                    "style-src",
                                                    "style-src-elem",
                                                    "style-src-attr",
                                                    "img-src",
                                                    "connect-src",
                                                    "font-src",
                                                    "object-src",
                                                    "media-src",
                                                    "frame-src",
                                                    "child-src",
                                                    "worker-src",
                                                    "manifest-src",
                                                    "prefetch-src",
                                                    "base-uri",
                                                    "sandbox",
                                                    "form-action",
                                                    "frame-ancestors",
                                                    "navigate-to",
                                                    "report-uri",
                                                    "report-to",
                                                    "upgrade-insecure-requests",
                                                    "block-all-mixed-content",
                                                    "require-trusted-types-for",
                                                    "trusted-types",
                                                    "plugin-types",
                                                    "require-sri-for"};

bool IsKnownDirective(std::string_view name) {
  return std::find(std::begin(kKnownCspDirectives), std::end(kKnownCspDirectives), name) !=
         std::end(kKnownCspDirectives);
}

const std::vector<std::string>* Directive(const CspPolicy& p, std::string_view name) {
  for (const auto& [k, v] : p) {
    if (k == name) return &v;
  }
  return nullptr;
}

bool HasToken(const std::vector<std::string>& list, std::string_view token) {
  for (const std::string& s : list) {
    if (Lower(s) == token) return true;
  }
  return false;
}

bool HasNonceOrHash(const std::vector<std::string>& list) {
  for (const std::string& s : list) {
    std::string l = Lower(s);
    if (l.rfind("'nonce-", 0) == 0 || l.rfind("'sha256-", 0) == 0 || l.rfind("'sha384-", 0) == 0 ||
        l.rfind("'sha512-", 0) == 0) {
      return true;
    }
  }
  return false;
}

// A source that admits (nearly) any origin: "*" or a bare scheme.
bool IsWildcardSource(std::string_view token) {
  std::string l = Lower(token);
  return l == "*" || l == "http:" || l == "https:" || l == "data:" || l == "blob:" ||
         l == "filesystem:" || l == "http://*" || l == "https://*";
}

// The source list governing `kind` ("script" or "style") in one policy: its own directive, else
// default-src; nullptr: unrestricted.
const std::vector<std::string>* Effective(const CspPolicy& p, std::string_view kind) {
  const std::vector<std::string>* own = Directive(p, std::string(kind) + "-src");
  return own != nullptr ? own : Directive(p, "default-src");
}

// Does this policy let inline code of `kind` run? Sets `why`.
bool AllowsInline(const CspPolicy& p, std::string_view kind, std::string& why) {
  const std::vector<std::string>* list = Effective(p, kind);
  if (list == nullptr) {
    why =
        "no " + std::string(kind) + "-src or default-src: inline " + std::string(kind) + " allowed";
    return true;
  }
  bool unsafe = HasToken(*list, "'unsafe-inline'");
  bool neutralised =
      HasNonceOrHash(*list) || (kind == "script" && HasToken(*list, "'strict-dynamic'"));
  bool wildcard =
      kind == "script" && std::any_of(list->begin(), list->end(),
                                      [](const std::string& s) { return IsWildcardSource(s); });
  if (unsafe && !neutralised) {
    why = "'unsafe-inline' in the " + std::string(kind) + " source list";
    return true;
  }
  if (wildcard) {
    why = "script source list admits any origin";
    return true;
  }
  return false;
}

bool AllowsEval(const CspPolicy& p) {
  const std::vector<std::string>* list = Effective(p, "script");
  return list == nullptr || HasToken(*list, "'unsafe-eval'");
}

bool IsSessionCookieName(std::string_view name) {
  std::string l = Lower(name);
  for (std::string_view hint : {"sess", "sid", "auth", "token", "login", "jwt"}) {
    if (l.find(hint) != std::string::npos) return true;
  }
  return false;
}

// "nginx/1.22.1", "Apache/2.4.57 (Debian)", "PHP/8.2.7", "Microsoft-IIS/10.0": a digit right
// after '/', or digit '.' digit anywhere.
bool HasVersionNumber(std::string_view v) {
  for (size_t i = 0; i < v.size(); ++i) {
    bool digit = v[i] >= '0' && v[i] <= '9';
    if (v[i] == '/' && i + 1 < v.size() && v[i + 1] >= '0' && v[i + 1] <= '9') return true;
    if (digit && i + 2 < v.size() && v[i + 1] == '.' && v[i + 2] >= '0' && v[i + 2] <= '9') {
      return true;
    }
  }
  return false;
}

struct CookieFlags {
  std::string raw;  // first Set-Cookie line seen for this name
  bool secure = true;
  bool httponly = true;
  bool samesite = true;
  std::string samesite_problem;
  bool samesite_invalid = false;  // a SameSite attribute browsers reject (not just absent)
};

}  // namespace

std::string ObservatoryLetter(int score) {
  if (score >= 100) return "A+";
  if (score >= 90) return "A";
  if (score >= 85) return "A-";
  if (score >= 80) return "B+";
  if (score >= 70) return "B";
  if (score >= 65) return "B-";
  if (score >= 60) return "C+";
  if (score >= 50) return "C";
  if (score >= 45) return "C-";
  if (score >= 40) return "D+";
  if (score >= 30) return "D";
  if (score >= 25) return "D-";
  return "F";
}

CspPolicy ParseCsp(std::string_view header_value) {
  CspPolicy policy;
  for (std::string_view part : Split(header_value, ';')) {
    std::vector<std::string> tokens = SplitSpace(part);
    if (tokens.empty()) continue;
    std::string name = Lower(tokens.front());
    if (!IsDirectiveName(name)) continue;
    if (Directive(policy, name) != nullptr) continue;  // first occurrence wins
    policy.emplace_back(std::move(name),
                        std::vector<std::string>(tokens.begin() + 1, tokens.end()));
  }
  return policy;
}

std::optional<int64_t> HstsMaxAge(std::string_view header_value) {
  std::optional<int64_t> max_age;
  bool seen = false;
  for (std::string_view part : Split(header_value, ';')) {
    part = Trim(part);
    size_t eq = part.find('=');
    std::string name = Lower(Trim(part.substr(0, eq)));
    if (name != "max-age") continue;
    if (seen) return std::nullopt;  // a directive may appear only once (RFC 6797 6.1)
    seen = true;
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view value = Trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (value.empty()) return std::nullopt;
    int64_t v = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return std::nullopt;
      int d = c - '0';
      if (v > (std::numeric_limits<int64_t>::max() - d) / 10) {
        v = std::numeric_limits<int64_t>::max();
        break;
      }
      v = v * 10 + d;
    }
    max_age = v;
  }
  return max_age;
}

HeadersGrade GradeHeaders(const HeadersObservation& obs) {
  HeadersGrade g;
  int penalties = 0;
  int bonuses = 0;
  auto add = [&g](HeaderCheck c) { g.checks.push_back(std::move(c)); };

  // --- HSTS (the first header only, RFC 6797 8.1).
  std::vector<std::string_view> hsts = All(obs, "strict-transport-security");
  bool hsts_ok = false;
  {
    const std::string loc = "strict-transport-security";
    std::string raw = hsts.empty() ? "" : Cut(hsts.front());
    HeaderCheck present{.check_id = "hsts_missing",
                        .location = loc,
                        .passed = !hsts.empty(),
                        .severity = Severity::kMedium,
                        .title = "HSTS header missing",
                        .observed = raw,
                        .reason = hsts.empty() ? "no Strict-Transport-Security header"
                                               : "Strict-Transport-Security present",
                        .modifier = hsts.empty() ? -20 : 0};
    if (hsts.size() > 1) present.reason += " (repeated; the first is used)";
    penalties += present.modifier;
    add(std::move(present));

    // -1: no usable max-age. (A plain integer, not std::optional: g++ 12 at -O2 reports a
    // false maybe-uninitialized on the optional's payload here.)
    int64_t max_age = -1;
    if (!hsts.empty()) {
      if (std::optional<int64_t> parsed = HstsMaxAge(hsts.front()); parsed.has_value()) {
        max_age = *parsed;
      }
    }
    HeaderCheck age{.check_id = "hsts_max_age_short",
                    .location = loc,
                    .severity = Severity::kLow,
                    .title = "HSTS max-age too short",
                    .observed = raw};
    if (hsts.empty()) {
      age.reason = "not applicable: no HSTS header";
    } else if (max_age < 0) {
      age.passed = false;
      age.reason = "max-age missing, repeated or not a number: the header is ignored";
      age.modifier = -20;
    } else if (max_age < kHstsMinMaxAge) {
      age.passed = false;
      age.reason = "max-age " + std::to_string(max_age) + " is under " +
                   std::to_string(kHstsMinMaxAge) + " (180 days)";
      age.modifier = -10;
    } else {
      age.reason = "max-age " + std::to_string(max_age) + " is at least 180 days";
      hsts_ok = true;
    }
    penalties += age.modifier;
    add(std::move(age));

    bool include_sub = false;
    if (!hsts.empty()) {
      for (std::string_view part : Split(hsts.front(), ';')) {
        if (Lower(Trim(part)) == "includesubdomains") include_sub = true;
      }
    }
    add(HeaderCheck{.check_id = "hsts_no_include_subdomains",
                    .location = loc,
                    .passed = hsts.empty() || include_sub,
                    .severity = Severity::kLow,
                    .title = "HSTS without includeSubDomains",
                    .observed = raw,
                    .reason = hsts.empty()  ? "not applicable: no HSTS header"
                              : include_sub ? "includeSubDomains present"
                                            : "includeSubDomains absent"});
  }

  // --- CSP: each header, and each comma-separated part of one, is a policy of its own.
  std::vector<std::string_view> csp_headers = All(obs, "content-security-policy");
  std::vector<CspPolicy> policies;
  for (std::string_view h : csp_headers) {
    for (std::string_view part : Split(h, ',')) {
      CspPolicy p = ParseCsp(part);
      bool valid =
          std::any_of(p.begin(), p.end(), [](const auto& d) { return IsKnownDirective(d.first); });
      if (valid) policies.push_back(std::move(p));
    }
  }
  const std::string csp_raw = Cut(Joined(csp_headers));
  bool frame_ancestors = false;
  {
    const std::string loc = "content-security-policy";
    add(HeaderCheck{.check_id = "csp_missing",
                    .location = loc,
                    .passed = !csp_headers.empty(),
                    .severity = Severity::kMedium,
                    .title = "Content-Security-Policy header missing",
                    .observed = csp_raw,
                    .reason = csp_headers.empty() ? "no Content-Security-Policy header"
                                                  : "Content-Security-Policy present",
                    .modifier = csp_headers.empty() ? -25 : 0});
    bool invalid = !csp_headers.empty() && policies.empty();
    add(HeaderCheck{.check_id = "csp_invalid",
                    .location = loc,
                    .passed = !invalid,
                    .severity = Severity::kMedium,
                    .title = "Content-Security-Policy not valid",
                    .observed = csp_raw,
                    .reason = csp_headers.empty() ? "not applicable: no CSP header"
                              : invalid           ? "no valid directive: the policy is ignored"
                                                  : "policy parsed",
                    .modifier = invalid ? -25 : 0});

    const bool have = !policies.empty();
    // Inline code: allowed overall only if every policy allows it (policies intersect).
    bool script_inline = false;
    bool style_inline = false;
    for (std::string_view kind : {"script", "style"}) {
      std::string why;
      bool allowed = have;
      for (const CspPolicy& p : policies) {
        std::string w;
        if (!AllowsInline(p, kind, w)) {
          allowed = false;
          break;
        }
        if (why.empty()) why = w;
      }
      (kind == "script" ? script_inline : style_inline) = allowed;
      add(HeaderCheck{
          .check_id = "csp_unsafe_inline",
          .location = std::string(kind) + "-src",
          .passed = !allowed,
          .severity = kind == "script" ? Severity::kMedium : Severity::kLow,
          .title = kind == "script" ? "CSP allows inline scripts" : "CSP allows inline styles",
          .observed = csp_raw,
          .reason = !have     ? "not applicable: no valid CSP"
                    : allowed ? why
                              : "inline " + std::string(kind) + " blocked",
          .modifier = allowed && kind == "script" ? -20 : 0});
    }
    bool eval = have && std::all_of(policies.begin(), policies.end(),
                                    [](const CspPolicy& p) { return AllowsEval(p); });
    add(HeaderCheck{.check_id = "csp_unsafe_eval",
                    .location = "script-src",
                    .passed = !eval,
                    .severity = Severity::kLow,
                    .title = "CSP allows eval",
                    .observed = csp_raw,
                    .reason = !have  ? "not applicable: no valid CSP"
                              : eval ? "'unsafe-eval' allowed (or no script restriction)"
                                     : "eval blocked",
                    .modifier = eval ? -10 : 0});

    // Wildcards in script/object/default source lists, one result per directive.
    std::map<std::string, std::string> wild;  // directive -> offending source
    for (const CspPolicy& p : policies) {
      for (std::string_view d : {"default-src", "script-src", "script-src-elem", "object-src"}) {
        const std::vector<std::string>* list = Directive(p, d);
        if (list == nullptr) continue;
        for (const std::string& s : *list) {
          if (IsWildcardSource(s) && !wild.count(std::string(d))) wild[std::string(d)] = s;
        }
      }
      if (const auto* fa = Directive(p, "frame-ancestors")) {
        bool open = fa->empty() || std::any_of(fa->begin(), fa->end(), [](const std::string& s) {
                      return IsWildcardSource(s);
                    });
        if (!open) frame_ancestors = true;
      }
    }
    if (wild.empty()) {
      add(HeaderCheck{
          .check_id = "csp_wildcard_source",
          .location = loc,
          .passed = true,
          .severity = Severity::kMedium,
          .title = "CSP allows any source",
          .observed = csp_raw,
          .reason = have ? "no wildcard or bare-scheme source" : "not applicable: no valid CSP"});
    }
    for (const auto& [d, s] : wild) {
      add(HeaderCheck{.check_id = "csp_wildcard_source",
                      .location = d,
                      .passed = false,
                      .severity = Severity::kMedium,
                      .title = "CSP allows any source",
                      .observed = csp_raw,
                      .reason = d + " admits " + s,
                      .modifier = -20});
    }
    // The Observatory scores the worst CSP result once.
    if (!have) {
      penalties -= 25;
    } else if (script_inline || !wild.empty()) {
      penalties -= 20;
    } else if (eval) {
      penalties -= 10;
    } else if (!style_inline) {
      bool none_default = std::all_of(policies.begin(), policies.end(), [](const CspPolicy& p) {
        const auto* ds = Directive(p, "default-src");
        return ds != nullptr && ds->size() == 1 && Lower(ds->front()) == "'none'";
      });
      bonuses += none_default ? 10 : 5;
    }
  }

  // --- Framing: X-Frame-Options (all values must agree) or CSP frame-ancestors.
  {
    std::vector<std::string_view> xfo = All(obs, "x-frame-options");
    std::string value;
    bool consistent = !xfo.empty();
    for (std::string_view h : xfo) {
      for (std::string_view part : Split(h, ',')) {
        std::string v = Lower(Trim(part));
        if (value.empty()) {
          value = v;
        } else if (v != value) {
          consistent = false;
        }
      }
    }
    bool xfo_valid = consistent && (value == "deny" || value == "sameorigin");
    HeaderCheck c{.check_id = "frame_options_missing",
                  .location = "x-frame-options",
                  .passed = xfo_valid || frame_ancestors,
                  .severity = Severity::kMedium,
                  .title = "Clickjacking protection missing",
                  .observed = Cut(Joined(xfo))};
    if (frame_ancestors) {
      c.reason = "CSP frame-ancestors restricts framing";
      bonuses += 5;
    } else if (xfo_valid) {
      c.reason = "X-Frame-Options " + value;
    } else {
      c.reason = xfo.empty() ? "no X-Frame-Options and no CSP frame-ancestors"
                             : "X-Frame-Options not DENY or SAMEORIGIN (or conflicting)";
      c.modifier = -20;
      penalties -= 20;
    }
    add(std::move(c));
  }

  // --- X-Content-Type-Options: the first token must be nosniff.
  {
    std::vector<std::string_view> xcto = All(obs, "x-content-type-options");
    std::string first = xcto.empty() ? "" : Lower(Trim(Split(xcto.front(), ',').front()));
    bool ok = first == "nosniff";
    HeaderCheck c{.check_id = "xcto_missing",
                  .location = "x-content-type-options",
                  .passed = ok,
                  .severity = Severity::kLow,
                  .title = "X-Content-Type-Options nosniff missing",
                  .observed = Cut(Joined(xcto)),
                  .reason = ok             ? "nosniff"
                            : xcto.empty() ? "no X-Content-Type-Options header"
                                           : "value is not nosniff",
                  .modifier = ok ? 0 : -5};
    penalties += c.modifier;
    add(std::move(c));
  }

  // --- Referrer-Policy: the last recognised token wins.
  {
    std::vector<std::string_view> rp = All(obs, "referrer-policy");
    static constexpr std::string_view kKnown[] = {"no-referrer",
                                                  "no-referrer-when-downgrade",
                                                  "origin",
                                                  "origin-when-cross-origin",
                                                  "same-origin",
                                                  "strict-origin",
                                                  "strict-origin-when-cross-origin",
                                                  "unsafe-url"};
    std::string policy;
    for (std::string_view h : rp) {
      for (std::string_view part : Split(h, ',')) {
        std::string t = Lower(Trim(part));
        if (std::find(std::begin(kKnown), std::end(kKnown), t) != std::end(kKnown)) policy = t;
      }
    }
    std::string raw = Cut(Joined(rp));
    HeaderCheck missing{.check_id = "referrer_policy_missing",
                        .location = "referrer-policy",
                        .passed = !policy.empty(),
                        .severity = Severity::kLow,
                        .title = "Referrer-Policy missing",
                        .observed = raw,
                        .reason = !policy.empty() ? "policy " + policy
                                  : rp.empty()    ? "no Referrer-Policy header"
                                                  : "no valid policy token",
                        .modifier = !rp.empty() && policy.empty() ? -5 : 0};
    penalties += missing.modifier;
    add(std::move(missing));
    bool unsafe = policy == "unsafe-url" || policy == "no-referrer-when-downgrade";
    HeaderCheck c{.check_id = "referrer_policy_unsafe",
                  .location = "referrer-policy",
                  .passed = !unsafe,
                  .severity = Severity::kLow,
                  .title = "Referrer-Policy leaks URLs",
                  .observed = raw,
                  .reason = policy.empty() ? "not applicable: no valid policy"
                            : unsafe       ? policy + " sends the full URL cross-origin"
                                           : policy + " does not leak full URLs cross-origin",
                  .modifier = unsafe ? -5 : 0};
    penalties += c.modifier;
    if (policy == "no-referrer" || policy == "same-origin" || policy == "strict-origin" ||
        policy == "strict-origin-when-cross-origin") {
      bonuses += 5;
    }
    add(std::move(c));
  }

  // --- Permissions-Policy: present and not empty.
  {
    std::vector<std::string_view> pp = All(obs, "permissions-policy");
    bool ok =
        std::any_of(pp.begin(), pp.end(), [](std::string_view v) { return !Trim(v).empty(); });
    add(HeaderCheck{.check_id = "permissions_policy_missing",
                    .location = "permissions-policy",
                    .passed = ok,
                    .severity = Severity::kLow,
                    .title = "Permissions-Policy missing",
                    .observed = Cut(Joined(pp)),
                    .reason = ok ? "Permissions-Policy present" : "no Permissions-Policy header"});
  }

  // --- Cookies: per cookie name (repeated names: a flag is missing if any instance lacks it).
  {
    std::vector<std::string> order;
    std::map<std::string, CookieFlags> cookies;
    for (std::string_view line : All(obs, "set-cookie")) {
      std::vector<std::string_view> parts = Split(line, ';');
      std::string_view pair = Trim(parts.front());
      size_t eq = pair.find('=');
      std::string name(
          Trim(eq == std::string_view::npos ? std::string_view() : pair.substr(0, eq)));
      if (name.empty()) name = "(unnamed)";
      name = Cut(name);
      bool secure = false;
      bool httponly = false;
      std::string samesite;
      bool samesite_seen = false;
      for (size_t i = 1; i < parts.size(); ++i) {
        std::string_view attr = Trim(parts[i]);
        size_t aeq = attr.find('=');
        std::string key = Lower(Trim(attr.substr(0, aeq)));
        if (key == "secure") secure = true;
        if (key == "httponly") httponly = true;
        if (key == "samesite") {
          samesite_seen = true;
          samesite = aeq == std::string_view::npos ? "" : Lower(Trim(attr.substr(aeq + 1)));
        }
      }
      auto [it, inserted] = cookies.try_emplace(name);
      if (inserted) {
        order.push_back(name);
        it->second.raw = Cut(line);
      }
      CookieFlags& f = it->second;
      f.secure = f.secure && secure;
      f.httponly = f.httponly && httponly;
      std::string problem;
      if (!samesite_seen) {
        problem = "no SameSite attribute";
      } else if (samesite != "lax" && samesite != "strict" && samesite != "none") {
        problem = "SameSite value not Lax, Strict or None";
      } else if (samesite == "none" && !secure) {
        problem = "SameSite=None without Secure (rejected by browsers)";
      }
      if (!problem.empty() && f.samesite) {
        f.samesite = false;
        f.samesite_problem = problem;
        f.samesite_invalid = samesite_seen;
      }
    }
    if (order.empty()) {
      for (const auto& [id, title] :
           {std::pair<std::string, std::string>{"cookie_missing_secure", "Cookie without Secure"},
            {"cookie_missing_httponly", "Cookie without HttpOnly"},
            {"cookie_missing_samesite", "Cookie without SameSite"}}) {
        add(HeaderCheck{.check_id = id,
                        .location = "set-cookie",
                        .passed = true,
                        .severity = Severity::kLow,
                        .title = title,
                        .reason = "not applicable: no cookies set"});
      }
    }
    int cookie_modifier = 0;
    bool all_good = !order.empty();
    for (const std::string& name : order) {
      const CookieFlags& f = cookies[name];
      bool session = IsSessionCookieName(name);
      int m_secure = 0;
      if (!f.secure) {
        if (hsts_ok) {
          m_secure = session ? -10 : -5;
        } else {
          m_secure = session ? -40 : -20;
        }
      }
      int m_http = (!f.httponly && session) ? -30 : 0;
      int m_same = f.samesite_invalid ? -20 : 0;  // Observatory: samesite-flag-invalid
      cookie_modifier = std::min({cookie_modifier, m_secure, m_http, m_same});
      if (!f.secure || (session && !f.httponly) || !f.samesite) all_good = false;
      add(HeaderCheck{.check_id = "cookie_missing_secure",
                      .location = name,
                      .passed = f.secure,
                      .severity = session ? Severity::kHigh : Severity::kMedium,
                      .title = "Cookie without Secure",
                      .observed = f.raw,
                      .reason = f.secure ? "Secure set" : "Secure missing: sent over plain HTTP",
                      .modifier = m_secure});
      add(HeaderCheck{
          .check_id = "cookie_missing_httponly",
          .location = name,
          .passed = f.httponly,
          .severity = session ? Severity::kMedium : Severity::kLow,
          .title = "Cookie without HttpOnly",
          .observed = f.raw,
          .reason = f.httponly ? "HttpOnly set" : "HttpOnly missing: readable by scripts",
          .modifier = m_http});
      add(HeaderCheck{.check_id = "cookie_missing_samesite",
                      .location = name,
                      .passed = f.samesite,
                      .severity = Severity::kLow,
                      .title = "Cookie without SameSite",
                      .observed = f.raw,
                      .reason = f.samesite ? "SameSite set" : f.samesite_problem,
                      .modifier = m_same});
    }
    penalties += cookie_modifier;
    if (all_good) bonuses += 5;
  }

  // --- Version disclosure.
  {
    for (std::string_view h :
         {"server", "x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"}) {
      std::vector<std::string_view> values = All(obs, h);
      bool aspnet = h.rfind("x-aspnet", 0) == 0;
      if (aspnet && values.empty()) continue;
      bool disclosed = std::any_of(values.begin(), values.end(), [aspnet](std::string_view v) {
        return aspnet ? !Trim(v).empty() : HasVersionNumber(v);
      });
      add(HeaderCheck{.check_id = "version_disclosure",
                      .location = std::string(h),
                      .passed = !disclosed,
                      .severity = Severity::kLow,
                      .title = "Software version disclosed",
                      .observed = Cut(Joined(values)),
                      .reason = disclosed        ? "a version number is disclosed"
                                : values.empty() ? "header absent"
                                                 : "no version number"});
    }
  }

  // --- HTTP -> HTTPS redirect (when known).
  {
    HeaderCheck c{.check_id = "http_redirect_missing",
                  .location = "http",
                  .passed = obs.http_redirects_to_https.value_or(true),
                  .severity = Severity::kMedium,
                  .title = "Plain HTTP does not redirect to HTTPS",
                  .finding = false};
    if (!obs.http_redirects_to_https) {
      c.reason = "not known: plain HTTP not checked or not served";
    } else if (*obs.http_redirects_to_https) {
      c.reason = "plain HTTP redirects to HTTPS";
    } else {
      c.reason = "plain HTTP is served without a redirect to HTTPS";
      c.modifier = -20;
      penalties -= 20;
    }
    add(std::move(c));
  }

  // Score: bonuses only when the pre-bonus score is at least 90; floor 0; multiple of 5.
  int score = 100 + penalties;
  if (score >= 90) score += bonuses;
  score = std::max(score, 0);
  score -= score % 5;
  g.score = score;
  g.letter = ObservatoryLetter(score);

  auto absent = [&obs](std::string_view name) { return All(obs, name).empty(); };
  for (std::string_view h :
       {"strict-transport-security", "content-security-policy", "x-frame-options",
        "x-content-type-options", "referrer-policy", "permissions-policy"}) {
    if (!absent(h)) continue;
    if (h == "x-frame-options" && frame_ancestors) continue;  // covered by frame-ancestors
    g.missing.emplace_back(h);
  }
  return g;
}

}  // namespace secplat::core::checks
