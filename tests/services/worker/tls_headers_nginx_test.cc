// ScanTlsHeaders with the real CurlProber against Debian's nginx, one fixture site per case:
// exact accepted versions, grade, caps, certificate fields, TLS findings and header grades; and
// a cross-check with sslscan (a tool no one here wrote) on every TLS site: the same accepted
// protocol versions, the same certificate expiry, key and self-signed verdict, and each cipher we
// negotiated is one sslscan lists as accepted for that version.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <future>
#include <iomanip>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "adapters/probe/curl_prober.h"
#include "services/worker/scanners/scanner.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace secplat::services::worker {
namespace {

using adapters::probe::CurlProber;
using core::model::ScanOutcome;
using core::model::ScanResult;
using secplat::testing::NginxServer;
using secplat::testing::TestPki;
namespace sites = secplat::testing::nginx_sites;
using ::testing::ElementsAreArray;

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
  return v != nullptr && std::holds_alternative<std::string>(*v)
             ? std::get<std::string>(*v)
             : "<missing " + std::string(name) + ">";
}
std::vector<std::string> List(const ScanResult& r, std::string_view name) {
  const auto* v = FactOf(r, name);
  return v != nullptr && std::holds_alternative<std::vector<std::string>>(*v)
             ? std::get<std::vector<std::string>>(*v)
             : std::vector<std::string>{"<missing>"};
}
int64_t Int(const ScanResult& r, std::string_view name) {
  const auto* v = FactOf(r, name);
  return v != nullptr && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -999;
}
std::optional<bool> Bool(const ScanResult& r, std::string_view name) {
  const auto* v = FactOf(r, name);
  if (v == nullptr || !std::holds_alternative<bool>(*v)) return std::nullopt;
  return std::get<bool>(*v);
}

std::vector<std::string> Findings(const ScanResult& r, std::string_view category) {
  std::vector<std::string> out;
  for (const auto& f : r.findings) {
    if (f.category == category) out.push_back(f.check_id + "@" + f.location);
  }
  return out;
}

// What sslscan reported.
struct SslscanReport {
  std::vector<std::string> enabled_versions;             // "TLSv1.0" ...
  std::map<std::string, std::set<std::string>> ciphers;  // version -> accepted suites
  std::optional<Timestamp> not_after;
  std::string key_type;
  std::string curve;  // EC only
  int key_bits = 0;
  std::string self_signed;  // "true" / "false"
  std::string expired;
  std::string raw;
};

// "Dec 28 22:13:16 2026 GMT" -> Timestamp.
std::optional<Timestamp> ParseOpensslDate(const std::string& s) {
  std::tm tm{};
  std::istringstream in(s);
  in >> std::get_time(&tm, "%b %d %H:%M:%S %Y");
  if (in.fail()) return std::nullopt;
  return FromUnixMillis(static_cast<int64_t>(timegm(&tm)) * 1000);
}

