#include "core/checks/exposure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace secplat::core::checks {
namespace {

using model::HttpProbeResult;
using ::testing::HasSubstr;

HttpProbeResult Resp(int status, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  return HttpProbeResult{.status = status, .headers = std::move(headers), .body = std::move(body)};
}

const Signature& Sig(const SignaturePack& pack, std::string_view id) {
  for (const Signature& s : pack.signatures) {
    if (s.id == id) return s;
  }
  ADD_FAILURE() << "no signature " << id;
  return pack.signatures.front();
}

const SignaturePack& Pack() {
  const auto& pack = EmbeddedSignaturePack();
  EXPECT_TRUE(pack.has_value()) << pack.error().message;
  return *pack;
}

// Verifies the shipped pack parses and covers every path the issue requires.
TEST(SignaturePack, EmbeddedPackIsValidAndComplete) {
  const SignaturePack& pack = Pack();
  EXPECT_EQ(pack.name, "secplat-exposure");
  std::set<std::string> paths;
  for (const Signature& s : pack.signatures) {
    EXPECT_FALSE(s.remediation.empty()) << s.id;
    EXPECT_THAT(s.cwe, ::testing::StartsWith("CWE-")) << s.id;
    for (const auto& p : s.paths) paths.insert(p);
  }
  for (const char* p : {"/.git/HEAD", "/.git/config", "/.env", "/server-status", "/phpinfo.php",
                        "/actuator/env", "/.DS_Store", "/backup.zip", "/backup.tar.gz", "/db.sql",
                        "/wp-config.php.bak", "/admin/", "/manager/html", "/phpmyadmin/"}) {
    EXPECT_TRUE(paths.count(p)) << p;
  }
}

// Verifies each bad pack gives its exact error with the line number (never a crash).
TEST(SignaturePack, InvalidPacksGiveLineErrors) {
  const std::string ok_block =
      "[x]\ntitle: T\nseverity: high\ncwe: CWE-1\npaths: /a\nstatus: 200\nmatch: contains "
      "z\nremediation: R\n";
  struct Row {
    std::string text;
    std::string error;
  };
  const Row rows[] = {
      {"", "line 1: empty pack (no 'pack <name> <version>')"},
      {"[x]\n", "line 1: the first line must be 'pack <name> <version>'"},
      {"pack p 1\n", "line 1: the pack has no signatures"},
      {"pack p 1\n" + ok_block + "severty: low\n", "line 10: [x]: unknown key 'severty'"},
      {"pack p 1\n" + ok_block + "severity: high\n", "line 10: [x]: duplicate key 'severity'"},
      {"pack p 1\n[x]\ntitle: T\n", "line 2: [x]: missing 'severity'"},
      {"pack p 1\n" + ok_block + ok_block, "line 10: duplicate signature id 'x'"},
      {"pack p 1\n[Bad Id]\n", "line 2: invalid signature id 'Bad Id'"},
      {"pack p 1\ntitle: x\n", "line 2: 'title' outside a [signature] block"},
      {"pack p 1\n[x]\nseverity: urgent\n", "line 3: [x]: unknown severity 'urgent'"},
      {"pack p 1\n[x]\ncwe: 538\n", "line 3: [x]: cwe must look like CWE-538"},
      {"pack p 1\n[x]\npaths: .git\n", "line 3: [x]: path '.git' must start with '/'"},
      {"pack p 1\n[x]\npaths: //evil.test/x\n", "line 3: [x]: path '//evil.test/x' must not"},
      {"pack p 1\n[x]\npaths: /a/../b\n", "line 3: [x]: path '/a/../b' has '..'"},
      {"pack p 1\n[x]\nstatus: 200 abc\n", "line 3: [x]: status 'abc' is not in 100..599"},
      {"pack p 1\n[x]\nmatch: regex a.*b\n", "line 3: [x]: regex: unbounded quantifier '*'"},
      {"pack p 1\n[x]\nmatch: regex (a\n", "line 3: [x]: regex: unbalanced '('"},
      {"pack p 1\n[x]\nmatch: glob *.x\n", "line 3: [x]: unknown matcher kind 'glob'"},
      {"pack p 1\n[x]\nmatch: prefix \\xZZ\n", "line 3: [x]: \\x needs two hex digits"},
      {"pack p 1\n[x]\nmatch: contains\n", "line 3: [x]: matcher 'contains' needs a value"},
      {"pack p 1\n[x]\nmatch: header x-only\n", "line 3: [x]: matcher 'header' needs"},
      {"pack p 1\n[x]\ncondition: most\n", "line 3: [x]: condition must be 'any' or 'all'"},
      {"pack p 1\n[x]\nno colon here\n", "line 3: expected 'key: value'"},
      {"pack p 1\n[x]\ntitle: T\nseverity: high\ncwe: CWE-1\npaths: /a\nstatus: 200\n"
       "remediation: R\n",
       "line 2: [x]: needs at least one 'match'"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.text);
    auto pack = ParseSignaturePack(row.text);
    ASSERT_FALSE(pack.has_value());
    EXPECT_EQ(pack.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(pack.error().message, HasSubstr(row.error));
  }
  // Every problem is reported together.
  auto many = ParseSignaturePack("pack p 1\n[x]\nseverity: urgent\ncwe: nope\n");
  ASSERT_FALSE(many.has_value());
  EXPECT_THAT(many.error().message, HasSubstr("line 3:"));
  EXPECT_THAT(many.error().message, HasSubstr("line 4:"));
  EXPECT_THAT(many.error().message, HasSubstr("line 2: [x]: missing 'title'"));
}

// Verifies the positive matchers of the shipped signatures on real file contents.
TEST(MatchSignature, ShippedSignaturesMatchRealFiles) {
  const SignaturePack& pack = Pack();
  struct Row {
    std::string_view id;
    HttpProbeResult response;
    std::string excerpt;
  };
  const Row rows[] = {
      {"git-head", Resp(200, "ref: refs/heads/main\n"), "ref: refs/heads/main"},
      {"git-head", Resp(200, "3f786850e387550fdab836ed7e6dc881de23001b\n"),
       "3f786850e387550fdab836ed7e6dc881de23001b"},
      {"git-config",
       Resp(200,
            "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n\turl = "
            "https://user:tok3n@git.test/r.git\n"),
       "[core]"},
      {"dotenv", Resp(200, "# comment\nAPP_NAME=shop\nDB_PASSWORD=hunter2\n"), "APP_NAME=***"},
      {"apache-server-status",
       Resp(200,
            "<html><head><title>Apache Status</title></head><body><h1>Apache Server Status "
            "for site.test (via 10.0.0.1)</h1>"),
       "<html><head><title>Apache Status</title></head><body><h1>Apache Server Status for "
       "site.test (via 10.0.0.1)</h1>"},
      {"phpinfo",
       Resp(200,
            "<html><head><title>phpinfo()</title></head>\n<h1 class=\"p\">PHP Version "
            "8.2.7</h1>"),
       "<html><head><title>phpinfo()</title></head>"},
      {"spring-actuator-env",
       Resp(200, R"({"activeProfiles":["prod"],"propertySources":[]})",
            {{"content-type", "application/vnd.spring-boot.actuator.v3+json"}}),
       R"({"activeProfiles":["prod"],"propertySources":[]})"},
      {"ds-store", Resp(200, std::string("\0\0\0\1Bud1\0\0\x10\0", 12)),
       "\\x00\\x00\\x00\\x01Bud1"},
      {"backup-zip", Resp(200, std::string("PK\x03\x04\x14\0\0\0", 8)), "PK\\x03\\x04"},
      {"backup-tar-gz", Resp(200, std::string("\x1f\x8b\x08\0\0\0", 6)), "\\x1f\\x8b\\x08"},
      {"sql-dump", Resp(200, "-- MySQL dump\nCREATE TABLE users (id int);\n"),
       "CREATE TABLE users (id int);"},
      {"wp-config-backup", Resp(200, "<?php\ndefine( 'DB_PASSWORD', 'hunter2' );\n"),
       "define( 'DB_PASSWORD', '***"},
      {"tomcat-manager",
       Resp(401, "<html>401</html>",
            {{"www-authenticate", "Basic realm=\"Tomcat Manager Application\""}}),
       "www-authenticate: Basic realm=\"Tomcat Manager Application\""},
      {"phpmyadmin", Resp(200, "<html><title>phpMyAdmin</title><input name=\"pma_username\">"),
       "<html><title>phpMyAdmin</title><input name=\"pma_username\">"},
      {"admin-console",
       Resp(200,
            "<html><title>Shop Admin</title>\n<form><input type=\"password\" "
            "name=\"p\"></form>"),
       "<html><title>Shop Admin</title>"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.id);
    auto hit = MatchSignature(Sig(pack, row.id), row.response);
    ASSERT_TRUE(hit.has_value());
    EXPECT_EQ(hit->excerpt, row.excerpt);
    EXPECT_EQ(hit->excerpt.find("hunter2"), std::string::npos);
    EXPECT_EQ(hit->excerpt.find("tok3n"), std::string::npos);
  }
}

// Verifies the negative guards: HTML pages, wrong status, wrong content type, partial matches.
TEST(MatchSignature, GuardsRejectLookalikes) {
  const SignaturePack& pack = Pack();
  // A soft-404 HTML page that happens to contain the text.
  EXPECT_FALSE(MatchSignature(Sig(pack, "git-head"),
                              Resp(200, "<html><body>ref: refs/heads/main</body></html>")));
  EXPECT_FALSE(MatchSignature(Sig(pack, "git-head"), Resp(404, "ref: refs/heads/main\n")));
  EXPECT_FALSE(MatchSignature(Sig(pack, "git-head"), Resp(200, "see ref: refs/x inline")));
  EXPECT_FALSE(MatchSignature(Sig(pack, "dotenv"), Resp(200, "NAME=x\nPATH=/bin\n")));
  EXPECT_FALSE(MatchSignature(Sig(pack, "dotenv"), Resp(200, "  APP_KEY=x")));  // not anchored
  EXPECT_FALSE(
      MatchSignature(Sig(pack, "spring-actuator-env"),
                     Resp(200, R"({"propertySources":[]})", {{"content-type", "text/html"}})));
  EXPECT_FALSE(MatchSignature(Sig(pack, "phpinfo"),
                              Resp(200, "<title>phpinfo()</title> (no version)")));  // all-of
  EXPECT_FALSE(MatchSignature(Sig(pack, "ds-store"), Resp(200, "Bud1")));
  HttpProbeResult error = Resp(200, "ref: refs/heads/main\n");
  error.error = model::ProbeError::kTimeoutTotal;
  EXPECT_FALSE(MatchSignature(Sig(pack, "git-head"), error));

  auto custom = ParseSignaturePack(
      "pack p 1\n[x]\ntitle: T\nseverity: low\ncwe: CWE-1\npaths: /a\nstatus: 200\n"
      "match: icontains SECRET\nnot: contains placeholder\nremediation: R\n");
  ASSERT_TRUE(custom.has_value()) << custom.error().message;
  EXPECT_TRUE(MatchSignature(custom->signatures[0], Resp(200, "a secret")));
  EXPECT_FALSE(MatchSignature(custom->signatures[0], Resp(200, "a secret placeholder")));
}

// Verifies soft-404 detection: identical catch-all pages, pages echoing the path, and that a
// different real file is not dropped.
TEST(Soft404, DropsResponsesLikeTheBaseline) {
  const std::string page =
      "<html><head><title>Shop</title></head><body><h1>Welcome to the shop</h1><p>Our "
      "products are the best. Sign in to see your orders.</p></body></html>";
  Soft404Baseline b = MakeSoft404Baseline("/secplat-404-abc", Resp(200, page));
  EXPECT_EQ(b.status, 200);
  EXPECT_TRUE(LooksLikeSoft404(b, "/admin/", Resp(200, page)));
  EXPECT_FALSE(LooksLikeSoft404(b, "/admin/", Resp(404, page)));  // other status
  EXPECT_FALSE(LooksLikeSoft404(b, "/.git/HEAD", Resp(200, "ref: refs/heads/main\n")));

  // Error pages that echo the requested path.
  auto echo = [](std::string_view path) {
    return "<html><body><h2>Sorry, " + std::string(path) +
           " was not found on this server.</h2><p>Try the home page.</p></body></html>";
  };
  Soft404Baseline e = MakeSoft404Baseline("/secplat-404-abc", Resp(200, echo("/secplat-404-abc")));
  EXPECT_TRUE(LooksLikeSoft404(e, "/phpmyadmin/", Resp(200, echo("/phpmyadmin/"))));

  // Nearly the same page (a timestamp differs): similarity, not hash equality.
  Soft404Baseline t = MakeSoft404Baseline("/x", Resp(200, page + "<!-- 12:00:01 -->"));
  EXPECT_TRUE(LooksLikeSoft404(t, "/y", Resp(200, page + "<!-- 12:00:02 -->")));

  // Redirect catch-alls: same target means soft 404.
  Soft404Baseline r = MakeSoft404Baseline(
      "/secplat-404-abc", Resp(302, "", {{"location", "/login?next=/secplat-404-abc"}}));
  EXPECT_TRUE(LooksLikeSoft404(r, "/admin/", Resp(302, "", {{"location", "/login?next=/admin/"}})));
  EXPECT_FALSE(LooksLikeSoft404(r, "/admin/", Resp(302, "", {{"location", "/admin/login"}})));
  EXPECT_EQ(BaselinePath("a-b_c!9"), "/secplat-404-abc9");
  EXPECT_EQ(BaselinePath(""), "/secplat-404-0");
}

// Verifies directory listings of nginx, Apache and python are detected, other pages are not.
TEST(DirectoryListing, DetectsAutoindexStyles) {
  auto nginx = DetectDirectoryListing(
      "<html>\r\n<head><title>Index of /files/</title></head>\r\n<body>\r\n<h1>Index of "
      "/files/</h1><hr><pre><a href=\"../\">../</a>\r\n<a href=\"a.txt\">a.txt</a>   01-Jan-2025 "
      "00:00   3\r\n<a href=\"b/\">b/</a>\r\n</pre><hr></body>\r\n</html>\r\n");
  ASSERT_TRUE(nginx.has_value());
  EXPECT_EQ(nginx->style, "nginx");
  EXPECT_EQ(nginx->entries, 2);

  auto apache = DetectDirectoryListing(
      "<html><head><title>Index of /up</title></head><body><h1>Index of /up</h1><table><tr><th>"
      "<a href=\"?C=N;O=D\">Name</a></th></tr><tr><td><a href=\"/\">Parent Directory</a></td>"
      "</tr><tr><td><a href=\"x.zip\">x.zip</a></td></tr></table></body></html>");
  ASSERT_TRUE(apache.has_value());
  EXPECT_EQ(apache->style, "apache");
  EXPECT_EQ(apache->entries, 1);

  auto python = DetectDirectoryListing(
      "<html><head><title>Directory listing for /</title></head><body><ul><li><a "
      "href=\"x.py\">x.py</a></li></ul></body></html>");
  ASSERT_TRUE(python.has_value());
  EXPECT_EQ(python->style, "python");

  EXPECT_FALSE(DetectDirectoryListing("<html><title>Home</title><a href=\"x\">x</a></html>"));
  EXPECT_FALSE(DetectDirectoryListing("<p>Index of /docs is below</p>"));
  EXPECT_TRUE(MatchSignature(Sig(Pack(), "directory-listing"),
                             Resp(200,
                                  "<title>Index of /</title><h1>Index of /</h1><a "
                                  "href=\"x\">x</a>")));
}

// Verifies the CORS rules: reflection with credentials, wildcard with credentials, and
// harmless configurations.
TEST(Cors, FlagsReflectionWithCredentials) {
  const std::string origin = "https://n0nce.invalid";
  auto resp = [](std::string acao, std::string acac) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!acao.empty()) h.emplace_back("access-control-allow-origin", acao);
    if (!acac.empty()) h.emplace_back("access-control-allow-credentials", acac);
    return Resp(200, "", h);
  };
  EXPECT_EQ(EvaluateCors(origin, resp(origin, "true")), CorsIssue::kReflectedWithCredentials);
  EXPECT_EQ(EvaluateCors(origin, resp("HTTPS://N0NCE.invalid", "True")),
            CorsIssue::kReflectedWithCredentials);
  EXPECT_EQ(EvaluateCors(origin, resp("*", "true")), CorsIssue::kWildcardWithCredentials);
  EXPECT_EQ(EvaluateCors(origin, resp(origin, "")), CorsIssue::kReflectedWithoutCredentials);
  EXPECT_EQ(EvaluateCors(origin, resp("*", "")), CorsIssue::kNone);
  EXPECT_EQ(EvaluateCors(origin, resp("https://app.site.test", "true")), CorsIssue::kNone);
  EXPECT_EQ(EvaluateCors(origin, resp("", "")), CorsIssue::kNone);
  EXPECT_EQ(CorsIssueName(CorsIssue::kReflectedWithCredentials), "reflected_with_credentials");
}

