#include "services/api/api_service.h"

#include "adapters/json/notification_codec.h"
#include "adapters/json/posture_codec.h"
#include "adapters/system/crypto.h"
#include "core/contracts/keys.h"
#include "core/notify/delivery.h"
#include "core/scans/defaults.h"
#include "core/schedule/due.h"
#include "log/logger.h"

namespace secplat::services::api {

using core::model::Asset;
using core::model::FindingObservation;

Result<Asset> ApiService::CreateAsset(const Asset& asset, const CallMeta& m) {
  return store_.CreateAsset(asset, Ctx(m));
}

Result<Asset> ApiService::UpdateAsset(const std::string& asset_key,
                                      const std::function<Result<Asset>(const Asset&)>& apply_patch,
                                      const CallMeta& m) {
  // Optimistic concurrency: re-read and re-apply when another writer won the race.
  for (int attempt = 0;; ++attempt) {
    SECPLAT_ASSIGN_OR_RETURN(Asset current, store_.GetAsset(asset_key));
    SECPLAT_ASSIGN_OR_RETURN(Asset updated, apply_patch(current));
    updated.version = current.version;
    auto r = store_.UpdateAsset(updated, Ctx(m));
    if (r.has_value() || r.error().code != ErrorCode::kConflict || attempt >= 3) return r;
  }
}

Result<Asset> ApiService::DeleteAsset(const std::string& asset_key, const CallMeta& m) {
  return store_.DeleteAsset(asset_key, Ctx(m));
}

namespace {
void Complete(FindingObservation& obs, Timestamp now) {
  if (obs.finding_key.empty())
    obs.finding_key =
        core::contracts::DeriveFindingKey(obs.asset_key, obs.source, obs.check_id, obs.location);
  if (!obs.observed_at) obs.observed_at = now;
}
}  // namespace

Result<ports::store::UpsertOutcome> ApiService::RecordFinding(FindingObservation obs,
                                                              const CallMeta& m) {
  Complete(obs, m.now);
  return store_.UpsertFinding(obs, Ctx(m));
}

Result<std::vector<ports::store::UpsertOutcome>> ApiService::RecordFindings(
    std::vector<FindingObservation> batch, const CallMeta& m) {
  for (auto& obs : batch) Complete(obs, m.now);
  return store_.UpsertFindings(batch, Ctx(m));
}

Result<core::model::Finding> ApiService::ChangeFindingStatus(const std::string& finding_key,
                                                             core::findings::StatusChange change,
                                                             const CallMeta& m) {
  change.actor = m.actor.Display();
  return store_.ChangeFindingStatus(finding_key, change, Ctx(m));
}

Result<ports::store::AppendOutcome> ApiService::RecordEvent(core::model::Envelope envelope,
                                                            const CallMeta& m) {
  if (envelope.request_id.empty()) envelope.request_id = m.request_id;
  return store_.AppendEvent(envelope, Ctx(m));
}

Result<std::optional<ports::platform::PostureRecord>> ApiService::GetPosture(
    const std::string& asset_key) {
  SECPLAT_ASSIGN_OR_RETURN(auto row, store_.GetPosture(asset_key));
  if (!row) return std::optional<ports::platform::PostureRecord>();
  SECPLAT_ASSIGN_OR_RETURN(auto record, adapters::json::FromStoredPosture(*row));
  return std::optional<ports::platform::PostureRecord>(std::move(record));
}

namespace {

// PutPosture's checks of a record for `asset_key` (error paths prefixed by `prefix`, e.g.
// "items[3]."), then the trim to the newest kMaxRecentTransitions transitions.
Status CheckPostureRecord(const std::string& asset_key, ports::platform::PostureRecord& record,
                          const std::string& prefix) {
  auto invalid = [&asset_key, &prefix](const std::string& field) {
    return Unexpected(ErrorCode::kInvalidArgument, prefix + field + ": must be empty or '" +
                                                       asset_key + "' (the asset of the path)");
  };
  if (!record.status.asset_key.empty() && record.status.asset_key != asset_key)
    return invalid("status.asset_key");
  for (size_t i = 0; i < record.recent_transitions.size(); ++i) {
    const auto& t = record.recent_transitions[i];
    if (!t.asset_key.empty() && t.asset_key != asset_key)
      return invalid("recent_transitions[" + std::to_string(i) + "].asset_key");
  }
  auto& ts = record.recent_transitions;
  if (ts.size() > static_cast<size_t>(ports::platform::kMaxRecentTransitions))
    ts.erase(ts.begin(), ts.end() - ports::platform::kMaxRecentTransitions);
  return OkStatus();
}

}  // namespace

Result<ports::platform::PostureRecord> ApiService::PutPosture(const std::string& asset_key,
                                                              ports::platform::PostureRecord record,
                                                              int64_t expected_version,
                                                              const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(CheckPostureRecord(asset_key, record, ""));
  SECPLAT_ASSIGN_OR_RETURN(ports::store::StoredPosture stored,
                           store_.PutPosture(adapters::json::ToStoredPosture(asset_key, record),
                                             expected_version, Ctx(m)));
  record.version = stored.version;
  record.updated_at = stored.updated_at;
  return record;
}

Result<std::vector<adapters::json::PostureInputsRow>> ApiService::GetPostureInputs(
    std::span<const std::string> asset_keys) {
  SECPLAT_ASSIGN_OR_RETURN(auto inputs, store_.GetPostureInputs(asset_keys));
  if (inputs.size() != asset_keys.size())
    return Unexpected(ErrorCode::kInternal, "store answered " + std::to_string(inputs.size()) +
                                                " records for " +
                                                std::to_string(asset_keys.size()) + " keys");
  std::vector<adapters::json::PostureInputsRow> rows;
  rows.reserve(asset_keys.size());
  for (size_t i = 0; i < asset_keys.size(); ++i) {
    adapters::json::PostureInputsRow row;
    row.asset_key = asset_keys[i];
    if (!inputs[i].has_value()) {  // kNotFound: absent or deleted
      row.status = Unexpected(inputs[i].error());
    } else {
      row.asset = std::move(inputs[i]->asset);
      row.posture = std::move(inputs[i]->posture);
      row.open_findings = inputs[i]->open_findings;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<Result<ports::platform::PostureRecord>>> ApiService::PutPostures(
    std::vector<adapters::json::PostureBatchPutItem> items, const CallMeta& m) {
  std::vector<ports::store::StoredPostureWrite> writes;
  writes.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto& item = items[i];
    SECPLAT_RETURN_IF_ERROR(
        CheckPostureRecord(item.asset_key, item.put.record, "items[" + std::to_string(i) + "]."));
    writes.push_back({adapters::json::ToStoredPosture(item.asset_key, item.put.record),
                      item.put.expected_version});
  }
  SECPLAT_ASSIGN_OR_RETURN(auto stored, store_.PutPostures(writes, Ctx(m)));
  if (stored.size() != items.size())
    return Unexpected(ErrorCode::kInternal, "store answered " + std::to_string(stored.size()) +
                                                " outcomes for " + std::to_string(items.size()) +
                                                " posture writes");
  std::vector<Result<ports::platform::PostureRecord>> out;
  out.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!stored[i].has_value()) {
      const Error& e = stored[i].error();
      if (e.code != ErrorCode::kConflict && e.code != ErrorCode::kNotFound)
        return Unexpected(e.code, "items[" + std::to_string(i) + "]: " + e.message);
      out.push_back(Unexpected(e));
      continue;
    }
    ports::platform::PostureRecord record = std::move(items[i].put.record);
    record.version = stored[i]->version;
    record.updated_at = stored[i]->updated_at;
    out.push_back(std::move(record));
  }
  return out;
}

Result<std::vector<ports::store::AppendOutcome>> ApiService::RecordEvents(
    std::vector<core::model::Envelope> envelopes, const CallMeta& m) {
  for (auto& e : envelopes)
    if (e.request_id.empty()) e.request_id = m.request_id;
  return store_.AppendEvents(envelopes, Ctx(m));
}

// ---- Notifications --------------------------------------------------------------------------

namespace {

namespace json = adapters::json;
using ports::platform::ChannelHealth;
using ports::platform::NotifyLogRecord;
using ports::platform::RoutingRecord;
using ports::platform::StoredDelivery;

// `field` must be empty (then it takes `want`, the value named by the path) or equal to it.
Status MatchPath(std::string& field, const std::string& want, std::string_view name,
                 std::string_view what) {
  if (field.empty()) field = want;
  if (field == want) return OkStatus();
  return Unexpected(ErrorCode::kInvalidArgument, std::string(name) + ": must be empty or '" + want +
                                                     "' (the " + std::string(what) +
                                                     " of the path)");
}

Status NotEmpty(const std::string& value, std::string_view name) {
  if (!value.empty()) return OkStatus();
  return Unexpected(ErrorCode::kInvalidArgument, std::string(name) + ": must not be empty");
}

// A stored row whose document does not decode: contained, logged and left out of a list.
void LogDamaged(const Error& e) {
  log::Error("damaged notification row skipped: " + e.message,
             {.action = "notify.store", .status = "damaged"});
}

}  // namespace

Result<std::optional<NotifyLogRecord>> ApiService::GetNotifyLog(const std::string& channel,
                                                                const std::string& problem_key) {
  SECPLAT_ASSIGN_OR_RETURN(auto row, store_.GetNotifyLog(channel, problem_key));
  if (!row) return std::optional<NotifyLogRecord>();
  SECPLAT_ASSIGN_OR_RETURN(NotifyLogRecord record, json::FromRow(*row));
  return std::optional<NotifyLogRecord>(std::move(record));
}

Result<NotifyLogRecord> ApiService::PutNotifyLog(const std::string& channel,
                                                 const std::string& problem_key,
                                                 NotifyLogRecord record, int64_t expected_version,
                                                 const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(MatchPath(record.entry.channel, channel, "record.channel", "channel"));
  SECPLAT_RETURN_IF_ERROR(
      MatchPath(record.entry.problem_key, problem_key, "record.problem_key", "problem key"));
  SECPLAT_RETURN_IF_ERROR(NotEmpty(record.entry.channel, "record.channel"));
  SECPLAT_RETURN_IF_ERROR(NotEmpty(record.entry.problem_key, "record.problem_key"));
  SECPLAT_ASSIGN_OR_RETURN(ports::store::StoredNotifyLog stored,
                           store_.PutNotifyLog(json::ToRow(record), expected_version, Ctx(m)));
  record.version = stored.version;
  record.updated_at = stored.updated_at;
  return record;
}

Result<std::vector<NotifyLogRecord>> ApiService::ListRepeatDue(Timestamp now, int limit) {
  SECPLAT_ASSIGN_OR_RETURN(auto rows, store_.ListRepeatDue(now, limit));
  std::vector<NotifyLogRecord> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    auto record = json::FromRow(row);
    if (!record) {
      LogDamaged(record.error());
      continue;
    }
    out.push_back(*std::move(record));
  }
  return out;
}

