// The contract every ports::store::PostureStore implementation passes (plus FindingStore's
// CountFindings): one typed suite, instantiated once per backend by a small test file that
// defines the factory list first:
//
//   #include "tests/contract/sqlite_store_factory.h"
//   namespace secplat::testing {
//   using PostureStoreFactories = ::testing::Types<SqliteStoreFactory>;
//   }  // namespace secplat::testing
//   #include "tests/contract/posture_store_contract.h"
//
// The factories are those of store_contract.h (name, SkipReason(), Make()). Names here live in
// namespace posture_contract so that both suites can be included in one test file. Documents
// are written with adapters/json/posture_codec.h (what the API stores) and must come back byte
// for byte.
#ifndef SECPLAT_TESTS_CONTRACT_POSTURE_STORE_CONTRACT_H_
#define SECPLAT_TESTS_CONTRACT_POSTURE_STORE_CONTRACT_H_

#include <gtest/gtest.h>

#include <latch>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "adapters/json/posture_codec.h"
#include "core/posture/derive.h"
#include "core/posture/score.h"
#include "ports/store/store.h"
#include "tests/support/store_builders.h"

namespace secplat::testing::posture_contract {
namespace {

using core::model::CheckOutcome;
using core::model::PostureState;
using ports::store::PageRequest;
using ports::store::PostureDueKey;
using ports::store::PostureFilter;
using ports::store::StoredPosture;

struct Names {
  template <typename F>
  static std::string GetName(int) {
    return F::kName;
  }
};

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z

template <typename T>
std::string Describe(const Result<T>& r) {
  if (r.has_value()) return "ok";
  return std::string(ErrorCodeName(r.error().code)) + ": " + r.error().message;
}

// A record as the API stores it: the status after `outcomes` health results one minute apart
// (derived for real), its score and transitions, check_by = last result + 210 s.
StoredPosture MakePosture(const std::string& asset_key, const std::vector<CheckOutcome>& outcomes,
                          int open_high = 0) {
  std::vector<core::model::CheckResult> rs;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    core::model::CheckResult r;
    r.event_id = asset_key + "-e" + std::to_string(i);
    r.asset_key = asset_key;
    r.scan_type = "health_http";
    r.observed_at = kT0 + Duration(60'000 * static_cast<int64_t>(i));
    r.outcome = outcomes[i];
    if (r.outcome == CheckOutcome::kDown) r.failure_reason = "connect_refused";
    rs.push_back(r);
  }
  const Timestamp now = kT0 + Duration(60'000 * static_cast<int64_t>(outcomes.size()));
  auto step = core::posture::DerivePosture({}, rs, {}, now);
  ports::platform::PostureRecord rec;
  rec.status = step.status;
  rec.status.asset_key = asset_key;
  rec.recent_transitions = step.transitions;
  rec.score =
      core::posture::ScorePosture(rec.status.current.state, {.high = open_high}, std::nullopt);
  if (rec.status.current.last_result_at)
    rec.check_by = *rec.status.current.last_result_at + Duration(210'000);
  return adapters::json::ToStoredPosture(asset_key, rec);
}

const std::vector<CheckOutcome> kUp3 = {CheckOutcome::kUp, CheckOutcome::kUp, CheckOutcome::kUp};
const std::vector<CheckOutcome> kDown4 = {CheckOutcome::kDown, CheckOutcome::kDown,
                                          CheckOutcome::kDown, CheckOutcome::kDown};

template <typename Factory>
class PostureStoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto reason = Factory::SkipReason()) GTEST_SKIP() << *reason;
    auto made = factory_.Make();
    ASSERT_TRUE(made.has_value()) << Describe(made);
    store_ = std::move(made).value();
  }

  ports::store::Store& store() { return *store_; }

  void MustCreateAsset(const std::string& key) {
    auto a = store_->CreateAsset(MakeAsset(key), MakeWriteContext(kT0));
    ASSERT_TRUE(a.has_value()) << Describe(a);
  }

  // Stores `p` at version expected + 1, asserting success.
  StoredPosture MustPut(const StoredPosture& p, int64_t expected, Timestamp now = kT0) {
    auto r = store_->PutPosture(p, expected, MakeWriteContext(now));
    EXPECT_TRUE(r.has_value()) << Describe(r);
    return r.has_value() ? *r : StoredPosture{};
  }

