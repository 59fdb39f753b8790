// The contract every ports::store::NotificationStore implementation passes: one typed suite,
// instantiated once per backend by a small test file that defines the factory list first:
//
//   #include "tests/contract/sqlite_store_factory.h"
//   namespace secplat::testing {
//   using NotificationStoreFactories = ::testing::Types<SqliteStoreFactory>;
//   }  // namespace secplat::testing
//   #include "tests/contract/notification_store_contract.h"
//
// The factories are those of store_contract.h (name, SkipReason(), Make()). Calling Make() a
// second time on one factory gives a second store; when it sees the first store's rows (SQLite:
// the same file; PostgreSQL: the same database) the concurrency test races the two, otherwise
// it races threads on one store. Names live in namespace notification_contract so that several
// suites can be included in one test file. Documents are opaque JSON objects and must come back
// byte for byte (whitespace, key order and escapes included); audit before/after are compared
// as parsed JSON.
#ifndef SECPLAT_TESTS_CONTRACT_NOTIFICATION_STORE_CONTRACT_H_
#define SECPLAT_TESTS_CONTRACT_NOTIFICATION_STORE_CONTRACT_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/model/notification.h"
#include "ports/store/store.h"
#include "tests/support/store_builders.h"

namespace secplat::testing::notification_contract {
namespace {

using core::model::DeliveryState;
using ports::store::CreatedDeliveryRow;
using ports::store::DeliveryAttemptRow;
using ports::store::NotificationFilter;
using ports::store::PageRequest;
using ports::store::StoredChannelHealth;
using ports::store::StoredDeliveryRow;
using ports::store::StoredNotifyLog;
using ports::store::StoredRouting;

struct Names {
  template <typename F>
  static std::string GetName(int) {
    return F::kName;
  }
};

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z

Timestamp At(int64_t ms_after_t0) { return kT0 + Duration(ms_after_t0); }

template <typename T>
std::string Describe(const Result<T>& r) {
  if (r.has_value()) return "ok";
  return std::string(ErrorCodeName(r.error().code)) + ": " + r.error().message;
}

nlohmann::json ParseJson(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

// A JSON object no backend would produce by re-encoding: odd spacing, unsorted keys, escapes,
// non-ASCII text and a number written with an exponent. It must come back exactly.
std::string Doc(const std::string& tag) {
  return "{ \"z\" :1,\"tag\":\"" + tag +
         "\",  \"a\":[true ,false,null],\"s\":\"h\\u00e9llo \\\"q\\\" \xE2\x9C\x93\",\n"
         "\t\"n\": 1.50e3 }";
}

StoredNotifyLog MakeLog(std::string channel, std::string problem_key, bool firing,
                        std::optional<Timestamp> next_repeat_at) {
  StoredNotifyLog r;
  r.channel = std::move(channel);
  r.problem_key = std::move(problem_key);
  r.firing = firing;
  r.next_repeat_at = next_repeat_at;
  r.document = Doc("log " + r.channel + "/" + r.problem_key);
  return r;
}

StoredDeliveryRow MakeDelivery(std::string key, std::string event_id, std::string channel,
                               std::string asset_key = "web-1",
                               DeliveryState state = DeliveryState::kPending,
                               std::optional<Timestamp> next_attempt_at = kT0,
                               Timestamp created_at = kT0) {
  StoredDeliveryRow r;
  r.idempotency_key = std::move(key);
  r.event_id = std::move(event_id);
  r.channel = std::move(channel);
  r.asset_key = std::move(asset_key);
  r.state = state;
  r.next_attempt_at = next_attempt_at;
  r.created_at = created_at;
  r.document = Doc("delivery " + r.idempotency_key);
  return r;
}

DeliveryAttemptRow MakeAttempt(const std::string& key, int n, Timestamp at) {
  return DeliveryAttemptRow{
      .idempotency_key = key,
      .attempt = n,
      .at = at,
      .document = "{\"status\": 503, \"class\":\"server_error\", \"n\":" + std::to_string(n) + "}"};
}

StoredRouting MakeRouting(std::string event_id, std::string asset_key, Timestamp decided_at) {
  StoredRouting r;
  r.event_id = std::move(event_id);
  r.event_type = "posture.changed";
  r.asset_key = std::move(asset_key);
  r.decided_at = decided_at;
  r.document = Doc("routing " + r.event_id);
  return r;
}

bool IsTerminal(DeliveryState s) {
  return s == DeliveryState::kDelivered || s == DeliveryState::kFailedPermanent ||
         s == DeliveryState::kDead;
}

template <typename Factory>
class NotificationStoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto reason = Factory::SkipReason()) GTEST_SKIP() << *reason;
    auto made = factory_.Make();
    ASSERT_TRUE(made.has_value()) << Describe(made);
    store_ = std::move(made).value();
  }

  ports::store::Store& store() { return *store_; }

  // Stores `row` at version expected + 1 (at `now`), asserting success.
  StoredNotifyLog MustPutLog(const StoredNotifyLog& row, int64_t expected, Timestamp now = kT0) {
    auto r = store_->PutNotifyLog(row, expected, MakeWriteContext(now));
    EXPECT_TRUE(r.has_value()) << Describe(r);
    return r.has_value() ? *r : StoredNotifyLog{};
  }

  // Creates `row` (at `now`), asserting it is new.
  StoredDeliveryRow MustCreate(const StoredDeliveryRow& row, Timestamp now = kT0) {
    auto r = store_->CreateDelivery(row, MakeWriteContext(now));
    EXPECT_TRUE(r.has_value()) << Describe(r);
    if (!r.has_value()) return {};
    EXPECT_TRUE(r->created) << row.idempotency_key;
    return r->row;
  }

  StoredDeliveryRow MustPut(const StoredDeliveryRow& row, int64_t expected,
                            const std::optional<DeliveryAttemptRow>& attempt = std::nullopt,
                            Timestamp now = kT0) {
    auto r = store_->PutDelivery(row, expected, attempt, MakeWriteContext(now));
    EXPECT_TRUE(r.has_value()) << Describe(r);
    return r.has_value() ? *r : StoredDeliveryRow{};
  }

  void MustPutRouting(const StoredRouting& row) {
    auto r = store_->PutRouting(row, MakeWriteContext(row.decided_at));
    ASSERT_TRUE(r.has_value()) << Describe(r);
  }

  StoredDeliveryRow MustGet(const std::string& key) {
    auto r = store_->GetDelivery(key);
    EXPECT_TRUE(r.has_value()) << key << ": " << Describe(r);
    return r.has_value() ? *r : StoredDeliveryRow{};
  }

  std::vector<DeliveryAttemptRow> Attempts(const std::string& key) {
    auto r = store_->ListDeliveryAttempts(key);
    EXPECT_TRUE(r.has_value()) << Describe(r);
    return r.has_value() ? *r : std::vector<DeliveryAttemptRow>{};
  }

  std::vector<core::model::AuditEntry> Audit() {
    std::vector<core::model::AuditEntry> out;
    PageRequest page{.after = 0, .limit = 1000};
    while (true) {
      auto p = store_->ListAudit(page);
      EXPECT_TRUE(p.has_value()) << Describe(p);
      if (!p.has_value()) break;
      out.insert(out.end(), p->items.begin(), p->items.end());
      if (p->next_after == 0) break;
      page.after = p->next_after;
    }
    return out;
  }

  // Every item of ListDeliveries(filter), walking pages of `limit`.
  std::vector<StoredDeliveryRow> AllDeliveries(const NotificationFilter& filter, int limit = 1000) {
    std::vector<StoredDeliveryRow> out;
    PageRequest page{.after = 0, .limit = limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto p = store_->ListDeliveries(filter, page);
      EXPECT_TRUE(p.has_value()) << Describe(p);
      if (!p.has_value()) break;
      EXPECT_LE(p->items.size(), static_cast<size_t>(limit));
      out.insert(out.end(), p->items.begin(), p->items.end());
      if (p->next_after == 0) break;
      page.after = p->next_after;
    }
    return out;
  }

