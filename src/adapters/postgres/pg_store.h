// PgStore: every storage port (ports/store/store.h) over PostgreSQL (libpqxx), for the split
// deployment. Same behaviour as SqliteStore (tests/contract/store_contract.h runs on both):
// every write runs in one transaction together with its audit_log row and, when
// core/outbox/messages.h says the write causes a message, its outbox row. Thread-safe.
//
//   SECPLAT_ASSIGN_OR_RETURN(auto store,
//                            PgStore::Open({.url = "postgres://secplat@127.0.0.1:5432/secplat"}));
//   auto up = store->UpsertFinding(obs, {.actor = "cli", .request_id = "r1", .now = now});
//   // up->created == true the first time, false (occurrences 2) the second
//
// Connections come from a pool (opened on demand, statement_timeout set on each; every
// statement is prepared once per connection). A connection found broken is closed, idle ones
// with it, and the call is retried once on a fresh connection; while the server is down every
// call fails fast with kUnavailable (the API answers 503) and the store recovers by itself when
// the server is back. Concurrent upserts of one new key (findings, scan jobs, events) meet in
// INSERT ... ON CONFLICT: one row, created = true exactly once.
//
// events is partitioned by month on ts (migrations/postgres/0001_init.sql): AppendEvent makes
// sure the partition of the event's month exists first (remembered per store), and
// DropExpiredEventPartitions applies event_retention_months.
#ifndef SECPLAT_ADAPTERS_POSTGRES_PG_STORE_H_
#define SECPLAT_ADAPTERS_POSTGRES_PG_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"
#include "ports/store/store.h"

namespace secplat::adapters::postgres {

class ConnectionPool;
class PgConnection;

struct PgOptions {
  std::string url;    // postgres://user[:password]@host:port/db[?param=value...]
  int pool_size = 8;  // clamped to [1, 256]
  Duration statement_timeout = std::chrono::seconds(5);  // per statement; 0: none
  Duration connect_timeout = std::chrono::seconds(5);    // rounded up to whole seconds
  int event_retention_months = 13;                       // 0: keep events forever
  bool apply_migrations = true;                          // run Migrate() inside Open()
};

// The largest log_output a scan job may reach, in bytes; AppendScanJobLog refuses more.
inline constexpr size_t kMaxScanJobLogBytes = 1024 * 1024;

// The partition of `ts`'s month: name "events_pYYYYMM" and [from, to) in unix milliseconds.
struct EventPartition {
  std::string name;
  int64_t from_ms = 0;
  int64_t to_ms = 0;
};
EventPartition EventPartitionFor(Timestamp ts);

class PgStore final : public ports::store::Store {
 public:
  // Connects (one connection, to fail early), then applies pending migrations unless disabled.
  // Errors: kInvalidArgument (bad options: the URL must start with postgres:// or
  // postgresql://), kUnavailable (cannot connect), kConflict (the database was migrated by a
  // newer binary), kInternal (a migration failed).
  static Result<std::unique_ptr<PgStore>> Open(const PgOptions& options);
  ~PgStore() override;

  // Applies pending embedded migrations (migrations/postgres/). Returns the versions applied,
  // empty when up to date. Errors: as ApplyMigrations().
  Result<std::vector<std::string>> Migrate();
  // Versions recorded in schema_migrations, ascending. Errors: kUnavailable, kInternal.
  Result<std::vector<std::string>> AppliedMigrations();

  // Creates the monthly partition of events holding `ts` when absent (rows of that month that
  // had landed in events_default move into it). Idempotent; remembered per store, so
  // AppendEvent pays for it once a month. Errors: kUnavailable, kInternal.
  Status EnsureEventPartition(Timestamp ts);
  // Drops the monthly partitions wholly older than event_retention_months before the month of
  // `now` (and their event_keys rows, and such rows of events_default). Returns the names of the
  // dropped partitions; nothing when retention is 0. Errors: kUnavailable, kInternal.
  Result<std::vector<std::string>> DropExpiredEventPartitions(Timestamp now);
  // Names of the monthly partitions of events, ascending. Errors: kUnavailable.
  Result<std::vector<std::string>> ListEventPartitions();

  // AssetStore. Audit actions: asset.create, asset.update, asset.delete.
  Result<core::model::Asset> CreateAsset(const core::model::Asset& asset,
                                         const ports::store::WriteContext& ctx) override;
  Result<core::model::Asset> GetAsset(std::string_view asset_key) override;
  Result<ports::store::Page<core::model::Asset>> ListAssets(
      const ports::store::AssetFilter& filter, const ports::store::PageRequest& page) override;
  Result<core::model::Asset> UpdateAsset(const core::model::Asset& asset,
                                         const ports::store::WriteContext& ctx) override;
  Result<core::model::Asset> DeleteAsset(std::string_view asset_key,
                                         const ports::store::WriteContext& ctx) override;

