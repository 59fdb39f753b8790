// The notifier end to end inside one process: a real embedded queue, the REAL channels and
// CurlSender against the loopback provider receivers, and the API as an in-memory
// NotificationGateway. Routing decisions, dedup, resolved messages, Retry-After, retries, a
// permanent 4xx, Slack's rate limit, the repeat timer and a restart mid-send.
#include "services/notifier/notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <set>
#include <span>
#include <thread>

#include "adapters/json/codec.h"
#include "adapters/metrics/prometheus_metrics.h"
#include "adapters/notify/curl_sender.h"
#include "adapters/notify/jira_channel.h"
#include "adapters/notify/slack_channel.h"
#include "adapters/notify/webhook_channel.h"
#include "adapters/system/system_clock.h"
#include "core/outbox/messages.h"
#include "jobqueue/embedded_queue.h"
#include "services/notifier/events.h"
#include "tests/services/notifier/in_memory_notification_gateway.h"
#include "tests/support/receivers.h"

namespace secplat::services::notifier {
namespace {

using core::model::DeliveryState;
using core::model::Envelope;
using core::model::EventType;
using core::model::Secret;
using core::model::Severity;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::InMemoryNotificationGateway;
using ::testing::IsEmpty;
using testing::Provider;
using testing::ProviderReceiver;
using testing::ReceiverOptions;
using testing::ScriptedReply;

constexpr char kWhsec[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class FakeAssets : public ports::platform::AssetSource {
 public:
  Result<core::model::Asset> GetAsset(std::string_view key) override {
    core::model::Asset a;
    a.asset_key = std::string(key);
    if (key.find("pay") != std::string_view::npos) a.labels = {{"team", "payments"}};
    a.environment = "production";
    return a;
  }
  Result<ports::platform::AssetPage> ListAssets(std::string_view, int) override {
    return ports::platform::AssetPage{};
  }
};

// A posture.changed envelope as the deriver writes it (payload keys of Deriver::ChangeEvent).
Envelope PostureChanged(const std::string& asset, const std::string& from, const std::string& to,
                        int64_t at_ms, const std::string& salt = "") {
  Envelope e;
  e.event_id = core::outbox::DeterministicUuid(asset + from + to + std::to_string(at_ms) + salt);
  e.event_type = EventType::kPostureChanged;
  e.ts = FromUnixMillis(at_ms);
  e.asset_key = asset;
  e.severity = to == "down" ? Severity::kHigh : Severity::kInfo;
  e.payload_json = R"({"at":")" + FormatRfc3339(e.ts) + R"(","confidence":90,"from":")" + from +
                   R"(","grade":"B","reason":"consecutive_failures","reason_text":"3 failures",)" +
                   R"("score":70,"status_num":0,"to":")" + to + R"("})";
  return e;
}

std::unique_ptr<ports::HttpSender> MakeSender() {
  auto s = adapters::notify::CurlSender::Make({});
  EXPECT_TRUE(s.has_value());
  return s.has_value() ? std::move(s).value() : nullptr;
}

int64_t NowMs() { return ToUnixMillis(adapters::system::SystemClock().Now()); }

core::notify::RoutingConfig Routes(std::vector<core::notify::RoutingRuleSpec> rules,
                                   std::vector<std::string> channels) {
  auto c = core::notify::CompileRoutingConfig({.rules = std::move(rules)}, channels);
  EXPECT_TRUE(c.has_value()) << c.error().message;
  return c.value_or(core::notify::RoutingConfig{});
}

class NotifierTest : public ::testing::Test {
 protected:
  NotifierTest() {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "secplat-notifier-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data()) != nullptr ? tmpl : "";
    auto q = jobqueue::EmbeddedQueue::Open(dir_ + "/queue");
    EXPECT_TRUE(q.has_value());
    queue_ = std::move(q).value();
  }
  ~NotifierTest() override {
    StopNotifier();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<ProviderReceiver> Receiver(ReceiverOptions o) {
    auto rx = ProviderReceiver::Start(std::move(o));
    EXPECT_TRUE(rx.has_value()) << rx.error().message;
    return rx.has_value() ? std::move(rx).value() : nullptr;
  }

  const ports::NotificationChannel* Webhook(const ProviderReceiver& rx, std::string name = "hook",
                                            Duration timeout = std::chrono::seconds(10)) {
    auto hook = adapters::notify::WebhookChannel::Make(
        name, {.url = Secret(rx.url("/hook")), .secret = Secret(kWhsec), .timeout = timeout});
    EXPECT_TRUE(hook.has_value());
    owned_.push_back(std::move(hook).value());
    return owned_.back().get();
  }

  // 8 events to a webhook with 2 send slots, 4 sender threads and a 3 s recording: how many
  // requests the receiver has 1 s after the first two (then everything is delivered once the
  // API is fast again and the receiver healthy; never more than 2 at once).
  size_t RequestsWhileRecordingIsSlow(bool failing) {
    auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
    if (rx == nullptr) return 0;
    if (failing) rx->SetOutage(ScriptedReply::ServerError(500));
    auto hook = Webhook(*rx);
    NotifierOptions o = FastOptions();
    o.claim_lease = std::chrono::seconds(60);
    o.sender_threads = 4;
    gateway_.result_delay_ms = 3000;
    StartNotifier({{.channel = hook, .rate_limit = {}, .max_in_flight = 2}},
                  Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), o);
    const int64_t t = NowMs();
    for (int i = 0; i < 8; ++i)
      Publish(PostureChanged("web-" + std::to_string(i), "up", "down", t));
    EXPECT_TRUE(rx->WaitForRequests(2, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const size_t sent = rx->request_count();
    EXPECT_LE(rx->max_concurrent(), 2);
    gateway_.result_delay_ms = 0;
    rx->SetOutage(std::nullopt);
    EXPECT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 8, std::chrono::seconds(30)));
    EXPECT_LE(rx->max_concurrent(), 2);
    StopNotifier();
    return sent;
  }