  std::vector<StoredRouting> AllRouting(const NotificationFilter& filter, int limit = 1000) {
    std::vector<StoredRouting> out;
    PageRequest page{.after = 0, .limit = limit};
    for (int guard = 0; guard < 1000; ++guard) {
      auto p = store_->ListRouting(filter, page);
      EXPECT_TRUE(p.has_value()) << Describe(p);
      if (!p.has_value()) break;
      EXPECT_LE(p->items.size(), static_cast<size_t>(limit));
      out.insert(out.end(), p->items.begin(), p->items.end());
      if (p->next_after == 0) break;
      page.after = p->next_after;
    }
    return out;
  }

  Factory factory_;
  std::unique_ptr<ports::store::Store> store_;
};

TYPED_TEST_SUITE(NotificationStoreContract, NotificationStoreFactories, Names);

std::vector<std::string> Keys(const std::vector<StoredDeliveryRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.idempotency_key);
  return out;
}

std::vector<std::string> EventIds(const std::vector<StoredRouting>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.event_id);
  return out;
}

// ---- notification log ----------------------------------------------------------------------

// Verifies an unknown entry reads as nullopt, the first write (expected version 0) stores every
// field with version 1 and updated_at = ctx.now, and the next write bumps both.
TYPED_TEST(NotificationStoreContract, NotifyLogFirstWriteRoundTripsAndVersionIncrements) {
  auto none = this->store().GetNotifyLog("slack-ops", "web-1/health");
  ASSERT_TRUE(none.has_value()) << Describe(none);
  EXPECT_FALSE(none->has_value());

  StoredNotifyLog row = MakeLog("slack-ops", "web-1/health", true, At(600'000));
  row.version = 42;            // ignored: the store sets it
  row.updated_at = At(-1000);  // ignored: ctx.now is written
  StoredNotifyLog v1 = this->MustPutLog(row, 0, At(1000));
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.updated_at, At(1000));
  StoredNotifyLog expected = row;
  expected.version = 1;
  expected.updated_at = At(1000);
  EXPECT_EQ(v1, expected);
  auto got = this->store().GetNotifyLog("slack-ops", "web-1/health");
  ASSERT_TRUE(got.has_value() && got->has_value()) << Describe(got);
  EXPECT_EQ(**got, expected);
  EXPECT_EQ((*got)->document, row.document);  // byte for byte

  StoredNotifyLog resolved = MakeLog("slack-ops", "web-1/health", false, std::nullopt);
  resolved.document = "{\"status\":\"resolved\"}";
  StoredNotifyLog v2 = this->MustPutLog(resolved, 1, At(2000));
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.updated_at, At(2000));
  got = this->store().GetNotifyLog("slack-ops", "web-1/health");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ((*got)->version, 2);
  EXPECT_FALSE((*got)->firing);
  EXPECT_FALSE((*got)->next_repeat_at.has_value());
  EXPECT_EQ((*got)->document, resolved.document);

  // The key is the pair: another problem on the channel, or the problem on another channel, is
  // a separate entry.
  this->MustPutLog(MakeLog("slack-ops", "web-2/health", true, At(1)), 0);
  this->MustPutLog(MakeLog("pager", "web-1/health", true, At(1)), 0);
  auto other = this->store().GetNotifyLog("pager", "web-1/health");
  ASSERT_TRUE(other.has_value() && other->has_value());
  EXPECT_EQ((*other)->version, 1);
}

// Verifies the compare-and-set: creating over an existing entry, a stale or a future version
// are refused with kConflict naming both versions, and change nothing.
TYPED_TEST(NotificationStoreContract, NotifyLogConflictsOnStaleVersion) {
  StoredNotifyLog row = MakeLog("slack-ops", "web-1/health", true, At(600'000));
  this->MustPutLog(row, 0);
  StoredNotifyLog v2 = this->MustPutLog(row, 1, At(5));
  ASSERT_EQ(v2.version, 2);

  StoredNotifyLog other = MakeLog("slack-ops", "web-1/health", false, std::nullopt);
  for (int64_t expected : {0, 1, 7}) {
    auto r = this->store().PutNotifyLog(other, expected, MakeWriteContext(At(9)));
    ASSERT_FALSE(r.has_value()) << expected;
    EXPECT_EQ(r.error().code, ErrorCode::kConflict) << r.error().message;
    EXPECT_NE(r.error().message.find('2'), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(std::to_string(expected)), std::string::npos)
        << r.error().message;
  }
  // An entry that does not exist is at version 0: expecting 1 conflicts too.
  auto missing = this->store().PutNotifyLog(MakeLog("slack-ops", "nope", true, std::nullopt), 1,
                                            MakeWriteContext(kT0));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kConflict);

  auto got = this->store().GetNotifyLog("slack-ops", "web-1/health");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ(**got, v2);
  auto none = this->store().GetNotifyLog("slack-ops", "nope");
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value());
}

// Verifies malformed entries are refused with kInvalidArgument and store nothing.
TYPED_TEST(NotificationStoreContract, NotifyLogRejectsInvalidArguments) {
  const StoredNotifyLog good = MakeLog("slack-ops", "web-1/health", true, kT0);
  std::vector<StoredNotifyLog> bad(7, good);
  bad[0].channel = "";
  bad[1].problem_key = "";
  bad[2].document = "";
  bad[3].document = "[1, 2]";
  bad[4].document = "\"a string\"";
  bad[5].document = "{\"unclosed\": 1";
  bad[6].document = "{} trailing";
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = this->store().PutNotifyLog(bad[i], 0, MakeWriteContext(kT0));
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << i << ": " << r.error().message;
  }
  auto got = this->store().GetNotifyLog("slack-ops", "web-1/health");
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->has_value());
  auto due = this->store().ListRepeatDue(At(1'000'000), 1000);
  ASSERT_TRUE(due.has_value());
  EXPECT_TRUE(due->empty());
}

// Verifies ListRepeatDue: firing entries only, next_repeat_at <= now (inclusive), ascending by
// (next_repeat_at, channel, problem_key), at most `limit`.
TYPED_TEST(NotificationStoreContract, ListRepeatDueOrderFiringOnlyAndLimit) {
  this->MustPutLog(MakeLog("b-chan", "p1", true, At(5000)), 0);
  this->MustPutLog(MakeLog("a-chan", "p2", true, At(5000)), 0);
  this->MustPutLog(MakeLog("a-chan", "p1", true, At(5000)), 0);
  this->MustPutLog(MakeLog("z-chan", "early", true, At(1000)), 0);
  this->MustPutLog(MakeLog("a-chan", "later", true, At(5001)), 0);          // not yet due
  this->MustPutLog(MakeLog("a-chan", "resolved", false, At(10)), 0);        // not firing
  this->MustPutLog(MakeLog("a-chan", "no-repeat", true, std::nullopt), 0);  // nothing scheduled

  auto due = this->store().ListRepeatDue(At(5000), 100);
  ASSERT_TRUE(due.has_value()) << Describe(due);
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& r : *due) keys.emplace_back(r.channel, r.problem_key);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"z-chan", "early"}, {"a-chan", "p1"}, {"a-chan", "p2"}, {"b-chan", "p1"}};
  EXPECT_EQ(keys, expected);
  ASSERT_FALSE(due->empty());
  EXPECT_EQ(due->front().document, Doc("log z-chan/early"));
  EXPECT_EQ(due->front().version, 1);

  auto two = this->store().ListRepeatDue(At(5000), 2);
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].problem_key, "p1");
  for (int limit : {0, -5}) {  // clamped up to 1
    auto one = this->store().ListRepeatDue(At(5000), limit);
    ASSERT_TRUE(one.has_value()) << Describe(one);
    ASSERT_EQ(one->size(), 1u) << limit;
    EXPECT_EQ((*one)[0].channel, "z-chan");
  }

  // Resolving an entry takes it off the list even though next_repeat_at stays set.
  StoredNotifyLog off = MakeLog("z-chan", "early", false, At(1000));
  this->MustPutLog(off, 1);
  auto after = this->store().ListRepeatDue(At(5000), 100);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->size(), 3u);
  auto none = this->store().ListRepeatDue(At(999), 100);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

