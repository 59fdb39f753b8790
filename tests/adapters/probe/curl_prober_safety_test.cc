// CurlProber against hostile peers and SSRF attempts: every case ends in bounded time with the
// right ProbeError; concurrency caps hold.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/probe/curl_prober.h"
#include "tests/adapters/probe/probe_test_util.h"
#include "tests/support/hostile_server.h"
#include "tests/support/nginx_server.h"
#include "tests/support/test_pki.h"

namespace secplat::testing {
namespace {

using adapters::probe::CurlProber;
using adapters::probe::CurlProberOptions;
using core::model::HttpProbeRequest;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::ProbeErrorName;
using Mode = HostileServer::Mode;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

std::unique_ptr<CurlProber> MakeProber(CurlProberOptions options) {
  auto pki = TestPki::Shared();
  EXPECT_TRUE(pki.has_value());
  if (options.ca_file.empty()) options.ca_file = (*pki)->ca_cert();
  auto prober = CurlProber::Create(std::move(options));
  EXPECT_TRUE(prober.has_value()) << prober.error().message;
  return std::move(*prober);
}

std::unique_ptr<HostileServer> Hostile(Mode mode, HostileServer::Options options = {}) {
  auto server = HostileServer::Start(mode, options);
  EXPECT_TRUE(server.has_value()) << server.error().message;
  return std::move(*server);
}

int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // nobody listens there now
  return ntohs(addr.sin_port);
}

struct Timed {
  HttpProbeResult result;
  std::chrono::milliseconds elapsed;
};

Timed TimedGet(CurlProber& prober, HttpProbeRequest req) {
  auto start = SteadyClock::now();
  HttpProbeResult r = RunOn(prober, prober.Http(std::move(req)));
  return {std::move(r),
          std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start)};
}

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override { prober_ = MakeProber({.policy = {.allow_loopback = true}}); }
  std::unique_ptr<CurlProber> prober_;
};

TEST_F(HostileTest, SlowlorisIsCutByTheTotalTimeout) {
  auto server = Hostile(Mode::kSlowHeaders);
  Timed t = TimedGet(*prober_, {.url = server->Url(), .timeout = 1500ms});
  EXPECT_EQ(t.result.error, ProbeError::kTimeoutTotal) << t.result.error_detail;
  EXPECT_GE(t.elapsed, 1400ms);
  EXPECT_LT(t.elapsed, 3000ms);
}

TEST_F(HostileTest, NeverAnsweringIsAFirstByteTimeout) {
  auto server = Hostile(Mode::kNeverAnswer);
  Timed t = TimedGet(*prober_, {.url = server->Url(), .timeout = 1000ms});
  EXPECT_EQ(t.result.error, ProbeError::kTimeoutFirstByte) << t.result.error_detail;
  EXPECT_LT(t.elapsed, 2500ms);
  // The same server where a TLS handshake is expected: the handshake never completes.
  Timed tls = TimedGet(
      *prober_, {.url = server->Url("/", "127.0.0.1").replace(0, 4, "https"), .timeout = 1000ms});
  EXPECT_EQ(tls.result.error, ProbeError::kTlsHandshake) << tls.result.error_detail;
  EXPECT_LT(tls.elapsed, 2500ms);
}

TEST_F(HostileTest, EndlessBodyHitsTheCap) {
  auto server = Hostile(Mode::kEndlessBody);
  Timed t =
      TimedGet(*prober_, {.url = server->Url(), .timeout = 5000ms, .max_body_bytes = 64 * 1024});
  EXPECT_EQ(t.result.error, ProbeError::kTooLarge) << t.result.error_detail;
  EXPECT_EQ(t.result.error_detail, "response body exceeds 65536 bytes");
  EXPECT_LT(t.elapsed, 2000ms);
  // Truncation allowed: the first bytes come back without an error.
  Timed ok = TimedGet(
      *prober_,
      {.url = server->Url(), .timeout = 5000ms, .max_body_bytes = 1000, .truncate_body_ok = true});
  EXPECT_EQ(ok.result.error, ProbeError::kNone) << ok.result.error_detail;
  EXPECT_EQ(ok.result.status, 200);
  EXPECT_EQ(ok.result.body, std::string(1000, 'x'));
  EXPECT_TRUE(ok.result.body_truncated);
}

