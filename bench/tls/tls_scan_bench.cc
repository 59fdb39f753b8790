// Full tls_headers scan time per site, side by side with sslscan and testssl on the same nginx
// site (Debian's nginx with the test fixtures: tests/support/nginx_server.h), and whether the
// three agree on the accepted protocol versions. Driven by bench/tls/run.sh.
//
//   tls_scan_bench [--runs N] [--peer-runs N] [--testssl-sites a,b] [--concurrent N]
//
// Per site: N sequential scans through the real CurlProber (one loop thread) -> median, p90 and
// min wall time of one whole scan (4 version handshakes + the HTTPS GET, graded); sslscan
// `--no-colour --xml` (every cipher per version, certificate) and testssl (its default full run)
// timed the same way; then the three tools' accepted-version lists. Finally `--concurrent` scans
// in flight at once over every site (throughput of one worker thread).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/probe/curl_prober.h"
#include "services/worker/scanners/scanner.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace {

using secplat::FromUnixMillis;
using secplat::Timestamp;
using secplat::adapters::probe::CurlProber;
using secplat::core::model::ScanResult;
using secplat::services::worker::ScanContext;
using secplat::services::worker::ScanInput;
using secplat::services::worker::ScanTlsHeaders;
using secplat::testing::NginxServer;
using secplat::testing::TestPki;
namespace sites = secplat::testing::nginx_sites;
using Clock = std::chrono::steady_clock;