Result<ports::platform::CreatedDelivery> ApiService::CreateDelivery(StoredDelivery delivery,
                                                                    const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(NotEmpty(delivery.record.idempotency_key, "idempotency_key"));
  SECPLAT_RETURN_IF_ERROR(NotEmpty(delivery.record.event_id, "event_id"));
  SECPLAT_RETURN_IF_ERROR(NotEmpty(delivery.record.channel, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(ports::store::CreatedDeliveryRow c,
                           store_.CreateDelivery(json::ToRow(delivery), Ctx(m)));
  if (c.created) {
    delivery.version = c.row.version;
    return ports::platform::CreatedDelivery{std::move(delivery), true};
  }
  SECPLAT_ASSIGN_OR_RETURN(StoredDelivery existing, json::FromRow(c.row));
  return ports::platform::CreatedDelivery{std::move(existing), false};
}

namespace {

// PutDelivery's checks of `delivery` against the stored row; the attempt row to append when
// attempts rose.
Result<std::optional<ports::store::DeliveryAttemptRow>> CheckDeliveryPut(
    const ports::store::StoredDeliveryRow& current, const StoredDelivery& delivery, Timestamp now) {
  const core::model::DeliveryRecord& rec = delivery.record;
  const std::string& key = rec.idempotency_key;
  if (core::notify::IsTerminal(current.state)) {
    return Unexpected(ErrorCode::kConflict,
                      "delivery " + key + " is " +
                          std::string(core::model::DeliveryStateName(current.state)) +
                          ": a terminal delivery is never written again");
  }
  if (rec.event_id != current.event_id)
    return Unexpected(ErrorCode::kInvalidArgument,
                      "delivery.event_id: cannot be changed (stored '" + current.event_id + "')");
  if (rec.channel != current.channel)
    return Unexpected(ErrorCode::kInvalidArgument,
                      "delivery.channel: cannot be changed (stored '" + current.channel + "')");
  if (rec.attempts < current.attempts)
    return Unexpected(ErrorCode::kInvalidArgument, "delivery.attempts: cannot go down (stored " +
                                                       std::to_string(current.attempts) + ")");
  std::optional<ports::store::DeliveryAttemptRow> attempt;
  if (rec.attempts > current.attempts) {
    if (!rec.last_response)
      return Unexpected(ErrorCode::kInvalidArgument,
                        "delivery.last_response: required when attempts rises");
    attempt = json::ToAttemptRow(key, {.attempt = rec.attempts,
                                       .at = rec.last_attempt_at.value_or(now),
                                       .response = *rec.last_response});
  }
  return attempt;
}

}  // namespace

Result<StoredDelivery> ApiService::PutDelivery(const std::string& idempotency_key,
                                               StoredDelivery delivery, int64_t expected_version,
                                               const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(MatchPath(delivery.record.idempotency_key, idempotency_key,
                                    "delivery.idempotency_key", "key"));
  SECPLAT_ASSIGN_OR_RETURN(ports::store::StoredDeliveryRow current,
                           store_.GetDelivery(idempotency_key));
  SECPLAT_ASSIGN_OR_RETURN(std::optional<ports::store::DeliveryAttemptRow> attempt,
                           CheckDeliveryPut(current, delivery, m.now));
  SECPLAT_ASSIGN_OR_RETURN(
      ports::store::StoredDeliveryRow stored,
      store_.PutDelivery(json::ToRow(delivery), expected_version, attempt, Ctx(m)));
  delivery.version = stored.version;
  return delivery;
}

Result<std::vector<StoredDelivery>> ApiService::ListDueDeliveries(Timestamp now, int limit) {
  SECPLAT_ASSIGN_OR_RETURN(auto rows, store_.ListDueDeliveries(now, limit));
  std::vector<StoredDelivery> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    auto d = json::FromRow(row);
    if (!d) {
      LogDamaged(d.error());
      continue;
    }
    out.push_back(*std::move(d));
  }
  return out;
}

// ---- The notifier's batches ----------------------------------------------------------------

namespace {

Status BatchWithinLimit(size_t n, std::string_view what) {
  if (n <= ports::platform::kMaxNotifyBatchItems) return OkStatus();
  return Unexpected(ErrorCode::kInvalidArgument,
                    std::string(what) + ": must contain at most " +
                        std::to_string(ports::platform::kMaxNotifyBatchItems) + " items");
}

// The skip_duplicate_event merge of RecordRouting: such a target keeps the decision stored for
// its channel.
void MergeDuplicateTargets(RoutingRecord& record, const RoutingRecord& previous) {
  for (auto& target : record.targets) {
    if (target.reason != "skip_duplicate_event") continue;
    for (const auto& old : previous.targets) {
      if (old.channel == target.channel) {
        target = old;
        break;
      }
    }
  }
}

}  // namespace

Result<std::vector<Result<StoredDelivery>>> ApiService::PutDeliveries(
    std::vector<ports::platform::DeliveryPut> items, const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(BatchWithinLimit(items.size(), "items"));
  std::vector<Result<StoredDelivery>> out;
  out.reserve(items.size());
  std::vector<ports::store::DeliveryPutRow> rows;
  std::vector<size_t> row_item;  // item index of each row
  for (size_t i = 0; i < items.size(); ++i) {
    StoredDelivery& d = items[i].delivery;
    out.push_back(Unexpected(ErrorCode::kInternal, "not stored"));
    if (auto s = NotEmpty(d.record.idempotency_key, "delivery.idempotency_key"); !s) {
      out[i] = Unexpected(s.error());
      continue;
    }
    auto current = store_.GetDelivery(d.record.idempotency_key);
    if (!current.has_value()) {
      if (current.error().code != ErrorCode::kNotFound) return Unexpected(current.error());
      out[i] = Unexpected(current.error());
      continue;
    }
    auto attempt = CheckDeliveryPut(*current, d, m.now);
    if (!attempt.has_value()) {
      out[i] = Unexpected(attempt.error());
      continue;
    }
    rows.push_back({.row = json::ToRow(d),
                    .expected_version = items[i].expected_version,
                    .attempt = *std::move(attempt)});
    row_item.push_back(i);
  }
  if (rows.empty()) return out;
  SECPLAT_ASSIGN_OR_RETURN(auto stored, store_.PutDeliveries(rows, Ctx(m)));
  if (stored.size() != rows.size())
    return Unexpected(ErrorCode::kInternal, "store answered " + std::to_string(stored.size()) +
                                                " outcomes for " + std::to_string(rows.size()));
  for (size_t r = 0; r < rows.size(); ++r) {
    const size_t i = row_item[r];
    if (!stored[r].has_value()) {
      out[i] = Unexpected(stored[r].error());
      continue;
    }
    StoredDelivery d = std::move(items[i].delivery);
    d.version = stored[r]->version;
    out[i] = std::move(d);
  }
  return out;
}

Result<std::vector<std::optional<NotifyLogRecord>>> ApiService::GetNotifyLogs(
    const std::vector<ports::platform::NotifyLogKey>& keys) {
  SECPLAT_RETURN_IF_ERROR(BatchWithinLimit(keys.size(), "keys"));
  std::vector<ports::store::NotifyLogKey> store_keys;
  store_keys.reserve(keys.size());
  for (const auto& k : keys) store_keys.push_back({k.channel, k.problem_key});
  SECPLAT_ASSIGN_OR_RETURN(auto rows, store_.GetNotifyLogs(store_keys));
  std::vector<std::optional<NotifyLogRecord>> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    if (!row) {
      out.emplace_back();
      continue;
    }
    SECPLAT_ASSIGN_OR_RETURN(NotifyLogRecord record, json::FromRow(*row));
    out.emplace_back(std::move(record));
  }
  return out;
}