  // FindingStore. Audit actions: finding.upsert, finding.upsert_batch, finding.status.
  // UpsertFindings sends the whole batch as a few array-parameter statements (unnest), whatever
  // its size.
  Result<ports::store::UpsertOutcome> UpsertFinding(const core::model::FindingObservation& obs,
                                                    const ports::store::WriteContext& ctx) override;
  Result<std::vector<ports::store::UpsertOutcome>> UpsertFindings(
      std::span<const core::model::FindingObservation> batch,
      const ports::store::WriteContext& ctx) override;
  Result<core::model::Finding> GetFinding(std::string_view finding_key) override;
  Result<ports::store::Page<core::model::Finding>> ListFindings(
      const ports::store::FindingFilter& filter, const ports::store::PageRequest& page) override;
  Result<core::model::Finding> ChangeFindingStatus(std::string_view finding_key,
                                                   const core::findings::StatusChange& change,
                                                   const ports::store::WriteContext& ctx) override;
  // One GROUP BY query (pg_store_posture.cc).
  Result<ports::store::FindingCounts> CountFindings(
      const ports::store::FindingFilter& filter) override;

  // PostureStore (pg_store_posture.cc). Audit action: posture.change, only when a write creates
  // the record or changes its state (ports/store/posture_store.h). PutPosture's compare-and-set
  // holds across processes: the stored row is locked FOR UPDATE and rewritten with
  // UPDATE ... WHERE version = expected, a first record goes in with INSERT ... ON CONFLICT DO
  // NOTHING, and a write that changed no row is kConflict.
  Result<std::optional<ports::store::StoredPosture>> GetPosture(
      std::string_view asset_key) override;
  Result<ports::store::StoredPosture> PutPosture(const ports::store::StoredPosture& record,
                                                 int64_t expected_version,
                                                 const ports::store::WriteContext& ctx) override;
  Result<ports::store::Page<ports::store::StoredPosture>> ListPosture(
      const ports::store::PostureFilter& filter, const ports::store::PageRequest& page) override;
  Result<ports::store::PostureDuePage> ListPostureDue(
      Timestamp now, const std::optional<ports::store::PostureDueKey>& after, int limit) override;
  Result<std::map<core::model::PostureState, int64_t>> CountPostureByState() override;

  // NotificationStore (pg_store_notifications.cc; ports/store/notification_store.h).
  Result<std::optional<ports::store::StoredNotifyLog>> GetNotifyLog(
      std::string_view channel, std::string_view problem_key) override;
  Result<ports::store::StoredNotifyLog> PutNotifyLog(
      const ports::store::StoredNotifyLog& row, int64_t expected_version,
      const ports::store::WriteContext& ctx) override;
  Result<std::vector<ports::store::StoredNotifyLog>> ListRepeatDue(Timestamp now,
                                                                   int limit) override;
  Result<ports::store::CreatedDeliveryRow> CreateDelivery(
      const ports::store::StoredDeliveryRow& row, const ports::store::WriteContext& ctx) override;
  Result<ports::store::StoredDeliveryRow> PutDelivery(
      const ports::store::StoredDeliveryRow& row, int64_t expected_version,
      const std::optional<ports::store::DeliveryAttemptRow>& attempt,
      const ports::store::WriteContext& ctx) override;
  Result<ports::store::StoredDeliveryRow> GetDelivery(std::string_view idempotency_key) override;
  Result<std::vector<ports::store::StoredDeliveryRow>> ListDueDeliveries(Timestamp now,
                                                                         int limit) override;
  Result<ports::store::Page<ports::store::StoredDeliveryRow>> ListDeliveries(
      const ports::store::NotificationFilter& filter,
      const ports::store::PageRequest& page) override;
  Result<std::vector<ports::store::DeliveryAttemptRow>> ListDeliveryAttempts(
      std::string_view idempotency_key) override;
  Status PutRouting(const ports::store::StoredRouting& row,
                    const ports::store::WriteContext& ctx) override;
  Result<std::optional<ports::store::StoredRouting>> GetRouting(std::string_view event_id) override;
  Result<ports::store::Page<ports::store::StoredRouting>> ListRouting(
      const ports::store::NotificationFilter& filter,
      const ports::store::PageRequest& page) override;
  Status SetChannelHealth(const ports::store::StoredChannelHealth& health,
                          const ports::store::WriteContext& ctx) override;
  Result<std::vector<ports::store::StoredChannelHealth>> ListChannelHealth() override;
  Result<int64_t> DeleteNotificationsBefore(Timestamp before) override;
  // The notifier's batches (one transaction; a savepoint per item or event).
  Result<std::vector<std::optional<ports::store::StoredNotifyLog>>> GetNotifyLogs(
      std::span<const ports::store::NotifyLogKey> keys) override;
  Result<std::vector<Result<ports::store::StoredDeliveryRow>>> PutDeliveries(
      std::span<const ports::store::DeliveryPutRow> items,
      const ports::store::WriteContext& ctx) override;
  Result<std::vector<Result<ports::store::EventWritesResult>>> WriteEventBatch(
      std::span<const ports::store::EventWrites> events,
      const ports::store::WriteContext& ctx) override;