Timestamp WallNow() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Stats {
  double median = 0, p90 = 0, min = 0;
};
Stats Summarise(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.median = v[v.size() / 2];
  s.p90 = v[std::min(v.size() - 1, v.size() * 9 / 10)];
  s.min = v.front();
  return s;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

std::vector<std::string> Accepted(const ScanResult& r) {
  for (const auto& f : r.facts) {
    if (f.name == "tls.accepted_versions") return std::get<std::vector<std::string>>(f.value);
  }
  return {};
}
std::string FactStr(const ScanResult& r, std::string_view name) {
  for (const auto& f : r.facts) {
    if (f.name == name) return std::get<std::string>(f.value);
  }
  return "-";
}

// Runs `scans` scans at once on the prober's loop thread; returns them when all are done.
std::vector<ScanResult> ScanMany(CurlProber& prober, const std::vector<std::string>& urls) {
  struct Job {
    ScanInput in;
    ScanContext ctx;
  };
  std::vector<std::unique_ptr<Job>> jobs;
  for (const auto& url : urls) {
    auto j =
        std::unique_ptr<Job>(new Job{ScanInput{}, ScanContext{.prober = prober, .now = WallNow}});
    j->in.asset.asset_key = "bench";
    j->in.asset.url = url;
    j->in.scan_type = "tls_headers";
    j->in.now = WallNow();
    jobs.push_back(std::move(j));
  }
  std::vector<ScanResult> results(urls.size());
  std::promise<void> all_done;
  auto remaining = std::make_shared<size_t>(urls.size());
  prober.Post([&] {
    for (size_t i = 0; i < jobs.size(); ++i) {
      secplat::StartTask(ScanTlsHeaders(jobs[i]->in, jobs[i]->ctx),
                         [&results, &all_done, remaining, i](ScanResult r) {
                           results[i] = std::move(r);
                           if (--*remaining == 0) all_done.set_value();
                         });
    }
  });
  all_done.get_future().wait();
  return results;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string TempPath(const char* tag) {
  std::string t = std::string("/tmp/secplat-bench-") + tag + "-XXXXXX";
  int fd = mkstemp(t.data());
  if (fd >= 0) close(fd);
  return t;
}

// sslscan: wall time and accepted versions.
std::pair<double, std::vector<std::string>> RunSslscan(int port) {
  std::string xml = TempPath("sslscan");
  std::string out;
  auto t0 = Clock::now();
  secplat::Status st =
      secplat::testing::RunCommand({"/usr/bin/sslscan", "--no-colour", "--xml=" + xml,
                                    "--sni-name=site.test", "127.0.0.1:" + std::to_string(port)},
                                   &out, 120);
  double ms = Ms(Clock::now() - t0);
  std::string text = ReadFile(xml);
  std::remove(xml.c_str());
  std::vector<std::string> versions;
  if (!st) return {ms, {"error"}};
  std::regex proto(R"re(<protocol type="tls" version="(1\.[0-3])" enabled="1")re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), proto);
       it != std::sregex_iterator(); ++it) {
    versions.push_back("TLSv" + (*it)[1].str());
  }
  return {ms, versions};
}

// testssl (default full run): wall time and accepted versions.
std::pair<double, std::vector<std::string>> RunTestssl(int port) {
  std::string json = TempPath("testssl");
  std::remove(json.c_str());  // testssl refuses to overwrite
  std::string out;
  auto t0 = Clock::now();
  secplat::Status st = secplat::testing::RunCommand(
      {"/usr/bin/testssl", "--quiet", "--color", "0", "--warnings", "off", "--ip", "127.0.0.1",
       "--jsonfile", json, "site.test:" + std::to_string(port)},
      &out, 600);
  double ms = Ms(Clock::now() - t0);
  std::string text = ReadFile(json);
  std::remove(json.c_str());
  std::vector<std::string> versions;
  const std::pair<const char*, const char*> ids[] = {
      {"TLS1", "TLSv1.0"}, {"TLS1_1", "TLSv1.1"}, {"TLS1_2", "TLSv1.2"}, {"TLS1_3", "TLSv1.3"}};
  for (const auto& [id, name] : ids) {
    std::regex re(std::string(R"re("id"\s*:\s*")re") + id +
                  R"re("[\s\S]*?"finding"\s*:\s*"([^"]*)")re");
    std::smatch m;
    if (std::regex_search(text, m, re) && m[1].str().rfind("offered", 0) == 0) {
      versions.push_back(name);
    }
  }
  if (text.empty()) return {ms, {st ? "no-json" : "error"}};
  return {ms, versions};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 20;
  int peer_runs = 3;
  int concurrent = 200;
  std::string testssl_sites = "tls12_only,legacy_tls,ec_p256";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--runs") runs = std::atoi(argv[i + 1]);
    if (a == "--peer-runs") peer_runs = std::atoi(argv[i + 1]);
    if (a == "--concurrent") concurrent = std::atoi(argv[i + 1]);
    if (a == "--testssl-sites") testssl_sites = argv[i + 1];
  }
  auto pki = TestPki::Shared();
  if (!pki) {
    std::cerr << "pki: " << pki.error().message << "\n";
    return 1;
  }
  const TestPki& p = **pki;
  std::vector<secplat::testing::NginxSite> site_list = {
      sites::Tls12Only(p), sites::Tls13Only(p),   sites::LegacyTls(p),  sites::EcP256(p),
      sites::Rsa1024(p),   sites::ExpiredCert(p), sites::GoodHeaders(p)};
  auto server = NginxServer::Start(site_list, {.worker_processes = 1});
  if (!server) {
    std::cerr << "nginx: " << server.error().message << "\n";
    return 1;
  }
  auto prober = CurlProber::Create({.policy = {.allow_loopback = true},
                                    .ca_file = p.ca_cert(),
                                    .static_hosts = {{"site.test", "127.0.0.1"}}});
  if (!prober) {
    std::cerr << "prober: " << prober.error().message << "\n";
    return 1;
  }
  CurlProber& pr = **prober;

  std::printf("runs per site: tls_headers %d, sslscan %d, testssl 1 (sites: %s)\n", runs, peer_runs,
              testssl_sites.c_str());
  std::printf("%-13s %-34s %9s %9s %9s | %10s %-22s | %10s %-22s | %5s %s\n", "site",
              "tls_headers versions / grade", "med ms", "p90 ms", "min ms", "sslscan ms",
              "sslscan versions", "testssl ms", "testssl versions", "agree", "");
  int disagreements = 0;
  for (const auto& site : site_list) {
    std::string url = (*server)->Url(site.name, "/");
    int port = (*server)->port(site.name);
    ScanMany(pr, {url});  // warm-up
    std::vector<double> times;
    ScanResult last;
    for (int i = 0; i < runs; ++i) {
      auto t0 = Clock::now();
      last = std::move(ScanMany(pr, {url})[0]);
      times.push_back(Ms(Clock::now() - t0));
    }
    Stats s = Summarise(times);
    std::vector<double> ss_times;
    std::vector<std::string> ss_versions;
    for (int i = 0; i < peer_runs; ++i) {
      auto [ms, v] = RunSslscan(port);
      ss_times.push_back(ms);
      ss_versions = v;
    }
    std::string ts_ms = "-";
    std::vector<std::string> ts_versions;
    bool run_testssl = ("," + testssl_sites + ",").find("," + site.name + ",") != std::string::npos;
    if (run_testssl) {
      auto [ms, v] = RunTestssl(port);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", ms);
      ts_ms = buf;
      ts_versions = v;
    }
    std::vector<std::string> ours = Accepted(last);
    bool agree = ours == ss_versions && (!run_testssl || ours == ts_versions);
    disagreements += agree ? 0 : 1;
    std::string verdict = Join(ours) + " / " + FactStr(last, "tls.grade");
    std::printf("%-13s %-34s %9.1f %9.1f %9.1f | %10.1f %-22s | %10s %-22s | %5s\n",
                site.name.c_str(), verdict.c_str(), s.median, s.p90, s.min,
                Summarise(ss_times).median, Join(ss_versions).c_str(), ts_ms.c_str(),
                run_testssl ? Join(ts_versions).c_str() : "(not run)", agree ? "yes" : "NO");
  }

  // Throughput: `concurrent` scans in flight over every site, one loop thread.
  std::vector<std::string> urls;
  for (int i = 0; i < concurrent; ++i) {
    urls.push_back((*server)->Url(site_list[i % site_list.size()].name, "/"));
  }
  auto t0 = Clock::now();
  std::vector<ScanResult> all = ScanMany(pr, urls);
  double total = Ms(Clock::now() - t0);
  int completed = 0;
  for (const auto& r : all) completed += r.outcome == secplat::core::model::ScanOutcome::kCompleted;
  std::printf(
      "\nconcurrent: %d full scans over %zu sites (max 4 connections per host:port) in "
      "%.0f ms = %.1f scans/s, %d completed\n",
      concurrent, site_list.size(), total, concurrent * 1000.0 / total, completed);
  std::printf("verdicts: %s\n", disagreements == 0 ? "all tools agree on accepted versions"
                                                   : "DISAGREEMENT (see above)");
  pr.Stop();
  return disagreements == 0 ? 0 : 3;
}