Result<std::vector<Result<ports::platform::EventNotificationsResult>>>
ApiService::RecordEventNotifications(std::vector<ports::platform::EventNotifications> events,
                                     const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(BatchWithinLimit(events.size(), "events"));
  std::vector<Result<ports::platform::EventNotificationsResult>> out;
  out.reserve(events.size());
  std::vector<ports::store::EventWrites> writes;
  std::vector<size_t> write_event;  // event index of each write
  for (size_t i = 0; i < events.size(); ++i) {
    ports::platform::EventNotifications& e = events[i];
    out.push_back(Unexpected(ErrorCode::kInternal, "not stored"));
    Status valid = NotEmpty(e.routing.event_id, "routing.event_id");
    for (const StoredDelivery& d : e.deliveries) {
      if (valid) valid = NotEmpty(d.record.idempotency_key, "delivery.idempotency_key");
      if (valid) valid = NotEmpty(d.record.event_id, "delivery.event_id");
      if (valid) valid = NotEmpty(d.record.channel, "delivery.channel");
    }
    for (const auto& l : e.logs) {
      if (valid) valid = NotEmpty(l.record.entry.channel, "log.record.channel");
      if (valid) valid = NotEmpty(l.record.entry.problem_key, "log.record.problem_key");
    }
    if (!valid) {
      out[i] = Unexpected(valid.error());
      continue;
    }
    // Only a skip_duplicate_event target takes anything from the stored record.
    bool merge = false;
    for (const auto& t : e.routing.targets) merge = merge || t.reason == "skip_duplicate_event";
    if (merge) {
      SECPLAT_ASSIGN_OR_RETURN(auto previous_row, store_.GetRouting(e.routing.event_id));
      if (previous_row) {
        auto previous = json::FromRow(*previous_row);
        if (previous) {
          MergeDuplicateTargets(e.routing, *previous);
        } else {
          LogDamaged(previous.error());  // replaced below
        }
      }
    }
    ports::store::EventWrites w;
    for (const StoredDelivery& d : e.deliveries) w.deliveries.push_back(json::ToRow(d));
    for (const auto& l : e.logs)
      w.logs.push_back({.row = json::ToRow(l.record), .expected_version = l.expected_version});
    w.routing = json::ToRow(e.routing);
    writes.push_back(std::move(w));
    write_event.push_back(i);
  }
  if (writes.empty()) return out;
  SECPLAT_ASSIGN_OR_RETURN(auto stored, store_.WriteEventBatch(writes, Ctx(m)));
  if (stored.size() != writes.size())
    return Unexpected(ErrorCode::kInternal, "store answered " + std::to_string(stored.size()) +
                                                " outcomes for " + std::to_string(writes.size()));
  for (size_t w = 0; w < writes.size(); ++w) {
    const size_t i = write_event[w];
    if (!stored[w].has_value()) {
      out[i] = Unexpected(stored[w].error());
      continue;
    }
    ports::platform::EventNotifications& e = events[i];
    ports::platform::EventNotificationsResult r;
    bool damaged = false;
    for (size_t d = 0; d < stored[w]->deliveries.size() && d < e.deliveries.size(); ++d) {
      const ports::store::CreatedDeliveryRow& c = stored[w]->deliveries[d];
      if (c.created) {
        StoredDelivery fresh = e.deliveries[d];
        fresh.version = c.row.version;
        r.deliveries.push_back({std::move(fresh), true});
        continue;
      }
      auto existing = json::FromRow(c.row);
      if (!existing) {
        out[i] = Unexpected(existing.error());
        damaged = true;
        break;
      }
      r.deliveries.push_back({*std::move(existing), false});
    }
    if (damaged) continue;
    for (size_t l = 0; l < stored[w]->logs.size() && l < e.logs.size(); ++l) {
      NotifyLogRecord rec = e.logs[l].record;
      rec.version = stored[w]->logs[l].version;
      rec.updated_at = stored[w]->logs[l].updated_at;
      r.logs.push_back(std::move(rec));
    }
    out[i] = std::move(r);
  }
  return out;
}

