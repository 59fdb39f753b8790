// SQLite-specific behaviour of SqliteStore that the store contract cannot see: migrations,
// WAL mode, persistence across reopen, the database-level append-only triggers, and the
// mapping of sqlite errors (a lock held by another connection) to ErrorCode.
#include "adapters/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sqlite/connection.h"
#include "adapters/sqlite/migrations.h"
#include "tests/contract/sqlite_store_factory.h"
#include "tests/support/store_builders.h"

namespace secplat::adapters::sqlite {
namespace {

using secplat::testing::MakeAsset;
using secplat::testing::MakeEnvelope;
using secplat::testing::MakeObservation;
using secplat::testing::MakeWriteContext;
using secplat::testing::ScopedTempDir;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);

template <typename T>
std::string Describe(const Result<T>& r) {
  if (r.has_value()) return "ok";
  return std::string(ErrorCodeName(r.error().code)) + ": " + r.error().message;
}

// A raw sqlite3 handle on the same file, to look behind the store's back.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_close(db_);
      db_ = nullptr;
    }
    if (db_ != nullptr) sqlite3_busy_timeout(db_, 1000);
  }
  ~RawDb() { sqlite3_close(db_); }
  bool ok() const { return db_ != nullptr; }
  // Runs `sql`; returns the sqlite result code and puts sqlite's message in *error.
  int Exec(const std::string& sql, std::string* error = nullptr) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    if (error != nullptr) *error = err != nullptr ? err : "";
    sqlite3_free(err);
    return rc;
  }
  // The first column of the first row as text ("" when none).
  std::string Text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr)
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()); }
  std::string DbPath() const { return dir_.path() + "/secplat.db"; }
  std::unique_ptr<SqliteStore> MustOpen(SqliteOptions o = {}) {
    if (o.path.empty()) o.path = DbPath();
    auto s = SqliteStore::Open(o);
    EXPECT_TRUE(s.has_value()) << Describe(s);
    return s.has_value() ? std::move(s).value() : nullptr;
  }

  ScopedTempDir dir_;
};

std::vector<std::string> AllEmbeddedVersions() {
  std::vector<std::string> v;
  for (const Migration& m : EmbeddedMigrations()) v.emplace_back(m.version);
  return v;
}

// Verifies the embedded migrations start at 0001_init and ascend.
TEST(EmbeddedMigrations, StartWithInitAndAscend) {
  auto all = EmbeddedMigrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].version, "0001");
  EXPECT_EQ(all[0].name, "init");
  EXPECT_NE(all[0].sql.find("CREATE TABLE findings"), std::string_view::npos);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].version, all[i].version);
}

// Verifies Open applies every migration once and records version, name and applied_at.
TEST_F(SqliteStoreTest, OpenAppliesMigrationsOnceAndRecordsThem) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto applied = store->AppliedMigrations();
  ASSERT_TRUE(applied.has_value()) << Describe(applied);
  EXPECT_EQ(*applied, AllEmbeddedVersions());
  RawDb raw(DbPath());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.Text("SELECT name FROM schema_migrations WHERE version = '0001'"), "init");
  EXPECT_NE(raw.Text("SELECT applied_at FROM schema_migrations WHERE version = '0001'"), "0");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM schema_migrations"),
            std::to_string(EmbeddedMigrations().size()));
}

