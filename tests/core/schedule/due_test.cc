#include "core/schedule/due.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace secplat::core::schedule {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z

model::Asset WebAsset(std::string key, std::string url = "https://site.test/") {
  model::Asset a;
  a.asset_key = std::move(key);
  a.url = std::move(url);
  return a;
}

// Verifies an https web asset gets the three scan types with their default intervals, and an
// http one no tls_headers.
TEST(DueScans, DefaultScanTypesAndIntervals) {
  auto due = DueScans(WebAsset("web-1"), kT0);
  ASSERT_EQ(due.size(), 3u);
  std::map<std::string, Duration> got;
  for (const auto& d : due) got[d.scan_type] = d.interval;
  EXPECT_EQ(got["health_http"], seconds(60));
  EXPECT_EQ(got["tls_headers"], hours(6));
  EXPECT_EQ(got["web_exposure"], hours(24));
  auto plain = DueScans(WebAsset("web-2", "http://site.test/"), kT0);
  ASSERT_EQ(plain.size(), 2u);
  for (const auto& d : plain) EXPECT_NE(d.scan_type, "tls_headers");
}

// Verifies disabled assets, deleted assets and disabled scan types are never due, and a per-asset
// interval overrides the default.
TEST(DueScans, HonoursEnabledFlagsAndIntervals) {
  auto a = WebAsset("web-1");
  a.enabled = false;
  EXPECT_TRUE(DueScans(a, kT0).empty());
  a.enabled = true;
  a.deleted_at = kT0;
  EXPECT_TRUE(DueScans(a, kT0).empty());
  a.deleted_at.reset();
  a.scan["tls_headers"] = {.enabled = false};
  a.scan["health_http"] = {.enabled = true, .interval_seconds = 10};
  auto due = DueScans(a, kT0);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].scan_type, "health_http");
  EXPECT_EQ(due[0].interval, seconds(10));
  EXPECT_EQ(due[1].scan_type, "web_exposure");
}

// Verifies the key is the same throughout one period and changes exactly at the period start
// (offset + n * interval), so any number of schedulers request one scan per period.
TEST(DueScans, OneKeyPerPeriodWithJitteredBoundaries) {
  auto a = WebAsset("web-1");
  auto first = DueScans(a, kT0)[0];
  ASSERT_EQ(first.scan_type, "health_http");
  EXPECT_LE(first.period_start, kT0);
  EXPECT_GT(first.period_start + first.interval, kT0);
  Timestamp last_in_period = first.period_start + first.interval - std::chrono::milliseconds(1);
  EXPECT_EQ(DueScans(a, first.period_start)[0].idempotency_key, first.idempotency_key);
  EXPECT_EQ(DueScans(a, last_in_period)[0].idempotency_key, first.idempotency_key);
  auto next = DueScans(a, first.period_start + first.interval)[0];
  EXPECT_EQ(next.bucket, first.bucket + 1);
  EXPECT_EQ(next.idempotency_key, "health_http+web-1+" + std::to_string(first.bucket + 1));
  EXPECT_EQ(ScheduledScanKey("health_http", "web-1", kT0, seconds(60)), first.idempotency_key);
}

// Verifies offsets are deterministic, inside the interval, and spread across assets.
TEST(JitterOffset, DeterministicBoundedAndSpread) {
  std::set<int64_t> distinct;
  for (int i = 0; i < 1000; ++i) {
    std::string key = "asset-" + std::to_string(i);
    Duration o = JitterOffset(key, "health_http", seconds(60));
    EXPECT_EQ(o, JitterOffset(key, "health_http", seconds(60)));
    EXPECT_GE(o, Duration(0));
    EXPECT_LT(o, seconds(60));
    distinct.insert(std::chrono::duration_cast<seconds>(o).count());
  }
  EXPECT_GE(distinct.size(), 55u) << "1,000 assets should cover nearly every second of a minute";
}

// Verifies ScheduleBucket floors correctly before the epoch and with sub-second intervals.
TEST(ScheduleBucket, FloorsAndClampsTheInterval) {
  EXPECT_EQ(ScheduleBucket(FromUnixMillis(-1), seconds(60), Duration(0)), -1);
  EXPECT_EQ(ScheduleBucket(FromUnixMillis(59'999), seconds(60), Duration(0)), 0);
  EXPECT_EQ(ScheduleBucket(FromUnixMillis(60'000), seconds(60), Duration(0)), 1);
  EXPECT_EQ(ScheduleBucket(FromUnixMillis(60'000), seconds(60), seconds(1)), 0);
  EXPECT_EQ(ScheduleBucket(FromUnixMillis(5'000), std::chrono::milliseconds(10), Duration(0)), 5);
}

}  // namespace
}  // namespace secplat::core::schedule