  std::vector<core::model::AuditEntry> PostureAudit() {
    std::vector<core::model::AuditEntry> out;
    PageRequest page{.after = 0, .limit = 1000};
    while (true) {
      auto p = store_->ListAudit(page);
      EXPECT_TRUE(p.has_value()) << Describe(p);
      if (!p.has_value()) break;
      for (auto& a : p->items)
        if (a.action == "posture.change") out.push_back(a);
      if (p->next_after == 0) break;
      page.after = p->next_after;
    }
    return out;
  }

  // Every item of ListPosture(filter), walking pages of `limit`.
  std::vector<StoredPosture> ListAll(const PostureFilter& filter, int limit = 1000) {
    std::vector<StoredPosture> out;
    PageRequest page{.after = 0, .limit = limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto p = store_->ListPosture(filter, page);
      EXPECT_TRUE(p.has_value()) << Describe(p);
      if (!p.has_value()) break;
      out.insert(out.end(), p->items.begin(), p->items.end());
      if (p->next_after == 0) break;
      page.after = p->next_after;
    }
    return out;
  }

  Factory factory_;
  std::unique_ptr<ports::store::Store> store_;
};

TYPED_TEST_SUITE(PostureStoreContract, PostureStoreFactories, Names);

// Verifies an asset never derived reads as nullopt, and the first write stores every field
// (documents byte for byte) with version 1 and updated_at from the context.
TYPED_TEST(PostureStoreContract, FirstWriteRoundTrips) {
  this->MustCreateAsset("web-1");
  auto none = this->store().GetPosture("web-1");
  ASSERT_TRUE(none.has_value()) << Describe(none);
  EXPECT_FALSE(none->has_value());

  StoredPosture p = MakePosture("web-1", kDown4, 1);
  ASSERT_EQ(p.state, PostureState::kDown);
  const Timestamp now = kT0 + Duration(300'000);
  StoredPosture put = this->MustPut(p, 0, now);
  EXPECT_EQ(put.version, 1);
  EXPECT_EQ(put.updated_at, now);

  auto got = this->store().GetPosture("web-1");
  ASSERT_TRUE(got.has_value()) << Describe(got);
  ASSERT_TRUE(got->has_value());
  StoredPosture expected = p;
  expected.version = 1;
  expected.updated_at = now;
  EXPECT_EQ(**got, expected);
  auto decoded = adapters::json::FromStoredPosture(**got);
  ASSERT_TRUE(decoded.has_value()) << Describe(decoded);
  EXPECT_EQ(decoded->status.current.state, PostureState::kDown);
  EXPECT_EQ(decoded->status.ring.size(), 4u);
}

// Verifies the compare-and-set: a stale expected_version is refused with kConflict and changes
// nothing; the right one bumps the version.
TYPED_TEST(PostureStoreContract, CompareAndSetOnVersion) {
  this->MustCreateAsset("web-1");
  StoredPosture up = MakePosture("web-1", kUp3);
  this->MustPut(up, 0);
  auto again = this->store().PutPosture(up, 0, MakeWriteContext(kT0));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict) << again.error().message;
  auto ahead = this->store().PutPosture(up, 5, MakeWriteContext(kT0));
  ASSERT_FALSE(ahead.has_value());
  EXPECT_EQ(ahead.error().code, ErrorCode::kConflict);

  StoredPosture down = MakePosture("web-1", kDown4);
  StoredPosture v2 = this->MustPut(down, 1, kT0 + Duration(1000));
  EXPECT_EQ(v2.version, 2);
  auto stale = this->store().PutPosture(up, 1, MakeWriteContext(kT0));
  ASSERT_FALSE(stale.has_value());
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  auto got = this->store().GetPosture("web-1");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->version, 2);
  EXPECT_EQ((*got)->state, PostureState::kDown);
  EXPECT_EQ((*got)->status_json, down.status_json);
}