// Verifies migration 0005 drops the outbox rows an older binary only marked sent (the relay now
// deletes them) and keeps the backlog.
TEST_F(SqliteStoreTest, Migration0005DropsOutboxRowsMarkedSentAndKeepsTheBacklog) {
  auto all = EmbeddedMigrations();
  std::vector<Migration> before_0005;
  for (const Migration& m : all)
    if (m.version < "0005") before_0005.push_back(m);
  ASSERT_LT(before_0005.size(), all.size());
  {
    auto db = Connection::Open({.path = DbPath()});
    ASSERT_TRUE(db.has_value()) << Describe(db);
    ASSERT_TRUE(ApplyMigrations(**db, before_0005, kT0).has_value());
    auto row = [](const std::string& event_id, const std::string& sent_at) {
      return "INSERT INTO outbox(stream, event_id, event_type, ts, org_id, created_at, "
             "next_attempt_at, sent_at) VALUES ('secplat.events.notify', '" +
             event_id + "', 'posture.changed', 1, 'default', 1, 1, " + sent_at + ")";
    };
    ASSERT_TRUE((*db)->Exec(row("ev-sent", "2")).has_value());
    ASSERT_TRUE((*db)->Exec(row("ev-unsent", "NULL")).has_value());
  }
  auto store = MustOpen();  // applies the rest
  ASSERT_NE(store, nullptr);
  RawDb raw(DbPath());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.Text("SELECT group_concat(event_id) FROM outbox"), "ev-unsent");
  EXPECT_EQ(*store->CountUnsent(), 1);
}

// Verifies a second Migrate() and a reopen apply nothing.
TEST_F(SqliteStoreTest, MigrateIsANoOpWhenUpToDate) {
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    auto again = store->Migrate();
    ASSERT_TRUE(again.has_value()) << Describe(again);
    EXPECT_TRUE(again->empty());
  }
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto again = store->Migrate();
  ASSERT_TRUE(again.has_value()) << Describe(again);
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(*store->AppliedMigrations(), AllEmbeddedVersions());
}

// Verifies apply_migrations = false leaves the schema alone until Migrate() is called, which
// then returns the versions it applied (the `secplat migrate` flow).
TEST_F(SqliteStoreTest, OpenWithoutMigrationsThenMigrate) {
  auto store = MustOpen({.apply_migrations = false});
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->AppliedMigrations()->empty());
  auto applied = store->Migrate();
  ASSERT_TRUE(applied.has_value()) << Describe(applied);
  EXPECT_EQ(*applied, AllEmbeddedVersions());
  auto a = store->CreateAsset(MakeAsset("web-1"), MakeWriteContext(kT0));
  EXPECT_TRUE(a.has_value()) << Describe(a);
}

// Verifies a failing migration rolls back completely (its earlier statements too), is not
// recorded, stops the run, and leaves earlier migrations applied.
TEST_F(SqliteStoreTest, BrokenMigrationRollsBackAndIsNotRecorded) {
  auto db = Connection::Open({.path = DbPath()});
  ASSERT_TRUE(db.has_value()) << Describe(db);
  const std::array<Migration, 3> migrations = {{
      {"0001", "good", "CREATE TABLE good_table (id INTEGER PRIMARY KEY);"},
      {"0002", "broken",
       "CREATE TABLE half_done (id INTEGER); INSERT INTO good_table VALUES (1); THIS IS NOT SQL;"},
      {"0003", "later", "CREATE TABLE later_table (id INTEGER);"},
  }};
  auto applied = ApplyMigrations(**db, migrations, kT0);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::kInternal);
  EXPECT_NE(applied.error().message.find("0002_broken"), std::string::npos)
      << applied.error().message;

  auto recorded = ListAppliedMigrations(**db);
  ASSERT_TRUE(recorded.has_value());
  EXPECT_EQ(*recorded, (std::vector<std::string>{"0001"}));
  EXPECT_FALSE((*db)->InTransaction());
  RawDb raw(DbPath());
  EXPECT_EQ(raw.Text("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'"), "0");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM sqlite_schema WHERE name = 'later_table'"), "0");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM good_table"), "0");

  // Fixed in a later build: the run resumes at 0002.
  const std::array<Migration, 2> fixed = {{migrations[0], {"0002", "fixed", "SELECT 1;"}}};
  auto resumed = ApplyMigrations(**db, fixed, kT0);
  ASSERT_TRUE(resumed.has_value()) << Describe(resumed);
  EXPECT_EQ(*resumed, (std::vector<std::string>{"0002"}));
}