// Verifies TRACE is flagged only when the request line and our marker are echoed.
TEST(Trace, EchoOfRequestLineAndMarker) {
  std::string echo = "TRACE / HTTP/1.1\r\nHost: site.test\r\nX-SecPlat-Trace: m1\r\n\r\n";
  EXPECT_TRUE(TraceEchoed("/", "m1", Resp(200, echo)));
  EXPECT_FALSE(TraceEchoed("/", "m2", Resp(200, echo)));
  EXPECT_FALSE(TraceEchoed("/", "m1", Resp(405, echo)));
  EXPECT_FALSE(TraceEchoed("/", "m1", Resp(200, "<html>ok</html>")));
}

// Verifies plain-HTTP classification and Location resolution.
TEST(PlainHttp, ClassifiesRedirects) {
  EXPECT_EQ(
      ClassifyPlainHttp("http://s.test/", Resp(301, "", {{"location", "https://s.test/"}})).kind,
      PlainHttpKind::kRedirectsToHttps);
  auto hop = ClassifyPlainHttp("http://s.test/a/b", Resp(302, "", {{"location", "c"}}));
  EXPECT_EQ(hop.kind, PlainHttpKind::kRedirectsToHttp);
  EXPECT_EQ(hop.next_url, "http://s.test/a/c");
  EXPECT_EQ(ClassifyPlainHttp("http://s.test/", Resp(200, "hi")).kind, PlainHttpKind::kServed);
  EXPECT_EQ(ClassifyPlainHttp("http://s.test/", Resp(301, "")).kind, PlainHttpKind::kServed);
  EXPECT_EQ(ResolveLocation("http://s.test:8080/x", "/y"), "http://s.test:8080/y");
  EXPECT_EQ(ResolveLocation("http://s.test/x", "//o.test/z"), "http://o.test/z");
}