// Verifies two writers racing from the same version: exactly one wins, the other gets
// kConflict, and the stored record is the winner's.
TYPED_TEST(PostureStoreContract, TwoWritersOneConflict) {
  this->MustCreateAsset("web-1");
  this->MustPut(MakePosture("web-1", kUp3), 0);
  for (int round = 0; round < 20; ++round) {
    auto current = this->store().GetPosture("web-1");
    ASSERT_TRUE(current.has_value() && current->has_value());
    const int64_t v = (*current)->version;
    StoredPosture a = MakePosture("web-1", kUp3);
    StoredPosture b = MakePosture("web-1", kDown4);
    Result<StoredPosture> ra = Unexpected(ErrorCode::kInternal, "not run");
    Result<StoredPosture> rb = Unexpected(ErrorCode::kInternal, "not run");
    std::latch start(2);
    std::thread ta([&] {
      start.arrive_and_wait();
      ra = this->store().PutPosture(a, v, MakeWriteContext(kT0, "req-a"));
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      rb = this->store().PutPosture(b, v, MakeWriteContext(kT0, "req-b"));
    });
    ta.join();
    tb.join();
    ASSERT_NE(ra.has_value(), rb.has_value()) << Describe(ra) << " / " << Describe(rb);
    const Result<StoredPosture>& loser = ra.has_value() ? rb : ra;
    EXPECT_EQ(loser.error().code, ErrorCode::kConflict) << loser.error().message;
    const StoredPosture& winner = ra.has_value() ? a : b;
    auto got = this->store().GetPosture("web-1");
    ASSERT_TRUE(got.has_value() && got->has_value());
    EXPECT_EQ((*got)->version, v + 1);
    EXPECT_EQ((*got)->status_json, winner.status_json);
  }
}

// Verifies the asset rules: an unknown asset is kNotFound for reads and writes; a soft-deleted
// asset's record is hidden (404, not listed, not counted, not due) and cannot be written.
TYPED_TEST(PostureStoreContract, UnknownAndDeletedAssets) {
  auto get = this->store().GetPosture("nope");
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code, ErrorCode::kNotFound);
  auto put = this->store().PutPosture(MakePosture("nope", kUp3), 0, MakeWriteContext(kT0));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kNotFound);

  this->MustCreateAsset("gone");
  this->MustPut(MakePosture("gone", kDown4), 0);
  ASSERT_TRUE(this->store().DeleteAsset("gone", MakeWriteContext(kT0)).has_value());
  auto hidden = this->store().GetPosture("gone");
  ASSERT_FALSE(hidden.has_value());
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
  auto write = this->store().PutPosture(MakePosture("gone", kUp3), 1, MakeWriteContext(kT0));
  ASSERT_FALSE(write.has_value());
  EXPECT_EQ(write.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(this->ListAll({}).empty());
  auto counts = this->store().CountPostureByState();
  ASSERT_TRUE(counts.has_value()) << Describe(counts);
  EXPECT_TRUE(counts->empty());
  auto due = this->store().ListPostureDue(kT0 + Duration(86'400'000), std::nullopt, 100);
  ASSERT_TRUE(due.has_value()) << Describe(due);
  EXPECT_TRUE(due->items.empty());
}

// Verifies a soft-deleted asset created again under the same key starts without a posture
// record (never derived: version 0 writes it afresh), not with its old incarnation's.
TYPED_TEST(PostureStoreContract, RecreatedAssetStartsWithoutItsOldRecord) {
  this->MustCreateAsset("again");
  this->MustPut(MakePosture("again", kDown4), 0);
  ASSERT_TRUE(this->store().DeleteAsset("again", MakeWriteContext(kT0)).has_value());
  this->MustCreateAsset("again");
  auto got = this->store().GetPosture("again");
  ASSERT_TRUE(got.has_value()) << Describe(got);
  EXPECT_FALSE(got->has_value()) << "the old record came back";
  auto stale_write = this->store().PutPosture(MakePosture("again", kUp3), 1, MakeWriteContext(kT0));
  ASSERT_FALSE(stale_write.has_value());
  EXPECT_EQ(stale_write.error().code, ErrorCode::kConflict);
  auto fresh = this->store().PutPosture(MakePosture("again", kUp3), 0, MakeWriteContext(kT0));
  ASSERT_TRUE(fresh.has_value()) << Describe(fresh);
  EXPECT_EQ(fresh->version, 1);
}

