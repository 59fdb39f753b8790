// End-to-end: the notification routes on the real `secplat api` binary (SQLite store), through
// HttpPlatform's NotificationGateway (the notifier's side) and plain HTTP (the viewer's side):
// every gateway method round trips, compare-and-set conflicts and terminal deliveries are
// kConflict, the "why" view explains routing, decisions, deliveries and attempts under each
// filter, only service and admin write, bad bodies are 4xx naming the field, and no event text
// (where a secret could hide) or rendered payload reaches a viewer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "adapters/api_client/http_platform.h"
#include "adapters/json/notification_codec.h"
#include "core/notify/delivery.h"
#include "tests/e2e/harness.h"

namespace secplat::testing {
namespace {

using core::model::DeliveryState;
using core::model::LastResponse;
using core::model::NotifyEvent;
using core::model::ProblemStatus;
using core::model::ResponseClass;
using core::model::Severity;
using nlohmann::json;
using ports::platform::ChannelHealth;
using ports::platform::NotifyLogRecord;
using ports::platform::RoutingRecord;
using ports::platform::StoredDelivery;
using ports::platform::TargetDecision;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z
constexpr Duration kLease = std::chrono::minutes(2);

template <typename T>
std::string Why(const Result<T>& r) {
  return r.has_value() ? "ok" : r.error().message;
}

NotifyEvent Event(const std::string& id, const std::string& asset) {
  return NotifyEvent{.event_id = id,
                     .event_type = "posture.changed",
                     .ts = kT0,
                     .asset_key = asset,
                     .severity = Severity::kHigh,
                     .labels = {{"team", "payments"}},
                     .environment = "production",
                     .problem_key = asset + "/posture",
                     .status = ProblemStatus::kFiring,
                     .state = "down",
                     .summary = asset + " is down (token xoxb-1234-SECRETSUMMARY)",
                     .details = {{"hook", "https://hooks.example/services/SECRETDETAIL"}},
                     .since = kT0 - Duration(60'000),
                     .link = "https://secplat.example/assets/" + asset + "?SECRETLINK"};
}

StoredDelivery NewStored(const NotifyEvent& e, const std::string& channel, Timestamp now) {
  StoredDelivery d;
  d.record = core::notify::NewDelivery(e, channel, now);
  d.event = e;
  d.rule = "pages";
  d.notify_reason = "new_problem";
  return d;
}

// The claim a notifier writes before calling the provider.
StoredDelivery Claimed(StoredDelivery d, Timestamp at, const std::string& by) {
  d.sending_since = at;
  d.sending_by = by;
  d.record.next_attempt_at = at + kLease;
  return d;
}

// The attempt a notifier records after the provider answered (clears the claim).
StoredDelivery Attempted(StoredDelivery d, int status, ResponseClass c, const std::string& detail,
                         Timestamp at, std::optional<Duration> retry_after = std::nullopt) {
  d.record.attempts += 1;
  d.record.last_attempt_at = at;
  d.record.last_response = LastResponse{
      .status = status, .response_class = c, .detail = detail, .retry_after = retry_after};
  if (c == ResponseClass::kOk) {
    d.record.state = DeliveryState::kDelivered;
    d.record.delivered_at = at;
    d.record.next_attempt_at.reset();
  } else {
    d.record.state = DeliveryState::kRetrying;
    d.record.next_attempt_at = at + retry_after.value_or(Duration(1'000));
  }
  d.sending_since.reset();
  d.sending_by.clear();
  return d;
}

bool HasKey(const std::vector<StoredDelivery>& ds, const std::string& key) {
  for (const auto& d : ds)
    if (d.record.idempotency_key == key) return true;
  return false;
}

class NotificationsApiE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    h_ = Harness::Create().release();
    h_->Start("api");
  }
  static void TearDownTestSuite() {
    delete h_;
    h_ = nullptr;
  }
  static json Body(const adapters::http::ClientResponse& r) {
    return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }
  static adapters::api_client::HttpPlatform Platform(const std::string& token) {
    return adapters::api_client::HttpPlatform(
        {.base_url = "http://127.0.0.1:" + std::to_string(h_->port), .token = token});
  }
  static json View(const std::string& query) {
    auto r = h_->Call("GET", "/api/v1/notifications" + query, "", h_->viewer_token);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return Body(r);
  }
  static Harness* h_;
};
Harness* NotificationsApiE2e::h_ = nullptr;

// Verifies the notification log through the gateway: nothing, then version 1 equal to what was
// written, a stale expected_version is kConflict, the next write version 2; a problem key with
// '/' travels percent-encoded; ListRepeatDue returns firing entries whose repeat is due, oldest
// first, and never resolved ones.
TEST_F(NotificationsApiE2e, NotifyLogRoundTripsWithCompareAndSet) {
  auto api = Platform(h_->service_token);
  auto none = api.GetNotifyLog("slack-ops", "nl-1/posture");
  ASSERT_TRUE(none.has_value()) << Why(none);
  EXPECT_FALSE(none->has_value());

  NotifyLogRecord rec;
  rec.entry = {.channel = "slack-ops",
               .problem_key = "nl-1/posture",
               .last_status = ProblemStatus::kFiring,
               .last_severity = Severity::kHigh,
               .last_state = "down",
               .last_event_id = "nl-evt-1",
               .last_event_ts = kT0,
               .last_sent_at = kT0};
  rec.last_event = Event("nl-evt-1", "nl-1");
  rec.next_repeat_at = kT0 + std::chrono::hours(4);
  auto stored = api.PutNotifyLog(rec, 0);
  ASSERT_TRUE(stored.has_value()) << Why(stored);
  EXPECT_EQ(stored->version, 1);
  EXPECT_GT(stored->updated_at, kT0);  // the API's clock, not ours

  auto back = api.GetNotifyLog("slack-ops", "nl-1/posture");
  ASSERT_TRUE(back.has_value() && back->has_value()) << Why(back);
  const NotifyLogRecord& b = **back;
  EXPECT_EQ(b.version, 1);
  EXPECT_EQ(b.updated_at, stored->updated_at);
  EXPECT_EQ(b.entry.last_event_id, "nl-evt-1");
  EXPECT_EQ(b.entry.last_sent_at, kT0);
  EXPECT_EQ(b.entry.last_severity, Severity::kHigh);
  EXPECT_EQ(b.next_repeat_at, rec.next_repeat_at);
  EXPECT_EQ(b.last_event.summary, rec.last_event.summary);
  EXPECT_EQ(b.last_event.labels, rec.last_event.labels);
  EXPECT_EQ(adapters::json::EncodeNotifyLogRecord(b), adapters::json::EncodeNotifyLogRecord(rec));

  // Raw HTTP: the '/' of the key must be escaped; unescaped it is another path.
  auto raw = h_->Call("GET", "/api/v1/notify-log/slack-ops/nl-1%2Fposture", "", h_->service_token);
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_EQ(Body(raw)["record"]["version"], 1);
  EXPECT_EQ(
      h_->Call("GET", "/api/v1/notify-log/slack-ops/nl-1/posture", "", h_->service_token).status,
      404);

  auto conflict = api.PutNotifyLog(rec, 0);
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict) << conflict.error().message;
  auto too_new = api.PutNotifyLog(rec, 5);
  ASSERT_FALSE(too_new.has_value());
  EXPECT_EQ(too_new.error().code, ErrorCode::kConflict);
  NotifyLogRecord next = rec;
  next.entry.last_severity = Severity::kCritical;
  auto v2 = api.PutNotifyLog(next, 1);
  ASSERT_TRUE(v2.has_value()) << Why(v2);
  EXPECT_EQ(v2->version, 2);
  auto after = api.GetNotifyLog("slack-ops", "nl-1/posture");
  ASSERT_TRUE(after.has_value() && after->has_value());
  EXPECT_EQ((*after)->entry.last_severity, Severity::kCritical);

  // Repeats: nl-2 due before nl-1; nl-3 resolved (never due); nl-4 not yet due.
  auto put_new = [&](const std::string& problem, ProblemStatus status, Timestamp repeat_at) {
    NotifyLogRecord r = rec;
    r.entry.problem_key = problem;
    r.entry.last_status = status;
    r.next_repeat_at = repeat_at;
    auto s = api.PutNotifyLog(r, 0);
    ASSERT_TRUE(s.has_value()) << Why(s);
  };
  put_new("nl-2/posture", ProblemStatus::kFiring, kT0 + std::chrono::hours(3));
  put_new("nl-3/posture", ProblemStatus::kResolved, kT0 + std::chrono::hours(1));
  put_new("nl-4/posture", ProblemStatus::kFiring, kT0 + std::chrono::hours(9));
  auto due = api.ListRepeatDue(kT0 + std::chrono::hours(5), 1000);
  ASSERT_TRUE(due.has_value()) << Why(due);
  std::vector<std::string> problems;
  for (const auto& r : *due)
    if (r.entry.problem_key.rfind("nl-", 0) == 0) problems.push_back(r.entry.problem_key);
  EXPECT_EQ(problems, (std::vector<std::string>{"nl-2/posture", "nl-1/posture"}));
  auto early = api.ListRepeatDue(kT0 + std::chrono::hours(2), 1000);
  ASSERT_TRUE(early.has_value()) << Why(early);
  for (const auto& r : *early)
    EXPECT_NE(r.entry.problem_key.rfind("nl-", 0), 0u) << r.entry.problem_key;
  auto one = api.ListRepeatDue(kT0 + std::chrono::hours(24), 1);
  ASSERT_TRUE(one.has_value()) << Why(one);
  EXPECT_EQ(one->size(), 1u);
}

// Verifies deliveries through the gateway: created once (a second create returns the stored
// record, created = false), due while pending, not due while claimed, due again when the claim
// lease ran out; a stale version is kConflict; attempts move it to retrying and delivered; a
// terminal delivery is never written again (kConflict), an unknown key is kNotFound.
TEST_F(NotificationsApiE2e, DeliveriesRoundTripClaimsAndTerminalRefusal) {
  auto api = Platform(h_->service_token);
  const NotifyEvent e = Event("dl-evt-1", "dl-1");
  const StoredDelivery d = NewStored(e, "webhook", kT0);
  auto created = api.CreateDelivery(d);
  ASSERT_TRUE(created.has_value()) << Why(created);
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->delivery.version, 1);
  EXPECT_EQ(adapters::json::EncodeStoredDelivery(created->delivery),
            adapters::json::EncodeStoredDelivery(d));

