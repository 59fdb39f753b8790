// health_http and web_exposure with the real CurlProber against Debian's nginx (one fixture
// site per case) and the hostile server: exact verdicts per site, SSRF refusals with the
// address and rule in the job log, and a cross-check of every health verdict with
// prometheus-blackbox-exporter (a tool no one here wrote) run with equivalent settings.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <regex>
#include <thread>

#include "adapters/probe/curl_prober.h"
#include "core/contracts/keys.h"
#include "services/worker/scanners/scanner.h"
#include "tests/support/hostile_server.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace secplat::services::worker {
namespace {

using adapters::probe::CurlProber;
using core::model::ScanOutcome;
using core::model::ScanResult;
using secplat::testing::HostileServer;
using secplat::testing::NginxServer;
using secplat::testing::TestPki;
namespace sites = secplat::testing::nginx_sites;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Timestamp WallNow() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

const core::model::FactValue* FactOf(const ScanResult& r, std::string_view name) {
  for (const auto& f : r.facts) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}
std::string Str(const ScanResult& r, std::string_view name) {
  const auto* v = FactOf(r, name);
  return v != nullptr && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v)
                                                                 : "<missing>";
}
int64_t Int(const ScanResult& r, std::string_view name) {
  const auto* v = FactOf(r, name);
  return v != nullptr && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -999;
}
std::string UpFact(const ScanResult& r) {
  const auto* v = FactOf(r, "health.up");
  if (v == nullptr || !std::holds_alternative<bool>(*v)) return "unknown";
  return std::get<bool>(*v) ? "up" : "down";
}
std::vector<std::string> Findings(const ScanResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) out.push_back(f.check_id + "@" + f.location);
  return out;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// prometheus-blackbox-exporter on 127.0.0.1, started and stopped by PID.
class Blackbox {
 public:
  static Result<std::unique_ptr<Blackbox>> Start(const std::string& ca_file) {
    const char* bin = "/usr/bin/prometheus-blackbox-exporter";
    if (access(bin, X_OK) != 0) return Unexpected(ErrorCode::kUnavailable, "no blackbox_exporter");
    auto bb = std::unique_ptr<Blackbox>(new Blackbox());
    char tmpl[] = "/tmp/secplat-bb-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Unexpected(ErrorCode::kInternal, "mkdtemp");
    bb->dir_ = tmpl;
    // Equivalent to our health defaults: 2xx, redirects followed, certificate verified against
    // the test CA with SNI/hostname site.test, IPv4, a body cap and a total timeout.
    std::ofstream(bb->dir_ + "/bb.yml") << "modules:\n"
                                           "  http_2xx:\n"
                                           "    prober: http\n"
                                           "    timeout: 2s\n"
                                           "    http:\n"
                                           "      preferred_ip_protocol: ip4\n"
                                           "      ip_protocol_fallback: false\n"
                                           "      follow_redirects: true\n"
                                           "      body_size_limit: 64KB\n"
                                           "      tls_config:\n"
                                           "        ca_file: " +
                                               ca_file +
                                               "\n"
                                               "        server_name: site.test\n";
    bb->port_ = FreePort();
    std::string config = "--config.file=" + bb->dir_ + "/bb.yml";
    std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(bb->port_);
    std::string log = bb->dir_ + "/bb.log";
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);
      FILE* out = freopen(log.c_str(), "w", stdout);
      FILE* err = freopen(log.c_str(), "a", stderr);
      (void)out;
      (void)err;
      execl(bin, bin, config.c_str(), listen.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    bb->pid_ = pid;
    for (int i = 0; i < 100; ++i) {  // up to 10 s
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(bb->port_));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
      close(fd);
      if (up) return bb;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return Unexpected(ErrorCode::kUnavailable, "blackbox_exporter did not come up");
  }
  ~Blackbox() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }
  std::string ProbeUrl(const std::string& target) const {
    std::string enc;
    for (char c : target) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_') {
        enc.push_back(c);
      } else {
        char buf[4];
        std::snprintf(buf, sizeof(buf), "%%%02X", static_cast<unsigned char>(c));
        enc += buf;
      }
    }
    return "http://127.0.0.1:" + std::to_string(port_) + "/probe?module=http_2xx&target=" + enc;
  }

 private:
  Blackbox() = default;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

class ScannersNginxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pki = TestPki::Shared();
    if (!pki) {
      skip_ = pki.error().message;
      return;
    }
    pki_ = *pki;
    auto server = NginxServer::Start(
        {sites::Tls12Only(*pki_), sites::ExpiredCert(*pki_), sites::WrongHost(*pki_),
         sites::SelfSigned(*pki_), sites::GitExposed(), sites::Soft404(), sites::RedirectLoop(),
         sites::PlainHttp(), sites::HttpToHttps(), sites::RedirectToMetadata()});
    if (!server) {
      skip_ = server.error().message;
      return;
    }
    server_ = server->release();
    auto prober = CurlProber::Create({.policy = {.allow_loopback = true},
                                      .ca_file = pki_->ca_cert(),
                                      .static_hosts = {{"site.test", "127.0.0.1"}}});
    ASSERT_TRUE(prober.has_value()) << prober.error().message;
    prober_ = prober->release();
    // The default policy: loopback denied.
    auto strict = CurlProber::Create(
        {.ca_file = pki_->ca_cert(), .static_hosts = {{"site.test", "127.0.0.1"}}});
    ASSERT_TRUE(strict.has_value()) << strict.error().message;
    strict_ = strict->release();
  }
  static void TearDownTestSuite() {
    delete prober_;
    delete strict_;
    delete server_;
    prober_ = strict_ = nullptr;
    server_ = nullptr;
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }

  static ScanInput Input(std::string url) {
    ScanInput in;
    in.asset.asset_key = "nginx-site";
    in.asset.url = std::move(url);
    in.now = WallNow();
    in.nonce = "it42";
    in.options.health.timeout = std::chrono::seconds(2);
    in.options.health.connect_timeout = std::chrono::seconds(2);
    in.options.health.max_body_bytes = 64 * 1024;
    return in;
  }

  static ScanResult Run(CurlProber& prober, const ScanFn& scan, const ScanInput& in) {
    ScanContext ctx{.prober = prober, .now = WallNow};
    std::promise<ScanResult> done;
    std::future<ScanResult> result = done.get_future();
    prober.Post(
        [&] { StartTask(scan(in, ctx), [&done](ScanResult r) { done.set_value(std::move(r)); }); });
    if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "scan did not finish";
      std::abort();  // the task still references locals
    }
    return result.get();
  }
  static ScanResult Health(const std::string& url, CurlProber* prober = nullptr) {
    return Run(prober ? *prober : *prober_, ScanHealthHttp, Input(url));
  }
  static ScanResult Exposure(const std::string& url, CurlProber* prober = nullptr) {
    return Run(prober ? *prober : *prober_, ScanWebExposure, Input(url));
  }

  static inline std::string skip_;
  static inline const TestPki* pki_ = nullptr;
  static inline NginxServer* server_ = nullptr;
  static inline CurlProber* prober_ = nullptr;
  static inline CurlProber* strict_ = nullptr;
};

// One health case: the URL we scan, the URL blackbox probes (same server, by IP with SNI
// site.test, since blackbox cannot use our static hosts), and the exact verdict.
struct HealthCase {
  std::string name;
  std::string url;
  std::string blackbox_url;  // empty: not cross-checked (reason in the table)
  std::string up;            // "up" | "down" | "unknown"
  std::string reason;
  std::string detail;  // health.failure_detail, "" when none
};