// Verifies malformed records are refused with kInvalidArgument and store nothing.
TYPED_TEST(PostureStoreContract, RejectsMalformedRecords) {
  this->MustCreateAsset("web-1");
  const StoredPosture good = MakePosture("web-1", kUp3);
  std::vector<StoredPosture> bad(6, good);
  bad[0].score = 101;
  bad[1].confidence = -1;
  bad[2].grade = "";
  bad[3].status_json = "{not json";
  bad[4].score_json = "[]";
  bad[5].transitions_json = "{}";
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = this->store().PutPosture(bad[i], 0, MakeWriteContext(kT0));
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << i << ": " << r.error().message;
  }
  auto got = this->store().GetPosture("web-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_value());
  EXPECT_TRUE(this->PostureAudit().empty());
}

// Verifies the list: every active asset (never derived ones as unknown, version 0, no
// documents), ordered by asset, filtered by state and grade, paged; counts over all assets.
TYPED_TEST(PostureStoreContract, ListFiltersPagesAndCounts) {
  for (const char* k : {"a-up", "b-down", "c-never", "d-up-findings", "e-down"})
    this->MustCreateAsset(k);
  this->MustPut(MakePosture("a-up", kUp3), 0);
  this->MustPut(MakePosture("b-down", kDown4), 0);
  this->MustPut(MakePosture("d-up-findings", kUp3, 2), 0);  // 2 high: score 80, grade B
  this->MustPut(MakePosture("e-down", kDown4), 0);

  auto all = this->ListAll({});
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].asset_key, "a-up");
  EXPECT_EQ(all[2].asset_key, "c-never");
  EXPECT_EQ(all[2].state, PostureState::kUnknown);
  EXPECT_EQ(all[2].version, 0);
  EXPECT_TRUE(all[2].grade.empty());
  for (const auto& p : all) EXPECT_TRUE(p.status_json.empty()) << p.asset_key;
  EXPECT_EQ(all[1].state, PostureState::kDown);
  EXPECT_EQ(all[1].version, 1);
  EXPECT_EQ(all[1].since, MakePosture("b-down", kDown4).since);
  EXPECT_EQ(all[1].last_result_at, MakePosture("b-down", kDown4).last_result_at);
  EXPECT_EQ(all[3].grade, "B");
  EXPECT_EQ(all[3].score, 80);

  auto paged = this->ListAll({}, 2);
  ASSERT_EQ(paged.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(paged[i].asset_key, all[i].asset_key);

  auto down = this->ListAll({.state = PostureState::kDown});
  ASSERT_EQ(down.size(), 2u);
  EXPECT_EQ(down[0].asset_key, "b-down");
  EXPECT_EQ(down[1].asset_key, "e-down");
  auto unknown = this->ListAll({.state = PostureState::kUnknown});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].asset_key, "c-never");
  auto grade_b = this->ListAll({.grade = "B"});
  ASSERT_EQ(grade_b.size(), 1u);
  EXPECT_EQ(grade_b[0].asset_key, "d-up-findings");
  auto up_a = this->ListAll({.state = PostureState::kUp, .grade = "A"});
  ASSERT_EQ(up_a.size(), 1u);
  EXPECT_EQ(up_a[0].asset_key, "a-up");
  EXPECT_TRUE(this->ListAll({.state = PostureState::kFlapping}).empty());

  auto counts = this->store().CountPostureByState();
  ASSERT_TRUE(counts.has_value()) << Describe(counts);
  std::map<PostureState, int64_t> expected = {
      {PostureState::kUp, 2}, {PostureState::kDown, 2}, {PostureState::kUnknown, 1}};
  EXPECT_EQ(*counts, expected);
}

