// Channels and the curl sender against the loopback provider receivers: every request is checked
// by the receiver as the provider documents it; retries, rate limits, hangs and failures are
// classified as the notifier needs.
#include "core/notify/delivery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "adapters/notify/curl_sender.h"
#include "adapters/notify/encoding.h"
#include "adapters/notify/jira_channel.h"
#include "adapters/notify/slack_channel.h"
#include "adapters/notify/twilio_channel.h"
#include "adapters/notify/webhook_channel.h"
#include "tests/support/receivers.h"

namespace secplat::adapters::notify {
namespace {

using core::model::NotifyEvent;
using core::model::ProblemStatus;
using core::model::ResponseClass;
using core::model::Secret;
using core::model::Severity;
using core::model::TransportError;
using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::Provider;
using testing::ProviderReceiver;
using testing::ReceiverOptions;
using testing::ScriptedReply;

constexpr char kWhsec[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

NotifyEvent Event(std::string id = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
                  ProblemStatus status = ProblemStatus::kFiring) {
  NotifyEvent e;
  e.event_id = std::move(id);
  e.event_type = "posture.changed";
  e.ts = FromUnixMillis(1764358320000);
  e.asset_key = "web-shop";
  e.severity = Severity::kHigh;
  e.labels = {{"team", "payments"}};
  e.environment = "production";
  e.problem_key = "web-shop/health";
  e.status = status;
  e.state = status == ProblemStatus::kFiring ? "down" : "up";
  e.summary = "HTTP health down";
  return e;
}

Timestamp Now() { return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()); }

ports::DeliveryContext Ctx(const NotifyEvent& e, std::string_view channel) {
  return {.idempotency_key = core::notify::DeliveryIdempotencyKey(e.event_id, channel),
          .attempt = 1,
          .now = Now()};
}

std::unique_ptr<ProviderReceiver> MustStart(ReceiverOptions o) {
  auto rx = ProviderReceiver::Start(std::move(o));
  if (!rx.has_value()) {
    ADD_FAILURE() << rx.error().message;
    return nullptr;
  }
  return std::move(rx).value();
}

std::unique_ptr<CurlSender> Sender(CurlSenderOptions o = {}) {
  auto s = CurlSender::Make(o);
  EXPECT_TRUE(s.has_value());
  return std::move(s).value();
}

// Verifies a Slack delivery is accepted by the receiver (200 "ok") with a valid payload.
TEST(SlackDelivery, DeliveredAndValid) {
  auto rx = MustStart({.provider = Provider::kSlack});
  ASSERT_NE(rx, nullptr);
  ReceiverOptions defaults;
  auto slack =
      SlackChannel::Make("slack-ops", {.webhook_url = Secret(rx->url(defaults.slack_path))});
  ASSERT_TRUE(slack.has_value());
  auto sender = Sender();
  ports::DeliveryResult r = (*slack)->Deliver(Event(), Ctx(Event(), "slack-ops"), *sender);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kOk) << r.detail;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.detail, "200 ok");
  ASSERT_EQ(rx->request_count(), 1u);
  EXPECT_THAT(rx->requests()[0].problems, IsEmpty());
  EXPECT_EQ(rx->requests()[0].body, RenderSlackPayload(Event()));
}

// Verifies a wrong Slack webhook path (404 no_service) is a permanent client error.
TEST(SlackDelivery, WrongWebhookIsPermanent) {
  auto rx = MustStart({.provider = Provider::kSlack});
  ASSERT_NE(rx, nullptr);
  auto slack = SlackChannel::Make("s", {.webhook_url = Secret(rx->url("/services/T/B/revoked"))});
  auto sender = Sender();
  ports::DeliveryResult r = (*slack)->Deliver(Event(), Ctx(Event(), "s"), *sender);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kClientError);
  EXPECT_FALSE(r.classification.retryable);
  EXPECT_EQ(r.detail, "404 client error; slack said: no_service");
}

