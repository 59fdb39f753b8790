// The contract every ports::store::Store implementation passes: one typed suite, instantiated
// once per backend by a small test file that defines the factory list first:
//
//   #include "tests/contract/sqlite_store_factory.h"
//   namespace secplat::testing {
//   using StoreFactories = ::testing::Types<SqliteStoreFactory>;
//   }  // namespace secplat::testing
//   #include "tests/contract/store_contract.h"
//
// store_contract_test.cc instantiates it for SQLite, store_contract_pgtest.cc for PostgreSQL
// (pg_store_factory.h). A factory type has a name (for test names), a SkipReason() (its tests
// are skipped when the backend is not available here) and Make(), which returns an empty,
// migrated store living as long as the factory.
//
// Audit before/after are compared as parsed JSON, so backends may format JSON differently.
#ifndef SECPLAT_TESTS_CONTRACT_STORE_CONTRACT_H_
#define SECPLAT_TESTS_CONTRACT_STORE_CONTRACT_H_

#include <gtest/gtest.h>

#include <latch>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "adapters/json/codec.h"
#include "core/contracts/envelope.h"
#include "core/outbox/messages.h"
#include "ports/store/store.h"
#include "tests/support/store_builders.h"

namespace secplat::testing {
namespace {

using core::findings::StatusChange;
using core::model::ApiToken;
using core::model::Asset;
using core::model::AssetKind;
using core::model::AuditEntry;
using core::model::EventType;
using core::model::FindingObservation;
using core::model::FindingStatus;
using core::model::Role;
using core::model::ScanJobStatus;
using core::model::Severity;
using ports::store::AssetFilter;
using ports::store::EventFilter;
using ports::store::FindingFilter;
using ports::store::PageRequest;
using ports::store::ScanJobFilter;
using ports::store::WriteContext;
using std::chrono::hours;
using std::chrono::minutes;

struct FactoryNames {
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

nlohmann::json ParseJson(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

template <typename Factory>
class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto reason = Factory::SkipReason()) GTEST_SKIP() << *reason;
    auto made = factory_.Make();
    ASSERT_TRUE(made.has_value()) << Describe(made);
    store_ = std::move(made).value();
  }

  ports::store::Store& store() { return *store_; }

  Asset MustCreateAsset(const std::string& key, core::model::Labels labels = {}) {
    auto a = store_->CreateAsset(MakeAsset(key, std::move(labels)), MakeWriteContext(kT0));
    EXPECT_TRUE(a.has_value()) << Describe(a);
    return a.has_value() ? *a : Asset{};
  }

