// CurlProber against real nginx sites (one per case): HTTP results, TLS versions accepted and
// refused per exact_version, certificate facts compared with what TestPki issued.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "adapters/probe/curl_prober.h"
#include "tests/adapters/probe/probe_test_util.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace secplat::testing {
namespace {

using adapters::probe::CurlProber;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::TlsHandshakeResult;
using core::model::TlsVersion;
using namespace nginx_sites;
using namespace std::chrono_literals;

class CurlProberSitesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = TestPki::Shared();
    ASSERT_TRUE(pki.has_value()) << pki.error().message;
    pki_ = *pki;
    const TestPki& p = *pki_;
    auto server = NginxServer::Start(
        {Tls12Only(p), Tls13Only(p), LegacyTls(p), ExpiredCert(p), WrongHost(p), Rsa1024(p),
         SelfSigned(p), EcP256(p), GoodHeaders(p), MissingHeaders(p), GitExposed(), Soft404(),
         RedirectLoop(), PlainHttp(), HttpToHttps(), RedirectToMetadata()});
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server).release();
    auto prober = CurlProber::Create({.policy = {.allow_loopback = true},
                                      .ca_file = p.ca_cert(),
                                      .static_hosts = {{"site.test", "127.0.0.1"}}});
    ASSERT_TRUE(prober.has_value()) << prober.error().message;
    prober_ = std::move(*prober).release();
  }
  static void TearDownTestSuite() {
    delete prober_;
    delete server_;
    prober_ = nullptr;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(prober_, nullptr);
  }

  static HttpProbeResult Get(std::string_view site, std::string_view path = "/",
                             int max_redirects = 0, bool permissive = false) {
    core::model::HttpProbeRequest req{.url = server_->Url(site, path),
                                      .max_redirects = max_redirects};
    req.tls.permissive = permissive;
    return RunOn(*prober_, prober_->Http(req));
  }

  static TlsHandshakeResult Handshake(std::string_view site, std::optional<TlsVersion> version,
                                      bool permissive) {
    core::model::TlsHandshakeRequest req{.host = "site.test", .port = server_->port(site)};
    req.tls.exact_version = version;
    req.tls.permissive = permissive;
    return RunOn(*prober_, prober_->TlsHandshake(req));
  }

  // The versions a site accepts, one handshake per version ("TLSv1.0 TLSv1.2 ...").
  static std::string Accepted(std::string_view site, bool permissive) {
    std::string out;
    for (TlsVersion v : core::model::kAllTlsVersions) {
      TlsHandshakeResult r = Handshake(site, v, permissive);
      if (r.error == ProbeError::kNone) {
        EXPECT_TRUE(r.session.has_value());
        if (r.session) {
          EXPECT_EQ(r.session->version, v) << site;
          EXPECT_FALSE(r.session->cipher.empty()) << site;
        }
        out += (out.empty() ? "" : " ") + std::string(core::model::TlsVersionName(v));
      } else {
        EXPECT_EQ(r.error, ProbeError::kTlsHandshake)
            << site << " " << core::model::TlsVersionName(v) << ": " << r.error_detail;
      }
    }
    return out;
  }

  static const TestPki* pki_;
  static NginxServer* server_;
  static CurlProber* prober_;
};
const TestPki* CurlProberSitesTest::pki_ = nullptr;
NginxServer* CurlProberSitesTest::server_ = nullptr;
CurlProber* CurlProberSitesTest::prober_ = nullptr;

TEST_F(CurlProberSitesTest, PlainHttpGet) {
  HttpProbeResult r = Get(kPlainHttp);
  EXPECT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "plain_http ok\n");
  EXPECT_EQ(r.http_version, "1.1");
  EXPECT_EQ(r.remote_ip, "127.0.0.1");
  EXPECT_EQ(r.Header("server"), "nginx");
  EXPECT_EQ(r.Header("content-length"), "14");
  EXPECT_EQ(r.final_url, server_->Url(kPlainHttp, "/"));
  EXPECT_TRUE(r.hops.empty());
  EXPECT_FALSE(r.tls.has_value());
}

TEST_F(CurlProberSitesTest, HeadAndMissingPath) {
  core::model::HttpProbeRequest head{.method = "HEAD",
                                     .url = server_->Url(kGitExposed, "/.git/HEAD")};
  HttpProbeResult h = RunOn(*prober_, prober_->Http(head));
  EXPECT_EQ(h.error, ProbeError::kNone) << h.error_detail;
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "");
  EXPECT_EQ(h.Header("content-length"), "21");
  HttpProbeResult missing = Get(kGitExposed, "/nothing-here");
  EXPECT_EQ(missing.error, ProbeError::kNone);
  EXPECT_EQ(missing.status, 404);
  HttpProbeResult git = Get(kGitExposed, "/.git/HEAD");
  EXPECT_EQ(git.body, kGitHeadContent);
  HttpProbeResult soft = Get(kSoft404, "/random-3f9a");
  EXPECT_EQ(soft.status, 200);
  EXPECT_EQ(soft.body, kSoft404Body);
}

