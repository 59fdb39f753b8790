// PgStore's notification store beyond the shared contract
// (tests/contract/notification_store_contract.h): compare-and-set and idempotency across
// separate stores (as separate API processes would be), the transaction around a delivery and
// its attempt, the audit of channel health, retention in batches, and the schema of migration
// 0004 (partial indexes, append-only attempts).
#include <gtest/gtest.h>

#include <latch>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/postgres/pg_store.h"
#include "core/model/notification.h"
#include "tests/contract/pg_store_factory.h"
#include "tests/support/postgres_server.h"
#include "tests/support/store_builders.h"

namespace secplat::testing {
namespace {

using adapters::postgres::PgStore;
using core::model::DeliveryState;
using ports::store::DeliveryAttemptRow;
using ports::store::StoredChannelHealth;
using ports::store::StoredDeliveryRow;
using ports::store::StoredNotifyLog;
using ports::store::StoredRouting;
using std::chrono::hours;
using std::chrono::minutes;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z
constexpr int kClients = 8;

template <typename T>
std::string Describe(const Result<T>& r) {
  if (r.has_value()) return "ok";
  return std::string(ErrorCodeName(r.error().code)) + ": " + r.error().message;
}

StoredDeliveryRow MakeDelivery(const std::string& key, Timestamp created_at,
                               DeliveryState state = DeliveryState::kPending) {
  StoredDeliveryRow d;
  d.idempotency_key = key;
  d.event_id = "evt-" + key;
  d.channel = "slack-ops";
  d.asset_key = "web-1";
  d.state = state;
  d.next_attempt_at = created_at;
  d.created_at = created_at;
  d.document = R"({"key":")" + key + R"("})";
  return d;
}

DeliveryAttemptRow MakeAttempt(const std::string& key, int n, Timestamp at) {
  return DeliveryAttemptRow{.idempotency_key = key,
                            .attempt = n,
                            .at = at,
                            .document = R"({"status":503,"n":)" + std::to_string(n) + "}"};
}

StoredNotifyLog MakeLog(const std::string& channel, const std::string& problem, int marker) {
  StoredNotifyLog n;
  n.channel = channel;
  n.problem_key = problem;
  n.firing = true;
  n.next_repeat_at = kT0 + hours(4);
  n.document = R"({"writer":)" + std::to_string(marker) + "}";
  return n;
}

class PgNotificationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto reason = PgStoreFactory::SkipReason()) GTEST_SKIP() << *reason;
    auto made = factory_.MakePg();
    ASSERT_TRUE(made.has_value()) << Describe(made);
    store_ = std::move(made).value();
  }

  // `n` more stores on the same database, one connection each.
  std::vector<std::unique_ptr<PgStore>> MoreStores(int n) {
    std::vector<std::unique_ptr<PgStore>> stores;
    for (int i = 0; i < n; ++i) {
      auto s = factory_.MakePg({.pool_size = 1});
      EXPECT_TRUE(s.has_value()) << Describe(s);
      if (s.has_value()) stores.push_back(std::move(s).value());
    }
    return stores;
  }

  // Runs `call(i)` on kClients threads released together; returns the results in index order.
  template <typename Call>
  auto RunTogether(Call call) -> std::vector<decltype(call(0))> {
    using R = decltype(call(0));
    std::latch start(kClients);
    std::vector<R> results(kClients, R(Unexpected(ErrorCode::kInternal, "not run")));
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        results[i] = call(i);
      });
    }
    for (auto& t : threads) t.join();
    return results;
  }

  // notify.channel_health audit rows of `channel`, oldest first.
  std::vector<core::model::AuditEntry> ChannelAudit(const std::string& channel) {
    std::vector<core::model::AuditEntry> out;
    auto page = store_->ListAudit({.limit = 1000});
    EXPECT_TRUE(page.has_value()) << Describe(page);
    if (!page.has_value()) return out;
    for (auto& e : page->items)
      if (e.action == "notify.channel_health" && e.target == "notify_channel:" + channel)
        out.push_back(std::move(e));
    return out;
  }

  // The JSON plan of `select` with sequential scans disabled (an index is used when it can be).
  std::string Plan(const std::string& select) {
    auto plan = factory_.server->Query(factory_.database,
                                       "SET enable_seqscan = off; "
                                       "EXPLAIN (FORMAT JSON) " +
                                           select);
    EXPECT_TRUE(plan.has_value()) << Describe(plan);
    return plan.value_or("");
  }

  PgStoreFactory factory_;
  std::unique_ptr<PgStore> store_;
};

