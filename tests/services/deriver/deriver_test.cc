// The deriver's sweep and single-asset path against the real api service over a real SQLite
// store, in process: StorePlatform implements the deriver's ports with ApiService calls (what
// the HTTP routes call), so compare-and-set, idempotent events and the outbox are the real
// ones; it counts calls and can fail or interfere with one of them.
#include "services/deriver/deriver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "adapters/json/posture_codec.h"
#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/sqlite/sqlite_store.h"
#include "core/posture/derive.h"
#include "core/posture/score.h"
#include "jobqueue/embedded_queue.h"
#include "services/api/api_service.h"
#include "tests/support/store_builders.h"

namespace secplat::services::deriver {
namespace {

using core::model::CheckOutcome;
using core::model::PostureState;
using ports::platform::PostureRecord;
using ports::platform::PostureWrite;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z
const Timestamp kLater = kT0 + std::chrono::hours(1);     // every seeded record is overdue

class FixedClock : public Clock {
 public:
  explicit FixedClock(Timestamp t) : t_(t) {}
  Timestamp Now() const override { return t_; }

 private:
  Timestamp t_;
};

// The deriver's ports over ApiService (as the HTTP routes use it), with counters and hooks.
class StorePlatform final : public ports::platform::AssetSource,
                            public ports::platform::PostureGateway,
                            public ports::platform::EventSink {
 public:
  StorePlatform(api::ApiService& svc, const Clock& clock) : svc_(svc), clock_(clock) {}

  Result<core::model::Asset> GetAsset(std::string_view key) override {
    ++get_asset;
    return svc_.store().GetAsset(key);
  }
  Result<ports::platform::AssetPage> ListAssets(std::string_view, int) override {
    return Unexpected(ErrorCode::kInternal, "unused");
  }
  Result<std::optional<PostureRecord>> GetPosture(std::string_view key) override {
    ++get_posture;
    return svc_.GetPosture(std::string(key));
  }
  Result<PostureRecord> PutPosture(const PostureRecord& record, int64_t expected) override {
    ++put_posture;
    return svc_.PutPosture(record.status.asset_key, record, expected, Meta());
  }
  Result<AssetKeyPage> ListPostureDue(Timestamp now, std::string_view cursor, int limit) override {
    std::optional<ports::store::PostureDueKey> after;
    if (!cursor.empty()) after = cursors_.at(std::string(cursor));
    SECPLAT_ASSIGN_OR_RETURN(auto page, svc_.store().ListPostureDue(now, after, limit));
    AssetKeyPage out;
    for (auto& k : page.items) out.asset_keys.push_back(k.asset_key);
    if (page.next_after) {
      out.next_cursor = "c" + std::to_string(cursors_.size());
      cursors_[out.next_cursor] = *page.next_after;
    }
    return out;
  }
  Result<core::model::OpenFindingCounts> CountOpenFindings(std::string_view key) override {
    ports::store::FindingFilter f;
    f.asset_key = std::string(key);
    f.status = core::model::FindingStatus::kOpen;
    SECPLAT_ASSIGN_OR_RETURN(auto c, svc_.store().CountFindings(f));
    return core::model::OpenFindingCounts{.critical = static_cast<int>(c.critical),
                                          .high = static_cast<int>(c.high),
                                          .medium = static_cast<int>(c.medium),
                                          .low = static_cast<int>(c.low),
                                          .info = static_cast<int>(c.info)};
  }
  Result<std::vector<ports::platform::PostureInputs>> GetPostureInputs(
      std::span<const std::string> keys) override {
    ++inputs_calls;
    if (before_inputs) before_inputs(keys);
    SECPLAT_ASSIGN_OR_RETURN(auto rows, svc_.GetPostureInputs(keys));
    std::vector<ports::platform::PostureInputs> out;
    for (auto& row : rows) {
      ports::platform::PostureInputs in;
      in.asset_key = row.asset_key;
      in.status = row.status;
      in.asset = row.asset;
      in.open_findings = {.critical = static_cast<int>(row.open_findings.critical),
                          .high = static_cast<int>(row.open_findings.high),
                          .medium = static_cast<int>(row.open_findings.medium),
                          .low = static_cast<int>(row.open_findings.low),
                          .info = static_cast<int>(row.open_findings.info)};
      if (row.posture) {
        SECPLAT_ASSIGN_OR_RETURN(in.record, adapters::json::FromStoredPosture(*row.posture));
      }
      out.push_back(std::move(in));
    }
    return out;
  }
  Result<std::vector<Result<int64_t>>> PutPostureBatch(
      std::span<const PostureWrite> writes) override {
    ++put_batches;
    if (before_put_batch) SECPLAT_RETURN_IF_ERROR(before_put_batch(writes));
    std::vector<adapters::json::PostureBatchPutItem> items;
    for (const PostureWrite& w : writes)
      items.push_back({w.record.status.asset_key, {w.record, w.expected_version}});
    SECPLAT_ASSIGN_OR_RETURN(auto stored, svc_.PutPostures(std::move(items), Meta()));
    std::vector<Result<int64_t>> out;
    for (auto& s : stored) {
      if (s.has_value()) {
        out.push_back(s->version);
      } else {
        out.push_back(Unexpected(s.error()));
      }
    }
    return out;
  }
  Status RecordEvent(const core::model::Envelope& e) override {
    ++record_event;
    SECPLAT_ASSIGN_OR_RETURN(auto r, svc_.RecordEvent(e, Meta()));
    (void)r;
    return OkStatus();
  }
  Status RecordEvents(std::span<const core::model::Envelope> events) override {
    ++record_events;
    if (before_record_events) SECPLAT_RETURN_IF_ERROR(before_record_events(events));
    SECPLAT_ASSIGN_OR_RETURN(
        auto r, svc_.RecordEvents(std::vector<core::model::Envelope>(events.begin(), events.end()),
                                  Meta()));
    (void)r;
    return OkStatus();
  }

  std::atomic<int> get_asset{0}, get_posture{0}, put_posture{0}, inputs_calls{0}, put_batches{0},
      record_event{0}, record_events{0};
  std::function<void(std::span<const std::string>)> before_inputs;
  std::function<Status(std::span<const core::model::Envelope>)> before_record_events;
  std::function<Status(std::span<const PostureWrite>)> before_put_batch;

 private:
  api::CallMeta Meta() const {
    return {core::model::Actor{
                .token_id = "t-deriver", .name = "deriver", .role = core::model::Role::kService},
            "req-deriver", clock_.Now()};
  }
  api::ApiService& svc_;
  const Clock& clock_;
  std::map<std::string, ports::store::PostureDueKey> cursors_;  // only the lister thread uses it
};

class DeriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("secplat-deriver-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = adapters::sqlite::SqliteStore::Open({.path = dir_ + "/secplat.db"});
    ASSERT_TRUE(store.has_value()) << store.error().message;
    store_ = std::move(*store);
    svc_ = std::make_unique<api::ApiService>(*store_);
    auto q = jobqueue::EmbeddedQueue::Open(dir_ + "/queue");
    ASSERT_TRUE(q.has_value()) << q.error().message;
    queue_ = std::move(*q);
    platform_ = std::make_unique<StorePlatform>(*svc_, clock_);
  }
  void TearDown() override {
    platform_.reset();
    queue_.reset();
    svc_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Deriver MakeDeriver(int batch = 10, int in_flight = 3) {
    DeriverOptions o;
    o.sweep_batch = batch;
    o.sweep_in_flight = in_flight;
    return Deriver(*queue_, *platform_, *platform_, *platform_, clock_, metrics_, o);
  }

  // `n` assets "a-<i>", each with the record the deriver wrote after five `up` results (the
  // last at kT0), so all of them are due at kLater. Every third asset has an open high
  // finding (score 90), every fifth a posture label.
  std::vector<std::string> Seed(int n) {
    std::vector<std::string> keys;
    for (int i = 0; i < n; ++i) {
      std::string key = "a-" + std::to_string(100 + i);
      core::model::Labels labels;
      if (i % 5 == 0) labels["posture.fail_threshold"] = "1";
      auto a = store_->CreateAsset(testing::MakeAsset(key, labels), testing::MakeWriteContext(kT0));
      EXPECT_TRUE(a.has_value()) << a.error().message;
      if (i % 3 == 0) {
        auto obs = testing::MakeObservation("f-" + key, key, kT0);
        obs.severity = core::model::Severity::kHigh;
        EXPECT_TRUE(store_->UpsertFinding(obs, testing::MakeWriteContext(kT0)).has_value());
      }
      std::vector<core::model::CheckResult> rs;
      for (int j = 0; j < 5; ++j) {
        core::model::CheckResult r;
        r.event_id = key + "-r" + std::to_string(j);
        r.asset_key = key;
        r.scan_type = "health_http";
        r.observed_at = kT0 - std::chrono::minutes(4 - j);
        r.outcome = CheckOutcome::kUp;
        rs.push_back(r);
      }
      auto step = core::posture::DerivePosture({}, rs, {}, kT0);
      PostureRecord rec;
      rec.status = step.status;
      rec.recent_transitions = step.transitions;
      rec.score = core::posture::ScorePosture(rec.status.current.state, {}, std::nullopt);
      rec.check_by = kT0 + std::chrono::seconds(210);
      auto put = svc_->PutPosture(key, rec, 0, {{}, "seed", kT0});
      EXPECT_TRUE(put.has_value()) << put.error().message;
      keys.push_back(key);
    }
    return keys;
  }

  std::vector<core::model::StoredEvent> PostureEvents() {
    ports::store::EventFilter f;
    f.event_type = core::model::EventType::kPostureChanged;
    auto page = store_->ListEvents(f, {.after = 0, .limit = 1000});
    EXPECT_TRUE(page.has_value());
    return page.has_value() ? page->items : std::vector<core::model::StoredEvent>{};
  }

  PostureRecord Stored(const std::string& key) {
    auto r = svc_->GetPosture(key);
    EXPECT_TRUE(r.has_value() && r->has_value());
    return r.has_value() && r->has_value() ? **r : PostureRecord{};
  }

  std::string dir_;
  FixedClock clock_{kLater};
  adapters::metrics::PrometheusMetrics metrics_;
  std::unique_ptr<adapters::sqlite::SqliteStore> store_;
  std::unique_ptr<api::ApiService> svc_;
  std::unique_ptr<jobqueue::JobQueue> queue_;
  std::unique_ptr<StorePlatform> platform_;
};

// Verifies a sweep over 25 due assets in batches of 10 (3 in flight): every asset goes stale
// with one posture.changed event and one record write, through 3 batch reads, 3 events batches
// and 3 write batches — no per-asset call; a second sweep finds nothing due and announces
// nothing again.
TEST_F(DeriverTest, SweepDerivesEveryDueAssetInBatches) {
  auto keys = Seed(25);
  Deriver d = MakeDeriver(10, 3);
  auto r = d.SweepOnce();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->due, 25);
  EXPECT_EQ(r->derived, 25);
  EXPECT_EQ(r->changes, 25);
  EXPECT_EQ(r->failures, 0);
  EXPECT_EQ(platform_->inputs_calls, 3);
  EXPECT_EQ(platform_->record_events, 3);
  EXPECT_EQ(platform_->put_batches, 3);
  EXPECT_EQ(platform_->get_asset + platform_->get_posture + platform_->put_posture +
                platform_->record_event,
            0);
  for (const auto& key : keys) {
    PostureRecord rec = Stored(key);
    EXPECT_EQ(rec.status.current.state, PostureState::kStale) << key;
    EXPECT_EQ(rec.version, 2) << key;
    EXPECT_FALSE(rec.check_by.has_value()) << key;
    ASSERT_FALSE(rec.recent_transitions.empty());
    EXPECT_EQ(rec.recent_transitions.back().to, PostureState::kStale);
  }
  EXPECT_EQ(Stored("a-100").score.score, 100 - 20 - 10);  // stale, one open high finding
  auto events = PostureEvents();
  EXPECT_EQ(events.size(), 25u);
  std::set<std::string> assets;
  for (const auto& e : events) assets.insert(e.envelope.asset_key);
  EXPECT_EQ(assets.size(), 25u);

