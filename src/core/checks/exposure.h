// Web exposure checks, pure: the signature pack (sensitive paths with positive content
// matchers and negative guards, as data shipped with the binary), the soft-404 baseline,
// directory-listing detection, CORS and TRACE rules, plain-HTTP redirect classification,
// open-port classification and evidence redaction. The web_exposure scanner fetches; this
// decides.
//
//   Result<SignaturePack> pack = ParseSignaturePack(EmbeddedExposureSignatures());
//   const Signature& git = pack->signatures[0];             // "git-head"
//   HttpProbeResult r{.status = 200, .body = "ref: refs/heads/main\n"};
//   std::optional<SignatureHit> hit = MatchSignature(git, r);
//   hit->excerpt == "ref: refs/heads/main"
#ifndef SECPLAT_CORE_CHECKS_EXPOSURE_H_
#define SECPLAT_CORE_CHECKS_EXPOSURE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/checks/safe_regex.h"
#include "core/common/result.h"
#include "core/model/finding.h"
#include "core/model/probe.h"

namespace secplat::core::checks {

// ---- Signature pack ------------------------------------------------------------------------

enum class MatcherKind {
  kContains,          // body contains value
  kIContains,         // same, ASCII case-insensitive
  kPrefix,            // body starts with value (magic bytes)
  kRegex,             // SafeRegex search, multiline
  kIRegex,            // same, case-insensitive
  kHeader,            // header `header` (lower-case) contains value
  kDirectoryListing,  // DetectDirectoryListing(body) finds one
};

struct Matcher {
  MatcherKind kind = MatcherKind::kContains;
  std::string value;               // unescaped (regex: verbatim pattern)
  std::string header;              // kHeader: lower-case name
  std::optional<SafeRegex> regex;  // kRegex / kIRegex: compiled at parse time
};

struct Signature {
  std::string id;  // the finding's check_id
  std::string title;
  model::Severity severity = model::Severity::kMedium;
  std::string cwe;                 // "CWE-538"
  std::vector<std::string> paths;  // each starts with '/'
  std::vector<int> statuses;
  std::vector<Matcher> matchers;  // positive
  bool match_all = false;         // condition: all (default any)
  std::vector<Matcher> negatives;
  bool allow_html = false;   // false: "<html"/"<body" in the body rejects the response
  std::string content_type;  // lower-case substring; empty: any
  std::string remediation;
  int line = 0;  // where the block starts in the pack text
};

struct SignaturePack {
  std::string name;
  std::string version;
  std::vector<Signature> signatures;  // in file order; ids unique
};

// Limits a pack must respect (a pack is data: untrusted until validated).
inline constexpr size_t kMaxSignatures = 500;
inline constexpr size_t kMaxPathsPerSignature = 16;
inline constexpr size_t kMaxMatchersPerSignature = 16;

// Parses and validates a pack (format: the comment at the top of rules/exposure-signatures.txt).
// Every problem is reported, one per line, as "line N: message" in one kInvalidArgument error,
// e.g. "line 12: [git-head]: unknown key 'severty'". Never throws, never aborts.
Result<SignaturePack> ParseSignaturePack(std::string_view text);

// The pack compiled into the binary (rules/exposure-signatures.txt).
std::string_view EmbeddedExposureSignatures();

// EmbeddedExposureSignatures() parsed once (thread-safe static). The worker calls it at startup
// so a broken pack fails the process before any scan runs.
const Result<SignaturePack>& EmbeddedSignaturePack();

// What a matching response showed: the (redacted) excerpt stored as evidence.
struct SignatureHit {
  std::string excerpt;
};

// Status in statuses, content-type, HTML guard, negatives, then the positive matchers.
std::optional<SignatureHit> MatchSignature(const Signature& sig,
                                           const model::HttpProbeResult& response);

// ---- Soft-404 baseline -----------------------------------------------------------------------

// How a server answers a path that cannot exist. Candidates that look like it are dropped.
struct Soft404Baseline {
  int status = 0;
  size_t normalised_length = 0;
  uint64_t body_hash = 0;
  std::vector<uint64_t> word_hashes;  // sorted, unique: for a similarity score
  std::string location;               // redirect target (3xx), path removed
};

// The random path to fetch first, from the scan's nonce: "/secplat-404-<nonce>" (non
// [A-Za-z0-9] characters of the nonce dropped; "/secplat-404-0" when none remain).
std::string BaselinePath(std::string_view nonce);

// The request path is removed from the body before hashing, since error pages often echo it.
Soft404Baseline MakeSoft404Baseline(std::string_view requested_path,
                                    const model::HttpProbeResult& response);

// True when `response` (for `requested_path`) matches the baseline: same status, lengths within
// max(32 bytes, 10 %), and equal hash or word-set Jaccard similarity >= 0.9.
bool LooksLikeSoft404(const Soft404Baseline& baseline, std::string_view requested_path,
                      const model::HttpProbeResult& response);

// ---- Directory listing -----------------------------------------------------------------------

struct DirectoryListing {
  std::string style;  // "nginx", "apache", "python", "lighttpd", "generic"
  int entries = 0;    // links to entries (parent and sort links excluded)
};

// nginx/apache autoindex, python http.server, lighttpd mod_dirlisting and the generic
// "<title>Index of /..." shape with at least one entry link.
std::optional<DirectoryListing> DetectDirectoryListing(std::string_view body);

// ---- CORS, TRACE -----------------------------------------------------------------------------

enum class CorsIssue {
  kNone,
  kReflectedWithCredentials,     // ACAO echoes our arbitrary Origin and ACAC: true (high)
  kWildcardWithCredentials,      // ACAO "*" with ACAC: true (browsers refuse it; misconfiguration)
  kReflectedWithoutCredentials,  // echoes any Origin, no credentials (reported as a fact only)
};
std::string_view CorsIssueName(CorsIssue i);

// Grades the response to a request sent with `Origin: sent_origin`.
CorsIssue EvaluateCors(std::string_view sent_origin, const model::HttpProbeResult& response);

// True when a TRACE request was echoed: status 200 and the body holds the request line
// ("TRACE <path>") and the marker header value we sent.
bool TraceEchoed(std::string_view path, std::string_view marker,
                 const model::HttpProbeResult& response);

// ---- Plain HTTP ------------------------------------------------------------------------------

// One response to an http:// request made without following redirects.
enum class PlainHttpKind {
  kRedirectsToHttps,  // 3xx with a Location on https://
  kRedirectsToHttp,   // 3xx to another http:// URL (follow it: next_url)
  kServed,            // anything else: content (or an error page) served over plain HTTP
};
struct PlainHttpStep {
  PlainHttpKind kind = PlainHttpKind::kServed;
  std::string next_url;  // kRedirectsToHttp: absolute
};
PlainHttpStep ClassifyPlainHttp(std::string_view request_url,
                                const model::HttpProbeResult& response);

// ---- URLs ------------------------------------------------------------------------------------

struct UrlParts {
  std::string scheme;  // lower-case "http" | "https"
  std::string host;    // as written (IPv6 with brackets)
  int port = 0;        // explicit or the scheme default
  bool explicit_port = false;
  std::string path;  // "/..." (at least "/"), query and fragment dropped
};
// Parses an absolute http(s) URL; kInvalidArgument otherwise.
Result<UrlParts> ParseHttpUrl(std::string_view url);

// "<scheme>://<host>[:port]" (port only when not the scheme default) + path.
std::string BuildUrl(const UrlParts& base, std::string_view path);

// The asset's base path joined with a signature path: ("/app/", "/.git/HEAD") -> "/app/.git/HEAD".
std::string JoinPath(std::string_view base_path, std::string_view sig_path);

// Absolute form of a Location header relative to `request_url` (absolute, "//host/x", "/x", "x").
std::string ResolveLocation(std::string_view request_url, std::string_view location);

// ---- Open ports ------------------------------------------------------------------------------

struct PortClass {
  std::string service;  // "redis", "telnet", ... or "unknown"
  model::Severity severity = model::Severity::kInfo;
};
// Well-known services that should not face a network unprotected get a severity above info.
PortClass ClassifyOpenPort(int port);

// ---- Evidence --------------------------------------------------------------------------------

// A short excerpt of `body` around [offset, offset+length): the lines it touches (at most 3
// lines, 240 bytes), with secrets masked — the value of KEY=VALUE / key: value lines, anything
// after a password/secret/token/key word, URL userinfo — and non-printable bytes as \xNN.
std::string RedactedExcerpt(std::string_view body, size_t offset, size_t length);

}  // namespace secplat::core::checks

#endif  // SECPLAT_CORE_CHECKS_EXPOSURE_H_