// ---- Concurrency across stores -------------------------------------------------------------

// Verifies 8 stores (8 connections, as 8 API processes) creating one delivery key at once
// store one row: exactly one created=true, and every caller gets that row at version 1.
TEST_F(PgNotificationStoreTest, ParallelCreateDeliveryOfOneKeyCreatesOnce) {
  auto stores = MoreStores(kClients);
  ASSERT_EQ(stores.size(), static_cast<size_t>(kClients));
  for (int round = 0; round < 3; ++round) {
    const std::string key = "ntf-race-" + std::to_string(round);
    auto results = RunTogether([&](int i) {
      StoredDeliveryRow d = MakeDelivery(key, kT0);
      d.document = R"({"writer":)" + std::to_string(i) + "}";
      return stores[i]->CreateDelivery(d, MakeWriteContext(kT0 + minutes(i)));
    });
    int created = 0;
    std::optional<StoredDeliveryRow> winner;
    for (auto& r : results) {
      ASSERT_TRUE(r.has_value()) << Describe(r);
      EXPECT_EQ(r->row.version, 1);
      if (r->created) {
        ++created;
        winner = r->row;
      }
    }
    ASSERT_EQ(created, 1) << key;
    for (auto& r : results) EXPECT_EQ(r->row, *winner) << "every caller sees the one row";
    auto got = store_->GetDelivery(key);
    ASSERT_TRUE(got.has_value()) << Describe(got);
    EXPECT_EQ(*got, *winner);
  }
  auto page = store_->ListDeliveries({}, {});
  ASSERT_TRUE(page.has_value()) << Describe(page);
  EXPECT_EQ(page->items.size(), 3u);
}

// Verifies 8 stores writing one delivery with the same expected version at once (each with its
// attempt): exactly one wins per round, every other one is kConflict naming both versions, and
// only the winner's attempt is recorded.
TEST_F(PgNotificationStoreTest, ParallelPutDeliveryWithOneExpectedVersionHasOneWinner) {
  auto stores = MoreStores(kClients);
  ASSERT_EQ(stores.size(), static_cast<size_t>(kClients));
  const std::string key = "ntf-put";
  auto made = store_->CreateDelivery(MakeDelivery(key, kT0), MakeWriteContext(kT0));
  ASSERT_TRUE(made.has_value()) << Describe(made);
  for (int64_t version = 1; version <= 3; ++version) {
    const int attempt = static_cast<int>(version);
    auto results = RunTogether([&](int i) {
      StoredDeliveryRow d = MakeDelivery(key, kT0, DeliveryState::kRetrying);
      d.attempts = attempt;
      d.next_attempt_at = kT0 + minutes(attempt);
      d.document = R"({"writer":)" + std::to_string(i) + "}";
      std::optional<DeliveryAttemptRow> a = MakeAttempt(key, attempt, kT0 + minutes(i));
      return stores[i]->PutDelivery(d, version, a, MakeWriteContext(kT0 + minutes(attempt)));
    });
    int winner = -1;
    for (int i = 0; i < kClients; ++i) {
      if (results[i].has_value()) {
        EXPECT_EQ(winner, -1) << "two writers won at version " << version;
        winner = i;
        EXPECT_EQ(results[i]->version, version + 1);
        EXPECT_EQ(results[i]->updated_at, kT0 + minutes(attempt));
      } else {
        EXPECT_EQ(results[i].error().code, ErrorCode::kConflict) << Describe(results[i]);
        EXPECT_NE(results[i].error().message.find("version " + std::to_string(version + 1) +
                                                  ", not " + std::to_string(version)),
                  std::string::npos)
            << results[i].error().message;
      }
    }
    ASSERT_NE(winner, -1) << "nobody won at version " << version;
    auto got = store_->GetDelivery(key);
    ASSERT_TRUE(got.has_value()) << Describe(got);
    EXPECT_EQ(*got, *results[winner]) << "the stored row is the winner's";
    auto attempts = store_->ListDeliveryAttempts(key);
    ASSERT_TRUE(attempts.has_value()) << Describe(attempts);
    ASSERT_EQ(attempts->size(), static_cast<size_t>(attempt));
    EXPECT_EQ(attempts->back(), MakeAttempt(key, attempt, kT0 + minutes(winner)))
        << "the recorded attempt is the winner's";
  }
}

