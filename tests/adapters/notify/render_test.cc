// Exact payloads per channel, rendered without a network, and secrets kept out of every
// printable form.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "adapters/notify/encoding.h"
#include "adapters/notify/jira_channel.h"
#include "adapters/notify/slack_channel.h"
#include "adapters/notify/twilio_channel.h"
#include "adapters/notify/webhook_channel.h"
#include "core/notify/delivery.h"

namespace secplat::adapters::notify {
namespace {

using core::model::NotifyEvent;
using core::model::ProblemStatus;
using core::model::Secret;
using core::model::Severity;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSlackUrl[] = "https://hooks.slack.com/services/T0001/B0001/s3cr3tT0kenXYZ";
constexpr char kWhsec[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";  // spec example secret
constexpr char kTwilioToken[] = "tw-auth-token-123";
constexpr char kJiraToken[] = "jira-api-token-456";

NotifyEvent Event() {
  NotifyEvent e;
  e.event_id = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
  e.event_type = "posture.changed";
  e.ts = *ParseRfc3339("2025-11-28T19:32:00Z");
  e.asset_key = "web-shop";
  e.severity = Severity::kHigh;
  e.labels = {{"team", "payments"}};
  e.environment = "production";
  e.problem_key = "web-shop/health";
  e.state = "down";
  e.summary = "HTTP health down: 3 consecutive failures <503>";
  e.details = {{"reason", "status 503"}};
  e.since = *ParseRfc3339("2025-11-28T19:29:00Z");
  e.link = "https://secplat.example/assets/web-shop";
  return e;
}

ports::DeliveryContext Ctx() {
  return {.idempotency_key =
              core::notify::DeliveryIdempotencyKey("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b", "hook"),
          .attempt = 1,
          .now = FromUnixMillis(1764358320000)};  // 2025-11-28T19:32:00Z
}

// Verifies the exact Slack payload: escaped text fallback, header, fields, context.
TEST(SlackChannel, RendersExactPayload) {
  auto slack = SlackChannel::Make("slack-ops", {.webhook_url = Secret(kSlackUrl)});
  ASSERT_TRUE(slack.has_value()) << slack.error().message;
  auto req = (*slack)->Render(Event(), Ctx());
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->method, "POST");
  EXPECT_EQ(req->url.Reveal(), kSlackUrl);
  EXPECT_EQ(
      req->headers,
      (std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"}}));
  EXPECT_EQ(
      req->body,
      R"({"text":"[FIRING] high web-shop: HTTP health down: 3 consecutive failures &lt;503&gt;",)"
      R"("blocks":[{"type":"header","text":{"type":"plain_text","text":"FIRING: web-shop","emoji":true}},)"
      R"({"type":"section","text":{"type":"mrkdwn","text":"HTTP health down: 3 consecutive failures &lt;503&gt;"},)"
      R"("fields":[{"type":"mrkdwn","text":"*Asset*\nweb-shop"},{"type":"mrkdwn","text":"*State*\ndown"},)"
      R"({"type":"mrkdwn","text":"*Severity*\nhigh"},{"type":"mrkdwn","text":"*Since*\n2025-11-28T19:29:00.000Z"},)"
      R"({"type":"mrkdwn","text":"*reason*\nstatus 503"}]},)"
      R"({"type":"context","elements":[{"type":"mrkdwn","text":"secplat · posture.changed · production · )"
      R"(event 5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b · <https://secplat.example/assets/web-shop|Open in SecPlat>"}]}]})");
}

// Verifies a resolved event, Slack's limits (header 150, 10 fields) and that no secret is in
// the body.
TEST(SlackChannel, ResolvedAndLimits) {
  NotifyEvent e = Event();
  e.status = ProblemStatus::kResolved;
  e.asset_key = std::string(300, 'a');
  for (int i = 0; i < 20; ++i) e.details["k" + std::to_string(i)] = "v";
  json body = json::parse(RenderSlackPayload(e));
  EXPECT_THAT(body["text"].get<std::string>(), ::testing::StartsWith("[RESOLVED] high aaa"));
  const std::string header = body["blocks"][0]["text"]["text"];
  EXPECT_EQ(CountCodePoints(header), 150u);
  EXPECT_THAT(header, ::testing::EndsWith("…"));
  EXPECT_EQ(body["blocks"][1]["fields"].size(), 10u);
  EXPECT_THAT(RenderSlackPayload(Event()), Not(HasSubstr("s3cr3t")));
}

