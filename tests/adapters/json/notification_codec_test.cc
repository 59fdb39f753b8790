// Notification codec: lossless round trips of the notifier's records and their store rows,
// strict decoding with field-named errors, the service route bodies and the viewer's "why" view.
#include "adapters/json/notification_codec.h"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "adapters/json/internal/notification_fast.h"

namespace secplat::adapters::json {
namespace {

using core::model::DeliveryState;
using core::model::LastResponse;
using core::model::NotifyEvent;
using core::model::ProblemStatus;
using core::model::ResponseClass;
using core::model::Severity;
using ports::platform::ChannelHealth;
using ports::platform::NotifyLogRecord;
using ports::platform::RoutingRecord;
using ports::platform::StoredDelivery;
using ports::platform::TargetDecision;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'123);  // 2025-11-28T19:30:00.123Z

template <typename T>
std::string Why(const Result<T>& r) {
  return r.has_value() ? "ok" : r.error().message;
}

// ---- Field-by-field equality (the platform structs have no operator==) -------------------------

auto Tie(const NotifyEvent& e) {
  return std::tie(e.event_id, e.event_type, e.ts, e.asset_key, e.severity, e.labels, e.environment,
                  e.problem_key, e.status, e.state, e.summary, e.details, e.since, e.link);
}
bool Same(const NotifyEvent& a, const NotifyEvent& b) { return Tie(a) == Tie(b); }

bool Same(const std::optional<LastResponse>& a, const std::optional<LastResponse>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a) return true;
  return std::tie(a->status, a->response_class, a->detail, a->retry_after) ==
         std::tie(b->status, b->response_class, b->detail, b->retry_after);
}

bool Same(const NotifyLogRecord& a, const NotifyLogRecord& b) {
  const auto& x = a.entry;
  const auto& y = b.entry;
  return std::tie(x.channel, x.problem_key, x.last_status, x.last_severity, x.last_state,
                  x.last_event_id, x.last_event_ts, x.last_sent_at, a.next_repeat_at, a.version,
                  a.updated_at) == std::tie(y.channel, y.problem_key, y.last_status,
                                            y.last_severity, y.last_state, y.last_event_id,
                                            y.last_event_ts, y.last_sent_at, b.next_repeat_at,
                                            b.version, b.updated_at) &&
         Same(a.last_event, b.last_event);
}

bool Same(const StoredDelivery& a, const StoredDelivery& b) {
  const auto& x = a.record;
  const auto& y = b.record;
  return std::tie(x.idempotency_key, x.event_id, x.channel, x.problem_key, x.state, x.attempts,
                  x.created_at, x.last_attempt_at, x.next_attempt_at, x.delivered_at,
                  x.external_ref, a.rule, a.notify_reason, a.sending_since, a.sending_by,
                  a.version) == std::tie(y.idempotency_key, y.event_id, y.channel, y.problem_key,
                                         y.state, y.attempts, y.created_at, y.last_attempt_at,
                                         y.next_attempt_at, y.delivered_at, y.external_ref, b.rule,
                                         b.notify_reason, b.sending_since, b.sending_by,
                                         b.version) &&
         Same(x.last_response, y.last_response) && Same(a.event, b.event);
}

bool Same(const RoutingRecord& a, const RoutingRecord& b) {
  auto verdicts = [](const RoutingRecord& r) {
    std::vector<std::tuple<std::string, bool, bool, std::string>> out;
    for (const auto& v : r.decision.verdicts)
      out.emplace_back(v.rule, v.evaluated, v.matched, v.reason);
    return out;
  };
  auto route_targets = [](const RoutingRecord& r) {
    std::vector<std::tuple<std::string, std::string, Duration, bool>> out;
    for (const auto& t : r.decision.targets)
      out.emplace_back(t.channel, t.rule, t.repeat_interval, t.send_resolved);
    return out;
  };
  auto targets = [](const RoutingRecord& r) {
    std::vector<std::tuple<std::string, std::string, bool, std::string, std::string, std::string>>
        out;
    for (const auto& t : r.targets)
      out.emplace_back(t.channel, t.rule, t.send, t.reason, t.detail, t.idempotency_key);
    return out;
  };
  return std::tie(a.event_id, a.event_type, a.asset_key, a.problem_key, a.decided_at,
                  a.decision.matched_rules, a.decision.reason) ==
             std::tie(b.event_id, b.event_type, b.asset_key, b.problem_key, b.decided_at,
                      b.decision.matched_rules, b.decision.reason) &&
         verdicts(a) == verdicts(b) && route_targets(a) == route_targets(b) &&
         targets(a) == targets(b);
}

bool Same(const ChannelHealth& a, const ChannelHealth& b) {
  return std::tie(a.channel, a.failing, a.reason, a.since) ==
         std::tie(b.channel, b.failing, b.reason, b.since);
}

// Strings a writer must escape or replace: empty, controls, quotes, non-ASCII, bad UTF-8.
std::vector<std::string> OddStrings() {
  return {"",
          "tab\there",
          "quote\"back\\slash",
          "ctl\x01\x1f",
          "caf\xc3\xa9",
          "bad\xff utf8",
          "\xe2\x82\xac/slash"};
}

// Calls `visit(changed)` for every change of one byte of `text` to one of `bytes`.
template <typename Visit>
void ForEachOneByteChange(const std::string& text, std::string_view bytes, Visit&& visit) {
  for (size_t at = 0; at < text.size(); ++at) {
    for (char c : bytes) {
      if (text[at] == c) continue;
      std::string changed = text;
      changed[at] = c;
      visit(changed);
    }
  }
}

// ---- Values with every field set (and their unset variants) ------------------------------------

NotifyEvent FullEvent() {
  return NotifyEvent{.event_id = "5e6f0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b",
                     .event_type = "posture.changed",
                     .ts = kT0,
                     .asset_key = "web-shop",
                     .severity = Severity::kCritical,
                     .labels = {{"team", "payments"}, {"app.kubernetes.io/name", "shop"}},
                     .environment = "production",
                     .problem_key = "web-shop/posture",
                     .status = ProblemStatus::kResolved,
                     .state = "down",
                     .summary = "web-shop is \"down\" \xc3\xa9 since 19:30",
                     .details = {{"from", "up"}, {"to", "down"}, {"reason", "3 failures"}},
                     .since = kT0 - Duration(60'000),
                     .link = "https://secplat.example/assets/web-shop"};
}

NotifyLogRecord FullLog() {
  NotifyLogRecord r;
  r.entry = {.channel = "slack-ops",
             .problem_key = "web-shop/posture",
             .last_status = ProblemStatus::kFiring,
             .last_severity = Severity::kHigh,
             .last_state = "down",
             .last_event_id = "evt-1",
             .last_event_ts = kT0,
             .last_sent_at = kT0 + Duration(5)};
  r.last_event = FullEvent();
  r.next_repeat_at = kT0 + Duration(4 * 3'600'000);
  r.version = 7;
  r.updated_at = kT0 + Duration(9);
  return r;
}

StoredDelivery FullDelivery() {
  StoredDelivery d;
  d.record = {.idempotency_key = "ntf_0123456789abcdef0123456789abcdef",
              .event_id = "evt-1",
              .channel = "slack-ops",
              .problem_key = "web-shop/posture",
              .state = DeliveryState::kRetrying,
              .attempts = 3,
              .created_at = kT0,
              .last_attempt_at = kT0 + Duration(2'000),
              .next_attempt_at = kT0 + Duration(32'000),
              .delivered_at = kT0 + Duration(40'000),
              .last_response = LastResponse{.status = 429,
                                            .response_class = ResponseClass::kRateLimited,
                                            .detail = "429 retry-after 30s",
                                            .retry_after = Duration(30'000)},
              .external_ref = "SEC-42"};
  d.event = FullEvent();
  d.rule = "pages";
  d.notify_reason = "new_problem";
  d.sending_since = kT0 + Duration(1'000);
  d.sending_by = "notifier-1";
  d.version = 4;
  return d;
}

RoutingRecord FullRouting() {
  RoutingRecord r;
  r.event_id = "evt-1";
  r.event_type = "posture.changed";
  r.asset_key = "web-shop";
  r.problem_key = "web-shop/posture";
  r.decided_at = kT0;
  r.decision.verdicts = {{.rule = "pages", .evaluated = true, .matched = true, .reason = "matched"},
                         {.rule = "low",
                          .evaluated = true,
                          .matched = false,
                          .reason = "severity critical not in [low]"},
                         {.rule = "late", .evaluated = false, .matched = false, .reason = ""}};
  r.decision.matched_rules = {"pages"};
  r.decision.targets = {{.channel = "slack-ops",
                         .rule = "pages",
                         .repeat_interval = Duration(4 * 3'600'000),
                         .send_resolved = false},
                        {.channel = "sms", .rule = "pages", .repeat_interval = Duration(0)}};
  r.decision.reason = "matched rules: pages";
  r.targets = {{.channel = "slack-ops",
                .rule = "pages",
                .send = true,
                .reason = "new_problem",
                .detail = "first message",
                .idempotency_key = "ntf_0123"},
               {.channel = "sms",
                .rule = "pages",
                .send = false,
                .reason = "skip_unchanged",
                .detail = "unchanged; next repeat at 2025-11-28T23:30:00.123Z"}};
  return r;
}

// Verifies Decode(Encode(x)) == x for every document with every field set and with the optional
// fields unset, and that encoding the decoded value gives the same text.
TEST(NotificationCodec, DocumentsRoundTripLosslessly) {
  NotifyEvent bare_event;  // defaults: empty strings, no since, no labels
  for (const NotifyEvent& e : {FullEvent(), bare_event}) {
    const std::string text = EncodeNotifyEvent(e);
    auto back = DecodeNotifyEvent(text);
    ASSERT_TRUE(back.has_value()) << Why(back) << "\n" << text;
    EXPECT_TRUE(Same(*back, e)) << text;
    EXPECT_EQ(EncodeNotifyEvent(*back), text);
  }

  NotifyLogRecord bare_log;
  bare_log.entry.channel = "c";
  bare_log.entry.problem_key = "p";
  for (NotifyLogRecord r : {FullLog(), bare_log}) {
    r.version = 0;  // not part of the document
    r.updated_at = Timestamp{};
    const std::string text = EncodeNotifyLogRecord(r);
    auto back = DecodeNotifyLogRecord(text);
    ASSERT_TRUE(back.has_value()) << Why(back) << "\n" << text;
    EXPECT_TRUE(Same(*back, r)) << text;
    EXPECT_EQ(EncodeNotifyLogRecord(*back), text);
  }

  StoredDelivery bare_delivery;
  bare_delivery.record.idempotency_key = "ntf_1";
  for (StoredDelivery d : {FullDelivery(), bare_delivery}) {
    d.version = 0;
    const std::string text = EncodeStoredDelivery(d);
    auto back = DecodeStoredDelivery(text);
    ASSERT_TRUE(back.has_value()) << Why(back) << "\n" << text;
    EXPECT_TRUE(Same(*back, d)) << text;
    EXPECT_EQ(EncodeStoredDelivery(*back), text);
  }

  for (const RoutingRecord& r : {FullRouting(), RoutingRecord{}}) {
    const std::string text = EncodeRoutingRecord(r);
    auto back = DecodeRoutingRecord(text);
    ASSERT_TRUE(back.has_value()) << Why(back) << "\n" << text;
    EXPECT_TRUE(Same(*back, r)) << text;
    EXPECT_EQ(EncodeRoutingRecord(*back), text);
  }

  ChannelHealth h{.channel = "jira", .failing = true, .reason = "404 client error", .since = kT0};
  auto hb = DecodeChannelHealth(EncodeChannelHealth(h));
  ASSERT_TRUE(hb.has_value()) << Why(hb);
  EXPECT_TRUE(Same(*hb, h));

  for (const LastResponse& a : {LastResponse{}, LastResponse{.status = 503,
                                                .response_class = ResponseClass::kServerError,
                                                .detail = "503 server error",
                                                .retry_after = Duration(0)}}) {
    auto ab = DecodeDeliveryAttempt(EncodeDeliveryAttempt(a));
    ASSERT_TRUE(ab.has_value()) << Why(ab);
    EXPECT_TRUE(Same(std::optional(*ab), std::optional(a)));
  }
}

// Verifies the documented shape: names, RFC 3339 times, nulls for unset values, durations in ms.
TEST(NotificationCodec, DocumentsHaveTheDocumentedShape) {
  auto d = nlohmann::json::parse(EncodeStoredDelivery(FullDelivery()));
  EXPECT_EQ(d["state"], "retrying");
  EXPECT_EQ(d["created_at"], "2025-11-28T19:30:00.123Z");
  EXPECT_EQ(d["last_response"]["class"], "rate_limited");
  EXPECT_EQ(d["last_response"]["retry_after_ms"], 30000);
  EXPECT_EQ(d["event"]["severity"], "critical");
  EXPECT_EQ(d["event"]["status"], "resolved");
  EXPECT_FALSE(d.contains("version"));
  auto bare = nlohmann::json::parse(EncodeStoredDelivery(StoredDelivery{}));
  EXPECT_TRUE(bare["last_response"].is_null());
  EXPECT_TRUE(bare["sending_since"].is_null());
  EXPECT_TRUE(bare["event"]["since"].is_null());

  auto r = nlohmann::json::parse(EncodeRoutingRecord(FullRouting()));
  EXPECT_EQ(r["decision"]["targets"][0]["repeat_interval_ms"], 14'400'000);
  EXPECT_EQ(r["decision"]["verdicts"][1]["reason"], "severity critical not in [low]");
  EXPECT_EQ(r["targets"][1]["reason"], "skip_unchanged");
}

// Verifies the store rows carry the index columns the store filters and compare-and-sets on,
// and FromRow restores the record with the row's version (and updated_at).
TEST(NotificationCodec, RowsCarryIndexColumnsAndRoundTrip) {
  const StoredDelivery d = FullDelivery();
  ports::store::StoredDeliveryRow row = ToRow(d);
  EXPECT_EQ(row.idempotency_key, d.record.idempotency_key);
  EXPECT_EQ(row.event_id, "evt-1");
  EXPECT_EQ(row.channel, "slack-ops");
  EXPECT_EQ(row.asset_key, "web-shop");
  EXPECT_EQ(row.state, DeliveryState::kRetrying);
  EXPECT_TRUE(row.sending);
  EXPECT_EQ(row.next_attempt_at, d.record.next_attempt_at);
  EXPECT_EQ(row.attempts, 3);
  EXPECT_EQ(row.created_at, kT0);
  EXPECT_EQ(row.version, 4);
  row.version = 9;
  auto back = FromRow(row);
  ASSERT_TRUE(back.has_value()) << Why(back);
  StoredDelivery want = d;
  want.version = 9;
  EXPECT_TRUE(Same(*back, want));
  StoredDelivery unclaimed = d;
  unclaimed.sending_since.reset();
  EXPECT_FALSE(ToRow(unclaimed).sending);

  const NotifyLogRecord log = FullLog();
  ports::store::StoredNotifyLog log_row = ToRow(log);
  EXPECT_EQ(log_row.channel, "slack-ops");
  EXPECT_EQ(log_row.problem_key, "web-shop/posture");
  EXPECT_TRUE(log_row.firing);
  EXPECT_EQ(log_row.next_repeat_at, log.next_repeat_at);
  auto log_back = FromRow(log_row);
  ASSERT_TRUE(log_back.has_value()) << Why(log_back);
  EXPECT_TRUE(Same(*log_back, log));
  NotifyLogRecord resolved = log;
  resolved.entry.last_status = ProblemStatus::kResolved;
  EXPECT_FALSE(ToRow(resolved).firing);

  const RoutingRecord routing = FullRouting();
  ports::store::StoredRouting routing_row = ToRow(routing);
  EXPECT_EQ(routing_row.event_id, "evt-1");
  EXPECT_EQ(routing_row.event_type, "posture.changed");
  EXPECT_EQ(routing_row.asset_key, "web-shop");
  EXPECT_EQ(routing_row.decided_at, kT0);
  auto routing_back = FromRow(routing_row);
  ASSERT_TRUE(routing_back.has_value()) << Why(routing_back);
  EXPECT_TRUE(Same(*routing_back, routing));

  const ChannelHealth h{.channel = "sms", .failing = true, .reason = "401", .since = kT0};
  EXPECT_TRUE(Same(FromRow(ToRow(h)), h));

  const DeliveryAttempt a{.attempt = 2, .at = kT0, .response = *d.record.last_response};
  ports::store::DeliveryAttemptRow attempt_row = ToAttemptRow("ntf_1", a);
  EXPECT_EQ(attempt_row.idempotency_key, "ntf_1");
  EXPECT_EQ(attempt_row.attempt, 2);
  EXPECT_EQ(attempt_row.at, kT0);
  auto attempt_back = FromRow(attempt_row);
  ASSERT_TRUE(attempt_back.has_value()) << Why(attempt_back);
  EXPECT_EQ(attempt_back->attempt, 2);
  EXPECT_EQ(attempt_back->at, kT0);
  EXPECT_TRUE(Same(std::optional(attempt_back->response), d.record.last_response));
}

// Verifies a damaged document is kInternal naming the table, the key and the field.
TEST(NotificationCodec, DamagedRowsAreInternalErrorsNamingTheRow) {
  ports::store::StoredDeliveryRow row = ToRow(FullDelivery());
  row.document = R"({"idempotency_key":1})";
  auto d = FromRow(row);
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ErrorCode::kInternal);
  EXPECT_EQ(d.error().message,
            "deliveries ntf_0123456789abcdef0123456789abcdef: document: "
            "idempotency_key: must be a string");
  ports::store::StoredNotifyLog log_row = ToRow(FullLog());
  log_row.document = "not json";
  auto l = FromRow(log_row);
  ASSERT_FALSE(l.has_value());
  EXPECT_EQ(l.error().code, ErrorCode::kInternal);
  EXPECT_EQ(l.error().message.rfind("notify_log slack-ops/web-shop/posture: document: body: "
                                    "invalid JSON",
                                    0),
            0u)
      << l.error().message;
  ports::store::StoredRouting routing_row = ToRow(FullRouting());
  routing_row.document = "{}";
  auto r = FromRow(routing_row);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "notify_routing evt-1: document: event_id: required");
  auto a = FromRow(ports::store::DeliveryAttemptRow{"ntf_1", 3, kT0, "[]"});
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().message, "delivery_attempts ntf_1#3: document: body: must be a JSON object");
}

// Verifies hostile and malformed input is refused with kInvalidArgument and a message that
// starts with the path of the offending field.
TEST(NotificationCodec, HostileInputIsRefusedWithThePath) {
  using Decode = std::function<Status(std::string_view)>;
  auto status_of = [](auto decoder) -> Decode {
    return [decoder](std::string_view text) -> Status {
      auto r = decoder(text);
      if (!r) return Unexpected(r.error());
      return OkStatus();
    };
  };
  const Decode delivery = status_of(DecodeStoredDelivery);
  const Decode delivery_put = status_of(DecodeDeliveryPut);
  const Decode log_put = status_of(DecodeNotifyLogPut);
  const Decode routing = status_of(DecodeRoutingRecord);
  const Decode health = status_of(DecodeChannelHealth);
  const Decode event = status_of(DecodeNotifyEvent);
  const Decode attempt = status_of(DecodeDeliveryAttempt);

  auto edit = [](const std::string& text, const std::function<void(nlohmann::json&)>& f) {
    nlohmann::json j = nlohmann::json::parse(text);
    f(j);
    return j.dump();
  };
  const std::string d = EncodeStoredDelivery(FullDelivery());
  const std::string dput = EncodeDeliveryPut(FullDelivery(), 3);
  const std::string lput = EncodeNotifyLogPut(FullLog(), 0);
  const std::string r = EncodeRoutingRecord(FullRouting());
  const std::string h = EncodeChannelHealth({.channel = "c", .reason = "r", .since = kT0});
  const std::string e = EncodeNotifyEvent(FullEvent());
  const std::string big_text(kMaxNotifyTextBytes + 1, 'x');
  const std::string big_key(kMaxNotifyKeyBytes + 1, 'k');
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";

  struct Case {
    const Decode* decode;
    std::string text;
    std::string message_prefix;
  };
  const std::vector<Case> cases = {
      {&delivery, "", "body: must not be empty"},
      {&delivery, "{\"idempotency_key\":", "body: invalid JSON at byte"},
      {&delivery, deep, "body: nesting deeper than 32 levels"},
      {&delivery, "[]", "body: must be a JSON object"},
      {&delivery, R"({"a":1,"a":2})", "a: duplicate key"},
      {&delivery, edit(d, [](auto& j) { j["colour"] = "red"; }), "colour: unknown field"},
      {&delivery, edit(d, [](auto& j) { j.erase("channel"); }), "channel: required"},
      {&delivery, edit(d, [](auto& j) { j["channel"] = nullptr; }), "channel: must be a string"},
      {&delivery, edit(d, [](auto& j) { j["state"] = "sending"; }),
       "state: must be one of pending, retrying, delivered, failed_permanent, dead"},
      {&delivery, edit(d, [](auto& j) { j["attempts"] = -1; }),
       "attempts: must be an integer between 0 and 2147483647"},
      {&delivery, edit(d, [](auto& j) { j["attempts"] = 1.5; }), "attempts: must be an integer"},
      {&delivery, edit(d, [](auto& j) { j["created_at"] = "yesterday"; }),
       "created_at: invalid RFC 3339 timestamp"},
      {&delivery, edit(d, [](auto& j) { j.erase("sending_since"); }), "sending_since: required"},
      {&delivery, edit(d, [](auto& j) { j["last_response"]["class"] = "meh"; }),
       "last_response.class: must be one of ok, rate_limited"},
      {&delivery, edit(d, [](auto& j) { j["last_response"]["status"] = 1000; }),
       "last_response.status: must be an integer between 0 and 999"},
      {&delivery, edit(d, [](auto& j) { j["last_response"]["retry_after_ms"] = -5; }),
       "last_response.retry_after_ms: must be an integer between 0 and"},
      {&delivery, edit(d, [](auto& j) { j["event"]["severity"] = "apocalyptic"; }),
       "event.severity: must be one of info, low, medium, high, critical"},
      {&delivery, edit(d, [&](auto& j) { j["event"]["summary"] = big_text; }),
       "event.summary: must be at most 8192 bytes"},
      {&delivery, edit(d, [&](auto& j) { j["event"]["labels"]["team"] = 7; }),
       "event.labels.team: must be a string"},
      {&delivery, edit(d, [&](auto& j) { j["event"]["labels"][""] = "x"; }),
       "event.labels[\"\"]: keys must be 1 to 1024 bytes"},
      {&delivery,
       edit(d,
            [&](auto& j) {
              for (int i = 0; i < 300; ++i) j["event"]["details"]["k" + std::to_string(i)] = "v";
            }),
       "event.details: must have at most 256 entries"},
      {&delivery, edit(d, [&](auto& j) { j["idempotency_key"] = big_key; }),
       "idempotency_key: must be at most 1024 bytes"},
      {&delivery, "{\"idempotency_key\":\"a\\u0000b\"}", "idempotency_key: must not contain NUL"},
      {&delivery, R"({"attempts":123456789012345678901234567890})",
       "attempts: integer out of 64-bit range"},
      {&delivery_put, edit(dput, [](auto& j) { j["expected_version"] = -1; }),
       "expected_version: must be an integer between 0 and"},
      {&delivery_put, edit(dput, [](auto& j) { j["delivery"]["version"] = 3; }),
       "delivery.version: unknown field"},
      {&delivery_put, edit(dput, [](auto& j) { j.erase("delivery"); }), "delivery: required"},
      {&log_put, edit(lput, [](auto& j) { j["expected_version"] = -1; }),
       "expected_version: must be an integer between 0 and"},
      {&log_put, edit(lput, [](auto& j) { j["record"]["last_status"] = "burning"; }),
       "record.last_status: must be one of firing, resolved"},
      {&log_put, edit(lput, [](auto& j) { j["record"]["last_event"]["since"] = 5; }),
       "record.last_event.since: must be a string"},
      {&log_put, edit(lput, [](auto& j) { j["record"]["next_repeat_at"] = true; }),
       "record.next_repeat_at: must be a string"},
      {&routing, edit(r, [](auto& j) { j["decision"]["verdicts"][1]["matched"] = "yes"; }),
       "decision.verdicts[1].matched: must be a boolean"},
      {&routing, edit(r, [](auto& j) { j["decision"]["matched_rules"][0] = 1; }),
       "decision.matched_rules[0]: must be a string"},
      {&routing, edit(r, [](auto& j) { j["decision"]["targets"][0]["repeat_interval_ms"] = -1; }),
       "decision.targets[0].repeat_interval_ms: must be an integer between 0 and"},
      {&routing, edit(r, [](auto& j) { j["targets"][1]["send"] = nullptr; }),
       "targets[1].send: must be a boolean"},
      {&routing, edit(r, [](auto& j) { j["targets"] = nlohmann::json::object(); }),
       "targets: must be an array"},
      {&routing,
       edit(r,
            [](auto& j) {
              j["targets"] = nlohmann::json::array();
              for (int i = 0; i < 1001; ++i) j["targets"].push_back(j["decision"]["targets"][0]);
            }),
       "targets: must have at most 1000 items"},
      {&health, edit(h, [](auto& j) { j["failing"] = 1; }), "failing: must be a boolean"},
      {&health, edit(h, [](auto& j) { j.erase("since"); }), "since: required"},
      {&event, edit(e, [](auto& j) { j["status"] = "FIRING"; }),
       "status: must be one of firing, resolved"},
      {&event, edit(e, [](auto& j) { j["details"] = "none"; }), "details: must be an object"},
      {&attempt, R"({"status":200,"class":"ok","detail":""})", "retry_after_ms: required"},
  };
  for (const Case& c : cases) {
    Status s = (*c.decode)(c.text);
    ASSERT_FALSE(s.has_value()) << c.message_prefix;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.message_prefix;
    EXPECT_EQ(s.error().message.rfind(c.message_prefix, 0), 0u)
        << "want prefix: " << c.message_prefix << "\ngot: " << s.error().message;
  }
}

// Verifies the service route bodies: the PUT bodies carry expected_version and the document, the
// replies carry version (and updated_at for log records), the lists decode item by item.
TEST(NotificationCodec, ServiceBodiesRoundTrip) {
  NotifyLogRecord log = FullLog();
  auto put = DecodeNotifyLogPut(EncodeNotifyLogPut(log, 6));
  ASSERT_TRUE(put.has_value()) << Why(put);
  EXPECT_EQ(put->expected_version, 6);
  NotifyLogRecord unversioned = log;
  unversioned.version = 0;
  unversioned.updated_at = Timestamp{};
  EXPECT_TRUE(Same(put->record, unversioned));

  auto reply = DecodeNotifyLogReply(EncodeNotifyLogReply(log));
  ASSERT_TRUE(reply.has_value()) << Why(reply);
  ASSERT_TRUE(reply->has_value());
  EXPECT_TRUE(Same(**reply, log));
  auto none = DecodeNotifyLogReply(EncodeNotifyLogReply(std::nullopt));
  ASSERT_TRUE(none.has_value()) << Why(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(EncodeNotifyLogReply(std::nullopt), R"({"record":null})");

  NotifyLogRecord second = log;
  second.entry.problem_key = "db-1/posture";
  second.version = 1;
  auto logs = DecodeNotifyLogList(EncodeNotifyLogList({log, second}));
  ASSERT_TRUE(logs.has_value()) << Why(logs);
  ASSERT_EQ(logs->size(), 2u);
  EXPECT_TRUE(Same((*logs)[0], log));
  EXPECT_TRUE(Same((*logs)[1], second));

  StoredDelivery d = FullDelivery();
  auto dput = DecodeDeliveryPut(EncodeDeliveryPut(d, 4));
  ASSERT_TRUE(dput.has_value()) << Why(dput);
  EXPECT_EQ(dput->expected_version, 4);
  StoredDelivery d0 = d;
  d0.version = 0;
  EXPECT_TRUE(Same(dput->delivery, d0));
  auto dreply = DecodeDeliveryReply(EncodeDeliveryReply(d));
  ASSERT_TRUE(dreply.has_value()) << Why(dreply);
  EXPECT_TRUE(Same(*dreply, d));
  auto unversioned_reply = DecodeDeliveryReply(EncodeStoredDelivery(d));
  ASSERT_FALSE(unversioned_reply.has_value());
  EXPECT_EQ(unversioned_reply.error().message, "version: required");
  auto deliveries = DecodeDeliveryList(EncodeDeliveryList({d, d}));
  ASSERT_TRUE(deliveries.has_value()) << Why(deliveries);
  ASSERT_EQ(deliveries->size(), 2u);
  EXPECT_TRUE(Same((*deliveries)[1], d));
  auto bad_item = DecodeDeliveryList(R"({"items":[)" + EncodeDeliveryReply(d) +
                                     R"(,{"idempotency_key":2}],"next_cursor":null})");
  ASSERT_FALSE(bad_item.has_value());
  EXPECT_EQ(bad_item.error().message, "items[1].idempotency_key: must be a string");

  const std::vector<ChannelHealth> channels = {{.channel = "a", .since = kT0},
                                               {.channel = "b", .failing = true, .since = kT0}};
  auto hs = DecodeChannelHealthList(EncodeChannelHealthList(channels));
  ASSERT_TRUE(hs.has_value()) << Why(hs);
  ASSERT_EQ(hs->size(), 2u);
  EXPECT_TRUE(Same((*hs)[1], channels[1]));
}

std::string NlohmannDump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Verifies the direct writers (delivery, log entry, event, attempt, routing record, the batch
// bodies) write exactly what nlohmann writes: each equals the same value inside a document still
// built as an nlohmann object (a list, a reply), and re-serialising any of them with nlohmann
// (order kept) changes nothing — escapes, replaced bad UTF-8, nulls, empty maps and lists.
TEST(NotificationCodec, DirectWritersWriteTheDomBytes) {
  using nlohmann::ordered_json;
  const std::vector<std::string> odd = OddStrings();
  for (size_t i = 0; i < odd.size(); ++i) {
    const std::string& o = odd[i];
    const bool sparse = i % 2 == 1;  // optional members unset, maps and lists empty
    SCOPED_TRACE("variant " + std::to_string(i));

    StoredDelivery d = FullDelivery();
    d.event.summary = o;
    d.event.labels = sparse ? std::map<std::string, std::string>{}
                            : decltype(d.event.labels){{"k" + o, o}, {"team", "x"}};
    d.event.since = sparse ? std::nullopt : d.event.since;
    d.record.external_ref = o;
    d.sending_by = o;
    d.sending_since = sparse ? std::nullopt : d.sending_since;
    d.record.delivered_at = sparse ? std::nullopt : d.record.delivered_at;
    if (sparse) d.record.last_response.reset();
    if (i == 2) d.record.last_response->retry_after.reset();
    const std::string delivery = EncodeStoredDelivery(d);
    ordered_json listed = ordered_json::parse(EncodeDeliveryList({d}))["items"][0];
    EXPECT_EQ(NlohmannDump(listed["event"]), EncodeNotifyEvent(d.event));
    if (d.record.last_response) {
      EXPECT_EQ(NlohmannDump(listed["last_response"]),
                EncodeDeliveryAttempt(*d.record.last_response));
    }
    listed.erase("version");
    EXPECT_EQ(NlohmannDump(listed), delivery);

    NotifyLogRecord log = FullLog();
    log.entry.last_state = o;
    log.last_event = d.event;
    log.next_repeat_at = sparse ? std::nullopt : log.next_repeat_at;
    log.entry.last_sent_at = sparse ? std::nullopt : log.entry.last_sent_at;
    const std::string entry = EncodeNotifyLogRecord(log);
    ordered_json replied = ordered_json::parse(EncodeNotifyLogReply(log))["record"];
    replied.erase("version");
    replied.erase("updated_at");
    EXPECT_EQ(NlohmannDump(replied), entry);

    RoutingRecord r = FullRouting();
    r.decision.reason = o;
    r.targets[1].detail = o;
    if (sparse) {
      r.decision.verdicts.clear();
      r.decision.matched_rules.clear();
      r.decision.targets.clear();
      r.targets.clear();
    } else {
      r.decision.matched_rules.push_back(o);
    }
    const std::string routing = EncodeRoutingRecord(r);
    const ports::platform::EventNotifications event{
        .deliveries = sparse ? std::vector<StoredDelivery>{} : std::vector<StoredDelivery>{d, d},
        .logs = {{.record = log, .expected_version = 2}},
        .routing = r};
    for (const std::string& text :
         {delivery, entry, routing, EncodeDeliveryPut(d, 3), EncodeEventNotificationsItem(event)}) {
      EXPECT_EQ(NlohmannDump(ordered_json::parse(text)), text);
    }
    if (o.find('\xff') == std::string::npos) {  // valid UTF-8 comes back unchanged
      auto back = DecodeRoutingRecord(routing);
      ASSERT_TRUE(back.has_value()) << Why(back);
      EXPECT_TRUE(Same(*back, r));
      auto batch = DecodeEventNotificationsBatch(
          "{\"events\":[" + EncodeEventNotificationsItem(event) + "]}",
          ports::platform::kMaxNotifyBatchItems);
      ASSERT_TRUE(batch.has_value()) << Why(batch);
      ASSERT_EQ(batch->size(), 1u);
      ASSERT_EQ((*batch)[0].deliveries.size(), event.deliveries.size());
      for (const StoredDelivery& got : (*batch)[0].deliveries) {
        StoredDelivery want = d;
        want.version = 0;
        EXPECT_TRUE(Same(got, want));
      }
      EXPECT_TRUE(Same((*batch)[0].routing, r));
    }
  }
}

// Deliveries with odd strings (escapes, replaced bad UTF-8) and with optional members unset.
std::vector<StoredDelivery> OddDeliveries() {
  const std::vector<std::string> odd = OddStrings();
  std::vector<StoredDelivery> out;
  for (size_t i = 0; i < odd.size(); ++i) {
    StoredDelivery d = FullDelivery();
    d.record.idempotency_key += std::to_string(i);
    d.event.summary = odd[i];
    d.event.labels["k" + odd[i]] = odd[i];
    d.sending_by = odd[i];
    if (i % 2 == 1) {
      d.record.last_response.reset();
      d.sending_since.reset();
      d.event.since.reset();
      d.event.details.clear();
    }
    if (i == 2) d.record.last_response->retry_after.reset();
    out.push_back(std::move(d));
  }
  return out;
}

// Verifies the delivery fast paths (internal/notification_fast.h): they accept every written
// document in any layout and give exactly what the strict readers give; for every one-byte
// corruption they either give what the strict readers give or step aside; and they step aside
// for each defect the strict readers refuse, so the answer (an error message included) is
// always the strict readers'.
TEST(NotificationCodec, FastDeliveryPathAgreesWithTheStrictReaders) {
  using nlohmann::ordered_json;
  // The strict readers alone: the list and PUT bodies are read through the DOM only.
  auto strict_reply = [](const std::string& text) -> Result<StoredDelivery> {
    auto list = DecodeDeliveryList("{\"items\":[" + text + "],\"next_cursor\":null}");
    if (!list) return Unexpected(list.error());
    if (list->size() != 1) return Unexpected(ErrorCode::kInvalidArgument, "not one item");
    return (*list)[0];
  };
  auto strict_document = [](const std::string& text) -> Result<StoredDelivery> {
    auto put = DecodeDeliveryPut("{\"expected_version\":1,\"delivery\":" + text + "}");
    if (!put) return Unexpected(put.error());
    return put->delivery;
  };
  int corruptions_accepted = 0;
  for (const StoredDelivery& d : OddDeliveries()) {
    const std::string doc = EncodeStoredDelivery(d);
    const std::string reply = EncodeDeliveryReply(d);
    const ordered_json tree = ordered_json::parse(reply);
    const std::vector<std::string> layouts = {reply, tree.dump(2),
                                              nlohmann::json::parse(reply).dump()};  // sorted
    for (const std::string& text : layouts) {
      auto fast = internal::FastDecodeStoredDelivery(text, true);
      auto strict = strict_reply(text);
      ASSERT_TRUE(fast.has_value()) << text;
      ASSERT_TRUE(strict.has_value()) << Why(strict);
      EXPECT_TRUE(Same(*fast, *strict));
    }
    auto fast_doc = internal::FastDecodeStoredDelivery(doc, false);
    auto strict_doc = strict_document(doc);
    ASSERT_TRUE(fast_doc.has_value());
    ASSERT_TRUE(strict_doc.has_value()) << Why(strict_doc);
    EXPECT_TRUE(Same(*fast_doc, *strict_doc));
    EXPECT_FALSE(internal::FastDecodeStoredDelivery(doc, true).has_value());  // no version
    EXPECT_FALSE(internal::FastDecodeStoredDelivery(reply, false).has_value());

    ForEachOneByteChange(reply, "\"}]{,:0 9x\\\xff-n", [&](const std::string& bad) {
      auto fast = internal::FastDecodeStoredDelivery(bad, true);
      if (!fast) return;
      ++corruptions_accepted;
      auto strict = strict_reply(bad);
      ASSERT_TRUE(strict.has_value()) << bad << "\n" << Why(strict);
      EXPECT_TRUE(Same(*fast, *strict)) << bad;
    });
  }
  EXPECT_GT(corruptions_accepted, 100);  // digits of times and numbers, letters of strings

  // Defects the strict readers refuse: the fast path steps aside for each.
  const std::string good = EncodeStoredDelivery(FullDelivery());
  auto with = [&](std::string_view from, std::string_view to) {
    std::string t = good;
    const size_t at = t.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? t : t.replace(at, from.size(), to);
  };
  const std::vector<std::string> defects = {
      with("\"rule\":\"pages\",", ""),                                    // missing member
      with("\"rule\":\"pages\",", "\"rule\":\"pages\",\"rule\":\"x\","),  // repeated member
      with("\"rule\":\"pages\",", "\"rule\":\"pages\",\"extra\":1,"),     // unknown member
      with("\"attempts\":3", "\"attempts\":-1"),
      with("\"attempts\":3", "\"attempts\":3.0"),
      with("\"attempts\":3", "\"attempts\":\"3\""),
      with("\"state\":\"retrying\"", "\"state\":\"lost\""),
      with("\"rule\":\"pages\"", "\"rule\":\"" + std::string(1025, 'r') + "\""),
      with("\"summary\":\"", "\"summary\":\"" + std::string(8193, 's')),
      with("\"team\":\"payments\"", "\"\":\"payments\""),
      with("\"team\":\"payments\"", "\"team\":\"a\",\"team\":\"b\""),
      with("\"sending_by\":\"notifier-1\"", "\"sending_by\":\"a\\u0000b\""),
      with("\"sending_by\":\"notifier-1\"", "\"sending_by\":null"),
      with("\"created_at\":\"", "\"created_at\":\"x"),
      with("\"retry_after_ms\":30000", "\"retry_after_ms\":-5"),
      good + " {}",
      good.substr(0, good.size() - 1),
  };
  for (size_t i = 0; i < defects.size(); ++i) {
    EXPECT_FALSE(internal::FastDecodeStoredDelivery(defects[i], false).has_value()) << i;
    auto answer = DecodeStoredDelivery(defects[i]);
    auto strict = strict_document(defects[i]);
    EXPECT_EQ(answer.has_value(), strict.has_value()) << i;
  }

  // The PUT batch: what the strict reader gives (forced by an escaped member name, which the
  // fast path leaves to it); a repeated or empty key, or no item, steps aside.
  const std::vector<StoredDelivery> ds = OddDeliveries();
  std::string body = "{\"items\":[";
  for (size_t i = 0; i < ds.size(); ++i) {
    if (i > 0) body += ',';
    body += EncodeDeliveryPutBatchItem({.delivery = ds[i], .expected_version = int64_t(i)});
  }
  body += "]}";
  auto fast = internal::FastDecodeDeliveryPutBatch(body, 1000);
  std::string escaped = body;
  escaped.replace(escaped.find("\"items\""), 7, "\"item\\u0073\"");
  auto strict = DecodeDeliveryPutBatch(escaped, 1000);
  ASSERT_TRUE(fast.has_value());
  ASSERT_TRUE(strict.has_value()) << Why(strict);
  ASSERT_EQ(fast->size(), strict->size());
  for (size_t i = 0; i < fast->size(); ++i) {
    EXPECT_EQ((*fast)[i].expected_version, (*strict)[i].expected_version);
    EXPECT_TRUE(Same((*fast)[i].delivery, (*strict)[i].delivery));
  }
  EXPECT_FALSE(internal::FastDecodeDeliveryPutBatch(body, ds.size() - 1).has_value());
  const std::string item = EncodeDeliveryPutBatchItem({.delivery = ds[0], .expected_version = 1});
  for (const std::string& b :
       {"{\"items\":[" + item + "," + item + "]}", std::string("{\"items\":[]}"),
        "{\"items\":[" + item + "],\"x\":1}"}) {
    EXPECT_FALSE(internal::FastDecodeDeliveryPutBatch(b, 1000).has_value()) << b;
    EXPECT_FALSE(DecodeDeliveryPutBatch(b, 1000).has_value()) << b;
  }
}

// Verifies the notifications batch fast path (and the log and routing documents'): every
// written body gives what the strict reader gives; every one-byte corruption of one is either
// read as the strict reader reads it or left to it; the checks beyond the shape (a repeated
// event, a delivery of another event, an empty log channel) are left to the strict reader,
// which names them.
TEST(NotificationCodec, FastNotificationsBatchAgreesWithTheStrictReader) {
  // The strict reader alone: an escaped member name is the same JSON, and the fast path leaves
  // it to the strict reader.
  auto strict_batch = [](std::string body) {
    const size_t at = body.find("\"events\"");
    if (at != std::string::npos) body.replace(at, 8, "\"event\\u0073\"");
    return DecodeEventNotificationsBatch(body, ports::platform::kMaxNotifyBatchItems);
  };
  auto same_events = [](const std::vector<ports::platform::EventNotifications>& a,
                        const std::vector<ports::platform::EventNotifications>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].deliveries.size() != b[i].deliveries.size() ||
          a[i].logs.size() != b[i].logs.size() || !Same(a[i].routing, b[i].routing))
        return false;
      for (size_t d = 0; d < a[i].deliveries.size(); ++d)
        if (!Same(a[i].deliveries[d], b[i].deliveries[d])) return false;
      for (size_t l = 0; l < a[i].logs.size(); ++l)
        if (a[i].logs[l].expected_version != b[i].logs[l].expected_version ||
            !Same(a[i].logs[l].record, b[i].logs[l].record))
          return false;
    }
    return true;
  };
  std::vector<ports::platform::EventNotifications> events;
  for (StoredDelivery d : OddDeliveries()) {
    d.version = 0;
    RoutingRecord r = FullRouting();
    r.event_id = d.record.idempotency_key;  // distinct per event
    d.record.event_id = r.event_id;
    r.decision.reason = d.event.summary;
    NotifyLogRecord log = FullLog();
    log.version = 0;
    log.updated_at = Timestamp{};
    log.last_event = d.event;
    log.entry.last_state = d.sending_by;
    if (d.event.details.empty()) {  // the sparse variants
      log.next_repeat_at.reset();
      r.decision = {};
      r.targets.clear();
    }
    auto fast_log = internal::FastDecodeNotifyLogRecord(EncodeNotifyLogRecord(log));
    auto strict_log = DecodeNotifyLogPut(
        "{\"expected_version\":1,\"record\":" + EncodeNotifyLogRecord(log) + "}");
    ASSERT_TRUE(fast_log.has_value());
    ASSERT_TRUE(strict_log.has_value()) << Why(strict_log);
    EXPECT_TRUE(Same(*fast_log, strict_log->record));
    events.push_back(
        {.deliveries = {d}, .logs = {{.record = log, .expected_version = 3}}, .routing = r});
  }
  auto body_of = [](const std::vector<ports::platform::EventNotifications>& es) {
    std::string body = "{\"events\":[";
    for (size_t i = 0; i < es.size(); ++i) {
      if (i > 0) body += ',';
      body += EncodeEventNotificationsItem(es[i]);
    }
    return body + "]}";
  };
  const std::string body = body_of(events);
  auto fast = internal::FastDecodeEventNotificationsBatch(body, 1000);
  auto strict = strict_batch(body);
  ASSERT_TRUE(fast.has_value());
  ASSERT_TRUE(strict.has_value()) << Why(strict);
  EXPECT_TRUE(same_events(*fast, *strict));
  for (size_t i = 0; i < events.size(); ++i) {
    auto routing = internal::FastDecodeRoutingRecord(EncodeRoutingRecord(events[i].routing));
    ASSERT_TRUE(routing.has_value());
    EXPECT_TRUE(Same(*routing, (*strict)[i].routing));
  }
  EXPECT_FALSE(internal::FastDecodeEventNotificationsBatch(body, events.size() - 1).has_value());

  int accepted = 0;
  const std::string one = body_of({events[0]});
  ForEachOneByteChange(one, "\"}]{,:0 9x\\\xff-nt", [&](const std::string& bad) {
    auto f = internal::FastDecodeEventNotificationsBatch(bad, 1000);
    if (!f) return;
    ++accepted;
    auto st = strict_batch(bad);
    ASSERT_TRUE(st.has_value()) << bad << "\n" << Why(st);
    EXPECT_TRUE(same_events(*f, *st)) << bad;
  });
  EXPECT_GT(accepted, 100);

  auto repeated = events;
  repeated[1].routing.event_id = repeated[0].routing.event_id;
  repeated[1].deliveries[0].record.event_id = repeated[0].routing.event_id;
  auto other_event = events;
  other_event[0].deliveries[0].record.event_id = "another";
  auto no_channel = events;
  no_channel[0].logs[0].record.entry.channel.clear();
  auto no_key = events;
  no_key[0].deliveries[0].record.idempotency_key.clear();
  const std::vector<std::pair<std::string, std::string>> refused = {
      {body_of(repeated), "events[1].routing.event_id: duplicate of events[0]"},
      {body_of(other_event), "events[0].deliveries[0].event_id: must be the routing's event_id"},
      {body_of(no_channel), "events[0].logs[0].record.channel: must not be empty"},
      {body_of(no_key), "events[0].deliveries[0].idempotency_key: must not be empty"},
      {"{\"events\":[]}", "events: must contain 1 to"},
  };
  for (const auto& [b, prefix] : refused) {
    EXPECT_FALSE(internal::FastDecodeEventNotificationsBatch(b, 1000).has_value()) << prefix;
    auto r = DecodeEventNotificationsBatch(b, 1000);
    ASSERT_FALSE(r.has_value()) << prefix;
    EXPECT_EQ(r.error().message.rfind(prefix, 0), 0u) << r.error().message;
  }
}

// Verifies the notifications batch answer: new deliveries and log entries come back as
// versions and are completed from the request, an existing delivery comes back whole, an
// item's error stands for that event only; the fast path gives what the strict reader gives
// (also for every one-byte corruption it takes) and leaves items with an error to it.
TEST(NotificationCodec, NotificationsBatchAnswerCompletesTheRequest) {
  std::vector<ports::platform::EventNotifications> request;
  for (StoredDelivery d : OddDeliveries()) {
    d.version = 0;
    NotifyLogRecord log = FullLog();
    log.version = 0;
    request.push_back({.deliveries = {d, d}, .logs = {{.record = log, .expected_version = 2}}});
    request.back().deliveries[1].record.channel = "other";
  }
  std::vector<Result<ports::platform::EventNotificationsResult>> results;
  std::vector<std::string> ids;
  for (size_t i = 0; i < request.size(); ++i) {
    ports::platform::EventNotificationsResult r;
    StoredDelivery created = request[i].deliveries[0];
    created.version = 1;
    StoredDelivery existing = FullDelivery();  // stored earlier, not what was sent
    existing.version = 5;
    r.deliveries = {{.delivery = created, .created = true}, {.delivery = existing}};
    NotifyLogRecord stored_log = request[i].logs[0].record;
    stored_log.version = 3;
    stored_log.updated_at = kT0 + Duration(77);
    r.logs = {stored_log};
    results.push_back(std::move(r));
    ids.push_back("evt-" + std::to_string(i));
  }
  auto same = [](const Result<ports::platform::EventNotificationsResult>& a,
                 const Result<ports::platform::EventNotificationsResult>& b) {
    if (a.has_value() != b.has_value()) return false;
    if (!a) return a.error().code == b.error().code && a.error().message == b.error().message;
    if (a->deliveries.size() != b->deliveries.size() || a->logs.size() != b->logs.size())
      return false;
    for (size_t d = 0; d < a->deliveries.size(); ++d)
      if (a->deliveries[d].created != b->deliveries[d].created ||
          !Same(a->deliveries[d].delivery, b->deliveries[d].delivery))
        return false;
    for (size_t l = 0; l < a->logs.size(); ++l)
      if (!Same(a->logs[l], b->logs[l])) return false;
    return true;
  };
  auto strict = [&](std::string body) {
    body.replace(body.find("\"items\""), 7, "\"item\\u0073\"");
    return DecodeEventNotificationsResult(body, request);
  };
  const std::string answer = EncodeEventNotificationsResult(ids, results);
  auto fast = internal::FastDecodeEventNotificationsResult(answer, request);
  auto slow = strict(answer);
  ASSERT_TRUE(fast.has_value());
  ASSERT_TRUE(slow.has_value()) << Why(slow);
  ASSERT_EQ(fast->size(), request.size());
  for (size_t i = 0; i < request.size(); ++i) {
    EXPECT_TRUE(same((*fast)[i], (*slow)[i])) << i;
    ASSERT_TRUE((*fast)[i].has_value());
    EXPECT_TRUE((*fast)[i]->deliveries[0].created);
    EXPECT_EQ((*fast)[i]->deliveries[0].delivery.version, 1);
    EXPECT_EQ((*fast)[i]->deliveries[0].delivery.record.idempotency_key,
              request[i].deliveries[0].record.idempotency_key);
    EXPECT_FALSE((*fast)[i]->deliveries[1].created);
    EXPECT_EQ((*fast)[i]->deliveries[1].delivery.version, 5);
    EXPECT_EQ((*fast)[i]->logs[0].version, 3);
    EXPECT_EQ((*fast)[i]->logs[0].updated_at, kT0 + Duration(77));
  }

  // Every one-byte corruption of a one-event answer: read as the strict reader reads it, or left.
  const std::vector<ports::platform::EventNotifications> one_request = {request[0]};
  const std::vector<std::string> one_id = {ids[0]};
  const std::vector<Result<ports::platform::EventNotificationsResult>> one_result = {results[0]};
  const std::string one = EncodeEventNotificationsResult(one_id, one_result);
  int accepted = 0;
  ForEachOneByteChange(one, "\"}]{,:0 9x\\\xff-tf", [&](const std::string& bad) {
    auto f = internal::FastDecodeEventNotificationsResult(bad, one_request);
    if (!f) return;
    ++accepted;
    std::string escaped = bad;
    escaped.replace(escaped.find("\"items\""), 7, "\"item\\u0073\"");
    auto st = DecodeEventNotificationsResult(escaped, one_request);
    ASSERT_TRUE(st.has_value()) << bad << "\n" << Why(st);
    ASSERT_EQ(st->size(), 1u);
    EXPECT_TRUE(same((*f)[0], (*st)[0])) << bad;
  });
  EXPECT_GT(accepted, 100);

  // An item with an error: left to the strict reader, which gives that event's error.
  results[1] = Unexpected(ErrorCode::kConflict, "log moved on");
  const std::string with_error = EncodeEventNotificationsResult(ids, results);
  EXPECT_FALSE(internal::FastDecodeEventNotificationsResult(with_error, request).has_value());
  auto decoded = DecodeEventNotificationsResult(with_error, request);
  ASSERT_TRUE(decoded.has_value()) << Why(decoded);
  ASSERT_FALSE((*decoded)[1].has_value());
  EXPECT_EQ((*decoded)[1].error().code, ErrorCode::kConflict);
  EXPECT_TRUE((*decoded)[0].has_value());
  // An answer that does not fit the request (one item short) is refused.
  const std::vector<ports::platform::EventNotifications> longer = {request[0], request[0]};
  EXPECT_FALSE(internal::FastDecodeEventNotificationsResult(one, longer).has_value());
  EXPECT_FALSE(DecodeEventNotificationsResult(one, longer).has_value());
}

// Verifies the notify-log batch-get answer's fast path: records (reply form) and nulls as the
// strict reader reads them, in any layout; every one-byte corruption it takes is read as the
// strict reader reads it; a count that does not fit is refused.
TEST(NotificationCodec, NotifyLogBatchAnswerFastPathAgrees) {
  NotifyLogRecord sparse = FullLog();
  sparse.next_repeat_at.reset();
  sparse.entry.last_sent_at.reset();
  sparse.last_event.labels.clear();
  const std::vector<std::optional<NotifyLogRecord>> records = {FullLog(), std::nullopt, sparse};
  const std::string answer = EncodeNotifyLogBatchGetResult(records);
  auto strict = [](std::string body, size_t n) {
    body.replace(body.find("\"items\""), 7, "\"item\\u0073\"");
    return DecodeNotifyLogBatchGetResult(body, n);
  };
  auto same = [](const std::vector<std::optional<NotifyLogRecord>>& a,
                 const std::vector<std::optional<NotifyLogRecord>>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].has_value() != b[i].has_value()) return false;
      if (a[i] && !Same(*a[i], *b[i])) return false;
    }
    return true;
  };
  for (const std::string& text : {answer, nlohmann::ordered_json::parse(answer).dump(1),
                                  nlohmann::json::parse(answer).dump()}) {
    auto fast = internal::FastDecodeNotifyLogBatchGetResult(text, 3);
    auto slow = strict(text, 3);
    ASSERT_TRUE(fast.has_value()) << text;
    ASSERT_TRUE(slow.has_value()) << Why(slow);
    EXPECT_TRUE(same(*fast, *slow));
    EXPECT_TRUE(same(*fast, records));
  }
  int accepted = 0;
  ForEachOneByteChange(answer, "\"}]{,:0 9x\\\xff-n", [&](const std::string& bad) {
    auto f = internal::FastDecodeNotifyLogBatchGetResult(bad, 3);
    if (!f) return;
    ++accepted;
    auto st = strict(bad, 3);
    ASSERT_TRUE(st.has_value()) << bad << "\n" << Why(st);
    EXPECT_TRUE(same(*f, *st)) << bad;
  });
  EXPECT_GT(accepted, 100);
  EXPECT_FALSE(internal::FastDecodeNotifyLogBatchGetResult(answer, 2).has_value());
  EXPECT_FALSE(DecodeNotifyLogBatchGetResult(answer, 4).has_value());
}

// Verifies the deliveries batch answer: only each stored item's new version (and each failed
// item's error) goes back; the decoder completes the request's deliveries with those versions
// and refuses an answer that does not fit the request (count, a version not moved on, a version
// beside an error).
TEST(NotificationCodec, DeliveryBatchAnswerCarriesVersionsOnly) {
  StoredDelivery a = FullDelivery();
  StoredDelivery b = FullDelivery();
  b.record.idempotency_key = "other-key";
  const std::vector<ports::platform::DeliveryPut> request = {
      {.delivery = a, .expected_version = 3}, {.delivery = b, .expected_version = 1}};
  StoredDelivery stored_a = a;
  stored_a.version = 4;
  const std::vector<Result<StoredDelivery>> results = {
      stored_a, Unexpected(ErrorCode::kConflict, "version moved on")};
  const std::string body = EncodeDeliveryPutBatchResult(results);
  EXPECT_EQ(body, R"({"items":[{"version":4,"error":null},{"version":null,"error":)"
                  R"({"code":"conflict","message":"version moved on"}}]})");
  auto decoded = DecodeDeliveryPutBatchResult(body, request);
  ASSERT_TRUE(decoded.has_value()) << Why(decoded);
  ASSERT_EQ(decoded->size(), 2u);
  ASSERT_TRUE((*decoded)[0].has_value());
  EXPECT_TRUE(Same(*(*decoded)[0], stored_a));
  ASSERT_FALSE((*decoded)[1].has_value());
  EXPECT_EQ((*decoded)[1].error().code, ErrorCode::kConflict);
  EXPECT_EQ((*decoded)[1].error().message, "version moved on");

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"items":[{"version":4,"error":null}]})", "items: has 1 items, not 2"},
      {R"({"items":[{"version":3,"error":null},{"version":2,"error":null}]})",
       "items[0].version: "},
      {R"({"items":[{"version":4,"error":null},{"version":2,"error":{"code":"conflict",)"
       R"("message":"m"}}]})",
       "items[1].version: must be null beside an error"},
      {R"({"items":[{"version":4,"error":null},{"error":null}]})", "items[1].version: required"},
      {R"({"items":[{"version":4,"error":null,"delivery":{}},{"version":2,"error":null}]})",
       "items[0].delivery: unknown field"},
  };
  for (const auto& [answer, prefix] : bad) {
    auto r = DecodeDeliveryPutBatchResult(answer, request);
    ASSERT_FALSE(r.has_value()) << answer;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message.rfind(prefix, 0), 0u) << prefix << " vs " << r.error().message;
  }
}