// Verifies a database migrated by a newer binary (an unknown version recorded) is refused.
TEST_F(SqliteStoreTest, DatabaseFromNewerBinaryIsRefused) {
  ASSERT_NE(MustOpen(), nullptr);
  {
    RawDb raw(DbPath());
    ASSERT_EQ(raw.Exec("INSERT INTO schema_migrations VALUES ('9999', 'future', 0)"), SQLITE_OK);
  }
  auto store = SqliteStore::Open({.path = DbPath()});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::kConflict);
  EXPECT_NE(store.error().message.find("9999"), std::string::npos) << store.error().message;
}

// Verifies the database file is in WAL mode with foreign keys enforced by the store.
TEST_F(SqliteStoreTest, DatabaseFileIsInWalMode) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  RawDb raw(DbPath());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
  EXPECT_TRUE(std::filesystem::exists(DbPath() + "-wal"));
}

// Verifies data written by one store is there after closing and reopening the file.
TEST_F(SqliteStoreTest, ReopeningPreservesData) {
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateAsset(MakeAsset("web-1", {{"env", "prod"}}), MakeWriteContext(kT0))
                    .has_value());
    ASSERT_TRUE(store->UpsertFinding(MakeObservation("k1", "web-1", kT0), MakeWriteContext(kT0))
                    .has_value());
    ASSERT_TRUE(
        store->AppendEvent(MakeEnvelope("e1", "web-1", kT0), MakeWriteContext(kT0)).has_value());
  }
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  auto asset = store->GetAsset("web-1");
  ASSERT_TRUE(asset.has_value()) << Describe(asset);
  EXPECT_EQ(asset->labels.at("env"), "prod");
  auto f = store->GetFinding("k1");
  ASSERT_TRUE(f.has_value()) << Describe(f);
  EXPECT_EQ(f->occurrences, 1);
  EXPECT_EQ(store->ListEvents({}, {})->items.size(), 1u);
  EXPECT_EQ(store->ListAudit({})->items.size(), 3u);
}

// Verifies events and audit_log refuse UPDATE and DELETE at the database level.
TEST_F(SqliteStoreTest, EventsAndAuditLogAreAppendOnlyInTheDatabase) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->AppendEvent(MakeEnvelope("e1", "web-1", kT0), MakeWriteContext(kT0)).has_value());
  RawDb raw(DbPath());
  ASSERT_TRUE(raw.ok());
  std::string error;
  for (const char* sql : {"UPDATE events SET org_id = 'x'", "DELETE FROM events",
                          "UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"}) {
    SCOPED_TRACE(sql);
    EXPECT_EQ(raw.Exec(sql, &error), SQLITE_CONSTRAINT);
    EXPECT_NE(error.find("append-only"), std::string::npos) << error;
  }
  EXPECT_EQ(raw.Text("SELECT count(*) FROM events"), "1");
  EXPECT_EQ(raw.Text("SELECT count(*) FROM audit_log"), "1");
}