// Verifies the upper clamp: with 1001 entries due, a limit above 1000 returns 1000.
TYPED_TEST(NotificationStoreContract, ListRepeatDueClampsLimitTo1000) {
  for (int i = 0; i < 1001; ++i)
    this->MustPutLog(MakeLog("chan", "p" + std::to_string(10000 + i), true, At(i)), 0);
  auto due = this->store().ListRepeatDue(At(1'000'000), 5000);
  ASSERT_TRUE(due.has_value()) << Describe(due);
  ASSERT_EQ(due->size(), 1000u);
  EXPECT_EQ(due->front().problem_key, "p10000");
  EXPECT_EQ(due->back().problem_key, "p10999");
}

// ---- deliveries ----------------------------------------------------------------------------

// Verifies CreateDelivery stores version 1 and updated_at = ctx.now, and a second create of the
// key (with other fields) returns the stored row unchanged with created = false.
TYPED_TEST(NotificationStoreContract, CreateDeliveryIsIdempotent) {
  StoredDeliveryRow row = MakeDelivery("ntf_1", "evt_1", "slack-ops", "web-1",
                                       DeliveryState::kPending, At(100), At(50));
  row.sending = true;
  row.attempts = 0;
  row.version = 9;  // ignored
  auto first = this->store().CreateDelivery(row, MakeWriteContext(At(60)));
  ASSERT_TRUE(first.has_value()) << Describe(first);
  EXPECT_TRUE(first->created);
  StoredDeliveryRow expected = row;
  expected.version = 1;
  expected.updated_at = At(60);
  EXPECT_EQ(first->row, expected);
  EXPECT_EQ(this->MustGet("ntf_1"), expected);

  StoredDeliveryRow again = MakeDelivery("ntf_1", "evt_other", "pager", "web-9",
                                         DeliveryState::kRetrying, At(999), At(900));
  again.document = "{\"different\":true}";
  auto second = this->store().CreateDelivery(again, MakeWriteContext(At(70)));
  ASSERT_TRUE(second.has_value()) << Describe(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->row, expected);
  EXPECT_EQ(this->MustGet("ntf_1"), expected);
  EXPECT_EQ(this->AllDeliveries({}).size(), 1u);

  auto missing = this->store().GetDelivery("ntf_nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

// Verifies malformed deliveries are refused with kInvalidArgument and store nothing; an empty
// asset key is allowed (an event about no asset).
TYPED_TEST(NotificationStoreContract, CreateDeliveryRejectsInvalidArguments) {
  const StoredDeliveryRow good = MakeDelivery("ntf_1", "evt_1", "slack-ops");
  std::vector<StoredDeliveryRow> bad(6, good);
  bad[0].idempotency_key = "";
  bad[1].event_id = "";
  bad[2].channel = "";
  bad[3].document = "";
  bad[4].document = "[]";
  bad[5].document = "{\"a\":";
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = this->store().CreateDelivery(bad[i], MakeWriteContext(kT0));
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << i << ": " << r.error().message;
  }
  EXPECT_TRUE(this->AllDeliveries({}).empty());

  StoredDeliveryRow no_asset = good;
  no_asset.asset_key = "";
  StoredDeliveryRow stored = this->MustCreate(no_asset);
  EXPECT_EQ(stored.asset_key, "");
  EXPECT_EQ(this->MustGet("ntf_1").asset_key, "");
}

// Verifies 8 concurrent creates of one key (on two stores over one database where the factory
// allows it) make one row: exactly one reports created, every caller gets the winner's row.
TYPED_TEST(NotificationStoreContract, ConcurrentCreatesOfOneKeyMakeOneRow) {
  std::vector<ports::store::Store*> stores = {&this->store()};
  std::unique_ptr<ports::store::Store> second;
  {
    this->MustCreate(MakeDelivery("probe", "evt_probe", "slack-ops"));
    auto made = this->factory_.Make();
    if (made.has_value() && (*made)->GetDelivery("probe").has_value()) {
      second = std::move(made).value();
      stores.push_back(second.get());
    }
  }
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    const std::string key = "race-" + std::to_string(round);
    std::latch start(kThreads);
    std::vector<Result<CreatedDeliveryRow>> results(kThreads,
                                                    Unexpected(ErrorCode::kInternal, "not run"));
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        StoredDeliveryRow row = MakeDelivery(key, "evt_race", "slack-ops");
        row.document = "{\"writer\":" + std::to_string(i) + "}";
        ports::store::Store* s = stores[i % stores.size()];
        start.arrive_and_wait();
        results[i] = s->CreateDelivery(row, MakeWriteContext(At(i), "req-" + std::to_string(i)));
      });
    }
    for (auto& t : threads) t.join();
    int created = 0;
    int winner = -1;
    for (int i = 0; i < kThreads; ++i) {
      ASSERT_TRUE(results[i].has_value()) << i << ": " << Describe(results[i]);
      if (results[i]->created) {
        ++created;
        winner = i;
      }
    }
    ASSERT_EQ(created, 1) << "round " << round;
    const std::string winner_doc = "{\"writer\":" + std::to_string(winner) + "}";
    for (int i = 0; i < kThreads; ++i) {
      EXPECT_EQ(results[i]->row.document, winner_doc) << i;
      EXPECT_EQ(results[i]->row.version, 1) << i;
      EXPECT_EQ(results[i]->row.updated_at, At(winner)) << i;
    }
    EXPECT_EQ(this->MustGet(key).document, winner_doc);
    EXPECT_EQ(this->AllDeliveries({.event_id = "evt_race"}).size(), static_cast<size_t>(round + 1));
  }
}

// Verifies PutDelivery's compare-and-set: the right version replaces the row (version + 1,
// updated_at = ctx.now) and appends the attempt; a stale version is kConflict naming both
// versions and appends nothing; a duplicate attempt number is kConflict and changes nothing.
TYPED_TEST(NotificationStoreContract, PutDeliveryCompareAndSetWithAttempt) {
  StoredDeliveryRow row = this->MustCreate(MakeDelivery("ntf_1", "evt_1", "slack-ops"), At(1));
  ASSERT_EQ(row.version, 1);

  StoredDeliveryRow retry = row;
  retry.state = DeliveryState::kRetrying;
  retry.attempts = 1;
  retry.sending = false;
  retry.next_attempt_at = At(30'000);
  retry.document = Doc("after attempt 1");
  const DeliveryAttemptRow a1 = MakeAttempt("ntf_1", 1, At(10));
  StoredDeliveryRow v2 = this->MustPut(retry, 1, a1, At(20));
  StoredDeliveryRow expected = retry;
  expected.version = 2;
  expected.updated_at = At(20);
  EXPECT_EQ(v2, expected);
  EXPECT_EQ(this->MustGet("ntf_1"), expected);
  EXPECT_EQ(this->Attempts("ntf_1"), std::vector<DeliveryAttemptRow>{a1});

  // Stale version: refused, nothing appended, row unchanged.
  StoredDeliveryRow stale = retry;
  stale.attempts = 2;
  stale.document = "{\"stale\":true}";
  auto conflict = this->store().PutDelivery(stale, 1, MakeAttempt("ntf_1", 2, At(40)),
                                            MakeWriteContext(At(40)));
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);
  EXPECT_NE(conflict.error().message.find('2'), std::string::npos) << conflict.error().message;
  EXPECT_NE(conflict.error().message.find('1'), std::string::npos) << conflict.error().message;
  auto ahead = this->store().PutDelivery(stale, 3, std::nullopt, MakeWriteContext(At(40)));
  ASSERT_FALSE(ahead.has_value());
  EXPECT_EQ(ahead.error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->MustGet("ntf_1"), expected);
  EXPECT_EQ(this->Attempts("ntf_1"), std::vector<DeliveryAttemptRow>{a1});

  // Right version, but attempt 1 is already recorded: refused as a whole.
  auto dup = this->store().PutDelivery(stale, 2, MakeAttempt("ntf_1", 1, At(50)),
                                       MakeWriteContext(At(50)));
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict) << dup.error().message;
  EXPECT_EQ(this->MustGet("ntf_1"), expected);
  EXPECT_EQ(this->Attempts("ntf_1"), std::vector<DeliveryAttemptRow>{a1});

  // Without an attempt (a claim, say): version 3, no attempt row.
  StoredDeliveryRow claim = retry;
  claim.sending = true;
  StoredDeliveryRow v3 = this->MustPut(claim, 2, std::nullopt, At(60));
  EXPECT_EQ(v3.version, 3);
  EXPECT_TRUE(this->MustGet("ntf_1").sending);
  EXPECT_EQ(this->Attempts("ntf_1").size(), 1u);
}