TEST_F(HostileTest, MalformedStatusLineIsAProtocolError) {
  auto server = Hostile(Mode::kMalformedStatus);
  Timed t = TimedGet(*prober_, {.url = server->Url(), .timeout = 3000ms});
  EXPECT_EQ(t.result.error, ProbeError::kProtocol) << t.result.error_detail;
  EXPECT_LT(t.elapsed, 2000ms);
}

TEST_F(HostileTest, TenThousandHeadersHitTheCountCap) {
  auto server = Hostile(Mode::kManyHeaders);
  Timed t = TimedGet(*prober_, {.url = server->Url(), .timeout = 3000ms});
  EXPECT_EQ(t.result.error, ProbeError::kTooLarge) << t.result.error_detail;
  EXPECT_EQ(t.result.error_detail, "more than 100 response headers");
  EXPECT_LT(t.elapsed, 2000ms);
}

TEST_F(HostileTest, OneHugeHeaderIsTooLarge) {
  auto server = Hostile(Mode::kHugeHeader);
  Timed t = TimedGet(*prober_, {.url = server->Url(), .timeout = 3000ms});
  EXPECT_EQ(t.result.error, ProbeError::kTooLarge) << t.result.error_detail;
  EXPECT_LT(t.elapsed, 2000ms);
}

TEST_F(HostileTest, GarbageInsteadOfTls) {
  auto server = Hostile(Mode::kGarbageTls);
  auto start = SteadyClock::now();
  auto r = RunOn(*prober_, prober_->TlsHandshake(
                               {.host = "127.0.0.1", .port = server->port(), .timeout = 3000ms}));
  EXPECT_EQ(r.error, ProbeError::kTlsHandshake) << r.error_detail;
  EXPECT_FALSE(r.session.has_value());
  EXPECT_LT(SteadyClock::now() - start, 2000ms);
  Timed h = TimedGet(*prober_, {.url = "https://127.0.0.1:" + std::to_string(server->port()) + "/",
                                .timeout = 3000ms});
  EXPECT_EQ(h.result.error, ProbeError::kTlsHandshake) << h.result.error_detail;
}

TEST_F(HostileTest, RefusedAndUnresolvable) {
  int port = ClosedPort();
  Timed t = TimedGet(*prober_, {.url = "http://127.0.0.1:" + std::to_string(port) + "/"});
  EXPECT_EQ(t.result.error, ProbeError::kConnectRefused) << t.result.error_detail;
  auto tcp = RunOn(*prober_, prober_->TcpConnect({.host = "127.0.0.1", .port = port}));
  EXPECT_EQ(tcp.error, ProbeError::kConnectRefused) << tcp.error_detail;
  // A reserved TLD never resolves; without network the resolver may time out instead.
  Timed dns = TimedGet(*prober_, {.url = "http://no-such-host.invalid/", .timeout = 3000ms});
  EXPECT_TRUE(dns.result.error == ProbeError::kDnsFailed ||
              dns.result.error == ProbeError::kDnsTimeout)
      << ProbeErrorName(dns.result.error) << ": " << dns.result.error_detail;
  EXPECT_LT(dns.elapsed, 4000ms);
}

TEST_F(HostileTest, BadRequestsFailCleanly) {
  Timed scheme = TimedGet(*prober_, {.url = "ftp://127.0.0.1/"});
  EXPECT_EQ(scheme.result.error, ProbeError::kProbeError);
  EXPECT_EQ(scheme.result.error_detail, "unsupported URL scheme: ftp");
  Timed junk = TimedGet(*prober_, {.url = "http://[::1"});
  EXPECT_EQ(junk.result.error, ProbeError::kProbeError);
  Timed header =
      TimedGet(*prober_, {.url = "http://127.0.0.1:1/", .headers = {{"X-A", "b\r\nInjected: 1"}}});
  EXPECT_EQ(header.result.error, ProbeError::kProbeError);
  EXPECT_EQ(header.result.error_detail, "invalid request header 'X-A'");
}

// ------------------------------------ SSRF ---------------------------------------------------