  NotifierOptions FastOptions() {
    NotifierOptions o;
    o.sweep_interval = std::chrono::milliseconds(100);
    o.claim_lease = std::chrono::milliseconds(500);
    o.queue_retry = {.base = std::chrono::milliseconds(10),
                     .cap = std::chrono::milliseconds(100),
                     .max_attempts = 5};
    o.delivery_retry.base_delay = std::chrono::milliseconds(100);
    o.delivery_retry.min_delay = std::chrono::milliseconds(50);
    o.random01 = [] { return 0.5; };
    return o;
  }

  void StartNotifier(std::vector<ChannelBinding> channels, core::notify::RoutingConfig routing,
                     NotifierOptions options) {
    notifier_ = std::make_unique<Notifier>(*queue_, gateway_, assets_, std::move(channels),
                                           std::move(routing), MakeSender, clock_, metrics_,
                                           std::move(options));
    stop_ = std::stop_source();
    thread_ = std::jthread([this, t = stop_.get_token()] {
      Status s = notifier_->Run(t);
      EXPECT_TRUE(s.has_value()) << s.error().message;
    });
  }
  // A notifier with one Slack channel "slack-ops" at `rx`, Slack's default rate limit (1/s)
  // and a rule sending every event to it.
  void StartSlackAtDefaultRate(const ProviderReceiver& rx) {
    ReceiverOptions d;
    auto slack = adapters::notify::SlackChannel::Make(
        "slack-ops", {.webhook_url = Secret(rx.url(d.slack_path))});
    ASSERT_TRUE(slack.has_value());
    owned_.push_back(std::move(slack).value());
    StartNotifier(
        {{owned_.back().get(), core::notify::DefaultRateLimit(core::model::ChannelKind::kSlack)}},
        Routes({{.name = "all", .channels = {"slack-ops"}}}, {"slack-ops"}), FastOptions());
  }
  void StopNotifier() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
    notifier_.reset();
  }

  void Publish(const Envelope& e) {
    auto r = queue_->Publish(jobqueue::kNotifyStream, adapters::json::EncodeEnvelope(e), {});
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  // Waits until `pred` holds (polling the fake), at most `timeout`.
  template <typename Pred>
  bool WaitFor(Pred pred, Duration timeout = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }
  bool AllDeliveriesIn(DeliveryState s, size_t n, Duration timeout = std::chrono::seconds(10)) {
    return WaitFor(
        [&] {
          auto ds = gateway_.deliveries();
          if (ds.size() != n) return false;
          for (const auto& d : ds) {
            if (d.record.state != s) return false;
          }
          return true;
        },
        timeout);
  }

  std::string dir_;
  std::unique_ptr<jobqueue::JobQueue> queue_;
  std::vector<std::unique_ptr<ports::NotificationChannel>> owned_;
  InMemoryNotificationGateway gateway_;
  FakeAssets assets_;
  adapters::system::SystemClock clock_;
  adapters::metrics::PrometheusMetrics metrics_;
  std::unique_ptr<Notifier> notifier_;
  std::stop_source stop_;
  std::jthread thread_;
};

// Verifies posture.changed maps onto one problem per asset: down fires it, up resolves it, and
// the deriver's payload becomes the summary and details.
TEST(NotifyEventFromEnvelope, PostureChangedIsOneProblemPerAsset) {
  Envelope down = PostureChanged("web-shop", "up", "down", 1764358320000);
  auto e = NotifyEventFromEnvelope(
      down, {{"from", "up"}, {"to", "down"}, {"reason_text", "3 failures"}, {"score", "70"}},
      "https://secplat.example.com/");
  ASSERT_TRUE(e.has_value()) << e.error().message;
  EXPECT_EQ(e->problem_key, "web-shop/posture");
  EXPECT_EQ(e->status, core::model::ProblemStatus::kFiring);
  EXPECT_EQ(e->state, "down");
  EXPECT_EQ(e->severity, Severity::kHigh);
  EXPECT_EQ(e->summary, "posture up -> down: 3 failures");
  EXPECT_EQ(e->details.at("score"), "70");
  EXPECT_EQ(e->link, "https://secplat.example.com/assets/web-shop");
  auto up = NotifyEventFromEnvelope(PostureChanged("web-shop", "down", "up", 1764358380000),
                                    {{"from", "down"}, {"to", "up"}}, "");
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(up->problem_key, "web-shop/posture");
  EXPECT_EQ(up->status, core::model::ProblemStatus::kResolved);
  // Verifies a posture.changed without `to` is refused with the field named.
  auto bad = NotifyEventFromEnvelope(down, {{"from", "up"}}, "");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "payload.to: required");
}