// Verifies what a delivery is about (event_id, channel, asset_key, created_at) is fixed at
// creation: a put changing any of them is kInvalidArgument naming the field, alone or in a
// batch, and changes nothing; the version and state checks come first.
TYPED_TEST(NotificationStoreContract, PutDeliveryKeepsWhatTheDeliveryIsAbout) {
  const StoredDeliveryRow row =
      this->MustCreate(MakeDelivery("ntf_id", "evt_1", "slack-ops"), At(1));
  auto with = [&](auto change) {
    StoredDeliveryRow r = row;
    r.state = DeliveryState::kRetrying;
    r.document = Doc("changed");
    change(r);
    return r;
  };
  const std::vector<std::pair<std::string, StoredDeliveryRow>> cases = {
      {"event_id", with([](StoredDeliveryRow& r) { r.event_id = "evt_2"; })},
      {"channel", with([](StoredDeliveryRow& r) { r.channel = "sms"; })},
      {"asset_key", with([](StoredDeliveryRow& r) { r.asset_key = "web-2"; })},
      {"created_at", with([](StoredDeliveryRow& r) { r.created_at = At(2); })},
  };
  for (const auto& [field, changed] : cases) {
    auto r = this->store().PutDelivery(changed, 1, MakeAttempt("ntf_id", 1, At(5)),
                                       MakeWriteContext(At(5)));
    ASSERT_FALSE(r.has_value()) << field;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
    EXPECT_NE(r.error().message.find(field + " cannot change"), std::string::npos)
        << r.error().message;
    auto stale = this->store().PutDelivery(changed, 7, std::nullopt, MakeWriteContext(At(5)));
    ASSERT_FALSE(stale.has_value());
    EXPECT_EQ(stale.error().code, ErrorCode::kConflict) << stale.error().message;
    const std::vector<ports::store::DeliveryPutRow> items = {
        {.row = changed, .expected_version = 1}};
    auto batch = this->store().PutDeliveries(items, MakeWriteContext(At(6)));
    ASSERT_TRUE(batch.has_value()) << batch.error().message;
    ASSERT_EQ(batch->size(), 1u);
    ASSERT_FALSE((*batch)[0].has_value()) << field;
    EXPECT_EQ((*batch)[0].error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(this->MustGet("ntf_id"), row);
  EXPECT_TRUE(this->Attempts("ntf_id").empty());
  // The same row with only its state, document and schedule changed is stored.
  StoredDeliveryRow ok = with([](StoredDeliveryRow&) {});
  EXPECT_EQ(this->MustPut(ok, 1, std::nullopt, At(7)).version, 2);
}

// Verifies a delivery in a terminal state (delivered, failed_permanent, dead) cannot change:
// even with the right version PutDelivery is kConflict, and no attempt is appended.
TYPED_TEST(NotificationStoreContract, PutDeliveryRefusesTerminalRows) {
  for (DeliveryState terminal :
       {DeliveryState::kDelivered, DeliveryState::kFailedPermanent, DeliveryState::kDead}) {
    const std::string key = "ntf_" + std::string(core::model::DeliveryStateName(terminal));
    StoredDeliveryRow row = this->MustCreate(MakeDelivery(key, "evt_1", "slack-ops"));
    StoredDeliveryRow done = row;
    done.state = terminal;
    done.attempts = 1;
    done.next_attempt_at.reset();
    StoredDeliveryRow v2 = this->MustPut(done, 1, MakeAttempt(key, 1, At(5)), At(5));
    ASSERT_EQ(v2.version, 2) << key;

    StoredDeliveryRow late = done;
    late.state = DeliveryState::kRetrying;
    late.attempts = 2;
    late.next_attempt_at = At(100);
    auto r =
        this->store().PutDelivery(late, 2, MakeAttempt(key, 2, At(6)), MakeWriteContext(At(6)));
    ASSERT_FALSE(r.has_value()) << key;
    EXPECT_EQ(r.error().code, ErrorCode::kConflict) << key << ": " << r.error().message;
    auto same = this->store().PutDelivery(done, 2, std::nullopt, MakeWriteContext(At(6)));
    ASSERT_FALSE(same.has_value()) << key;
    EXPECT_EQ(same.error().code, ErrorCode::kConflict);
    EXPECT_EQ(this->MustGet(key), v2) << key;
    EXPECT_EQ(this->Attempts(key).size(), 1u) << key;
  }
}

// Verifies PutDelivery on an unknown key is kNotFound, and malformed rows or attempts are
// kInvalidArgument; none of them changes the stored row or its attempts.
TYPED_TEST(NotificationStoreContract, PutDeliveryNotFoundAndInvalidArguments) {
  auto missing = this->store().PutDelivery(MakeDelivery("ntf_nope", "evt_1", "slack-ops"), 1,
                                           std::nullopt, MakeWriteContext(kT0));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << missing.error().message;
  auto missing_attempt =
      this->store().PutDelivery(MakeDelivery("ntf_nope", "evt_1", "slack-ops"), 1,
                                MakeAttempt("ntf_nope", 1, kT0), MakeWriteContext(kT0));
  ASSERT_FALSE(missing_attempt.has_value());
  EXPECT_EQ(missing_attempt.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(this->Attempts("ntf_nope").empty());

  StoredDeliveryRow row = this->MustCreate(MakeDelivery("ntf_1", "evt_1", "slack-ops"));
  struct Case {
    const char* what;
    StoredDeliveryRow row;
    std::optional<DeliveryAttemptRow> attempt;
  };
  std::vector<Case> cases;
  cases.push_back({"bad document", row, std::nullopt});
  cases.back().row.document = "not json";
  cases.push_back({"array document", row, std::nullopt});
  cases.back().row.document = "[]";
  cases.push_back({"empty event id", row, std::nullopt});
  cases.back().row.event_id = "";
  cases.push_back({"empty channel", row, std::nullopt});
  cases.back().row.channel = "";
  cases.push_back({"attempt document not an object", row, MakeAttempt("ntf_1", 1, kT0)});
  cases.back().attempt->document = "42";
  cases.push_back({"attempt of another delivery", row, MakeAttempt("ntf_other", 1, kT0)});
  cases.push_back({"attempt number 0", row, MakeAttempt("ntf_1", 0, kT0)});
  for (const Case& c : cases) {
    auto r = this->store().PutDelivery(c.row, 1, c.attempt, MakeWriteContext(kT0));
    ASSERT_FALSE(r.has_value()) << c.what;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << c.what << ": " << r.error().message;
  }
  EXPECT_EQ(this->MustGet("ntf_1"), row);
  EXPECT_TRUE(this->Attempts("ntf_1").empty());
  EXPECT_TRUE(this->Attempts("ntf_other").empty());
}

// Verifies ListDueDeliveries: non-terminal rows with next_attempt_at <= now (inclusive, claimed
// ones included), ascending by (next_attempt_at, idempotency_key), at most `limit` (>= 1).
TYPED_TEST(NotificationStoreContract, ListDueDeliveriesNonTerminalInOrder) {
  auto add = [&](std::string key, DeliveryState state, std::optional<Timestamp> next) {
    StoredDeliveryRow row = this->MustCreate(MakeDelivery(key, "evt_" + key, "slack-ops"));
    if (state == DeliveryState::kPending && next == kT0) return;
    StoredDeliveryRow changed = row;
    changed.state = state;
    changed.next_attempt_at = next;
    this->MustPut(changed, 1);
  };
  add("k-b", DeliveryState::kRetrying, At(2000));
  add("k-a", DeliveryState::kRetrying, At(2000));
  add("k-first", DeliveryState::kPending, kT0);
  add("k-edge", DeliveryState::kPending, At(5000));             // == now: due
  add("k-future", DeliveryState::kRetrying, At(5001));          // not yet
  add("k-unscheduled", DeliveryState::kPending, std::nullopt);  // nothing scheduled
  add("k-delivered", DeliveryState::kDelivered, At(1));         // terminal
  add("k-failed", DeliveryState::kFailedPermanent, At(1));      // terminal
  add("k-dead", DeliveryState::kDead, At(1));                   // terminal
  {
    StoredDeliveryRow claimed = this->MustCreate(MakeDelivery("k-claimed", "evt_c", "pager"));
    claimed.sending = true;
    claimed.next_attempt_at = At(3000);
    this->MustPut(claimed, 1);
  }

  auto due = this->store().ListDueDeliveries(At(5000), 100);
  ASSERT_TRUE(due.has_value()) << Describe(due);
  EXPECT_EQ(Keys(*due), (std::vector<std::string>{"k-first", "k-a", "k-b", "k-claimed", "k-edge"}));
  for (const auto& d : *due) EXPECT_FALSE(IsTerminal(d.state)) << d.idempotency_key;
  ASSERT_GE(due->size(), 4u);
  EXPECT_TRUE((*due)[3].sending);
  EXPECT_EQ((*due)[1].document, Doc("delivery k-a"));

  auto two = this->store().ListDueDeliveries(At(5000), 2);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(Keys(*two), (std::vector<std::string>{"k-first", "k-a"}));
  auto clamped = this->store().ListDueDeliveries(At(5000), 0);
  ASSERT_TRUE(clamped.has_value()) << Describe(clamped);
  EXPECT_EQ(Keys(*clamped), (std::vector<std::string>{"k-first"}));
  auto early = this->store().ListDueDeliveries(kT0 - Duration(1), 100);
  ASSERT_TRUE(early.has_value());
  EXPECT_TRUE(early->empty());
}

// Verifies ListDeliveries: newest first (creation order reversed), paged with next_after, and
// each filter (event_id, asset_key — '' matching deliveries about no asset — channel) alone and
// combined.
TYPED_TEST(NotificationStoreContract, ListDeliveriesFiltersNewestFirstWithPaging) {
  this->MustCreate(MakeDelivery("d1", "evt_1", "slack-ops", "web-1"));
  this->MustCreate(MakeDelivery("d2", "evt_1", "pager", "web-1"));
  this->MustCreate(MakeDelivery("d3", "evt_2", "slack-ops", "web-2"));
  this->MustCreate(MakeDelivery("d4", "evt_3", "slack-ops", ""));
  this->MustCreate(MakeDelivery("d5", "evt_4", "pager", "web-1"));
  this->MustCreate(MakeDelivery("d6", "evt_4", "slack-ops", "web-1"));
  // A write does not move a delivery in the list.
  StoredDeliveryRow d1 = this->MustGet("d1");
  d1.state = DeliveryState::kRetrying;
  this->MustPut(d1, 1);

  auto all = this->AllDeliveries({});
  EXPECT_EQ(Keys(all), (std::vector<std::string>{"d6", "d5", "d4", "d3", "d2", "d1"}));
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[5].state, DeliveryState::kRetrying);
  EXPECT_EQ(all[5].version, 2);
  EXPECT_EQ(all[0].document, Doc("delivery d6"));
  for (int limit : {1, 2, 4, 5}) {
    EXPECT_EQ(Keys(this->AllDeliveries({}, limit)), Keys(all)) << "limit " << limit;
  }
  auto first = this->store().ListDeliveries({}, {.after = 0, .limit = 6});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->next_after, 0) << "an exact last page has no further page";

  EXPECT_EQ(Keys(this->AllDeliveries({.event_id = "evt_1"})),
            (std::vector<std::string>{"d2", "d1"}));
  EXPECT_EQ(Keys(this->AllDeliveries({.asset_key = "web-1"}, 1)),
            (std::vector<std::string>{"d6", "d5", "d2", "d1"}));
  EXPECT_EQ(Keys(this->AllDeliveries({.asset_key = ""})), (std::vector<std::string>{"d4"}));
  EXPECT_EQ(Keys(this->AllDeliveries({.channel = "pager"})),
            (std::vector<std::string>{"d5", "d2"}));
  EXPECT_EQ(Keys(this->AllDeliveries({.asset_key = "web-1", .channel = "slack-ops"}, 1)),
            (std::vector<std::string>{"d6", "d1"}));
  EXPECT_EQ(
      Keys(this->AllDeliveries({.event_id = "evt_4", .asset_key = "web-1", .channel = "pager"})),
      (std::vector<std::string>{"d5"}));
  EXPECT_TRUE(this->AllDeliveries({.event_id = "evt_1", .channel = "nope"}).empty());
  auto none = this->store().ListDeliveries({.event_id = "nope"}, {});
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->items.empty());
  EXPECT_EQ(none->next_after, 0);
}