// Verifies Twilio: Basic auth and form fields pass the receiver's checks, the sid is returned,
// and a 1,600-character-plus message is accepted after truncation (a raw one is refused).
TEST(TwilioDelivery, DeliveredWithSidAndBodyLimitHeld) {
  auto rx = MustStart({.provider = Provider::kTwilio});
  ASSERT_NE(rx, nullptr);
  ReceiverOptions d;
  auto sms = TwilioChannel::Make("sms", {.base_url = rx->base_url(),
                                         .account_sid = d.twilio_account_sid,
                                         .auth_token = Secret(d.twilio_auth_token),
                                         .from = "+15005550006",
                                         .to = "+15005550001"});
  ASSERT_TRUE(sms.has_value()) << sms.error().message;
  auto sender = Sender();
  NotifyEvent e = Event();
  e.summary = std::string(1500, 'x') + std::string(300, 'y');
  ports::DeliveryResult r = (*sms)->Deliver(e, Ctx(e, "sms"), *sender);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kOk) << r.detail;
  EXPECT_EQ(r.status, 201);
  EXPECT_THAT(r.external_ref, ::testing::MatchesRegex("SM[0-9a-f]{32}"));
  auto reqs = rx->requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_THAT(reqs[0].problems, IsEmpty());
  EXPECT_EQ(reqs[0].form.at("To"), "+15005550001");
  EXPECT_EQ(reqs[0].form.at("From"), "+15005550006");
  EXPECT_EQ(CountCodePoints(reqs[0].form.at("Body")), 1600u);

  // The receiver really enforces the limit: an untruncated body is refused with 21617.
  ports::OutboundRequest raw = *(*sms)->Render(Event(), Ctx(Event(), "sms"));
  raw.body = FormBody(
      {{"To", "+15005550001"}, {"From", "+15005550006"}, {"Body", std::string(1601, 'z')}});
  ports::SendResult refused = sender->Send(raw);
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.body_excerpt, HasSubstr("21617"));
}

// Verifies a wrong Twilio token is an auth error (stop, flag the channel), with no secret in
// the detail.
TEST(TwilioDelivery, WrongTokenIsAuthError) {
  auto rx = MustStart({.provider = Provider::kTwilio});
  ASSERT_NE(rx, nullptr);
  ReceiverOptions d;
  auto sms = TwilioChannel::Make("sms", {.base_url = rx->base_url(),
                                         .account_sid = d.twilio_account_sid,
                                         .auth_token = Secret("wrong-token-value"),
                                         .from = "+15005550006",
                                         .to = "+15005550001"});
  auto sender = Sender();
  ports::DeliveryResult r = (*sms)->Deliver(Event(), Ctx(Event(), "sms"), *sender);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kAuthError);
  EXPECT_FALSE(r.classification.retryable);
  EXPECT_EQ(r.detail, "401 auth error; twilio error 20003");
}

