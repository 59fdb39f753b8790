// Notifications <-> JSON (notification_codec.h): lossless documents of the notifier's records,
// the store rows built from them, and the bodies of the notification routes.
#include "adapters/json/notification_codec.h"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "adapters/json/codec.h"
#include "adapters/json/internal/notification_fast.h"
#include "adapters/json/internal/reader.h"
#include "adapters/json/internal/scanner.h"
#include "adapters/json/internal/writer.h"
#include "core/validation/field_path.h"

namespace secplat::adapters::json {
namespace {

using core::model::DeliveryRecord;
using core::model::DeliveryState;
using core::model::LastResponse;
using core::model::NotifyEvent;
using core::model::ProblemStatus;
using core::model::ResponseClass;
using core::model::Severity;
using core::validation::IndexPath;
using internal::Json;
using internal::ObjectReader;
using internal::OJson;
using ports::platform::ChannelHealth;
using ports::platform::NotifyLogRecord;
using ports::platform::RoutingRecord;
using ports::platform::StoredDelivery;
using ports::platform::TargetDecision;

constexpr std::string_view kSeverities = "info, low, medium, high, critical";
constexpr std::string_view kProblemStatuses = "firing, resolved";
constexpr std::string_view kDeliveryStates = "pending, retrying, delivered, failed_permanent, dead";
constexpr std::string_view kResponseClasses =
    "ok, rate_limited, server_error, timeout, connection, auth_error, client_error";
constexpr int64_t kMaxCount = INT64_MAX;
constexpr int64_t kMaxInt = 2147483647;

std::optional<ProblemStatus> ParseProblemStatus(std::string_view s) {
  if (s == "firing") return ProblemStatus::kFiring;
  if (s == "resolved") return ProblemStatus::kResolved;
  return std::nullopt;
}

std::optional<ResponseClass> ParseResponseClass(std::string_view s) {
  for (ResponseClass c :
       {ResponseClass::kOk, ResponseClass::kRateLimited, ResponseClass::kServerError,
        ResponseClass::kTimeout, ResponseClass::kConnection, ResponseClass::kAuthError,
        ResponseClass::kClientError}) {
    if (core::model::ResponseClassName(c) == s) return c;
  }
  return std::nullopt;
}

// ---- Strict readers: every member required -----------------------------------------------------

Unexpected Required(const ObjectReader& r, std::string_view key) { return r.Fail(key, "required"); }

// A string of at most `max` bytes.
Result<std::string> ReqString(const ObjectReader& r, std::string_view key, size_t max) {
  SECPLAT_ASSIGN_OR_RETURN(std::string s, r.RequiredString(key));
  if (s.size() > max) return r.Fail(key, "must be at most " + std::to_string(max) + " bytes");
  return s;
}
Result<std::string> ReqKey(const ObjectReader& r, std::string_view key) {
  return ReqString(r, key, kMaxNotifyKeyBytes);
}
Result<std::string> ReqText(const ObjectReader& r, std::string_view key) {
  return ReqString(r, key, kMaxNotifyTextBytes);
}

Result<int64_t> ReqInt(const ObjectReader& r, std::string_view key, int64_t min, int64_t max) {
  SECPLAT_ASSIGN_OR_RETURN(auto v, r.OptionalInt(key, min, max));
  if (!v) return Required(r, key);
  return *v;
}

Result<bool> ReqBool(const ObjectReader& r, std::string_view key) {
  SECPLAT_ASSIGN_OR_RETURN(auto v, r.OptionalBool(key));
  if (!v) return Required(r, key);
  return *v;
}

Result<Timestamp> ReqTime(const ObjectReader& r, std::string_view key) {
  SECPLAT_ASSIGN_OR_RETURN(auto t, r.OptionalTimestamp(key));
  if (!t) return Required(r, key);
  return *t;
}

// Present; null means unset.
Result<std::optional<Timestamp>> NullableTime(const ObjectReader& r, std::string_view key) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  if (v->is_null()) return std::optional<Timestamp>();
  return r.OptionalTimestamp(key);
}

Result<std::optional<int64_t>> NullableInt(const ObjectReader& r, std::string_view key, int64_t min,
                                           int64_t max) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  if (v->is_null()) return std::optional<int64_t>();
  return r.OptionalInt(key, min, max);
}

// The member `key` as the value handed to `read(const Json&, path)`; required, null refused
// unless `nullable` (then nullopt).
template <typename T, typename Read>
Result<std::optional<T>> Member(const ObjectReader& r, std::string_view key, bool nullable,
                                Read&& read) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  if (nullable && v->is_null()) return std::optional<T>();
  SECPLAT_ASSIGN_OR_RETURN(T t, read(*v, r.PathOf(key)));
  return std::optional<T>(std::move(t));
}
// Required and never null. (Not written over Member: g++ 12 -O2 reports a false
// maybe-uninitialized on the optional in between.)
template <typename T, typename Read>
Result<T> ReqMember(const ObjectReader& r, std::string_view key, Read&& read) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  return read(*v, r.PathOf(key));
}

// The array member `key` with at most `max` items, each decoded by `read(const Json&, path)`.
template <typename T, typename Read>
Result<std::vector<T>> ReqList(const ObjectReader& r, std::string_view key, size_t max,
                               Read&& read) {
  const Json* items = r.Find(key);
  if (items == nullptr) return Required(r, key);
  if (!items->is_array()) return r.Fail(key, "must be an array");
  if (items->size() > max)
    return r.Fail(key, "must have at most " + std::to_string(max) + " items");
  std::vector<T> out;
  out.reserve(items->size());
  const std::string path = r.PathOf(key);
  for (size_t i = 0; i < items->size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(T item, read((*items)[i], IndexPath(path, i)));
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::string> ReadKeyString(const Json& v, const std::string& path) {
  if (!v.is_string()) return internal::FailAt(path, "must be a string");
  std::string s = v.get<std::string>();
  if (s.size() > kMaxNotifyKeyBytes)
    return internal::FailAt(path,
                            "must be at most " + std::to_string(kMaxNotifyKeyBytes) + " bytes");
  return s;
}

// An object of strings: keys of 1..kMaxNotifyKeyBytes bytes, values up to kMaxNotifyTextBytes.
Result<std::map<std::string, std::string>> ReqStringMap(const ObjectReader& r,
                                                        std::string_view key) {
  const Json* v = r.Find(key);
  if (v == nullptr) return Required(r, key);
  const std::string path = r.PathOf(key);
  if (!v->is_object()) return internal::FailAt(path, "must be an object");
  if (v->size() > kMaxNotifyMapEntries)
    return internal::FailAt(
        path, "must have at most " + std::to_string(kMaxNotifyMapEntries) + " entries");
  std::map<std::string, std::string> out;
  for (const auto& [k, value] : v->items()) {
    const std::string item_path = core::validation::JoinPath(path, k);
    if (k.empty() || k.size() > kMaxNotifyKeyBytes)
      return internal::FailAt(item_path,
                              "keys must be 1 to " + std::to_string(kMaxNotifyKeyBytes) + " bytes");
    if (!value.is_string()) return internal::FailAt(item_path, "must be a string");
    std::string s = value.get<std::string>();
    if (s.size() > kMaxNotifyTextBytes)
      return internal::FailAt(item_path,
                              "must be at most " + std::to_string(kMaxNotifyTextBytes) + " bytes");
    out.emplace(k, std::move(s));
  }
  return out;
}

// Runs `read` over a whole document (the empty path is "body").
template <typename Read>
auto DecodeDocument(std::string_view text, Read&& read) -> decltype(read(Json(), std::string())) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(text));
  return read(doc, std::string());
}

// ---- NotifyEvent
// ---------------------------------------------------------------------------------

OJson StringMapObject(const std::map<std::string, std::string>& m) {
  OJson o = OJson::object();
  for (const auto& [k, v] : m) o[k] = v;
  return o;
}

OJson EventObject(const NotifyEvent& e) {
  OJson o = OJson::object();
  o["event_id"] = e.event_id;
  o["event_type"] = e.event_type;
  o["ts"] = FormatRfc3339(e.ts);
  o["asset_key"] = e.asset_key;
  o["severity"] = std::string(core::model::SeverityName(e.severity));
  o["labels"] = StringMapObject(e.labels);
  o["environment"] = e.environment;
  o["problem_key"] = e.problem_key;
  o["status"] = std::string(core::model::ProblemStatusName(e.status));
  o["state"] = e.state;
  o["summary"] = e.summary;
  o["details"] = StringMapObject(e.details);
  o["since"] = internal::TimeOrNull(e.since);
  o["link"] = e.link;
  return o;
}