Result<RoutingRecord> ApiService::RecordRouting(const std::string& event_id, RoutingRecord record,
                                                const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(MatchPath(record.event_id, event_id, "event_id", "event id"));
  SECPLAT_RETURN_IF_ERROR(NotEmpty(record.event_id, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(auto previous_row, store_.GetRouting(event_id));
  if (previous_row) {
    auto previous = json::FromRow(*previous_row);
    if (previous) {
      // A redelivered event is a skip_duplicate_event for every channel it was sent to: keep
      // what the first handling decided there.
      for (auto& target : record.targets) {
        if (target.reason != "skip_duplicate_event") continue;
        for (const auto& old : previous->targets) {
          if (old.channel == target.channel) {
            target = old;
            break;
          }
        }
      }
    } else {
      LogDamaged(previous.error());  // replaced below
    }
  }
  SECPLAT_RETURN_IF_ERROR(store_.PutRouting(json::ToRow(record), Ctx(m)));
  return record;
}

Result<ChannelHealth> ApiService::SetChannelHealth(const std::string& channel, ChannelHealth health,
                                                   const CallMeta& m) {
  SECPLAT_RETURN_IF_ERROR(MatchPath(health.channel, channel, "channel", "channel"));
  SECPLAT_RETURN_IF_ERROR(NotEmpty(health.channel, "channel"));
  SECPLAT_RETURN_IF_ERROR(store_.SetChannelHealth(json::ToRow(health), Ctx(m)));
  return health;
}

Result<std::vector<ChannelHealth>> ApiService::ListChannelHealth() {
  SECPLAT_ASSIGN_OR_RETURN(auto rows, store_.ListChannelHealth());
  std::vector<ChannelHealth> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(json::FromRow(row));
  return out;
}

Result<ports::store::Page<json::NotificationView>> ApiService::ListNotifications(
    const ports::store::NotificationFilter& filter, const ports::store::PageRequest& page) {
  SECPLAT_ASSIGN_OR_RETURN(auto rows, store_.ListRouting(filter, page));
  ports::store::Page<json::NotificationView> out;
  out.next_after = rows.next_after;
  for (const auto& row : rows.items) {
    auto routing = json::FromRow(row);
    if (!routing) {
      LogDamaged(routing.error());
      continue;
    }
    json::NotificationView view;
    view.routing = *std::move(routing);
    for (const auto& decision : view.routing.targets) {
      if (filter.channel && decision.channel != *filter.channel) continue;
      json::NotificationTargetView target{.decision = decision};
      if (!decision.idempotency_key.empty()) {
        auto delivery_row = store_.GetDelivery(decision.idempotency_key);
        if (delivery_row) {
          auto delivery = json::FromRow(*delivery_row);
          if (delivery) {
            target.delivery = *std::move(delivery);
          } else {
            LogDamaged(delivery.error());
          }
        } else if (delivery_row.error().code != ErrorCode::kNotFound) {
          return Unexpected(delivery_row.error());
        }
      }
      if (target.delivery) {
        SECPLAT_ASSIGN_OR_RETURN(auto attempt_rows,
                                 store_.ListDeliveryAttempts(decision.idempotency_key));
        for (const auto& attempt_row : attempt_rows) {
          auto attempt = json::FromRow(attempt_row);
          if (!attempt) {
            LogDamaged(attempt.error());
            continue;
          }
          target.attempts.push_back(*std::move(attempt));
        }
      }
      view.targets.push_back(std::move(target));
    }
    if (filter.channel && view.targets.empty()) continue;
    out.items.push_back(std::move(view));
  }
  return out;
}

Result<ports::store::ScanJobOutcome> ApiService::RequestScan(const std::string& asset_key,
                                                             const std::string& scan_type,
                                                             const std::string& idempotency_key,
                                                             const CallMeta& m) {
  SECPLAT_ASSIGN_OR_RETURN(Asset asset, store_.GetAsset(asset_key));
  if (!asset.enabled)
    return Unexpected(ErrorCode::kInvalidArgument,
                      "asset_key: asset '" + asset_key + "' is disabled");
  auto setting = asset.scan.find(scan_type);
  if (setting != asset.scan.end() && !setting->second.enabled)
    return Unexpected(ErrorCode::kInvalidArgument,
                      "scan_type: " + scan_type + " is disabled for asset '" + asset_key + "'");
  core::model::ScanJob job;
  job.asset_key = asset_key;
  job.scan_type = scan_type;
  // The scheduler's key rule (core/schedule): one job per asset, scan type and jittered period,
  // so a scan requested by a person and the scheduled one of the same period coincide.
  job.idempotency_key = idempotency_key.empty() ? core::schedule::ScheduledScanKey(
                                                      scan_type, asset_key, m.now,
                                                      core::scans::IntervalFor(asset, scan_type))
                                                : idempotency_key;
  job.requested_by = m.actor.Display();
  job.request_id = m.request_id;
  return store_.CreateScanJob(job, Ctx(m));
}

Result<IssuedToken> ApiService::IssueToken(const std::string& name, core::model::Role role,
                                           const CallMeta& m) {
  auto generated = adapters::system::NewApiToken();
  IssuedToken out;
  out.token.id = generated.id;
  out.token.name = name;
  out.token.role = role;
  out.token.secret_hash = generated.secret_hash;
  out.token.created_by = m.actor.Display();
  out.token.created_at = m.now;
  out.plaintext = std::move(generated.plaintext);
  SECPLAT_RETURN_IF_ERROR(store_.CreateToken(out.token, Ctx(m)));
  return out;
}

Status ApiService::Audit(const std::string& action, const std::string& target,
                         const std::string& after_json, const CallMeta& m) {
  core::model::AuditEntry entry;
  entry.ts = m.now;
  entry.actor = m.actor.Display();
  entry.action = action;
  entry.target = target;
  entry.after_json = after_json;
  entry.request_id = m.request_id;
  return store_.AppendAudit(entry);
}

Status ApiService::RevokeToken(const std::string& token_id, const CallMeta& m) {
  SECPLAT_ASSIGN_OR_RETURN(core::model::ApiToken token, store_.FindToken(token_id));
  if (token.role == core::model::Role::kAdmin && !token.revoked_at) {
    SECPLAT_ASSIGN_OR_RETURN(int64_t admins, store_.CountActiveAdmins());
    if (admins <= 1)
      return Unexpected(ErrorCode::kConflict,
                        "refusing to revoke the last active admin token; create another first");
  }
  return store_.RevokeToken(token_id, Ctx(m));
}

}  // namespace secplat::services::api