// Verifies 8 stores writing a delivery's terminal state at once from the same version: one
// delivers it, and the others are kConflict, never a second terminal write.
TEST_F(PgNotificationStoreTest, ParallelTerminalWritesLeaveOneTerminalWrite) {
  auto stores = MoreStores(kClients);
  ASSERT_EQ(stores.size(), static_cast<size_t>(kClients));
  const std::string key = "ntf-terminal";
  ASSERT_TRUE(store_->CreateDelivery(MakeDelivery(key, kT0), MakeWriteContext(kT0)).has_value());
  // Each writer expects the version it reads: the losers read either 1 (and lose the race) or
  // 2 (and meet a terminal row).
  auto results = RunTogether([&](int i) -> Result<StoredDeliveryRow> {
    auto current = stores[i]->GetDelivery(key);
    if (!current.has_value()) return Unexpected(current.error());
    StoredDeliveryRow d = MakeDelivery(key, kT0, DeliveryState::kDelivered);
    d.document = R"({"writer":)" + std::to_string(i) + "}";
    return stores[i]->PutDelivery(d, current->version, std::nullopt, MakeWriteContext(kT0));
  });
  int won = 0;
  for (auto& r : results) {
    if (r.has_value()) {
      ++won;
      EXPECT_EQ(r->version, 2);
    } else {
      EXPECT_EQ(r.error().code, ErrorCode::kConflict) << Describe(r);
    }
  }
  EXPECT_EQ(won, 1);
  auto got = store_->GetDelivery(key);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(got->state, DeliveryState::kDelivered);
}

// Verifies 8 stores writing one notification-log entry at once: for the first write
// (expected 0) and for an update (expected 1) exactly one wins and the rest are kConflict
// naming both versions.
TEST_F(PgNotificationStoreTest, ParallelPutNotifyLogWithOneExpectedVersionHasOneWinner) {
  auto stores = MoreStores(kClients);
  ASSERT_EQ(stores.size(), static_cast<size_t>(kClients));
  for (int64_t expected = 0; expected < 2; ++expected) {
    auto results = RunTogether([&](int i) {
      return stores[i]->PutNotifyLog(MakeLog("slack-ops", "web-1/health", i), expected,
                                     MakeWriteContext(kT0 + minutes(expected)));
    });
    int winner = -1;
    for (int i = 0; i < kClients; ++i) {
      if (results[i].has_value()) {
        EXPECT_EQ(winner, -1) << "two writers won at expected " << expected;
        winner = i;
        EXPECT_EQ(results[i]->version, expected + 1);
      } else {
        EXPECT_EQ(results[i].error().code, ErrorCode::kConflict) << Describe(results[i]);
        EXPECT_NE(results[i].error().message.find("version " + std::to_string(expected + 1) +
                                                  ", not " + std::to_string(expected)),
                  std::string::npos)
            << results[i].error().message;
      }
    }
    ASSERT_NE(winner, -1);
    auto got = store_->GetNotifyLog("slack-ops", "web-1/health");
    ASSERT_TRUE(got.has_value()) << Describe(got);
    ASSERT_TRUE(got->has_value());
    EXPECT_EQ(**got, *results[winner]);
  }
}

// Verifies 8 stores reporting the same channel health change at once write one audit row per
// change of `failing` (new and failing, then recovered), and none for a repeat.
TEST_F(PgNotificationStoreTest, ParallelChannelHealthReportsAuditEachChangeOnce) {
  auto stores = MoreStores(kClients);
  ASSERT_EQ(stores.size(), static_cast<size_t>(kClients));
  const bool rounds[] = {true, true, false};
  for (bool failing : rounds) {
    auto results = RunTogether([&](int i) {
      StoredChannelHealth h{.channel = "jira",
                            .failing = failing,
                            .reason = failing ? "401 from provider" : "",
                            .since = kT0 + minutes(i)};
      return stores[i]->SetChannelHealth(h, MakeWriteContext(kT0));
    });
    for (auto& r : results) ASSERT_TRUE(r.has_value()) << Describe(r);
  }
  auto audit = ChannelAudit("jira");
  ASSERT_EQ(audit.size(), 2u) << "new and failing, then recovered";
  EXPECT_TRUE(audit[0].before_json.empty());
  EXPECT_EQ(audit[0].after_json, R"({"failing":true,"reason":"401 from provider"})");
  EXPECT_EQ(audit[1].before_json, R"({"failing":true,"reason":"401 from provider"})");
  EXPECT_EQ(audit[1].after_json, R"({"failing":false,"reason":""})");
  auto channels = store_->ListChannelHealth();
  ASSERT_TRUE(channels.has_value());
  ASSERT_EQ(channels->size(), 1u);
  EXPECT_FALSE((*channels)[0].failing);
}

