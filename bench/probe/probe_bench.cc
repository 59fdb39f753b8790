// Prober throughput vs prometheus-blackbox-exporter, side by side in one run (driven by
// run.sh). Starts nginx (a plain HTTP site and an HTTPS site with an EC P-256 leaf, one worker)
// and blackbox_exporter on loopback, then measures for each of HTTP and fresh-connection HTTPS:
//   - CurlProber (--threads loop threads, 0 = one per core) with N checks in flight, closed
//     loop, in a child process of its own so its peak RSS (VmHWM) is the prober's alone;
//   - blackbox `/probe?module=http_2xx` driven by wrk (Lua script counts probe_success 0).
//
//   probe_bench [--duration 10] [--concurrency 1000] [--wrk-connections 200] [--rounds 3]
//               [--threads 0] [--handshakes 64] [--verify-cache-ttl 10]
//   probe_bench --role prober --url URL --concurrency N --duration S --ca FILE   (internal)
//               [--threads T] [--handshakes H] [--verify-cache-ttl SECONDS]
//   probe_bench --role serve --duration S   (the same nginx sites for S seconds, for profiling)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/probe/curl_prober.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace {

using secplat::Task;
using secplat::adapters::probe::CurlProber;
using secplat::core::model::HttpProbeResult;
using secplat::core::model::ProbeError;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::map<std::string, std::string> ParseArgs(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key.rfind("--", 0) == 0) args[key.substr(2)] = argv[i + 1];
  }
  return args;
}

std::string Arg(const std::map<std::string, std::string>& args, const std::string& key,
                const std::string& fallback) {
  auto it = args.find(key);
  return it == args.end() ? fallback : it->second;
}

// CPU seconds (user + system) this process has used so far.
double CpuSeconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long VmHwmKb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// One closed-loop checker: probe, count, repeat until the deadline.
struct Counters {
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int> finished{0};
  std::mutex errors_mu;  // checkers run on several loop threads
  std::map<std::string, int64_t> errors;
};

Task<void> Checker(CurlProber& prober, std::string url, SteadyClock::time_point end, Counters& c) {
  while (SteadyClock::now() < end) {
    // A named request: g++ 12 mishandles a braced temporary argument inside co_await.
    secplat::core::model::HttpProbeRequest req{.url = url, .timeout = 10s};
    HttpProbeResult r = co_await prober.Http(std::move(req));
    if (r.error == ProbeError::kNone && r.status == 200) {
      ++c.ok;
    } else {
      ++c.failed;
      std::lock_guard<std::mutex> lock(c.errors_mu);
      ++c.errors[std::string(secplat::core::model::ProbeErrorName(r.error)) + " " +
                 r.error_detail.substr(0, 80)];
    }
  }
}

// --role prober: prints one line "PROBER ok=.. failed=.. seconds=.. rate=.. vmhwm_kb=..".
int RunProber(const std::map<std::string, std::string>& args) {
  std::string url = Arg(args, "url", "");
  int concurrency = std::stoi(Arg(args, "concurrency", "1000"));
  double seconds = std::stod(Arg(args, "duration", "10"));
  auto prober = CurlProber::Create(
      {.policy = {.allow_loopback = true},
       .ca_file = Arg(args, "ca", ""),
       .loop_threads = std::stoi(Arg(args, "threads", "0")),
       .max_connections_per_host = concurrency,
       .max_in_flight = concurrency,
       .max_handshakes_per_loop = std::stoi(Arg(args, "handshakes", "64")),
       .verify_cache_ttl = std::chrono::seconds(std::stoi(Arg(args, "verify-cache-ttl", "10")))});
  if (!prober.has_value()) {
    std::cerr << "prober: " << prober.error().message << "\n";
    return 1;
  }
  CurlProber& p = **prober;
  Counters counters;
  double cpu_start = CpuSeconds();
  auto start = SteadyClock::now();
  auto end = start + std::chrono::duration_cast<SteadyClock::duration>(
                         std::chrono::duration<double>(seconds));
  std::promise<void> all_done;
  // One Post per checker, as the worker posts one per scan: Post spreads them over the loops,
  // and each checker stays on its loop.
  for (int i = 0; i < concurrency; ++i) {
    p.Post([&] {
      secplat::StartTask(Checker(p, url, end, counters), [&] {
        if (++counters.finished == concurrency) all_done.set_value();
      });
    });
  }
  all_done.get_future().wait();
  double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  double cpu = CpuSeconds() - cpu_start;
  auto stats = p.stats();
  int64_t total = counters.ok + counters.failed;
  std::printf(
      "PROBER ok=%lld failed=%lld seconds=%.2f rate=%.0f loop_threads=%d peak_in_flight=%d "
      "cpu_us_per_check=%.0f vmhwm_kb=%ld\n",
      static_cast<long long>(counters.ok.load()), static_cast<long long>(counters.failed.load()),
      elapsed, static_cast<double>(total) / elapsed, stats.loop_threads, stats.peak_in_flight,
      total > 0 ? cpu * 1e6 / static_cast<double>(total) : 0.0, VmHwmKb());
  for (const auto& [what, n] : counters.errors) {
    std::printf("  error %s: %lld\n", what.c_str(), static_cast<long long>(n));
  }
  std::fflush(stdout);
  p.Stop();
  return 0;
}