// Verifies the due list: only records with check_by <= now, ascending by (check_by, key), paged
// with the returned key; an update that clears check_by drops the asset.
TYPED_TEST(PostureStoreContract, DueListOrderAndPaging) {
  std::vector<std::string> keys = {"k3", "k1", "k2", "k4"};
  for (const auto& k : keys) this->MustCreateAsset(k);
  // k1 and k3 due at the same instant; k2 earlier; k4 later than `now`.
  auto with_check_by = [](std::string key, Timestamp t) {
    StoredPosture p = MakePosture(key, kUp3);
    p.check_by = t;
    return p;
  };
  this->MustPut(with_check_by("k1", kT0 + Duration(5000)), 0);
  this->MustPut(with_check_by("k3", kT0 + Duration(5000)), 0);
  this->MustPut(with_check_by("k2", kT0 + Duration(1000)), 0);
  this->MustPut(with_check_by("k4", kT0 + Duration(9000)), 0);
  const Timestamp now = kT0 + Duration(5000);
  std::vector<PostureDueKey> seen;
  std::optional<PostureDueKey> after;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = this->store().ListPostureDue(now, after, 1);
    ASSERT_TRUE(page.has_value()) << Describe(page);
    seen.insert(seen.end(), page->items.begin(), page->items.end());
    if (!page->next_after) break;
    after = page->next_after;
  }
  std::vector<PostureDueKey> expected = {
      {kT0 + Duration(1000), "k2"}, {kT0 + Duration(5000), "k1"}, {kT0 + Duration(5000), "k3"}};
  EXPECT_EQ(seen, expected);

  StoredPosture cleared = MakePosture("k2", kUp3);
  cleared.check_by.reset();
  this->MustPut(cleared, 1);
  auto again = this->store().ListPostureDue(now, std::nullopt, 100);
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->items.size(), 2u);
  EXPECT_EQ(again->items[0].asset_key, "k1");
}

// Verifies the lists follow every update of a filtered or sorted column, changed alone or
// together, and stay put when a write keeps it: state, grade and check_by (the SQLite store
// assigns these only when they change).
TYPED_TEST(PostureStoreContract, ListsFollowEachChangedColumn) {
  this->MustCreateAsset("web-1");
  this->MustCreateAsset("web-2");
  auto record = [](std::string key, const std::vector<CheckOutcome>& outcomes, std::string grade,
                   std::optional<Timestamp> check_by) {
    StoredPosture p = MakePosture(std::move(key), outcomes);
    p.grade = std::move(grade);
    p.check_by = check_by;
    return p;
  };
  const Timestamp now = kT0 + Duration(60000);
  auto keys = [](const std::vector<StoredPosture>& items) {
    std::vector<std::string> out;
    for (const auto& p : items) out.push_back(p.asset_key);
    return out;
  };
  auto due = [&] {
    std::vector<std::string> out;
    auto page = this->store().ListPostureDue(now, std::nullopt, 100);
    EXPECT_TRUE(page.has_value()) << Describe(page);
    if (page.has_value())
      for (const auto& k : page->items) out.push_back(k.asset_key);
    return out;
  };
  using V = std::vector<std::string>;
  this->MustPut(record("web-2", kUp3, "A", std::nullopt), 0);
  int64_t v = this->MustPut(record("web-1", kUp3, "A", kT0 + Duration(1000)), 0).version;
  EXPECT_EQ(due(), V{"web-1"});
  // Grade alone.
  v = this->MustPut(record("web-1", kUp3, "C", kT0 + Duration(1000)), v).version;
  EXPECT_EQ(keys(this->ListAll({.grade = "C"})), V{"web-1"});
  EXPECT_EQ(keys(this->ListAll({.grade = "A"})), V{"web-2"});
  // State alone.
  v = this->MustPut(record("web-1", kDown4, "C", kT0 + Duration(1000)), v).version;
  EXPECT_EQ(keys(this->ListAll({.state = PostureState::kDown})), V{"web-1"});
  EXPECT_EQ(keys(this->ListAll({.state = PostureState::kUp})), V{"web-2"});
  EXPECT_EQ(keys(this->ListAll({.grade = "C"})), V{"web-1"});
  EXPECT_EQ(due(), V{"web-1"});
  // check_by alone: later than now, then back, then cleared.
  v = this->MustPut(record("web-1", kDown4, "C", now + Duration(1)), v).version;
  EXPECT_TRUE(due().empty());
  v = this->MustPut(record("web-1", kDown4, "C", kT0 + Duration(2000)), v).version;
  EXPECT_EQ(due(), V{"web-1"});
  v = this->MustPut(record("web-1", kDown4, "C", std::nullopt), v).version;
  EXPECT_TRUE(due().empty());
  // All three at once, and a rewrite that keeps them.
  v = this->MustPut(record("web-1", kUp3, "B", kT0 + Duration(3000)), v).version;
  v = this->MustPut(record("web-1", kUp3, "B", kT0 + Duration(3000)), v).version;
  EXPECT_EQ(v, 8);
  EXPECT_EQ(keys(this->ListAll({.state = PostureState::kUp, .grade = "B"})), V{"web-1"});
  EXPECT_TRUE(this->ListAll({.state = PostureState::kDown}).empty());
  EXPECT_TRUE(this->ListAll({.grade = "C"}).empty());
  EXPECT_EQ(due(), V{"web-1"});
  auto counts = this->store().CountPostureByState();
  ASSERT_TRUE(counts.has_value()) << Describe(counts);
  EXPECT_EQ(*counts, (std::map<PostureState, int64_t>{{PostureState::kUp, 2}}));
  auto stored = this->store().GetPosture("web-1");
  ASSERT_TRUE(stored.has_value() && stored->has_value()) << Describe(stored);
  EXPECT_EQ((*stored)->grade, "B");
  EXPECT_EQ((*stored)->check_by, kT0 + Duration(3000));
}