TEST(SsrfTest, MetadataLiteralIsRefusedWithTheReason) {
  auto prober = MakeProber({.policy = {.allow_loopback = true, .allow_private = true}});
  auto start = SteadyClock::now();
  HttpProbeResult r =
      RunOn(*prober, prober->Http({.url = "http://169.254.169.254/latest/meta-data/"}));
  EXPECT_EQ(r.error, ProbeError::kBlockedByPolicy);
  EXPECT_EQ(r.error_detail, "169.254.169.254 is link-local (cloud metadata); denied by default");
  EXPECT_LT(SteadyClock::now() - start, 1000ms);
  HttpProbeResult mapped =
      RunOn(*prober, prober->Http({.url = "http://[::ffff:169.254.169.254]/"}));
  EXPECT_EQ(mapped.error, ProbeError::kBlockedByPolicy) << mapped.error_detail;
  auto tls = RunOn(*prober, prober->TlsHandshake({.host = "169.254.169.254", .port = 443}));
  EXPECT_EQ(tls.error, ProbeError::kBlockedByPolicy);
  auto tcp = RunOn(*prober, prober->TcpConnect({.host = "169.254.169.254", .port = 80}));
  EXPECT_EQ(tcp.error, ProbeError::kBlockedByPolicy);
  EXPECT_GE(prober->stats().blocked, 4);
}

TEST(SsrfTest, NamesResolvingToDeniedAddressesAreRefused) {
  auto server = NginxServer::Start({nginx_sites::PlainHttp()});
  ASSERT_TRUE(server.has_value()) << server.error().message;
  int port = (*server)->port(nginx_sites::kPlainHttp);
  // Loopback not allowed: "localhost" resolves (curl or the system) to a loopback address.
  auto prober = MakeProber({.static_hosts = {{"allowed.test", "127.0.0.1"}}});
  HttpProbeResult r =
      RunOn(*prober, prober->Http({.url = "http://localhost:" + std::to_string(port) + "/"}));
  EXPECT_EQ(r.error, ProbeError::kBlockedByPolicy) << r.error_detail;
  EXPECT_NE(r.error_detail.find("is loopback; denied unless allow_loopback is set"),
            std::string::npos)
      << r.error_detail;
  // A name the operator mapped (DNS, rebinding, static host) is judged on its address.
  HttpProbeResult mapped =
      RunOn(*prober, prober->Http({.url = "http://allowed.test:" + std::to_string(port) + "/"}));
  EXPECT_EQ(mapped.error, ProbeError::kBlockedByPolicy);
  EXPECT_EQ(mapped.error_detail, "127.0.0.1 is loopback; denied unless allow_loopback is set");
  // deny_cidrs win over allow_loopback.
  auto deny = MakeProber({.policy = {.allow_loopback = true, .deny_cidrs = {"127.0.0.0/8"}}});
  HttpProbeResult denied =
      RunOn(*deny, deny->Http({.url = "http://127.0.0.1:" + std::to_string(port) + "/"}));
  EXPECT_EQ(denied.error, ProbeError::kBlockedByPolicy);
  EXPECT_EQ(denied.error_detail, "127.0.0.1 is in deny_cidrs entry '127.0.0.0/8'");
  EXPECT_EQ((*server)->AccessLogLines().size(), 0u);  // nothing reached nginx
}

TEST(SsrfTest, RedirectToMetadataIsRefusedAtThatHop) {
  auto server = NginxServer::Start({nginx_sites::RedirectToMetadata()});
  ASSERT_TRUE(server.has_value()) << server.error().message;
  auto prober = MakeProber(
      {.policy = {.allow_loopback = true}, .static_hosts = {{"site.test", "127.0.0.1"}}});
  std::string url = (*server)->Url(nginx_sites::kRedirectToMetadata);
  HttpProbeResult r = RunOn(*prober, prober->Http({.url = url, .max_redirects = 5}));
  EXPECT_EQ(r.error, ProbeError::kBlockedByPolicy);
  ASSERT_EQ(r.hops.size(), 1u);
  EXPECT_EQ(r.hops[0].url, url);
  EXPECT_EQ(r.hops[0].status, 302);
  EXPECT_EQ(r.hops[0].location, nginx_sites::kMetadataUrl);
  EXPECT_EQ(r.final_url, nginx_sites::kMetadataUrl);
  EXPECT_EQ(r.error_detail, "redirect hop 1 to " + std::string(nginx_sites::kMetadataUrl) +
                                ": 169.254.169.254 is link-local (cloud metadata); denied by "
                                "default");
}

// --------------------------------- concurrency -----------------------------------------------

// Starts `n` probes on the loop at once and waits for all of them.
std::vector<HttpProbeResult> RunMany(CurlProber& prober, const std::vector<std::string>& urls,
                                     std::chrono::milliseconds timeout = 10s) {
  auto results = std::make_shared<std::vector<HttpProbeResult>>(urls.size());
  auto left = std::make_shared<std::atomic<size_t>>(urls.size());
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  prober.Post([&prober, urls, results, left, done, timeout] {
    for (size_t i = 0; i < urls.size(); ++i) {
      StartTask(prober.Http({.url = urls[i], .timeout = timeout}),
                [results, left, done, i](HttpProbeResult r) {
                  (*results)[i] = std::move(r);
                  if (--*left == 0) done->set_value();
                });
    }
  });
  EXPECT_EQ(future.wait_for(60s), std::future_status::ready);
  return *results;
}