  auto again = d.SweepOnce();
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->due, 0);
  EXPECT_EQ(PostureEvents().size(), 25u);
}

// Verifies the batch sweep stores exactly what the single-asset path stores: the same records
// (status, score, transitions, check_by) and the same event ids, asset by asset.
TEST_F(DeriverTest, BatchSweepMatchesSingleAssetPath) {
  auto keys = Seed(12);
  Deriver d = MakeDeriver(5, 2);
  ASSERT_TRUE(d.SweepOnce().has_value());
  std::map<std::string, PostureRecord> batch;
  for (const auto& k : keys) batch[k] = Stored(k);
  std::set<std::string> batch_events;
  for (const auto& e : PostureEvents()) batch_events.insert(e.envelope.event_id);

  // A second platform, seeded the same way, derived one asset at a time.
  TearDown();
  SetUp();
  ASSERT_EQ(Seed(12), keys);
  Deriver single = MakeDeriver();
  for (const auto& k : keys) {
    auto r = single.DeriveAsset(k, {});
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_TRUE(r->written);
    EXPECT_EQ(r->announced, 1);
  }
  for (const auto& k : keys) {
    PostureRecord one = Stored(k);
    EXPECT_EQ(one.status, batch[k].status) << k;
    EXPECT_EQ(one.score, batch[k].score) << k;
    EXPECT_EQ(one.recent_transitions, batch[k].recent_transitions) << k;
    EXPECT_EQ(one.check_by, batch[k].check_by) << k;
    EXPECT_EQ(one.version, batch[k].version) << k;
  }
  std::set<std::string> single_events;
  for (const auto& e : PostureEvents()) single_events.insert(e.envelope.event_id);
  EXPECT_EQ(single_events, batch_events);
}