// Verifies a delivery's attempts come back ascending by attempt number, documents byte for
// byte, and another delivery's attempts are separate.
TYPED_TEST(NotificationStoreContract, ListDeliveryAttemptsAscending) {
  StoredDeliveryRow row = this->MustCreate(MakeDelivery("ntf_1", "evt_1", "slack-ops"));
  this->MustCreate(MakeDelivery("ntf_2", "evt_1", "pager"));
  std::vector<DeliveryAttemptRow> expected;
  int64_t version = row.version;
  // Recorded out of order (3 before 2): the list is still by attempt number.
  for (int n : {1, 3, 2}) {
    row.attempts += 1;
    row.state = DeliveryState::kRetrying;
    DeliveryAttemptRow a = MakeAttempt("ntf_1", n, At(n * 1000));
    a.document = "{\"n\":" + std::to_string(n) + ",  \"detail\":\"429 retry-after 30s\"}";
    version = this->MustPut(row, version, a, At(n * 1000)).version;
    expected.push_back(a);
  }
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return a.attempt < b.attempt; });
  EXPECT_EQ(this->Attempts("ntf_1"), expected);
  this->MustPut(this->MustGet("ntf_2"), 1, MakeAttempt("ntf_2", 1, At(7)));
  EXPECT_EQ(this->Attempts("ntf_1").size(), 3u);
  EXPECT_EQ(this->Attempts("ntf_2"),
            std::vector<DeliveryAttemptRow>{MakeAttempt("ntf_2", 1, At(7))});
  EXPECT_TRUE(this->Attempts("ntf_nope").empty());
}

// ---- routing -------------------------------------------------------------------------------

// Verifies PutRouting inserts, then replaces the event's routing in place (one row, same list
// position); GetRouting returns it byte for byte or nullopt; empty event ids and non-object
// documents are kInvalidArgument.
TYPED_TEST(NotificationStoreContract, PutRoutingUpsertsAndGetReturnsIt) {
  auto none = this->store().GetRouting("evt_1");
  ASSERT_TRUE(none.has_value()) << Describe(none);
  EXPECT_FALSE(none->has_value());

  StoredRouting first = MakeRouting("evt_1", "web-1", At(10));
  this->MustPutRouting(first);
  this->MustPutRouting(MakeRouting("evt_2", "web-2", At(20)));
  auto got = this->store().GetRouting("evt_1");
  ASSERT_TRUE(got.has_value() && got->has_value()) << Describe(got);
  EXPECT_EQ(**got, first);

  StoredRouting replaced = first;
  replaced.event_type = "incident.created";
  replaced.asset_key = "web-3";
  replaced.decided_at = At(30);
  replaced.document = "{\"targets\": [ {\"channel\":\"pager\"} ] }";
  this->MustPutRouting(replaced);
  got = this->store().GetRouting("evt_1");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ(**got, replaced);
  auto all = this->AllRouting({});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(EventIds(all), (std::vector<std::string>{"evt_2", "evt_1"}));
  EXPECT_EQ(all[1], replaced);

  std::vector<StoredRouting> bad(3, first);
  bad[0].event_id = "";
  bad[1].document = "[]";
  bad[2].document = "{";
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = this->store().PutRouting(bad[i], MakeWriteContext(kT0));
    ASSERT_FALSE(r.has_value()) << i;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << i << ": " << r.error().message;
  }
  got = this->store().GetRouting("evt_1");
  ASSERT_TRUE(got.has_value() && got->has_value());
  EXPECT_EQ(**got, replaced);
}