// Verifies a malformed queue message fails (dead letter) and a non-notify type is acknowledged.
TEST_F(NotifierTest, MalformedMessageFailsAndOtherTypesAreSkipped) {
  Notifier n(*queue_, gateway_, assets_, {}, {}, MakeSender, clock_, metrics_, FastOptions());
  jobqueue::Message m;
  m.payload = "{not json";
  EXPECT_EQ(n.Handle(m).kind, jobqueue::Outcome::kFail);
  Envelope e = PostureChanged("web-shop", "up", "down", 1764358320000);
  e.event_type = EventType::kScanCompleted;
  m.payload = adapters::json::EncodeEnvelope(e);
  EXPECT_EQ(n.Handle(m).kind, jobqueue::Outcome::kDone);
  EXPECT_THAT(gateway_.deliveries(), IsEmpty());
}

// Verifies the routing decision: a high-severity event on a payments asset matches the pages
// rule (and, with continue, the catch-all); a low-severity info event matches nothing, and both
// decisions are recorded with every rule's verdict.
TEST_F(NotifierTest, RoutesByRulesAndRecordsWhy) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto pages = Webhook(*rx, "pages-hook");
  auto all = Webhook(*rx, "all-hook");
  auto routing =
      Routes({{.name = "pages",
               .min_severity = "high",
               .labels = {"team=payments"},
               .channels = {"pages-hook"},
               .continue_matching = true},
              {.name = "everything-else", .min_severity = "medium", .channels = {"all-hook"}}},
             {"pages-hook", "all-hook"});
  StartNotifier({{pages, {}}, {all, {}}}, routing, FastOptions());
  Envelope paged = PostureChanged("pay-api", "up", "down", NowMs());
  Envelope quiet = PostureChanged("blog", "stale", "up", NowMs());  // info, resolves nothing
  Publish(paged);
  Publish(quiet);
  ASSERT_TRUE(rx->WaitForRequests(2, std::chrono::seconds(10)));
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 2));
  auto why = gateway_.routing(paged.event_id);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->decision.matched_rules, (std::vector<std::string>{"pages", "everything-else"}));
  ASSERT_EQ(why->targets.size(), 2u);
  EXPECT_EQ(why->targets[0].channel, "pages-hook");
  EXPECT_EQ(why->targets[0].reason, "new_problem");
  EXPECT_TRUE(why->targets[0].send);
  ASSERT_TRUE(WaitFor([&] { return gateway_.routing(quiet.event_id).has_value(); }));
  auto none = gateway_.routing(quiet.event_id);
  EXPECT_EQ(none->decision.reason, "no rule matched");
  EXPECT_EQ(none->decision.verdicts[0].reason, "severity info < min high");
  EXPECT_THAT(none->targets, IsEmpty());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(rx->request_count(), 2u);
  for (const auto& r : rx->requests()) EXPECT_THAT(r.problems, IsEmpty());
}

// Verifies dedup: the same open problem reported twice gives one message; its resolution gives
// one resolved message; a redelivered event sends nothing new.
TEST_F(NotifierTest, SameProblemTwiceSendsOnceThenResolved) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  StartNotifier({{hook, {}}}, Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}),
                FastOptions());
  const int64_t t = NowMs();
  Envelope first = PostureChanged("web-shop", "up", "down", t);
  Publish(first);
  ASSERT_TRUE(rx->WaitForRequests(1, std::chrono::seconds(10)));
  Publish(PostureChanged("web-shop", "stale", "down", t + 1000));  // still down: unchanged
  Publish(first);                                                  // a redelivery
  ASSERT_TRUE(WaitFor([&] {
    return gateway_
        .routing(core::outbox::DeterministicUuid("web-shopstaledown" + std::to_string(t + 1000)))
        .has_value();
  }));
  Publish(PostureChanged("web-shop", "down", "up", t + 2000));
  ASSERT_TRUE(rx->WaitForRequests(2, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto reqs = rx->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_THAT(reqs[0].body, HasSubstr(R"("status":"firing")"));
  EXPECT_THAT(reqs[1].body, HasSubstr(R"("status":"resolved")"));
  auto why = gateway_.routing(first.event_id);
  ASSERT_TRUE(why.has_value());
  EXPECT_EQ(why->targets[0].reason, "new_problem");  // not overwritten by the redelivery
  EXPECT_EQ(gateway_.deliveries().size(), 2u);
}

// Verifies a 429 with Retry-After: 1 delays the retry by at least one second, and the delivery
// is then delivered with 2 attempts, the first answer recorded as rate_limited.
TEST_F(NotifierTest, RetryAfterIsHonoured) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  rx->Script({ScriptedReply::RateLimited("1")});
  auto hook = Webhook(*rx);
  StartNotifier({{hook, {}}}, Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}),
                FastOptions());
  Publish(PostureChanged("web-shop", "up", "down", NowMs()));
  ASSERT_TRUE(rx->WaitForRequests(2, std::chrono::seconds(10)));
  auto reqs = rx->requests();
  const auto gap = reqs[1].received_at - reqs[0].received_at;
  EXPECT_GE(gap, std::chrono::milliseconds(1000));
  EXPECT_LT(gap, std::chrono::milliseconds(2500));
  EXPECT_EQ(reqs[0].Header("webhook-id"), reqs[1].Header("webhook-id"));
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 1));
  auto d = gateway_.deliveries()[0];
  EXPECT_EQ(d.record.attempts, 2);
}

