// The fixtures other tests rely on, checked with plain libcurl (not the code under test): every
// nginx preset answers as its header says, the test PKI's certificates verify (or not) as
// documented, and the hostile server misbehaves as asked.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "tests/support/hostile_server.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace secplat::testing {
namespace {

using namespace std::chrono_literals;

constexpr long kTls12Exact =
    static_cast<long>(CURL_SSLVERSION_TLSv1_2) | static_cast<long>(CURL_SSLVERSION_MAX_TLSv1_2);

struct Fetched {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string headers;
  std::string body;
  std::string location;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// GET `url` with site.test -> 127.0.0.1, verification against the test CA (when `verify`).
Fetched Fetch(const std::string& url, int port, bool verify = true, long ssl_version = 0) {
  Fetched f;
  const TestPki* pki = *TestPki::Shared();
  CURL* h = curl_easy_init();
  std::string resolve = "site.test:" + std::to_string(port) + ":127.0.0.1";
  curl_slist* res = curl_slist_append(nullptr, resolve.c_str());
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_RESOLVE, res);
  curl_easy_setopt(h, CURLOPT_CAINFO, pki->ca_cert().c_str());
  curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  if (ssl_version != 0) curl_easy_setopt(h, CURLOPT_SSLVERSION, ssl_version);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &f.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, Append);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &f.headers);
  f.code = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &f.status);
  char* loc = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != nullptr) {
    f.location = loc;
  }
  curl_easy_cleanup(h);
  curl_slist_free_all(res);
  return f;
}

class NginxFixturesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = TestPki::Shared();
    ASSERT_TRUE(pki.has_value()) << pki.error().message;
    using namespace nginx_sites;
    const TestPki& p = **pki;
    auto server = NginxServer::Start(
        {Tls12Only(p), Tls13Only(p), LegacyTls(p), ExpiredCert(p), WrongHost(p), Rsa1024(p),
         SelfSigned(p), EcP256(p), GoodHeaders(p), MissingHeaders(p), GitExposed(), Soft404(),
         RedirectLoop(), PlainHttp(), HttpToHttps(), RedirectToMetadata()});
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server).release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr); }

  Fetched Get(std::string_view site, std::string_view path = "/", bool verify = true,
              long ssl_version = 0) {
    return Fetch(server_->Url(site, path), server_->port(site), verify, ssl_version);
  }

  static NginxServer* server_;
};
NginxServer* NginxFixturesTest::server_ = nullptr;

TEST_F(NginxFixturesTest, TrustedTlsSitesVerifyAgainstTheTestCa) {
  using namespace nginx_sites;
  for (std::string_view site : {kTls12Only, kTls13Only, kEcP256, kGoodHeaders, kMissingHeaders}) {
    Fetched f = Get(site);
    EXPECT_EQ(f.code, CURLE_OK) << site << ": " << curl_easy_strerror(f.code);
    EXPECT_EQ(f.status, 200) << site;
  }
  EXPECT_EQ(Get(kTls12Only).body, "tls12_only ok\n");
}

TEST_F(NginxFixturesTest, VersionPinnedSitesRefuseOtherVersions) {
  using namespace nginx_sites;
  EXPECT_NE(Get(kTls12Only, "/", true, CURL_SSLVERSION_TLSv1_3).code, CURLE_OK);
  EXPECT_EQ(Get(kTls12Only, "/", true, kTls12Exact).code, CURLE_OK);
  EXPECT_NE(Get(kTls13Only, "/", true, kTls12Exact).code, CURLE_OK);
  EXPECT_EQ(Get(kTls13Only, "/", true, CURL_SSLVERSION_TLSv1_3).code, CURLE_OK);
}

TEST_F(NginxFixturesTest, BadCertificatesFailVerificationButServe) {
  using namespace nginx_sites;
  for (std::string_view site : {kExpiredCert, kWrongHost, kSelfSigned}) {
    EXPECT_EQ(Get(site).code, CURLE_PEER_FAILED_VERIFICATION) << site;
    Fetched f = Get(site, "/", /*verify=*/false);
    EXPECT_EQ(f.code, CURLE_OK) << site;
    EXPECT_EQ(f.status, 200) << site;
  }
}