Result<NotifyEvent> ReadEvent(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(
      r.OnlyKnown({"event_id", "event_type", "ts", "asset_key", "severity", "labels", "environment",
                   "problem_key", "status", "state", "summary", "details", "since", "link"}));
  NotifyEvent e;
  SECPLAT_ASSIGN_OR_RETURN(e.event_id, ReqKey(r, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(e.event_type, ReqKey(r, "event_type"));
  SECPLAT_ASSIGN_OR_RETURN(e.ts, ReqTime(r, "ts"));
  SECPLAT_ASSIGN_OR_RETURN(e.asset_key, ReqKey(r, "asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(
      e.severity, r.RequiredEnum<Severity>("severity", core::model::ParseSeverity, kSeverities));
  SECPLAT_ASSIGN_OR_RETURN(e.labels, ReqStringMap(r, "labels"));
  SECPLAT_ASSIGN_OR_RETURN(e.environment, ReqKey(r, "environment"));
  SECPLAT_ASSIGN_OR_RETURN(e.problem_key, ReqKey(r, "problem_key"));
  SECPLAT_ASSIGN_OR_RETURN(
      e.status, r.RequiredEnum<ProblemStatus>("status", ParseProblemStatus, kProblemStatuses));
  SECPLAT_ASSIGN_OR_RETURN(e.state, ReqKey(r, "state"));
  SECPLAT_ASSIGN_OR_RETURN(e.summary, ReqText(r, "summary"));
  SECPLAT_ASSIGN_OR_RETURN(e.details, ReqStringMap(r, "details"));
  SECPLAT_ASSIGN_OR_RETURN(e.since, NullableTime(r, "since"));
  SECPLAT_ASSIGN_OR_RETURN(e.link, ReqText(r, "link"));
  return e;
}

// ---- NotifyLogRecord
// -----------------------------------------------------------------------------

OJson LogObject(const NotifyLogRecord& rec, bool with_version) {
  const core::notify::NotifyLogEntry& e = rec.entry;
  OJson o = OJson::object();
  o["channel"] = e.channel;
  o["problem_key"] = e.problem_key;
  o["last_status"] = std::string(core::model::ProblemStatusName(e.last_status));
  o["last_severity"] = std::string(core::model::SeverityName(e.last_severity));
  o["last_state"] = e.last_state;
  o["last_event_id"] = e.last_event_id;
  o["last_event_ts"] = FormatRfc3339(e.last_event_ts);
  o["last_sent_at"] = internal::TimeOrNull(e.last_sent_at);
  o["last_event"] = EventObject(rec.last_event);
  o["next_repeat_at"] = internal::TimeOrNull(rec.next_repeat_at);
  if (with_version) {
    o["version"] = rec.version;
    o["updated_at"] = FormatRfc3339(rec.updated_at);
  }
  return o;
}

Result<NotifyLogRecord> ReadLog(const Json& value, const std::string& path, bool with_version) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  if (with_version) {
    SECPLAT_RETURN_IF_ERROR(
        r.OnlyKnown({"channel", "problem_key", "last_status", "last_severity", "last_state",
                     "last_event_id", "last_event_ts", "last_sent_at", "last_event",
                     "next_repeat_at", "version", "updated_at"}));
  } else {
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"channel", "problem_key", "last_status", "last_severity",
                                         "last_state", "last_event_id", "last_event_ts",
                                         "last_sent_at", "last_event", "next_repeat_at"}));
  }
  NotifyLogRecord rec;
  core::notify::NotifyLogEntry& e = rec.entry;
  SECPLAT_ASSIGN_OR_RETURN(e.channel, ReqKey(r, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(e.problem_key, ReqKey(r, "problem_key"));
  SECPLAT_ASSIGN_OR_RETURN(e.last_status, r.RequiredEnum<ProblemStatus>(
                                              "last_status", ParseProblemStatus, kProblemStatuses));
  SECPLAT_ASSIGN_OR_RETURN(
      e.last_severity,
      r.RequiredEnum<Severity>("last_severity", core::model::ParseSeverity, kSeverities));
  SECPLAT_ASSIGN_OR_RETURN(e.last_state, ReqKey(r, "last_state"));
  SECPLAT_ASSIGN_OR_RETURN(e.last_event_id, ReqKey(r, "last_event_id"));
  SECPLAT_ASSIGN_OR_RETURN(e.last_event_ts, ReqTime(r, "last_event_ts"));
  SECPLAT_ASSIGN_OR_RETURN(e.last_sent_at, NullableTime(r, "last_sent_at"));
  SECPLAT_ASSIGN_OR_RETURN(rec.last_event, ReqMember<NotifyEvent>(r, "last_event", ReadEvent));
  SECPLAT_ASSIGN_OR_RETURN(rec.next_repeat_at, NullableTime(r, "next_repeat_at"));
  if (with_version) {
    SECPLAT_ASSIGN_OR_RETURN(rec.version, ReqInt(r, "version", 1, kMaxCount));
    SECPLAT_ASSIGN_OR_RETURN(rec.updated_at, ReqTime(r, "updated_at"));
  }
  return rec;
}

Result<NotifyLogRecord> ReadLogDocument(const Json& value, const std::string& path) {
  return ReadLog(value, path, false);
}
Result<NotifyLogRecord> ReadLogReply(const Json& value, const std::string& path) {
  return ReadLog(value, path, true);
}

// ---- Attempts and deliveries
// ---------------------------------------------------------------------

OJson AttemptObject(const LastResponse& a) {
  OJson o = OJson::object();
  o["status"] = a.status;
  o["class"] = std::string(core::model::ResponseClassName(a.response_class));
  o["detail"] = a.detail;
  o["retry_after_ms"] = a.retry_after ? OJson(a.retry_after->count()) : OJson(nullptr);
  return o;
}

// The members of an attempt document read from `r` (shared with the view's attempt list).
Result<LastResponse> ReadAttemptMembers(const ObjectReader& r) {
  LastResponse a;
  SECPLAT_ASSIGN_OR_RETURN(int64_t status, ReqInt(r, "status", 0, 999));
  a.status = static_cast<int>(status);
  SECPLAT_ASSIGN_OR_RETURN(a.response_class, r.RequiredEnum<ResponseClass>(
                                                 "class", ParseResponseClass, kResponseClasses));
  SECPLAT_ASSIGN_OR_RETURN(a.detail, ReqText(r, "detail"));
  SECPLAT_ASSIGN_OR_RETURN(auto retry_after, NullableInt(r, "retry_after_ms", 0, kMaxCount));
  if (retry_after) a.retry_after = Duration(*retry_after);
  return a;
}

Result<LastResponse> ReadAttempt(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"status", "class", "detail", "retry_after_ms"}));
  return ReadAttemptMembers(r);
}

OJson DeliveryObject(const StoredDelivery& d, bool with_version) {
  const DeliveryRecord& rec = d.record;
  OJson o = OJson::object();
  o["idempotency_key"] = rec.idempotency_key;
  o["event_id"] = rec.event_id;
  o["channel"] = rec.channel;
  o["problem_key"] = rec.problem_key;
  o["state"] = std::string(core::model::DeliveryStateName(rec.state));
  o["attempts"] = rec.attempts;
  o["created_at"] = FormatRfc3339(rec.created_at);
  o["last_attempt_at"] = internal::TimeOrNull(rec.last_attempt_at);
  o["next_attempt_at"] = internal::TimeOrNull(rec.next_attempt_at);
  o["delivered_at"] = internal::TimeOrNull(rec.delivered_at);
  o["last_response"] = rec.last_response ? AttemptObject(*rec.last_response) : OJson(nullptr);
  o["external_ref"] = rec.external_ref;
  o["rule"] = d.rule;
  o["notify_reason"] = d.notify_reason;
  o["sending_since"] = internal::TimeOrNull(d.sending_since);
  o["sending_by"] = d.sending_by;
  o["event"] = EventObject(d.event);
  if (with_version) o["version"] = d.version;
  return o;
}

Result<StoredDelivery> ReadDelivery(const Json& value, const std::string& path, bool with_version) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  if (with_version) {
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown(
        {"idempotency_key", "event_id", "channel", "problem_key", "state", "attempts", "created_at",
         "last_attempt_at", "next_attempt_at", "delivered_at", "last_response", "external_ref",
         "rule", "notify_reason", "sending_since", "sending_by", "event", "version"}));
  } else {
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown(
        {"idempotency_key", "event_id", "channel", "problem_key", "state", "attempts", "created_at",
         "last_attempt_at", "next_attempt_at", "delivered_at", "last_response", "external_ref",
         "rule", "notify_reason", "sending_since", "sending_by", "event"}));
  }
  StoredDelivery d;
  DeliveryRecord& rec = d.record;
  SECPLAT_ASSIGN_OR_RETURN(rec.idempotency_key, ReqKey(r, "idempotency_key"));
  SECPLAT_ASSIGN_OR_RETURN(rec.event_id, ReqKey(r, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(rec.channel, ReqKey(r, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(rec.problem_key, ReqKey(r, "problem_key"));
  SECPLAT_ASSIGN_OR_RETURN(
      rec.state,
      r.RequiredEnum<DeliveryState>("state", core::model::ParseDeliveryState, kDeliveryStates));
  SECPLAT_ASSIGN_OR_RETURN(int64_t attempts, ReqInt(r, "attempts", 0, kMaxInt));
  rec.attempts = static_cast<int>(attempts);
  SECPLAT_ASSIGN_OR_RETURN(rec.created_at, ReqTime(r, "created_at"));
  SECPLAT_ASSIGN_OR_RETURN(rec.last_attempt_at, NullableTime(r, "last_attempt_at"));
  SECPLAT_ASSIGN_OR_RETURN(rec.next_attempt_at, NullableTime(r, "next_attempt_at"));
  SECPLAT_ASSIGN_OR_RETURN(rec.delivered_at, NullableTime(r, "delivered_at"));
  SECPLAT_ASSIGN_OR_RETURN(rec.last_response,
                           Member<LastResponse>(r, "last_response", true, ReadAttempt));
  SECPLAT_ASSIGN_OR_RETURN(rec.external_ref, ReqText(r, "external_ref"));
  SECPLAT_ASSIGN_OR_RETURN(d.rule, ReqKey(r, "rule"));
  SECPLAT_ASSIGN_OR_RETURN(d.notify_reason, ReqKey(r, "notify_reason"));
  SECPLAT_ASSIGN_OR_RETURN(d.sending_since, NullableTime(r, "sending_since"));
  SECPLAT_ASSIGN_OR_RETURN(d.sending_by, ReqKey(r, "sending_by"));
  SECPLAT_ASSIGN_OR_RETURN(d.event, ReqMember<NotifyEvent>(r, "event", ReadEvent));
  if (with_version) {
    SECPLAT_ASSIGN_OR_RETURN(d.version, ReqInt(r, "version", 1, kMaxCount));
  }
  return d;
}

Result<StoredDelivery> ReadDeliveryDocument(const Json& value, const std::string& path) {
  return ReadDelivery(value, path, false);
}
Result<StoredDelivery> ReadDeliveryReply(const Json& value, const std::string& path) {
  return ReadDelivery(value, path, true);
}

// ---- Routing
// -------------------------------------------------------------------------------------

OJson VerdictObject(const core::notify::RuleVerdict& v) {
  OJson o = OJson::object();
  o["rule"] = v.rule;
  o["evaluated"] = v.evaluated;
  o["matched"] = v.matched;
  o["reason"] = v.reason;
  return o;
}

OJson StringArray(const std::vector<std::string>& items) {
  OJson a = OJson::array();
  for (const auto& s : items) a.push_back(s);
  return a;
}

// The members of a target decision, in order (the view appends the delivery).
OJson TargetObject(const TargetDecision& t) {
  OJson o = OJson::object();
  o["channel"] = t.channel;
  o["rule"] = t.rule;
  o["send"] = t.send;
  o["reason"] = t.reason;
  o["detail"] = t.detail;
  o["idempotency_key"] = t.idempotency_key;
  return o;
}

Result<core::notify::RuleVerdict> ReadVerdict(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"rule", "evaluated", "matched", "reason"}));
  core::notify::RuleVerdict v;
  SECPLAT_ASSIGN_OR_RETURN(v.rule, ReqKey(r, "rule"));
  SECPLAT_ASSIGN_OR_RETURN(v.evaluated, ReqBool(r, "evaluated"));
  SECPLAT_ASSIGN_OR_RETURN(v.matched, ReqBool(r, "matched"));
  SECPLAT_ASSIGN_OR_RETURN(v.reason, ReqText(r, "reason"));
  return v;
}