// Verifies the audit policy: a row when the record is created and when its state changes
// (before/after naming the states), none for a rewrite with the same state.
TYPED_TEST(PostureStoreContract, AuditsCreationAndStateChangesOnly) {
  this->MustCreateAsset("web-1");
  this->MustPut(MakePosture("web-1", kUp3), 0);
  this->MustPut(MakePosture("web-1", kUp3), 1);
  this->MustPut(MakePosture("web-1", kUp3), 2);
  this->MustPut(MakePosture("web-1", kDown4), 3);
  this->MustPut(MakePosture("web-1", kDown4), 4);
  auto audit = this->PostureAudit();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].target, "posture:web-1");
  EXPECT_TRUE(audit[0].before_json.empty());
  auto created = nlohmann::json::parse(audit[0].after_json);
  EXPECT_EQ(created["state"], "up");
  EXPECT_EQ(created["version"], 1);
  auto before = nlohmann::json::parse(audit[1].before_json);
  auto after = nlohmann::json::parse(audit[1].after_json);
  EXPECT_EQ(before["state"], "up");
  EXPECT_EQ(before["version"], 3);
  EXPECT_EQ(after["state"], "down");
  EXPECT_EQ(after["version"], 4);
  EXPECT_EQ(audit[1].request_id, "req-1");
}

