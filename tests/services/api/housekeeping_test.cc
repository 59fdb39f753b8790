// Housekeeping against a real SQLite store: the cutoff is now - retention, only older history
// goes, and Run stops promptly.
#include "services/api/housekeeping.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "adapters/sqlite/sqlite_store.h"
#include "tests/contract/sqlite_store_factory.h"
#include "tests/support/store_builders.h"

namespace secplat::services::api {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

const Timestamp kNow = FromUnixMillis(1'764'000'000'000);

class FixedClock final : public Clock {
 public:
  Timestamp Now() const override { return kNow; }
};

class HousekeepingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = adapters::sqlite::SqliteStore::Open({.path = dir_.path() + "/store.db"});
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(store).value();
  }
  void Route(const std::string& event_id, Timestamp decided_at) {
    ports::store::StoredRouting r{.event_id = event_id,
                                  .event_type = "posture.changed",
                                  .asset_key = "web-1",
                                  .decided_at = decided_at,
                                  .document = "{\"event_id\":\"" + event_id + "\"}"};
    ASSERT_TRUE(store_->PutRouting(r, testing::MakeWriteContext(decided_at)).has_value());
  }
  bool Exists(const std::string& event_id) {
    auto r = store_->GetRouting(event_id);
    EXPECT_TRUE(r.has_value());
    return r.has_value() && r->has_value();
  }

  testing::ScopedTempDir dir_;
  std::unique_ptr<adapters::sqlite::SqliteStore> store_;
  FixedClock clock_;
};

// Verifies RunOnce deletes the history older than now - retention and keeps the rest.
TEST_F(HousekeepingTest, RunOnceDeletesOnlyHistoryOlderThanTheRetention) {
  Route("evt_old", kNow - hours(3));
  Route("evt_recent", kNow - minutes(30));
  Housekeeping hk(*store_, clock_, {.retention = hours(1)});
  auto deleted = hk.RunOnce();
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
  EXPECT_EQ(*deleted, 1);
  EXPECT_FALSE(Exists("evt_old"));
  EXPECT_TRUE(Exists("evt_recent"));
  auto again = hk.RunOnce();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0);
}

// Verifies a non-positive retention is refused rather than deleting everything.
TEST_F(HousekeepingTest, NonPositiveRetentionIsRefused) {
  Route("evt_recent", kNow - minutes(1));
  Housekeeping hk(*store_, clock_, {.retention = Duration::zero()});
  auto deleted = hk.RunOnce();
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Exists("evt_recent"));
}

// Verifies Run cleans up at once and returns promptly when stopped mid-interval.
TEST_F(HousekeepingTest, RunCleansAtStartAndStopsPromptly) {
  Route("evt_old", kNow - hours(48));
  Housekeeping hk(*store_, clock_, {.retention = hours(24), .interval = hours(1)});
  std::jthread runner([&](std::stop_token st) { hk.Run(st); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Exists("evt_old") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_FALSE(Exists("evt_old"));
  const auto start = std::chrono::steady_clock::now();
  runner.request_stop();
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace secplat::services::api
