// InMemoryNotificationGateway: ports::platform::NotificationGateway in memory, with the port's
// compare-and-set and idempotency rules, and fault injection for restart tests
// (`fail_attempt_records`: the next N writes that record an attempt fail with kUnavailable, as
// if the notifier died after the provider answered). TESTONLY. Thread-safe.
//
//   InMemoryNotificationGateway gw;
//   gw.fail_attempt_records = 3;   // the first attempt's outcome is never recorded
#ifndef SECPLAT_TESTS_SERVICES_NOTIFIER_IN_MEMORY_NOTIFICATION_GATEWAY_H_
#define SECPLAT_TESTS_SERVICES_NOTIFIER_IN_MEMORY_NOTIFICATION_GATEWAY_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/notify/delivery.h"
#include "ports/platform/notifications.h"

namespace secplat::testing {

class InMemoryNotificationGateway : public ports::platform::NotificationGateway {
 public:
  using NotifyLogRecord = ports::platform::NotifyLogRecord;
  using StoredDelivery = ports::platform::StoredDelivery;

  Result<std::optional<NotifyLogRecord>> GetNotifyLog(std::string_view channel,
                                                      std::string_view problem_key) override {
    std::lock_guard lock(mu_);
    auto it = logs_.find({std::string(channel), std::string(problem_key)});
    if (it == logs_.end()) return std::optional<NotifyLogRecord>();
    return std::optional<NotifyLogRecord>(it->second);
  }
  Result<NotifyLogRecord> PutNotifyLog(const NotifyLogRecord& record,
                                       int64_t expected_version) override {
    std::lock_guard lock(mu_);
    if (record.entry.channel.empty() || record.entry.problem_key.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument, "channel and problem_key required");
    }
    auto key = std::make_pair(record.entry.channel, record.entry.problem_key);
    auto it = logs_.find(key);
    const int64_t current = it == logs_.end() ? 0 : it->second.version;
    if (current != expected_version) return Unexpected(ErrorCode::kConflict, "version moved");
    NotifyLogRecord stored = record;
    stored.version = current + 1;
    logs_[key] = stored;
    return stored;
  }
  Result<std::vector<NotifyLogRecord>> ListRepeatDue(Timestamp now, int limit) override {
    std::lock_guard lock(mu_);
    std::vector<NotifyLogRecord> out;
    for (const auto& [k, r] : logs_) {
      if (r.next_repeat_at && *r.next_repeat_at <= now &&
          r.entry.last_status == core::model::ProblemStatus::kFiring) {
        out.push_back(r);
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(*a.next_repeat_at, a.entry.channel, a.entry.problem_key) <
             std::tie(*b.next_repeat_at, b.entry.channel, b.entry.problem_key);
    });
    if (out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
    return out;
  }
  Result<ports::platform::CreatedDelivery> CreateDelivery(const StoredDelivery& d) override {
    std::lock_guard lock(mu_);
    const std::string& key = d.record.idempotency_key;
    if (key.empty() || d.record.event_id.empty() || d.record.channel.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument, "key, event_id and channel required");
    }
    auto it = deliveries_.find(key);
    if (it != deliveries_.end()) return ports::platform::CreatedDelivery{it->second, false};
    if (d.sending_since) ++created_claimed;
    StoredDelivery stored = d;
    stored.version = 1;
    deliveries_[key] = stored;
    order_.push_back(key);
    return ports::platform::CreatedDelivery{stored, true};
  }
  Result<StoredDelivery> PutDelivery(const StoredDelivery& d, int64_t expected_version) override {
    // A slow API while results are recorded (a claim, "sending", is not delayed).
    if (!d.sending_since && result_delay_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(result_delay_ms.load()));
    std::lock_guard lock(mu_);
    auto it = deliveries_.find(d.record.idempotency_key);
    if (it == deliveries_.end()) return Unexpected(ErrorCode::kNotFound, "no delivery");
    if (it->second.version != expected_version) {
      return Unexpected(ErrorCode::kConflict, "version moved");
    }
    if (core::notify::IsTerminal(it->second.record.state)) {
      return Unexpected(ErrorCode::kConflict, "terminal");
    }
    const bool records_attempt = !d.sending_since && d.record.attempts > it->second.record.attempts;
    if (records_attempt && fail_attempt_records > 0) {
      --fail_attempt_records;
      return Unexpected(ErrorCode::kUnavailable, "api down (injected)");
    }
    if (d.sending_since) ++claims_written;
    StoredDelivery stored = d;
    stored.version = expected_version + 1;
    it->second = stored;
    return stored;
  }
  Result<std::vector<StoredDelivery>> ListDueDeliveries(Timestamp now, int limit) override {
    std::lock_guard lock(mu_);
    std::vector<StoredDelivery> out;
    for (const auto& [k, d] : deliveries_) {
      if (!core::notify::IsTerminal(d.record.state) && d.record.next_attempt_at &&
          *d.record.next_attempt_at <= now) {
        out.push_back(d);
      }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return std::tie(*a.record.next_attempt_at, a.record.idempotency_key) <
             std::tie(*b.record.next_attempt_at, b.record.idempotency_key);
    });
    if (out.size() > static_cast<size_t>(limit)) out.resize(static_cast<size_t>(limit));
    return out;
  }
  Status RecordRouting(const ports::platform::RoutingRecord& r) override {
    std::lock_guard lock(mu_);
    if (r.event_id.empty()) return Unexpected(ErrorCode::kInvalidArgument, "event_id required");
    auto it = routing_.find(r.event_id);
    if (it == routing_.end()) {
      routing_[r.event_id] = r;
      return OkStatus();
    }
    // A redelivery's skip_duplicate_event never replaces the decision stored for a channel.
    ports::platform::RoutingRecord merged = r;
    for (auto& t : merged.targets) {
      if (t.reason != "skip_duplicate_event") continue;
      for (const auto& old : it->second.targets) {
        if (old.channel == t.channel) t = old;
      }
    }
    it->second = merged;
    return OkStatus();
  }
  Status SetChannelHealth(const ports::platform::ChannelHealth& h) override {
    std::lock_guard lock(mu_);
    health_[h.channel] = h;
    return OkStatus();
  }

  // Inspection.
  std::vector<StoredDelivery> deliveries() const {
    std::lock_guard lock(mu_);
    std::vector<StoredDelivery> out;
    for (const auto& k : order_) out.push_back(deliveries_.at(k));
    return out;
  }
  std::optional<ports::platform::RoutingRecord> routing(const std::string& event_id) const {
    std::lock_guard lock(mu_);
    auto it = routing_.find(event_id);
    if (it == routing_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<ports::platform::ChannelHealth> health(const std::string& channel) const {
    std::lock_guard lock(mu_);
    auto it = health_.find(channel);
    if (it == health_.end()) return std::nullopt;
    return it->second;
  }

  std::atomic<int> fail_attempt_records{0};
  std::atomic<int> created_claimed{0};  // deliveries created already "sending"
  std::atomic<int> claims_written{0};   // PutDelivery writes that claim ("sending")
  std::atomic<int> result_delay_ms{0};  // each PutDelivery recording a result waits this long

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, NotifyLogRecord> logs_;
  std::map<std::string, StoredDelivery> deliveries_;
  std::vector<std::string> order_;
  std::map<std::string, ports::platform::RoutingRecord> routing_;
  std::map<std::string, ports::platform::ChannelHealth> health_;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SERVICES_NOTIFIER_IN_MEMORY_NOTIFICATION_GATEWAY_H_