// Verifies the exact health verdict on every fixture site and hostile peer, and that
// blackbox_exporter agrees on up/down wherever it can probe the same thing.
TEST_F(ScannersNginxTest, HealthVerdictPerSiteAgreesWithBlackbox) {
  auto slow = HostileServer::Start(HostileServer::Mode::kSlowHeaders);
  auto endless = HostileServer::Start(HostileServer::Mode::kEndlessBody);
  auto malformed = HostileServer::Start(HostileServer::Mode::kMalformedStatus);
  auto garbage = HostileServer::Start(HostileServer::Mode::kGarbageTls);
  ASSERT_TRUE(slow && endless && malformed && garbage);
  auto ip_url = [&](std::string_view site, std::string_view path = "/") {
    return server_->Url(site, path, "127.0.0.1");
  };
  const int closed_port = FreePort();
  std::string garbage_tls = "https://127.0.0.1:" + std::to_string((*garbage)->port()) + "/";
  std::string closed = "http://127.0.0.1:" + std::to_string(closed_port) + "/";

  const std::vector<HealthCase> cases = {
      {"tls12", server_->Url(sites::kTls12Only), ip_url(sites::kTls12Only), "up", "none", ""},
      {"expired", server_->Url(sites::kExpiredCert), ip_url(sites::kExpiredCert), "down",
       "tls_cert_invalid", "cert_expired"},
      {"wrong host", server_->Url(sites::kWrongHost), ip_url(sites::kWrongHost), "down",
       "tls_cert_invalid", "cert_name_mismatch"},
      {"self-signed", server_->Url(sites::kSelfSigned), ip_url(sites::kSelfSigned), "down",
       "tls_cert_invalid", "cert_untrusted"},
      {"git exposed", server_->Url(sites::kGitExposed), ip_url(sites::kGitExposed), "up", "none",
       ""},
      {"plain http", server_->Url(sites::kPlainHttp), ip_url(sites::kPlainHttp), "up", "none", ""},
      // blackbox would follow to https://site.test:PORT, which its resolver cannot find.
      {"http to https", server_->Url(sites::kHttpToHttps), "", "up", "none", ""},
      {"redirect loop", server_->Url(sites::kRedirectLoop), ip_url(sites::kRedirectLoop), "down",
       "too_many_redirects", ""},
      {"slow headers", (*slow)->Url("/"), (*slow)->Url("/"), "down", "timeout", "timeout_total"},
      {"endless body", (*endless)->Url("/"), (*endless)->Url("/"), "down", "too_large", ""},
      {"malformed status", (*malformed)->Url("/"), (*malformed)->Url("/"), "down", "protocol_error",
       ""},
      {"garbage tls", garbage_tls, garbage_tls, "down", "tls_handshake", ""},
      {"connection refused", closed, closed, "down", "connect_refused", ""},
  };

  auto bb = Blackbox::Start(pki_->ca_cert());
  if (!bb) ADD_FAILURE() << "blackbox_exporter: " << bb.error().message;
  int compared = 0;
  for (const HealthCase& c : cases) {
    SCOPED_TRACE(c.name + " " + c.url);
    ScanResult r = Health(c.url);
    EXPECT_EQ(r.outcome, ScanOutcome::kCompleted) << r.error_message;
    EXPECT_EQ(UpFact(r), c.up);
    EXPECT_EQ(Str(r, "health.failure_reason"), c.reason);
    EXPECT_EQ(FactOf(r, "health.failure_detail") ? Str(r, "health.failure_detail") : "", c.detail);
    if (c.up == "up") {
      EXPECT_EQ(Int(r, "health.status_code"), 200);
      EXPECT_EQ(Str(r, "health.remote_ip"), "127.0.0.1");
      EXPECT_GE(Int(r, "health.phase.total_ms"), 0);
    }
    if (c.name == "tls12") {
      EXPECT_EQ(Str(r, "health.tls_version"), "TLSv1.2");  // ssl_protocols TLSv1.2
      EXPECT_EQ(Str(r, "health.cert_not_after"),
                FormatRfc3339(pki_->leaf(TestPki::kRsa2048).not_after));
      EXPECT_GT(Int(r, "health.cert_days_left"), 0);
    }
    if (c.name == "expired") {
      EXPECT_LT(Int(r, "health.cert_days_left"), 0);
      EXPECT_EQ(Str(r, "health.cert_not_after"),
                FormatRfc3339(pki_->leaf(TestPki::kExpired).not_after));
    }
    if (c.name == "http to https") {
      EXPECT_EQ(Int(r, "health.redirects"), 1);
    }

    if (!bb || c.blackbox_url.empty()) continue;
    ScanResult raw = Run(
        *prober_,
        [&](const ScanInput&, ScanContext& ctx) -> Task<ScanResult> {
          core::model::HttpProbeRequest req{.url = (*bb)->ProbeUrl(c.blackbox_url),
                                            .timeout = std::chrono::seconds(10)};
          core::model::HttpProbeResult res = co_await ctx.prober.Http(req);
          ScanResult out;
          out.error_message = res.body;
          out.error_code = std::to_string(res.status);
          co_return out;
        },
        Input(""));
    ASSERT_EQ(raw.error_code, "200") << raw.error_message;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(raw.error_message, m, std::regex("\nprobe_success ([01])\n")))
        << raw.error_message;
    EXPECT_EQ(m[1].str() == "1" ? "up" : "down", c.up) << "blackbox_exporter disagrees";
    ++compared;
  }
  EXPECT_EQ(compared, 12) << "every site but http_to_https is cross-checked";
}