  // Every audit row, oldest first (walks all pages).
  std::vector<AuditEntry> AllAudit() {
    std::vector<AuditEntry> out;
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

  std::vector<AuditEntry> AuditWithAction(const std::string& action) {
    std::vector<AuditEntry> out;
    for (auto& a : AllAudit())
      if (a.action == action) out.push_back(a);
    return out;
  }

  Factory factory_;
  std::unique_ptr<ports::store::Store> store_;
};

TYPED_TEST_SUITE(StoreContract, StoreFactories, FactoryNames);

// ---- Assets ------------------------------------------------------------------------------

// Verifies a created asset gets an id, version 1 and created/updated times from the context.
TYPED_TEST(StoreContract, CreateAssetAssignsIdVersionAndTimestamps) {
  auto a = this->store().CreateAsset(MakeAsset("web-1"), MakeWriteContext(kT0));
  ASSERT_TRUE(a.has_value()) << Describe(a);
  EXPECT_GT(a->id, 0);
  EXPECT_EQ(a->version, 1);
  EXPECT_EQ(a->created_at, kT0);
  EXPECT_EQ(a->updated_at, kT0);
  EXPECT_FALSE(a->deleted_at.has_value());
}

// Verifies every field, labels and scan settings included, survives a round trip.
TYPED_TEST(StoreContract, GetAssetReturnsEveryFieldLabelsAndScanSettings) {
  Asset in = MakeAsset("host-1", {{"env", "prod"}, {"team", "blue"}});
  in.kind = AssetKind::kHost;
  in.url = "";
  in.port = 22;
  in.criticality = core::model::Criticality::kCritical;
  in.enabled = false;
  in.scan["web_exposure"] = {.enabled = false, .interval_seconds = 0};
  ASSERT_TRUE(this->store().CreateAsset(in, MakeWriteContext(kT0)).has_value());

  auto got = this->store().GetAsset("host-1");
  ASSERT_TRUE(got.has_value()) << Describe(got);
  EXPECT_EQ(got->asset_key, "host-1");
  EXPECT_EQ(got->name, in.name);
  EXPECT_EQ(got->kind, AssetKind::kHost);
  EXPECT_EQ(got->url, "");
  EXPECT_EQ(got->host, in.host);
  EXPECT_EQ(got->port, 22);
  EXPECT_EQ(got->labels, in.labels);
  EXPECT_EQ(got->owner, in.owner);
  EXPECT_EQ(got->criticality, core::model::Criticality::kCritical);
  EXPECT_EQ(got->environment, in.environment);
  EXPECT_FALSE(got->enabled);
  EXPECT_EQ(got->scan, in.scan);
  EXPECT_EQ(got->version, 1);
}

// Verifies an active key cannot be registered twice.
TYPED_TEST(StoreContract, CreateAssetWithActiveKeyIsConflict) {
  this->MustCreateAsset("web-1");
  auto again = this->store().CreateAsset(MakeAsset("web-1"), MakeWriteContext(kT0));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

// Verifies an unknown key reads as not found.
TYPED_TEST(StoreContract, GetUnknownAssetIsNotFound) {
  auto got = this->store().GetAsset("nope");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
}

// Verifies an update replaces the mutable fields and labels, bumps the version and keeps
// created_at.
TYPED_TEST(StoreContract, UpdateAssetReplacesFieldsAndBumpsVersion) {
  Asset a = this->MustCreateAsset("web-1", {{"env", "prod"}, {"old", "x"}});
  a.name = "Renamed";
  a.labels = {{"env", "staging"}};
  a.scan.clear();
  auto up = this->store().UpdateAsset(a, MakeWriteContext(kT0 + minutes(1)));
  ASSERT_TRUE(up.has_value()) << Describe(up);
  EXPECT_EQ(up->version, 2);
  EXPECT_EQ(up->created_at, kT0);
  EXPECT_EQ(up->updated_at, kT0 + minutes(1));

  auto got = this->store().GetAsset("web-1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->name, "Renamed");
  EXPECT_EQ(got->labels, (core::model::Labels{{"env", "staging"}}));
  EXPECT_TRUE(got->scan.empty());
  EXPECT_EQ(got->version, 2);
}

// Verifies an update based on a stale version is refused and changes nothing.
TYPED_TEST(StoreContract, UpdateAssetWithStaleVersionIsConflict) {
  Asset a = this->MustCreateAsset("web-1");
  Asset first = a;
  first.name = "first";
  ASSERT_TRUE(this->store().UpdateAsset(first, MakeWriteContext(kT0)).has_value());
  Asset stale = a;  // still version 1
  stale.name = "stale";
  auto up = this->store().UpdateAsset(stale, MakeWriteContext(kT0));
  ASSERT_FALSE(up.has_value());
  EXPECT_EQ(up.error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->store().GetAsset("web-1")->name, "first");
}

// Verifies updating an unknown asset is not found.
TYPED_TEST(StoreContract, UpdateUnknownAssetIsNotFound) {
  auto up = this->store().UpdateAsset(MakeAsset("ghost"), MakeWriteContext(kT0));
  ASSERT_FALSE(up.has_value());
  EXPECT_EQ(up.error().code, ErrorCode::kNotFound);
}

// Verifies a soft delete hides the asset from Get and default lists but keeps the row, disabled
// and stamped, for include_deleted.
TYPED_TEST(StoreContract, DeleteAssetIsSoftAndHidesIt) {
  this->MustCreateAsset("web-1");
  auto del = this->store().DeleteAsset("web-1", MakeWriteContext(kT0 + hours(1)));
  ASSERT_TRUE(del.has_value()) << Describe(del);
  EXPECT_EQ(del->deleted_at, kT0 + hours(1));
  EXPECT_FALSE(del->enabled);

  EXPECT_EQ(this->store().GetAsset("web-1").error().code, ErrorCode::kNotFound);
  auto active = this->store().ListAssets({}, {});
  ASSERT_TRUE(active.has_value());
  EXPECT_TRUE(active->items.empty());
  auto all = this->store().ListAssets({.include_deleted = true}, {});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->items.size(), 1u);
  EXPECT_EQ(all->items[0].deleted_at, kT0 + hours(1));
  EXPECT_FALSE(all->items[0].enabled);
}

// Verifies deleting an unknown or already deleted asset is not found.
TYPED_TEST(StoreContract, DeleteUnknownOrDeletedAssetIsNotFound) {
  EXPECT_EQ(this->store().DeleteAsset("ghost", MakeWriteContext(kT0)).error().code,
            ErrorCode::kNotFound);
  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store().DeleteAsset("web-1", MakeWriteContext(kT0)).has_value());
  EXPECT_EQ(this->store().DeleteAsset("web-1", MakeWriteContext(kT0)).error().code,
            ErrorCode::kNotFound);
}

// Verifies creating a soft-deleted key revives it: same id, new values, not deleted.
TYPED_TEST(StoreContract, CreateAssetRevivesSoftDeletedKey) {
  Asset old = this->MustCreateAsset("web-1", {{"env", "prod"}});
  ASSERT_TRUE(this->store().DeleteAsset("web-1", MakeWriteContext(kT0)).has_value());
  Asset fresh = MakeAsset("web-1", {{"env", "lab"}});
  fresh.name = "Reborn";
  auto revived = this->store().CreateAsset(fresh, MakeWriteContext(kT0 + hours(2)));
  ASSERT_TRUE(revived.has_value()) << Describe(revived);
  EXPECT_EQ(revived->id, old.id);
  EXPECT_FALSE(revived->deleted_at.has_value());
  EXPECT_TRUE(revived->enabled);
  EXPECT_GT(revived->version, old.version);
  auto got = this->store().GetAsset("web-1");
  ASSERT_TRUE(got.has_value()) << Describe(got);
  EXPECT_EQ(got->name, "Reborn");
  EXPECT_EQ(got->labels, (core::model::Labels{{"env", "lab"}}));
}

// Verifies label (key and key=value), environment and kind filters, and their combination.
TYPED_TEST(StoreContract, ListAssetsFiltersByLabelEnvironmentAndKind) {
  this->MustCreateAsset("a", {{"env", "prod"}, {"pci", "yes"}});
  this->MustCreateAsset("b", {{"env", "staging"}});
  Asset c = MakeAsset("c", {{"env", "prod"}});
  c.kind = AssetKind::kHost;
  c.environment = "lab";
  ASSERT_TRUE(this->store().CreateAsset(c, MakeWriteContext(kT0)).has_value());

  auto keys = [&](const AssetFilter& f) {
    std::vector<std::string> out;
    auto p = this->store().ListAssets(f, {});
    EXPECT_TRUE(p.has_value()) << Describe(p);
    if (p.has_value())
      for (auto& a : p->items) out.push_back(a.asset_key);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys({.label_key = "env", .label_value = "prod"}), (V{"a", "c"}));
  EXPECT_EQ(keys({.label_key = "pci"}), (V{"a"}));
  EXPECT_EQ(keys({.label_key = "missing"}), (V{}));
  EXPECT_EQ(keys({.environment = "lab"}), (V{"c"}));
  EXPECT_EQ(keys({.kind = AssetKind::kWeb}), (V{"a", "b"}));
  EXPECT_EQ(keys({.label_key = "env", .label_value = "prod", .kind = AssetKind::kWeb}), (V{"a"}));
  // Listed assets carry their labels.
  auto p = this->store().ListAssets({.label_key = "pci"}, {});
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->items.size(), 1u);
  EXPECT_EQ(p->items[0].labels.at("pci"), "yes");
}

// Verifies keyset pagination by id: full pages carry next_after, the last page (even when it is
// exactly full) carries 0, and every asset is seen once in id order.
TYPED_TEST(StoreContract, ListAssetsPaginatesById) {
  for (std::string k : {"a1", "a2", "a3", "a4"}) this->MustCreateAsset(k);
  std::vector<std::string> seen;
  std::vector<int64_t> ids;
  PageRequest page{.after = 0, .limit = 2};
  int pages = 0;
  while (true) {
    auto p = this->store().ListAssets({}, page);
    ASSERT_TRUE(p.has_value()) << Describe(p);
    ++pages;
    for (auto& a : p->items) {
      seen.push_back(a.asset_key);
      ids.push_back(a.id);
    }
    if (p->next_after == 0) break;
    EXPECT_EQ(p->next_after, p->items.back().id);
    page.after = p->next_after;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

// Verifies the page size is clamped to [1, 1000].
TYPED_TEST(StoreContract, ListAssetsClampsLimit) {
  for (std::string k : {"a1", "a2", "a3"}) this->MustCreateAsset(k);
  auto zero = this->store().ListAssets({}, {.after = 0, .limit = 0});
  ASSERT_TRUE(zero.has_value());
  EXPECT_EQ(zero->items.size(), 1u);
  EXPECT_NE(zero->next_after, 0);
  auto huge = this->store().ListAssets({}, {.after = 0, .limit = 1'000'000});
  ASSERT_TRUE(huge.has_value());
  EXPECT_EQ(huge->items.size(), 3u);
  EXPECT_EQ(huge->next_after, 0);
}

// ---- Findings ----------------------------------------------------------------------------

// Verifies the first sighting creates an open finding with one occurrence.
TYPED_TEST(StoreContract, UpsertNewFindingCreatesRow) {
  this->MustCreateAsset("web-1");
  auto up = this->store().UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0));
  ASSERT_TRUE(up.has_value()) << Describe(up);
  EXPECT_TRUE(up->created);
  EXPECT_GT(up->finding.id, 0);
  EXPECT_EQ(up->finding.status, FindingStatus::kOpen);
  EXPECT_EQ(up->finding.occurrences, 1);
  EXPECT_EQ(up->finding.first_seen, kT0);

  auto got = this->store().GetFinding("k1");
  ASSERT_TRUE(got.has_value()) << Describe(got);
  EXPECT_EQ(got->id, up->finding.id);
  EXPECT_EQ(got->asset_key, "web-1");
  EXPECT_EQ(got->check_id, "hsts_missing");
  EXPECT_EQ(got->location, "strict-transport-security");
  EXPECT_EQ(got->severity, Severity::kMedium);
  EXPECT_EQ(ParseJson(got->evidence_json), ParseJson(MakeObservation("k", "a", kT0).evidence_json));
  EXPECT_EQ(got->updated_at, kT0);
}

// Verifies a repeated sighting updates the row: occurrences 2, last_seen moves, content follows.
TYPED_TEST(StoreContract, UpsertRepeatedFindingUpdatesOccurrencesAndLastSeen) {
  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0))
                  .has_value());
  FindingObservation again = MakeObservation("k1", "web-1", kT0 + minutes(5));
  again.severity = Severity::kHigh;
  auto up = this->store().UpsertFinding(again, MakeWriteContext(kT0 + minutes(5)));
  ASSERT_TRUE(up.has_value()) << Describe(up);
  EXPECT_FALSE(up->created);
  EXPECT_EQ(up->finding.occurrences, 2);
  EXPECT_EQ(up->finding.first_seen, kT0);
  EXPECT_EQ(up->finding.last_seen, kT0 + minutes(5));
  auto got = this->store().GetFinding("k1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->occurrences, 2);
  EXPECT_EQ(got->last_seen, kT0 + minutes(5));
  EXPECT_EQ(got->severity, Severity::kHigh);
}

// Verifies a finding key already used by another asset is refused, naming that asset.
TYPED_TEST(StoreContract, UpsertFindingKeyOfAnotherAssetIsConflict) {
  this->MustCreateAsset("web-1");
  this->MustCreateAsset("web-2");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0))
                  .has_value());
  auto up = this->store().UpsertFinding(MakeObservation("k1", "web-2", kT0), MakeWriteContext(kT0));
  ASSERT_FALSE(up.has_value());
  EXPECT_EQ(up.error().code, ErrorCode::kConflict);
  EXPECT_EQ(up.error().message, "finding_key 'k1' belongs to asset 'web-1'");
}

// Verifies findings need an existing, not deleted asset.
TYPED_TEST(StoreContract, UpsertFindingForUnknownOrDeletedAssetIsNotFound) {
  auto up = this->store().UpsertFinding(MakeObservation("k1", "ghost", kT0), MakeWriteContext(kT0));
  ASSERT_FALSE(up.has_value());
  EXPECT_EQ(up.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(up.error().message, "asset 'ghost' not found");

  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store().DeleteAsset("web-1", MakeWriteContext(kT0)).has_value());
  auto deleted =
      this->store().UpsertFinding(MakeObservation("k2", "web-1", kT0), MakeWriteContext(kT0));
  ASSERT_FALSE(deleted.has_value());
  EXPECT_EQ(deleted.error().code, ErrorCode::kNotFound);
}