// Verifies the Twilio request: path, Basic auth, form encoding, field order.
TEST(TwilioChannel, RendersFormRequest) {
  auto sms = TwilioChannel::Make("sms", {.base_url = "https://api.twilio.com/",
                                         .account_sid = "AC0123456789abcdef0123456789abcdef",
                                         .auth_token = Secret(kTwilioToken),
                                         .from = "+15005550006",
                                         .to = "+15005550001"});
  ASSERT_TRUE(sms.has_value()) << sms.error().message;
  auto req = (*sms)->Render(Event(), Ctx());
  ASSERT_TRUE(req.has_value());
  EXPECT_EQ(req->url.Reveal(),
            "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/"
            "Messages.json");
  ASSERT_EQ(req->secret_headers.size(), 1u);
  EXPECT_EQ(
      req->secret_headers[0].second.Reveal(),
      "Basic " + Base64Encode(std::string("AC0123456789abcdef0123456789abcdef:") + kTwilioToken));
  EXPECT_EQ(req->body,
            "To=%2B15005550001&From=%2B15005550006&Body=%5BFIRING%5D+high+web-shop%3A+HTTP+"
            "health+down%3A+3+consecutive+failures+%3C503%3E+%7C+state+down+since+2025-11-"
            "28T19%3A29%3A00.000Z+%7C+https%3A%2F%2Fsecplat.example%2Fassets%2Fweb-shop");
  EXPECT_EQ((*sms)->rate_limit_key(), "twilio:+15005550006");
}

// Verifies a long body is cut to exactly 1,600 characters on a UTF-8 boundary with "…".
TEST(TwilioChannel, TruncatesBodyTo1600Characters) {
  auto sms =
      TwilioChannel::Make("sms", {.account_sid = "AC0123456789abcdef0123456789abcdef",
                                  .auth_token = Secret(kTwilioToken),
                                  .messaging_service_sid = "MG0123456789abcdef0123456789abcdef",
                                  .to = "+15005550001"});
  ASSERT_TRUE(sms.has_value()) << sms.error().message;
  NotifyEvent e = Event();
  e.summary = std::string(1590, 'x') + std::string("é€😀", 9) + std::string(100, 'y');
  auto req = (*sms)->Render(e, Ctx());
  ASSERT_TRUE(req.has_value());
  EXPECT_THAT(req->body, HasSubstr("&MessagingServiceSid=MG0123456789abcdef0123456789abcdef&"));
  const std::string encoded = req->body.substr(req->body.find("&Body=") + 6);
  // Decode the form value to count what Twilio will count.
  std::string body;
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '+') {
      body += ' ';
    } else if (encoded[i] == '%') {
      body += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      body += encoded[i];
    }
  }
  EXPECT_EQ(CountCodePoints(body), kTwilioMaxBody);
  EXPECT_THAT(body, ::testing::EndsWith("x…"));  // the prefix "[FIRING] high web-shop: " is 24
}

// Verifies Twilio option validation never echoes the token.
TEST(TwilioChannel, ValidatesOptions) {
  TwilioOptions o{.account_sid = "AC0123456789abcdef0123456789abcdef",
                  .auth_token = Secret(kTwilioToken),
                  .from = "+15005550006",
                  .to = "5550001"};
  auto bad = TwilioChannel::Make("sms", o);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "notifier.channels.sms.to: want E.164 (+15005550001)");
  o.to = "+15005550001";
  o.account_sid = "XX";
  EXPECT_THAT(TwilioChannel::Make("sms", o).error().message, HasSubstr("account_sid"));
}