// Verifies SSRF refusals: the metadata address, a name resolving to a denied (loopback)
// address, and a redirect to the metadata address are each kFailed / blocked_by_policy with the
// address and the rule in the job log, never "down".
TEST_F(ScannersNginxTest, SsrfTargetsAreRefusedWithReason) {
  ScanResult metadata = Health("http://169.254.169.254/latest/meta-data/");
  EXPECT_EQ(metadata.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(metadata.error_code, "blocked_by_policy");
  EXPECT_THAT(metadata.error_message, HasSubstr("169.254.169.254"));
  EXPECT_THAT(metadata.error_message, HasSubstr("link-local"));
  EXPECT_EQ(UpFact(metadata), "unknown");

  ScanResult name = Health(server_->Url(sites::kPlainHttp), strict_);
  EXPECT_EQ(name.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(name.error_code, "blocked_by_policy");
  EXPECT_THAT(name.error_message, HasSubstr("127.0.0.1"));
  EXPECT_THAT(name.error_message, HasSubstr("loopback"));

  ScanResult localhost =
      Health("http://localhost:" + std::to_string(server_->port(sites::kPlainHttp)) + "/", strict_);
  EXPECT_EQ(localhost.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(localhost.error_code, "blocked_by_policy");
  EXPECT_THAT(localhost.error_message, HasSubstr("loopback"));

  ScanResult redirect = Health(server_->Url(sites::kRedirectToMetadata));
  EXPECT_EQ(redirect.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(redirect.error_code, "blocked_by_policy");
  EXPECT_THAT(redirect.error_message, HasSubstr("169.254.169.254"));
  ASSERT_FALSE(redirect.log.empty());
  EXPECT_THAT(redirect.log.back(), HasSubstr("169.254.169.254"));

  ScanResult exposure = Exposure("http://169.254.169.254/");
  EXPECT_EQ(exposure.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(exposure.error_code, "blocked_by_policy");
  EXPECT_THAT(exposure.error_message, HasSubstr("169.254.169.254"));
  for (const auto& r : {metadata, name, localhost, redirect, exposure}) {
    for (const auto& line : r.log) std::cout << "  job log: " << line << "\n";
  }
}

// Verifies web_exposure per site: /.git/HEAD found on the exposed site and not on the soft-404
// site, plain HTTP flagged unless it redirects to HTTPS; a rerun gives the same keys.
TEST_F(ScannersNginxTest, ExposurePerSite) {
  std::string git_url = server_->Url(sites::kGitExposed);
  ScanResult git = Exposure(git_url);
  ASSERT_EQ(git.outcome, ScanOutcome::kCompleted) << git.error_message;
  EXPECT_THAT(Findings(git),
              ElementsAre("git-head@/.git/HEAD", "plain_http_no_redirect@" + git_url));
  EXPECT_EQ(
      git.findings[0].finding_key,
      core::contracts::DeriveFindingKey("nginx-site", "web_exposure", "git-head", "/.git/HEAD"));
  EXPECT_THAT(git.findings[0].evidence_json, HasSubstr(R"("excerpt":"ref: refs/heads/main")"));
  EXPECT_EQ(Int(git, "exposure.soft404_baseline_status"), 404);
  EXPECT_EQ(Str(git, "exposure.cors"), "none");
  EXPECT_THAT(git.checks_run, ::testing::Contains("git-head"));
  EXPECT_THAT(git.checks_run, ::testing::Contains("http_trace_enabled"));

  ScanResult again = Exposure(git_url);
  ASSERT_EQ(again.findings.size(), git.findings.size());
  for (size_t i = 0; i < git.findings.size(); ++i) {
    EXPECT_EQ(again.findings[i].finding_key, git.findings[i].finding_key);
  }

  std::string soft_url = server_->Url(sites::kSoft404);
  ScanResult soft = Exposure(soft_url);
  ASSERT_EQ(soft.outcome, ScanOutcome::kCompleted) << soft.error_message;
  EXPECT_THAT(Findings(soft), ElementsAre("plain_http_no_redirect@" + soft_url));
  EXPECT_EQ(Int(soft, "exposure.soft404_baseline_status"), 200);

  std::string plain_url = server_->Url(sites::kPlainHttp);
  EXPECT_THAT(Findings(Exposure(plain_url)), ElementsAre("plain_http_no_redirect@" + plain_url));

  ScanResult redirected = Exposure(server_->Url(sites::kHttpToHttps));
  EXPECT_TRUE(redirected.findings.empty());
  EXPECT_EQ(Str(redirected, "exposure.plain_http"), "redirects_to_https");
  EXPECT_THAT(redirected.checks_run, ::testing::Contains("plain_http_no_redirect"));

  ScanResult tls = Exposure(server_->Url(sites::kTls12Only));
  EXPECT_TRUE(tls.findings.empty()) << ::testing::PrintToString(Findings(tls));
  EXPECT_EQ(Str(tls, "exposure.plain_http"), "skipped");
}

}  // namespace
}  // namespace secplat::services::worker