// Verifies 5xx answers are retried with backoff and the message is delivered exactly once, every
// attempt carrying the same webhook-id.
TEST_F(NotifierTest, ServerErrorsRetriedThenDeliveredOnce) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  rx->Script({ScriptedReply::ServerError(500), ScriptedReply::ServerError(503)});
  auto hook = Webhook(*rx);
  StartNotifier({{hook, {}}}, Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}),
                FastOptions());
  Publish(PostureChanged("web-shop", "up", "down", NowMs()));
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto ids = rx->webhook_ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.begin()->second, 3);  // two failures, one success: no further send
  auto reqs = rx->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_THAT(
      std::vector<int>({reqs[0].answered_status, reqs[1].answered_status, reqs[2].answered_status}),
      ElementsAre(500, 503, 200));
  EXPECT_EQ(gateway_.deliveries()[0].record.attempts, 3);
}

// Verifies a permanent 4xx (a revoked Slack webhook: 404 no_service) stops after one attempt
// and marks the channel failing with the provider's reason.
TEST_F(NotifierTest, PermanentClientErrorStopsAndMarksChannelFailing) {
  auto rx = Receiver({.provider = Provider::kSlack});
  ASSERT_NE(rx, nullptr);
  auto slack = adapters::notify::SlackChannel::Make(
      "slack-ops", {.webhook_url = Secret(rx->url("/services/T/B/revoked"))});
  ASSERT_TRUE(slack.has_value());
  owned_.push_back(std::move(slack).value());
  StartNotifier({{owned_.back().get(), {1, 1}}},
                Routes({{.name = "all", .channels = {"slack-ops"}}}, {"slack-ops"}), FastOptions());
  Publish(PostureChanged("web-shop", "up", "down", NowMs()));
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kFailedPermanent, 1));
  ASSERT_TRUE(WaitFor([&] { return gateway_.health("slack-ops").has_value(); }));
  EXPECT_TRUE(gateway_.health("slack-ops")->failing);
  EXPECT_EQ(gateway_.health("slack-ops")->reason, "404 client error; slack said: no_service");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // several sweeps
  EXPECT_EQ(rx->request_count(), 1u);
  EXPECT_EQ(gateway_.deliveries()[0].record.attempts, 1);
}

// Verifies Slack's 1 message/s per webhook holds: three problems at once arrive a second apart,
// none dropped.
TEST_F(NotifierTest, SlackRateLimitHeld) {
  auto rx = Receiver({.provider = Provider::kSlack});
  ASSERT_NE(rx, nullptr);
  StartSlackAtDefaultRate(*rx);
  const int64_t t = NowMs();
  for (const char* asset : {"a1", "a2", "a3"}) Publish(PostureChanged(asset, "up", "down", t));
  ASSERT_TRUE(rx->WaitForRequests(3, std::chrono::seconds(10)));
  auto reqs = rx->requests();
  for (size_t i = 1; i < reqs.size(); ++i) {
    EXPECT_GE(reqs[i].received_at - reqs[i - 1].received_at, std::chrono::milliseconds(900))
        << "request " << i;
  }
  EXPECT_GE(reqs[2].received_at - reqs[0].received_at, std::chrono::milliseconds(1950));
  for (const auto& r : reqs) EXPECT_THAT(r.problems, IsEmpty());
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 3));
}

// Verifies the repeat timer: an open problem is re-offered after repeat_interval (a new
// delivery, reason repeat_due), and its resolution stops the repeats.
TEST_F(NotifierTest, RepeatIntervalReoffersOpenProblemUntilResolved) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  StartNotifier({{hook, {}}},
                Routes({{.name = "all",
                         .channels = {"hook"},
                         .repeat_interval = std::chrono::milliseconds(400)}},
                       {"hook"}),
                FastOptions());
  const int64_t t = NowMs();
  Publish(PostureChanged("web-shop", "up", "down", t));
  ASSERT_TRUE(rx->WaitForRequests(2, std::chrono::seconds(10)));
  auto reqs = rx->requests();
  EXPECT_NE(reqs[0].Header("webhook-id"), reqs[1].Header("webhook-id"));
  // The repeat is due repeat_interval after the first decision, which precedes the first
  // request's arrival by its send latency: allow that much.
  EXPECT_GE(reqs[1].received_at - reqs[0].received_at, std::chrono::milliseconds(300));
  auto ds = gateway_.deliveries();
  ASSERT_GE(ds.size(), 2u);
  EXPECT_EQ(ds[1].notify_reason, "repeat_due");
  Publish(PostureChanged("web-shop", "down", "up", t + 1));
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& r : rx->requests()) {
      if (r.body.find(R"("status":"resolved")") != std::string::npos) return true;
    }
    return false;
  }));
  const size_t after_resolve = rx->request_count();
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_EQ(rx->request_count(), after_resolve);
}