TEST_F(NginxFixturesTest, SecurityHeaderSites) {
  using namespace nginx_sites;
  Fetched good = Get(kGoodHeaders);
  EXPECT_NE(good.headers.find("Strict-Transport-Security: " + std::string(kGoodHsts)),
            std::string::npos)
      << good.headers;
  EXPECT_NE(good.headers.find("Content-Security-Policy: " + std::string(kGoodCsp)),
            std::string::npos)
      << good.headers;
  EXPECT_NE(good.headers.find("X-Frame-Options: DENY"), std::string::npos);
  EXPECT_NE(good.headers.find("Set-Cookie: " + std::string(kGoodCookie)), std::string::npos);
  EXPECT_NE(good.headers.find("Server: nginx\r\n"), std::string::npos) << good.headers;

  Fetched bad = Get(kMissingHeaders);
  EXPECT_NE(bad.headers.find("Server: " + std::string(kNginxServerHeader)), std::string::npos)
      << bad.headers;
  EXPECT_NE(bad.headers.find("Set-Cookie: " + std::string(kInsecureCookie) + "\r\n"),
            std::string::npos);
  EXPECT_EQ(bad.headers.find("Strict-Transport-Security"), std::string::npos);
}

TEST_F(NginxFixturesTest, ExposureSites) {
  using namespace nginx_sites;
  Fetched git = Get(kGitExposed, "/.git/HEAD");
  EXPECT_EQ(git.status, 200);
  EXPECT_EQ(git.body, kGitHeadContent);
  EXPECT_EQ(Get(kGitExposed, "/nothing-here-42").status, 404);
  Fetched soft = Get(kSoft404, "/nothing-here-42");
  EXPECT_EQ(soft.status, 200);
  EXPECT_EQ(soft.body, kSoft404Body);
  EXPECT_EQ(Get(kSoft404, "/.git/HEAD").body, kSoft404Body);
  Fetched plain = Get(kPlainHttp);
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, "plain_http ok\n");
}

TEST_F(NginxFixturesTest, RedirectSites) {
  using namespace nginx_sites;
  Fetched loop = Get(kRedirectLoop);
  EXPECT_EQ(loop.status, 302);
  EXPECT_EQ(loop.location, server_->Url(kRedirectLoop, "/loop-a"));
  EXPECT_EQ(Get(kRedirectLoop, "/loop-b").location, server_->Url(kRedirectLoop, "/loop-a"));
  Fetched up = Get(kHttpToHttps, "/x?y=1");
  EXPECT_EQ(up.status, 301);
  EXPECT_EQ(up.location, server_->Url(kTls12Only, "/x?y=1"));
  Fetched meta = Get(kRedirectToMetadata);
  EXPECT_EQ(meta.status, 302);
  EXPECT_EQ(meta.location, kMetadataUrl);
}

TEST_F(NginxFixturesTest, AccessLogNamesTheSite) {
  using namespace nginx_sites;
  const size_t before = server_->AccessLogLines().size();
  (void)Get(kPlainHttp, "/logged");
  bool seen = false;
  for (const std::string& line : server_->WaitForAccessLogLines(before + 1)) {
    if (line.rfind("plain_http 127.0.0.1:", 0) == 0 &&
        line.find("GET /logged") != std::string::npos) {
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST(TestPkiTest, ValidityWindowsAreExact) {
  auto pki = TestPki::Shared();
  ASSERT_TRUE(pki.has_value()) << pki.error().message;
  const TestPki& p = **pki;
  std::string out;
  ASSERT_TRUE(RunCommand({"/usr/bin/openssl", "x509", "-in", p.leaf(TestPki::kExpired).cert,
                          "-noout", "-checkend", "0"},
                         &out)
                  .has_value() == false)
      << "expired leaf must be expired: " << out;
  ASSERT_TRUE(RunCommand({"/usr/bin/openssl", "x509", "-in", p.leaf(TestPki::kRsa2048).cert,
                          "-noout", "-checkend", "86400"},
                         &out)
                  .has_value())
      << out;
  ASSERT_TRUE(RunCommand({"/usr/bin/openssl", "verify", "-CAfile", p.ca_cert(),
                          p.leaf(TestPki::kEcP256).cert},
                         &out)
                  .has_value())
      << out;
  EXPECT_LT(p.leaf(TestPki::kExpired).not_after, p.created_at());
  EXPECT_GT(p.leaf(TestPki::kRsa2048).not_after, p.created_at() + std::chrono::hours(24 * 89));
}

TEST(HostileServerTest, SlowOkCountsConcurrentConnections) {
  auto server = HostileServer::Start(HostileServer::Mode::kSlowOk, {.delay = 100ms});
  ASSERT_TRUE(server.has_value()) << server.error().message;
  CURL* h = curl_easy_init();
  std::string body;
  curl_easy_setopt(h, CURLOPT_URL, (*server)->Url("/").c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  EXPECT_EQ(curl_easy_perform(h), CURLE_OK);
  curl_easy_cleanup(h);
  EXPECT_EQ(body, "ok\n");
  EXPECT_EQ((*server)->connections_accepted(), 1);
  EXPECT_EQ((*server)->peak_concurrent(), 1);
}

}  // namespace
}  // namespace secplat::testing