// Verifies PutPostures: each write its own compare-and-set with its own outcome, in order — a
// first write, an update, a stale version (kConflict), an unknown and a deleted asset
// (kNotFound), a malformed record (kInvalidArgument) — the others stored as PutPosture would
// store them, and the audit rule applied per write.
TYPED_TEST(PostureStoreContract, PutPosturesGivesEachWriteItsOwnOutcome) {
  for (const char* k : {"b-new", "b-update", "b-stale", "b-gone", "b-bad"})
    this->MustCreateAsset(k);
  this->MustPut(MakePosture("b-update", kUp3), 0);
  this->MustPut(MakePosture("b-stale", kUp3), 0);
  this->MustPut(MakePosture("b-stale", kUp3), 1);
  this->MustPut(MakePosture("b-gone", kUp3), 0);
  ASSERT_TRUE(this->store().DeleteAsset("b-gone", MakeWriteContext(kT0)).has_value());
  StoredPosture bad = MakePosture("b-bad", kUp3);
  bad.score = 101;
  const std::vector<ports::store::StoredPostureWrite> writes = {
      {MakePosture("b-new", kDown4), 0},   {MakePosture("b-update", kDown4), 1},
      {MakePosture("b-stale", kDown4), 1}, {MakePosture("b-absent", kUp3), 0},
      {MakePosture("b-gone", kDown4), 1},  {bad, 0},
  };
  const Timestamp now = kT0 + Duration(60'000);
  auto out = this->store().PutPostures(writes, MakeWriteContext(now));
  ASSERT_TRUE(out.has_value()) << Describe(out);
  ASSERT_EQ(out->size(), writes.size());
  ASSERT_TRUE((*out)[0].has_value()) << Describe((*out)[0]);
  EXPECT_EQ((*out)[0]->version, 1);
  EXPECT_EQ((*out)[0]->updated_at, now);
  ASSERT_TRUE((*out)[1].has_value()) << Describe((*out)[1]);
  EXPECT_EQ((*out)[1]->version, 2);
  ASSERT_FALSE((*out)[2].has_value());
  EXPECT_EQ((*out)[2].error().code, ErrorCode::kConflict) << (*out)[2].error().message;
  ASSERT_FALSE((*out)[3].has_value());
  EXPECT_EQ((*out)[3].error().code, ErrorCode::kNotFound);
  ASSERT_FALSE((*out)[4].has_value());
  EXPECT_EQ((*out)[4].error().code, ErrorCode::kNotFound);
  ASSERT_FALSE((*out)[5].has_value());
  EXPECT_EQ((*out)[5].error().code, ErrorCode::kInvalidArgument);

  auto fresh = this->store().GetPosture("b-new");
  ASSERT_TRUE(fresh.has_value() && fresh->has_value());
  EXPECT_EQ((*fresh)->status_json, writes[0].record.status_json);
  EXPECT_EQ((*fresh)->state, PostureState::kDown);
  auto stale = this->store().GetPosture("b-stale");
  ASSERT_TRUE(stale.has_value() && stale->has_value());
  EXPECT_EQ((*stale)->version, 2);
  EXPECT_EQ((*stale)->state, PostureState::kUp);
  auto never = this->store().GetPosture("b-bad");
  ASSERT_TRUE(never.has_value());
  EXPECT_FALSE(never->has_value());
  // Audit: 3 creations by MustPut, then b-new created and b-update changed state.
  auto audit = this->PostureAudit();
  ASSERT_EQ(audit.size(), 5u);
  EXPECT_EQ(audit[3].target, "posture:b-new");
  EXPECT_EQ(audit[4].target, "posture:b-update");
}

// Verifies GetPostures answers each key in order as GetPosture would: the record with its
// documents, nullopt for an asset never derived, kNotFound for unknown and deleted assets.
TYPED_TEST(PostureStoreContract, GetPosturesAnswersEachKeyAsGetPosture) {
  for (const char* k : {"g-derived", "g-never", "g-gone"}) this->MustCreateAsset(k);
  StoredPosture derived = this->MustPut(MakePosture("g-derived", kDown4), 0);
  this->MustPut(MakePosture("g-gone", kUp3), 0);
  ASSERT_TRUE(this->store().DeleteAsset("g-gone", MakeWriteContext(kT0)).has_value());
  const std::vector<std::string> keys = {"g-never", "g-derived", "g-absent", "g-gone", "g-derived"};
  auto out = this->store().GetPostures(keys);
  ASSERT_TRUE(out.has_value()) << Describe(out);
  ASSERT_EQ(out->size(), keys.size());
  ASSERT_TRUE((*out)[0].has_value());
  EXPECT_FALSE((*out)[0]->has_value());
  ASSERT_TRUE((*out)[1].has_value() && (*out)[1]->has_value());
  EXPECT_EQ((*out)[1]->value(), derived);
  EXPECT_EQ((*out)[2].error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*out)[3].error().code, ErrorCode::kNotFound);
  ASSERT_TRUE((*out)[4].has_value() && (*out)[4]->has_value());
  EXPECT_EQ((*out)[4]->value().status_json, derived.status_json);
}