// Verifies a batch applies in input order (a key twice counts twice) and writes one audit row
// with the created/updated counts.
TYPED_TEST(StoreContract, UpsertFindingsBatchAppliesInOrderWithOneAuditRow) {
  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("old", "web-1", kT0), MakeWriteContext(kT0))
                  .has_value());
  std::vector<FindingObservation> batch = {MakeObservation("new", "web-1", kT0),
                                           MakeObservation("old", "web-1", kT0 + minutes(1)),
                                           MakeObservation("new", "web-1", kT0 + minutes(2))};
  auto out = this->store().UpsertFindings(batch, MakeWriteContext(kT0 + minutes(3), "req-b"));
  ASSERT_TRUE(out.has_value()) << Describe(out);
  ASSERT_EQ(out->size(), 3u);
  EXPECT_TRUE((*out)[0].created);
  EXPECT_FALSE((*out)[1].created);
  EXPECT_FALSE((*out)[2].created);
  EXPECT_EQ((*out)[2].finding.occurrences, 2);
  EXPECT_EQ(this->store().GetFinding("old")->occurrences, 2);

  auto rows = this->AuditWithAction("finding.upsert_batch");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].request_id, "req-b");
  EXPECT_EQ(rows[0].ts, kT0 + minutes(3));
  EXPECT_EQ(ParseJson(rows[0].after_json), (nlohmann::json{{"created", 1}, {"updated", 2}}));
}

// Verifies a batch with a bad item in the middle writes nothing at all (no finding, no audit
// row) and names the failing index.
TYPED_TEST(StoreContract, UpsertFindingsBatchIsAllOrNothing) {
  this->MustCreateAsset("web-1");
  this->MustCreateAsset("web-2");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("taken", "web-2", kT0), MakeWriteContext(kT0))
                  .has_value());
  size_t audit_before = this->AllAudit().size();

  std::vector<FindingObservation> unknown_asset = {MakeObservation("b1", "web-1", kT0),
                                                   MakeObservation("b2", "ghost", kT0),
                                                   MakeObservation("b3", "web-1", kT0)};
  auto out = this->store().UpsertFindings(unknown_asset, MakeWriteContext(kT0));
  ASSERT_FALSE(out.has_value());
  EXPECT_EQ(out.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(out.error().message, "findings[1]: asset 'ghost' not found");

  std::vector<FindingObservation> wrong_owner = {MakeObservation("b1", "web-1", kT0),
                                                 MakeObservation("taken", "web-1", kT0)};
  auto out2 = this->store().UpsertFindings(wrong_owner, MakeWriteContext(kT0));
  ASSERT_FALSE(out2.has_value());
  EXPECT_EQ(out2.error().code, ErrorCode::kConflict);
  EXPECT_EQ(out2.error().message.rfind("findings[1]: ", 0), 0u) << out2.error().message;

  EXPECT_EQ(this->store().GetFinding("b1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store().GetFinding("b3").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store().GetFinding("taken")->occurrences, 1);
  EXPECT_EQ(this->AllAudit().size(), audit_before);
}

// Verifies a status change applies the core rule and is audited with before and after.
TYPED_TEST(StoreContract, ChangeFindingStatusIsAuditedWithBeforeAndAfter) {
  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0))
                  .has_value());
  auto f = this->store().ChangeFindingStatus(
      "k1", {.to = FindingStatus::kResolved, .reason = "fixed in nginx"},
      MakeWriteContext(kT0 + hours(1), "req-status", "token:alice/aaaaaaaaaaaaaaaa"));
  ASSERT_TRUE(f.has_value()) << Describe(f);
  EXPECT_EQ(f->status, FindingStatus::kResolved);
  EXPECT_EQ(f->resolved_at, kT0 + hours(1));
  auto got = this->store().GetFinding("k1");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, FindingStatus::kResolved);
  EXPECT_EQ(got->status_reason, "fixed in nginx");

  auto rows = this->AuditWithAction("finding.status");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].actor, "token:alice/aaaaaaaaaaaaaaaa");
  EXPECT_EQ(rows[0].request_id, "req-status");
  EXPECT_EQ(rows[0].target, "finding:k1");
  auto before = ParseJson(rows[0].before_json);
  auto after = ParseJson(rows[0].after_json);
  EXPECT_EQ(before.value("status", ""), "open");
  EXPECT_EQ(after.value("status", ""), "resolved");
  EXPECT_EQ(after.value("status_reason", ""), "fixed in nginx");
}

// Verifies the core rule's refusals come through: a repeated status is a conflict, an
// acceptance without a reason is invalid, and nothing is written for either.
TYPED_TEST(StoreContract, ChangeFindingStatusPassesOnCoreRuleErrors) {
  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0))
                  .has_value());
  auto same =
      this->store().ChangeFindingStatus("k1", {.to = FindingStatus::kOpen}, MakeWriteContext(kT0));
  ASSERT_FALSE(same.has_value());
  EXPECT_EQ(same.error().code, ErrorCode::kConflict);
  auto no_reason = this->store().ChangeFindingStatus(
      "k1", {.to = FindingStatus::kAccepted, .accepted_until = kT0 + hours(24)},
      MakeWriteContext(kT0));
  ASSERT_FALSE(no_reason.has_value());
  EXPECT_EQ(no_reason.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(this->AuditWithAction("finding.status").empty());
}

// Verifies changing the status of an unknown finding is not found.
TYPED_TEST(StoreContract, ChangeStatusOfUnknownFindingIsNotFound) {
  auto f = this->store().ChangeFindingStatus("ghost", {.to = FindingStatus::kResolved},
                                             MakeWriteContext(kT0));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store().GetFinding("ghost").error().code, ErrorCode::kNotFound);
}

// Verifies a false positive stays a false positive when it is seen again.
TYPED_TEST(StoreContract, FalsePositiveStaysAfterNewSighting) {
  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0))
                  .has_value());
  ASSERT_TRUE(this->store()
                  .ChangeFindingStatus("k1",
                                       {.to = FindingStatus::kFalsePositive, .reason = "lab host"},
                                       MakeWriteContext(kT0 + minutes(1)))
                  .has_value());
  auto up = this->store().UpsertFinding(MakeObservation("k1", "web-1", kT0 + hours(1)),
                                        MakeWriteContext(kT0 + hours(1)));
  ASSERT_TRUE(up.has_value()) << Describe(up);
  EXPECT_EQ(up->finding.status, FindingStatus::kFalsePositive);
  EXPECT_EQ(this->store().GetFinding("k1")->status, FindingStatus::kFalsePositive);
}

// Verifies 16 concurrent first sightings of one key make exactly one row, exactly one of them
// reports created, and every sighting is counted.
TYPED_TEST(StoreContract, ConcurrentUpsertsOfOneNewKeyMakeOneRow) {
  this->MustCreateAsset("web-1");
  constexpr int kThreads = 16;
  std::latch start(kThreads);
  std::vector<Result<ports::store::UpsertOutcome>> results(
      kThreads, Unexpected(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] =
          this->store().UpsertFinding(MakeObservation("race", "web-1", kT0), MakeWriteContext(kT0));
    });
  }
  for (auto& t : threads) t.join();
  int created = 0;
  for (auto& r : results) {
    ASSERT_TRUE(r.has_value()) << Describe(r);
    created += r->created ? 1 : 0;
  }
  EXPECT_EQ(created, 1);
  auto page = this->store().ListFindings({.asset_key = "web-1"}, {});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].occurrences, kThreads);
}