Result<core::notify::RouteTarget> ReadRouteTarget(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"channel", "rule", "repeat_interval_ms", "send_resolved"}));
  core::notify::RouteTarget t;
  SECPLAT_ASSIGN_OR_RETURN(t.channel, ReqKey(r, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(t.rule, ReqKey(r, "rule"));
  SECPLAT_ASSIGN_OR_RETURN(int64_t ms, ReqInt(r, "repeat_interval_ms", 0, kMaxCount));
  t.repeat_interval = Duration(ms);
  SECPLAT_ASSIGN_OR_RETURN(t.send_resolved, ReqBool(r, "send_resolved"));
  return t;
}

Result<core::notify::RoutingDecision> ReadDecision(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"verdicts", "matched_rules", "targets", "reason"}));
  core::notify::RoutingDecision d;
  SECPLAT_ASSIGN_OR_RETURN(d.verdicts, ReqList<core::notify::RuleVerdict>(
                                           r, "verdicts", kMaxNotifyListItems, ReadVerdict));
  SECPLAT_ASSIGN_OR_RETURN(
      d.matched_rules,
      ReqList<std::string>(r, "matched_rules", kMaxNotifyListItems, ReadKeyString));
  SECPLAT_ASSIGN_OR_RETURN(d.targets, ReqList<core::notify::RouteTarget>(
                                          r, "targets", kMaxNotifyListItems, ReadRouteTarget));
  SECPLAT_ASSIGN_OR_RETURN(d.reason, ReqText(r, "reason"));
  return d;
}

Result<TargetDecision> ReadTarget(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(
      r.OnlyKnown({"channel", "rule", "send", "reason", "detail", "idempotency_key"}));
  TargetDecision t;
  SECPLAT_ASSIGN_OR_RETURN(t.channel, ReqKey(r, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(t.rule, ReqKey(r, "rule"));
  SECPLAT_ASSIGN_OR_RETURN(t.send, ReqBool(r, "send"));
  SECPLAT_ASSIGN_OR_RETURN(t.reason, ReqKey(r, "reason"));
  SECPLAT_ASSIGN_OR_RETURN(t.detail, ReqText(r, "detail"));
  SECPLAT_ASSIGN_OR_RETURN(t.idempotency_key, ReqKey(r, "idempotency_key"));
  return t;
}

Result<RoutingRecord> ReadRouting(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown(
      {"event_id", "event_type", "asset_key", "problem_key", "decided_at", "decision", "targets"}));
  RoutingRecord rec;
  SECPLAT_ASSIGN_OR_RETURN(rec.event_id, ReqKey(r, "event_id"));
  SECPLAT_ASSIGN_OR_RETURN(rec.event_type, ReqKey(r, "event_type"));
  SECPLAT_ASSIGN_OR_RETURN(rec.asset_key, ReqKey(r, "asset_key"));
  SECPLAT_ASSIGN_OR_RETURN(rec.problem_key, ReqKey(r, "problem_key"));
  SECPLAT_ASSIGN_OR_RETURN(rec.decided_at, ReqTime(r, "decided_at"));
  SECPLAT_ASSIGN_OR_RETURN(rec.decision,
                           ReqMember<core::notify::RoutingDecision>(r, "decision", ReadDecision));
  SECPLAT_ASSIGN_OR_RETURN(rec.targets,
                           ReqList<TargetDecision>(r, "targets", kMaxNotifyListItems, ReadTarget));
  return rec;
}

// ---- Channel health
// ------------------------------------------------------------------------------

OJson HealthObject(const ChannelHealth& h) {
  OJson o = OJson::object();
  o["channel"] = h.channel;
  o["failing"] = h.failing;
  o["reason"] = h.reason;
  o["since"] = FormatRfc3339(h.since);
  return o;
}

Result<ChannelHealth> ReadHealth(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"channel", "failing", "reason", "since"}));
  ChannelHealth h;
  SECPLAT_ASSIGN_OR_RETURN(h.channel, ReqKey(r, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(h.failing, ReqBool(r, "failing"));
  SECPLAT_ASSIGN_OR_RETURN(h.reason, ReqText(r, "reason"));
  SECPLAT_ASSIGN_OR_RETURN(h.since, ReqTime(r, "since"));
  return h;
}

// ---- Lists -----------------------------------------------------------------------------------

template <typename T, typename ToObject>
std::string ListOf(const std::vector<T>& items, ToObject&& to_object) {
  OJson a = OJson::array();
  for (const T& item : items) a.push_back(to_object(item));
  OJson o = OJson::object();
  o["items"] = std::move(a);
  o["next_cursor"] = nullptr;
  return internal::Dump(o);
}

// {"items":[...],"next_cursor":null|string}: the items decoded with `read`.
template <typename T, typename Read>
Result<std::vector<T>> ReadListBody(std::string_view body, Read&& read) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"items", "next_cursor"}));
  return ReqList<T>(r, "items", kMaxNotifyListItems, read);
}

// ---- Direct writers ----------------------------------------------------------------------
// The hot documents (a notified event writes a delivery, a log entry and a routing record, and
// each send writes the delivery again) are written without a DOM: the same bytes as
// Dump(<X>Object(...)) above, which stay for the lists and views that embed them (the routing
// record is only written here).
// tests/adapters/json/notification_codec_test.cc (DirectWritersWriteTheDomBytes) holds them
// equal.

namespace w = internal::writer;

void AppendStringMap(std::string& out, const std::map<std::string, std::string>& m) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) out += ',';
    first = false;
    w::Str(out, k);
    out += ':';
    w::Str(out, v);
  }
  out += '}';
}

void AppendEvent(std::string& out, const NotifyEvent& e) {
  out += '{';
  w::Key(out, "event_id", true);
  w::Str(out, e.event_id);
  w::Key(out, "event_type");
  w::Str(out, e.event_type);
  w::Key(out, "ts");
  w::Time(out, e.ts);
  w::Key(out, "asset_key");
  w::Str(out, e.asset_key);
  w::Key(out, "severity");
  w::Str(out, core::model::SeverityName(e.severity));
  w::Key(out, "labels");
  AppendStringMap(out, e.labels);
  w::Key(out, "environment");
  w::Str(out, e.environment);
  w::Key(out, "problem_key");
  w::Str(out, e.problem_key);
  w::Key(out, "status");
  w::Str(out, core::model::ProblemStatusName(e.status));
  w::Key(out, "state");
  w::Str(out, e.state);
  w::Key(out, "summary");
  w::Str(out, e.summary);
  w::Key(out, "details");
  AppendStringMap(out, e.details);
  w::Key(out, "since");
  w::TimeOrNull(out, e.since);
  w::Key(out, "link");
  w::Str(out, e.link);
  out += '}';
}

void AppendLog(std::string& out, const NotifyLogRecord& rec, bool with_version) {
  const core::notify::NotifyLogEntry& e = rec.entry;
  out += '{';
  w::Key(out, "channel", true);
  w::Str(out, e.channel);
  w::Key(out, "problem_key");
  w::Str(out, e.problem_key);
  w::Key(out, "last_status");
  w::Str(out, core::model::ProblemStatusName(e.last_status));
  w::Key(out, "last_severity");
  w::Str(out, core::model::SeverityName(e.last_severity));
  w::Key(out, "last_state");
  w::Str(out, e.last_state);
  w::Key(out, "last_event_id");
  w::Str(out, e.last_event_id);
  w::Key(out, "last_event_ts");
  w::Time(out, e.last_event_ts);
  w::Key(out, "last_sent_at");
  w::TimeOrNull(out, e.last_sent_at);
  w::Key(out, "last_event");
  AppendEvent(out, rec.last_event);
  w::Key(out, "next_repeat_at");
  w::TimeOrNull(out, rec.next_repeat_at);
  if (with_version) {
    w::Key(out, "version");
    w::Int(out, rec.version);
    w::Key(out, "updated_at");
    w::Time(out, rec.updated_at);
  }
  out += '}';
}

void AppendAttempt(std::string& out, const LastResponse& a) {
  out += '{';
  w::Key(out, "status", true);
  w::Int(out, a.status);
  w::Key(out, "class");
  w::Str(out, core::model::ResponseClassName(a.response_class));
  w::Key(out, "detail");
  w::Str(out, a.detail);
  w::Key(out, "retry_after_ms");
  if (a.retry_after) {
    w::Int(out, a.retry_after->count());
  } else {
    out += "null";
  }
  out += '}';
}

void AppendDelivery(std::string& out, const StoredDelivery& d, bool with_version) {
  const DeliveryRecord& rec = d.record;
  out += '{';
  w::Key(out, "idempotency_key", true);
  w::Str(out, rec.idempotency_key);
  w::Key(out, "event_id");
  w::Str(out, rec.event_id);
  w::Key(out, "channel");
  w::Str(out, rec.channel);
  w::Key(out, "problem_key");
  w::Str(out, rec.problem_key);
  w::Key(out, "state");
  w::Str(out, core::model::DeliveryStateName(rec.state));
  w::Key(out, "attempts");
  w::Int(out, rec.attempts);
  w::Key(out, "created_at");
  w::Time(out, rec.created_at);
  w::Key(out, "last_attempt_at");
  w::TimeOrNull(out, rec.last_attempt_at);
  w::Key(out, "next_attempt_at");
  w::TimeOrNull(out, rec.next_attempt_at);
  w::Key(out, "delivered_at");
  w::TimeOrNull(out, rec.delivered_at);
  w::Key(out, "last_response");
  if (rec.last_response) {
    AppendAttempt(out, *rec.last_response);
  } else {
    out += "null";
  }
  w::Key(out, "external_ref");
  w::Str(out, rec.external_ref);
  w::Key(out, "rule");
  w::Str(out, d.rule);
  w::Key(out, "notify_reason");
  w::Str(out, d.notify_reason);
  w::Key(out, "sending_since");
  w::TimeOrNull(out, d.sending_since);
  w::Key(out, "sending_by");
  w::Str(out, d.sending_by);
  w::Key(out, "event");
  AppendEvent(out, d.event);
  if (with_version) {
    w::Key(out, "version");
    w::Int(out, d.version);
  }
  out += '}';
}