// Verifies a hanging provider does not hold up other channels: while one webhook receiver hangs,
// the other channel's message arrives at once.
TEST_F(NotifierTest, HangingChannelDoesNotBlockOthers) {
  auto stuck = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  auto fine = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(stuck, nullptr);
  ASSERT_NE(fine, nullptr);
  stuck->Script({ScriptedReply::Hang()});
  auto a = Webhook(*stuck, "stuck");
  auto b = Webhook(*fine, "fine");
  StartNotifier({{a, {}}, {b, {}}},
                Routes({{.name = "all", .channels = {"stuck", "fine"}}}, {"stuck", "fine"}),
                FastOptions());
  Publish(PostureChanged("web-shop", "up", "down", NowMs()));
  ASSERT_TRUE(stuck->WaitForRequests(1, std::chrono::seconds(10)));
  EXPECT_TRUE(fine->WaitForRequests(1, std::chrono::seconds(2)));
  stuck->ReleaseHangs();
}

// Verifies a notifier that dies mid-send (the provider answered, the attempt was never
// recorded: the record stays "sending") is finished by the next notifier with the SAME
// webhook-id, so the receiver can drop the duplicate.
TEST_F(NotifierTest, RestartMidSendResendsWithSameWebhookId) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  auto routing = Routes({{.name = "all", .channels = {"hook"}}}, {"hook"});
  gateway_.fail_attempt_records = 3;  // every try to record the first attempt fails
  StartNotifier({{hook, {}}}, routing, FastOptions());
  Publish(PostureChanged("web-shop", "up", "down", NowMs()));
  ASSERT_TRUE(rx->WaitForRequests(1, std::chrono::seconds(10)));
  ASSERT_TRUE(WaitFor([&] { return gateway_.fail_attempt_records == 0; }));
  StopNotifier();
  auto left = gateway_.deliveries();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_TRUE(left[0].sending_since.has_value());  // "sending", as a crash leaves it
  EXPECT_EQ(left[0].record.attempts, 0);

  StartNotifier({{hook, {}}}, routing, FastOptions());  // the restarted notifier
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 1));
  auto ids = rx->webhook_ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids.begin()->first, left[0].record.idempotency_key);
  EXPECT_EQ(ids.begin()->second, 2);
}

// Verifies the same crash on Jira opens no second issue: the re-send searches the dedupe label,
// finds the issue the first attempt created and comments on it.
TEST_F(NotifierTest, RestartMidSendJiraOpensNoSecondIssue) {
  auto rx = Receiver({.provider = Provider::kJira});
  ASSERT_NE(rx, nullptr);
  ReceiverOptions d;
  auto jira = adapters::notify::JiraChannel::Make("jira", {.base_url = rx->base_url(),
                                                           .email = d.jira_email,
                                                           .api_token = Secret(d.jira_token),
                                                           .project_key = d.jira_project});
  ASSERT_TRUE(jira.has_value()) << jira.error().message;
  owned_.push_back(std::move(jira).value());
  auto routing = Routes({{.name = "all", .channels = {"jira"}}}, {"jira"});
  gateway_.fail_attempt_records = 3;
  StartNotifier({{owned_.back().get(), {5, 5}}}, routing, FastOptions());
  Publish(PostureChanged("web-shop", "up", "down", NowMs()));
  ASSERT_TRUE(WaitFor([&] { return gateway_.fail_attempt_records == 0; }));
  StopNotifier();
  ASSERT_EQ(rx->jira_issues().size(), 1u);

  StartNotifier({{owned_.back().get(), {5, 5}}}, routing, FastOptions());
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 1));
  auto issues = rx->jira_issues();
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].comments.size(), 1u);  // the re-send commented instead of creating
  EXPECT_EQ(gateway_.deliveries()[0].record.external_ref, issues[0].key);
  for (const auto& r : rx->requests()) EXPECT_THAT(r.problems, IsEmpty());
}

// ---- Micro-batches (HandleBatch) -------------------------------------------------------------

// The in-memory gateway with call counters and a hook run just before the batch write (to play
// another notifier that writes first).
class CountingGateway : public InMemoryNotificationGateway {
 public:
  Result<std::optional<ports::platform::NotifyLogRecord>> GetNotifyLog(
      std::string_view channel, std::string_view problem_key) override {
    ++single_reads;
    return InMemoryNotificationGateway::GetNotifyLog(channel, problem_key);
  }
  Result<std::vector<std::optional<ports::platform::NotifyLogRecord>>> GetNotifyLogs(
      std::span<const ports::platform::NotifyLogKey> keys) override {
    ++batch_reads;
    std::vector<std::optional<ports::platform::NotifyLogRecord>> out;
    for (const auto& k : keys) {
      auto r = InMemoryNotificationGateway::GetNotifyLog(k.channel, k.problem_key);
      if (!r.has_value()) return Unexpected(r.error());
      out.push_back(*r);
    }
    return out;
  }
  Result<std::vector<Result<ports::platform::EventNotificationsResult>>> RecordEventNotifications(
      std::span<const ports::platform::EventNotifications> events) override {
    ++batch_writes;
    if (before_write) before_write();
    return NotificationGateway::RecordEventNotifications(events);
  }
  std::function<void()> before_write;
  std::atomic<int> single_reads{0};
  std::atomic<int> batch_reads{0};
  std::atomic<int> batch_writes{0};
};

jobqueue::Message MessageOf(const Envelope& e) {
  jobqueue::Message m;
  m.id = e.event_id;
  m.payload = adapters::json::EncodeEnvelope(e);
  m.attempt = 1;
  return m;
}

std::string Reason(InMemoryNotificationGateway& gw, const Envelope& e) {
  auto why = gw.routing(e.event_id);
  if (!why || why->targets.empty()) return "<none>";
  return why->targets[0].reason;
}