// Verifies the webhook signature and timestamp verify at the receiver, and the webhook-id is
// the same on a retry after a 500.
TEST(WebhookDelivery, SignatureVerifiesAndIdIsStableAcrossRetries) {
  auto rx = MustStart({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook =
      WebhookChannel::Make("hook", {.url = Secret(rx->url("/hook")), .secret = Secret(kWhsec)});
  ASSERT_TRUE(hook.has_value());
  auto sender = Sender();
  rx->Script({ScriptedReply::ServerError(500)});
  const NotifyEvent e = Event();
  ports::DeliveryResult first = (*hook)->Deliver(e, Ctx(e, "hook"), *sender);
  EXPECT_EQ(first.classification.response_class, ResponseClass::kServerError);
  EXPECT_TRUE(first.classification.retryable);
  ports::DeliveryContext retry = Ctx(e, "hook");
  retry.attempt = 2;
  ports::DeliveryResult second = (*hook)->Deliver(e, retry, *sender);
  EXPECT_EQ(second.classification.response_class, ResponseClass::kOk) << second.detail;
  auto reqs = rx->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[0].problems, IsEmpty());
  EXPECT_THAT(reqs[1].problems, IsEmpty());
  EXPECT_EQ(
      rx->webhook_ids(),
      (std::map<std::string, int>{{core::notify::DeliveryIdempotencyKey(e.event_id, "hook"), 2}}));
}

// Verifies a wrong signing secret and a stale timestamp are refused by the receiver (so the
// receiver's check is real) and classified as auth errors.
TEST(WebhookDelivery, ReceiverRejectsBadSignatureAndStaleTimestamp) {
  auto rx = MustStart({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto wrong = WebhookChannel::Make(
      "hook", {.url = Secret(rx->url("/hook")),
               .secret = Secret("whsec_" + Base64Encode("another-secret-of-24-bytes"))});
  auto sender = Sender();
  ports::DeliveryResult r = (*wrong)->Deliver(Event(), Ctx(Event(), "hook"), *sender);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kAuthError);
  auto right =
      WebhookChannel::Make("hook", {.url = Secret(rx->url("/hook")), .secret = Secret(kWhsec)});
  ports::DeliveryContext stale = Ctx(Event(), "hook");
  stale.now -= std::chrono::minutes(10);
  r = (*right)->Deliver(Event(), stale, *sender);
  EXPECT_EQ(r.status, 401);
  auto reqs = rx->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[0].problems, ::testing::ElementsAre("webhook-signature does not verify"));
  EXPECT_THAT(reqs[1].problems[0], HasSubstr("webhook-timestamp 600 s off"));
}

// Verifies 429 + Retry-After reaches the caller as rate_limited with retry_after, and the
// delivery is then rescheduled exactly that far ahead.
TEST(WebhookDelivery, RateLimitedRetryAfterIsReported) {
  auto rx = MustStart({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook =
      WebhookChannel::Make("hook", {.url = Secret(rx->url("/hook")), .secret = Secret(kWhsec)});
  auto sender = Sender();
  rx->Script({ScriptedReply::RateLimited("7")});
  const ports::DeliveryContext ctx = Ctx(Event(), "hook");
  ports::DeliveryResult r = (*hook)->Deliver(Event(), ctx, *sender);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kRateLimited);
  ASSERT_TRUE(r.classification.retry_after.has_value());
  EXPECT_EQ(*r.classification.retry_after, std::chrono::seconds(7));
  core::notify::AttemptOutcome next =
      core::notify::NextAttempt(1, r.classification, core::notify::RetryPolicy{}, 0.5, ctx.now);
  EXPECT_EQ(next.delay, std::chrono::seconds(7));
}

// Verifies a hanging receiver gives the timeout class after the request's timeout, not later.
TEST(WebhookDelivery, HangIsTimeout) {
  auto rx = MustStart({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = WebhookChannel::Make("hook", {.url = Secret(rx->url("/hook")),
                                            .secret = Secret(kWhsec),
                                            .timeout = std::chrono::milliseconds(300)});
  auto sender = Sender();
  rx->Script({ScriptedReply::Hang()});
  const auto start = std::chrono::steady_clock::now();
  ports::DeliveryResult r = (*hook)->Deliver(Event(), Ctx(Event(), "hook"), *sender);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.classification.response_class, ResponseClass::kTimeout);
  EXPECT_TRUE(r.classification.retryable);
  EXPECT_EQ(r.status, 0);
  EXPECT_GE(took, std::chrono::milliseconds(290));
  EXPECT_LT(took, std::chrono::seconds(3));
  rx->ReleaseHangs();
}

// Verifies connection refused is the connection class (retryable).
TEST(CurlSender, ConnectionRefusedIsConnectionClass) {
  int port = 0;
  {
    auto rx = MustStart({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
    ASSERT_NE(rx, nullptr);
    port = std::stoi(rx->base_url().substr(rx->base_url().rfind(':') + 1));
  }  // stopped: nothing listens on the port now
  auto sender = Sender();
  ports::OutboundRequest req;
  req.url = Secret("http://127.0.0.1:" + std::to_string(port) + "/hook");
  ports::SendResult s = sender->Send(req);
  EXPECT_EQ(s.status, 0);
  EXPECT_EQ(s.transport_error, TransportError::kConnection);
  EXPECT_EQ(core::notify::ClassifyResponse(0, {}, s.transport_error, Now()).response_class,
            ResponseClass::kConnection);
}

// Verifies a header with CR/LF is refused before sending (no header injection), and a batch
// returns results in request order while running concurrently.
TEST(CurlSender, RefusesInjectionAndKeepsBatchOrder) {
  auto rx = MustStart({.provider = Provider::kSlack});
  ASSERT_NE(rx, nullptr);
  ReceiverOptions d;
  auto sender = Sender({.max_in_flight = 8});
  ports::OutboundRequest bad;
  bad.url = Secret(rx->url(d.slack_path));
  bad.headers = {{"X-Evil", "a\r\nInjected: 1"}};
  ports::SendResult s = sender->Send(bad);
  EXPECT_EQ(s.transport_error, TransportError::kInvalidRequest);
  EXPECT_EQ(rx->request_count(), 0u);

  std::vector<ports::OutboundRequest> batch;
  for (int i = 0; i < 40; ++i) {
    ports::OutboundRequest r;
    r.url = Secret(rx->url(i % 2 == 0 ? d.slack_path : "/services/wrong"));
    r.headers = {{"Content-Type", "application/json"}};
    r.body = R"({"text":"hi"})";
    batch.push_back(r);
  }
  std::vector<ports::SendResult> results = sender->SendBatch(batch);
  ASSERT_EQ(results.size(), 40u);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(results[i].status, i % 2 == 0 ? 200 : 404) << i;
    EXPECT_EQ(results[i].body_excerpt, i % 2 == 0 ? "ok" : "no_service") << i;
  }
}

class JiraDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    rx_ = MustStart({.provider = Provider::kJira});
    ASSERT_NE(rx_, nullptr);
    ReceiverOptions d;
    auto jira = JiraChannel::Make("jira", {.base_url = rx_->base_url(),
                                           .email = d.jira_email,
                                           .api_token = Secret(d.jira_token),
                                           .project_key = "SEC"});
    ASSERT_TRUE(jira.has_value()) << jira.error().message;
    jira_ = std::move(jira).value();
    sender_ = Sender();
  }
  ports::DeliveryResult Deliver(const NotifyEvent& e) {
    return jira_->Deliver(e, Ctx(e, "jira"), *sender_);
  }
  std::vector<std::string> Paths() {
    std::vector<std::string> out;
    for (const auto& r : rx_->requests()) {
      EXPECT_THAT(r.problems, IsEmpty()) << r.method << " " << r.path;
      out.push_back(r.method + " " + r.path);
    }
    return out;
  }
  std::unique_ptr<ProviderReceiver> rx_;
  std::unique_ptr<JiraChannel> jira_;
  std::unique_ptr<CurlSender> sender_;
};

// Verifies the first firing searches then creates; a second event for the same problem
// searches and comments on the same issue instead of creating another.
TEST_F(JiraDelivery, SearchBeforeCreateThenComment) {
  ports::DeliveryResult first = Deliver(Event("e1"));
  EXPECT_EQ(first.classification.response_class, ResponseClass::kOk) << first.detail;
  EXPECT_EQ(first.external_ref, "SEC-1");
  EXPECT_EQ(first.detail, "created SEC-1");
  ports::DeliveryResult second = Deliver(Event("e2"));
  EXPECT_EQ(second.classification.response_class, ResponseClass::kOk) << second.detail;
  EXPECT_EQ(second.external_ref, "SEC-1");
  EXPECT_EQ(second.detail, "commented on SEC-1");
  EXPECT_THAT(Paths(), ::testing::ElementsAre(
                           "GET /rest/api/3/search/jql", "POST /rest/api/3/issue",
                           "GET /rest/api/3/search/jql", "POST /rest/api/3/issue/SEC-1/comment"));
  auto issues = rx_->jira_issues();
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_THAT(issues[0].labels, ::testing::Contains(JiraDedupLabel("web-shop/health")));
  EXPECT_EQ(issues[0].comments.size(), 1u);
}

// Verifies a retry of the same delivery after the create succeeded (a crash before the
// delivery was recorded) finds the issue and never opens a second one.
TEST_F(JiraDelivery, RetryAfterCrashNeverOpensSecondIssue) {
  const NotifyEvent e = Event("e1");
  EXPECT_EQ(Deliver(e).external_ref, "SEC-1");
  ports::DeliveryResult retry = Deliver(e);  // same event, same idempotency key
  EXPECT_EQ(retry.external_ref, "SEC-1");
  EXPECT_EQ(rx_->jira_issues().size(), 1u);
}

// Verifies resolve: search, comment, list transitions, post the configured one; the issue is
// resolved, and the next firing opens a new issue (the old one is excluded by the JQL).
TEST_F(JiraDelivery, ResolveTransitionsThenNewFiringOpensNewIssue) {
  ASSERT_EQ(Deliver(Event("e1")).external_ref, "SEC-1");
  ports::DeliveryResult resolved = Deliver(Event("e2", ProblemStatus::kResolved));
  EXPECT_EQ(resolved.classification.response_class, ResponseClass::kOk) << resolved.detail;
  EXPECT_EQ(resolved.detail, "commented on and resolved SEC-1");
  ASSERT_EQ(resolved.steps.size(), 4u);
  EXPECT_EQ(resolved.steps[3].action, "transition");
  EXPECT_EQ(resolved.steps[3].status, 204);
  auto issues = rx_->jira_issues();
  EXPECT_EQ(issues[0].status, "Done");
  EXPECT_EQ(issues[0].resolution, "Done");
  // Resolved again: nothing open, nothing to do.
  ports::DeliveryResult again = Deliver(Event("e3", ProblemStatus::kResolved));
  EXPECT_EQ(again.classification.response_class, ResponseClass::kOk);
  EXPECT_THAT(again.detail, HasSubstr("nothing to resolve"));
  EXPECT_EQ(Deliver(Event("e4")).external_ref, "SEC-2");
  Paths();  // every request passed the receiver's checks
}

// Verifies a missing resolve transition is a permanent error naming what is available.
TEST_F(JiraDelivery, MissingTransitionIsPermanent) {
  ReceiverOptions d;
  auto jira = JiraChannel::Make("jira", {.base_url = rx_->base_url(),
                                         .email = d.jira_email,
                                         .api_token = Secret(d.jira_token),
                                         .project_key = "SEC",
                                         .resolve_transition = "Closed"});
  const NotifyEvent fire = Event("e1");
  ASSERT_EQ((*jira)->Deliver(fire, Ctx(fire, "jira"), *sender_).external_ref, "SEC-1");
  const NotifyEvent res = Event("e2", ProblemStatus::kResolved);
  ports::DeliveryResult r = (*jira)->Deliver(res, Ctx(res, "jira"), *sender_);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kClientError);
  EXPECT_FALSE(r.classification.retryable);
  EXPECT_EQ(
      r.detail,
      "jira transitions: 'Closed' not offered for SEC-1 (available: To Do, In Progress, Done)");
}

// Verifies a 429 on the search stops the flow before any write and reports Retry-After; the
// retry then creates exactly one issue.
TEST_F(JiraDelivery, RateLimitedSearchStopsBeforeWriting) {
  rx_->Script({ScriptedReply::RateLimited("3")});
  ports::DeliveryResult r = Deliver(Event("e1"));
  EXPECT_EQ(r.classification.response_class, ResponseClass::kRateLimited);
  EXPECT_EQ(*r.classification.retry_after, std::chrono::seconds(3));
  EXPECT_THAT(r.detail, HasSubstr("jira search: 429 rate limited"));
  EXPECT_TRUE(rx_->jira_issues().empty());
  EXPECT_EQ(Deliver(Event("e1")).external_ref, "SEC-1");
  EXPECT_EQ(rx_->jira_issues().size(), 1u);
}

// Verifies wrong credentials are an auth error at the first step.
TEST_F(JiraDelivery, WrongTokenIsAuthError) {
  auto jira = JiraChannel::Make("jira", {.base_url = rx_->base_url(),
                                         .email = "bot@example.com",
                                         .api_token = Secret("nope"),
                                         .project_key = "SEC"});
  const NotifyEvent e = Event();
  ports::DeliveryResult r = (*jira)->Deliver(e, Ctx(e, "jira"), *sender_);
  EXPECT_EQ(r.classification.response_class, ResponseClass::kAuthError);
  EXPECT_EQ(r.detail, "jira search: 401 auth error");
}

}  // namespace
}  // namespace secplat::adapters::notify