void AppendRouting(std::string& out, const RoutingRecord& rec) {
  const core::notify::RoutingDecision& d = rec.decision;
  out += '{';
  w::Key(out, "event_id", true);
  w::Str(out, rec.event_id);
  w::Key(out, "event_type");
  w::Str(out, rec.event_type);
  w::Key(out, "asset_key");
  w::Str(out, rec.asset_key);
  w::Key(out, "problem_key");
  w::Str(out, rec.problem_key);
  w::Key(out, "decided_at");
  w::Time(out, rec.decided_at);
  w::Key(out, "decision");
  out += "{\"verdicts\":[";
  for (size_t i = 0; i < d.verdicts.size(); ++i) {
    const core::notify::RuleVerdict& v = d.verdicts[i];
    if (i > 0) out += ',';
    out += '{';
    w::Key(out, "rule", true);
    w::Str(out, v.rule);
    w::Key(out, "evaluated");
    w::Bool(out, v.evaluated);
    w::Key(out, "matched");
    w::Bool(out, v.matched);
    w::Key(out, "reason");
    w::Str(out, v.reason);
    out += '}';
  }
  out += "],\"matched_rules\":[";
  for (size_t i = 0; i < d.matched_rules.size(); ++i) {
    if (i > 0) out += ',';
    w::Str(out, d.matched_rules[i]);
  }
  out += "],\"targets\":[";
  for (size_t i = 0; i < d.targets.size(); ++i) {
    const core::notify::RouteTarget& t = d.targets[i];
    if (i > 0) out += ',';
    out += '{';
    w::Key(out, "channel", true);
    w::Str(out, t.channel);
    w::Key(out, "rule");
    w::Str(out, t.rule);
    w::Key(out, "repeat_interval_ms");
    w::Int(out, t.repeat_interval.count());
    w::Key(out, "send_resolved");
    w::Bool(out, t.send_resolved);
    out += '}';
  }
  out += ']';
  w::Key(out, "reason");
  w::Str(out, d.reason);
  out += '}';
  w::Key(out, "targets");
  out += '[';
  for (size_t i = 0; i < rec.targets.size(); ++i) {
    const TargetDecision& t = rec.targets[i];
    if (i > 0) out += ',';
    out += '{';
    w::Key(out, "channel", true);
    w::Str(out, t.channel);
    w::Key(out, "rule");
    w::Str(out, t.rule);
    w::Key(out, "send");
    w::Bool(out, t.send);
    w::Key(out, "reason");
    w::Str(out, t.reason);
    w::Key(out, "detail");
    w::Str(out, t.detail);
    w::Key(out, "idempotency_key");
    w::Str(out, t.idempotency_key);
    out += '}';
  }
  out += "]}";
}

// ---- Fast-path readers -----------------------------------------------------------------
// One pass, no DOM, over a delivery document as the writers above write it (members in any
// order, any whitespace): every member once, none unknown, every value of the type and within
// the bounds the strict readers check. Anything else gives false, and the caller hands the
// text to the strict readers, which accept it too or name the error: the fast path can change
// speed, never an answer (NotificationCodec.FastDeliveryPathAgreesWithTheStrictReaders).

using internal::scan::Members;
using internal::scan::Scanner;

bool KeyValue(Scanner& sc, std::string& s) {
  return sc.String(s) && s.size() <= kMaxNotifyKeyBytes;
}
bool TextValue(Scanner& sc, std::string& s) {
  return sc.String(s) && s.size() <= kMaxNotifyTextBytes;
}

bool FastStringMap(Scanner& sc, std::map<std::string, std::string>& m) {
  m.clear();
  return internal::scan::KeyedObject(sc, [&](std::string key) {
    std::string value;
    return m.size() < kMaxNotifyMapEntries && !key.empty() && key.size() <= kMaxNotifyKeyBytes &&
           TextValue(sc, value) && m.emplace(std::move(key), std::move(value)).second;
  });
}

bool FastEvent(Scanner& sc, NotifyEvent& e) {
  static constexpr std::string_view kNames[] = {
      "event_id",    "event_type", "ts",    "asset_key", "severity", "labels", "environment",
      "problem_key", "status",     "state", "summary",   "details",  "since",  "link"};
  Members m(kNames);
  return internal::scan::Object(
             sc,
             [&](std::string_view key) {
               switch (m.Take(key)) {
                 case 0:
                   return KeyValue(sc, e.event_id);
                 case 1:
                   return KeyValue(sc, e.event_type);
                 case 2:
                   return internal::scan::TimeValue(sc, e.ts);
                 case 3:
                   return KeyValue(sc, e.asset_key);
                 case 4:
                   return internal::scan::NamedValue(sc, core::model::ParseSeverity, e.severity);
                 case 5:
                   return FastStringMap(sc, e.labels);
                 case 6:
                   return KeyValue(sc, e.environment);
                 case 7:
                   return KeyValue(sc, e.problem_key);
                 case 8:
                   return internal::scan::NamedValue(sc, ParseProblemStatus, e.status);
                 case 9:
                   return KeyValue(sc, e.state);
                 case 10:
                   return TextValue(sc, e.summary);
                 case 11:
                   return FastStringMap(sc, e.details);
                 case 12:
                   return internal::scan::NullableTime(sc, e.since);
                 case 13:
                   return TextValue(sc, e.link);
                 default:
                   return false;
               }
             }) &&
         m.Complete();
}

bool FastAttempt(Scanner& sc, LastResponse& a) {
  static constexpr std::string_view kNames[] = {"status", "class", "detail", "retry_after_ms"};
  Members m(kNames);
  return internal::scan::Object(sc,
                                [&](std::string_view key) {
                                  switch (m.Take(key)) {
                                    case 0:
                                      return internal::scan::IntIn(sc, 0, 999, a.status);
                                    case 1:
                                      return internal::scan::NamedValue(sc, ParseResponseClass,
                                                                        a.response_class);
                                    case 2:
                                      return TextValue(sc, a.detail);
                                    case 3: {
                                      if (sc.Null()) {
                                        a.retry_after.reset();
                                        return true;
                                      }
                                      int64_t ms = 0;
                                      if (!internal::scan::IntIn(sc, 0, kMaxCount, ms))
                                        return false;
                                      a.retry_after = Duration(ms);
                                      return true;
                                    }
                                    default:
                                      return false;
                                  }
                                }) &&
         m.Complete();
}

// A delivery document; with_version: the reply form (version required, 1..).
bool FastDelivery(Scanner& sc, StoredDelivery& d, bool with_version) {
  static constexpr std::string_view kNames[] = {"idempotency_key",
                                                "event_id",
                                                "channel",
                                                "problem_key",
                                                "state",
                                                "attempts",
                                                "created_at",
                                                "last_attempt_at",
                                                "next_attempt_at",
                                                "delivered_at",
                                                "last_response",
                                                "external_ref",
                                                "rule",
                                                "notify_reason",
                                                "sending_since",
                                                "sending_by",
                                                "event",
                                                "version"};
  constexpr int kVersion = 17;
  DeliveryRecord& rec = d.record;
  Members m(kNames);
  return internal::scan::Object(sc,
                                [&](std::string_view key) {
                                  switch (m.Take(key)) {
                                    case 0:
                                      return KeyValue(sc, rec.idempotency_key);
                                    case 1:
                                      return KeyValue(sc, rec.event_id);
                                    case 2:
                                      return KeyValue(sc, rec.channel);
                                    case 3:
                                      return KeyValue(sc, rec.problem_key);
                                    case 4:
                                      return internal::scan::NamedValue(
                                          sc, core::model::ParseDeliveryState, rec.state);
                                    case 5:
                                      return internal::scan::IntIn(sc, 0, kMaxInt, rec.attempts);
                                    case 6:
                                      return internal::scan::TimeValue(sc, rec.created_at);
                                    case 7:
                                      return internal::scan::NullableTime(sc, rec.last_attempt_at);
                                    case 8:
                                      return internal::scan::NullableTime(sc, rec.next_attempt_at);
                                    case 9:
                                      return internal::scan::NullableTime(sc, rec.delivered_at);
                                    case 10: {
                                      if (sc.Null()) {
                                        rec.last_response.reset();
                                        return true;
                                      }
                                      LastResponse a;
                                      if (!FastAttempt(sc, a)) return false;
                                      rec.last_response = std::move(a);
                                      return true;
                                    }
                                    case 11:
                                      return TextValue(sc, rec.external_ref);
                                    case 12:
                                      return KeyValue(sc, d.rule);
                                    case 13:
                                      return KeyValue(sc, d.notify_reason);
                                    case 14:
                                      return internal::scan::NullableTime(sc, d.sending_since);
                                    case 15:
                                      return KeyValue(sc, d.sending_by);
                                    case 16:
                                      return FastEvent(sc, d.event);
                                    case kVersion:
                                      return with_version &&
                                             internal::scan::IntIn(sc, 1, kMaxCount, d.version);
                                    default:
                                      return false;
                                  }
                                }) &&
         m.Complete(with_version ? 0 : uint64_t{1} << kVersion);
}

// A notification-log document; with_version: the reply form (version and updated_at).
bool FastLog(Scanner& sc, NotifyLogRecord& rec, bool with_version) {
  static constexpr std::string_view kNames[] = {"channel",        "problem_key",  "last_status",
                                                "last_severity",  "last_state",   "last_event_id",
                                                "last_event_ts",  "last_sent_at", "last_event",
                                                "next_repeat_at", "version",      "updated_at"};
  constexpr uint64_t kVersioned = (uint64_t{1} << 10) | (uint64_t{1} << 11);
  core::notify::NotifyLogEntry& e = rec.entry;
  Members m(kNames);
  return internal::scan::Object(
             sc,
             [&](std::string_view key) {
               switch (m.Take(key)) {
                 case 0:
                   return KeyValue(sc, e.channel);
                 case 1:
                   return KeyValue(sc, e.problem_key);
                 case 2:
                   return internal::scan::NamedValue(sc, ParseProblemStatus, e.last_status);
                 case 3:
                   return internal::scan::NamedValue(sc, core::model::ParseSeverity,
                                                     e.last_severity);
                 case 4:
                   return KeyValue(sc, e.last_state);
                 case 5:
                   return KeyValue(sc, e.last_event_id);
                 case 6:
                   return internal::scan::TimeValue(sc, e.last_event_ts);
                 case 7:
                   return internal::scan::NullableTime(sc, e.last_sent_at);
                 case 8:
                   return FastEvent(sc, rec.last_event);
                 case 9:
                   return internal::scan::NullableTime(sc, rec.next_repeat_at);
                 case 10:
                   return with_version && internal::scan::IntIn(sc, 1, kMaxCount, rec.version);
                 case 11:
                   return with_version && internal::scan::TimeValue(sc, rec.updated_at);
                 default:
                   return false;
               }
             }) &&
         m.Complete(with_version ? 0 : kVersioned);
}

bool FastVerdict(Scanner& sc, core::notify::RuleVerdict& v) {
  static constexpr std::string_view kNames[] = {"rule", "evaluated", "matched", "reason"};
  Members m(kNames);
  return internal::scan::Object(sc,
                                [&](std::string_view key) {
                                  switch (m.Take(key)) {
                                    case 0:
                                      return KeyValue(sc, v.rule);
                                    case 1:
                                      return sc.Boolean(v.evaluated);
                                    case 2:
                                      return sc.Boolean(v.matched);
                                    case 3:
                                      return TextValue(sc, v.reason);
                                    default:
                                      return false;
                                  }
                                }) &&
         m.Complete();
}