// Verifies that concurrent writers do not share fates: of 32 simultaneous upserts, the ones for
// an unknown asset fail alone (nothing of theirs is written, audit included) and every other one
// is stored with its audit row — whatever batching the store does underneath.
TYPED_TEST(StoreContract, ConcurrentWritesSucceedOrFailIndependently) {
  this->MustCreateAsset("web-1");
  auto audit_before = this->store().ListAudit({.limit = 1000});
  ASSERT_TRUE(audit_before.has_value());
  constexpr int kThreads = 32;
  std::latch start(kThreads);
  std::vector<Result<ports::store::UpsertOutcome>> results(
      kThreads, Unexpected(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      std::string asset = i % 3 == 0 ? "no-such-asset" : "web-1";
      results[i] = this->store().UpsertFinding(
          MakeObservation("indep-" + std::to_string(i), asset, kT0), MakeWriteContext(kT0));
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0;
  for (int i = 0; i < kThreads; ++i) {
    if (i % 3 == 0) {
      ASSERT_FALSE(results[i].has_value()) << i;
      EXPECT_EQ(results[i].error().code, ErrorCode::kNotFound) << i;
      EXPECT_FALSE(this->store().GetFinding("indep-" + std::to_string(i)).has_value()) << i;
    } else {
      ASSERT_TRUE(results[i].has_value()) << Describe(results[i]);
      EXPECT_TRUE(results[i]->created);
      EXPECT_TRUE(this->store().GetFinding("indep-" + std::to_string(i)).has_value()) << i;
      ++ok;
    }
  }
  auto audit_after = this->store().ListAudit({.limit = 1000});
  ASSERT_TRUE(audit_after.has_value());
  EXPECT_EQ(audit_after->items.size() - audit_before->items.size(), static_cast<size_t>(ok));
}

// Verifies the asset, severity, status and since (last_seen >= since) filters and pagination.
TYPED_TEST(StoreContract, ListFindingsFiltersAndPaginates) {
  this->MustCreateAsset("web-1");
  this->MustCreateAsset("web-2");
  FindingObservation high = MakeObservation("f-high", "web-1", kT0 + hours(2));
  high.severity = Severity::kHigh;
  for (const auto& obs : {MakeObservation("f-old", "web-1", kT0), high,
                          MakeObservation("f-other", "web-2", kT0 + hours(3))}) {
    ASSERT_TRUE(this->store().UpsertFinding(obs, MakeWriteContext(kT0)).has_value());
  }
  ASSERT_TRUE(
      this->store()
          .ChangeFindingStatus("f-old", {.to = FindingStatus::kResolved}, MakeWriteContext(kT0))
          .has_value());
  auto keys = [&](const FindingFilter& f) {
    std::vector<std::string> out;
    auto p = this->store().ListFindings(f, {});
    EXPECT_TRUE(p.has_value()) << Describe(p);
    if (p.has_value())
      for (auto& x : p->items) out.push_back(x.finding_key);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys({}), (V{"f-old", "f-high", "f-other"}));
  EXPECT_EQ(keys({.asset_key = "web-1"}), (V{"f-old", "f-high"}));
  EXPECT_EQ(keys({.severity = Severity::kHigh}), (V{"f-high"}));
  EXPECT_EQ(keys({.status = FindingStatus::kResolved}), (V{"f-old"}));
  EXPECT_EQ(keys({.since = kT0 + hours(2)}), (V{"f-high", "f-other"}));
  EXPECT_EQ(keys({.asset_key = "web-1", .status = FindingStatus::kOpen}), (V{"f-high"}));

  auto p1 = this->store().ListFindings({}, {.after = 0, .limit = 2});
  ASSERT_TRUE(p1.has_value());
  ASSERT_EQ(p1->items.size(), 2u);
  ASSERT_NE(p1->next_after, 0);
  auto p2 = this->store().ListFindings({}, {.after = p1->next_after, .limit = 2});
  ASSERT_TRUE(p2.has_value());
  ASSERT_EQ(p2->items.size(), 1u);
  EXPECT_EQ(p2->items[0].finding_key, "f-other");
  EXPECT_EQ(p2->next_after, 0);
}

// ---- Events ------------------------------------------------------------------------------

// Verifies every envelope field round-trips and the store assigns seq and received_at.
TYPED_TEST(StoreContract, AppendEventRoundTripsEveryField) {
  core::model::Envelope e = MakeEnvelope("0b7e2c1a-0000-4000-8000-000000000001", "web-1", kT0);
  auto out = this->store().AppendEvent(e, MakeWriteContext(kT0 + minutes(1)));
  ASSERT_TRUE(out.has_value()) << Describe(out);
  EXPECT_TRUE(out->created);
  EXPECT_GT(out->event.seq, 0);
  EXPECT_EQ(out->event.received_at, kT0 + minutes(1));

  auto page = this->store().ListEvents({}, {});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->items.size(), 1u);
  const auto& got = page->items[0];
  EXPECT_EQ(got.seq, out->event.seq);
  EXPECT_EQ(got.received_at, kT0 + minutes(1));
  EXPECT_EQ(got.envelope.event_id, e.event_id);
  EXPECT_EQ(got.envelope.event_type, EventType::kScanCompleted);
  EXPECT_EQ(got.envelope.ts, kT0);
  EXPECT_EQ(got.envelope.org_id, "default");
  EXPECT_EQ(got.envelope.request_id, "req-event");
  EXPECT_EQ(got.envelope.asset_key, "web-1");
  EXPECT_EQ(got.envelope.severity, Severity::kLow);
  EXPECT_EQ(ParseJson(got.envelope.payload_json), ParseJson(e.payload_json));

  // Absent optional fields stay absent.
  core::model::Envelope bare = MakeEnvelope("0b7e2c1a-0000-4000-8000-000000000002", "", kT0);
  bare.severity.reset();
  bare.request_id.clear();
  bare.payload_json.clear();
  auto b = this->store().AppendEvent(bare, MakeWriteContext(kT0));
  ASSERT_TRUE(b.has_value()) << Describe(b);
  auto all = this->store().ListEvents({}, {});
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_FALSE(all->items[1].envelope.severity.has_value());
  EXPECT_EQ(all->items[1].envelope.asset_key, "");
  EXPECT_EQ(all->items[1].envelope.request_id, "");
  EXPECT_EQ(all->items[1].envelope.payload_json, "");
}

// Verifies appending an event_id twice stores it once, returns the stored one, and audits once.
TYPED_TEST(StoreContract, AppendEventIsIdempotentOnEventId) {
  core::model::Envelope e = MakeEnvelope("0b7e2c1a-0000-4000-8000-000000000001", "web-1", kT0);
  auto first = this->store().AppendEvent(e, MakeWriteContext(kT0));
  ASSERT_TRUE(first.has_value()) << Describe(first);
  core::model::Envelope changed = e;
  changed.asset_key = "web-2";
  auto second = this->store().AppendEvent(changed, MakeWriteContext(kT0 + minutes(1)));
  ASSERT_TRUE(second.has_value()) << Describe(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->event.seq, first->event.seq);
  EXPECT_EQ(second->event.envelope.asset_key, "web-1");
  EXPECT_EQ(second->event.received_at, kT0);
  EXPECT_EQ(this->store().ListEvents({}, {})->items.size(), 1u);
  EXPECT_EQ(this->AuditWithAction("event.append").size(), 1u);
}

// Verifies AppendEvents appends in order with one outcome each (an already stored event_id is
// created = false and keeps the stored event), and each new event gets its audit and outbox rows
// as AppendEvent gives them.
TYPED_TEST(StoreContract, AppendEventsAppendsInOrderAndIsIdempotent) {
  core::model::Envelope stored = MakeEnvelope("0b7e2c1a-0000-4000-8000-000000000001", "web-1", kT0);
  ASSERT_TRUE(this->store().AppendEvent(stored, MakeWriteContext(kT0)).has_value());
  std::vector<core::model::Envelope> batch = {
      MakeEnvelope("0b7e2c1a-0000-4000-8000-000000000002", "web-1", kT0,
                   EventType::kPostureChanged),
      stored,
      MakeEnvelope("0b7e2c1a-0000-4000-8000-000000000003", "web-2", kT0,
                   EventType::kPostureChanged),
  };
  auto out = this->store().AppendEvents(batch, MakeWriteContext(kT0 + minutes(1)));
  ASSERT_TRUE(out.has_value()) << Describe(out);
  ASSERT_EQ(out->size(), 3u);
  EXPECT_TRUE((*out)[0].created);
  EXPECT_FALSE((*out)[1].created);
  EXPECT_EQ((*out)[1].event.received_at, kT0);
  EXPECT_TRUE((*out)[2].created);
  EXPECT_LT((*out)[0].event.seq, (*out)[2].event.seq);
  auto page = this->store().ListEvents({}, {});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[1].envelope.event_id, batch[0].event_id);
  EXPECT_EQ(page->items[2].envelope.event_id, batch[2].event_id);
  EXPECT_EQ(this->AuditWithAction("event.append").size(), 3u);
  // posture.changed events go to the notify stream through the outbox, like AppendEvent's.
  auto claimed = this->store().ClaimUnsent(10, kT0 + hours(1));
  ASSERT_TRUE(claimed.has_value()) << Describe(claimed);
  int posture_messages = 0;
  for (const auto& m : *claimed)
    posture_messages += m.envelope.event_type == EventType::kPostureChanged ? 1 : 0;
  EXPECT_EQ(posture_messages, 2);
}

// Verifies asset, type, since (inclusive) and until (exclusive) filters.
TYPED_TEST(StoreContract, ListEventsFiltersByAssetTypeAndTime) {
  auto add = [&](std::string id, std::string asset, Timestamp ts, EventType type) {
    auto r = this->store().AppendEvent(MakeEnvelope(std::move(id), std::move(asset), ts, type),
                                       MakeWriteContext(kT0));
    ASSERT_TRUE(r.has_value()) << Describe(r);
  };
  add("e1", "web-1", kT0, EventType::kScanCompleted);
  add("e2", "web-2", kT0 + minutes(1), EventType::kScanCompleted);
  add("e3", "web-1", kT0 + minutes(2), EventType::kFindingCreated);
  add("e4", "web-1", kT0 + minutes(3), EventType::kScanFailed);
  auto ids = [&](const EventFilter& f) {
    std::vector<std::string> out;
    auto p = this->store().ListEvents(f, {});
    EXPECT_TRUE(p.has_value()) << Describe(p);
    if (p.has_value())
      for (auto& e : p->items) out.push_back(e.envelope.event_id);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({.asset_key = "web-1"}), (V{"e1", "e3", "e4"}));
  EXPECT_EQ(ids({.event_type = EventType::kScanCompleted}), (V{"e1", "e2"}));
  EXPECT_EQ(ids({.since = kT0 + minutes(1)}), (V{"e2", "e3", "e4"}));
  EXPECT_EQ(ids({.until = kT0 + minutes(2)}), (V{"e1", "e2"}));
  EXPECT_EQ(ids({.asset_key = "web-1", .since = kT0 + minutes(1), .until = kT0 + minutes(3)}),
            (V{"e3"}));
}