// Verifies ListRouting: newest first, paged, filtered by event_id and asset_key (combined too);
// a channel filter is ignored.
TYPED_TEST(NotificationStoreContract, ListRoutingFiltersNewestFirstWithPaging) {
  this->MustPutRouting(MakeRouting("evt_1", "web-1", At(1)));
  this->MustPutRouting(MakeRouting("evt_2", "web-2", At(2)));
  this->MustPutRouting(MakeRouting("evt_3", "web-1", At(3)));
  this->MustPutRouting(MakeRouting("evt_4", "", At(4)));
  this->MustPutRouting(MakeRouting("evt_5", "web-1", At(5)));

  auto all = this->AllRouting({});
  EXPECT_EQ(EventIds(all), (std::vector<std::string>{"evt_5", "evt_4", "evt_3", "evt_2", "evt_1"}));
  for (int limit : {1, 2, 3}) {
    EXPECT_EQ(EventIds(this->AllRouting({}, limit)), EventIds(all)) << "limit " << limit;
  }
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0], MakeRouting("evt_5", "web-1", At(5)));
  EXPECT_EQ(EventIds(this->AllRouting({.asset_key = "web-1"}, 2)),
            (std::vector<std::string>{"evt_5", "evt_3", "evt_1"}));
  EXPECT_EQ(EventIds(this->AllRouting({.asset_key = ""})), (std::vector<std::string>{"evt_4"}));
  EXPECT_EQ(EventIds(this->AllRouting({.event_id = "evt_2"})), (std::vector<std::string>{"evt_2"}));
  EXPECT_TRUE(this->AllRouting({.event_id = "evt_2", .asset_key = "web-1"}).empty());
  EXPECT_EQ(EventIds(this->AllRouting({.event_id = "evt_3", .asset_key = "web-1"})),
            (std::vector<std::string>{"evt_3"}));
  EXPECT_EQ(EventIds(this->AllRouting({.channel = "no-such-channel"})), EventIds(all));
  EXPECT_TRUE(this->AllRouting({.event_id = "nope"}).empty());
}

// ---- channels ------------------------------------------------------------------------------

// Verifies SetChannelHealth upserts (ListChannelHealth shows the last values, ordered by name)
// and audits only a change of `failing` (or a new channel that is failing), with before/after
// {failing, reason}; an empty channel is kInvalidArgument.
TYPED_TEST(NotificationStoreContract, ChannelHealthUpsertsAndAuditsFlipsOnly) {
  auto set = [&](std::string channel, bool failing, std::string reason, Timestamp since,
                 std::string request_id) {
    auto r = this->store().SetChannelHealth({.channel = std::move(channel),
                                             .failing = failing,
                                             .reason = std::move(reason),
                                             .since = since},
                                            MakeWriteContext(since, std::move(request_id)));
    ASSERT_TRUE(r.has_value()) << Describe(r);
  };
  auto empty = this->store().ListChannelHealth();
  ASSERT_TRUE(empty.has_value()) << Describe(empty);
  EXPECT_TRUE(empty->empty());

  set("slack-ops", false, "", At(1), "r1");                   // new, healthy: no audit
  set("slack-ops", true, "401 from slack.com", At(2), "r2");  // flip: audit
  set("slack-ops", true, "403 from slack.com", At(3), "r3");  // still failing: no audit
  set("slack-ops", false, "", At(4), "r4");                   // flip: audit
  set("slack-ops", false, "", At(5), "r5");                   // no change: no audit
  set("jira", true, "404 project not found", At(6), "r6");    // new and failing: audit
  set("a-webhook", false, "", At(7), "r7");                   // new, healthy: no audit

  auto list = this->store().ListChannelHealth();
  ASSERT_TRUE(list.has_value()) << Describe(list);
  std::vector<StoredChannelHealth> expected = {
      {.channel = "a-webhook", .failing = false, .reason = "", .since = At(7)},
      {.channel = "jira", .failing = true, .reason = "404 project not found", .since = At(6)},
      {.channel = "slack-ops", .failing = false, .reason = "", .since = At(5)},
  };
  EXPECT_EQ(*list, expected);

  std::vector<core::model::AuditEntry> audit;
  for (auto& a : this->Audit())
    if (a.action == "notify.channel_health") audit.push_back(a);
  ASSERT_EQ(audit.size(), 3u);
  EXPECT_EQ(audit[0].target, "notify_channel:slack-ops");
  EXPECT_EQ(audit[0].request_id, "r2");
  EXPECT_EQ(audit[0].actor, "token:tester/00112233aabbccdd");
  EXPECT_EQ(audit[0].ts, At(2));
  EXPECT_EQ(ParseJson(audit[0].before_json), (nlohmann::json{{"failing", false}, {"reason", ""}}));
  EXPECT_EQ(ParseJson(audit[0].after_json),
            (nlohmann::json{{"failing", true}, {"reason", "401 from slack.com"}}));
  EXPECT_EQ(audit[1].request_id, "r4");
  EXPECT_EQ(ParseJson(audit[1].before_json),
            (nlohmann::json{{"failing", true}, {"reason", "403 from slack.com"}}));
  EXPECT_EQ(ParseJson(audit[1].after_json), (nlohmann::json{{"failing", false}, {"reason", ""}}));
  EXPECT_EQ(audit[2].target, "notify_channel:jira");
  EXPECT_EQ(audit[2].request_id, "r6");
  // A new channel has no before (or one that was not failing).
  if (!audit[2].before_json.empty()) {
    EXPECT_EQ(ParseJson(audit[2].before_json)["failing"], false) << audit[2].before_json;
  }
  EXPECT_EQ(ParseJson(audit[2].after_json),
            (nlohmann::json{{"failing", true}, {"reason", "404 project not found"}}));

  auto bad = this->store().SetChannelHealth({.channel = "", .failing = true, .reason = "x"},
                                            MakeWriteContext(kT0));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  auto after = this->store().ListChannelHealth();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->size(), 3u);
}

// Verifies the audit rule: notification log, delivery, attempt and routing writes add no audit
// rows (the notifier writes them many times per event).
TYPED_TEST(NotificationStoreContract, OnlyChannelFlipsAreAudited) {
  const size_t before = this->Audit().size();
  this->MustPutLog(MakeLog("slack-ops", "web-1/health", true, At(1)), 0);
  this->MustPutLog(MakeLog("slack-ops", "web-1/health", false, std::nullopt), 1);
  StoredDeliveryRow row = this->MustCreate(MakeDelivery("ntf_1", "evt_1", "slack-ops"));
  auto again = this->store().CreateDelivery(row, MakeWriteContext(kT0));
  ASSERT_TRUE(again.has_value()) << Describe(again);
  EXPECT_FALSE(again->created);
  row.state = DeliveryState::kDelivered;
  this->MustPut(row, 1, MakeAttempt("ntf_1", 1, At(2)));
  this->MustPutRouting(MakeRouting("evt_1", "web-1", At(3)));
  ASSERT_TRUE(this->store()
                  .SetChannelHealth({.channel = "slack-ops", .since = At(4)}, MakeWriteContext(kT0))
                  .has_value());
  EXPECT_EQ(this->Audit().size(), before);
}

// ---- retention -----------------------------------------------------------------------------