bool FastRouteTarget(Scanner& sc, core::notify::RouteTarget& t) {
  static constexpr std::string_view kNames[] = {"channel", "rule", "repeat_interval_ms",
                                                "send_resolved"};
  Members m(kNames);
  return internal::scan::Object(sc,
                                [&](std::string_view key) {
                                  switch (m.Take(key)) {
                                    case 0:
                                      return KeyValue(sc, t.channel);
                                    case 1:
                                      return KeyValue(sc, t.rule);
                                    case 2: {
                                      int64_t ms = 0;
                                      if (!internal::scan::IntIn(sc, 0, kMaxCount, ms))
                                        return false;
                                      t.repeat_interval = Duration(ms);
                                      return true;
                                    }
                                    case 3:
                                      return sc.Boolean(t.send_resolved);
                                    default:
                                      return false;
                                  }
                                }) &&
         m.Complete();
}

bool FastDecision(Scanner& sc, core::notify::RoutingDecision& d) {
  static constexpr std::string_view kNames[] = {"verdicts", "matched_rules", "targets", "reason"};
  Members m(kNames);
  return internal::scan::Object(sc,
                                [&](std::string_view key) {
                                  switch (m.Take(key)) {
                                    case 0:
                                      return internal::scan::Array(sc, kMaxNotifyListItems, [&] {
                                        return FastVerdict(sc, d.verdicts.emplace_back());
                                      });
                                    case 1:
                                      return internal::scan::Array(sc, kMaxNotifyListItems, [&] {
                                        return KeyValue(sc, d.matched_rules.emplace_back());
                                      });
                                    case 2:
                                      return internal::scan::Array(sc, kMaxNotifyListItems, [&] {
                                        return FastRouteTarget(sc, d.targets.emplace_back());
                                      });
                                    case 3:
                                      return TextValue(sc, d.reason);
                                    default:
                                      return false;
                                  }
                                }) &&
         m.Complete();
}

bool FastTarget(Scanner& sc, TargetDecision& t) {
  static constexpr std::string_view kNames[] = {"channel", "rule",   "send",
                                                "reason",  "detail", "idempotency_key"};
  Members m(kNames);
  return internal::scan::Object(sc,
                                [&](std::string_view key) {
                                  switch (m.Take(key)) {
                                    case 0:
                                      return KeyValue(sc, t.channel);
                                    case 1:
                                      return KeyValue(sc, t.rule);
                                    case 2:
                                      return sc.Boolean(t.send);
                                    case 3:
                                      return KeyValue(sc, t.reason);
                                    case 4:
                                      return TextValue(sc, t.detail);
                                    case 5:
                                      return KeyValue(sc, t.idempotency_key);
                                    default:
                                      return false;
                                  }
                                }) &&
         m.Complete();
}

bool FastRouting(Scanner& sc, RoutingRecord& rec) {
  static constexpr std::string_view kNames[] = {
      "event_id", "event_type", "asset_key", "problem_key", "decided_at", "decision", "targets"};
  Members m(kNames);
  return internal::scan::Object(sc,
                                [&](std::string_view key) {
                                  switch (m.Take(key)) {
                                    case 0:
                                      return KeyValue(sc, rec.event_id);
                                    case 1:
                                      return KeyValue(sc, rec.event_type);
                                    case 2:
                                      return KeyValue(sc, rec.asset_key);
                                    case 3:
                                      return KeyValue(sc, rec.problem_key);
                                    case 4:
                                      return internal::scan::TimeValue(sc, rec.decided_at);
                                    case 5:
                                      return FastDecision(sc, rec.decision);
                                    case 6:
                                      return internal::scan::Array(sc, kMaxNotifyListItems, [&] {
                                        return FastTarget(sc, rec.targets.emplace_back());
                                      });
                                    default:
                                      return false;
                                  }
                                }) &&
         m.Complete();
}

// One event of POST /api/v1/notifications/batch, with the checks DecodeEventNotificationsBatch
// makes beyond the shape (non-empty keys, the deliveries' event_id is the routing's).
bool FastEventNotifications(Scanner& sc, ports::platform::EventNotifications& e) {
  static constexpr std::string_view kNames[] = {"deliveries", "logs", "routing"};
  static constexpr std::string_view kLogPut[] = {"expected_version", "record"};
  Members m(kNames);
  auto log_put = [&] {
    ports::platform::NotifyLogPut& put = e.logs.emplace_back();
    Members lm(kLogPut);
    return internal::scan::Object(sc,
                                  [&](std::string_view key) {
                                    switch (lm.Take(key)) {
                                      case 0:
                                        return internal::scan::IntIn(sc, 0, kMaxCount,
                                                                     put.expected_version);
                                      case 1:
                                        return FastLog(sc, put.record, false);
                                      default:
                                        return false;
                                    }
                                  }) &&
           lm.Complete() && !put.record.entry.channel.empty() &&
           !put.record.entry.problem_key.empty();
  };
  if (!internal::scan::Object(sc,
                              [&](std::string_view key) {
                                switch (m.Take(key)) {
                                  case 0:
                                    return internal::scan::Array(sc, kMaxNotifyListItems, [&] {
                                      return FastDelivery(sc, e.deliveries.emplace_back(), false);
                                    });
                                  case 1:
                                    return internal::scan::Array(sc, kMaxNotifyListItems, log_put);
                                  case 2:
                                    return FastRouting(sc, e.routing);
                                  default:
                                    return false;
                                }
                              }) ||
      !m.Complete() || e.routing.event_id.empty())
    return false;
  for (const StoredDelivery& d : e.deliveries) {
    if (d.record.idempotency_key.empty() || d.record.channel.empty() ||
        d.record.event_id != e.routing.event_id)
      return false;
  }
  return true;
}

// Writes a document with `append` into a string sized for it.
template <typename Append>
std::string Written(size_t reserve, Append&& append) {
  std::string out;
  out.reserve(reserve);
  append(out);
  return out;
}

}  // namespace

// ---- Fast paths (internal/notification_fast.h) --------------------------------------------

