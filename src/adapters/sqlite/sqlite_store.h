// SqliteStore: every storage port (ports/store/store.h) over one SQLite file, for `secplat up`
// and small installations. One writer connection behind a mutex carries every write, each in
// its own BEGIN IMMEDIATE transaction together with its audit_log row; a pool of read
// connections serves reads concurrently (WAL). Thread-safe.
//
//   SECPLAT_ASSIGN_OR_RETURN(auto store, SqliteStore::Open({.path = dir + "/secplat.db"}));
//   auto up = store->UpsertFinding(obs, {.actor = "cli", .request_id = "r1", .now = now});
//   // up->created == true the first time, false (occurrences 2) the second
//   // (tests/contract/store_contract_test.cc, UpsertRepeatedFindingUpdatesOccurrencesAndLastSeen)
#ifndef SECPLAT_ADAPTERS_SQLITE_SQLITE_STORE_H_
#define SECPLAT_ADAPTERS_SQLITE_SQLITE_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/sqlite/checkpointer.h"
#include "adapters/sqlite/connection.h"
#include "core/common/result.h"
#include "core/common/time.h"
#include "ports/store/store.h"

namespace secplat::adapters::sqlite {

struct SqliteOptions {
  std::string path;  // database file; ":memory:" gives a private in-memory database (no readers)
  Duration busy_timeout = std::chrono::seconds(5);  // waiting for another process's lock
  int read_connections = 4;                         // clamped to [1, 64] for files
  bool apply_migrations = true;                     // run Migrate() inside Open()
};

// The largest log_output a scan job may reach, in bytes; AppendScanJobLog refuses more.
inline constexpr size_t kMaxScanJobLogBytes = 1024 * 1024;

class SqliteStore final : public ports::store::Store {
 public:
  // Opens (creating if needed) the database at `options.path` with WAL, synchronous=NORMAL,
  // foreign_keys=ON and the busy timeout, then applies pending migrations unless disabled.
  // Errors: kInvalidArgument (bad options), kUnavailable (cannot open), kConflict (the database
  // was migrated by a newer binary), kInternal (a migration failed).
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  ~SqliteStore() override;

  // Applies pending embedded migrations (migrations/sqlite/), each in its own transaction.
  // Returns the versions applied, empty when up to date. Errors: as ApplyMigrations().
  Result<std::vector<std::string>> Migrate();
  // Versions recorded in schema_migrations, ascending. Errors: kUnavailable, kInternal.
  Result<std::vector<std::string>> AppliedMigrations();

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
  Result<ports::store::FindingCounts> CountFindings(
      const ports::store::FindingFilter& filter) override;

  // PostureStore (sqlite_store_posture.cc). Audit action: posture.change, only when a write
  // creates the record or changes its state (ports/store/posture_store.h).
  Result<std::optional<ports::store::StoredPosture>> GetPosture(
      std::string_view asset_key) override;
  // One read connection, one lookup per key (asset and record together).
  Result<std::vector<Result<ports::store::PostureInputs>>> GetPostureInputs(
      std::span<const std::string> asset_keys) override;
  Result<ports::store::StoredPosture> PutPosture(const ports::store::StoredPosture& record,
                                                 int64_t expected_version,
                                                 const ports::store::WriteContext& ctx) override;
  // The whole batch in one transaction (one commit for up to thousands of writes).
  Result<std::vector<Result<ports::store::StoredPosture>>> PutPostures(
      std::span<const ports::store::StoredPostureWrite> writes,
      const ports::store::WriteContext& ctx) override;
  Result<ports::store::Page<ports::store::StoredPosture>> ListPosture(
      const ports::store::PostureFilter& filter, const ports::store::PageRequest& page) override;
  Result<ports::store::PostureDuePage> ListPostureDue(
      Timestamp now, const std::optional<ports::store::PostureDueKey>& after, int limit) override;
  Result<std::map<core::model::PostureState, int64_t>> CountPostureByState() override;

  // NotificationStore (sqlite_store_notifications.cc; ports/store/notification_store.h).
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
  // The whole batch in one transaction, all or nothing.
  Result<std::vector<ports::store::AppendOutcome>> AppendEvents(
      std::span<const core::model::Envelope> envelopes,
      const ports::store::WriteContext& ctx) override;
  Result<ports::store::Page<core::model::StoredEvent>> ListEvents(
      const ports::store::EventFilter& filter, const ports::store::PageRequest& page) override;

  // ScanJobStore. Audit actions: scan_job.create (only when created; so is the outbox row),
  // scan_job.status, scan_job.log (after = {"id", "appended_bytes", "log_bytes"}; an empty
  // append writes nothing).
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

  // OutboxStore (sqlite_store_outbox.cc). CreateScanJob and AppendEvent insert the outbox row
  // of core::outbox::MessageForNewScanJob / MessageForNewEvent in their own transaction, only
  // when they create a row. Outbox bookkeeping writes no audit rows.
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

  // StoreHealth: a trivial query on a read connection. Errors: kUnavailable.
  Status Ping() override;

 private:
  explicit SqliteStore(std::unique_ptr<Connection> writer) : writer_(std::move(writer)) {}

  // Runs `body(Connection&)` (returning Result<T> or Status) atomically on the writer: its
  // changes are kept when it succeeds and undone when it fails. Defined in store_internal.h.
  template <typename Body>
  auto WriteTx(Body&& body) -> decltype(body(std::declval<Connection&>()));

  // Group commit. Writers that arrive while a transaction is running queue up; the next one to
  // find no leader runs the whole queue in ONE transaction, each write inside its own
  // SAVEPOINT (a failing write is rolled back alone), then commits once. Each caller returns
  // only after the commit that contains its write. Same atomicity and durability per write as
  // a transaction each, at a fraction of the cost when many clients write at once.
  struct PendingWrite {
    const std::function<bool(Connection&)>* run;  // true: keep the changes
    Status status;                                // the commit's outcome for this write
    bool done = false;
  };
  Status GroupCommit(const std::function<bool(Connection&)>& run);
  void RunBatch(std::vector<PendingWrite*>& batch);

  std::mutex queue_mu_;  // guards pending_, leader_active_
  std::condition_variable queue_cv_;
  std::vector<PendingWrite*> pending_;
  bool leader_active_ = false;

  std::mutex write_mu_;  // guards writer_ (and readers borrowing it for :memory:)
  std::unique_ptr<Connection> writer_;
  std::unique_ptr<ReadPool> readers_;
  // Declared last, so it stops (and unhooks the writer) before the connections close.
  std::unique_ptr<Checkpointer> checkpointer_;  // file databases only
};

}  // namespace secplat::adapters::sqlite

#endif  // SECPLAT_ADAPTERS_SQLITE_SQLITE_STORE_H_