TEST_F(CurlProberSitesTest, HttpsReadsTheServedCertificate) {
  HttpProbeResult r = Get(kTls12Only);
  ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "tls12_only ok\n");
  ASSERT_TRUE(r.tls.has_value());
  const auto& tls = *r.tls;
  EXPECT_EQ(tls.version, TlsVersion::kTls12);
  EXPECT_FALSE(tls.cipher.empty());
  EXPECT_TRUE(tls.chain_trusted) << tls.verify_error;
  EXPECT_EQ(tls.verify_error, "");
  EXPECT_TRUE(tls.hostname_match);
  ASSERT_EQ(tls.chain.size(), 1u);
  const auto& leaf = tls.chain[0];
  const TestPki::Leaf& want = pki_->leaf(TestPki::kRsa2048);
  EXPECT_EQ(leaf.subject, "CN=site.test,O=SecPlat Test");
  EXPECT_EQ(leaf.issuer, "CN=SecPlat Test CA,O=SecPlat Test");
  EXPECT_EQ(leaf.dns_sans, want.dns_sans);
  EXPECT_EQ(leaf.ip_sans, want.ip_sans);
  EXPECT_EQ(leaf.not_before, want.not_before);
  EXPECT_EQ(leaf.not_after, want.not_after);
  EXPECT_EQ(leaf.key_type, "RSA");
  EXPECT_EQ(leaf.key_bits, 2048);
  EXPECT_EQ(leaf.signature_algorithm, "ecdsa-with-SHA256");
  EXPECT_FALSE(leaf.self_signed);
  EXPECT_EQ(leaf.sha256_fingerprint.size(), 64u);
  EXPECT_FALSE(leaf.serial_hex.empty());
}

TEST_F(CurlProberSitesTest, EcLeafAndTls13ByDefault) {
  HttpProbeResult r = Get(kEcP256);
  ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  ASSERT_TRUE(r.tls.has_value());
  EXPECT_EQ(r.tls->version, TlsVersion::kTls13);
  EXPECT_EQ(r.tls->chain[0].key_type, "EC");
  EXPECT_EQ(r.tls->chain[0].key_bits, 256);
  EXPECT_TRUE(r.tls->chain_trusted);
}

TEST_F(CurlProberSitesTest, VersionsAcceptedPerSite) {
  EXPECT_EQ(Accepted(kTls12Only, /*permissive=*/true), "TLSv1.2");
  EXPECT_EQ(Accepted(kTls13Only, true), "TLSv1.3");
  EXPECT_EQ(Accepted(kLegacyTls, true), "TLSv1.0 TLSv1.1 TLSv1.2");
  EXPECT_EQ(Accepted(kEcP256, true), "TLSv1.2 TLSv1.3");
  // Without permissive mode the local OpenSSL refuses TLS 1.0/1.1 itself.
  EXPECT_EQ(Accepted(kLegacyTls, false), "TLSv1.2");
}

TEST_F(CurlProberSitesTest, DefaultHandshakeNegotiatesTheBestVersion) {
  TlsHandshakeResult r = Handshake(kTls12Only, std::nullopt, false);
  ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  EXPECT_EQ(r.session->version, TlsVersion::kTls12);
  EXPECT_EQ(r.remote_ip, "127.0.0.1");
  TlsHandshakeResult legacy = Handshake(kLegacyTls, TlsVersion::kTls10, true);
  ASSERT_EQ(legacy.error, ProbeError::kNone) << legacy.error_detail;
  EXPECT_EQ(legacy.session->version, TlsVersion::kTls10);
  EXPECT_FALSE(legacy.session->cipher.empty());
}

TEST_F(CurlProberSitesTest, ExpiredCertificateIsReadAndNotTrusted) {
  TlsHandshakeResult r = Handshake(kExpiredCert, std::nullopt, false);
  ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  ASSERT_TRUE(r.session.has_value());
  EXPECT_FALSE(r.session->chain_trusted);
  EXPECT_EQ(r.session->verify_error, "certificate has expired");
  EXPECT_TRUE(r.session->hostname_match);
  EXPECT_EQ(r.session->chain[0].not_after, pki_->leaf(TestPki::kExpired).not_after);
  // Over HTTP too: the response comes back with the certificate facts.
  HttpProbeResult h = Get(kExpiredCert);
  EXPECT_EQ(h.error, ProbeError::kNone);
  EXPECT_EQ(h.status, 200);
  ASSERT_TRUE(h.tls.has_value());
  EXPECT_FALSE(h.tls->chain_trusted);
}