// Verifies DeleteNotificationsBefore deletes terminal deliveries created before the cutoff (with
// their attempts) and routing records decided before it, returns how many deliveries and
// routing records went, and keeps everything else (non-terminal or newer; the cutoff itself is
// not "before").
TYPED_TEST(NotificationStoreContract, DeleteNotificationsBeforeDeletesOnlyOldTerminalRows) {
  const Timestamp cutoff = At(100'000);
  auto add = [&](std::string key, DeliveryState state, Timestamp created_at, int attempts) {
    StoredDeliveryRow row = this->MustCreate(MakeDelivery(
        key, "evt_" + key, "slack-ops", "web-1", DeliveryState::kPending, created_at, created_at));
    int64_t version = row.version;
    for (int n = 1; n <= attempts; ++n) {
      row.attempts = n;
      row.state = n == attempts ? state : DeliveryState::kRetrying;
      version = this->MustPut(row, version, MakeAttempt(key, n, created_at + Duration(n))).version;
    }
    if (attempts == 0 && state != DeliveryState::kPending) {
      row.state = state;
      this->MustPut(row, version);
    }
  };
  add("old-delivered", DeliveryState::kDelivered, At(1), 2);
  add("old-failed", DeliveryState::kFailedPermanent, At(2), 1);
  add("old-dead", DeliveryState::kDead, At(3), 3);
  add("old-pending", DeliveryState::kPending, At(4), 0);
  add("old-retrying", DeliveryState::kRetrying, At(5), 2);
  add("edge-delivered", DeliveryState::kDelivered, cutoff, 1);
  add("new-dead", DeliveryState::kDead, At(200'000), 1);
  this->MustPutRouting(MakeRouting("evt_r_old1", "web-1", At(10)));
  this->MustPutRouting(MakeRouting("evt_r_old2", "", At(99'999)));
  this->MustPutRouting(MakeRouting("evt_r_edge", "web-1", cutoff));
  this->MustPutRouting(MakeRouting("evt_r_new", "web-1", At(150'000)));

  auto deleted = this->store().DeleteNotificationsBefore(cutoff);
  ASSERT_TRUE(deleted.has_value()) << Describe(deleted);
  EXPECT_EQ(*deleted, 3 + 2);

  EXPECT_EQ(
      Keys(this->AllDeliveries({})),
      (std::vector<std::string>{"new-dead", "edge-delivered", "old-retrying", "old-pending"}));
  for (const char* gone : {"old-delivered", "old-failed", "old-dead"}) {
    auto r = this->store().GetDelivery(gone);
    ASSERT_FALSE(r.has_value()) << gone;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << gone;
    EXPECT_TRUE(this->Attempts(gone).empty()) << gone;
  }
  EXPECT_EQ(this->Attempts("old-retrying").size(), 2u);
  EXPECT_EQ(this->Attempts("edge-delivered").size(), 1u);
  EXPECT_EQ(this->Attempts("new-dead").size(), 1u);
  EXPECT_EQ(EventIds(this->AllRouting({})), (std::vector<std::string>{"evt_r_new", "evt_r_edge"}));
  auto old_routing = this->store().GetRouting("evt_r_old1");
  ASSERT_TRUE(old_routing.has_value());
  EXPECT_FALSE(old_routing->has_value());

  auto again = this->store().DeleteNotificationsBefore(cutoff);
  ASSERT_TRUE(again.has_value()) << Describe(again);
  EXPECT_EQ(*again, 0);

  // A deleted key can be created afresh (an event replayed after retention).
  StoredDeliveryRow reborn =
      this->MustCreate(MakeDelivery("old-dead", "evt_old-dead", "slack-ops"));
  EXPECT_EQ(reborn.version, 1);
  EXPECT_TRUE(this->Attempts("old-dead").empty());
}

// ---- batches -------------------------------------------------------------------------------

// Verifies GetNotifyLogs answers one entry per key in request order (nullopt for an unknown
// key, repeated keys answered each time) and refuses more than 1000 keys.
TYPED_TEST(NotificationStoreContract, GetNotifyLogsAnswersEachKeyInOrder) {
  StoredNotifyLog a = this->MustPutLog(MakeLog("slack-ops", "web-1/health", true, At(10)), 0);
  StoredNotifyLog b = this->MustPutLog(MakeLog("hook", "web-2/posture", false, std::nullopt), 0);
  b = this->MustPutLog(MakeLog("hook", "web-2/posture", true, At(20)), 1, At(5));
  std::vector<ports::store::NotifyLogKey> keys = {{"hook", "web-2/posture"},
                                                  {"hook", "missing"},
                                                  {"slack-ops", "web-1/health"},
                                                  {"hook", "web-2/posture"}};
  auto got = this->store().GetNotifyLogs(keys);
  ASSERT_TRUE(got.has_value()) << Describe(got);
  ASSERT_EQ(got->size(), 4u);
  ASSERT_TRUE((*got)[0].has_value());
  EXPECT_EQ(*(*got)[0], b);
  EXPECT_FALSE((*got)[1].has_value());
  ASSERT_TRUE((*got)[2].has_value());
  EXPECT_EQ(*(*got)[2], a);
  ASSERT_TRUE((*got)[3].has_value());
  EXPECT_EQ((*got)[3]->version, 2);
  auto empty = this->store().GetNotifyLogs({});
  ASSERT_TRUE(empty.has_value()) << Describe(empty);
  EXPECT_TRUE(empty->empty());
  std::vector<ports::store::NotifyLogKey> many(1001, {"hook", "web-2/posture"});
  auto too_many = this->store().GetNotifyLogs(many);
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::kInvalidArgument);
}

// Verifies PutDeliveries compare-and-sets each item on its own in one call: the right versions
// are stored (version + 1, attempts appended); a stale version, a terminal row, an unknown key
// and an invalid row are that item's error (kConflict, kConflict, kNotFound,
// kInvalidArgument) and change nothing, while the other items are kept.
TYPED_TEST(NotificationStoreContract, PutDeliveriesCompareAndSetPerItem) {
  StoredDeliveryRow a = this->MustCreate(MakeDelivery("ntf_a", "evt_a", "hook"));
  StoredDeliveryRow b = this->MustCreate(MakeDelivery("ntf_b", "evt_b", "hook"));
  StoredDeliveryRow c = this->MustCreate(MakeDelivery("ntf_c", "evt_c", "hook"));
  StoredDeliveryRow done = c;
  done.state = DeliveryState::kDelivered;
  done.attempts = 1;
  done = this->MustPut(done, 1, MakeAttempt("ntf_c", 1, At(1)), At(1));
  ASSERT_EQ(done.version, 2);

  StoredDeliveryRow a2 = a;
  a2.state = DeliveryState::kDelivered;
  a2.attempts = 1;
  a2.next_attempt_at.reset();
  a2.document = Doc("a delivered");
  StoredDeliveryRow b_stale = b;
  b_stale.sending = true;
  StoredDeliveryRow c_late = done;
  c_late.state = DeliveryState::kRetrying;
  StoredDeliveryRow ghost = MakeDelivery("ntf_ghost", "evt_g", "hook");
  StoredDeliveryRow invalid = b;
  invalid.channel.clear();
  StoredDeliveryRow b_claim = b;
  b_claim.sending = true;
  b_claim.document = Doc("b claimed");
  std::vector<ports::store::DeliveryPutRow> items = {
      {.row = a2, .expected_version = 1, .attempt = MakeAttempt("ntf_a", 1, At(7))},
      {.row = b_stale, .expected_version = 5, .attempt = std::nullopt},
      {.row = c_late, .expected_version = 2, .attempt = std::nullopt},
      {.row = ghost, .expected_version = 1, .attempt = std::nullopt},
      {.row = invalid, .expected_version = 1, .attempt = std::nullopt},
      {.row = b_claim, .expected_version = 1, .attempt = std::nullopt}};
  auto r = this->store().PutDeliveries(items, MakeWriteContext(At(8)));
  ASSERT_TRUE(r.has_value()) << Describe(r);
  ASSERT_EQ(r->size(), items.size());
  ASSERT_TRUE((*r)[0].has_value()) << Describe((*r)[0]);
  StoredDeliveryRow a_expected = a2;
  a_expected.version = 2;
  a_expected.updated_at = At(8);
  EXPECT_EQ(*(*r)[0], a_expected);
  EXPECT_EQ(this->MustGet("ntf_a"), a_expected);
  EXPECT_EQ(this->Attempts("ntf_a"),
            std::vector<DeliveryAttemptRow>{MakeAttempt("ntf_a", 1, At(7))});
  ASSERT_FALSE((*r)[1].has_value());
  EXPECT_EQ((*r)[1].error().code, ErrorCode::kConflict);
  ASSERT_FALSE((*r)[2].has_value());
  EXPECT_EQ((*r)[2].error().code, ErrorCode::kConflict);
  EXPECT_NE((*r)[2].error().message.find("delivered"), std::string::npos)
      << (*r)[2].error().message;
  EXPECT_EQ(this->MustGet("ntf_c"), done);
  ASSERT_FALSE((*r)[3].has_value());
  EXPECT_EQ((*r)[3].error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(this->store().GetDelivery("ntf_ghost").has_value());
  ASSERT_FALSE((*r)[4].has_value());
  EXPECT_EQ((*r)[4].error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE((*r)[5].has_value()) << Describe((*r)[5]);
  EXPECT_EQ((*r)[5]->version, 2);
  EXPECT_TRUE(this->MustGet("ntf_b").sending);
  EXPECT_EQ(this->MustGet("ntf_b").document, Doc("b claimed"));

  // A duplicate attempt number is that item's conflict; its delivery update is undone too.
  auto dup = this->store().PutDeliveries(
      std::vector<ports::store::DeliveryPutRow>{{.row = this->MustGet("ntf_b"),
                                                 .expected_version = 2,
                                                 .attempt = MakeAttempt("ntf_b", 1, At(9))},
                                                {.row = this->MustGet("ntf_b"),
                                                 .expected_version = 3,
                                                 .attempt = MakeAttempt("ntf_b", 1, At(9))}},
      MakeWriteContext(At(9)));
  ASSERT_TRUE(dup.has_value()) << Describe(dup);
  ASSERT_TRUE((*dup)[0].has_value()) << Describe((*dup)[0]);
  ASSERT_FALSE((*dup)[1].has_value());
  EXPECT_EQ((*dup)[1].error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->MustGet("ntf_b").version, 3);
  EXPECT_EQ(this->Attempts("ntf_b").size(), 1u);

  std::vector<ports::store::DeliveryPutRow> many(1001, {.row = b, .expected_version = 1});
  auto too_many = this->store().PutDeliveries(many, MakeWriteContext(At(10)));
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::kInvalidArgument);
}

// Verifies WriteEventBatch stores each event all or nothing, in order: an event's deliveries
// (created, or the existing row with created = false), its log entries (compare-and-set, so a
// later event of the batch continues from an earlier one's version) and its routing; an event
// whose log compare-and-set lost keeps nothing (not its new delivery, not its routing) and
// answers kConflict, while the events around it are stored.
TYPED_TEST(NotificationStoreContract, WriteEventBatchIsAllOrNothingPerEvent) {
  this->MustCreate(MakeDelivery("ntf_old", "evt_0", "hook"));
  this->MustPutLog(MakeLog("hook", "web-9/posture", true, std::nullopt), 0);  // version 1

  ports::store::EventWrites first;
  first.deliveries = {MakeDelivery("ntf_1", "evt_1", "hook"),
                      MakeDelivery("ntf_old", "evt_0", "hook")};
  first.logs = {{.row = MakeLog("hook", "web-1/posture", true, At(100)), .expected_version = 0}};
  first.routing = MakeRouting("evt_1", "web-1", At(1));
  ports::store::EventWrites second;  // same key as `first`: continues from its version
  second.deliveries = {MakeDelivery("ntf_2", "evt_2", "hook")};
  second.logs = {
      {.row = MakeLog("hook", "web-1/posture", false, std::nullopt), .expected_version = 1}};
  second.routing = MakeRouting("evt_2", "web-1", At(2));
  ports::store::EventWrites lost;  // stale version: nothing of it may stay
  lost.deliveries = {MakeDelivery("ntf_3", "evt_3", "hook")};
  lost.logs = {
      {.row = MakeLog("hook", "web-2/posture", true, std::nullopt), .expected_version = 0},
      {.row = MakeLog("hook", "web-9/posture", false, std::nullopt), .expected_version = 0}};
  lost.routing = MakeRouting("evt_3", "web-2", At(3));
  ports::store::EventWrites skip;  // a routing record only (nothing sent)
  skip.routing = MakeRouting("evt_4", "web-3", At(4));
  ports::store::EventWrites invalid;
  invalid.deliveries = {MakeDelivery("", "evt_5", "hook")};
  invalid.routing = MakeRouting("evt_5", "web-3", At(5));

  std::vector<ports::store::EventWrites> events = {first, second, lost, skip, invalid};
  auto r = this->store().WriteEventBatch(events, MakeWriteContext(At(10)));
  ASSERT_TRUE(r.has_value()) << Describe(r);
  ASSERT_EQ(r->size(), 5u);
  ASSERT_TRUE((*r)[0].has_value()) << Describe((*r)[0]);
  ASSERT_EQ((*r)[0]->deliveries.size(), 2u);
  EXPECT_TRUE((*r)[0]->deliveries[0].created);
  EXPECT_EQ((*r)[0]->deliveries[0].row.version, 1);
  EXPECT_FALSE((*r)[0]->deliveries[1].created);
  EXPECT_EQ((*r)[0]->deliveries[1].row.event_id, "evt_0");
  ASSERT_EQ((*r)[0]->logs.size(), 1u);
  EXPECT_EQ((*r)[0]->logs[0].version, 1);
  EXPECT_EQ((*r)[0]->logs[0].updated_at, At(10));
  ASSERT_TRUE((*r)[1].has_value()) << Describe((*r)[1]);
  ASSERT_EQ((*r)[1]->logs.size(), 1u);
  EXPECT_EQ((*r)[1]->logs[0].version, 2);
  ASSERT_FALSE((*r)[2].has_value());
  EXPECT_EQ((*r)[2].error().code, ErrorCode::kConflict);
  ASSERT_TRUE((*r)[3].has_value()) << Describe((*r)[3]);
  EXPECT_TRUE((*r)[3]->deliveries.empty());
  ASSERT_FALSE((*r)[4].has_value());
  EXPECT_EQ((*r)[4].error().code, ErrorCode::kInvalidArgument);

  auto log1 = this->store().GetNotifyLog("hook", "web-1/posture");
  ASSERT_TRUE(log1.has_value() && log1->has_value());
  EXPECT_EQ((*log1)->version, 2);
  EXPECT_FALSE((*log1)->firing);
  // Nothing of the lost event: no delivery, no log entry, no routing.
  auto ntf3 = this->store().GetDelivery("ntf_3");
  ASSERT_FALSE(ntf3.has_value());
  EXPECT_EQ(ntf3.error().code, ErrorCode::kNotFound);
  auto log2 = this->store().GetNotifyLog("hook", "web-2/posture");
  ASSERT_TRUE(log2.has_value());
  EXPECT_FALSE(log2->has_value());
  auto log9 = this->store().GetNotifyLog("hook", "web-9/posture");
  ASSERT_TRUE(log9.has_value() && log9->has_value());
  EXPECT_EQ((*log9)->version, 1);
  EXPECT_TRUE((*log9)->firing);
  auto routing3 = this->store().GetRouting("evt_3");
  ASSERT_TRUE(routing3.has_value());
  EXPECT_FALSE(routing3->has_value());
  auto routing5 = this->store().GetRouting("evt_5");
  ASSERT_TRUE(routing5.has_value());
  EXPECT_FALSE(routing5->has_value());
  // The stored events' rows.
  EXPECT_EQ(this->MustGet("ntf_1").version, 1);
  EXPECT_EQ(this->MustGet("ntf_2").version, 1);
  for (const char* id : {"evt_1", "evt_2", "evt_4"}) {
    auto routing = this->store().GetRouting(id);
    ASSERT_TRUE(routing.has_value() && routing->has_value()) << id;
    EXPECT_EQ((*routing)->document, Doc(std::string("routing ") + id));
  }

  std::vector<ports::store::EventWrites> many(1001, skip);
  auto too_many = this->store().WriteEventBatch(many, MakeWriteContext(At(11)));
  ASSERT_FALSE(too_many.has_value());
  EXPECT_EQ(too_many.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace secplat::testing::notification_contract

#endif  // SECPLAT_TESTS_CONTRACT_NOTIFICATION_STORE_CONTRACT_H_
