// NginxServer: Debian's nginx (/usr/sbin/nginx) for tests, serving a list of sites, each on its
// own random free port on 127.0.0.1, from a temp dir (config, pid, logs, *_temp_path, document
// roots). `daemon off`, started by fork+exec so the recorded PID is the nginx master, which gets
// SIGKILL if the starting thread dies (PR_SET_PDEATHSIG); stopped by that PID. Workers run as
// `nobody` (only with worker_processes > 1; with 1, nginx runs as a single process,
// `master_process off`), so the document roots are world-readable.
//
//   auto pki = TestPki::Shared();
//   auto server = NginxServer::Start({nginx_sites::Tls12Only(**pki), nginx_sites::GitExposed()});
//   if (!server.has_value()) GTEST_SKIP() << server.error().message;
//   std::string url = (*server)->Url(nginx_sites::kTls12Only, "/");  // https://site.test:PORT/
//   // The prober reaches "site.test" through static_hosts {"site.test" -> "127.0.0.1"}.
//
// Every site has `server_name site.test` by default and answers `/` from an index.html (the
// text "<name> ok\n" unless the site's files say otherwise). The access log
// (access_log_path()) has one line per request: "<site> <remote_addr>:<remote_port>
// <connection> <connection_requests> <status> <request>".
#ifndef SECPLAT_TESTS_SUPPORT_NGINX_SERVER_H_
#define SECPLAT_TESTS_SUPPORT_NGINX_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "tests/support/test_pki.h"

namespace secplat::testing {

// One server block. Placeholders in add_headers and extra_config: "{{port}}" is this site's
// port, "{{port:NAME}}" the port of the site called NAME in the same server.
struct NginxSite {
  std::string name;  // unique; also names the document root and the access-log prefix
  std::string server_name = "site.test";
  bool tls = false;
  std::string ssl_protocols = "TLSv1.2 TLSv1.3";
  std::string ssl_ciphers;  // empty: nginx's default ("HIGH:!aNULL:!MD5")
  std::string cert_file;    // PEM paths, required when tls
  std::string key_file;
  bool server_tokens = false;  // true: "Server: nginx/1.22.1"
  // add_header lines without the directive, e.g. R"(X-Frame-Options "DENY" always)".
  std::vector<std::string> add_headers;
  // Raw directives inside `server { }` (location blocks etc.). When it defines `location /`,
  // the default one is not written.
  std::string extra_config;
  // Files under the document root: path ("/.git/HEAD") -> content.
  std::vector<std::pair<std::string, std::string>> files;
};

struct NginxOptions {
  int worker_processes = 1;
  int worker_connections = 4096;
  // listen(2) backlog: large, so a burst of a thousand connects is not dropped (a dropped SYN
  // costs a 1 s retransmit and distorts timings).
  int listen_backlog = 4096;
};

class NginxServer {
 public:
  // Writes the config, starts nginx and waits (up to 10 s) until every site's port accepts a
  // connection. Errors: kUnavailable when nginx is missing, the config is rejected or it does
  // not come up (the error log is quoted); kInvalidArgument for duplicate/unknown site names.
  static Result<std::unique_ptr<NginxServer>> Start(std::vector<NginxSite> sites,
                                                    NginxOptions options = {});

  ~NginxServer();  // stops nginx and removes the temp dir
  NginxServer(const NginxServer&) = delete;
  NginxServer& operator=(const NginxServer&) = delete;

  // The port of the named site; aborts (CHECK) when there is no such site.
  int port(std::string_view site) const;
  // "http(s)://<host>:<port><path>"; host defaults to the site's server_name.
  std::string Url(std::string_view site, std::string_view path = "/",
                  std::string_view host = {}) const;
  const NginxSite& site(std::string_view name) const;

  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string access_log_path() const { return dir_ + "/access.log"; }
  std::string error_log_path() const { return dir_ + "/error.log"; }
  // The access log's lines so far (nginx writes each line when the request ends).
  std::vector<std::string> AccessLogLines() const;
  // nginx writes the line after the response has gone out, so a client can be faster than the
  // log: waits (up to `timeout`) until at least `count` lines are there, then returns them all.
  std::vector<std::string> WaitForAccessLogLines(
      size_t count, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) const;

  // Stops nginx by PID (SIGQUIT, then SIGKILL after 5 s). Idempotent.
  Status Stop();

 private:
  NginxServer() = default;
  Status WriteConfig(const NginxOptions& options);
  Status Launch();