// Verifies a write blocked by another connection's lock past the busy timeout is unavailable
// (retryable), and writes work again once the lock is gone.
TEST_F(SqliteStoreTest, WriteBlockedByAnotherLockIsUnavailable) {
  auto store = MustOpen({.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_NE(store, nullptr);
  RawDb raw(DbPath());
  ASSERT_TRUE(raw.ok());
  ASSERT_EQ(raw.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  auto blocked = store->CreateAsset(MakeAsset("web-1"), MakeWriteContext(kT0));
  ASSERT_FALSE(blocked.has_value());
  EXPECT_EQ(blocked.error().code, ErrorCode::kUnavailable) << blocked.error().message;
  // Reads are not blocked by a writer in WAL mode.
  EXPECT_TRUE(store->ListAssets({}, {}).has_value());
  ASSERT_EQ(raw.Exec("ROLLBACK"), SQLITE_OK);
  auto ok = store->CreateAsset(MakeAsset("web-1"), MakeWriteContext(kT0));
  EXPECT_TRUE(ok.has_value()) << Describe(ok);
}

// Verifies an in-memory store works (reads share the writer connection).
TEST_F(SqliteStoreTest, InMemoryStoreWorks) {
  auto store = MustOpen({.path = ":memory:"});
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateAsset(MakeAsset("web-1"), MakeWriteContext(kT0)).has_value());
  EXPECT_TRUE(store->GetAsset("web-1").has_value());
  EXPECT_TRUE(store->Ping().has_value());
}

// Verifies bad options and unopenable paths are reported, not crashed on.
TEST_F(SqliteStoreTest, BadOptionsAndPathsAreErrors) {
  auto empty = SqliteStore::Open({.path = ""});
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  auto missing_dir = SqliteStore::Open({.path = dir_.path() + "/no/such/dir/x.db"});
  ASSERT_FALSE(missing_dir.has_value());
  EXPECT_EQ(missing_dir.error().code, ErrorCode::kUnavailable) << missing_dir.error().message;
  // A file that is not a database.
  {
    std::FILE* f = std::fopen(DbPath().c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a sqlite database, just some text that is long enough......", f);
    std::fclose(f);
  }
  auto garbage = SqliteStore::Open({.path = DbPath()});
  ASSERT_FALSE(garbage.has_value());
}

// Verifies concurrent readers and a writer on separate threads see consistent data.
TEST_F(SqliteStoreTest, ReadersRunAlongsideTheWriter) {
  auto store = MustOpen({.read_connections = 2});
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateAsset(MakeAsset("web-1"), MakeWriteContext(kT0)).has_value());
  constexpr int kWrites = 200;
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) {
      // Distinct sightings (the same observed_at twice would be one sighting reported again).
      auto r = store->UpsertFinding(
          MakeObservation("k" + std::to_string(i % 20), "web-1", kT0 + Duration(i)),
          MakeWriteContext(kT0));
      ASSERT_TRUE(r.has_value()) << Describe(r);
    }
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto p = store->ListFindings({.asset_key = "web-1"}, {});
        ASSERT_TRUE(p.has_value()) << Describe(p);
        EXPECT_LE(p->items.size(), 20u);
      }
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  auto all = store->ListFindings({}, {});
  ASSERT_TRUE(all.has_value()) << Describe(all);
  int64_t total = 0;
  for (const auto& f : all->items) total += f.occurrences;
  EXPECT_EQ(total, kWrites);
}

// Verifies each sqlite result code family maps to its ErrorCode.
TEST(ErrorCodeFromSqlite, MapsCodeFamilies) {
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_BUSY), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_BUSY_SNAPSHOT), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_LOCKED), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_CONSTRAINT_UNIQUE), ErrorCode::kConflict);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_CONSTRAINT_FOREIGNKEY), ErrorCode::kConflict);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_IOERR_WRITE), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_FULL), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_CANTOPEN), ErrorCode::kUnavailable);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_ERROR), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_CORRUPT), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeFromSqlite(SQLITE_MISUSE), ErrorCode::kInternal);
}

// Verifies a prepared statement is cached, re-entrant use gets a private copy, and a lease
// resets its statement so no read transaction outlives it.
TEST_F(SqliteStoreTest, StatementCacheHandlesNestedUseAndResets) {
  auto db = Connection::Open({.path = DbPath()});
  ASSERT_TRUE(db.has_value()) << Describe(db);
  ASSERT_TRUE(
      (*db)->Exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2);").has_value());
  const char* sql = "SELECT v FROM t ORDER BY v";
  auto outer = (*db)->Prepare(sql);
  ASSERT_TRUE(outer.has_value());
  ASSERT_TRUE(*(*outer)->Step());
  {
    auto inner = (*db)->Prepare(sql);  // same SQL while the outer one is mid-iteration
    ASSERT_TRUE(inner.has_value());
    ASSERT_TRUE(*(*inner)->Step());
    EXPECT_EQ((*inner)->Int64(0), 1);
  }
  ASSERT_TRUE(*(*outer)->Step());
  EXPECT_EQ((*outer)->Int64(0), 2);
  auto bad = (*db)->Prepare("SELEKT nonsense");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
}

}  // namespace
}  // namespace secplat::adapters::sqlite