  // EventStore. Audit action: event.append (only when created; so is the outbox row).
  Result<ports::store::AppendOutcome> AppendEvent(const core::model::Envelope& envelope,
                                                  const ports::store::WriteContext& ctx) override;
  Result<ports::store::Page<core::model::StoredEvent>> ListEvents(
      const ports::store::EventFilter& filter, const ports::store::PageRequest& page) override;

  // ScanJobStore. Audit actions: scan_job.create (only when created; so is the outbox row),
  // scan_job.status, scan_job.log.
  Result<ports::store::ScanJobOutcome> CreateScanJob(
      const core::model::ScanJob& job, const ports::store::WriteContext& ctx) override;
  Result<core::model::ScanJob> GetScanJob(int64_t id) override;
  Result<ports::store::Page<core::model::ScanJob>> ListScanJobs(
      const ports::store::ScanJobFilter& filter, const ports::store::PageRequest& page) override;
  Result<core::model::ScanJob> UpdateScanJobStatus(int64_t id, core::model::ScanJobStatus status,
                                                   const std::string& error,
                                                   const ports::store::WriteContext& ctx) override;
  Result<core::model::ScanJob> AppendScanJobLog(int64_t id, const std::string& text,
                                                const ports::store::WriteContext& ctx) override;

  // OutboxStore. Outbox bookkeeping writes no audit rows. Ids come from a sequence: under
  // concurrent writers they ascend in insert order, which may differ slightly from commit order.
  Result<std::vector<ports::store::OutboxMessage>> ClaimUnsent(int limit, Timestamp now) override;
  Status MarkSent(std::span<const int64_t> ids) override;
  Status MarkFailed(int64_t id, const std::string& error, Timestamp next_attempt_at) override;
  Result<int64_t> CountUnsent() override;

  // TokenStore. Audit actions: token.create, token.revoke (never with the secret hash).
  Status CreateToken(const core::model::ApiToken& token,
                     const ports::store::WriteContext& ctx) override;
  Result<core::model::ApiToken> FindToken(std::string_view id) override;
  Result<std::vector<core::model::ApiToken>> ListTokens() override;
  Status RevokeToken(std::string_view id, const ports::store::WriteContext& ctx) override;
  Result<int64_t> CountActiveAdmins() override;

  // AuditReader.
  Status AppendAudit(const core::model::AuditEntry& entry) override;
  Result<ports::store::Page<core::model::AuditEntry>> ListAudit(
      const ports::store::PageRequest& page) override;

  // StoreHealth: a query touching schema_migrations. Errors: kUnavailable.
  Status Ping() override;

 private:
  PgStore(PgOptions options, std::unique_ptr<ConnectionPool> pool);

  // Runs `body(PgConnection&)` (returning Result<T> or Status) on a pooled connection, turning
  // libpqxx exceptions into Errors. When the connection turns out to be broken, it is closed
  // with every idle one and `body` runs once more on a fresh connection (safe: the server rolled
  // the broken transaction back; a connection lost during COMMIT is not retried). Defined in
  // store_internal.h.
  template <typename Body>
  auto Run(Body&& body) -> decltype(body(std::declval<PgConnection&>()));

  PgOptions options_;
  std::unique_ptr<ConnectionPool> pool_;
  std::mutex partitions_mu_;
  std::set<std::string> partitions_;  // monthly partitions known to exist
};

}  // namespace secplat::adapters::postgres

#endif  // SECPLAT_ADAPTERS_POSTGRES_PG_STORE_H_