TEST(ConcurrencyTest, FiveHundredProbesComplete) {
  auto server = NginxServer::Start({nginx_sites::PlainHttp(), nginx_sites::GitExposed()});
  ASSERT_TRUE(server.has_value()) << server.error().message;
  auto prober = MakeProber({.policy = {.allow_loopback = true}, .max_connections_per_host = 500});
  std::vector<std::string> urls;
  for (int i = 0; i < 500; ++i) {
    urls.push_back((*server)->Url(i % 2 == 0 ? nginx_sites::kPlainHttp : nginx_sites::kGitExposed,
                                  "/?n=" + std::to_string(i), "127.0.0.1"));
  }
  auto results = RunMany(*prober, urls);
  int ok = 0;
  for (const HttpProbeResult& r : results) {
    if (r.error == ProbeError::kNone && r.status == 200) ++ok;
  }
  EXPECT_EQ(ok, 500);
  auto stats = prober->stats();
  EXPECT_EQ(stats.completed, 500);
  EXPECT_GT(stats.peak_in_flight, 50);  // really concurrent, not one by one
  EXPECT_EQ(stats.in_flight, 0);
  EXPECT_EQ((*server)->WaitForAccessLogLines(500).size(), 500u);
}

TEST(ConcurrencyTest, PerHostLimitQueuesTheExcess) {
  auto slow = Hostile(Mode::kSlowOk, {.delay = 200ms});
  auto other = Hostile(Mode::kSlowOk, {.delay = 200ms});
  auto prober = MakeProber({.policy = {.allow_loopback = true}, .max_connections_per_host = 4});
  std::vector<std::string> urls(12, slow->Url());
  urls.push_back(other->Url());
  auto start = SteadyClock::now();
  auto results = RunMany(*prober, urls);
  auto elapsed = SteadyClock::now() - start;
  for (const HttpProbeResult& r : results) {
    EXPECT_EQ(r.error, ProbeError::kNone) << r.error_detail;
    EXPECT_EQ(r.body, "ok\n");
  }
  EXPECT_EQ(slow->connections_accepted(), 12);
  EXPECT_EQ(slow->peak_concurrent(), 4);  // 12 requests, 4 at a time: 3 rounds
  EXPECT_GE(elapsed, 550ms);
  EXPECT_EQ(other->peak_concurrent(), 1);
  // Timings: the server waited 200 ms before answering.
  EXPECT_GE(results.back().timings.first_byte, 150ms);
}

TEST(ConcurrencyTest, StopFailsInFlightProbes) {
  auto server = Hostile(Mode::kNeverAnswer);
  auto prober = MakeProber({.policy = {.allow_loopback = true}});
  auto promise = std::make_shared<std::promise<HttpProbeResult>>();
  auto future = promise->get_future();
  std::atomic<bool> on_loop{false};
  prober->Post([&, promise] {
    on_loop = prober->OnLoopThread();
    StartTask(prober->Http({.url = server->Url(), .timeout = 30s}),
              [promise](HttpProbeResult r) { promise->set_value(std::move(r)); });
  });
  while (server->connections_accepted() == 0) std::this_thread::sleep_for(5ms);
  auto start = SteadyClock::now();
  prober->Stop();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  HttpProbeResult r = future.get();
  EXPECT_EQ(r.error, ProbeError::kProbeError);
  EXPECT_EQ(r.error_detail, "prober stopped");
  EXPECT_LT(SteadyClock::now() - start, 2s);
  EXPECT_TRUE(on_loop.load());
  EXPECT_FALSE(prober->OnLoopThread());
}

// A scanner-shaped coroutine: two probes in sequence; the threads it ran on (start, after the
// first probe, after the second). Requests are named locals (g++ 12 coroutine bug).
struct TwoProbes {
  std::vector<std::thread::id> threads;
  std::vector<HttpProbeResult> results;
};
Task<TwoProbes> ProbeTwice(CurlProber& prober, std::string first, std::string second) {
  TwoProbes out;
  out.threads.push_back(std::this_thread::get_id());
  HttpProbeRequest a{.url = first, .timeout = 10s};
  out.results.push_back(co_await prober.Http(std::move(a)));
  out.threads.push_back(std::this_thread::get_id());
  HttpProbeRequest b{.url = second, .timeout = 10s};
  out.results.push_back(co_await prober.Http(std::move(b)));
  out.threads.push_back(std::this_thread::get_id());
  co_return out;
}