// ---- The delivery and its attempt: one transaction -----------------------------------------

// Verifies a PutDelivery whose attempt number is already recorded is kConflict and changes
// nothing: neither the delivery (version, state, document) nor its attempts.
TEST_F(PgNotificationStoreTest, DuplicateAttemptNumberChangesNothing) {
  const std::string key = "ntf-dup";
  auto made = store_->CreateDelivery(MakeDelivery(key, kT0), MakeWriteContext(kT0));
  ASSERT_TRUE(made.has_value()) << Describe(made);
  StoredDeliveryRow d = MakeDelivery(key, kT0, DeliveryState::kRetrying);
  d.attempts = 1;
  std::optional<DeliveryAttemptRow> first = MakeAttempt(key, 1, kT0);
  auto put = store_->PutDelivery(d, 1, first, MakeWriteContext(kT0 + minutes(1)));
  ASSERT_TRUE(put.has_value()) << Describe(put);

  StoredDeliveryRow again = d;
  again.state = DeliveryState::kDead;
  again.document = R"({"changed":true})";
  std::optional<DeliveryAttemptRow> dup = MakeAttempt(key, 1, kT0 + minutes(2));
  dup->document = R"({"status":500})";
  auto refused = store_->PutDelivery(again, put->version, dup, MakeWriteContext(kT0 + minutes(2)));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict) << Describe(refused);
  EXPECT_NE(refused.error().message.find("attempt 1"), std::string::npos)
      << refused.error().message;

  auto got = store_->GetDelivery(key);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, *put) << "the delivery's update was rolled back with the attempt";
  auto attempts = store_->ListDeliveryAttempts(key);
  ASSERT_TRUE(attempts.has_value());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0], *first);
}

// Verifies the errors of PutDelivery: an unknown key is kNotFound, a terminal row is kConflict
// even at its current version, and an attempt for another delivery is kInvalidArgument.
TEST_F(PgNotificationStoreTest, PutDeliveryErrors) {
  auto missing =
      store_->PutDelivery(MakeDelivery("nope", kT0), 1, std::nullopt, MakeWriteContext(kT0));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << Describe(missing);

  const std::string key = "ntf-done";
  ASSERT_TRUE(
      store_
          ->CreateDelivery(MakeDelivery(key, kT0, DeliveryState::kDelivered), MakeWriteContext(kT0))
          .has_value());
  auto late = store_->PutDelivery(MakeDelivery(key, kT0, DeliveryState::kRetrying), 1, std::nullopt,
                                  MakeWriteContext(kT0));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_NE(late.error().message.find("terminal"), std::string::npos) << late.error().message;

  std::optional<DeliveryAttemptRow> other = MakeAttempt("someone-else", 1, kT0);
  auto wrong = store_->PutDelivery(MakeDelivery(key, kT0), 1, other, MakeWriteContext(kT0));
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code, ErrorCode::kInvalidArgument) << Describe(wrong);
}

// Verifies text with a NUL byte and documents that are not JSON objects are kInvalidArgument,
// and lookups with a NUL byte simply find nothing.
TEST_F(PgNotificationStoreTest, BadTextIsInvalidArgument) {
  StoredDeliveryRow nul = MakeDelivery(std::string("k\0x", 3), kT0);
  auto a = store_->CreateDelivery(nul, MakeWriteContext(kT0));
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);
  for (const char* doc : {"[1]", "\"x\"", "{", "", "{\"a\":1} x"}) {
    StoredDeliveryRow d = MakeDelivery("k", kT0);
    d.document = doc;
    auto r = store_->CreateDelivery(d, MakeWriteContext(kT0));
    ASSERT_FALSE(r.has_value()) << doc;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << doc;
    StoredNotifyLog n = MakeLog("c", "p", 0);
    n.document = doc;
    auto l = store_->PutNotifyLog(n, 0, MakeWriteContext(kT0));
    ASSERT_FALSE(l.has_value()) << doc;
    EXPECT_EQ(l.error().code, ErrorCode::kInvalidArgument) << doc;
  }
  StoredChannelHealth h{.channel = "slack", .reason = std::string("a\0b", 3)};
  auto s = store_->SetChannelHealth(h, MakeWriteContext(kT0));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);

  auto got = store_->GetDelivery(std::string("k\0x", 3));
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  auto log = store_->GetNotifyLog(std::string("c\0", 2), "p");
  ASSERT_TRUE(log.has_value()) << Describe(log);
  EXPECT_FALSE(log->has_value());
  auto page = store_->ListDeliveries({.channel = std::string("s\0", 2)}, {});
  ASSERT_TRUE(page.has_value()) << Describe(page);
  EXPECT_TRUE(page->items.empty());
}