// Verifies events page by seq in arrival order (not by ts).
TYPED_TEST(StoreContract, ListEventsPaginatesBySeq) {
  for (int i = 0; i < 5; ++i) {
    // ts decreasing: arrival order must win.
    ASSERT_TRUE(this->store()
                    .AppendEvent(MakeEnvelope("e" + std::to_string(i), "web-1", kT0 - minutes(i)),
                                 MakeWriteContext(kT0))
                    .has_value());
  }
  std::vector<std::string> seen;
  PageRequest page{.after = 0, .limit = 2};
  for (int guard = 0; guard < 10; ++guard) {
    auto p = this->store().ListEvents({}, page);
    ASSERT_TRUE(p.has_value()) << Describe(p);
    for (auto& e : p->items) seen.push_back(e.envelope.event_id);
    if (p->next_after == 0) break;
    EXPECT_EQ(p->next_after, p->items.back().seq);
    page.after = p->next_after;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"e0", "e1", "e2", "e3", "e4"}));
}

// ---- Scan jobs ---------------------------------------------------------------------------

// Verifies a job starts queued, and a second create with the same idempotency key returns the
// first job without creating (or auditing) another.
TYPED_TEST(StoreContract, CreateScanJobIsIdempotentOnKey) {
  this->MustCreateAsset("web-1");
  auto first =
      this->store().CreateScanJob(MakeScanJob("tls:web-1:1", "web-1"), MakeWriteContext(kT0));
  ASSERT_TRUE(first.has_value()) << Describe(first);
  EXPECT_TRUE(first->created);
  EXPECT_GT(first->job.id, 0);
  EXPECT_EQ(first->job.status, ScanJobStatus::kQueued);
  EXPECT_EQ(first->job.attempts, 0);
  EXPECT_EQ(first->job.created_at, kT0);
  EXPECT_EQ(first->job.requested_by, "scheduler");

  auto second =
      this->store().CreateScanJob(MakeScanJob("tls:web-1:1", "web-1"), MakeWriteContext(kT0));
  ASSERT_TRUE(second.has_value()) << Describe(second);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->job.id, first->job.id);
  EXPECT_EQ(this->store().ListScanJobs({}, {})->items.size(), 1u);
  EXPECT_EQ(this->AuditWithAction("scan_job.create").size(), 1u);

  auto got = this->store().GetScanJob(first->job.id);
  ASSERT_TRUE(got.has_value()) << Describe(got);
  EXPECT_EQ(got->idempotency_key, "tls:web-1:1");
  EXPECT_EQ(got->scan_type, "tls_headers");
  EXPECT_EQ(got->asset_key, "web-1");
  EXPECT_EQ(got->request_id, "req-job");
}

// Verifies jobs need an existing, not deleted asset.
TYPED_TEST(StoreContract, CreateScanJobForUnknownAssetIsNotFound) {
  auto j = this->store().CreateScanJob(MakeScanJob("k", "ghost"), MakeWriteContext(kT0));
  ASSERT_FALSE(j.has_value());
  EXPECT_EQ(j.error().code, ErrorCode::kNotFound);
}

// Verifies the transitions keep attempts, started_at, finished_at and last_error.
TYPED_TEST(StoreContract, ScanJobTransitionsTrackAttemptsAndTimes) {
  this->MustCreateAsset("web-1");
  auto j = this->store().CreateScanJob(MakeScanJob("k", "web-1"), MakeWriteContext(kT0));
  ASSERT_TRUE(j.has_value());
  const int64_t id = j->job.id;
  auto& s = this->store();

  auto run1 =
      s.UpdateScanJobStatus(id, ScanJobStatus::kRunning, "", MakeWriteContext(kT0 + minutes(1)));
  ASSERT_TRUE(run1.has_value()) << Describe(run1);
  EXPECT_EQ(run1->attempts, 1);
  EXPECT_EQ(run1->started_at, kT0 + minutes(1));
  EXPECT_FALSE(run1->finished_at.has_value());

  auto failed = s.UpdateScanJobStatus(id, ScanJobStatus::kFailed, "connect timeout",
                                      MakeWriteContext(kT0 + minutes(2)));
  ASSERT_TRUE(failed.has_value()) << Describe(failed);
  EXPECT_EQ(failed->finished_at, kT0 + minutes(2));
  EXPECT_EQ(failed->last_error, "connect timeout");

  ASSERT_TRUE(
      s.UpdateScanJobStatus(id, ScanJobStatus::kQueued, "", MakeWriteContext(kT0 + minutes(3)))
          .has_value());
  auto run2 =
      s.UpdateScanJobStatus(id, ScanJobStatus::kRunning, "", MakeWriteContext(kT0 + minutes(4)));
  ASSERT_TRUE(run2.has_value()) << Describe(run2);
  EXPECT_EQ(run2->attempts, 2);
  EXPECT_EQ(run2->started_at, kT0 + minutes(4));
  EXPECT_FALSE(run2->finished_at.has_value());
  EXPECT_EQ(run2->last_error, "connect timeout");  // kept until a new error replaces it

  auto done =
      s.UpdateScanJobStatus(id, ScanJobStatus::kDone, "", MakeWriteContext(kT0 + minutes(5)));
  ASSERT_TRUE(done.has_value()) << Describe(done);
  auto got = s.GetScanJob(id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, ScanJobStatus::kDone);
  EXPECT_EQ(got->attempts, 2);
  EXPECT_EQ(got->finished_at, kT0 + minutes(5));
  EXPECT_EQ(got->updated_at, kT0 + minutes(5));

  auto rows = this->AuditWithAction("scan_job.status");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(ParseJson(rows[4].before_json).value("status", ""), "running");
  EXPECT_EQ(ParseJson(rows[4].after_json).value("status", ""), "done");
}

// Verifies transitions core::scans forbids are refused and leave the job unchanged.
TYPED_TEST(StoreContract, ScanJobDisallowedTransitionIsConflict) {
  this->MustCreateAsset("web-1");
  auto j = this->store().CreateScanJob(MakeScanJob("k", "web-1"), MakeWriteContext(kT0));
  ASSERT_TRUE(j.has_value());
  const int64_t id = j->job.id;
  auto skip =
      this->store().UpdateScanJobStatus(id, ScanJobStatus::kDone, "", MakeWriteContext(kT0));
  ASSERT_FALSE(skip.has_value());
  EXPECT_EQ(skip.error().code, ErrorCode::kConflict);
  EXPECT_EQ(this->store().GetScanJob(id)->status, ScanJobStatus::kQueued);

  ASSERT_TRUE(this->store()
                  .UpdateScanJobStatus(id, ScanJobStatus::kDead, "", MakeWriteContext(kT0))
                  .has_value());
  auto revive =
      this->store().UpdateScanJobStatus(id, ScanJobStatus::kRunning, "", MakeWriteContext(kT0));
  ASSERT_FALSE(revive.has_value());
  EXPECT_EQ(revive.error().code, ErrorCode::kConflict);
}

// Verifies log appends accumulate and stop at 1 MiB with resource exhausted, keeping the log.
TYPED_TEST(StoreContract, AppendScanJobLogAccumulatesAndCapsAtOneMiB) {
  this->MustCreateAsset("web-1");
  auto j = this->store().CreateScanJob(MakeScanJob("k", "web-1"), MakeWriteContext(kT0));
  ASSERT_TRUE(j.has_value());
  const int64_t id = j->job.id;
  ASSERT_TRUE(this->store().AppendScanJobLog(id, "line 1\n", MakeWriteContext(kT0)).has_value());
  auto two = this->store().AppendScanJobLog(id, "line 2\n", MakeWriteContext(kT0));
  ASSERT_TRUE(two.has_value()) << Describe(two);
  EXPECT_EQ(two->log_output, "line 1\nline 2\n");

  const size_t room = 1024 * 1024 - two->log_output.size();
  auto fill = this->store().AppendScanJobLog(id, std::string(room, 'x'), MakeWriteContext(kT0));
  ASSERT_TRUE(fill.has_value()) << Describe(fill);
  EXPECT_EQ(fill->log_output.size(), 1024u * 1024u);
  auto over = this->store().AppendScanJobLog(id, "y", MakeWriteContext(kT0));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(this->store().GetScanJob(id)->log_output.size(), 1024u * 1024u);
  EXPECT_EQ(this->AuditWithAction("scan_job.log").size(), 3u);
}