// Verifies URL parsing and path joining.
TEST(Urls, ParseBuildJoin) {
  auto u = ParseHttpUrl("HTTPS://user:pw@Site.test:8443/app/index.html?q=1#f");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "Site.test");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->path, "/app/index.html");
  EXPECT_EQ(BuildUrl(*u, "/x"), "https://Site.test:8443/x");
  EXPECT_EQ(JoinPath(u->path, "/.git/HEAD"), "/app/.git/HEAD");
  EXPECT_EQ(JoinPath("/", "/.env"), "/.env");
  EXPECT_EQ(JoinPath("/app/", "/.env"), "/app/.env");
  EXPECT_EQ(BuildUrl(*ParseHttpUrl("http://h.test"), "/"), "http://h.test/");
  auto v6 = ParseHttpUrl("http://[::1]:81/");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->port, 81);
  EXPECT_FALSE(ParseHttpUrl("ftp://h.test/").has_value());
  EXPECT_FALSE(ParseHttpUrl("http://h.test:99999/").has_value());
  EXPECT_FALSE(ParseHttpUrl("http:///x").has_value());
}

// Verifies redaction masks env values, secrets after sensitive words and URL userinfo.
TEST(RedactedExcerpt, MasksSecrets) {
  EXPECT_EQ(RedactedExcerpt("A=1\nDB_PASSWORD=hunter2\nC=3", 4, 11), "DB_PASSWORD=***");
  EXPECT_EQ(RedactedExcerpt("export AWS_SECRET=abc", 0, 3), "export AWS_SECRET=***");
  EXPECT_EQ(RedactedExcerpt("password: hunter2", 0, 4), "password: ***");
  EXPECT_EQ(RedactedExcerpt("fetch https://bob:s3cret@git.test/x", 0, 5),
            "fetch https://***@git.test/x");
  EXPECT_EQ(RedactedExcerpt("ref: refs/heads/main", 0, 3), "ref: refs/heads/main");
  // Multi-line matches show the lines they touch, at most three.
  EXPECT_EQ(RedactedExcerpt("l1\nl2\nl3\nl4\nl5", 3, 100), "l2\nl3\nl4");
  // Binary bytes are escaped; output is bounded.
  EXPECT_EQ(RedactedExcerpt(std::string("\x01\x02ok", 4), 0, 4), "\\x01\\x02ok");
  EXPECT_LE(RedactedExcerpt(std::string(10000, '\x01'), 0, 10000).size(), 320u);
}

// Verifies open-port classification.
TEST(OpenPorts, Classify) {
  EXPECT_EQ(ClassifyOpenPort(6379).service, "redis");
  EXPECT_EQ(ClassifyOpenPort(6379).severity, model::Severity::kHigh);
  EXPECT_EQ(ClassifyOpenPort(2375).severity, model::Severity::kCritical);
  EXPECT_EQ(ClassifyOpenPort(22).severity, model::Severity::kInfo);
  EXPECT_EQ(ClassifyOpenPort(12345).service, "unknown");
}

}  // namespace
}  // namespace secplat::core::checks