// Verifies a batch reads the notify log once and writes once, and that four events of one
// problem in one batch fold in message order: down (new problem, sent), still down (unchanged,
// skipped), up (resolved, sent), down again (new problem, sent).
TEST_F(NotifierTest, HandleBatchFoldsEventsOfOneProblemInOrder) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  CountingGateway gw;
  Notifier n(*queue_, gw, assets_, {{hook, {}}},
             Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), MakeSender, clock_,
             metrics_, FastOptions());
  const int64_t t = NowMs();
  const std::vector<Envelope> events = {PostureChanged("web-shop", "up", "down", t),
                                        PostureChanged("web-shop", "stale", "down", t + 1),
                                        PostureChanged("web-shop", "down", "up", t + 2),
                                        PostureChanged("web-shop", "up", "down", t + 3)};
  std::vector<jobqueue::Message> batch;
  for (const auto& e : events) batch.push_back(MessageOf(e));
  std::vector<jobqueue::Outcome> outcomes = n.HandleBatch(batch);
  ASSERT_EQ(outcomes.size(), 4u);
  for (const auto& o : outcomes) EXPECT_EQ(o.kind, jobqueue::Outcome::kDone) << o.reason;
  EXPECT_EQ(gw.batch_reads, 1);
  EXPECT_EQ(gw.batch_writes, 1);
  EXPECT_EQ(gw.single_reads, 0);  // nothing handled alone
  EXPECT_EQ(Reason(gw, events[0]), "new_problem");
  EXPECT_EQ(Reason(gw, events[1]), "skip_unchanged");
  EXPECT_EQ(Reason(gw, events[2]), "resolved");
  EXPECT_EQ(Reason(gw, events[3]), "new_problem");
  auto ds = gw.deliveries();
  ASSERT_EQ(ds.size(), 3u);
  std::set<std::string> sent;
  for (const auto& d : ds) sent.insert(d.record.event_id);
  EXPECT_EQ(sent,
            (std::set<std::string>{events[0].event_id, events[2].event_id, events[3].event_id}));
  auto log = gw.GetNotifyLog("hook", "web-shop/posture");
  ASSERT_TRUE(log.has_value() && log->has_value());
  EXPECT_EQ((*log)->version, 3);  // three writes: down, up, down (the skip wrote nothing)
  EXPECT_EQ((*log)->entry.last_event_id, events[3].event_id);
  EXPECT_EQ((*log)->entry.last_status, core::model::ProblemStatus::kFiring);

  // The same batch again (a redelivery): nothing new is sent. The last event is a duplicate
  // (its first decision is kept); the earlier ones are now older than the log (out of order),
  // as HandleEvent decides them too.
  outcomes = n.HandleBatch(batch);
  for (const auto& o : outcomes) EXPECT_EQ(o.kind, jobqueue::Outcome::kDone) << o.reason;
  EXPECT_EQ(gw.deliveries().size(), 3u);
  EXPECT_EQ(Reason(gw, events[3]), "new_problem");
  EXPECT_EQ(Reason(gw, events[0]), "skip_out_of_order");
  auto again = gw.GetNotifyLog("hook", "web-shop/posture");
  ASSERT_TRUE(again.has_value() && again->has_value());
  EXPECT_EQ((*again)->version, 3);
}

// Verifies an event whose notify-log compare-and-set lost in the batch write (another notifier
// wrote its problem first) is handled again on its own, and only it: the other event is stored
// by the batch, both are acknowledged, each problem has one delivery.
TEST_F(NotifierTest, HandleBatchRehandlesOnlyTheEventWhoseCompareAndSetLost) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  CountingGateway gw;
  Notifier n(*queue_, gw, assets_, {{hook, {}}},
             Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), MakeSender, clock_,
             metrics_, FastOptions());
  const int64_t t = NowMs();
  const Envelope a = PostureChanged("web-a", "up", "down", t);
  const Envelope b = PostureChanged("web-b", "up", "down", t);
  gw.before_write = [&] {
    // Another notifier recorded web-b's problem as resolved after our read.
    ports::platform::NotifyLogRecord other;
    other.entry = {.channel = "hook",
                   .problem_key = "web-b/posture",
                   .last_status = core::model::ProblemStatus::kResolved,
                   .last_event_id = "other-notifier-event"};
    ASSERT_TRUE(gw.PutNotifyLog(other, 0).has_value());
  };
  std::vector<jobqueue::Message> batch = {MessageOf(a), MessageOf(b)};
  std::vector<jobqueue::Outcome> outcomes = n.HandleBatch(batch);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].kind, jobqueue::Outcome::kDone) << outcomes[0].reason;
  EXPECT_EQ(outcomes[1].kind, jobqueue::Outcome::kDone) << outcomes[1].reason;
  EXPECT_EQ(gw.batch_writes, 1);
  EXPECT_EQ(gw.single_reads, 1);  // HandleEvent for web-b only
  EXPECT_EQ(Reason(gw, a), "new_problem");
  EXPECT_EQ(Reason(gw, b), "new_problem");  // decided again over the other notifier's entry
  auto log_b = gw.GetNotifyLog("hook", "web-b/posture");
  ASSERT_TRUE(log_b.has_value() && log_b->has_value());
  EXPECT_EQ((*log_b)->version, 2);
  EXPECT_EQ((*log_b)->entry.last_event_id, b.event_id);
  auto log_a = gw.GetNotifyLog("hook", "web-a/posture");
  ASSERT_TRUE(log_a.has_value() && log_a->has_value());
  EXPECT_EQ((*log_a)->version, 1);
  EXPECT_EQ(gw.deliveries().size(), 2u);
}