// ---- Lists ---------------------------------------------------------------------------------

// Verifies the "why" lists page newest first under each filter without skipping or repeating
// a row, and a replaced routing record keeps its place.
TEST_F(PgNotificationStoreTest, ListsPageNewestFirstUnderEachFilter) {
  for (int i = 0; i < 7; ++i) {
    StoredDeliveryRow d = MakeDelivery("d" + std::to_string(i), kT0);
    d.channel = i % 2 == 0 ? "even" : "odd";
    d.event_id = "evt-" + std::to_string(i % 3);
    ASSERT_TRUE(store_->CreateDelivery(d, MakeWriteContext(kT0)).has_value());
  }
  // Pages of 2 over the "even" channel: d6 d4 | d2 d0.
  std::vector<std::string> seen;
  ports::store::PageRequest req{.after = 0, .limit = 2};
  for (int pages = 0; pages < 5; ++pages) {
    auto page = store_->ListDeliveries({.channel = "even"}, req);
    ASSERT_TRUE(page.has_value()) << Describe(page);
    for (const auto& d : page->items) seen.push_back(d.idempotency_key);
    if (page->next_after == 0) break;
    req.after = page->next_after;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"d6", "d4", "d2", "d0"}));
  auto both = store_->ListDeliveries({.event_id = "evt-0", .channel = "odd"}, {});
  ASSERT_TRUE(both.has_value());
  ASSERT_EQ(both->items.size(), 1u);
  EXPECT_EQ(both->items[0].idempotency_key, "d3");
  EXPECT_EQ(both->next_after, 0);

  for (const char* id : {"e1", "e2", "e3"}) {
    ASSERT_TRUE(store_
                    ->PutRouting(StoredRouting{.event_id = id,
                                               .event_type = "incident.created",
                                               .asset_key = "web-1",
                                               .decided_at = kT0,
                                               .document = "{}"},
                                 MakeWriteContext(kT0))
                    .has_value());
  }
  StoredRouting replaced{.event_id = "e1",
                         .event_type = "incident.created",
                         .asset_key = "web-2",
                         .decided_at = kT0 + minutes(1),
                         .document = R"({"again":true})"};
  ASSERT_TRUE(store_->PutRouting(replaced, MakeWriteContext(kT0)).has_value());
  auto routing = store_->ListRouting({}, {});
  ASSERT_TRUE(routing.has_value()) << Describe(routing);
  ASSERT_EQ(routing->items.size(), 3u);
  EXPECT_EQ(routing->items[0].event_id, "e3");
  EXPECT_EQ(routing->items[2], replaced);
  auto web2 = store_->ListRouting({.asset_key = "web-2"}, {});
  ASSERT_TRUE(web2.has_value());
  ASSERT_EQ(web2->items.size(), 1u);
  EXPECT_EQ(web2->items[0], replaced);
}

// ---- Retention -----------------------------------------------------------------------------