TEST_F(CurlProberSitesTest, WrongHostname) {
  TlsHandshakeResult r = Handshake(kWrongHost, std::nullopt, false);
  ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  EXPECT_FALSE(r.session->hostname_match);
  EXPECT_TRUE(r.session->chain_trusted);  // a valid chain, for another name
  EXPECT_EQ(r.session->chain[0].subject, "CN=other.test,O=SecPlat Test");
  EXPECT_EQ(r.session->chain[0].dns_sans, std::vector<std::string>{"other.test"});
}

TEST_F(CurlProberSitesTest, Rsa1024KeyIsRead) {
  // The key is read in both modes. At Debian's default security level (2) the chain check
  // rejects the weak key; at level 0 (permissive) it passes: graders judge key sizes themselves.
  for (bool permissive : {false, true}) {
    TlsHandshakeResult r = Handshake(kRsa1024, std::nullopt, permissive);
    ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
    EXPECT_EQ(r.session->chain[0].key_type, "RSA");
    EXPECT_EQ(r.session->chain[0].key_bits, 1024);
    EXPECT_EQ(r.session->chain_trusted, permissive) << r.session->verify_error;
    EXPECT_EQ(r.session->verify_error, permissive ? "" : "EE certificate key too weak");
  }
}

// Chain verdicts are reused per served chain and security level (CurlProberOptions::
// verify_cache_ttl): repeated handshakes keep their verdicts, level 0 and level 2 never mix,
// and an expired chain is never cached.
TEST_F(CurlProberSitesTest, VerificationCacheKeepsVerdictsApart) {
  int64_t hits_before = prober_->stats().verify_cache_hits;
  for (int round = 0; round < 3; ++round) {
    for (bool permissive : {false, true}) {
      TlsHandshakeResult r = Handshake(kRsa1024, std::nullopt, permissive);
      ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
      EXPECT_EQ(r.session->chain_trusted, permissive) << r.session->verify_error;
      EXPECT_EQ(r.session->verify_error, permissive ? "" : "EE certificate key too weak");
    }
    TlsHandshakeResult expired = Handshake(kExpiredCert, std::nullopt, false);
    ASSERT_EQ(expired.error, ProbeError::kNone) << expired.error_detail;
    EXPECT_EQ(expired.session->verify_error, "certificate has expired");
    TlsHandshakeResult good = Handshake(kEcP256, std::nullopt, false);
    ASSERT_EQ(good.error, ProbeError::kNone) << good.error_detail;
    EXPECT_TRUE(good.session->chain_trusted) << good.session->verify_error;
  }
  // 3 cacheable (chain, level) pairs x 3 rounds, each loop verifying each pair once at most.
  int loops = prober_->stats().loop_threads;
  EXPECT_GE(prober_->stats().verify_cache_hits - hits_before, 9 - 3 * loops);
  EXPECT_GT(prober_->stats().verify_cache_hits - hits_before, 0);

  // Without the cache: the same verdicts, every chain verified.
  auto uncached = CurlProber::Create({.policy = {.allow_loopback = true},
                                      .ca_file = pki_->ca_cert(),
                                      .loop_threads = 1,
                                      .verify_cache_ttl = Duration(0),
                                      .static_hosts = {{"site.test", "127.0.0.1"}}});
  ASSERT_TRUE(uncached.has_value()) << uncached.error().message;
  for (int round = 0; round < 2; ++round) {
    core::model::TlsHandshakeRequest req{.host = "site.test", .port = server_->port(kRsa1024)};
    TlsHandshakeResult r = RunOn(**uncached, (*uncached)->TlsHandshake(req));
    ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
    EXPECT_EQ(r.session->verify_error, "EE certificate key too weak");
  }
  EXPECT_EQ((*uncached)->stats().verify_cache_hits, 0);
}

TEST_F(CurlProberSitesTest, SelfSigned) {
  TlsHandshakeResult r = Handshake(kSelfSigned, std::nullopt, false);
  ASSERT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  EXPECT_TRUE(r.session->chain[0].self_signed);
  EXPECT_FALSE(r.session->chain_trusted);
  EXPECT_EQ(r.session->verify_error, "self-signed certificate");
  EXPECT_EQ(r.session->chain[0].subject, r.session->chain[0].issuer);
}