  StoredDelivery other = d;  // same key, different content: the stored one wins
  other.rule = "another-rule";
  auto again = api.CreateDelivery(other);
  ASSERT_TRUE(again.has_value()) << Why(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->delivery.version, 1);
  EXPECT_EQ(again->delivery.rule, "pages");

  const std::string key = d.record.idempotency_key;
  auto due = api.ListDueDeliveries(kT0, 1000);
  ASSERT_TRUE(due.has_value()) << Why(due);
  EXPECT_TRUE(HasKey(*due, key));
  auto before = api.ListDueDeliveries(kT0 - Duration(1), 1000);
  ASSERT_TRUE(before.has_value()) << Why(before);
  EXPECT_FALSE(HasKey(*before, key));

  // Claim: written before the provider is called.
  const Timestamp claim_at = kT0 + Duration(10);
  auto claimed = api.PutDelivery(Claimed(created->delivery, claim_at, "notifier-a"), 1);
  ASSERT_TRUE(claimed.has_value()) << Why(claimed);
  EXPECT_EQ(claimed->version, 2);
  EXPECT_EQ(claimed->sending_since, claim_at);
  auto lost = api.PutDelivery(Claimed(created->delivery, claim_at, "notifier-b"), 1);
  ASSERT_FALSE(lost.has_value());
  EXPECT_EQ(lost.error().code, ErrorCode::kConflict) << lost.error().message;
  auto while_claimed = api.ListDueDeliveries(claim_at + Duration(1'000), 1000);
  ASSERT_TRUE(while_claimed.has_value()) << Why(while_claimed);
  EXPECT_FALSE(HasKey(*while_claimed, key));
  auto lease_over = api.ListDueDeliveries(claim_at + kLease, 1000);
  ASSERT_TRUE(lease_over.has_value()) << Why(lease_over);
  ASSERT_TRUE(HasKey(*lease_over, key));
  for (const auto& x : *lease_over)
    if (x.record.idempotency_key == key) {
      EXPECT_EQ(x.sending_by, "notifier-a");
      EXPECT_EQ(x.version, 2);
    }

  // Attempt 1: 429 with Retry-After; attempt 2 (after a new claim): delivered.
  auto retrying =
      api.PutDelivery(Attempted(*claimed, 429, ResponseClass::kRateLimited, "429 retry-after 30s",
                                claim_at + Duration(200), Duration(30'000)),
                      2);
  ASSERT_TRUE(retrying.has_value()) << Why(retrying);
  EXPECT_EQ(retrying->version, 3);
  EXPECT_EQ(retrying->record.state, DeliveryState::kRetrying);
  EXPECT_EQ(retrying->record.attempts, 1);
  auto reclaimed = api.PutDelivery(Claimed(*retrying, kT0 + Duration(31'000), "notifier-a"), 3);
  ASSERT_TRUE(reclaimed.has_value()) << Why(reclaimed);
  StoredDelivery done =
      Attempted(*reclaimed, 204, ResponseClass::kOk, "204 ok", kT0 + Duration(31'300));
  done.record.external_ref = "msg-77";
  auto delivered = api.PutDelivery(done, 4);
  ASSERT_TRUE(delivered.has_value()) << Why(delivered);
  EXPECT_EQ(delivered->version, 5);
  EXPECT_EQ(delivered->record.state, DeliveryState::kDelivered);

  // Terminal: refused even with the current version; no longer due.
  auto rewrite = api.PutDelivery(Claimed(*delivered, kT0 + Duration(40'000), "notifier-b"), 5);
  ASSERT_FALSE(rewrite.has_value());
  EXPECT_EQ(rewrite.error().code, ErrorCode::kConflict) << rewrite.error().message;
  auto http = h_->Call("PUT", "/api/v1/deliveries/" + key,
                       adapters::json::EncodeDeliveryPut(*delivered, 5), h_->service_token);
  EXPECT_EQ(http.status, 409) << http.body;
  EXPECT_EQ(Body(http)["error"]["code"], "conflict");
  auto after = api.ListDueDeliveries(kT0 + std::chrono::hours(48), 1000);
  ASSERT_TRUE(after.has_value()) << Why(after);
  EXPECT_FALSE(HasKey(*after, key));

  StoredDelivery unknown = NewStored(Event("dl-evt-absent", "dl-1"), "webhook", kT0);
  auto missing = api.PutDelivery(unknown, 1);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << missing.error().message;

  // POST answers 201 for a new record and 200 for an existing one.
  const StoredDelivery fresh = NewStored(Event("dl-evt-2", "dl-1"), "webhook", kT0);
  const std::string body = adapters::json::EncodeStoredDelivery(fresh);
  EXPECT_EQ(h_->Call("POST", "/api/v1/deliveries", body, h_->service_token).status, 201);
  auto existing = h_->Call("POST", "/api/v1/deliveries", body, h_->admin_token);
  EXPECT_EQ(existing.status, 200) << existing.body;
  EXPECT_EQ(Body(existing)["version"], 1);

  // Writes that would corrupt the record are refused.
  StoredDelivery moved = fresh;
  moved.record.channel = "sms";
  auto moved_r = api.PutDelivery(moved, 1);
  ASSERT_FALSE(moved_r.has_value());
  EXPECT_EQ(moved_r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(moved_r.error().message.find("delivery.channel: cannot be changed"), std::string::npos)
      << moved_r.error().message;
  StoredDelivery silent = fresh;
  silent.record.attempts = 1;  // an attempt without its response
  auto silent_r = api.PutDelivery(silent, 1);
  ASSERT_FALSE(silent_r.has_value());
  EXPECT_NE(silent_r.error().message.find("delivery.last_response: required"), std::string::npos)
      << silent_r.error().message;
}

// Verifies the viewer's "why" view: for an event, every rule's verdict and the reason; per
// target the dedup decision (a skip with its detail), the delivery ("sending" while claimed,
// then its state) with the attempts in order and the external ref; the filters event_id,
// asset_key (newest first, paged) and channel; a redelivery's skip_duplicate_event keeps the
// first decision.
TEST_F(NotificationsApiE2e, ViewerSeesWhyWithEveryFilter) {
  auto api = Platform(h_->service_token);
  const NotifyEvent e1 = Event("wv-evt-1", "wv-1");
  StoredDelivery slack = NewStored(e1, "slack-ops", kT0);
  StoredDelivery hook = NewStored(e1, "webhook", kT0);
  auto slack_c = api.CreateDelivery(slack);
  auto hook_c = api.CreateDelivery(hook);
  ASSERT_TRUE(slack_c.has_value() && hook_c.has_value()) << Why(slack_c) << Why(hook_c);

  RoutingRecord r1;
  r1.event_id = e1.event_id;
  r1.event_type = e1.event_type;
  r1.asset_key = e1.asset_key;
  r1.problem_key = e1.problem_key;
  r1.decided_at = kT0;
  r1.decision.verdicts = {
      {.rule = "pages", .evaluated = true, .matched = true, .reason = "matched"},
      {.rule = "tickets",
       .evaluated = true,
       .matched = false,
       .reason = "severity high < min critical"}};
  r1.decision.matched_rules = {"pages"};
  r1.decision.targets = {
      {.channel = "slack-ops", .rule = "pages", .repeat_interval = std::chrono::hours(4)},
      {.channel = "sms", .rule = "pages", .repeat_interval = std::chrono::hours(4)},
      {.channel = "webhook", .rule = "pages", .repeat_interval = std::chrono::hours(4)}};
  r1.decision.reason = "matched rules: pages";
  r1.targets = {{.channel = "slack-ops",
                 .rule = "pages",
                 .send = true,
                 .reason = "new_problem",
                 .detail = "first message for wv-1/posture",
                 .idempotency_key = slack.record.idempotency_key},
                {.channel = "sms",
                 .rule = "pages",
                 .send = false,
                 .reason = "skip_unchanged",
                 .detail = "unchanged; next repeat at 2025-11-28T23:30:00.000Z"},
                {.channel = "webhook",
                 .rule = "pages",
                 .send = true,
                 .reason = "new_problem",
                 .detail = "first message for wv-1/posture",
                 .idempotency_key = hook.record.idempotency_key}};
  auto routed = api.RecordRouting(r1);
  ASSERT_TRUE(routed.has_value()) << Why(routed);

  // Slack is being sent; the webhook had a 503 then a 2xx.
  auto slack_claim =
      api.PutDelivery(Claimed(slack_c->delivery, kT0 + Duration(5), "notifier-a"), 1);
  ASSERT_TRUE(slack_claim.has_value()) << Why(slack_claim);
  auto h1 = api.PutDelivery(Claimed(hook_c->delivery, kT0 + Duration(5), "notifier-a"), 1);
  ASSERT_TRUE(h1.has_value()) << Why(h1);
  auto h2 = api.PutDelivery(
      Attempted(*h1, 503, ResponseClass::kServerError, "503 server error", kT0 + Duration(100)), 2);
  ASSERT_TRUE(h2.has_value()) << Why(h2);
  auto h3 = api.PutDelivery(Claimed(*h2, kT0 + Duration(1'200), "notifier-b"), 3);
  ASSERT_TRUE(h3.has_value()) << Why(h3);
  StoredDelivery ok = Attempted(*h3, 200, ResponseClass::kOk, "200 ok", kT0 + Duration(1'300));
  ok.record.external_ref = "whmsg-9";
  auto h4 = api.PutDelivery(ok, 4);
  ASSERT_TRUE(h4.has_value()) << Why(h4);

  // A second event on the asset that no rule matched.
  RoutingRecord r2;
  r2.event_id = "wv-evt-2";
  r2.event_type = "posture.changed";
  r2.asset_key = "wv-1";
  r2.problem_key = "wv-1/posture";
  r2.decided_at = kT0 + Duration(60'000);
  r2.decision.verdicts = {
      {.rule = "pages", .evaluated = true, .matched = false, .reason = "severity low < min high"}};
  r2.decision.reason = "no rule matched";
  ASSERT_TRUE(api.RecordRouting(r2).has_value());

  json by_event = View("?event_id=wv-evt-1");
  ASSERT_EQ(by_event["items"].size(), 1u) << by_event.dump();
  const json& item = by_event["items"][0];
  EXPECT_EQ(item["routed"], true);
  EXPECT_EQ(item["reason"], "matched rules: pages");
  ASSERT_EQ(item["rules"].size(), 2u);
  EXPECT_EQ(item["rules"][1]["rule"], "tickets");
  EXPECT_EQ(item["rules"][1]["reason"], "severity high < min critical");
  ASSERT_EQ(item["targets"].size(), 3u);
  const json& t_slack = item["targets"][0];
  EXPECT_EQ(t_slack["reason"], "new_problem");
  EXPECT_EQ(t_slack["delivery"]["state"], "sending");
  EXPECT_EQ(t_slack["delivery"]["sending_by"], "notifier-a");
  EXPECT_TRUE(t_slack["delivery"]["attempts"].empty());
  const json& t_sms = item["targets"][1];
  EXPECT_EQ(t_sms["send"], false);
  EXPECT_EQ(t_sms["reason"], "skip_unchanged");
  EXPECT_EQ(t_sms["detail"], "unchanged; next repeat at 2025-11-28T23:30:00.000Z");
  EXPECT_TRUE(t_sms["delivery"].is_null());
  const json& t_hook = item["targets"][2];
  EXPECT_EQ(t_hook["delivery"]["state"], "delivered");
  EXPECT_EQ(t_hook["delivery"]["external_ref"], "whmsg-9");
  EXPECT_EQ(t_hook["delivery"]["attempt_count"], 2);
  ASSERT_EQ(t_hook["delivery"]["attempts"].size(), 2u) << t_hook.dump();
  EXPECT_EQ(t_hook["delivery"]["attempts"][0]["attempt"], 1);
  EXPECT_EQ(t_hook["delivery"]["attempts"][0]["status"], 503);
  EXPECT_EQ(t_hook["delivery"]["attempts"][0]["class"], "server_error");
  EXPECT_EQ(t_hook["delivery"]["attempts"][0]["at"], "2025-11-28T19:30:00.100Z");
  EXPECT_EQ(t_hook["delivery"]["attempts"][1]["class"], "ok");

  json by_asset = View("?asset_key=wv-1");
  ASSERT_EQ(by_asset["items"].size(), 2u) << by_asset.dump();
  EXPECT_EQ(by_asset["items"][0]["event_id"], "wv-evt-2");  // newest first
  EXPECT_EQ(by_asset["items"][0]["routed"], false);
  EXPECT_EQ(by_asset["items"][0]["reason"], "no rule matched");
  EXPECT_EQ(by_asset["items"][0]["rules"][0]["reason"], "severity low < min high");
  EXPECT_EQ(by_asset["items"][1]["event_id"], "wv-evt-1");

  json page1 = View("?asset_key=wv-1&limit=1");
  ASSERT_EQ(page1["items"].size(), 1u);
  ASSERT_TRUE(page1["next_cursor"].is_string()) << page1.dump();
  json page2 = View("?asset_key=wv-1&limit=1&cursor=" + page1["next_cursor"].get<std::string>());
  ASSERT_EQ(page2["items"].size(), 1u);
  EXPECT_EQ(page2["items"][0]["event_id"], "wv-evt-1");

  json by_channel = View("?asset_key=wv-1&channel=webhook");
  ASSERT_EQ(by_channel["items"].size(), 1u) << by_channel.dump();  // wv-evt-2 targeted nothing
  ASSERT_EQ(by_channel["items"][0]["targets"].size(), 1u);
  EXPECT_EQ(by_channel["items"][0]["targets"][0]["channel"], "webhook");
  EXPECT_TRUE(View("?event_id=wv-evt-1&channel=jira")["items"].empty());
  EXPECT_TRUE(View("?event_id=wv-absent")["items"].empty());

  // The redelivery: every target skip_duplicate_event; the first decisions stay.
  RoutingRecord again = r1;
  again.decided_at = kT0 + Duration(120'000);
  again.decision.reason = "matched rules: pages (redelivered)";
  for (auto& t : again.targets) {
    t.send = false;
    t.reason = "skip_duplicate_event";
    t.detail = "event already in the log";
    t.idempotency_key.clear();
  }
  again.targets[1].reason = "skip_unchanged";  // not a duplicate skip: replaces
  again.targets[1].detail = "unchanged (second look)";
  ASSERT_TRUE(api.RecordRouting(again).has_value());
  json merged = View("?event_id=wv-evt-1");
  ASSERT_EQ(merged["items"].size(), 1u);
  EXPECT_EQ(merged["items"][0]["reason"], "matched rules: pages (redelivered)");
  EXPECT_EQ(merged["items"][0]["targets"][0]["reason"], "new_problem");
  EXPECT_EQ(merged["items"][0]["targets"][0]["delivery"]["state"], "sending");
  EXPECT_EQ(merged["items"][0]["targets"][1]["detail"], "unchanged (second look)");
  EXPECT_EQ(merged["items"][0]["targets"][2]["delivery"]["state"], "delivered");

  auto bad = h_->Call("GET", "/api/v1/notifications?colour=red", "", h_->viewer_token);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(h_->Call("GET", "/api/v1/notifications?limit=201", "", h_->viewer_token).status, 400);
  EXPECT_EQ(h_->Call("GET", "/api/v1/notifications?cursor=zz", "", h_->viewer_token).status, 400);
}

// Verifies channel health: set failing and recovered through the gateway, listed by name for a
// viewer; the change of `failing` is audited with the service actor.
TEST_F(NotificationsApiE2e, ChannelHealthIsListedAndAudited) {
  auto api = Platform(h_->service_token);
  ASSERT_TRUE(api.SetChannelHealth({.channel = "ch-jira",
                                    .failing = true,
                                    .reason = "404 client error; jira said: project missing",
                                    .since = kT0})
                  .has_value());
  ASSERT_TRUE(api.SetChannelHealth(
                     {.channel = "ch-slack", .failing = false, .reason = "delivered", .since = kT0})
                  .has_value());
  auto list = h_->Call("GET", "/api/v1/notifications/channels", "", h_->viewer_token);
  ASSERT_EQ(list.status, 200) << list.body;
  json l = Body(list);
  std::vector<std::string> names;
  for (const auto& c : l["items"]) {
    if (c["channel"].get<std::string>().rfind("ch-", 0) != 0) continue;
    names.push_back(c["channel"]);
    if (c["channel"] == "ch-jira") {
      EXPECT_EQ(c["failing"], true);
      EXPECT_EQ(c["reason"], "404 client error; jira said: project missing");
      EXPECT_EQ(c["since"], "2025-11-28T19:30:00.000Z");
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ch-jira", "ch-slack"}));

  ASSERT_TRUE(api.SetChannelHealth({.channel = "ch-jira",
                                    .failing = false,
                                    .reason = "delivered",
                                    .since = kT0 + Duration(60'000)})
                  .has_value());
  auto l2 = Body(h_->Call("GET", "/api/v1/notifications/channels", "", h_->viewer_token));
  bool recovered = false;
  for (const auto& c : l2["items"]) {
    if (c["channel"] == "ch-jira") recovered = c["failing"] == false;
  }
  EXPECT_TRUE(recovered) << l2.dump();

  auto audit = h_->Call("GET", "/api/v1/audit?limit=1000", "", h_->admin_token);
  ASSERT_EQ(audit.status, 200) << audit.body;
  int jira_rows = 0;
  const json audit_body = Body(audit);
  for (const auto& a : audit_body["items"]) {
    if (a["target"] != "notify_channel:ch-jira") continue;
    ++jira_rows;
    EXPECT_EQ(a["action"], "notify.channel_health");
    EXPECT_NE(a["actor"].get<std::string>().find("e2e-service"), std::string::npos) << a.dump();
  }
  EXPECT_EQ(jira_rows, 2);  // failing, then recovered
}

// Verifies viewers and analysts cannot write (403, nothing stored) nor read the notifier's
// state routes, while they can read the view and the channels.
TEST_F(NotificationsApiE2e, OnlyServiceAndAdminWrite) {
  const NotifyEvent e = Event("rb-evt-1", "rb-1");
  const StoredDelivery d = NewStored(e, "webhook", kT0);
  NotifyLogRecord log;
  log.entry = {.channel = "webhook", .problem_key = "rb-1/posture", .last_event_id = "rb-evt-1"};
  log.last_event = e;
  RoutingRecord routing{.event_id = "rb-evt-1", .asset_key = "rb-1", .decided_at = kT0};
  struct Write {
    std::string method, path, body;
  };
  const std::vector<Write> writes = {
      {"POST", "/api/v1/deliveries", adapters::json::EncodeStoredDelivery(d)},
      {"PUT", "/api/v1/deliveries/" + d.record.idempotency_key,
       adapters::json::EncodeDeliveryPut(d, 1)},
      {"PUT", "/api/v1/notify-log/webhook/rb-1%2Fposture",
       adapters::json::EncodeNotifyLogPut(log, 0)},
      {"PUT", "/api/v1/notifications/rb-evt-1/routing",
       adapters::json::EncodeRoutingRecord(routing)},
      {"PUT", "/api/v1/notifications/channels/rb-chan",
       adapters::json::EncodeChannelHealth({.channel = "rb-chan", .failing = true, .since = kT0})},
      {"GET", "/api/v1/notify-log/webhook/rb-1%2Fposture", ""},
      {"GET", "/api/v1/notify-log-due", ""},
      {"GET", "/api/v1/deliveries-due", ""},
  };
  for (const std::string& token : {h_->viewer_token, h_->analyst_token}) {
    for (const Write& w : writes) {
      auto r = h_->Call(w.method, w.path, w.body, token);
      EXPECT_EQ(r.status, 403) << w.method << " " << w.path << ": " << r.body;
      EXPECT_EQ(Body(r)["error"]["code"], "permission_denied");
    }
  }
  auto viewer_platform = Platform(h_->viewer_token);
  auto denied = viewer_platform.CreateDelivery(d);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);

  auto api = Platform(h_->service_token);
  auto stored_log = api.GetNotifyLog("webhook", "rb-1/posture");
  ASSERT_TRUE(stored_log.has_value()) << Why(stored_log);
  EXPECT_FALSE(stored_log->has_value());
  auto due = api.ListDueDeliveries(kT0 + std::chrono::hours(1), 1000);
  ASSERT_TRUE(due.has_value()) << Why(due);
  EXPECT_FALSE(HasKey(*due, d.record.idempotency_key));
  EXPECT_TRUE(View("?event_id=rb-evt-1")["items"].empty());
  auto channels = Body(h_->Call("GET", "/api/v1/notifications/channels", "", h_->viewer_token));
  for (const auto& c : channels["items"]) EXPECT_NE(c["channel"], "rb-chan");

  // An admin may write (operators repairing state).
  auto admin = Platform(h_->admin_token);
  auto by_admin = admin.SetChannelHealth({.channel = "rb-admin", .reason = "reset", .since = kT0});
  EXPECT_TRUE(by_admin.has_value()) << Why(by_admin);
}

// Verifies bad bodies and parameters are 4xx with the field in the message, and write nothing.
TEST_F(NotificationsApiE2e, MalformedInputIs4xxNamingTheField) {
  const StoredDelivery d = NewStored(Event("mb-evt-1", "mb-1"), "webhook", kT0);
  const json good = json::parse(adapters::json::EncodeStoredDelivery(d));
  auto edit = [&good](auto f) {
    json j = good;
    f(j);
    return j.dump();
  };
  struct Case {
    std::string method, path, body;
    int status;
    std::string message_prefix;
  };
  NotifyLogRecord log;
  log.entry = {.channel = "webhook", .problem_key = "mb-1/posture"};
  const std::vector<Case> cases = {
      {"POST", "/api/v1/deliveries", "", 400, "body: must not be empty"},
      {"POST", "/api/v1/deliveries", "{\"idempotency_key\":", 400, "body: invalid JSON"},
      {"POST", "/api/v1/deliveries", edit([](json& j) { j["colour"] = 1; }), 400,
       "colour: unknown field"},
      {"POST", "/api/v1/deliveries", edit([](json& j) { j["state"] = "sending"; }), 400,
       "state: must be one of pending, retrying"},
      {"POST", "/api/v1/deliveries", edit([](json& j) { j["event"]["severity"] = "huge"; }), 400,
       "event.severity: must be one of"},
      {"POST", "/api/v1/deliveries", edit([](json& j) { j["idempotency_key"] = ""; }), 400,
       "idempotency_key: must not be empty"},
      {"POST", "/api/v1/deliveries", edit([](json& j) { j["channel"] = ""; }), 400,
       "channel: must not be empty"},
      {"POST", "/api/v1/deliveries",
       edit([](json& j) { j["event"]["summary"] = std::string(9000, 's'); }), 400,
       "event.summary: must be at most 8192 bytes"},
      {"PUT", "/api/v1/notify-log/webhook/mb-1%2Fposture",
       adapters::json::EncodeNotifyLogRecord(log), 400, "channel: unknown field"},
      {"PUT", "/api/v1/notify-log/webhook/mb-1%2Fposture",
       R"({"record":)" + adapters::json::EncodeNotifyLogRecord(log) + "}", 400,
       "expected_version: required"},
      {"PUT", "/api/v1/notify-log/webhook/other%2Fposture",
       adapters::json::EncodeNotifyLogPut(log, 0), 400,
       "record.problem_key: must be empty or 'other/posture'"},
      {"PUT", "/api/v1/notify-log/webhook/mb-1%zzposture",
       adapters::json::EncodeNotifyLogPut(log, 0), 400, "problem_key: "},
      {"PUT", "/api/v1/notifications/mb-evt-1/routing",
       adapters::json::EncodeRoutingRecord({.event_id = "mb-evt-other"}), 400,
       "event_id: must be empty or 'mb-evt-1'"},
      {"PUT", "/api/v1/notifications/channels/mb-chan",
       R"({"channel":"mb-chan","failing":"yes","reason":"","since":"2025-11-28T19:30:00Z"})", 400,
       "failing: must be a boolean"},
      {"GET", "/api/v1/deliveries-due?now=noon", "", 400, "now: "},
      {"GET", "/api/v1/deliveries-due?limit=0", "", 400, "limit: must be an integer between 1"},
      {"GET", "/api/v1/notify-log-due?limit=5000", "", 400, "limit: must be an integer between 1"},
      {"POST", "/api/v1/deliveries", std::string(2 << 20, ' '), 413, ""},
  };
  for (const Case& c : cases) {
    auto r = h_->Call(c.method, c.path, c.body, h_->service_token,
                      {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << ": " << r.body;
    const json b = Body(r);
    ASSERT_TRUE(b.contains("error")) << r.body;
    std::string message = b["error"]["message"].get<std::string>();
    EXPECT_EQ(message.rfind(c.message_prefix, 0), 0u)
        << "want prefix '" << c.message_prefix << "', got: " << message;
  }
  auto wrong_type = h_->Call("POST", "/api/v1/deliveries", good.dump(), h_->service_token,
                             {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415);
  auto api = Platform(h_->service_token);
  auto nothing = api.GetNotifyLog("webhook", "other/posture");
  ASSERT_TRUE(nothing.has_value()) << Why(nothing);
  EXPECT_FALSE(nothing->has_value());
  auto due = api.ListDueDeliveries(kT0 + std::chrono::hours(1), 1000);
  ASSERT_TRUE(due.has_value()) << Why(due);
  EXPECT_FALSE(HasKey(*due, d.record.idempotency_key));
}

// Verifies that what a viewer reads carries none of the event's text (summary, details, link:
// where a token or a webhook URL could end up) and no rendered payload, while the service
// routes give the notifier its event back.
TEST_F(NotificationsApiE2e, ViewCarriesNoEventTextOrPayload) {
  auto api = Platform(h_->service_token);
  const NotifyEvent e = Event("sx-evt-1", "sx-1");
  StoredDelivery d = NewStored(e, "slack-ops", kT0);
  auto c = api.CreateDelivery(d);
  ASSERT_TRUE(c.has_value()) << Why(c);
  auto claimed = api.PutDelivery(Claimed(c->delivery, kT0, "notifier-a"), 1);
  ASSERT_TRUE(claimed.has_value()) << Why(claimed);
  ASSERT_TRUE(api.PutDelivery(Attempted(*claimed, 500, ResponseClass::kServerError,
                                        "500 server error", kT0 + Duration(50)),
                              2)
                  .has_value());
  RoutingRecord r{.event_id = e.event_id,
                  .event_type = e.event_type,
                  .asset_key = e.asset_key,
                  .problem_key = e.problem_key,
                  .decided_at = kT0};
  r.decision.verdicts = {{.rule = "pages", .matched = true, .reason = "matched"}};
  r.decision.matched_rules = {"pages"};
  r.decision.reason = "matched rules: pages";
  r.targets = {{.channel = "slack-ops",
                .rule = "pages",
                .send = true,
                .reason = "new_problem",
                .idempotency_key = d.record.idempotency_key}};
  ASSERT_TRUE(api.RecordRouting(r).has_value());

  for (const std::string query : {"?event_id=sx-evt-1", "?asset_key=sx-1", "?channel=slack-ops"}) {
    auto v = h_->Call("GET", "/api/v1/notifications" + query, "", h_->viewer_token);
    ASSERT_EQ(v.status, 200) << v.body;
    EXPECT_NE(v.body.find("sx-evt-1"), std::string::npos) << query;
    for (const char* leak : {"SECRET", "xoxb", "hooks.example", "summary", "details", "\"event\"",
                             "payload", "text"}) {
      EXPECT_EQ(v.body.find(leak), std::string::npos) << query << ": " << leak << " in " << v.body;
    }
  }
  auto due = api.ListDueDeliveries(kT0 + std::chrono::hours(1), 1000);
  ASSERT_TRUE(due.has_value()) << Why(due);
  bool found = false;
  for (const auto& x : *due) {
    if (x.record.idempotency_key != d.record.idempotency_key) continue;
    found = true;
    EXPECT_EQ(x.event.summary, e.summary);  // the notifier renders from it
    EXPECT_EQ(x.record.attempts, 1);
  }
  EXPECT_TRUE(found);
}

// Verifies the gateway's error mapping when the API cannot be reached: kUnavailable for every
// method, so the notifier retries later.
TEST_F(NotificationsApiE2e, UnreachableApiIsUnavailable) {
  adapters::api_client::HttpPlatform down(
      {.base_url = "http://127.0.0.1:1", .token = h_->service_token, .timeout = Duration(2'000)});
  const StoredDelivery d = NewStored(Event("un-evt-1", "un-1"), "webhook", kT0);
  NotifyLogRecord log;
  log.entry = {.channel = "webhook", .problem_key = "un-1/posture"};
  std::vector<Error> errors;
  auto collect = [&errors](const auto& r) {
    if (!r.has_value()) errors.push_back(r.error());
  };
  collect(down.GetNotifyLog("webhook", "un-1/posture"));
  collect(down.PutNotifyLog(log, 0));
  collect(down.ListRepeatDue(kT0, 10));
  collect(down.CreateDelivery(d));
  collect(down.PutDelivery(d, 1));
  collect(down.ListDueDeliveries(kT0, 10));
  collect(down.RecordRouting({.event_id = "un-evt-1"}));
  collect(down.SetChannelHealth({.channel = "webhook"}));
  ASSERT_EQ(errors.size(), 8u);
  for (const Error& e : errors) {
    EXPECT_EQ(e.code, ErrorCode::kUnavailable) << e.message;
    EXPECT_EQ(e.message.find(h_->service_token), std::string::npos);
  }
  auto empty = Platform(h_->service_token).GetNotifyLog("", "x");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
}

// Verifies the notifier's batch routes through HttpPlatform: PUT /api/v1/deliveries/batch
// claims and records per item (a stale version, a terminal delivery and an unknown key are that
// item's error, the others stored); POST /api/v1/notify-log/batch-get answers each key in order;
// POST /api/v1/notifications/batch stores each event all or nothing (a lost compare-and-set
// keeps none of that event's rows, the events around it are stored) and keeps the first
// decision of a redelivered event.
TEST_F(NotificationsApiE2e, BatchRoutesStorePerItemAndPerEvent) {
  auto api = Platform(h_->service_token);
  // Two deliveries to claim and record, one terminal, one unknown.
  const StoredDelivery a = NewStored(Event("bt-evt-a", "bt-1"), "webhook", kT0);
  const StoredDelivery b = NewStored(Event("bt-evt-b", "bt-2"), "webhook", kT0);
  const StoredDelivery c = NewStored(Event("bt-evt-c", "bt-3"), "webhook", kT0);
  for (const StoredDelivery* d : {&a, &b, &c}) {
    auto created = api.CreateDelivery(*d);
    ASSERT_TRUE(created.has_value()) << Why(created);
  }
  auto c_claim = api.PutDelivery(Claimed(c, kT0, "n"), 1);
  ASSERT_TRUE(c_claim.has_value()) << Why(c_claim);
  auto c_done = api.PutDelivery(Attempted(*c_claim, 200, ResponseClass::kOk, "200 ok", kT0), 2);
  ASSERT_TRUE(c_done.has_value()) << Why(c_done);
  const StoredDelivery ghost = NewStored(Event("bt-evt-ghost", "bt-1"), "webhook", kT0);
  std::vector<ports::platform::DeliveryPut> claims = {
      {.delivery = Claimed(a, kT0 + Duration(1), "n1"), .expected_version = 1},
      {.delivery = Claimed(b, kT0 + Duration(1), "n1"), .expected_version = 7},
      {.delivery = Claimed(*c_done, kT0 + Duration(1), "n1"), .expected_version = 3},
      {.delivery = Claimed(ghost, kT0 + Duration(1), "n1"), .expected_version = 1},
  };
  auto claimed = api.PutDeliveries(claims);
  ASSERT_TRUE(claimed.has_value()) << Why(claimed);
  ASSERT_EQ(claimed->size(), 4u);
  ASSERT_TRUE((*claimed)[0].has_value()) << Why((*claimed)[0]);
  EXPECT_EQ((*claimed)[0]->version, 2);
  EXPECT_EQ((*claimed)[0]->sending_by, "n1");
  ASSERT_FALSE((*claimed)[1].has_value());
  EXPECT_EQ((*claimed)[1].error().code, ErrorCode::kConflict);
  ASSERT_FALSE((*claimed)[2].has_value());
  EXPECT_EQ((*claimed)[2].error().code, ErrorCode::kConflict);
  ASSERT_FALSE((*claimed)[3].has_value());
  EXPECT_EQ((*claimed)[3].error().code, ErrorCode::kNotFound);
  // Record the attempt of the claimed one: appended to its history, as PUT does.
  std::vector<ports::platform::DeliveryPut> results = {
      {.delivery = Attempted(*(*claimed)[0], 204, ResponseClass::kOk, "204 ok", kT0 + Duration(2)),
       .expected_version = 2}};
  auto recorded = api.PutDeliveries(results);
  ASSERT_TRUE(recorded.has_value()) << Why(recorded);
  ASSERT_TRUE((*recorded)[0].has_value()) << Why((*recorded)[0]);
  EXPECT_EQ((*recorded)[0]->version, 3);
  EXPECT_EQ((*recorded)[0]->record.state, DeliveryState::kDelivered);
  auto due = api.ListDueDeliveries(kT0 + std::chrono::hours(1), 1000);
  ASSERT_TRUE(due.has_value()) << Why(due);
  EXPECT_FALSE(HasKey(*due, a.record.idempotency_key));
  EXPECT_TRUE(HasKey(*due, b.record.idempotency_key));

  // Events: two of one problem key (the second continues from the first's version), one whose
  // compare-and-set is stale.
  const NotifyEvent e1 = Event("bt-evt-1", "bt-9");
  NotifyEvent e2 = Event("bt-evt-2", "bt-9");
  e2.status = ProblemStatus::kResolved;
  const NotifyEvent e3 = Event("bt-evt-3", "bt-8");
  auto log_of = [](const NotifyEvent& e, ProblemStatus st) {
    NotifyLogRecord r;
    r.entry = {.channel = "webhook",
               .problem_key = e.problem_key,
               .last_status = st,
               .last_event_id = e.event_id,
               .last_sent_at = kT0};
    r.last_event = e;
    return r;
  };
  auto routing_of = [](const NotifyEvent& e, const std::string& reason, const std::string& key) {
    return RoutingRecord{.event_id = e.event_id,
                         .event_type = e.event_type,
                         .asset_key = e.asset_key,
                         .problem_key = e.problem_key,
                         .decided_at = kT0,
                         .targets = {{.channel = "webhook",
                                      .rule = "pages",
                                      .send = !key.empty(),
                                      .reason = reason,
                                      .idempotency_key = key}}};
  };
  const StoredDelivery d1 = NewStored(e1, "webhook", kT0);
  const StoredDelivery d2 = NewStored(e2, "webhook", kT0);
  const StoredDelivery d3 = NewStored(e3, "webhook", kT0);
  std::vector<ports::platform::EventNotifications> events = {
      {.deliveries = {d1},
       .logs = {{.record = log_of(e1, ProblemStatus::kFiring), .expected_version = 0}},
       .routing = routing_of(e1, "new_problem", d1.record.idempotency_key)},
      {.deliveries = {d2},
       .logs = {{.record = log_of(e2, ProblemStatus::kResolved), .expected_version = 1}},
       .routing = routing_of(e2, "resolved", d2.record.idempotency_key)},
      {.deliveries = {d3},
       .logs = {{.record = log_of(e3, ProblemStatus::kFiring), .expected_version = 4}},
       .routing = routing_of(e3, "new_problem", d3.record.idempotency_key)},
  };
  auto stored = api.RecordEventNotifications(events);
  ASSERT_TRUE(stored.has_value()) << Why(stored);
  ASSERT_EQ(stored->size(), 3u);
  ASSERT_TRUE((*stored)[0].has_value()) << Why((*stored)[0]);
  ASSERT_EQ((*stored)[0]->deliveries.size(), 1u);
  EXPECT_TRUE((*stored)[0]->deliveries[0].created);
  EXPECT_EQ((*stored)[0]->deliveries[0].delivery.version, 1);
  ASSERT_EQ((*stored)[0]->logs.size(), 1u);
  EXPECT_EQ((*stored)[0]->logs[0].version, 1);
  ASSERT_TRUE((*stored)[1].has_value()) << Why((*stored)[1]);
  EXPECT_EQ((*stored)[1]->logs[0].version, 2);
  ASSERT_FALSE((*stored)[2].has_value());
  EXPECT_EQ((*stored)[2].error().code, ErrorCode::kConflict);

  std::vector<ports::platform::NotifyLogKey> keys = {
      {"webhook", "bt-8/posture"}, {"webhook", "bt-9/posture"}, {"webhook", "bt-9/posture"}};
  auto logs = api.GetNotifyLogs(keys);
  ASSERT_TRUE(logs.has_value()) << Why(logs);
  ASSERT_EQ(logs->size(), 3u);
  EXPECT_FALSE((*logs)[0].has_value());  // nothing of the lost event
  ASSERT_TRUE((*logs)[1].has_value());
  EXPECT_EQ((*logs)[1]->version, 2);
  EXPECT_EQ((*logs)[1]->entry.last_event_id, "bt-evt-2");
  EXPECT_EQ((*logs)[2]->version, 2);
  auto lost_delivery = api.PutDelivery(d3, 1);
  ASSERT_FALSE(lost_delivery.has_value());
  EXPECT_EQ(lost_delivery.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(View("?event_id=bt-evt-3")["items"].empty());
  json v1 = View("?event_id=bt-evt-1");
  ASSERT_EQ(v1["items"].size(), 1u);
  EXPECT_EQ(v1["items"][0]["targets"][0]["reason"], "new_problem");

  // A redelivery of event 1: its delivery exists (created = false), and the routing keeps the
  // first decision for a skip_duplicate_event target.
  std::vector<ports::platform::EventNotifications> again = {
      {.deliveries = {d1}, .logs = {}, .routing = routing_of(e1, "skip_duplicate_event", "")}};
  auto redelivered = api.RecordEventNotifications(again);
  ASSERT_TRUE(redelivered.has_value()) << Why(redelivered);
  ASSERT_TRUE((*redelivered)[0].has_value()) << Why((*redelivered)[0]);
  EXPECT_FALSE((*redelivered)[0]->deliveries[0].created);
  EXPECT_EQ(View("?event_id=bt-evt-1")["items"][0]["targets"][0]["reason"], "new_problem");
}

// Verifies the batch routes are the service's (and an admin's) only, refuse malformed items with
// 400 naming the field and more than 1000 items with 400, and write nothing then.
TEST_F(NotificationsApiE2e, BatchRoutesCheckRoleAndInput) {
  const StoredDelivery d = NewStored(Event("bv-evt-1", "bv-1"), "webhook", kT0);
  const std::string put_item = adapters::json::EncodeDeliveryPut(d, 1);
  const std::string put_body = "{\"items\":[" + put_item + "]}";
  const std::string get_body = R"({"keys":[{"channel":"webhook","problem_key":"bv-1/posture"}]})";
  ports::platform::EventNotifications ev{.deliveries = {d},
                                         .routing = {.event_id = "bv-evt-1", .asset_key = "bv-1"}};
  const std::string ev_item = adapters::json::EncodeEventNotificationsItem(ev);
  const std::string ev_body = "{\"events\":[" + ev_item + "]}";
  const std::string ev_small = adapters::json::EncodeEventNotificationsItem(
      {.routing = {.event_id = "bv-evt-small", .asset_key = "bv-1"}});
  struct Route {
    std::string method, path, body;
  };
  const std::vector<Route> routes = {{"PUT", "/api/v1/deliveries/batch", put_body},
                                     {"POST", "/api/v1/notify-log/batch-get", get_body},
                                     {"POST", "/api/v1/notifications/batch", ev_body}};
  for (const std::string& token : {h_->viewer_token, h_->analyst_token}) {
    for (const Route& r : routes) {
      auto resp = h_->Call(r.method, r.path, r.body, token);
      EXPECT_EQ(resp.status, 403) << r.path << ": " << resp.body;
      EXPECT_EQ(Body(resp)["error"]["code"], "permission_denied");
    }
  }
  for (const Route& r : routes) {
    auto resp = h_->Call(r.method, r.path, r.body, h_->admin_token);
    EXPECT_EQ(resp.status, 200) << r.path << ": " << resp.body;
  }
  auto repeat = [](const std::string& item, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += (i > 0 ? "," : "") + item;
    return out;
  };
  json bad_delivery = json::parse(put_item);
  bad_delivery["delivery"]["channel"] = 7;
  json no_key = json::parse(put_item);
  no_key["delivery"]["idempotency_key"] = "";
  json bad_event = json::parse(ev_item);
  bad_event["routing"].erase("decided_at");
  struct Case {
    std::string method, path, body, message_prefix;
  };
  const std::vector<Case> cases = {
      {"PUT", "/api/v1/deliveries/batch", R"({"items":[]})", "items: must contain 1 to 1000"},
      {"PUT", "/api/v1/deliveries/batch", "{\"items\":[" + repeat("{}", 1001) + "]}",
       "items: must contain 1 to 1000"},
      {"PUT", "/api/v1/deliveries/batch",
       "{\"items\":[" + put_item + "," + bad_delivery.dump() + "]}",
       "items[1].delivery.channel: must be a string"},
      {"PUT", "/api/v1/deliveries/batch", "{\"items\":[" + no_key.dump() + "]}",
       "items[0].delivery.idempotency_key: must not be empty"},
      {"PUT", "/api/v1/deliveries/batch", "{\"items\":[" + put_item + "," + put_item + "]}",
       "items[1].delivery.idempotency_key: duplicate of items[0]"},
      {"POST", "/api/v1/notify-log/batch-get", R"({"keys":[{"channel":"webhook"}]})",
       "keys[0].problem_key: required"},
      {"POST", "/api/v1/notify-log/batch-get",
       "{\"keys\":[" + repeat(R"({"channel":"c","problem_key":"p"})", 1001) + "]}",
       "keys: must contain 1 to 1000"},
      {"POST", "/api/v1/notifications/batch", "{\"events\":[" + bad_event.dump() + "]}",
       "events[0].routing.decided_at: required"},
      {"POST", "/api/v1/notifications/batch", "{\"events\":[" + repeat(ev_small, 1001) + "]}",
       "events: must contain 1 to 1000"},
      {"POST", "/api/v1/notifications/batch", R"({"events":[],"extra":1})", "extra: unknown field"},
  };
  for (const Case& c : cases) {
    auto r = h_->Call(c.method, c.path, c.body, h_->service_token);
    EXPECT_EQ(r.status, 400) << c.path << ": " << r.body.substr(0, 300);
    const json b = Body(r);
    ASSERT_TRUE(b.contains("error")) << r.body.substr(0, 300);
    const std::string message = b["error"]["message"].get<std::string>();
    EXPECT_EQ(message.rfind(c.message_prefix, 0), 0u)
        << "want prefix '" << c.message_prefix << "', got: " << message;
  }
  // Nothing of the refused requests was stored (the admin's accepted batch created bv-evt-1's
  // routing and delivery; its notify log stays empty).
  auto api = Platform(h_->service_token);
  auto log = api.GetNotifyLog("webhook", "bv-1/posture");
  ASSERT_TRUE(log.has_value()) << Why(log);
  EXPECT_FALSE(log->has_value());
}

}  // namespace
}  // namespace secplat::testing
