// End-to-end: the transactional outbox on real Redis and the real `secplat api` binary. With
// Redis stopped the API still accepts scan requests; once Redis is back every message reaches
// secplat.jobs.scan, once.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "adapters/json/codec.h"
#include "jobqueue/redis_streams_queue.h"
#include "tests/e2e/harness.h"
#include "tests/jobqueue/queue_test_util.h"
#include "tests/support/redis_server.h"

namespace secplat::testing {
namespace {

using jobqueue::contract::Recorder;
using jobqueue::contract::Running;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kScans = 50;

std::string Tail(const std::string& s, size_t n = 4000) {
  return s.size() > n ? s.substr(s.size() - n) : s;
}

// Verifies the API accepts 50 scan requests while Redis is down (and stays ready), and that
// within 15 s of Redis coming back exactly those 50 messages are on secplat.jobs.scan: 50
// distinct job ids, no duplicates, nothing more a second later.
TEST(OutboxE2e, ScansRequestedWhileRedisIsDownAreDeliveredOnceWhenItReturns) {
  auto redis = RedisServer::Start(/*aof=*/true);
  if (!redis.has_value()) GTEST_SKIP() << redis.error().message;
  const std::string url = (*redis)->url();
  ASSERT_TRUE((*redis)->Stop().has_value());

  auto h = Harness::Create();
  h->Start("api", {{"SECPLAT_QUEUE_URL", url}});

  auto asset = h->Call(
      "POST", "/api/v1/assets",
      json{
          {"asset_key", "web-outbox"}, {"kind", "web"}, {"url", "https://web-outbox.example.test/"}}
          .dump(),
      h->analyst_token);
  ASSERT_EQ(asset.status, 201) << asset.body;

  std::set<int64_t> created_ids;
  for (int i = 0; i < kScans; ++i) {
    auto r = h->Call("POST", "/api/v1/scans",
                     json{{"asset_key", "web-outbox"},
                          {"scan_type", "tls_headers"},
                          {"idempotency_key", "e2e-outbox-" + std::to_string(i)}}
                         .dump(),
                     h->analyst_token);
    ASSERT_EQ(r.status, 201) << "scan " << i << ": " << r.body;
    auto body = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(body.is_object() && body.contains("id")) << r.body;
    created_ids.insert(body["id"].get<int64_t>());
  }
  ASSERT_EQ(created_ids.size(), static_cast<size_t>(kScans));
  auto ready = h->Call("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 200) << ready.body;  // writes still work: the outbox holds them
  EXPECT_NE(ready.body.find(R"("queue":"unavailable")"), std::string::npos) << ready.body;
  ASSERT_TRUE(h->Running()) << Tail(h->LogText());

  // The relay really tried while Redis was down: every row is waiting and failures were
  // counted (polled, bounded: the gauge is refreshed once per relay cycle).
  std::string metrics;
  const auto tried_by = std::chrono::steady_clock::now() + seconds(10);
  while (std::chrono::steady_clock::now() < tried_by) {
    metrics = h->Call("GET", "/metrics", "", h->admin_token).body;
    if (metrics.find("secplat_outbox_publish_failures_total{") != std::string::npos &&
        metrics.find("secplat_outbox_unsent " + std::to_string(kScans)) != std::string::npos)
      break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_NE(metrics.find("secplat_outbox_publish_failures_total{stream=\"secplat.jobs.scan\"}"),
            std::string::npos)
      << Tail(metrics);
  EXPECT_NE(metrics.find("secplat_outbox_unsent " + std::to_string(kScans)), std::string::npos)
      << Tail(metrics);

  ASSERT_TRUE((*redis)->Restart().has_value());
  const auto back = std::chrono::steady_clock::now();

  auto queue = jobqueue::RedisStreamsQueue::Connect({.url = url});
  ASSERT_TRUE(queue.has_value()) << queue.error().message;
  Recorder recorder;
  {
    Running consumer(**queue, std::string(jobqueue::kScanStream), "e2e-outbox-check",
                     [&](const jobqueue::Message& m, const jobqueue::LeaseControl&) {
                       recorder.Add(m);
                       return jobqueue::Outcome::Done();
                     },
                     {.block = milliseconds(100)});
    const auto deadline = back + seconds(15);
    const bool all = recorder.WaitForCount(
        kScans, std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now()));
    EXPECT_TRUE(all) << "received " << recorder.seen().size() << " of " << kScans
                     << " within 15 s of Redis returning; server log:\n"
                     << Tail(h->LogText());
    // Anything still to come (a duplicate) would arrive well within a second.
    std::this_thread::sleep_for(seconds(1));
    consumer.Stop();
  }

  std::set<int64_t> job_ids;
  std::set<std::string> event_ids;
  const auto seen = recorder.seen();
  for (const auto& s : seen) {
    auto e = adapters::json::DecodeEnvelope(s.message.payload);
    ASSERT_TRUE(e.has_value()) << s.message.payload << ": " << e.error().message;
    EXPECT_EQ(e->event_type, core::model::EventType::kScanRequested);
    EXPECT_EQ(e->asset_key, "web-outbox");
    event_ids.insert(e->event_id);
    auto payload = json::parse(e->payload_json, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(payload.is_object() && payload["job_id"].is_number_integer()) << e->payload_json;
    job_ids.insert(payload["job_id"].get<int64_t>());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kScans)) << "duplicates or strays on the stream";
  EXPECT_EQ(job_ids.size(), static_cast<size_t>(kScans));
  EXPECT_EQ(event_ids.size(), static_cast<size_t>(kScans));
  EXPECT_EQ(job_ids, created_ids);

  auto stats = (*queue)->Stats(jobqueue::kScanStream, "e2e-outbox-check");
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->published, kScans);
  EXPECT_EQ(stats->lag, 0);
  EXPECT_EQ(stats->pending, 0);
}

}  // namespace
}  // namespace secplat::testing