TEST_F(CurlProberSitesTest, SecurityHeaders) {
  HttpProbeResult good = Get(kGoodHeaders);
  ASSERT_EQ(good.error, ProbeError::kNone) << good.error_detail;
  EXPECT_EQ(good.Header("strict-transport-security"), kGoodHsts);
  EXPECT_EQ(good.Header("content-security-policy"), kGoodCsp);
  EXPECT_EQ(good.Header("x-frame-options"), "DENY");
  EXPECT_EQ(good.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(good.Header("referrer-policy"), kGoodReferrerPolicy);
  EXPECT_EQ(good.Header("permissions-policy"), kGoodPermissionsPolicy);
  EXPECT_EQ(good.Header("set-cookie"), kGoodCookie);
  HttpProbeResult bad = Get(kMissingHeaders);
  EXPECT_EQ(bad.Header("server"), kNginxServerHeader);
  EXPECT_EQ(bad.Header("x-powered-by"), "PHP/7.4.3");
  EXPECT_EQ(bad.Header("set-cookie"), kInsecureCookie);
  EXPECT_EQ(bad.Header("strict-transport-security"), "");
}

TEST_F(CurlProberSitesTest, FollowsRedirectsItself) {
  HttpProbeResult r = Get(kHttpToHttps, "/x?y=1", /*max_redirects=*/5);
  EXPECT_EQ(r.error, ProbeError::kNone) << r.error_detail;
  EXPECT_EQ(r.status, 404);  // /x does not exist on the HTTPS site
  ASSERT_EQ(r.hops.size(), 1u);
  EXPECT_EQ(r.hops[0].url, server_->Url(kHttpToHttps, "/x?y=1"));
  EXPECT_EQ(r.hops[0].status, 301);
  EXPECT_EQ(r.hops[0].location, server_->Url(kTls12Only, "/x?y=1"));
  EXPECT_EQ(r.final_url, server_->Url(kTls12Only, "/x?y=1"));
  ASSERT_TRUE(r.tls.has_value());
  EXPECT_EQ(r.tls->version, TlsVersion::kTls12);
  // max_redirects 0: the 3xx is the answer.
  HttpProbeResult raw = Get(kHttpToHttps);
  EXPECT_EQ(raw.error, ProbeError::kNone);
  EXPECT_EQ(raw.status, 301);
  EXPECT_TRUE(raw.hops.empty());
}

TEST_F(CurlProberSitesTest, RedirectLoopStops) {
  HttpProbeResult r = Get(kRedirectLoop, "/", 10);
  EXPECT_EQ(r.error, ProbeError::kTooManyRedirects);
  ASSERT_EQ(r.hops.size(), 3u);  // / -> a -> b -> a (seen)
  EXPECT_EQ(r.hops[2].location, server_->Url(kRedirectLoop, "/loop-a"));
  EXPECT_EQ(r.error_detail,
            "redirect loop: " + server_->Url(kRedirectLoop, "/loop-a") + " was already visited");
  HttpProbeResult capped = Get(kRedirectLoop, "/", 1);
  EXPECT_EQ(capped.error, ProbeError::kTooManyRedirects);
  EXPECT_EQ(capped.error_detail, "more than 1 redirects");
}

TEST_F(CurlProberSitesTest, TcpConnect) {
  auto open = RunOn(*prober_,
                    prober_->TcpConnect({.host = "127.0.0.1", .port = server_->port(kPlainHttp)}));
  EXPECT_EQ(open.error, ProbeError::kNone) << open.error_detail;
  EXPECT_EQ(open.remote_ip, "127.0.0.1");
  auto named = RunOn(*prober_,
                     prober_->TcpConnect({.host = "site.test", .port = server_->port(kTls12Only)}));
  EXPECT_EQ(named.error, ProbeError::kNone) << named.error_detail;
}

// A scanner-shaped coroutine: several probes in sequence, each resumed on the loop thread.
// (Requests are named locals: g++ 12 mishandles a braced temporary argument inside co_await.)
Task<std::string> ScanLike(CurlProber& prober, std::string http_url, int tls_port) {
  std::string out;
  core::model::HttpProbeRequest first{.url = http_url};
  HttpProbeResult a = co_await prober.Http(std::move(first));
  out += std::to_string(a.status) + (prober.OnLoopThread() ? " loop" : " other");
  core::model::TlsHandshakeRequest hs{.host = "site.test", .port = tls_port};
  TlsHandshakeResult b = co_await prober.TlsHandshake(std::move(hs));
  out += " " + std::string(core::model::TlsVersionName(b.session ? b.session->version
                                                                 : TlsVersion::kTls10));
  core::model::HttpProbeRequest second{.url = http_url + "missing"};
  HttpProbeResult c = co_await prober.Http(std::move(second));
  out += " " + std::to_string(c.status);
  co_return out;
}

TEST_F(CurlProberSitesTest, CoroutinesChainProbesOnTheLoopThread) {
  std::string got =
      RunOn(*prober_, ScanLike(*prober_, server_->Url(kPlainHttp, "/"), server_->port(kTls13Only)));
  EXPECT_EQ(got, "200 loop TLSv1.3 404");
}

}  // namespace
}  // namespace secplat::testing