// Verifies the webhook body (v4 shape) and Standard Webhooks headers; the signature verifies
// with an independent HMAC of "id.timestamp.body" under the decoded secret.
TEST(WebhookChannel, RendersSignedV4Payload) {
  auto hook = WebhookChannel::Make("hook", {.url = Secret("https://example.com/in?token=abc"),
                                            .secret = Secret(kWhsec),
                                            .external_url = "https://secplat.example"});
  ASSERT_TRUE(hook.has_value()) << hook.error().message;
  auto req = (*hook)->Render(Event(), Ctx());
  ASSERT_TRUE(req.has_value());
  const std::string fp = core::notify::ProblemFingerprint("web-shop/health");
  json labels = {{"team", "payments"},          {"alertname", "posture.changed"},
                 {"asset_key", "web-shop"},     {"severity", "high"},
                 {"environment", "production"}, {"problem_key", "web-shop/health"}};
  json annotations = {{"summary", "HTTP health down: 3 consecutive failures <503>"},
                      {"state", "down"},
                      {"reason", "status 503"}};
  json want = {{"version", "4"},
               {"groupKey", "web-shop/health"},
               {"truncatedAlerts", 0},
               {"status", "firing"},
               {"receiver", "hook"},
               {"groupLabels", {{"problem_key", "web-shop/health"}}},
               {"commonLabels", labels},
               {"commonAnnotations", annotations},
               {"externalURL", "https://secplat.example"},
               {"alerts", json::array({{{"status", "firing"},
                                        {"labels", labels},
                                        {"annotations", annotations},
                                        {"startsAt", "2025-11-28T19:29:00.000Z"},
                                        {"endsAt", "0001-01-01T00:00:00Z"},
                                        {"generatorURL", "https://secplat.example/assets/web-shop"},
                                        {"fingerprint", fp}}})},
               {"eventId", "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"},
               {"eventType", "posture.changed"}};
  EXPECT_EQ(json::parse(req->body), want);
  std::map<std::string, std::string> h(req->headers.begin(), req->headers.end());
  EXPECT_EQ(h["Content-Type"], "application/json");
  EXPECT_EQ(h["webhook-id"], Ctx().idempotency_key);
  EXPECT_EQ(h["webhook-timestamp"], "1764358320");
  const std::string key = *Base64Decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(h["webhook-signature"],
            "v1," + Base64Encode(HmacSha256(key, h["webhook-id"] + ".1764358320." + req->body)));
  // A retry: same id, same body; only the timestamp (and so the signature) moves.
  ports::DeliveryContext later = Ctx();
  later.attempt = 2;
  later.now += std::chrono::seconds(30);
  auto again = (*hook)->Render(Event(), later);
  EXPECT_EQ(again->body, req->body);
  EXPECT_EQ(again->headers[1], req->headers[1]);
  EXPECT_NE(again->headers[3], req->headers[3]);
}