// Verifies a notifier killed in the middle of a batch (its writes stored, no message
// acknowledged, nothing sent yet) duplicates nothing: the restarted notifier gets the messages
// again, decides skip_duplicate_event, creates no delivery, and the sweep sends each stored
// delivery exactly once.
TEST_F(NotifierTest, KilledMidBatchDuplicatesNothing) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  auto routing = Routes({{.name = "all", .channels = {"hook"}}}, {"hook"});
  const int64_t t = NowMs();
  std::vector<Envelope> events;
  for (int i = 0; i < 20; ++i) {
    events.push_back(PostureChanged("web-" + std::to_string(i % 5), i / 5 % 2 ? "down" : "up",
                                    i / 5 % 2 ? "up" : "down", t + i));
  }
  {
    // The first notifier stores the batch's writes, then dies: no ack, no send.
    Notifier dying(*queue_, gateway_, assets_, {{hook, {}}}, routing, MakeSender, clock_, metrics_,
                   FastOptions());
    std::vector<jobqueue::Message> batch;
    for (const auto& e : events) batch.push_back(MessageOf(e));
    for (const auto& o : dying.HandleBatch(batch)) EXPECT_EQ(o.kind, jobqueue::Outcome::kDone);
  }
  const size_t stored = gateway_.deliveries().size();
  EXPECT_EQ(stored, 20u);  // every event flips its asset: every one is sent
  EXPECT_EQ(rx->request_count(), 0u);
  // The queue redelivers the unacknowledged messages to the restarted notifier.
  for (const auto& e : events) Publish(e);
  StartNotifier({{hook, {}}}, routing, FastOptions());
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, stored));
  ASSERT_TRUE(WaitFor([&] {
    for (const auto& e : events) {
      auto why = gateway_.routing(e.event_id);
      if (!why) return false;
    }
    return true;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto ids = rx->webhook_ids();
  EXPECT_EQ(ids.size(), stored);
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << id;
  EXPECT_EQ(gateway_.deliveries().size(), stored);
  for (const auto& e : events) EXPECT_NE(Reason(gateway_, e), "<none>");
}

// Verifies late answers are honoured: the receiver stalls (its only io thread hangs on the first
// request; the others wait unread on their connections) past the requests' timeout, then
// recovers and accepts what was queued. The notifier kept those requests open, records their
// late 200s as delivered and holds their retries; the hung request's late 503 lets its retry go.
// Every webhook-id is accepted exactly once. (Abandoning the timed-out requests, as before,
// gets the queued ones accepted AND their retries: webhook-ids accepted twice.)
TEST_F(NotifierTest, LateAnswersAfterHangAcceptEveryWebhookOnce) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec, .io_threads = 1});
  ASSERT_NE(rx, nullptr);
  rx->SetOutage(ScriptedReply::Hang());
  auto hook = Webhook(*rx, "hook", std::chrono::milliseconds(300));
  NotifierOptions o = FastOptions();
  StartNotifier({{.channel = hook, .rate_limit = {}, .max_in_flight = 8}},
                Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), o);
  const int64_t t = NowMs();
  constexpr int kEvents = 6;
  for (int i = 0; i < kEvents; ++i) {
    Publish(PostureChanged("web-" + std::to_string(i), "up", "down", t + i));
  }
  ASSERT_TRUE(rx->WaitForRequests(1, std::chrono::seconds(10)));
  // Every first attempt times out (300 ms) while the receiver stalls.
  ASSERT_TRUE(WaitFor([&] {
    auto ds = gateway_.deliveries();
    if (ds.size() != kEvents) return false;
    for (const auto& d : ds) {
      if (d.record.attempts < 1) return false;
    }
    return true;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  rx->SetOutage(std::nullopt);
  rx->ReleaseHangs();
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, kEvents, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // several sweeps
  auto accepted = rx->webhook_ids_accepted();
  EXPECT_EQ(accepted.size(), static_cast<size_t>(kEvents));
  for (const auto& [id, count] : accepted) EXPECT_EQ(count, 1) << id;
  int late = 0;
  for (const auto& d : gateway_.deliveries()) {
    ASSERT_TRUE(d.record.last_response.has_value());
    if (d.record.last_response->detail.rfind("late answer: ", 0) == 0) ++late;
  }
  EXPECT_GE(late, 1);  // at least one queued request was settled by its late answer
}

// Verifies a backlog far beyond the channel's send slots drains completely, each delivery sent
// once and never more than max_in_flight at a time: deliveries waiting for a slot are handed
// out by the dispatcher as sends finish (not re-queued wholesale on every finished send).
TEST_F(NotifierTest, BacklogBeyondSendSlotsDrainsOnceEach) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  StartNotifier({{.channel = hook, .rate_limit = {}, .max_in_flight = 2}},
                Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), FastOptions());
  const int64_t t = NowMs();
  constexpr int kEvents = 300;
  for (int i = 0; i < kEvents; ++i) {
    Publish(PostureChanged("web-" + std::to_string(i), "up", "down", t + i));
  }
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, kEvents, std::chrono::seconds(30)));
  auto accepted = rx->webhook_ids_accepted();
  EXPECT_EQ(accepted.size(), static_cast<size_t>(kEvents));
  for (const auto& [id, count] : accepted) EXPECT_EQ(count, 1) << id;
  EXPECT_LE(rx->max_concurrent(), 2);
}