// Verifies GetPostureInputs answers each key in order as GetPostures, GetAsset and CountFindings
// (open findings of the asset) would: the asset with its labels and scan settings, its record
// (nullopt: never derived) and its open findings; kNotFound for unknown and deleted assets.
TYPED_TEST(PostureStoreContract, GetPostureInputsAnswersEachKeyAsTheSingleReads) {
  auto with_children = MakeAsset("i-derived", {{"env", "prod"}, {"tier", "1"}});
  with_children.scan.emplace("health_http",
                             core::model::ScanSetting{.enabled = true, .interval_seconds = 30});
  with_children.scan.emplace("tls", core::model::ScanSetting{.enabled = false});
  ASSERT_TRUE(this->store().CreateAsset(with_children, MakeWriteContext(kT0)).has_value());
  for (const char* k : {"i-never", "i-gone"}) this->MustCreateAsset(k);
  StoredPosture derived = this->MustPut(MakePosture("i-derived", kDown4), 0);
  this->MustPut(MakePosture("i-gone", kUp3), 0);
  using core::model::Severity;
  for (auto [key, asset, sev] : {std::tuple{"f1", "i-derived", Severity::kHigh},
                                 {"f2", "i-derived", Severity::kCritical},
                                 {"f3", "i-derived", Severity::kLow},
                                 {"f4", "i-never", Severity::kMedium}}) {
    auto o = MakeObservation(key, asset, kT0);
    o.severity = sev;
    ASSERT_TRUE(this->store().UpsertFinding(o, MakeWriteContext(kT0)).has_value());
  }
  core::findings::StatusChange resolve;
  resolve.to = core::model::FindingStatus::kResolved;
  resolve.actor = "tester";
  ASSERT_TRUE(this->store().ChangeFindingStatus("f3", resolve, MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(this->store().DeleteAsset("i-gone", MakeWriteContext(kT0)).has_value());

  const std::vector<std::string> keys = {"i-never", "i-derived", "i-absent", "i-gone", "i-derived"};
  auto out = this->store().GetPostureInputs(keys);
  ASSERT_TRUE(out.has_value()) << Describe(out);
  ASSERT_EQ(out->size(), keys.size());
  for (size_t i : {size_t{0}, size_t{1}, size_t{4}}) {
    SCOPED_TRACE(keys[i]);
    ASSERT_TRUE((*out)[i].has_value()) << Describe((*out)[i]);
    const ports::store::PostureInputs& in = *(*out)[i];
    auto asset = this->store().GetAsset(keys[i]);
    ASSERT_TRUE(asset.has_value());
    EXPECT_EQ(in.asset, *asset);
    auto posture = this->store().GetPosture(keys[i]);
    ASSERT_TRUE(posture.has_value());
    EXPECT_EQ(in.posture, *posture);
    auto open = this->store().CountFindings(
        {.asset_key = keys[i], .status = core::model::FindingStatus::kOpen});
    ASSERT_TRUE(open.has_value());
    EXPECT_EQ(in.open_findings, *open);
  }
  const ports::store::PostureInputs& d = *(*out)[1];
  EXPECT_EQ(d.asset.labels, with_children.labels);
  EXPECT_EQ(d.asset.scan, with_children.scan);
  EXPECT_EQ(d.posture, derived);
  EXPECT_EQ(d.open_findings, (ports::store::FindingCounts{.high = 1, .critical = 1}));
  EXPECT_FALSE((*out)[0]->posture.has_value());
  EXPECT_EQ((*out)[0]->open_findings, (ports::store::FindingCounts{.medium = 1}));
  EXPECT_EQ((*out)[2].error().code, ErrorCode::kNotFound);
  EXPECT_EQ((*out)[3].error().code, ErrorCode::kNotFound);
}

// Verifies CountFindings counts per severity with the filter applied (asset, status) in one call.
TYPED_TEST(PostureStoreContract, CountFindingsBySeverity) {
  this->MustCreateAsset("web-1");
  this->MustCreateAsset("web-2");
  auto obs = [](std::string key, std::string asset, core::model::Severity sev) {
    auto o = MakeObservation(std::move(key), std::move(asset), kT0);
    o.severity = sev;
    return o;
  };
  using core::model::Severity;
  for (auto o : {obs("f1", "web-1", Severity::kHigh), obs("f2", "web-1", Severity::kHigh),
                 obs("f3", "web-1", Severity::kCritical), obs("f4", "web-1", Severity::kLow),
                 obs("f5", "web-2", Severity::kHigh)}) {
    ASSERT_TRUE(this->store().UpsertFinding(o, MakeWriteContext(kT0)).has_value());
  }
  core::findings::StatusChange resolve;
  resolve.to = core::model::FindingStatus::kResolved;
  resolve.actor = "tester";
  ASSERT_TRUE(this->store().ChangeFindingStatus("f4", resolve, MakeWriteContext(kT0)).has_value());

  auto open1 = this->store().CountFindings(
      {.asset_key = "web-1", .status = core::model::FindingStatus::kOpen});
  ASSERT_TRUE(open1.has_value()) << Describe(open1);
  EXPECT_EQ(*open1, (ports::store::FindingCounts{.high = 2, .critical = 1}));
  auto all = this->store().CountFindings({});
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(*all, (ports::store::FindingCounts{.low = 1, .high = 3, .critical = 1}));
  EXPECT_EQ(all->total(), 5);
  auto none = this->store().CountFindings({.asset_key = "nope"});
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->total(), 0);
}

}  // namespace
}  // namespace secplat::testing::posture_contract

#endif  // SECPLAT_TESTS_CONTRACT_POSTURE_STORE_CONTRACT_H_