// Verifies retention deletes every old terminal delivery with its attempts, even more than one
// batch of them (1,000), and old routing records, and keeps non-terminal and newer rows.
TEST_F(PgNotificationStoreTest, RetentionDeletesOldTerminalRowsInBatches) {
  constexpr int kOld = 1'050;
  const Timestamp old_time = kT0 - hours(24 * 40);
  for (int i = 0; i < kOld; ++i) {
    auto made = store_->CreateDelivery(
        MakeDelivery("old-" + std::to_string(i), old_time, DeliveryState::kDelivered),
        MakeWriteContext(old_time));
    ASSERT_TRUE(made.has_value()) << Describe(made);
  }
  // An old delivery made terminal by a PutDelivery with an attempt: both go.
  ASSERT_TRUE(store_->CreateDelivery(MakeDelivery("old-dead", old_time), MakeWriteContext(kT0))
                  .has_value());
  std::optional<DeliveryAttemptRow> last = MakeAttempt("old-dead", 1, old_time);
  ASSERT_TRUE(store_
                  ->PutDelivery(MakeDelivery("old-dead", old_time, DeliveryState::kDead), 1, last,
                                MakeWriteContext(kT0))
                  .has_value());
  // Kept: an old delivery still retrying, and a new delivered one.
  ASSERT_TRUE(store_
                  ->CreateDelivery(MakeDelivery("old-retrying", old_time, DeliveryState::kRetrying),
                                   MakeWriteContext(kT0))
                  .has_value());
  ASSERT_TRUE(store_
                  ->CreateDelivery(MakeDelivery("new-done", kT0, DeliveryState::kDelivered),
                                   MakeWriteContext(kT0))
                  .has_value());
  for (auto [id, at] : {std::pair{"evt-old", old_time}, std::pair{"evt-new", kT0}}) {
    ASSERT_TRUE(store_
                    ->PutRouting(StoredRouting{.event_id = id,
                                               .event_type = "posture.changed",
                                               .asset_key = "web-1",
                                               .decided_at = at,
                                               .document = "{}"},
                                 MakeWriteContext(kT0))
                    .has_value());
  }

  auto deleted = store_->DeleteNotificationsBefore(kT0 - hours(24 * 30));
  ASSERT_TRUE(deleted.has_value()) << Describe(deleted);
  EXPECT_EQ(*deleted, kOld + 1 + 1);  // deliveries and the routing record

  auto rest = store_->ListDeliveries({}, {.limit = 1000});
  ASSERT_TRUE(rest.has_value());
  std::set<std::string> keys;
  for (const auto& d : rest->items) keys.insert(d.idempotency_key);
  EXPECT_EQ(keys, (std::set<std::string>{"old-retrying", "new-done"}));
  EXPECT_TRUE(store_->ListDeliveryAttempts("old-dead")->empty());
  EXPECT_FALSE(store_->GetRouting("evt-old")->has_value());
  EXPECT_TRUE(store_->GetRouting("evt-new")->has_value());
  auto again = store_->DeleteNotificationsBefore(kT0 - hours(24 * 30));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 0);
}

// ---- Schema --------------------------------------------------------------------------------

// Verifies the due queries can be served by their partial indexes (the predicates match) and the
// "why" filters by theirs.
TEST_F(PgNotificationStoreTest, DueQueriesUseTheirPartialIndexes) {
  EXPECT_NE(Plan("SELECT channel FROM notify_log WHERE firing AND next_repeat_at IS NOT NULL "
                 "AND next_repeat_at <= 5 ORDER BY next_repeat_at, channel, problem_key LIMIT 10")
                .find("notify_log_repeat_due"),
            std::string::npos);
  EXPECT_NE(Plan("SELECT id FROM deliveries WHERE state IN ('pending', 'retrying') "
                 "AND next_attempt_at IS NOT NULL AND next_attempt_at <= 5 "
                 "ORDER BY next_attempt_at, idempotency_key LIMIT 10")
                .find("deliveries_due"),
            std::string::npos);
  EXPECT_NE(Plan("SELECT id FROM deliveries WHERE event_id = 'e' ORDER BY id DESC LIMIT 10")
                .find("deliveries_event_id"),
            std::string::npos);
  EXPECT_NE(Plan("SELECT id FROM notify_routing WHERE asset_key = 'a' ORDER BY id DESC LIMIT 9")
                .find("notify_routing_asset_key"),
            std::string::npos);
}

// Verifies an attempt without a key is recorded under its delivery's key, and recorded attempts
// cannot be rewritten (the database refuses UPDATE).
TEST_F(PgNotificationStoreTest, AttemptsAreAppendOnly) {
  ASSERT_TRUE(store_->CreateDelivery(MakeDelivery("k", kT0), MakeWriteContext(kT0)).has_value());
  std::optional<DeliveryAttemptRow> a = MakeAttempt("", 1, kT0);
  ASSERT_TRUE(store_
                  ->PutDelivery(MakeDelivery("k", kT0, DeliveryState::kRetrying), 1, a,
                                MakeWriteContext(kT0))
                  .has_value());
  auto attempts = store_->ListDeliveryAttempts("k");
  ASSERT_TRUE(attempts.has_value()) << Describe(attempts);
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].idempotency_key, "k");
  auto r = factory_.server->Query(factory_.database, "UPDATE delivery_attempts SET at = 0");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("append-only"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace secplat::testing