// Verifies events come before records: when the events batch fails, no record of that batch
// is written (the assets stay due, failures counted); the next sweep announces each change
// once and writes the records.
TEST_F(DeriverTest, FailedEventsBatchWritesNoRecord) {
  auto keys = Seed(8);
  platform_->before_record_events = [](auto) -> Status {
    return Unexpected(ErrorCode::kUnavailable, "events down");
  };
  Deriver d = MakeDeriver(4, 1);
  auto r = d.SweepOnce();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->due, 8);
  EXPECT_EQ(r->failures, 8);
  EXPECT_EQ(r->derived, 0);
  EXPECT_EQ(platform_->put_batches, 0);
  for (const auto& k : keys) EXPECT_EQ(Stored(k).version, 1) << k;
  EXPECT_TRUE(PostureEvents().empty());

  platform_->before_record_events = nullptr;
  auto again = d.SweepOnce();
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->due, 8);
  EXPECT_EQ(again->derived, 8);
  EXPECT_EQ(again->failures, 0);
  EXPECT_EQ(PostureEvents().size(), 8u);
}

// Verifies restart safety between the two writes: events stored, then the record batch fails
// (as if the deriver died); the next sweep re-derives the same transitions, re-sends nothing
// new (same event ids, stored once) and writes the records.
TEST_F(DeriverTest, FailedWriteBatchIsRetriedWithoutNewEvents) {
  auto keys = Seed(6);
  platform_->before_put_batch = [](auto) -> Status {
    return Unexpected(ErrorCode::kUnavailable, "api down");
  };
  Deriver d = MakeDeriver(6, 1);
  auto r = d.SweepOnce();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->failures, 6);
  const auto first_events = PostureEvents();
  ASSERT_EQ(first_events.size(), 6u);
  for (const auto& k : keys) EXPECT_EQ(Stored(k).version, 1) << k;

  platform_->before_put_batch = nullptr;
  auto again = d.SweepOnce();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->derived, 6);
  EXPECT_EQ(again->failures, 0);
  const auto events = PostureEvents();
  ASSERT_EQ(events.size(), 6u);
  for (size_t i = 0; i < events.size(); ++i)
    EXPECT_EQ(events[i].envelope.event_id, first_events[i].envelope.event_id);
  for (const auto& k : keys) EXPECT_EQ(Stored(k).status.current.state, PostureState::kStale);
}