Result<SslscanReport> RunSslscan(int port) {
  char tmpl[] = "/tmp/secplat-sslscan-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) return Unexpected(ErrorCode::kInternal, "mkstemp");
  close(fd);
  std::string xml_path = tmpl;
  std::string output;
  Status st =
      secplat::testing::RunCommand({"/usr/bin/sslscan", "--no-colour", "--xml=" + xml_path,
                                    "--sni-name=site.test", "127.0.0.1:" + std::to_string(port)},
                                   &output, 60);
  std::ifstream f(xml_path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::remove(xml_path.c_str());
  if (!st) return Unexpected(ErrorCode::kUnavailable, "sslscan failed: " + output);
  SslscanReport rep;
  rep.raw = ss.str();
  std::smatch m;
  std::regex proto(R"re(<protocol type="tls" version="(1\.[0-3])" enabled="1")re");
  for (auto it = std::sregex_iterator(rep.raw.begin(), rep.raw.end(), proto);
       it != std::sregex_iterator(); ++it) {
    rep.enabled_versions.push_back("TLSv" + (*it)[1].str());
  }
  std::regex cipher(
      R"re(<cipher status="(?:accepted|preferred)" sslversion="(TLSv1\.[0-3])"[^>]* cipher="([^"]+)")re");
  for (auto it = std::sregex_iterator(rep.raw.begin(), rep.raw.end(), cipher);
       it != std::sregex_iterator(); ++it) {
    rep.ciphers[(*it)[1].str()].insert((*it)[2].str());
  }
  if (std::regex_search(rep.raw, m, std::regex(R"(<not-valid-after>([^<]+)</not-valid-after>)"))) {
    rep.not_after = ParseOpensslDate(m[1].str());
  }
  // RSA: bits = modulus size; EC: curve_name, and bits = security bits (half the curve size).
  if (std::regex_search(
          rep.raw, m,
          std::regex(
              R"re(<pk error="false" type="([^"]+)"(?: curve_name="([^"]+)")? bits="(\d+)")re"))) {
    rep.key_type = m[1].str();
    rep.curve = m[2].str();
    rep.key_bits = std::stoi(m[3].str());
  }
  if (std::regex_search(rep.raw, m, std::regex(R"(<self-signed>(\w+)</self-signed>)"))) {
    rep.self_signed = m[1].str();
  }
  if (std::regex_search(rep.raw, m, std::regex(R"(<expired>(\w+)</expired>)"))) {
    rep.expired = m[1].str();
  }
  return rep;
}

// One expected scan per fixture site.
struct SiteCase {
  std::string_view site;
  TestPki::LeafKind leaf;
  std::vector<std::string> versions;
  std::string grade;
  std::vector<std::string> reasons;
  std::vector<std::string> tls_findings;
  bool trusted = true;
  bool hostname_match = true;
  std::string subject = "CN=site.test,O=SecPlat Test";
};

void PrintTo(const SiteCase& c, std::ostream* os) { *os << c.site; }

const std::vector<SiteCase>& Cases() {
  static const auto* cases = new std::vector<SiteCase>{
      {.site = sites::kTls12Only,
       .leaf = TestPki::kRsa2048,
       .versions = {"TLSv1.2"},
       .grade = "A",
       .tls_findings = {"tls_version_missing@TLSv1.3"}},
      {.site = sites::kTls13Only,
       .leaf = TestPki::kRsa2048,
       .versions = {"TLSv1.3"},
       .grade = "C",
       .reasons = {"tls12_absent"},
       .tls_findings = {"tls_version_missing@TLSv1.2"}},
      {.site = sites::kLegacyTls,
       .leaf = TestPki::kRsa2048,
       .versions = {"TLSv1.0", "TLSv1.1", "TLSv1.2"},
       .grade = "B",
       .reasons = {"tls10_offered", "tls11_offered"},
       .tls_findings = {"tls_version_accepted@TLSv1.0", "tls_version_accepted@TLSv1.1",
                        "tls_version_missing@TLSv1.3"}},
      {.site = sites::kExpiredCert,
       .leaf = TestPki::kExpired,
       .versions = {"TLSv1.2", "TLSv1.3"},
       .grade = "F",
       .reasons = {"cert_expired"},
       .tls_findings = {"cert_expired@leaf"},
       .trusted = false},
      {.site = sites::kWrongHost,
       .leaf = TestPki::kWrongHost,
       .versions = {"TLSv1.2", "TLSv1.3"},
       .grade = "F",
       .reasons = {"cert_name_mismatch"},
       .tls_findings = {"cert_hostname_mismatch@leaf"},
       .hostname_match = false,
       .subject = "CN=other.test,O=SecPlat Test"},
      {.site = sites::kRsa1024,
       .leaf = TestPki::kRsa1024,
       .versions = {"TLSv1.2", "TLSv1.3"},
       .grade = "F",
       .reasons = {"insecure_key"},
       .tls_findings = {"cert_weak_key@leaf"},
       .trusted = false},  // "EE certificate key too weak": explained by the key, one finding
      {.site = sites::kSelfSigned,
       .leaf = TestPki::kSelfSigned,
       .versions = {"TLSv1.2", "TLSv1.3"},
       .grade = "F",
       .reasons = {"cert_self_signed"},
       .tls_findings = {"cert_self_signed@leaf"},
       .trusted = false},
      {.site = sites::kEcP256,
       .leaf = TestPki::kEcP256,
       .versions = {"TLSv1.2", "TLSv1.3"},
       .grade = "A"},
      {.site = sites::kGoodHeaders,
       .leaf = TestPki::kRsa2048,
       .versions = {"TLSv1.2", "TLSv1.3"},
       .grade = "A"},
      {.site = sites::kMissingHeaders,
       .leaf = TestPki::kRsa2048,
       .versions = {"TLSv1.2", "TLSv1.3"},
       .grade = "A"},
  };
  return *cases;
}

class TlsHeadersNginxTest : public ::testing::TestWithParam<SiteCase> {
 protected:
  static void SetUpTestSuite() {
    auto pki = TestPki::Shared();
    ASSERT_TRUE(pki.has_value()) << pki.error().message;
    pki_ = *pki;
    const TestPki& p = *pki_;
    auto server = NginxServer::Start({sites::Tls12Only(p), sites::Tls13Only(p), sites::LegacyTls(p),
                                      sites::ExpiredCert(p), sites::WrongHost(p), sites::Rsa1024(p),
                                      sites::SelfSigned(p), sites::EcP256(p), sites::GoodHeaders(p),
                                      sites::MissingHeaders(p)});
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
    prober_ = nullptr;
    delete server_;
    server_ = nullptr;
  }

  static ScanResult Scan(const std::string& url) {
    ScanInput in;
    in.asset.asset_key = "nginx-site";
    in.asset.url = url;
    in.scan_type = "tls_headers";
    in.now = WallNow();
    ScanContext ctx{.prober = *prober_, .now = WallNow};
    std::promise<ScanResult> done;
    std::future<ScanResult> result = done.get_future();
    prober_->Post([&] {
      StartTask(ScanTlsHeaders(in, ctx), [&done](ScanResult r) { done.set_value(std::move(r)); });
    });
    if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "scan of " << url << " did not finish";
      std::abort();  // the coroutine still references `in` and `ctx`
    }
    return result.get();
  }

  static const TestPki* pki_;
  static NginxServer* server_;
  static CurlProber* prober_;
};

const TestPki* TlsHeadersNginxTest::pki_ = nullptr;
NginxServer* TlsHeadersNginxTest::server_ = nullptr;
CurlProber* TlsHeadersNginxTest::prober_ = nullptr;

TEST_P(TlsHeadersNginxTest, ExactResultsAndSslscanAgrees) {
  const SiteCase& c = GetParam();
  ASSERT_NE(server_, nullptr);
  const TestPki::Leaf& leaf = pki_->leaf(c.leaf);
  ScanResult r = Scan(server_->Url(c.site, "/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted) << r.error_code << ": " << r.error_message;

  EXPECT_THAT(List(r, "tls.accepted_versions"), ElementsAreArray(c.versions));
  EXPECT_EQ(Str(r, "tls.grade"), c.grade) << ::testing::PrintToString(r.log);
  EXPECT_THAT(List(r, "tls.grade_reasons"), ElementsAreArray(c.reasons));
  EXPECT_THAT(Findings(r, "tls"), ElementsAreArray(c.tls_findings));
  EXPECT_EQ(Str(r, "tls.cert.subject"), c.subject);
  EXPECT_EQ(Str(r, "tls.cert.issuer"),
            c.leaf == TestPki::kSelfSigned ? c.subject : "CN=SecPlat Test CA,O=SecPlat Test");
  EXPECT_EQ(Str(r, "tls.cert.not_before"), FormatRfc3339(leaf.not_before));
  EXPECT_EQ(Str(r, "tls.cert.not_after"), FormatRfc3339(leaf.not_after));
  EXPECT_EQ(Str(r, "tls.cert.key_type"), leaf.key_type);
  EXPECT_EQ(Int(r, "tls.cert.key_bits"), leaf.key_bits);
  EXPECT_THAT(List(r, "tls.cert.dns_sans"), ElementsAreArray(leaf.dns_sans));
  EXPECT_EQ(Bool(r, "tls.cert.self_signed"), leaf.self_signed);
  EXPECT_EQ(Bool(r, "tls.cert.trusted"), c.trusted) << Str(r, "tls.cert.verify_error");
  EXPECT_EQ(Bool(r, "tls.cert.hostname_match"), c.hostname_match);
  int64_t days = std::chrono::floor<std::chrono::days>(leaf.not_after - WallNow()).count();
  EXPECT_NEAR(Int(r, "tls.cert.days_left"), days, 1);

  // The same verdicts from sslscan.
  auto rep = RunSslscan(server_->port(c.site));
  ASSERT_TRUE(rep.has_value()) << rep.error().message;
  EXPECT_THAT(rep->enabled_versions, ElementsAreArray(c.versions)) << rep->raw;
  ASSERT_TRUE(rep->not_after.has_value()) << rep->raw;
  EXPECT_EQ(FormatRfc3339(*rep->not_after), Str(r, "tls.cert.not_after"));
  EXPECT_EQ(rep->key_type, leaf.key_type);
  if (leaf.key_type == "EC") {
    EXPECT_EQ(rep->curve, "prime256v1");
    EXPECT_EQ(rep->key_bits * 2, Int(r, "tls.cert.key_bits"));
  } else {
    EXPECT_EQ(rep->key_bits, Int(r, "tls.cert.key_bits"));
  }
  EXPECT_EQ(rep->self_signed, leaf.self_signed ? "true" : "false");
  EXPECT_EQ(rep->expired, c.leaf == TestPki::kExpired ? "true" : "false");
  for (const std::string& v : c.versions) {
    std::string ours = Str(r, "tls.cipher." + v);
    EXPECT_TRUE(rep->ciphers[v].count(ours)) << v << " " << ours << " not in sslscan's list";
  }
}

INSTANTIATE_TEST_SUITE_P(Sites, TlsHeadersNginxTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<SiteCase>& param_info) {
                           return std::string(param_info.param.site);
                         });

TEST_F(TlsHeadersNginxTest, GoodHeadersSiteIsAPlusWithoutFindings) {
  ScanResult r = Scan(server_->Url(sites::kGoodHeaders, "/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted);
  // CSP without unsafe sources +5, frame-ancestors +5, a private Referrer-Policy +5, a session
  // cookie with every flag +5.
  EXPECT_EQ(Str(r, "headers.grade"), "A+");
  EXPECT_EQ(Int(r, "headers.score"), 120);
  EXPECT_THAT(List(r, "headers.missing"), ::testing::IsEmpty());
  EXPECT_THAT(List(r, "headers.failed"), ::testing::IsEmpty());
  EXPECT_THAT(r.findings, ::testing::IsEmpty());
  EXPECT_EQ(Int(r, "http.status"), 200);
}

TEST_F(TlsHeadersNginxTest, MissingHeadersSiteIsFWithOneFindingPerProblem) {
  ScanResult r = Scan(server_->Url(sites::kMissingHeaders, "/"));
  ASSERT_EQ(r.outcome, ScanOutcome::kCompleted);
  EXPECT_EQ(Str(r, "headers.grade"), "F");
  // 100 - 20 (HSTS) - 25 (CSP) - 20 (XFO) - 5 (XCTO) - 40 (session cookie without Secure) < 0.
  EXPECT_EQ(Int(r, "headers.score"), 0);
  EXPECT_THAT(Findings(r, "headers"),
              ElementsAreArray(
                  {"hsts_missing@strict-transport-security", "csp_missing@content-security-policy",
                   "frame_options_missing@x-frame-options", "xcto_missing@x-content-type-options",
                   "referrer_policy_missing@referrer-policy",
                   "permissions_policy_missing@permissions-policy", "cookie_missing_secure@sid",
                   "cookie_missing_httponly@sid", "cookie_missing_samesite@sid",
                   "version_disclosure@server", "version_disclosure@x-powered-by"}));
  for (const auto& f : r.findings) {
    if (f.check_id == "version_disclosure" && f.location == "server") {
      EXPECT_NE(f.evidence_json.find(std::string(sites::kNginxServerHeader)), std::string::npos);
    }
  }
}

TEST_F(TlsHeadersNginxTest, TwoScansGiveTheSameKeys) {
  ScanResult a = Scan(server_->Url(sites::kLegacyTls, "/"));
  ScanResult b = Scan(server_->Url(sites::kLegacyTls, "/"));
  ASSERT_EQ(a.findings.size(), b.findings.size());
  for (size_t i = 0; i < a.findings.size(); ++i) {
    EXPECT_EQ(a.findings[i].finding_key, b.findings[i].finding_key);
  }
}

TEST_F(TlsHeadersNginxTest, NothingListeningFails) {
  // A port nothing listens on (bound, read, closed): every handshake is refused at TCP level.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);
  close(fd);
  ScanResult r = Scan("https://site.test:" + std::to_string(port) + "/");
  EXPECT_EQ(r.outcome, ScanOutcome::kFailed);
  EXPECT_EQ(r.error_code, "connect_refused");
  EXPECT_THAT(r.facts, ::testing::IsEmpty());
  EXPECT_THAT(r.findings, ::testing::IsEmpty());
}

}  // namespace
}  // namespace secplat::services::worker