namespace internal {

std::optional<StoredDelivery> FastDecodeStoredDelivery(std::string_view text, bool with_version) {
  Scanner sc(text);
  StoredDelivery d;
  if (!FastDelivery(sc, d, with_version) || !sc.AtEnd()) return std::nullopt;
  return d;
}

std::optional<std::vector<ports::platform::DeliveryPut>> FastDecodeDeliveryPutBatch(
    std::string_view body, size_t max_items) {
  static constexpr std::string_view kTop[] = {"items"};
  static constexpr std::string_view kItem[] = {"expected_version", "delivery"};
  Scanner sc(body);
  Members top(kTop);
  std::vector<ports::platform::DeliveryPut> out;
  std::set<std::string_view> keys;
  auto item = [&] {
    ports::platform::DeliveryPut put;
    Members m(kItem);
    const bool ok = internal::scan::Object(sc,
                                           [&](std::string_view key) {
                                             switch (m.Take(key)) {
                                               case 0:
                                                 return internal::scan::IntIn(sc, 0, kMaxCount,
                                                                              put.expected_version);
                                               case 1:
                                                 return FastDelivery(sc, put.delivery, false);
                                               default:
                                                 return false;
                                             }
                                           }) &&
                    m.Complete() && !put.delivery.record.idempotency_key.empty();
    if (!ok) return false;
    out.push_back(std::move(put));
    return true;
  };
  const bool ok = internal::scan::Object(sc,
                                         [&](std::string_view key) {
                                           return top.Take(key) == 0 &&
                                                  internal::scan::Array(sc, max_items, item);
                                         }) &&
                  top.Complete() && sc.AtEnd() && !out.empty();
  if (!ok) return std::nullopt;
  for (const auto& put : out) {
    if (!keys.insert(put.delivery.record.idempotency_key).second) return std::nullopt;
  }
  return out;
}

std::optional<NotifyLogRecord> FastDecodeNotifyLogRecord(std::string_view text) {
  Scanner sc(text);
  NotifyLogRecord rec;
  if (!FastLog(sc, rec, false) || !sc.AtEnd()) return std::nullopt;
  return rec;
}

std::optional<RoutingRecord> FastDecodeRoutingRecord(std::string_view text) {
  Scanner sc(text);
  RoutingRecord rec;
  if (!FastRouting(sc, rec) || !sc.AtEnd()) return std::nullopt;
  return rec;
}

std::optional<std::vector<ports::platform::EventNotifications>> FastDecodeEventNotificationsBatch(
    std::string_view body, size_t max_items) {
  static constexpr std::string_view kTop[] = {"events"};
  Scanner sc(body);
  Members top(kTop);
  std::vector<ports::platform::EventNotifications> out;
  const bool ok = internal::scan::Object(
                      sc,
                      [&](std::string_view key) {
                        return top.Take(key) == 0 && internal::scan::Array(sc, max_items, [&] {
                                 return FastEventNotifications(sc, out.emplace_back());
                               });
                      }) &&
                  top.Complete() && sc.AtEnd() && !out.empty();
  if (!ok) return std::nullopt;
  std::set<std::string_view> ids;
  for (const auto& e : out) {
    if (!ids.insert(e.routing.event_id).second) return std::nullopt;
  }
  return out;
}

std::optional<std::vector<Result<ports::platform::EventNotificationsResult>>>
FastDecodeEventNotificationsResult(std::string_view body,
                                   std::span<const ports::platform::EventNotifications> request) {
  static constexpr std::string_view kTop[] = {"items"};
  static constexpr std::string_view kItem[] = {"event_id", "error", "deliveries", "logs"};
  static constexpr std::string_view kCreated[] = {"created", "version", "delivery"};
  static constexpr std::string_view kLog[] = {"version", "updated_at"};
  Scanner sc(body);
  Members top(kTop);
  std::vector<Result<ports::platform::EventNotificationsResult>> out;
  auto item = [&] {
    if (out.size() >= request.size()) return false;
    const ports::platform::EventNotifications& sent = request[out.size()];
    ports::platform::EventNotificationsResult res;
    std::string event_id;
    Members m(kItem);
    auto delivery = [&] {
      if (res.deliveries.size() >= sent.deliveries.size()) return false;
      ports::platform::CreatedDelivery& c = res.deliveries.emplace_back();
      Members dm(kCreated);
      int64_t version = 0;
      if (!internal::scan::Object(sc,
                                  [&](std::string_view key) {
                                    switch (dm.Take(key)) {
                                      case 0:
                                        return sc.Boolean(c.created);
                                      case 1:
                                        return internal::scan::IntIn(sc, 1, kMaxCount, version);
                                      case 2:
                                        return FastDelivery(sc, c.delivery, true);
                                      default:
                                        return false;
                                    }
                                  }) ||
          !dm.Has(0))
        return false;
      if (c.created) {
        // A new delivery is the one sent, with its version.
        if (!dm.Has(1) || dm.Has(2)) return false;
        c.delivery = sent.deliveries[res.deliveries.size() - 1];
        c.delivery.version = version;
        return true;
      }
      return dm.Has(2) && !dm.Has(1);
    };
    auto log = [&] {
      if (res.logs.size() >= sent.logs.size()) return false;
      NotifyLogRecord rec = sent.logs[res.logs.size()].record;
      Members lm(kLog);
      if (!internal::scan::Object(sc,
                                  [&](std::string_view key) {
                                    switch (lm.Take(key)) {
                                      case 0:
                                        return internal::scan::IntIn(sc, 1, kMaxCount, rec.version);
                                      case 1:
                                        return internal::scan::TimeValue(sc, rec.updated_at);
                                      default:
                                        return false;
                                    }
                                  }) ||
          !lm.Complete())
        return false;
      res.logs.push_back(std::move(rec));
      return true;
    };
    // An item with an error is left to the strict reader (rare: a lost compare-and-set).
    const bool ok = internal::scan::Object(
                        sc,
                        [&](std::string_view key) {
                          switch (m.Take(key)) {
                            case 0:
                              return sc.String(event_id);
                            case 1:
                              return sc.Null();
                            case 2:
                              return internal::scan::Array(sc, kMaxNotifyListItems, delivery);
                            case 3:
                              return internal::scan::Array(sc, kMaxNotifyListItems, log);
                            default:
                              return false;
                          }
                        }) &&
                    m.Complete() && res.deliveries.size() == sent.deliveries.size() &&
                    res.logs.size() == sent.logs.size();
    if (!ok) return false;
    out.emplace_back(std::move(res));
    return true;
  };
  const bool ok = internal::scan::Object(sc,
                                         [&](std::string_view key) {
                                           return top.Take(key) == 0 &&
                                                  internal::scan::Array(sc, request.size(), item);
                                         }) &&
                  top.Complete() && sc.AtEnd() && out.size() == request.size();
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::optional<NotifyLogRecord>>> FastDecodeNotifyLogBatchGetResult(
    std::string_view body, size_t expected_items) {
  static constexpr std::string_view kTop[] = {"items"};
  Scanner sc(body);
  Members top(kTop);
  std::vector<std::optional<NotifyLogRecord>> out;
  auto item = [&] {
    if (sc.Null()) {
      out.emplace_back();
      return true;
    }
    return FastLog(sc, out.emplace_back().emplace(), true);
  };
  const bool ok = internal::scan::Object(sc,
                                         [&](std::string_view key) {
                                           return top.Take(key) == 0 &&
                                                  internal::scan::Array(sc, expected_items, item);
                                         }) &&
                  top.Complete() && sc.AtEnd() && out.size() == expected_items;
  if (!ok) return std::nullopt;
  return out;
}
}  // namespace internal

// ---- Documents -------------------------------------------------------------------------------

std::string EncodeNotifyEvent(const NotifyEvent& event) {
  return Written(512, [&](std::string& out) { AppendEvent(out, event); });
}
Result<NotifyEvent> DecodeNotifyEvent(std::string_view text) {
  return DecodeDocument(text, ReadEvent);
}

std::string EncodeNotifyLogRecord(const NotifyLogRecord& record) {
  return Written(1024, [&](std::string& out) { AppendLog(out, record, false); });
}
Result<NotifyLogRecord> DecodeNotifyLogRecord(std::string_view text) {
  if (auto fast = internal::FastDecodeNotifyLogRecord(text)) return *std::move(fast);
  return DecodeDocument(text, ReadLogDocument);
}

std::string EncodeDeliveryAttempt(const LastResponse& response) {
  return Written(128, [&](std::string& out) { AppendAttempt(out, response); });
}
Result<LastResponse> DecodeDeliveryAttempt(std::string_view text) {
  return DecodeDocument(text, ReadAttempt);
}

std::string EncodeStoredDelivery(const StoredDelivery& delivery) {
  return Written(1024, [&](std::string& out) { AppendDelivery(out, delivery, false); });
}
Result<StoredDelivery> DecodeStoredDelivery(std::string_view text) {
  if (auto fast = internal::FastDecodeStoredDelivery(text, false)) return *std::move(fast);
  return DecodeDocument(text, ReadDeliveryDocument);
}

std::string EncodeRoutingRecord(const RoutingRecord& record) {
  return Written(512, [&](std::string& out) { AppendRouting(out, record); });
}
Result<RoutingRecord> DecodeRoutingRecord(std::string_view text) {
  if (auto fast = internal::FastDecodeRoutingRecord(text)) return *std::move(fast);
  return DecodeDocument(text, ReadRouting);
}

std::string EncodeChannelHealth(const ChannelHealth& health) {
  return internal::Dump(HealthObject(health));
}
Result<ChannelHealth> DecodeChannelHealth(std::string_view text) {
  return DecodeDocument(text, ReadHealth);
}

// ---- Store rows
// ----------------------------------------------------------------------------------

namespace {
Unexpected Damaged(std::string_view table, std::string_view key, const Error& e) {
  return Unexpected(ErrorCode::kInternal,
                    std::string(table) + " " + std::string(key) + ": document: " + e.message);
}
}  // namespace

ports::store::StoredNotifyLog ToRow(const NotifyLogRecord& record) {
  ports::store::StoredNotifyLog row;
  row.channel = record.entry.channel;
  row.problem_key = record.entry.problem_key;
  row.firing = record.entry.last_status == ProblemStatus::kFiring;
  row.next_repeat_at = record.next_repeat_at;
  row.document = EncodeNotifyLogRecord(record);
  row.version = record.version;
  row.updated_at = record.updated_at;
  return row;
}

Result<NotifyLogRecord> FromRow(const ports::store::StoredNotifyLog& row) {
  auto rec = DecodeNotifyLogRecord(row.document);
  if (!rec) return Damaged("notify_log", row.channel + "/" + row.problem_key, rec.error());
  rec->version = row.version;
  rec->updated_at = row.updated_at;
  return rec;
}

ports::store::StoredDeliveryRow ToRow(const StoredDelivery& delivery) {
  ports::store::StoredDeliveryRow row;
  row.idempotency_key = delivery.record.idempotency_key;
  row.event_id = delivery.record.event_id;
  row.channel = delivery.record.channel;
  row.asset_key = delivery.event.asset_key;
  row.state = delivery.record.state;
  row.sending = delivery.sending_since.has_value();
  row.next_attempt_at = delivery.record.next_attempt_at;
  row.attempts = delivery.record.attempts;
  row.created_at = delivery.record.created_at;
  row.document = EncodeStoredDelivery(delivery);
  row.version = delivery.version;
  return row;
}

Result<StoredDelivery> FromRow(const ports::store::StoredDeliveryRow& row) {
  auto d = DecodeStoredDelivery(row.document);
  if (!d) return Damaged("deliveries", row.idempotency_key, d.error());
  d->version = row.version;
  return d;
}

ports::store::StoredRouting ToRow(const RoutingRecord& record) {
  ports::store::StoredRouting row;
  row.event_id = record.event_id;
  row.event_type = record.event_type;
  row.asset_key = record.asset_key;
  row.decided_at = record.decided_at;
  row.document = EncodeRoutingRecord(record);
  return row;
}

Result<RoutingRecord> FromRow(const ports::store::StoredRouting& row) {
  auto rec = DecodeRoutingRecord(row.document);
  if (!rec) return Damaged("notify_routing", row.event_id, rec.error());
  return rec;
}

ports::store::StoredChannelHealth ToRow(const ChannelHealth& health) {
  return {health.channel, health.failing, health.reason, health.since};
}

ChannelHealth FromRow(const ports::store::StoredChannelHealth& row) {
  return {row.channel, row.failing, row.reason, row.since};
}

ports::store::DeliveryAttemptRow ToAttemptRow(std::string_view idempotency_key,
                                              const DeliveryAttempt& attempt) {
  return {std::string(idempotency_key), attempt.attempt, attempt.at,
          EncodeDeliveryAttempt(attempt.response)};
}

Result<DeliveryAttempt> FromRow(const ports::store::DeliveryAttemptRow& row) {
  auto response = DecodeDeliveryAttempt(row.document);
  if (!response) {
    return Damaged("delivery_attempts", row.idempotency_key + "#" + std::to_string(row.attempt),
                   response.error());
  }
  return DeliveryAttempt{row.attempt, row.at, *std::move(response)};
}

// ---- Service routes
// ------------------------------------------------------------------------------

std::string EncodeNotifyLogReply(const std::optional<NotifyLogRecord>& record) {
  OJson o = OJson::object();
  o["record"] = record ? LogObject(*record, true) : OJson(nullptr);
  return internal::Dump(o);
}

Result<std::optional<NotifyLogRecord>> DecodeNotifyLogReply(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"record"}));
  return Member<NotifyLogRecord>(r, "record", true, ReadLogReply);
}

std::string EncodeNotifyLogPut(const NotifyLogRecord& record, int64_t expected_version) {
  OJson o = OJson::object();
  o["expected_version"] = expected_version;
  o["record"] = LogObject(record, false);
  return internal::Dump(o);
}