// Verifies the viewer's view: every rule's verdict, each target's decision, the delivery with
// state "sending" while claimed, its attempts in order, and nothing of the event's text.
TEST(NotificationCodec, ViewExplainsWithoutTheEventText) {
  StoredDelivery d = FullDelivery();
  d.event.summary = "SECRET-LOOKING xoxb-123 summary";
  d.event.details = {{"token", "whsec_abc"}};
  NotificationView view;
  view.routing = FullRouting();
  NotificationTargetView sent{.decision = view.routing.targets[0], .delivery = d};
  sent.attempts = {
      {.attempt = 1,
       .at = kT0,
       .response = {.status = 0,
                    .response_class = ResponseClass::kTimeout,
                    .detail = "timeout after 10000 ms"}},
      {.attempt = 2, .at = kT0 + Duration(1'000), .response = *d.record.last_response}};
  view.targets = {sent, {.decision = view.routing.targets[1]}};
  const std::string text = EncodeNotificationViewList({view}, "c1.42");
  EXPECT_EQ(text.find("xoxb"), std::string::npos) << text;
  EXPECT_EQ(text.find("whsec"), std::string::npos) << text;
  EXPECT_EQ(text.find("https://secplat.example"), std::string::npos) << text;
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["next_cursor"], "c1.42");
  const auto& item = j["items"][0];
  EXPECT_EQ(item["event_id"], "evt-1");
  EXPECT_EQ(item["routed"], true);
  EXPECT_EQ(item["reason"], "matched rules: pages");
  ASSERT_EQ(item["rules"].size(), 3u);
  EXPECT_EQ(item["rules"][1]["reason"], "severity critical not in [low]");
  EXPECT_EQ(item["rules"][2]["evaluated"], false);
  ASSERT_EQ(item["targets"].size(), 2u);
  const auto& delivery = item["targets"][0]["delivery"];
  EXPECT_EQ(delivery["state"], "sending");
  EXPECT_EQ(delivery["stored_state"], "retrying");
  EXPECT_EQ(delivery["sending_by"], "notifier-1");
  EXPECT_EQ(delivery["attempt_count"], 3);
  EXPECT_EQ(delivery["external_ref"], "SEC-42");
  ASSERT_EQ(delivery["attempts"].size(), 2u);
  EXPECT_EQ(delivery["attempts"][0]["class"], "timeout");
  EXPECT_EQ(delivery["attempts"][1]["attempt"], 2);
  EXPECT_EQ(delivery["attempts"][1]["retry_after_ms"], 30000);
  EXPECT_FALSE(delivery.contains("event"));
  EXPECT_EQ(item["targets"][1]["reason"], "skip_unchanged");
  EXPECT_TRUE(item["targets"][1]["delivery"].is_null());

  d.sending_since.reset();
  view.targets[0].delivery = d;
  auto unclaimed = nlohmann::json::parse(EncodeNotificationView(view));
  EXPECT_EQ(unclaimed["targets"][0]["delivery"]["state"], "retrying");
  auto empty = nlohmann::json::parse(EncodeNotificationViewList({}, ""));
  EXPECT_TRUE(empty["next_cursor"].is_null());
  EXPECT_TRUE(empty["items"].empty());
}

}  // namespace
}  // namespace secplat::adapters::json
