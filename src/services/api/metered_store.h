// MeteredStore: a Store decorator that records each call's latency and outcome in
// secplat_store_operation_duration_seconds{operation} and
// secplat_store_errors_total{operation,code}. The API wraps its store in one of these.
#ifndef SECPLAT_SERVICES_API_METERED_STORE_H_
#define SECPLAT_SERVICES_API_METERED_STORE_H_

#include "ports/metrics.h"
#include "ports/store/store.h"

namespace secplat::services::api {

class MeteredStore final : public ports::store::Store {
 public:
  // `inner` and `metrics` must outlive this object.
  MeteredStore(ports::store::Store& inner, ports::Metrics& metrics)
      : inner_(inner), metrics_(metrics) {}

  Result<core::model::Asset> CreateAsset(const core::model::Asset& a,
                                         const ports::store::WriteContext& c) override;
  Result<core::model::Asset> GetAsset(std::string_view key) override;
  Result<ports::store::Page<core::model::Asset>> ListAssets(
      const ports::store::AssetFilter& f, const ports::store::PageRequest& p) override;
  Result<core::model::Asset> UpdateAsset(const core::model::Asset& a,
                                         const ports::store::WriteContext& c) override;
  Result<core::model::Asset> DeleteAsset(std::string_view key,
                                         const ports::store::WriteContext& c) override;
  Result<ports::store::UpsertOutcome> UpsertFinding(const core::model::FindingObservation& o,
                                                    const ports::store::WriteContext& c) override;
  Result<std::vector<ports::store::UpsertOutcome>> UpsertFindings(
      std::span<const core::model::FindingObservation> b,
      const ports::store::WriteContext& c) override;
  Result<core::model::Finding> GetFinding(std::string_view key) override;
  Result<ports::store::Page<core::model::Finding>> ListFindings(
      const ports::store::FindingFilter& f, const ports::store::PageRequest& p) override;
  Result<core::model::Finding> ChangeFindingStatus(std::string_view key,
                                                   const core::findings::StatusChange& ch,
                                                   const ports::store::WriteContext& c) override;
  Result<ports::store::FindingCounts> CountFindings(const ports::store::FindingFilter& f) override;
  Result<std::optional<ports::store::StoredPosture>> GetPosture(std::string_view key) override;
  Result<std::vector<Result<ports::store::PostureInputs>>> GetPostureInputs(
      std::span<const std::string> keys) override;
  Result<ports::store::StoredPosture> PutPosture(const ports::store::StoredPosture& r,
                                                 int64_t expected_version,
                                                 const ports::store::WriteContext& c) override;
  Result<std::vector<Result<ports::store::StoredPosture>>> PutPostures(
      std::span<const ports::store::StoredPostureWrite> writes,
      const ports::store::WriteContext& c) override;
  Result<ports::store::Page<ports::store::StoredPosture>> ListPosture(
      const ports::store::PostureFilter& f, const ports::store::PageRequest& p) override;
  Result<ports::store::PostureDuePage> ListPostureDue(
      Timestamp now, const std::optional<ports::store::PostureDueKey>& after, int limit) override;
  Result<std::map<core::model::PostureState, int64_t>> CountPostureByState() override;
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
  Result<std::vector<std::optional<ports::store::StoredNotifyLog>>> GetNotifyLogs(
      std::span<const ports::store::NotifyLogKey> keys) override;
  Result<std::vector<Result<ports::store::StoredDeliveryRow>>> PutDeliveries(
      std::span<const ports::store::DeliveryPutRow> items,
      const ports::store::WriteContext& ctx) override;
  Result<std::vector<Result<ports::store::EventWritesResult>>> WriteEventBatch(
      std::span<const ports::store::EventWrites> events,
      const ports::store::WriteContext& ctx) override;
  Result<ports::store::AppendOutcome> AppendEvent(const core::model::Envelope& e,
                                                  const ports::store::WriteContext& c) override;
  Result<std::vector<ports::store::AppendOutcome>> AppendEvents(
      std::span<const core::model::Envelope> e, const ports::store::WriteContext& c) override;
  Result<ports::store::Page<core::model::StoredEvent>> ListEvents(
      const ports::store::EventFilter& f, const ports::store::PageRequest& p) override;
  Result<ports::store::ScanJobOutcome> CreateScanJob(const core::model::ScanJob& j,
                                                     const ports::store::WriteContext& c) override;
  Result<core::model::ScanJob> GetScanJob(int64_t id) override;
  Result<ports::store::Page<core::model::ScanJob>> ListScanJobs(
      const ports::store::ScanJobFilter& f, const ports::store::PageRequest& p) override;
  Result<core::model::ScanJob> UpdateScanJobStatus(int64_t id, core::model::ScanJobStatus s,
                                                   const std::string& error,
                                                   const ports::store::WriteContext& c) override;
  Result<core::model::ScanJob> AppendScanJobLog(int64_t id, const std::string& text,
                                                const ports::store::WriteContext& c) override;
  Result<std::vector<ports::store::OutboxMessage>> ClaimUnsent(int limit, Timestamp now) override;
  Status MarkSent(std::span<const int64_t> ids) override;
  Status MarkFailed(int64_t id, const std::string& error, Timestamp next_attempt_at) override;
  Result<int64_t> CountUnsent() override;
  Status CreateToken(const core::model::ApiToken& t, const ports::store::WriteContext& c) override;
  Result<core::model::ApiToken> FindToken(std::string_view id) override;
  Result<std::vector<core::model::ApiToken>> ListTokens() override;
  Status RevokeToken(std::string_view id, const ports::store::WriteContext& c) override;
  Result<int64_t> CountActiveAdmins() override;
  Status AppendAudit(const core::model::AuditEntry& e) override;
  Result<ports::store::Page<core::model::AuditEntry>> ListAudit(
      const ports::store::PageRequest& p) override;
  Status Ping() override;

 private:
  template <typename F>
  auto Timed(std::string_view operation, F&& call) -> decltype(call());
  ports::store::Store& inner_;
  ports::Metrics& metrics_;
};

}  // namespace secplat::services::api

#endif  // SECPLAT_SERVICES_API_METERED_STORE_H_