// Verifies unknown job ids are not found for every job operation.
TYPED_TEST(StoreContract, UnknownScanJobIsNotFound) {
  EXPECT_EQ(this->store().GetScanJob(999).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(this->store()
                .UpdateScanJobStatus(999, ScanJobStatus::kRunning, "", MakeWriteContext(kT0))
                .error()
                .code,
            ErrorCode::kNotFound);
  EXPECT_EQ(this->store().AppendScanJobLog(999, "x", MakeWriteContext(kT0)).error().code,
            ErrorCode::kNotFound);
}

// Verifies asset, scan type and status filters on jobs.
TYPED_TEST(StoreContract, ListScanJobsFilters) {
  this->MustCreateAsset("web-1");
  this->MustCreateAsset("web-2");
  auto& s = this->store();
  auto a = s.CreateScanJob(MakeScanJob("1", "web-1", "tls_headers"), MakeWriteContext(kT0));
  auto b = s.CreateScanJob(MakeScanJob("2", "web-1", "health_http"), MakeWriteContext(kT0));
  auto c = s.CreateScanJob(MakeScanJob("3", "web-2", "tls_headers"), MakeWriteContext(kT0));
  ASSERT_TRUE(a.has_value() && b.has_value() && c.has_value());
  ASSERT_TRUE(s.UpdateScanJobStatus(b->job.id, ScanJobStatus::kRunning, "", MakeWriteContext(kT0))
                  .has_value());
  auto keys = [&](const ScanJobFilter& f) {
    std::vector<std::string> out;
    auto p = s.ListScanJobs(f, {});
    EXPECT_TRUE(p.has_value()) << Describe(p);
    if (p.has_value())
      for (auto& j : p->items) out.push_back(j.idempotency_key);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(keys({}), (V{"1", "2", "3"}));
  EXPECT_EQ(keys({.asset_key = "web-1"}), (V{"1", "2"}));
  EXPECT_EQ(keys({.scan_type = "tls_headers"}), (V{"1", "3"}));
  EXPECT_EQ(keys({.status = ScanJobStatus::kRunning}), (V{"2"}));
  EXPECT_EQ(keys({.asset_key = "web-2", .status = ScanJobStatus::kQueued}), (V{"3"}));
}

// ---- Tokens ------------------------------------------------------------------------------

// Verifies a token can be created, found (with its hash), listed in creation order and revoked.
TYPED_TEST(StoreContract, TokensCanBeCreatedFoundListedAndRevoked) {
  auto& s = this->store();
  ApiToken t1 = MakeToken("00000000000000b1", Role::kAdmin, kT0 + minutes(1));
  ApiToken t2 = MakeToken("00000000000000a2", Role::kViewer, kT0 + minutes(2));
  ASSERT_TRUE(s.CreateToken(t1, MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(s.CreateToken(t2, MakeWriteContext(kT0)).has_value());

  auto found = s.FindToken(t1.id);
  ASSERT_TRUE(found.has_value()) << Describe(found);
  EXPECT_EQ(found->name, t1.name);
  EXPECT_EQ(found->role, Role::kAdmin);
  EXPECT_EQ(found->secret_hash, t1.secret_hash);
  EXPECT_EQ(found->created_by, "cli");
  EXPECT_EQ(found->created_at, kT0 + minutes(1));
  EXPECT_FALSE(found->revoked_at.has_value());

  auto revoked = s.RevokeToken(t1.id, MakeWriteContext(kT0 + hours(1)));
  ASSERT_TRUE(revoked.has_value()) << Describe(revoked);
  auto list = s.ListTokens();
  ASSERT_TRUE(list.has_value()) << Describe(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, t1.id);  // created first, listed first though its id sorts last
  EXPECT_EQ((*list)[0].revoked_at, kT0 + hours(1));
  EXPECT_EQ((*list)[1].id, t2.id);
  EXPECT_FALSE((*list)[1].revoked_at.has_value());
}

// Verifies a token id cannot be reused.
TYPED_TEST(StoreContract, CreateDuplicateTokenIsConflict) {
  ApiToken t = MakeToken("00000000000000c3", Role::kAnalyst, kT0);
  ASSERT_TRUE(this->store().CreateToken(t, MakeWriteContext(kT0)).has_value());
  auto again = this->store().CreateToken(t, MakeWriteContext(kT0));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

// Verifies revoking twice is fine (the first revocation time stays), unknown ids are not found.
TYPED_TEST(StoreContract, RevokeTwiceIsNotAnErrorAndUnknownIsNotFound) {
  ApiToken t = MakeToken("00000000000000d4", Role::kAnalyst, kT0);
  ASSERT_TRUE(this->store().CreateToken(t, MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(this->store().RevokeToken(t.id, MakeWriteContext(kT0 + minutes(1))).has_value());
  auto twice = this->store().RevokeToken(t.id, MakeWriteContext(kT0 + minutes(2)));
  EXPECT_TRUE(twice.has_value()) << twice.error().message;
  EXPECT_EQ(this->store().FindToken(t.id)->revoked_at, kT0 + minutes(1));
  EXPECT_EQ(this->store().RevokeToken("ffffffffffffffff", MakeWriteContext(kT0)).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(this->store().FindToken("ffffffffffffffff").error().code, ErrorCode::kNotFound);
}

// Verifies only active admin tokens are counted.
TYPED_TEST(StoreContract, CountActiveAdminsIgnoresRevokedAndOtherRoles) {
  auto& s = this->store();
  EXPECT_EQ(s.CountActiveAdmins().value_or(-1), 0);
  ASSERT_TRUE(s.CreateToken(MakeToken("a1", Role::kAdmin, kT0), MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(s.CreateToken(MakeToken("a2", Role::kAdmin, kT0), MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(
      s.CreateToken(MakeToken("s1", Role::kService, kT0), MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(s.RevokeToken("a2", MakeWriteContext(kT0)).has_value());
  EXPECT_EQ(s.CountActiveAdmins().value_or(-1), 1);
}

// Verifies token audit rows never contain the secret hash.
TYPED_TEST(StoreContract, TokenAuditNeverContainsTheSecretHash) {
  ApiToken t = MakeToken("00000000000000e5", Role::kAdmin, kT0);
  t.secret_hash = "5ecret5ecret5ecret";
  ASSERT_TRUE(this->store().CreateToken(t, MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(this->store().RevokeToken(t.id, MakeWriteContext(kT0)).has_value());
  auto rows = this->AllAudit();
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& r : rows) {
    EXPECT_EQ(r.before_json.find("5ecret"), std::string::npos) << r.before_json;
    EXPECT_EQ(r.after_json.find("5ecret"), std::string::npos) << r.after_json;
  }
}

// ---- Audit -------------------------------------------------------------------------------

// Verifies every write leaves exactly one audit row with its action, target, actor, request id
// and time, in order; reads and no-op writes leave none.
TYPED_TEST(StoreContract, EveryWriteIsAuditedWithActorActionAndRequestId) {
  auto& s = this->store();
  int n = 0;
  auto ctx = [&](int i) {
    return MakeWriteContext(kT0 + minutes(i), "req-" + std::to_string(i),
                            "token:t" + std::to_string(i) + "/0000000000000000");
  };
  Asset a = MakeAsset("web-1");
  auto created = s.CreateAsset(a, ctx(++n));
  ASSERT_TRUE(created.has_value());
  a.version = created->version;
  a.name = "renamed";
  ASSERT_TRUE(s.UpdateAsset(a, ctx(++n)).has_value());
  ASSERT_TRUE(s.UpsertFinding(MakeObservation("k1", "web-1", kT0), ctx(++n)).has_value());
  std::vector<FindingObservation> batch = {MakeObservation("k2", "web-1", kT0)};
  ASSERT_TRUE(s.UpsertFindings(batch, ctx(++n)).has_value());
  ASSERT_TRUE(s.ChangeFindingStatus("k1", {.to = FindingStatus::kResolved}, ctx(++n)).has_value());
  ASSERT_TRUE(s.AppendEvent(MakeEnvelope("ev-1", "web-1", kT0), ctx(++n)).has_value());
  auto job = s.CreateScanJob(MakeScanJob("job-1", "web-1"), ctx(++n));
  ASSERT_TRUE(job.has_value());
  ASSERT_TRUE(
      s.UpdateScanJobStatus(job->job.id, ScanJobStatus::kRunning, "", ctx(++n)).has_value());
  ASSERT_TRUE(s.AppendScanJobLog(job->job.id, "hello\n", ctx(++n)).has_value());
  ASSERT_TRUE(s.CreateToken(MakeToken("tok-1", Role::kViewer, kT0), ctx(++n)).has_value());
  ASSERT_TRUE(s.RevokeToken("tok-1", ctx(++n)).has_value());
  ASSERT_TRUE(s.DeleteAsset("web-1", ctx(++n)).has_value());
  // No-ops and reads: no audit rows.
  ASSERT_TRUE(s.AppendEvent(MakeEnvelope("ev-1", "web-1", kT0), ctx(99)).has_value());
  ASSERT_TRUE(s.CreateScanJob(MakeScanJob("job-1", "web-1"), ctx(99)).has_value());
  ASSERT_TRUE(s.RevokeToken("tok-1", ctx(99)).has_value());
  ASSERT_TRUE(s.ListAssets({.include_deleted = true}, {}).has_value());

  const std::string job_target = "scan_job:" + std::to_string(job->job.id);
  struct Want {
    std::string action, target;
  };
  std::vector<Want> want = {{"asset.create", "asset:web-1"},  {"asset.update", "asset:web-1"},
                            {"finding.upsert", "finding:k1"}, {"finding.upsert_batch", ""},
                            {"finding.status", "finding:k1"}, {"event.append", "event:ev-1"},
                            {"scan_job.create", job_target},  {"scan_job.status", job_target},
                            {"scan_job.log", job_target},     {"token.create", "token:tok-1"},
                            {"token.revoke", "token:tok-1"},  {"asset.delete", "asset:web-1"}};
  auto rows = this->AllAudit();
  ASSERT_EQ(rows.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("audit row " + std::to_string(i) + " " + want[i].action);
    const int k = static_cast<int>(i) + 1;
    EXPECT_EQ(rows[i].action, want[i].action);
    if (!want[i].target.empty()) {
      EXPECT_EQ(rows[i].target, want[i].target);
    }
    EXPECT_EQ(rows[i].actor, "token:t" + std::to_string(k) + "/0000000000000000");
    EXPECT_EQ(rows[i].request_id, "req-" + std::to_string(k));
    EXPECT_EQ(rows[i].ts, kT0 + minutes(k));
    EXPECT_FALSE(rows[i].after_json.empty());
    EXPECT_FALSE(ParseJson(rows[i].after_json).is_discarded()) << rows[i].after_json;
    if (i > 0) {
      EXPECT_GT(rows[i].id, rows[i - 1].id);
    }
  }
  // Creates have no before; updates do.
  EXPECT_TRUE(rows[0].before_json.empty());
  EXPECT_TRUE(rows[2].before_json.empty());  // finding.upsert that created
  EXPECT_EQ(ParseJson(rows[1].before_json).value("name", ""), "Asset web-1");
  EXPECT_EQ(ParseJson(rows[1].after_json).value("name", ""), "renamed");
}

// Verifies a repeated finding upsert is audited with the previous row as before.
TYPED_TEST(StoreContract, RepeatedUpsertIsAuditedWithBefore) {
  this->MustCreateAsset("web-1");
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0))
                  .has_value());
  ASSERT_TRUE(this->store()
                  .UpsertFinding(MakeObservation("k1", "web-1", kT0 + minutes(1)),
                                 MakeWriteContext(kT0 + minutes(1)))
                  .has_value());
  auto rows = this->AuditWithAction("finding.upsert");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(rows[0].before_json.empty());
  EXPECT_EQ(ParseJson(rows[1].before_json).value("occurrences", 0), 1);
  EXPECT_EQ(ParseJson(rows[1].after_json).value("occurrences", 0), 2);
}

// Verifies the audit log pages by id, newest last.
TYPED_TEST(StoreContract, ListAuditPaginates) {
  for (int i = 0; i < 5; ++i) this->MustCreateAsset("a" + std::to_string(i));
  auto p1 = this->store().ListAudit({.after = 0, .limit = 3});
  ASSERT_TRUE(p1.has_value()) << Describe(p1);
  ASSERT_EQ(p1->items.size(), 3u);
  EXPECT_EQ(p1->next_after, p1->items.back().id);
  auto p2 = this->store().ListAudit({.after = p1->next_after, .limit = 3});
  ASSERT_TRUE(p2.has_value());
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_EQ(p2->next_after, 0);
  EXPECT_EQ(p2->items.back().target, "asset:a4");
}

// Verifies a healthy store answers Ping.
TYPED_TEST(StoreContract, PingSucceeds) {
  auto ping = this->store().Ping();
  EXPECT_TRUE(ping.has_value()) << ping.error().message;
}

// ---- Outbox ------------------------------------------------------------------------------

// Verifies creating a scan job commits exactly one unsent scan.requested row on the scan stream,
// carrying the job's id, key, asset, request id and creation time.
TYPED_TEST(StoreContract, CreatedScanJobYieldsExactlyOneUnsentOutboxRow) {
  this->MustCreateAsset("web-1");
  auto job =
      this->store().CreateScanJob(MakeScanJob("tls:web-1:1", "web-1"), MakeWriteContext(kT0));
  ASSERT_TRUE(job.has_value()) << Describe(job);
  EXPECT_EQ(*this->store().CountUnsent(), 1);
  auto claimed = this->store().ClaimUnsent(10, kT0);
  ASSERT_TRUE(claimed.has_value()) << Describe(claimed);
  ASSERT_EQ(claimed->size(), 1u);
  const ports::store::OutboxMessage& m = claimed->at(0);
  EXPECT_GT(m.id, 0);
  EXPECT_EQ(m.stream, "secplat.jobs.scan");
  EXPECT_EQ(m.attempts, 0);
  EXPECT_EQ(m.last_error, "");
  EXPECT_EQ(m.created_at, kT0);
  EXPECT_EQ(m.envelope.event_type, EventType::kScanRequested);
  EXPECT_EQ(m.envelope.event_id, core::outbox::ScanRequestedEventId("tls:web-1:1"));
  EXPECT_EQ(m.envelope.ts, kT0);
  EXPECT_EQ(m.envelope.org_id, "default");
  EXPECT_EQ(m.envelope.request_id, "req-job");
  EXPECT_EQ(m.envelope.asset_key, "web-1");
  EXPECT_FALSE(m.envelope.severity.has_value());
  nlohmann::json payload = ParseJson(m.envelope.payload_json);
  EXPECT_EQ(payload.value("job_id", int64_t{0}), job->job.id);
  EXPECT_EQ(payload.value("scan_type", ""), "tls_headers");
  EXPECT_EQ(payload.value("idempotency_key", ""), "tls:web-1:1");
  EXPECT_EQ(payload.value("asset_key", ""), "web-1");
}

// Verifies repeating a scan request with the same idempotency key adds no outbox row, even
// after the first one was sent.
TYPED_TEST(StoreContract, RepeatedIdempotencyKeyAddsNoOutboxRow) {
  this->MustCreateAsset("web-1");
  auto& s = this->store();
  ASSERT_TRUE(s.CreateScanJob(MakeScanJob("k1", "web-1"), MakeWriteContext(kT0)).has_value());
  auto again = s.CreateScanJob(MakeScanJob("k1", "web-1"), MakeWriteContext(kT0 + minutes(1)));
  ASSERT_TRUE(again.has_value()) << Describe(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(*s.CountUnsent(), 1);

  auto claimed = s.ClaimUnsent(10, kT0 + minutes(2));
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->size(), 1u);
  std::vector<int64_t> ids{claimed->at(0).id};
  ASSERT_TRUE(s.MarkSent(ids).has_value());
  ASSERT_TRUE(
      s.CreateScanJob(MakeScanJob("k1", "web-1"), MakeWriteContext(kT0 + minutes(3))).has_value());
  EXPECT_EQ(*s.CountUnsent(), 0);
  EXPECT_TRUE(s.ClaimUnsent(10, kT0 + hours(1))->empty());
}

// Verifies an event the notifier consumes (posture.changed) yields one notify row with the
// same envelope and a repeat of its event_id none; a scan result (scan.completed) yields one
// derive row (it is the deriver's job); an event nobody consumes (finding.updated) none.
TYPED_TEST(StoreContract, EventsYieldOneOutboxRowForTheirConsumer) {
  auto& s = this->store();
  core::model::Envelope posture = MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000a1", "web-1", kT0,
                                               EventType::kPostureChanged);
  ASSERT_TRUE(s.AppendEvent(posture, MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(s.AppendEvent(posture, MakeWriteContext(kT0 + minutes(1))).has_value());
  core::model::Envelope completed =
      MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000a2", "web-1", kT0);
  ASSERT_EQ(completed.event_type, EventType::kScanCompleted);
  ASSERT_TRUE(s.AppendEvent(completed, MakeWriteContext(kT0)).has_value());
  ASSERT_TRUE(s.AppendEvent(completed, MakeWriteContext(kT0 + minutes(1))).has_value());
  core::model::Envelope updated = MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000a3", "web-1", kT0,
                                               EventType::kFindingUpdated);
  ASSERT_TRUE(s.AppendEvent(updated, MakeWriteContext(kT0)).has_value());

  EXPECT_EQ(*s.CountUnsent(), 2);
  auto claimed = s.ClaimUnsent(10, kT0 + minutes(5));
  ASSERT_TRUE(claimed.has_value()) << Describe(claimed);
  ASSERT_EQ(claimed->size(), 2u);
  const core::model::Envelope& e = claimed->at(0).envelope;
  EXPECT_EQ(claimed->at(0).stream, "secplat.events.notify");
  EXPECT_EQ(e.event_id, posture.event_id);
  EXPECT_EQ(e.event_type, EventType::kPostureChanged);
  EXPECT_EQ(e.ts, kT0);
  EXPECT_EQ(e.org_id, "default");
  EXPECT_EQ(e.request_id, "req-event");
  EXPECT_EQ(e.asset_key, "web-1");
  EXPECT_EQ(e.severity, Severity::kLow);
  EXPECT_EQ(ParseJson(e.payload_json), ParseJson(posture.payload_json));
  EXPECT_EQ(claimed->at(1).stream, "secplat.jobs.derive");
  EXPECT_EQ(claimed->at(1).envelope.event_id, completed.event_id);
  EXPECT_EQ(claimed->at(1).envelope.event_type, EventType::kScanCompleted);
}

// Verifies a write that fails (a job for an unknown asset) leaves no outbox row behind.
TYPED_TEST(StoreContract, FailedWriteLeavesNoOutboxRow) {
  auto j = this->store().CreateScanJob(MakeScanJob("k", "ghost"), MakeWriteContext(kT0));
  ASSERT_FALSE(j.has_value());
  EXPECT_EQ(*this->store().CountUnsent(), 0);
  EXPECT_TRUE(this->store().ClaimUnsent(10, kT0 + hours(1))->empty());
}

// Verifies ClaimUnsent returns due rows oldest first, honours the limit, does not change rows,
// and does not return rows created after `now`.
TYPED_TEST(StoreContract, ClaimUnsentReturnsDueRowsOldestFirstUpToLimit) {
  this->MustCreateAsset("web-1");
  auto& s = this->store();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(s.CreateScanJob(MakeScanJob("k" + std::to_string(i), "web-1"),
                                MakeWriteContext(kT0 + minutes(i)))
                    .has_value());
  }
  auto first3 = s.ClaimUnsent(3, kT0 + hours(1));
  ASSERT_TRUE(first3.has_value()) << Describe(first3);
  ASSERT_EQ(first3->size(), 3u);
  EXPECT_LT(first3->at(0).id, first3->at(1).id);
  EXPECT_LT(first3->at(1).id, first3->at(2).id);
  EXPECT_EQ(ParseJson(first3->at(0).envelope.payload_json).value("idempotency_key", ""), "k0");
  EXPECT_EQ(ParseJson(first3->at(2).envelope.payload_json).value("idempotency_key", ""), "k2");

  auto again = s.ClaimUnsent(3, kT0 + hours(1));  // claiming does not consume
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->size(), 3u);
  EXPECT_EQ(again->at(0).id, first3->at(0).id);

  auto due = s.ClaimUnsent(100, kT0 + minutes(1));  // the rows of minutes 0 and 1
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->size(), 2u);
  EXPECT_EQ(*s.CountUnsent(), 5);
}

// Verifies MarkSent hides the rows from ClaimUnsent, lowers CountUnsent, and ignores ids that
// are unknown or already sent.
TYPED_TEST(StoreContract, MarkSentHidesRowsAndIgnoresUnknownIds) {
  this->MustCreateAsset("web-1");
  auto& s = this->store();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(
        s.CreateScanJob(MakeScanJob("k" + std::to_string(i), "web-1"), MakeWriteContext(kT0))
            .has_value());
  auto claimed = s.ClaimUnsent(10, kT0);
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->size(), 3u);
  std::vector<int64_t> ids{claimed->at(0).id, claimed->at(2).id, 999999};
  auto marked = s.MarkSent(ids);
  ASSERT_TRUE(marked.has_value()) << marked.error().message;
  EXPECT_EQ(*s.CountUnsent(), 1);
  auto rest = s.ClaimUnsent(10, kT0 + hours(1));
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->at(0).id, claimed->at(1).id);

  auto twice = s.MarkSent(ids);
  EXPECT_TRUE(twice.has_value());
  EXPECT_TRUE(s.MarkSent(std::span<const int64_t>()).has_value());
  EXPECT_EQ(*s.CountUnsent(), 1);
}

// Verifies MarkFailed counts the attempt, keeps the error and holds the row back until
// next_attempt_at; later failures accumulate.
TYPED_TEST(StoreContract, MarkFailedRecordsErrorAndDelaysTheRow) {
  this->MustCreateAsset("web-1");
  auto& s = this->store();
  ASSERT_TRUE(s.CreateScanJob(MakeScanJob("k", "web-1"), MakeWriteContext(kT0)).has_value());
  auto claimed = s.ClaimUnsent(10, kT0);
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->size(), 1u);
  const int64_t id = claimed->at(0).id;

  auto failed = s.MarkFailed(id, "redis: connection refused", kT0 + minutes(1));
  ASSERT_TRUE(failed.has_value()) << failed.error().message;
  EXPECT_TRUE(s.ClaimUnsent(10, kT0 + minutes(1) - std::chrono::milliseconds(1))->empty());
  EXPECT_EQ(*s.CountUnsent(), 1);  // not due, still unsent
  auto due = s.ClaimUnsent(10, kT0 + minutes(1));
  ASSERT_TRUE(due.has_value());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).attempts, 1);
  EXPECT_EQ(due->at(0).last_error, "redis: connection refused");

  ASSERT_TRUE(s.MarkFailed(id, "timeout", kT0 + minutes(3)).has_value());
  auto later = s.ClaimUnsent(10, kT0 + minutes(3));
  ASSERT_TRUE(later.has_value());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(later->at(0).attempts, 2);
  EXPECT_EQ(later->at(0).last_error, "timeout");
  EXPECT_EQ(later->at(0).created_at, kT0);
}

// Verifies MarkFailed of an unknown row, or of one already sent, is kNotFound and changes
// nothing.
TYPED_TEST(StoreContract, MarkFailedOfUnknownOrSentRowIsNotFound) {
  this->MustCreateAsset("web-1");
  auto& s = this->store();
  auto unknown = s.MarkFailed(424242, "x", kT0);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(s.CreateScanJob(MakeScanJob("k", "web-1"), MakeWriteContext(kT0)).has_value());
  auto claimed = s.ClaimUnsent(10, kT0);
  ASSERT_TRUE(claimed.has_value());
  ASSERT_EQ(claimed->size(), 1u);
  std::vector<int64_t> ids{claimed->at(0).id};
  ASSERT_TRUE(s.MarkSent(ids).has_value());
  auto sent = s.MarkFailed(ids[0], "late failure", kT0 + hours(1));
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(*s.CountUnsent(), 0);
}

// Verifies outbox envelopes pass the contract's validation and survive the JSON codec: encoded
// with EncodeEnvelope they decode back to the same envelope.
TYPED_TEST(StoreContract, OutboxEnvelopesAreValidAndRoundTripThroughTheCodec) {
  this->MustCreateAsset("web-1");
  auto& s = this->store();
  ASSERT_TRUE(
      s.CreateScanJob(MakeScanJob("tls_headers+web-1+490099", "web-1"), MakeWriteContext(kT0))
          .has_value());
  core::model::Envelope alert = MakeEnvelope("0b7e2c1a-0000-4000-8000-0000000000b1", "web-1", kT0,
                                             EventType::kAlertTriggered);
  alert.payload_json = R"({"rule":"cert_expiry","text":"caf\u00e9 \"quoted\""})";
  ASSERT_TRUE(s.AppendEvent(alert, MakeWriteContext(kT0)).has_value());

  auto claimed = s.ClaimUnsent(10, kT0);
  ASSERT_TRUE(claimed.has_value()) << Describe(claimed);
  ASSERT_EQ(claimed->size(), 2u);
  for (const ports::store::OutboxMessage& m : *claimed) {
    auto valid = core::contracts::ValidateEnvelope(m.envelope);
    EXPECT_TRUE(valid.has_value()) << m.stream << ": " << valid.error().message;
    std::string encoded = adapters::json::EncodeEnvelope(m.envelope);
    auto decoded = adapters::json::DecodeEnvelope(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded << ": " << Describe(decoded);
    EXPECT_EQ(decoded->event_id, m.envelope.event_id);
    EXPECT_EQ(decoded->event_type, m.envelope.event_type);
    EXPECT_EQ(decoded->ts, m.envelope.ts);
    EXPECT_EQ(decoded->org_id, m.envelope.org_id);
    EXPECT_EQ(decoded->request_id, m.envelope.request_id);
    EXPECT_EQ(decoded->asset_key, m.envelope.asset_key);
    EXPECT_EQ(decoded->severity, m.envelope.severity);
    EXPECT_EQ(ParseJson(decoded->payload_json), ParseJson(m.envelope.payload_json));
  }
}

}  // namespace
}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_CONTRACT_STORE_CONTRACT_H_
