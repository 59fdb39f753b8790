#include "services/api/metered_store.h"

#include <chrono>

namespace secplat::services::api {

using namespace ports::store;  // NOLINT: a .cc forwarding the whole port
namespace model = core::model;

template <typename F>
auto MeteredStore::Timed(std::string_view operation, F&& call) -> decltype(call()) {
  auto start = std::chrono::steady_clock::now();
  auto result = call();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.ObserveSeconds("secplat_store_operation_duration_seconds",
                          "Store call latency by operation",
                          {{"operation", std::string(operation)}}, seconds);
  if (!result.has_value())
    metrics_.CounterAdd("secplat_store_errors_total", "Store calls that returned an error",
                        {{"operation", std::string(operation)},
                         {"code", std::string(ErrorCodeName(result.error().code))}});
  return result;
}

Result<model::Asset> MeteredStore::CreateAsset(const model::Asset& a, const WriteContext& c) {
  return Timed("create_asset", [&] { return inner_.CreateAsset(a, c); });
}
Result<model::Asset> MeteredStore::GetAsset(std::string_view key) {
  return Timed("get_asset", [&] { return inner_.GetAsset(key); });
}
Result<Page<model::Asset>> MeteredStore::ListAssets(const AssetFilter& f, const PageRequest& p) {
  return Timed("list_assets", [&] { return inner_.ListAssets(f, p); });
}
Result<model::Asset> MeteredStore::UpdateAsset(const model::Asset& a, const WriteContext& c) {
  return Timed("update_asset", [&] { return inner_.UpdateAsset(a, c); });
}
Result<model::Asset> MeteredStore::DeleteAsset(std::string_view key, const WriteContext& c) {
  return Timed("delete_asset", [&] { return inner_.DeleteAsset(key, c); });
}
Result<UpsertOutcome> MeteredStore::UpsertFinding(const model::FindingObservation& o,
                                                  const WriteContext& c) {
  return Timed("upsert_finding", [&] { return inner_.UpsertFinding(o, c); });
}
Result<std::vector<UpsertOutcome>> MeteredStore::UpsertFindings(
    std::span<const model::FindingObservation> b, const WriteContext& c) {
  return Timed("upsert_findings", [&] { return inner_.UpsertFindings(b, c); });
}
Result<model::Finding> MeteredStore::GetFinding(std::string_view key) {
  return Timed("get_finding", [&] { return inner_.GetFinding(key); });
}
Result<Page<model::Finding>> MeteredStore::ListFindings(const FindingFilter& f,
                                                        const PageRequest& p) {
  return Timed("list_findings", [&] { return inner_.ListFindings(f, p); });
}
Result<model::Finding> MeteredStore::ChangeFindingStatus(std::string_view key,
                                                         const core::findings::StatusChange& ch,
                                                         const WriteContext& c) {
  return Timed("change_finding_status", [&] { return inner_.ChangeFindingStatus(key, ch, c); });
}
Result<FindingCounts> MeteredStore::CountFindings(const FindingFilter& f) {
  return Timed("count_findings", [&] { return inner_.CountFindings(f); });
}
Result<std::optional<StoredPosture>> MeteredStore::GetPosture(std::string_view key) {
  return Timed("get_posture", [&] { return inner_.GetPosture(key); });
}
Result<std::vector<Result<ports::store::PostureInputs>>> MeteredStore::GetPostureInputs(
    std::span<const std::string> keys) {
  return Timed("get_posture_inputs", [&] { return inner_.GetPostureInputs(keys); });
}
Result<StoredPosture> MeteredStore::PutPosture(const StoredPosture& r, int64_t expected_version,
                                               const WriteContext& c) {
  return Timed("put_posture", [&] { return inner_.PutPosture(r, expected_version, c); });
}
Result<std::vector<Result<StoredPosture>>> MeteredStore::PutPostures(
    std::span<const StoredPostureWrite> writes, const WriteContext& c) {
  return Timed("put_postures", [&] { return inner_.PutPostures(writes, c); });
}
Result<Page<StoredPosture>> MeteredStore::ListPosture(const PostureFilter& f,
                                                      const PageRequest& p) {
  return Timed("list_posture", [&] { return inner_.ListPosture(f, p); });
}
Result<PostureDuePage> MeteredStore::ListPostureDue(Timestamp now,
                                                    const std::optional<PostureDueKey>& after,
                                                    int limit) {
  return Timed("list_posture_due", [&] { return inner_.ListPostureDue(now, after, limit); });
}
Result<std::map<model::PostureState, int64_t>> MeteredStore::CountPostureByState() {
  return Timed("count_posture_by_state", [&] { return inner_.CountPostureByState(); });
}

Result<std::optional<StoredNotifyLog>> MeteredStore::GetNotifyLog(std::string_view channel,
                                                                  std::string_view problem_key) {
  return Timed("get_notify_log", [&] { return inner_.GetNotifyLog(channel, problem_key); });
}
Result<StoredNotifyLog> MeteredStore::PutNotifyLog(const StoredNotifyLog& row,
                                                   int64_t expected_version,
                                                   const WriteContext& ctx) {
  return Timed("put_notify_log", [&] { return inner_.PutNotifyLog(row, expected_version, ctx); });
}
Result<std::vector<StoredNotifyLog>> MeteredStore::ListRepeatDue(Timestamp now, int limit) {
  return Timed("list_repeat_due", [&] { return inner_.ListRepeatDue(now, limit); });
}
Result<CreatedDeliveryRow> MeteredStore::CreateDelivery(const StoredDeliveryRow& row,
                                                        const WriteContext& ctx) {
  return Timed("create_delivery", [&] { return inner_.CreateDelivery(row, ctx); });
}
Result<StoredDeliveryRow> MeteredStore::PutDelivery(
    const StoredDeliveryRow& row, int64_t expected_version,
    const std::optional<DeliveryAttemptRow>& attempt, const WriteContext& ctx) {
  return Timed("put_delivery",
               [&] { return inner_.PutDelivery(row, expected_version, attempt, ctx); });
}
Result<StoredDeliveryRow> MeteredStore::GetDelivery(std::string_view idempotency_key) {
  return Timed("get_delivery", [&] { return inner_.GetDelivery(idempotency_key); });
}
Result<std::vector<StoredDeliveryRow>> MeteredStore::ListDueDeliveries(Timestamp now, int limit) {
  return Timed("list_due_deliveries", [&] { return inner_.ListDueDeliveries(now, limit); });
}
Result<Page<StoredDeliveryRow>> MeteredStore::ListDeliveries(const NotificationFilter& f,
                                                             const PageRequest& p) {
  return Timed("list_deliveries", [&] { return inner_.ListDeliveries(f, p); });
}
Result<std::vector<DeliveryAttemptRow>> MeteredStore::ListDeliveryAttempts(
    std::string_view idempotency_key) {
  return Timed("list_delivery_attempts",
               [&] { return inner_.ListDeliveryAttempts(idempotency_key); });
}
Status MeteredStore::PutRouting(const StoredRouting& row, const WriteContext& ctx) {
  return Timed("put_routing", [&] { return inner_.PutRouting(row, ctx); });
}
Result<std::optional<StoredRouting>> MeteredStore::GetRouting(std::string_view event_id) {
  return Timed("get_routing", [&] { return inner_.GetRouting(event_id); });
}
Result<Page<StoredRouting>> MeteredStore::ListRouting(const NotificationFilter& f,
                                                      const PageRequest& p) {
  return Timed("list_routing", [&] { return inner_.ListRouting(f, p); });
}
Status MeteredStore::SetChannelHealth(const StoredChannelHealth& health, const WriteContext& ctx) {
  return Timed("set_channel_health", [&] { return inner_.SetChannelHealth(health, ctx); });
}
Result<std::vector<StoredChannelHealth>> MeteredStore::ListChannelHealth() {
  return Timed("list_channel_health", [&] { return inner_.ListChannelHealth(); });
}
Result<int64_t> MeteredStore::DeleteNotificationsBefore(Timestamp before) {
  return Timed("delete_notifications_before",
               [&] { return inner_.DeleteNotificationsBefore(before); });
}
Result<std::vector<std::optional<ports::store::StoredNotifyLog>>> MeteredStore::GetNotifyLogs(
    std::span<const ports::store::NotifyLogKey> keys) {
  return Timed("get_notify_logs", [&] { return inner_.GetNotifyLogs(keys); });
}
Result<std::vector<Result<StoredDeliveryRow>>> MeteredStore::PutDeliveries(
    std::span<const ports::store::DeliveryPutRow> items, const WriteContext& ctx) {
  return Timed("put_deliveries", [&] { return inner_.PutDeliveries(items, ctx); });
}
Result<std::vector<Result<ports::store::EventWritesResult>>> MeteredStore::WriteEventBatch(
    std::span<const ports::store::EventWrites> events, const WriteContext& ctx) {
  return Timed("write_event_batch", [&] { return inner_.WriteEventBatch(events, ctx); });
}
Result<AppendOutcome> MeteredStore::AppendEvent(const model::Envelope& e, const WriteContext& c) {
  return Timed("append_event", [&] { return inner_.AppendEvent(e, c); });
}
Result<std::vector<AppendOutcome>> MeteredStore::AppendEvents(std::span<const model::Envelope> e,
                                                              const WriteContext& c) {
  return Timed("append_events", [&] { return inner_.AppendEvents(e, c); });
}
Result<Page<model::StoredEvent>> MeteredStore::ListEvents(const EventFilter& f,
                                                          const PageRequest& p) {
  return Timed("list_events", [&] { return inner_.ListEvents(f, p); });
}
Result<ScanJobOutcome> MeteredStore::CreateScanJob(const model::ScanJob& j, const WriteContext& c) {
  return Timed("create_scan_job", [&] { return inner_.CreateScanJob(j, c); });
}
Result<model::ScanJob> MeteredStore::GetScanJob(int64_t id) {
  return Timed("get_scan_job", [&] { return inner_.GetScanJob(id); });
}
Result<Page<model::ScanJob>> MeteredStore::ListScanJobs(const ScanJobFilter& f,
                                                        const PageRequest& p) {
  return Timed("list_scan_jobs", [&] { return inner_.ListScanJobs(f, p); });
}
Result<model::ScanJob> MeteredStore::UpdateScanJobStatus(int64_t id, model::ScanJobStatus s,
                                                         const std::string& error,
                                                         const WriteContext& c) {
  return Timed("update_scan_job_status",
               [&] { return inner_.UpdateScanJobStatus(id, s, error, c); });
}
Result<model::ScanJob> MeteredStore::AppendScanJobLog(int64_t id, const std::string& text,
                                                      const WriteContext& c) {
  return Timed("append_scan_job_log", [&] { return inner_.AppendScanJobLog(id, text, c); });
}
Status MeteredStore::CreateToken(const model::ApiToken& t, const WriteContext& c) {
  return Timed("create_token", [&] { return inner_.CreateToken(t, c); });
}
Result<model::ApiToken> MeteredStore::FindToken(std::string_view id) {
  return Timed("find_token", [&] { return inner_.FindToken(id); });
}
Result<std::vector<model::ApiToken>> MeteredStore::ListTokens() {
  return Timed("list_tokens", [&] { return inner_.ListTokens(); });
}
Status MeteredStore::RevokeToken(std::string_view id, const WriteContext& c) {
  return Timed("revoke_token", [&] { return inner_.RevokeToken(id, c); });
}
Result<std::vector<OutboxMessage>> MeteredStore::ClaimUnsent(int limit, Timestamp now) {
  return Timed("claim_unsent", [&] { return inner_.ClaimUnsent(limit, now); });
}
Status MeteredStore::MarkSent(std::span<const int64_t> ids) {
  return Timed("mark_sent", [&] { return inner_.MarkSent(ids); });
}
Status MeteredStore::MarkFailed(int64_t id, const std::string& error, Timestamp next_attempt_at) {
  return Timed("mark_failed", [&] { return inner_.MarkFailed(id, error, next_attempt_at); });
}
Result<int64_t> MeteredStore::CountUnsent() {
  return Timed("count_unsent", [&] { return inner_.CountUnsent(); });
}
Result<int64_t> MeteredStore::CountActiveAdmins() {
  return Timed("count_active_admins", [&] { return inner_.CountActiveAdmins(); });
}
Status MeteredStore::AppendAudit(const model::AuditEntry& e) {
  return Timed("append_audit", [&] { return inner_.AppendAudit(e); });
}
Result<Page<model::AuditEntry>> MeteredStore::ListAudit(const PageRequest& p) {
  return Timed("list_audit", [&] { return inner_.ListAudit(p); });
}
Status MeteredStore::Ping() {
  return Timed("ping", [&] { return inner_.Ping(); });
}

}  // namespace secplat::services::api