// Verifies a batch the provider accepted gives its send slots back before its results are
// recorded: with a slow API (3 s per recording) and 2 slots, all 4 sender threads have sent one
// delivery a second later, never more than 2 at once; and after a failure (500) the 2 slots wait
// for the recording (which applies the backoff and probing first): 2 requests only.
TEST_F(NotifierTest, AcceptedSendsGiveTheirSlotsBackBeforeTheRecording) {
  EXPECT_EQ(RequestsWhileRecordingIsSlow(/*failing=*/false), 4u);
}
TEST_F(NotifierTest, FailedSendsKeepTheirSlotsUntilRecorded) {
  EXPECT_EQ(RequestsWhileRecordingIsSlow(/*failing=*/true), 2u);
}

// Verifies a backlog that waits for its channel's slot longer than the claim lease is still
// sent once each, never more than its slots at once: the sweep lists the waiting deliveries as due
// again (their creation claims ran out) while they wait, and none of them goes out twice.
TEST_F(NotifierTest, BacklogWaitingPastItsClaimLeaseIsSentOnceEach) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  rx->SetOutage(ScriptedReply::Delayed(std::chrono::milliseconds(60)));
  auto hook = Webhook(*rx);
  NotifierOptions o = FastOptions();  // claim lease 500 ms, sweep every 100 ms
  StartNotifier({{.channel = hook, .rate_limit = {}, .max_in_flight = 4}},
                Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), o);
  const int64_t t = NowMs();
  constexpr int kEvents = 120;  // ~1.8 s of sends behind four slots: most wait past the lease
  for (int i = 0; i < kEvents; ++i) {
    Publish(PostureChanged("web-" + std::to_string(i), "up", "down", t + i));
  }
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, kEvents, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // anything sent twice arrives
  auto ids = rx->webhook_ids();
  EXPECT_EQ(ids.size(), static_cast<size_t>(kEvents));
  for (const auto& [id, count] : ids) EXPECT_EQ(count, 1) << id;
  EXPECT_LE(rx->max_concurrent(), 4);
}

// Verifies a delivery is created already claimed by its notifier and, sent while that claim is
// young, needs no separate claim write: one write to create it, one to record the attempt.
TEST_F(NotifierTest, DeliveryCreatedClaimedIsSentWithoutAClaimWrite) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  NotifierOptions o = FastOptions();
  o.claim_lease = std::chrono::seconds(30);
  StartNotifier({{hook, {}}}, Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), o);
  const int64_t t = NowMs();
  for (int i = 0; i < 5; ++i) Publish(PostureChanged("web-" + std::to_string(i), "up", "down", t));
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 5));
  EXPECT_EQ(gateway_.created_claimed.load(), 5);
  EXPECT_EQ(gateway_.claims_written.load(), 0);
  for (const auto& d : gateway_.deliveries()) {
    EXPECT_FALSE(d.sending_since.has_value());  // the recorded attempt cleared the claim
    EXPECT_EQ(d.record.attempts, 1);
  }
  EXPECT_EQ(rx->webhook_ids_accepted().size(), 5u);
}

// Verifies the one-message-at-a-time path (handle_batch 1, as for a batch's re-handled event)
// sends a delivery created claimed at once too, not when its claim's lease ends.
TEST_F(NotifierTest, OneAtATimeSendsTheClaimedDeliveryAtOnce) {
  auto rx = Receiver({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
  ASSERT_NE(rx, nullptr);
  auto hook = Webhook(*rx);
  NotifierOptions o = FastOptions();
  o.handle_batch = 1;
  o.claim_lease = std::chrono::seconds(60);
  StartNotifier({{hook, {}}}, Routes({{.name = "all", .channels = {"hook"}}}, {"hook"}), o);
  Publish(PostureChanged("web-shop", "up", "down", NowMs()));
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 1, std::chrono::seconds(10)));
  EXPECT_EQ(gateway_.created_claimed.load(), 1);
  EXPECT_EQ(gateway_.claims_written.load(), 0);
}

// Verifies a delivery that waited past half its creation claim's lease (here: behind Slack's
// 1 message/s) is claimed again before it is sent, and every message is still sent once.
TEST_F(NotifierTest, CreationClaimPastHalfItsLeaseIsClaimedAgain) {
  auto rx = Receiver({.provider = Provider::kSlack});
  ASSERT_NE(rx, nullptr);
  StartSlackAtDefaultRate(*rx);
  const int64_t t = NowMs();
  for (const char* asset : {"a1", "a2", "a3"}) Publish(PostureChanged(asset, "up", "down", t));
  ASSERT_TRUE(AllDeliveriesIn(DeliveryState::kDelivered, 3));
  // claim_lease is 500 ms: the 2nd and 3rd wait about 1 s and 2 s for their tokens.
  EXPECT_GE(gateway_.claims_written.load(), 2);
  EXPECT_EQ(rx->request_count(), 3u);
}

}  // namespace
}  // namespace secplat::services::notifier