TEST(ConcurrencyTest, LoopsShareTheWorkAndTheLimitsHoldAcrossThem) {
  auto a = Hostile(Mode::kSlowOk, {.delay = 200ms});
  auto b = Hostile(Mode::kSlowOk, {.delay = 200ms});
  auto prober = MakeProber({.policy = {.allow_loopback = true},
                            .loop_threads = 4,
                            .max_connections_per_host = 3,
                            .max_in_flight = 5});
  EXPECT_EQ(prober->stats().loop_threads, 4);
  constexpr int kScans = 12;
  std::vector<std::promise<TwoProbes>> promises(kScans);
  std::vector<std::future<TwoProbes>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  for (int i = 0; i < kScans; ++i) {
    // One Post per scan, as the worker does: they go to the loops in turn.
    prober->Post([&, i] {
      StartTask(ProbeTwice(*prober, a->Url(), b->Url()),
                [&promises, i](TwoProbes r) { promises[static_cast<size_t>(i)].set_value(r); });
    });
  }
  std::set<std::thread::id> loops;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
    TwoProbes r = f.get();
    for (const HttpProbeResult& h : r.results) {
      EXPECT_EQ(h.error, ProbeError::kNone) << h.error_detail;
      EXPECT_EQ(h.body, "ok\n");
    }
    ASSERT_EQ(r.threads.size(), 3u);
    EXPECT_EQ(r.threads[1], r.threads[0]);  // resumed on the loop it started on
    EXPECT_EQ(r.threads[2], r.threads[0]);
    loops.insert(r.threads[0]);
  }
  EXPECT_EQ(loops.size(), 4u);
  EXPECT_EQ(loops.count(std::this_thread::get_id()), 0u);
  // Twelve scans want `a` at once: three connections at a time, whichever loop they run on.
  EXPECT_EQ(a->connections_accepted(), kScans);
  EXPECT_EQ(a->peak_concurrent(), 3);
  EXPECT_LE(b->peak_concurrent(), 3);
  auto stats = prober->stats();
  EXPECT_EQ(stats.completed, 2 * kScans);
  EXPECT_EQ(stats.peak_in_flight, 5);  // the global cap, over all loops
  EXPECT_EQ(stats.in_flight, 0);
  EXPECT_EQ(stats.queued, 0);
}

TEST(ConcurrencyTest, HandshakeCapQueuesTlsOnlyAndAFailedHandshakeFreesItsSlot) {
  auto pki = TestPki::Shared();
  ASSERT_TRUE(pki.has_value());
  auto server = NginxServer::Start({nginx_sites::PlainHttp(), nginx_sites::EcP256(**pki)});
  ASSERT_TRUE(server.has_value()) << server.error().message;
  auto never = Hostile(Mode::kNeverAnswer);  // takes the ClientHello, never answers
  auto prober = MakeProber(
      {.policy = {.allow_loopback = true}, .loop_threads = 1, .max_handshakes_per_loop = 2});
  struct Done {
    HttpProbeResult result;
    SteadyClock::duration after;
  };
  auto start = SteadyClock::now();
  std::vector<std::string> urls = {"https://127.0.0.1:" + std::to_string(never->port()) + "/",
                                   "https://127.0.0.1:" + std::to_string(never->port()) + "/",
                                   (*server)->Url(nginx_sites::kEcP256, "/", "127.0.0.1"),
                                   (*server)->Url(nginx_sites::kPlainHttp, "/", "127.0.0.1")};
  std::vector<std::promise<Done>> promises(urls.size());
  std::vector<std::future<Done>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  prober->Post([&] {
    for (size_t i = 0; i < urls.size(); ++i) {
      StartTask(prober->Http({.url = urls[i], .timeout = i < 2 ? 1500ms : 10s}),
                [&promises, i, start](HttpProbeResult r) {
                  promises[i].set_value({std::move(r), SteadyClock::now() - start});
                });
    }
  });
  // The plain HTTP probe does not wait for a handshake slot.
  ASSERT_EQ(futures[3].wait_for(5s), std::future_status::ready);
  Done http = futures[3].get();
  EXPECT_EQ(http.result.error, ProbeError::kNone) << http.result.error_detail;
  EXPECT_LT(http.after, 1000ms);
  EXPECT_EQ(prober->stats().queued, 1);  // the nginx HTTPS probe: both slots are held
  // The hung handshakes time out; the first one to go frees a slot for the waiting probe.
  for (size_t i = 0; i < 3; ++i) ASSERT_EQ(futures[i].wait_for(20s), std::future_status::ready);
  Done hung = futures[0].get();
  EXPECT_EQ(hung.result.error, ProbeError::kTlsHandshake) << hung.result.error_detail;
  Done tls = futures[2].get();
  EXPECT_EQ(tls.result.error, ProbeError::kNone) << tls.result.error_detail;
  EXPECT_EQ(tls.result.status, 200);
  ASSERT_TRUE(tls.result.tls.has_value());
  EXPECT_TRUE(tls.result.tls->chain_trusted);
  EXPECT_GE(tls.after, 1400ms);
  EXPECT_EQ(prober->stats().queued, 0);
}