  std::string dir_;
  std::vector<NginxSite> sites_;
  std::map<std::string, int, std::less<>> ports_;
  pid_t pid_ = -1;
};

// Ready-made sites, one per test case (shared by the probe, TLS grader and scanner tests). Each
// preset's name is the constant next to it; TLS sites use server_name site.test and a leaf from
// TestPki (RSA-2048 unless noted).
namespace nginx_sites {

inline constexpr std::string_view kTls12Only = "tls12_only";  // ssl_protocols TLSv1.2
inline constexpr std::string_view kTls13Only = "tls13_only";  // ssl_protocols TLSv1.3
inline constexpr std::string_view kLegacyTls = "legacy_tls";  // TLSv1 TLSv1.1 TLSv1.2, SECLEVEL=0
inline constexpr std::string_view kExpiredCert = "expired_cert";  // kExpired leaf (EC), TLS 1.2+1.3
inline constexpr std::string_view kWrongHost = "wrong_host";      // leaf for other.test (EC)
inline constexpr std::string_view kRsa1024 = "rsa1024";           // RSA-1024 leaf, SECLEVEL=0
inline constexpr std::string_view kSelfSigned = "self_signed";    // self-signed leaf (EC)
inline constexpr std::string_view kEcP256 = "ec_p256";            // EC P-256 leaf, TLS 1.2+1.3
inline constexpr std::string_view kGoodHeaders = "good_headers";  // every security header right
inline constexpr std::string_view kMissingHeaders = "missing_headers";  // none + disclosure
inline constexpr std::string_view kGitExposed = "git_exposed";          // plain HTTP, /.git/HEAD
inline constexpr std::string_view kSoft404 = "soft404";                 // plain HTTP, 200 for all
inline constexpr std::string_view kRedirectLoop = "redirect_loop";  // plain HTTP, / -> a -> b -> a
inline constexpr std::string_view kPlainHttp = "plain_http";        // plain HTTP, no redirect
inline constexpr std::string_view kHttpToHttps = "http_to_https";   // plain HTTP, 301 to HTTPS
inline constexpr std::string_view kRedirectToMetadata = "redirect_to_metadata";  // / -> 169.254...

// The exact header values of kGoodHeaders (the graders' tests compare against these).
inline constexpr std::string_view kGoodHsts = "max-age=31536000; includeSubDomains";
inline constexpr std::string_view kGoodCsp =
    "default-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";
inline constexpr std::string_view kGoodReferrerPolicy = "strict-origin-when-cross-origin";
inline constexpr std::string_view kGoodPermissionsPolicy =
    "geolocation=(), camera=(), microphone=()";
inline constexpr std::string_view kGoodCookie =
    "sid=abc123; Path=/; Secure; HttpOnly; SameSite=Strict";
// kMissingHeaders' cookie (no Secure, HttpOnly or SameSite) and its Server header.
inline constexpr std::string_view kInsecureCookie = "sid=abc123; Path=/";
inline constexpr std::string_view kNginxServerHeader = "nginx/1.22.1";
// kGitExposed serves this at /.git/HEAD (other paths: real 404s).
inline constexpr std::string_view kGitHeadContent = "ref: refs/heads/main\n";
// kSoft404 answers every path with 200 and this body.
inline constexpr std::string_view kSoft404Body =
    "<html><head><title>Welcome</title></head><body><h1>Welcome to our site</h1></body></html>\n";
// kRedirectToMetadata's `/` answers 302 with this Location.
inline constexpr std::string_view kMetadataUrl = "http://169.254.169.254/latest/meta-data/";

// TLS sites. Everything else (headers, paths) is nginx's default: `/` serves "<name> ok\n".
NginxSite Tls12Only(const TestPki& pki);
NginxSite Tls13Only(const TestPki& pki);
// ssl_protocols "TLSv1 TLSv1.1 TLSv1.2", ssl_ciphers "ALL:@SECLEVEL=0" (anonymous suites too).
NginxSite LegacyTls(const TestPki& pki);
NginxSite ExpiredCert(const TestPki& pki);
NginxSite WrongHost(const TestPki& pki);
// RSA-1024 leaf; needs ssl_ciphers "ALL:@SECLEVEL=0" to load. TLS 1.2 + 1.3.
NginxSite Rsa1024(const TestPki& pki);
NginxSite SelfSigned(const TestPki& pki);
NginxSite EcP256(const TestPki& pki);
// HTTPS, TLS 1.2+1.3: HSTS kGoodHsts, CSP kGoodCsp, X-Frame-Options DENY, X-Content-Type-Options
// nosniff, Referrer-Policy, Permissions-Policy, Set-Cookie kGoodCookie, no version in Server.
NginxSite GoodHeaders(const TestPki& pki);
// HTTPS, TLS 1.2+1.3: no security header, "Server: nginx/1.22.1", "X-Powered-By: PHP/7.4.3",
// Set-Cookie kInsecureCookie.
NginxSite MissingHeaders(const TestPki& pki);
// Plain HTTP: /.git/HEAD with kGitHeadContent; "/" an index page; other paths real 404s.
NginxSite GitExposed();
// Plain HTTP: every path (also /.git/HEAD, /.env) answers 200 text/html with kSoft404Body.
NginxSite Soft404();
// Plain HTTP: "/" -> 302 /loop-a -> 302 /loop-b -> 302 /loop-a ...
NginxSite RedirectLoop();
// Plain HTTP serving "/" with 200 and no redirect to HTTPS.
NginxSite PlainHttp();
// Plain HTTP: every path -> 301 https://site.test:<port of https_site><path>.
NginxSite HttpToHttps(std::string_view https_site = kTls12Only);
// Plain HTTP: "/" -> 302 kMetadataUrl (an SSRF redirect); "/ok" -> 200.
NginxSite RedirectToMetadata();

}  // namespace nginx_sites

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_NGINX_SERVER_H_