Result<NotifyLogPut> DecodeNotifyLogPut(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"expected_version", "record"}));
  NotifyLogPut put;
  SECPLAT_ASSIGN_OR_RETURN(put.expected_version, ReqInt(r, "expected_version", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(put.record, ReqMember<NotifyLogRecord>(r, "record", ReadLogDocument));
  return put;
}

std::string EncodeNotifyLogList(const std::vector<NotifyLogRecord>& records) {
  return ListOf(records, [](const NotifyLogRecord& rec) { return LogObject(rec, true); });
}

Result<std::vector<NotifyLogRecord>> DecodeNotifyLogList(std::string_view body) {
  return ReadListBody<NotifyLogRecord>(body, ReadLogReply);
}

std::string EncodeDeliveryReply(const StoredDelivery& delivery) {
  return internal::Dump(DeliveryObject(delivery, true));
}

Result<StoredDelivery> DecodeDeliveryReply(std::string_view body) {
  if (auto fast = internal::FastDecodeStoredDelivery(body, true)) return *std::move(fast);
  return DecodeDocument(body, ReadDeliveryReply);
}

std::string EncodeDeliveryPut(const StoredDelivery& delivery, int64_t expected_version) {
  return Written(1024, [&](std::string& out) {
    out += '{';
    w::Key(out, "expected_version", true);
    w::Int(out, expected_version);
    w::Key(out, "delivery");
    AppendDelivery(out, delivery, false);
    out += '}';
  });
}

Result<DeliveryPut> DecodeDeliveryPut(std::string_view body) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"expected_version", "delivery"}));
  DeliveryPut put;
  SECPLAT_ASSIGN_OR_RETURN(put.expected_version, ReqInt(r, "expected_version", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(put.delivery,
                           ReqMember<StoredDelivery>(r, "delivery", ReadDeliveryDocument));
  return put;
}

std::string EncodeDeliveryList(const std::vector<StoredDelivery>& deliveries) {
  return ListOf(deliveries, [](const StoredDelivery& d) { return DeliveryObject(d, true); });
}

Result<std::vector<StoredDelivery>> DecodeDeliveryList(std::string_view body) {
  return ReadListBody<StoredDelivery>(body, ReadDeliveryReply);
}

std::string EncodeChannelHealthList(const std::vector<ChannelHealth>& channels) {
  return ListOf(channels, HealthObject);
}

Result<std::vector<ChannelHealth>> DecodeChannelHealthList(std::string_view body) {
  return ReadListBody<ChannelHealth>(body, ReadHealth);
}

// ---- Batch routes
// ------------------------------------------------------------------------------

namespace {

// The array member `key` of a batch body with 1..max_items items.
Result<const Json*> BatchItems(const ObjectReader& r, std::string_view key, size_t max_items) {
  const Json* items = r.Find(key);
  if (items == nullptr) return Required(r, key);
  if (!items->is_array()) return r.Fail(key, "must be an array");
  if (items->empty() || items->size() > max_items)
    return r.Fail(key, "must contain 1 to " + std::to_string(max_items) + " items");
  return items;
}

// "<path>: duplicate of <first path>" when `key` was seen; records it otherwise.
Status Distinct(std::map<std::string, std::string>& seen, const std::string& key,
                const std::string& path) {
  auto [it, inserted] = seen.emplace(key, path);
  if (!inserted) return internal::FailAt(path, "duplicate of " + it->second);
  return OkStatus();
}

OJson ErrorObject(const Error& e) {
  OJson o = OJson::object();
  o["code"] = std::string(ErrorCodeName(e.code));
  o["message"] = e.message;
  return o;
}

// An item's {"code","message"} into `out` (an unknown code reads as kInternal; Result<Error>
// cannot exist).
Status ReadItemError(const Json& value, const std::string& path, Error* out) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"code", "message"}));
  SECPLAT_ASSIGN_OR_RETURN(std::string code, ReqKey(r, "code"));
  SECPLAT_ASSIGN_OR_RETURN(std::string message, ReqText(r, "message"));
  *out = Error{ErrorCode::kInternal, std::move(message)};
  for (ErrorCode c : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kConflict,
                      ErrorCode::kPayloadTooLarge, ErrorCode::kInternal, ErrorCode::kUnavailable,
                      ErrorCode::kDeadlineExceeded}) {
    if (ErrorCodeName(c) == code) out->code = c;
  }
  return OkStatus();
}

// The items array of a batch answer with exactly `expected` items.
Result<const Json*> AnswerItems(const Json& doc, size_t expected) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(top.OnlyKnown({"items"}));
  const Json* items = top.Find("items");
  if (items == nullptr) return Required(top, "items");
  if (!items->is_array()) return top.Fail("items", "must be an array");
  if (items->size() != expected)
    return top.Fail("items", "has " + std::to_string(items->size()) + " items, not " +
                                 std::to_string(expected));
  return items;
}

Result<ports::platform::NotifyLogKey> ReadLogKey(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"channel", "problem_key"}));
  ports::platform::NotifyLogKey k;
  SECPLAT_ASSIGN_OR_RETURN(k.channel, ReqKey(r, "channel"));
  SECPLAT_ASSIGN_OR_RETURN(k.problem_key, ReqKey(r, "problem_key"));
  if (k.channel.empty()) return r.Fail("channel", "must not be empty");
  if (k.problem_key.empty()) return r.Fail("problem_key", "must not be empty");
  return k;
}

Result<ports::platform::NotifyLogPut> ReadLogPut(const Json& value, const std::string& path) {
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open(value, path));
  SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"expected_version", "record"}));
  ports::platform::NotifyLogPut put;
  SECPLAT_ASSIGN_OR_RETURN(put.expected_version, ReqInt(r, "expected_version", 0, kMaxCount));
  SECPLAT_ASSIGN_OR_RETURN(put.record, ReqMember<NotifyLogRecord>(r, "record", ReadLogDocument));
  if (put.record.entry.channel.empty())
    return internal::FailAt(r.PathOf("record") + ".channel", "must not be empty");
  if (put.record.entry.problem_key.empty())
    return internal::FailAt(r.PathOf("record") + ".problem_key", "must not be empty");
  return put;
}

}  // namespace

Result<std::vector<ports::platform::DeliveryPut>> DecodeDeliveryPutBatch(std::string_view body,
                                                                         size_t max_items) {
  if (auto fast = internal::FastDecodeDeliveryPutBatch(body, max_items)) return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(top.OnlyKnown({"items"}));
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, BatchItems(top, "items", max_items));
  std::vector<ports::platform::DeliveryPut> out;
  out.reserve(items->size());
  std::map<std::string, std::string> seen;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string path = IndexPath("items", i);
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open((*items)[i], path));
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"expected_version", "delivery"}));
    ports::platform::DeliveryPut put;
    SECPLAT_ASSIGN_OR_RETURN(put.expected_version, ReqInt(r, "expected_version", 0, kMaxCount));
    SECPLAT_ASSIGN_OR_RETURN(put.delivery,
                             ReqMember<StoredDelivery>(r, "delivery", ReadDeliveryDocument));
    const std::string key_path = r.PathOf("delivery") + ".idempotency_key";
    if (put.delivery.record.idempotency_key.empty())
      return internal::FailAt(key_path, "must not be empty");
    SECPLAT_RETURN_IF_ERROR(Distinct(seen, put.delivery.record.idempotency_key, key_path));
    out.push_back(std::move(put));
  }
  return out;
}

std::string EncodeDeliveryPutBatchItem(const ports::platform::DeliveryPut& put) {
  return EncodeDeliveryPut(put.delivery, put.expected_version);
}

std::string EncodeDeliveryPutBatchResult(std::span<const Result<StoredDelivery>> results) {
  // The stored record is what the caller sent with a new version: only the version goes back.
  OJson items = OJson::array();
  for (const Result<StoredDelivery>& r : results) {
    OJson o = OJson::object();
    o["version"] = r.has_value() ? OJson(r->version) : OJson(nullptr);
    o["error"] = r.has_value() ? OJson(nullptr) : ErrorObject(r.error());
    items.push_back(std::move(o));
  }
  OJson o = OJson::object();
  o["items"] = std::move(items);
  return internal::Dump(o);
}

Result<std::vector<Result<StoredDelivery>>> DecodeDeliveryPutBatchResult(
    std::string_view body, std::span<const ports::platform::DeliveryPut> request) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, AnswerItems(doc, request.size()));
  std::vector<Result<StoredDelivery>> out;
  out.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r,
                             ObjectReader::Open((*items)[i], IndexPath("items", i)));
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"version", "error"}));
    const Json* error = r.Find("error");
    if (error == nullptr) return Required(r, "error");
    if (!error->is_null()) {
      const Json* version = r.Find("version");
      if (version == nullptr) return Required(r, "version");
      if (!version->is_null()) return r.Fail("version", "must be null beside an error");
      Error e;
      SECPLAT_RETURN_IF_ERROR(ReadItemError(*error, r.PathOf("error"), &e));
      out.emplace_back(Unexpected(std::move(e)));
      continue;
    }
    // A compare-and-set moves the version on: anything else is not an answer to this request.
    SECPLAT_ASSIGN_OR_RETURN(int64_t version,
                             ReqInt(r, "version", request[i].expected_version + 1, kMaxCount));
    StoredDelivery d = request[i].delivery;
    d.version = version;
    out.emplace_back(std::move(d));
  }
  return out;
}

Result<std::vector<ports::platform::NotifyLogKey>> DecodeNotifyLogBatchGet(std::string_view body,
                                                                           size_t max_items) {
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(top.OnlyKnown({"keys"}));
  SECPLAT_ASSIGN_OR_RETURN(const Json* keys, BatchItems(top, "keys", max_items));
  std::vector<ports::platform::NotifyLogKey> out;
  out.reserve(keys->size());
  for (size_t i = 0; i < keys->size(); ++i) {
    SECPLAT_ASSIGN_OR_RETURN(ports::platform::NotifyLogKey k,
                             ReadLogKey((*keys)[i], IndexPath("keys", i)));
    out.push_back(std::move(k));
  }
  return out;
}

std::string EncodeNotifyLogBatchGet(std::span<const ports::platform::NotifyLogKey> keys) {
  OJson a = OJson::array();
  for (const auto& k : keys) {
    OJson o = OJson::object();
    o["channel"] = k.channel;
    o["problem_key"] = k.problem_key;
    a.push_back(std::move(o));
  }
  OJson o = OJson::object();
  o["keys"] = std::move(a);
  return internal::Dump(o);
}

std::string EncodeNotifyLogBatchGetResult(std::span<const std::optional<NotifyLogRecord>> records) {
  OJson a = OJson::array();
  for (const auto& r : records) a.push_back(r ? LogObject(*r, true) : OJson(nullptr));
  OJson o = OJson::object();
  o["items"] = std::move(a);
  return internal::Dump(o);
}

Result<std::vector<std::optional<NotifyLogRecord>>> DecodeNotifyLogBatchGetResult(
    std::string_view body, size_t expected_items) {
  if (auto fast = internal::FastDecodeNotifyLogBatchGetResult(body, expected_items))
    return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, AnswerItems(doc, expected_items));
  std::vector<std::optional<NotifyLogRecord>> out;
  out.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    if ((*items)[i].is_null()) {
      out.emplace_back();
      continue;
    }
    SECPLAT_ASSIGN_OR_RETURN(NotifyLogRecord rec, ReadLogReply((*items)[i], IndexPath("items", i)));
    out.emplace_back(std::move(rec));
  }
  return out;
}