// Runs argv, returns its stdout (stderr to stderr). The child dies with us.
std::string Capture(std::vector<std::string> argv) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::vector<char*> cargv;
    for (std::string& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

double Field(const std::string& line, const std::string& key) {
  size_t pos = line.find(key + "=");
  if (pos == std::string::npos) return -1;
  return std::strtod(line.c_str() + pos + key.size() + 1, nullptr);
}

std::string LineWith(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return {};
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Join(const std::vector<double>& v) {
  std::string out;
  for (double x : v) out += (out.empty() ? "" : " ") + std::to_string(static_cast<long>(x));
  return out;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

constexpr const char* kWrkScript = R"(-- Counts /probe answers whose probe_success is not 1.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) failures = 0 end
function response(status, headers, body)
  if status ~= 200 or not string.find(body, "\nprobe_success 1", 1, true) then
    failures = failures + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("failures") end
  io.write(string.format("BLACKBOX requests=%d seconds=%.2f failures=%d rate=%.0f\n",
    summary.requests, summary.duration / 1e6, total, summary.requests / (summary.duration / 1e6)))
end
)";

int RunAll(const std::map<std::string, std::string>& args, const char* self, bool serve_only) {
  std::string duration = Arg(args, "duration", "10");
  std::string threads = Arg(args, "threads", "0");
  std::string handshakes = Arg(args, "handshakes", "64");
  std::string verify_ttl = Arg(args, "verify-cache-ttl", "10");
  std::string concurrency = Arg(args, "concurrency", "1000");
  std::string wrk_connections = Arg(args, "wrk-connections", "200");
  int rounds = std::stoi(Arg(args, "rounds", "3"));
  auto pki = secplat::testing::TestPki::Create();
  if (!pki.has_value()) {
    std::cerr << pki.error().message << "\n";
    return 1;
  }
  namespace sites = secplat::testing::nginx_sites;
  auto nginx = secplat::testing::NginxServer::Start({sites::PlainHttp(), sites::EcP256(**pki)},
                                                    {.worker_processes = 1});
  if (!nginx.has_value()) {
    std::cerr << nginx.error().message << "\n";
    return 1;
  }
  std::string http_url = (*nginx)->Url(sites::kPlainHttp, "/", "127.0.0.1");
  std::string https_url = (*nginx)->Url(sites::kEcP256, "/", "127.0.0.1");
  if (serve_only) {
    std::cout << "SERVE http=" << http_url << " https=" << https_url << " ca=" << (*pki)->ca_cert()
              << std::endl;
    std::this_thread::sleep_for(std::chrono::duration<double>(std::stod(duration)));
    return 0;
  }

  // blackbox_exporter with http_2xx (TLS verification off, like our prober's handshake).
  std::string dir = (*nginx)->dir();
  std::ofstream(dir + "/blackbox.yml")
      << "modules:\n  http_2xx:\n    prober: http\n    timeout: 10s\n"
         "    http:\n      preferred_ip_protocol: ip4\n"
         "      tls_config:\n        insecure_skip_verify: true\n";
  std::ofstream(dir + "/probe.lua") << kWrkScript;
  int bb_port = FreePort();
  pid_t parent = ::getpid();
  pid_t bb = ::fork();
  if (bb == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    std::string config = "--config.file=" + dir + "/blackbox.yml";
    std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(bb_port);
    ::execl("/usr/bin/prometheus-blackbox-exporter", "prometheus-blackbox-exporter", config.c_str(),
            listen.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string bb_base = "http://127.0.0.1:" + std::to_string(bb_port);
  for (int i = 0; i < 200 && Capture({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w",
                                      "%{http_code}", bb_base + "/-/healthy"}) != "200";
       ++i) {
    std::this_thread::sleep_for(50ms);
  }

  std::ostringstream report;
  std::string loop_threads = "?";
  struct Case {
    const char* name;
    std::string url;
  };
  double ratio_http = 0, ratio_https = 0, max_rss_mb = 0;
  for (const Case& c :
       {Case{"HTTP", http_url}, Case{"HTTPS (EC P-256, fresh handshake)", https_url}}) {
    // Alternate the two sides `rounds` times and keep the medians: the machine is shared, and
    // a load spike during one side alone would skew a single pair.
    std::vector<double> ours_rates, bb_rates, failed, failures, cpu_us;
    double rss_mb = 0;
    std::string ours;
    for (int round = 0; round < rounds; ++round) {
      ours = Capture({self, "--role", "prober", "--url", c.url, "--concurrency", concurrency,
                      "--duration", duration, "--ca", (*pki)->ca_cert(), "--threads", threads,
                      "--handshakes", handshakes, "--verify-cache-ttl", verify_ttl});
      std::string prober_line = LineWith(ours, "PROBER");
      loop_threads = std::to_string(static_cast<int>(Field(prober_line, "loop_threads")));
      cpu_us.push_back(Field(prober_line, "cpu_us_per_check"));
      ours_rates.push_back(Field(prober_line, "rate"));
      failed.push_back(Field(prober_line, "failed"));
      rss_mb = std::max(rss_mb, Field(prober_line, "vmhwm_kb") / 1024.0);
      std::this_thread::sleep_for(1s);  // let TIME_WAIT and nginx settle
      std::string target = bb_base + "/probe?module=http_2xx&target=" + c.url;
      std::string theirs =
          Capture({"/usr/bin/wrk", "-t2", "-c" + wrk_connections, "-d" + duration + "s",
                   "--timeout", "15s", "-s", dir + "/probe.lua", target});
      std::string bb_line = LineWith(theirs, "BLACKBOX");
      bb_rates.push_back(Field(bb_line, "rate"));
      failures.push_back(Field(bb_line, "failures"));
      std::this_thread::sleep_for(1s);
    }
    double our_rate = Median(ours_rates);
    double bb_rate = Median(bb_rates);
    double ratio = bb_rate > 0 ? our_rate / bb_rate : 0;
    if (c.url == http_url)
      ratio_http = ratio;
    else
      ratio_https = ratio;
    max_rss_mb = std::max(max_rss_mb, rss_mb);
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "%s (median of %d alternating rounds: %s | %s)\n"
                  "  secplat prober   %8.0f checks/s  (failed %.0f, peak RSS %.1f MB, "
                  "%.0f us CPU per check)\n"
                  "  blackbox /probe  %8.0f probes/s  (failures %.0f)\n  ratio %.2fx\n",
                  c.name, rounds, Join(ours_rates).c_str(), Join(bb_rates).c_str(), our_rate,
                  Median(failed), rss_mb, Median(cpu_us), bb_rate, Median(failures), ratio);
    report << buf;
    std::istringstream errs(ours);
    for (std::string line; std::getline(errs, line);) {
      if (line.rfind("  error", 0) == 0) report << "  " << line << "\n";
    }
  }
  char verdict[256];
  std::snprintf(verdict, sizeof(verdict),
                "targets: HTTP >= 4x (%.2fx %s), fresh HTTPS >= 1.2x (%.2fx %s), RSS < 100 MB "
                "(%.1f MB %s)\n",
                ratio_http, ratio_http >= 4 ? "met" : "MISSED", ratio_https,
                ratio_https >= 1.2 ? "met" : "MISSED", max_rss_mb,
                max_rss_mb < 100 ? "met" : "MISSED");
  report << verdict;
  std::cout << "probe benchmark: CurlProber (" << loop_threads << " loop threads, " << concurrency
            << " in flight, at most " << handshakes
            << " TLS handshakes per loop, chain verdicts cached " << verify_ttl
            << " s, fresh connection per check) vs blackbox_exporter /probe via wrk ("
            << wrk_connections << " connections); nginx 1 worker; " << duration << " s each\n"
            << report.str();
  ::kill(bb, SIGTERM);
  ::waitpid(bb, nullptr, 0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = ParseArgs(argc, argv);
  if (Arg(args, "role", "") == "prober") return RunProber(args);
  return RunAll(args, "/proc/self/exe", Arg(args, "role", "") == "serve");
}