// Verifies each record write is its own compare-and-set: another writer moves one asset's
// record on between the batch read and the batch write; only that item conflicts, it is
// re-read and re-derived alone, and the others are written from the batch.
TEST_F(DeriverTest, ConflictInBatchIsRederivedAlone) {
  auto keys = Seed(5);
  platform_->before_put_batch = [this](std::span<const PostureWrite> writes) -> Status {
    // The other writer: rewrites a-102 (same content, next version).
    for (const auto& w : writes) {
      if (w.record.status.asset_key != "a-102") continue;
      PostureRecord current = Stored("a-102");
      auto moved = svc_->PutPosture("a-102", current, current.version, {{}, "other", kLater});
      EXPECT_TRUE(moved.has_value());
    }
    return OkStatus();
  };
  Deriver d = MakeDeriver(5, 1);
  auto r = d.SweepOnce();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->derived, 5);
  EXPECT_EQ(r->failures, 0);
  EXPECT_EQ(platform_->put_batches, 1);
  EXPECT_EQ(platform_->put_posture, 1);  // the conflicting one, alone
  EXPECT_EQ(platform_->get_posture, 1);
  PostureRecord moved = Stored("a-102");
  EXPECT_EQ(moved.version, 3);  // seed 1, other writer 2, deriver 3
  EXPECT_EQ(moved.status.current.state, PostureState::kStale);
  // The re-derivation produced the same transition: still one event per asset.
  EXPECT_EQ(PostureEvents().size(), 5u);
}