// Verifies the Standard Webhooks reference vector (spec test: id msg_p5jXN8AQM9LWM0D4loKWxJek,
// timestamp 1614265330, body {"test": 2432232314}).
TEST(WebhookChannel, MatchesSpecTestVector) {
  auto key = DecodeWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(StandardWebhookSignature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                                     R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

// Verifies a resolved webhook carries endsAt = the event time.
TEST(WebhookChannel, ResolvedHasEndsAt) {
  NotifyEvent e = Event();
  e.status = ProblemStatus::kResolved;
  json body = json::parse(RenderWebhookPayload(e, "hook", ""));
  EXPECT_EQ(body["status"], "resolved");
  EXPECT_EQ(body["alerts"][0]["endsAt"], "2025-11-28T19:32:00.000Z");
}

// Verifies the Jira requests: JQL search by label, create body, comment, transition.
TEST(JiraChannel, RendersEachStep) {
  auto jira = JiraChannel::Make("jira", {.base_url = "https://acme.atlassian.net/",
                                         .email = "bot@acme.com",
                                         .api_token = Secret(kJiraToken),
                                         .project_key = "SEC",
                                         .extra_labels = {"posture"}});
  ASSERT_TRUE(jira.has_value()) << jira.error().message;
  const std::string label = "secplat-" + core::notify::ProblemFingerprint("web-shop/health");
  EXPECT_EQ(JiraDedupLabel("web-shop/health"), label);
  auto search = (*jira)->Render(Event(), Ctx());
  ASSERT_TRUE(search.has_value());
  EXPECT_EQ(search->method, "GET");
  EXPECT_EQ(search->url.Reveal(),
            "https://acme.atlassian.net/rest/api/3/search/jql?jql=project%20%3D%20%22SEC%22%20AND%"
            "20labels%20%3D%20%22" +
                label +
                "%22%20AND%20resolution%20is%20EMPTY%20ORDER%20BY%20created%20DESC&maxResults=1&"
                "fields=summary,status");
  EXPECT_EQ(search->secret_headers[0].second.Reveal(),
            "Basic " + Base64Encode(std::string("bot@acme.com:") + kJiraToken));
  ports::OutboundRequest create = (*jira)->RenderCreate(Event());
  EXPECT_EQ(create.url.Reveal(), "https://acme.atlassian.net/rest/api/3/issue");
  json fields = json::parse(create.body)["fields"];
  EXPECT_EQ(fields["project"], json({{"key", "SEC"}}));
  EXPECT_EQ(fields["summary"],
            "[secplat] web-shop: HTTP health down: 3 consecutive failures <503>");
  EXPECT_EQ(fields["issuetype"], json({{"name", "Task"}}));
  EXPECT_EQ(fields["labels"], json({"secplat", label, "posture"}));
  EXPECT_EQ(fields["description"]["type"], "doc");
  EXPECT_EQ(fields["description"]["version"], 1);
  EXPECT_EQ(fields["description"]["content"][0]["content"][0]["text"],
            "[FIRING] high web-shop: HTTP health down: 3 consecutive failures <503>");
  ports::OutboundRequest comment = (*jira)->RenderComment("SEC-7", Event());
  EXPECT_EQ(comment.url.Reveal(), "https://acme.atlassian.net/rest/api/3/issue/SEC-7/comment");
  EXPECT_EQ(json::parse(comment.body)["body"], fields["description"]);
  ports::OutboundRequest t = (*jira)->RenderTransition("SEC-7", "31");
  EXPECT_EQ(t.url.Reveal(), "https://acme.atlassian.net/rest/api/3/issue/SEC-7/transitions");
  EXPECT_EQ(t.body, R"({"transition":{"id":"31"}})");
  EXPECT_EQ((*jira)->rate_limit_key(), "jira:acme.atlassian.net");
}

// Verifies no secret reaches DebugString, operator<<, redacted URLs or construction errors.
TEST(Secrets, NeverPrinted) {
  std::ostringstream s;
  s << Secret("hunter2");
  EXPECT_EQ(s.str(), "<secret>");
  auto slack = SlackChannel::Make("slack-ops", {.webhook_url = Secret(kSlackUrl)});
  auto sreq = (*slack)->Render(Event(), Ctx());
  EXPECT_EQ(sreq->redacted_url, "https://hooks.slack.com/services/…");
  EXPECT_THAT(ports::DebugString(*sreq), Not(HasSubstr("s3cr3t")));
  auto sms = TwilioChannel::Make("sms", {.account_sid = "AC0123456789abcdef0123456789abcdef",
                                         .auth_token = Secret(kTwilioToken),
                                         .from = "+15005550006",
                                         .to = "+15005550001"});
  auto treq = (*sms)->Render(Event(), Ctx());
  std::ostringstream printed;
  printed << *treq;
  EXPECT_THAT(printed.str(), HasSubstr("Authorization: <secret>"));
  EXPECT_THAT(printed.str(), Not(HasSubstr(kTwilioToken)));
  EXPECT_THAT(printed.str(),
              Not(HasSubstr(Base64Encode(std::string("AC0123456789abcdef0123456789abcdef:") +
                                         kTwilioToken))));
  EXPECT_EQ(ports::RedactUrl("https://user:pw@example.com:8443/in/tok?x=1"),
            "https://example.com:8443/in/…");
  EXPECT_EQ(ports::RedactUrl("https://example.com?token=abc"), "https://example.com");
  EXPECT_EQ(ports::RedactUrl("garbage"), "<url>");
  auto bad_url = SlackChannel::Make("s", {.webhook_url = Secret("ftp://hooks/s3cr3t")});
  ASSERT_FALSE(bad_url.has_value());
  EXPECT_THAT(bad_url.error().message, Not(HasSubstr("s3cr3t")));
  auto bad_secret = WebhookChannel::Make(
      "h", {.url = Secret("https://x.example/"), .secret = Secret("whsec_not*base64!")});
  ASSERT_FALSE(bad_secret.has_value());
  EXPECT_THAT(bad_secret.error().message, Not(HasSubstr("not*base64")));
  auto short_secret = WebhookChannel::Make(
      "h", {.url = Secret("https://x.example/"), .secret = Secret("whsec_c2hvcnQ=")});
  EXPECT_THAT(short_secret.error().message, HasSubstr("want at least 16"));
}

}  // namespace
}  // namespace secplat::adapters::notify