TEST(ConcurrencyTest, StopFailsProbesWaitingOnEveryLoop) {
  auto never1 = Hostile(Mode::kNeverAnswer);
  auto never2 = Hostile(Mode::kNeverAnswer);
  auto prober = MakeProber({.policy = {.allow_loopback = true},
                            .loop_threads = 2,
                            .max_connections_per_host = 2,
                            .max_handshakes_per_loop = 1});
  // Loop 0 gets never1, never2, never1; loop 1 never1, never2, never2: two handshakes run (one
  // per loop), the rest wait for a handshake slot or in a host FIFO shared by the loops.
  std::vector<std::string> urls;
  for (HostileServer* s :
       {never1.get(), never1.get(), never2.get(), never2.get(), never1.get(), never2.get()}) {
    urls.push_back("https://127.0.0.1:" + std::to_string(s->port()) + "/");
  }
  std::vector<std::promise<HttpProbeResult>> promises(urls.size());
  std::vector<std::future<HttpProbeResult>> futures;
  for (auto& p : promises) futures.push_back(p.get_future());
  for (size_t i = 0; i < urls.size(); ++i) {
    prober->Post([&, i] {
      StartTask(prober->Http({.url = urls[i], .timeout = 30s}),
                [&promises, i](HttpProbeResult r) { promises[i].set_value(std::move(r)); });
    });
  }
  auto deadline = SteadyClock::now() + 10s;
  while (never1->connections_accepted() + never2->connections_accepted() < 2 &&
         SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  std::this_thread::sleep_for(100ms);
  auto stats = prober->stats();
  EXPECT_EQ(stats.in_flight, 2);
  EXPECT_EQ(stats.queued, 4);
  EXPECT_EQ(never1->connections_accepted() + never2->connections_accepted(), 2);
  auto start = SteadyClock::now();
  prober->Stop();
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
    HttpProbeResult r = f.get();
    EXPECT_EQ(r.error, ProbeError::kProbeError);
    EXPECT_EQ(r.error_detail, "prober stopped");
  }
  EXPECT_LT(SteadyClock::now() - start, 2s);
}

TEST(ConcurrencyTest, ConfigErrorsAreClear) {
  auto bad = CurlProber::Create({.policy = {.deny_cidrs = {"10.0.0.1/8"}}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message,
            "targets.deny_cidrs[0]: '10.0.0.1/8' has host bits set (did you mean 10.0.0.0/8?)");
  auto ca = CurlProber::Create({.ca_file = "/nonexistent/ca.pem"});
  ASSERT_FALSE(ca.has_value());
  EXPECT_EQ(ca.error().message, "CA file '/nonexistent/ca.pem' is not readable");
  auto host = CurlProber::Create({.static_hosts = {{"a.test", "not-an-ip"}}});
  ASSERT_FALSE(host.has_value());
  EXPECT_EQ(host.error().message, "static_hosts['a.test']: 'not-an-ip' is not an IP address");
  auto threads = CurlProber::Create({.loop_threads = 65});
  ASSERT_FALSE(threads.has_value());
  EXPECT_EQ(threads.error().message, "loop_threads must be 0 (one per core) to 64, got 65");
  auto handshakes = CurlProber::Create({.max_handshakes_per_loop = -1});
  ASSERT_FALSE(handshakes.has_value());
  EXPECT_EQ(handshakes.error().message, "max_handshakes_per_loop must be 0 (no cap) or more");
}

}  // namespace
}  // namespace secplat::testing