// Verifies an asset deleted after it was listed is skipped (counted as a failure, nothing
// written) while the rest of its batch is derived.
TEST_F(DeriverTest, AssetDeletedMidSweepIsSkipped) {
  auto keys = Seed(4);
  platform_->before_inputs = [this](std::span<const std::string>) {
    auto del = store_->DeleteAsset("a-101", testing::MakeWriteContext(kLater));
    EXPECT_TRUE(del.has_value() || del.error().code == ErrorCode::kNotFound);
  };
  Deriver d = MakeDeriver(4, 1);
  auto r = d.SweepOnce();
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->due, 4);
  EXPECT_EQ(r->derived, 3);
  EXPECT_EQ(r->failures, 1);
  EXPECT_EQ(PostureEvents().size(), 3u);
}

// Verifies the sweep fails when the due list itself cannot be read (a store without its
// schema), instead of reporting an empty sweep.
TEST_F(DeriverTest, SweepFailsWhenDueListFails) {
  auto bare =
      adapters::sqlite::SqliteStore::Open({.path = dir_ + "/bare.db", .apply_migrations = false});
  ASSERT_TRUE(bare.has_value()) << bare.error().message;
  api::ApiService bare_svc(**bare);
  StorePlatform bare_platform(bare_svc, clock_);
  Deriver broken(*queue_, bare_platform, bare_platform, bare_platform, clock_, metrics_, {});
  auto r = broken.SweepOnce();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(bare_platform.inputs_calls, 0);
}

}  // namespace
}  // namespace secplat::services::deriver