Result<std::vector<ports::platform::EventNotifications>> DecodeEventNotificationsBatch(
    std::string_view body, size_t max_items) {
  if (auto fast = internal::FastDecodeEventNotificationsBatch(body, max_items))
    return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(ObjectReader top, ObjectReader::Open(doc, ""));
  SECPLAT_RETURN_IF_ERROR(top.OnlyKnown({"events"}));
  SECPLAT_ASSIGN_OR_RETURN(const Json* events, BatchItems(top, "events", max_items));
  std::vector<ports::platform::EventNotifications> out;
  out.reserve(events->size());
  std::map<std::string, std::string> seen;
  for (size_t i = 0; i < events->size(); ++i) {
    const std::string path = IndexPath("events", i);
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r, ObjectReader::Open((*events)[i], path));
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"deliveries", "logs", "routing"}));
    ports::platform::EventNotifications e;
    SECPLAT_ASSIGN_OR_RETURN(
        e.deliveries,
        ReqList<StoredDelivery>(r, "deliveries", kMaxNotifyListItems, ReadDeliveryDocument));
    SECPLAT_ASSIGN_OR_RETURN(
        e.logs, ReqList<ports::platform::NotifyLogPut>(r, "logs", kMaxNotifyListItems, ReadLogPut));
    SECPLAT_ASSIGN_OR_RETURN(e.routing, ReqMember<RoutingRecord>(r, "routing", ReadRouting));
    const std::string id_path = r.PathOf("routing") + ".event_id";
    if (e.routing.event_id.empty()) return internal::FailAt(id_path, "must not be empty");
    SECPLAT_RETURN_IF_ERROR(Distinct(seen, e.routing.event_id, id_path));
    for (size_t d = 0; d < e.deliveries.size(); ++d) {
      const StoredDelivery& sd = e.deliveries[d];
      const std::string dp = IndexPath(r.PathOf("deliveries"), d);
      if (sd.record.idempotency_key.empty())
        return internal::FailAt(dp + ".idempotency_key", "must not be empty");
      if (sd.record.channel.empty()) return internal::FailAt(dp + ".channel", "must not be empty");
      if (sd.record.event_id != e.routing.event_id)
        return internal::FailAt(dp + ".event_id", "must be the routing's event_id");
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string EncodeEventNotificationsItem(const ports::platform::EventNotifications& event) {
  return Written(2048 * (event.deliveries.size() + event.logs.size() + 1), [&](std::string& out) {
    out += "{\"deliveries\":[";
    for (size_t i = 0; i < event.deliveries.size(); ++i) {
      if (i > 0) out += ',';
      AppendDelivery(out, event.deliveries[i], false);
    }
    out += "],\"logs\":[";
    for (size_t i = 0; i < event.logs.size(); ++i) {
      if (i > 0) out += ',';
      out += '{';
      w::Key(out, "expected_version", true);
      w::Int(out, event.logs[i].expected_version);
      w::Key(out, "record");
      AppendLog(out, event.logs[i].record, false);
      out += '}';
    }
    out += ']';
    w::Key(out, "routing");
    AppendRouting(out, event.routing);
    out += '}';
  });
}

std::string EncodeEventNotificationsResult(
    std::span<const std::string> event_ids,
    std::span<const Result<ports::platform::EventNotificationsResult>> results) {
  OJson items = OJson::array();
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    OJson o = OJson::object();
    o["event_id"] = i < event_ids.size() ? event_ids[i] : std::string();
    o["error"] = r.has_value() ? OJson(nullptr) : ErrorObject(r.error());
    OJson deliveries = OJson::array();
    OJson logs = OJson::array();
    if (r.has_value()) {
      for (const ports::platform::CreatedDelivery& c : r->deliveries) {
        // A new delivery is what the caller sent: its version suffices. An existing one is
        // the stored record, which the caller does not have.
        OJson d = OJson::object();
        d["created"] = c.created;
        if (c.created) {
          d["version"] = c.delivery.version;
        } else {
          d["delivery"] = DeliveryObject(c.delivery, true);
        }
        deliveries.push_back(std::move(d));
      }
      for (const NotifyLogRecord& l : r->logs) {
        OJson v = OJson::object();
        v["version"] = l.version;
        v["updated_at"] = FormatRfc3339(l.updated_at);
        logs.push_back(std::move(v));
      }
    }
    o["deliveries"] = std::move(deliveries);
    o["logs"] = std::move(logs);
    items.push_back(std::move(o));
  }
  OJson o = OJson::object();
  o["items"] = std::move(items);
  return internal::Dump(o);
}

Result<std::vector<Result<ports::platform::EventNotificationsResult>>>
DecodeEventNotificationsResult(std::string_view body,
                               std::span<const ports::platform::EventNotifications> request) {
  if (auto fast = internal::FastDecodeEventNotificationsResult(body, request))
    return *std::move(fast);
  SECPLAT_ASSIGN_OR_RETURN(Json doc, internal::ParseStrict(body));
  SECPLAT_ASSIGN_OR_RETURN(const Json* items, AnswerItems(doc, request.size()));
  std::vector<Result<ports::platform::EventNotificationsResult>> out;
  out.reserve(items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    const ports::platform::EventNotifications& sent = request[i];
    SECPLAT_ASSIGN_OR_RETURN(ObjectReader r,
                             ObjectReader::Open((*items)[i], IndexPath("items", i)));
    SECPLAT_RETURN_IF_ERROR(r.OnlyKnown({"event_id", "error", "deliveries", "logs"}));
    const Json* error = r.Find("error");
    if (error == nullptr) return Required(r, "error");
    if (!error->is_null()) {
      Error e;
      SECPLAT_RETURN_IF_ERROR(ReadItemError(*error, r.PathOf("error"), &e));
      out.emplace_back(Unexpected(std::move(e)));
      continue;
    }
    ports::platform::EventNotificationsResult res;
    const Json* deliveries = r.Find("deliveries");
    if (deliveries == nullptr) return Required(r, "deliveries");
    if (!deliveries->is_array() || deliveries->size() != sent.deliveries.size())
      return r.Fail("deliveries",
                    "must be an array of " + std::to_string(sent.deliveries.size()) + " items");
    for (size_t d = 0; d < deliveries->size(); ++d) {
      SECPLAT_ASSIGN_OR_RETURN(
          ObjectReader dr,
          ObjectReader::Open((*deliveries)[d], IndexPath(r.PathOf("deliveries"), d)));
      ports::platform::CreatedDelivery c;
      SECPLAT_ASSIGN_OR_RETURN(c.created, ReqBool(dr, "created"));
      if (c.created) {
        SECPLAT_RETURN_IF_ERROR(dr.OnlyKnown({"created", "version"}));
        c.delivery = sent.deliveries[d];
        SECPLAT_ASSIGN_OR_RETURN(c.delivery.version, ReqInt(dr, "version", 1, kMaxCount));
      } else {
        SECPLAT_RETURN_IF_ERROR(dr.OnlyKnown({"created", "delivery"}));
        SECPLAT_ASSIGN_OR_RETURN(c.delivery,
                                 ReqMember<StoredDelivery>(dr, "delivery", ReadDeliveryReply));
      }
      res.deliveries.push_back(std::move(c));
    }
    const Json* logs = r.Find("logs");
    if (logs == nullptr) return Required(r, "logs");
    if (!logs->is_array() || logs->size() != sent.logs.size())
      return r.Fail("logs", "must be an array of " + std::to_string(sent.logs.size()) + " items");
    for (size_t l = 0; l < logs->size(); ++l) {
      SECPLAT_ASSIGN_OR_RETURN(ObjectReader lr,
                               ObjectReader::Open((*logs)[l], IndexPath(r.PathOf("logs"), l)));
      SECPLAT_RETURN_IF_ERROR(lr.OnlyKnown({"version", "updated_at"}));
      NotifyLogRecord rec = sent.logs[l].record;
      SECPLAT_ASSIGN_OR_RETURN(rec.version, ReqInt(lr, "version", 1, kMaxCount));
      SECPLAT_ASSIGN_OR_RETURN(rec.updated_at, ReqTime(lr, "updated_at"));
      res.logs.push_back(std::move(rec));
    }
    out.push_back(std::move(res));
  }
  return out;
}

// ---- The "why" view
// ------------------------------------------------------------------------------

namespace {

OJson ViewDeliveryObject(const StoredDelivery& d, const std::vector<DeliveryAttempt>& attempts) {
  const DeliveryRecord& rec = d.record;
  const std::string stored_state(core::model::DeliveryStateName(rec.state));
  OJson log = OJson::array();
  for (const DeliveryAttempt& a : attempts) {
    OJson o = OJson::object();
    o["attempt"] = a.attempt;
    o["at"] = FormatRfc3339(a.at);
    const OJson response = AttemptObject(a.response);
    for (const auto& [k, v] : response.items()) o[k] = v;
    log.push_back(std::move(o));
  }
  OJson o = OJson::object();
  o["idempotency_key"] = rec.idempotency_key;
  o["state"] = d.sending_since ? std::string("sending") : stored_state;
  o["stored_state"] = stored_state;
  o["attempt_count"] = rec.attempts;
  o["created_at"] = FormatRfc3339(rec.created_at);
  o["last_attempt_at"] = internal::TimeOrNull(rec.last_attempt_at);
  o["next_attempt_at"] = internal::TimeOrNull(rec.next_attempt_at);
  o["delivered_at"] = internal::TimeOrNull(rec.delivered_at);
  o["last_response"] = rec.last_response ? AttemptObject(*rec.last_response) : OJson(nullptr);
  o["external_ref"] = rec.external_ref;
  o["rule"] = d.rule;
  o["notify_reason"] = d.notify_reason;
  o["sending_since"] = internal::TimeOrNull(d.sending_since);
  o["sending_by"] = d.sending_by;
  o["attempts"] = std::move(log);
  return o;
}

OJson ViewObject(const NotificationView& view) {
  const RoutingRecord& rec = view.routing;
  OJson rules = OJson::array();
  for (const auto& v : rec.decision.verdicts) rules.push_back(VerdictObject(v));
  OJson targets = OJson::array();
  for (const NotificationTargetView& t : view.targets) {
    OJson o = TargetObject(t.decision);
    o["delivery"] = t.delivery ? ViewDeliveryObject(*t.delivery, t.attempts) : OJson(nullptr);
    targets.push_back(std::move(o));
  }
  OJson o = OJson::object();
  o["event_id"] = rec.event_id;
  o["event_type"] = rec.event_type;
  o["asset_key"] = rec.asset_key;
  o["problem_key"] = rec.problem_key;
  o["decided_at"] = FormatRfc3339(rec.decided_at);
  o["routed"] = rec.decision.routed();
  o["reason"] = rec.decision.reason;
  o["matched_rules"] = StringArray(rec.decision.matched_rules);
  o["rules"] = std::move(rules);
  o["targets"] = std::move(targets);
  return o;
}

}  // namespace

std::string EncodeNotificationView(const NotificationView& view) {
  return internal::Dump(ViewObject(view));
}

std::string EncodeNotificationViewList(const std::vector<NotificationView>& views,
                                       std::string_view next_cursor) {
  OJson a = OJson::array();
  for (const NotificationView& v : views) a.push_back(ViewObject(v));
  OJson o = OJson::object();
  o["items"] = std::move(a);
  o["next_cursor"] = next_cursor.empty() ? OJson(nullptr) : OJson(std::string(next_cursor));
  return internal::Dump(o);
}

}  // namespace secplat::adapters::json
