// The notifier role on real processes: `secplat api` (SQLite + the embedded queue) and
// `secplat notifier` with a routes file sending posture.changed events to a signed webhook and
// to Jira, both loopback receivers that check the provider's documented request. Events are
// recorded through the API as the deriver records them (POST /api/v1/events, service token);
// the outbox carries them to secplat.events.notify.
//
// Shown here: each event reaches each channel once with a valid request, and the "why" view
// tells what happened; a provider's Retry-After is honoured; a notifier killed mid-send (the
// provider accepted, the answer never came back) sends no second Jira issue and re-sends the
// webhook under the same webhook-id; with both providers failing for a while, every
// notification is delivered exactly once after they recover, and the API keeps answering; a
// receiver that stalls past the request timeout and then accepts what was queued (late
// answers) gets every webhook-id once.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"
#include "tests/support/receivers.h"

namespace secplat::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kWhsec[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

json Body(const adapters::http::ClientResponse& r) {
  return json::parse(r.body, nullptr, /*allow_exceptions=*/false);
}

std::string NewUuid() {
  static std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<uint64_t> d;
  uint64_t a = d(rng), b = d(rng);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0x0fff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string IsoNow(std::chrono::milliseconds offset = 0ms) {
  auto t = std::chrono::system_clock::now() + offset;
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms));
  return out;
}

template <typename F>
bool WaitFor(F done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

class NotifierE2e : public ::testing::Test {
 protected:
  void SetUp() override {
    auto hook = ProviderReceiver::Start({.provider = Provider::kWebhook, .webhook_secret = kWhsec});
    ASSERT_TRUE(hook.has_value()) << hook.error().message;
    hook_ = std::move(*hook);
    auto jira = ProviderReceiver::Start({.provider = Provider::kJira});
    ASSERT_TRUE(jira.has_value()) << jira.error().message;
    jira_ = std::move(*jira);

    h_ = Harness::Create();
    h_->Start("api");
    for (const char* key : {"web-1", "web-2", "web-3"}) {
      json asset = {{"asset_key", key},
                    {"kind", "web"},
                    {"url", std::string("https://") + key + ".example.test/"},
                    {"labels", {{"team", "payments"}}}};
      auto r = h_->Call("POST", "/api/v1/assets", asset.dump(), h_->analyst_token);
      ASSERT_EQ(r.status, 201) << r.body;
    }
    ReceiverOptions d;
    routes_file_ = h_->dir + "/routes.yaml";
    std::ofstream out(routes_file_);
    out << "channels:\n"
        << "  - name: hook\n"
        << "    type: webhook\n"
        << "    url: " << hook_->url("/hook") << "\n"
        << "    secret_env: E2E_WEBHOOK_SECRET\n"
        << "    timeout: 5s\n"
        << "  - name: jira\n"
        << "    type: jira\n"
        << "    base_url: " << jira_->base_url() << "\n"
        << "    email: " << d.jira_email << "\n"
        << "    api_token_env: E2E_JIRA_TOKEN\n"
        << "    project_key: " << d.jira_project << "\n"
        << "    rate_limit: {per_second: 50, burst: 50}\n"
        << "    timeout: 5s\n"
        << "routes:\n"
        << "  - name: posture-to-all\n"
        << "    event_types: [posture.changed]\n"
        << "    labels: ['team=\"payments\"']\n"
        << "    channels: [hook, jira]\n"
        << "    repeat_interval: 0\n";
    out.close();
    env_ = {{"SECPLAT_NOTIFIER_ROUTES_FILE", routes_file_},
            {"SECPLAT_NOTIFIER_SWEEP_INTERVAL", "200ms"},
            {"SECPLAT_NOTIFIER_CLAIM_LEASE", "3s"},
            {"E2E_WEBHOOK_SECRET", kWhsec},
            {"E2E_JIRA_TOKEN", d.jira_token}};
  }

  pid_t StartNotifier() { return notifier_ = h_->StartRole("notifier", {"notifier"}, env_); }

  // Records a posture.changed event as the deriver does; returns its event id.
  std::string PostureChanged(const std::string& asset, const std::string& from,
                             const std::string& to) {
    std::string id = NewUuid();
    json e = {{"event_id", id},
              {"event_type", "posture.changed"},
              {"ts", IsoNow()},
              {"org_id", "default"},
              {"asset_key", asset},
              {"severity", to == "up" ? "info" : "high"},
              {"payload",
               {{"from", from},
                {"to", to},
                {"reason", to == "up" ? "recovered" : "confirmed_down"},
                {"reason_text", "e2e: " + from + " -> " + to}}}};
    auto r = h_->Call("POST", "/api/v1/events", e.dump(), h_->service_token);
    EXPECT_EQ(r.status, 201) << r.body;
    return id;
  }

  // GET /api/v1/notifications?<query> items.
  json Why(const std::string& query) {
    auto r = h_->Call("GET", "/api/v1/notifications?" + query, "", h_->viewer_token);
    EXPECT_EQ(r.status, 200) << r.body;
    json b = Body(r);
    return b.is_object() && b.contains("items") ? b["items"] : json::array();
  }

  // Every delivery of the view in `state` (and at least `n` of them).
  bool DeliveriesIn(const std::string& query, const std::string& state, size_t n) {
    json items = Why(query);
    size_t count = 0;
    for (const json& item : items) {
      if (!item.contains("targets")) continue;
      for (const json& t : item["targets"]) {
        if (!t.contains("delivery") || t["delivery"].is_null()) continue;
        if (t["delivery"].value("state", "") != state) return false;
        ++count;
      }
    }
    return count >= n;
  }

  std::string Logs() { return h_->RoleLog("notifier") + "\napi:\n" + h_->LogText(); }

  std::unique_ptr<ProviderReceiver> hook_;
  std::unique_ptr<ProviderReceiver> jira_;
  std::unique_ptr<Harness> h_;
  std::string routes_file_;
  std::map<std::string, std::string> env_;
  pid_t notifier_ = -1;
};

// Verifies a down and an up event each reach the webhook and Jira once with requests the
// receivers accept (signature, auth, fields), and the "why" view shows the routing decision and
// the delivered attempt of every (event, channel).
TEST_F(NotifierE2e, PostureChangesReachEveryChannelOnceAndTheWhyViewTellsIt) {
  StartNotifier();
  std::string down = PostureChanged("web-1", "up", "down");
  ASSERT_TRUE(WaitFor([&] { return DeliveriesIn("event_id=" + down, "delivered", 2); }, 20s))
      << Why("event_id=" + down).dump(2) << Logs();
  std::string up = PostureChanged("web-1", "down", "up");
  ASSERT_TRUE(WaitFor([&] { return DeliveriesIn("event_id=" + up, "delivered", 2); }, 20s))
      << Why("event_id=" + up).dump(2) << Logs();

  // Webhook: two messages (firing, resolved), each once, each valid.
  auto hooks = hook_->requests();
  ASSERT_EQ(hooks.size(), 2u);
  for (const auto& r : hooks) EXPECT_TRUE(r.problems.empty()) << r.problems.front();
  json first = json::parse(hooks[0].body);
  json second = json::parse(hooks[1].body);
  EXPECT_EQ(first["status"], "firing") << first.dump();
  EXPECT_EQ(second["status"], "resolved") << second.dump();
  EXPECT_NE(hooks[0].Header("webhook-id"), hooks[1].Header("webhook-id"));
  // Jira: one issue, labelled, resolved by the up event.
  auto issues = jira_->jira_issues();
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_FALSE(issues[0].resolution.empty()) << "the up event transitions the issue";
  for (const auto& r : jira_->requests()) EXPECT_TRUE(r.problems.empty()) << r.path;

  // The "why" view: matched rule, dedup reason, one attempt with its status.
  json items = Why("event_id=" + down);
  ASSERT_EQ(items.size(), 1u) << items.dump(2);
  EXPECT_EQ(items[0]["asset_key"], "web-1");
  ASSERT_EQ(items[0]["targets"].size(), 2u) << items.dump(2);
  for (const json& t : items[0]["targets"]) {
    EXPECT_EQ(t["rule"], "posture-to-all") << t.dump();
    EXPECT_EQ(t["reason"], "new_problem") << t.dump();
    EXPECT_EQ(t["delivery"]["attempts"].size(), 1u) << t.dump();
  }
  // By asset and by channel too.
  EXPECT_EQ(Why("asset_key=web-1").size(), 2u);
  EXPECT_GE(Why("channel=hook").size(), 2u);
  EXPECT_TRUE(Why("asset_key=web-2").empty());
  // No secret reaches the API.
  auto all = h_->Call("GET", "/api/v1/notifications?asset_key=web-1", "", h_->viewer_token);
  EXPECT_EQ(all.body.find(kWhsec + 6), std::string::npos);
  EXPECT_EQ(all.body.find(ReceiverOptions{}.jira_token), std::string::npos);
  EXPECT_EQ(Logs().find(ReceiverOptions{}.jira_token), std::string::npos);
}

// Verifies a 429 with Retry-After: 2 holds the next attempt at least two seconds, and the
// message is then delivered once.
TEST_F(NotifierE2e, RetryAfterIsHonouredAcrossProcesses) {
  hook_->Script({ScriptedReply::RateLimited("2")});
  StartNotifier();
  std::string down = PostureChanged("web-2", "up", "down");
  ASSERT_TRUE(WaitFor([&] { return DeliveriesIn("event_id=" + down, "delivered", 2); }, 30s))
      << Why("event_id=" + down).dump(2) << Logs();
  auto hooks = hook_->requests();
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(hooks[0].answered_status, 429);
  EXPECT_EQ(hooks[1].answered_status, 200);
  EXPECT_GE(hooks[1].received_at - hooks[0].received_at, 2s);
  EXPECT_EQ(hooks[0].Header("webhook-id"), hooks[1].Header("webhook-id"));
  json items = Why("event_id=" + down + "&channel=hook");
  ASSERT_EQ(items.size(), 1u);
  ASSERT_EQ(items[0]["targets"].size(), 1u) << items.dump(2);
  json attempts = items[0]["targets"][0]["delivery"]["attempts"];
  ASSERT_EQ(attempts.size(), 2u) << attempts.dump();
  EXPECT_EQ(attempts[0]["status"], 429);
}

// Verifies a notifier killed while the providers hold an accepted request sends no duplicate:
// after the claim lease a restarted notifier re-sends the webhook with the same webhook-id (a
// deduping receiver sees one message) and finds the Jira issue by its label instead of opening
// a second one.
TEST_F(NotifierE2e, KilledMidSendSendsNoDuplicate) {
  hook_->Script({ScriptedReply::AcceptThenHang()});
  jira_->Script({ScriptedReply::Pass(), ScriptedReply::AcceptThenHang()});  // search, create
  pid_t first = StartNotifier();
  std::string down = PostureChanged("web-3", "up", "down");
  ASSERT_TRUE(hook_->WaitForRequests(1, 20s)) << Logs();
  ASSERT_TRUE(jira_->WaitForRequests(2, 20s)) << Logs();
  ASSERT_EQ(jira_->jira_issues().size(), 1u);  // Jira accepted the create
  EXPECT_EQ(h_->StopRole(first, /*hard=*/true), 128 + SIGKILL);
  hook_->ReleaseHangs();
  jira_->ReleaseHangs();

  StartNotifier();
  ASSERT_TRUE(WaitFor([&] { return DeliveriesIn("event_id=" + down, "delivered", 2); }, 30s))
      << Why("event_id=" + down).dump(2) << Logs();
  auto ids = hook_->webhook_ids();
  ASSERT_EQ(ids.size(), 1u) << "one message id, re-sent";
  EXPECT_EQ(ids.begin()->second, 2);
  EXPECT_EQ(hook_->webhook_ids_accepted().begin()->second, 1);
  auto issues = jira_->jira_issues();
  ASSERT_EQ(issues.size(), 1u) << "no second issue";
  EXPECT_EQ(issues[0].comments.size(), 1u);  // the re-send commented on the issue it found
}

// Verifies that with the webhook failing (500) and Jira hanging for a while, the API keeps
// answering its normal routes, and after recovery every notification is delivered exactly once
// (one 2xx per webhook-id, one Jira issue per problem). API latency under such an outage is
// measured by bench/notify/outage.sh; here only that the API answers.
TEST_F(NotifierE2e, ProvidersDownThenEveryNotificationDeliveredExactlyOnce) {
  hook_->SetOutage(ScriptedReply::ServerError(500));
  jira_->SetOutage(ScriptedReply::Hang());
  StartNotifier();
  std::vector<std::string> events;
  for (const char* asset : {"web-1", "web-2", "web-3"}) {
    events.push_back(PostureChanged(asset, "up", "down"));
  }
  // The outage lasts while the notifier retries; the API answers throughout.
  auto outage_end = std::chrono::steady_clock::now() + 8s;
  int answered = 0;
  while (std::chrono::steady_clock::now() < outage_end) {
    auto r = h_->Call("GET", "/api/v1/assets?limit=10", "", h_->viewer_token);
    EXPECT_EQ(r.status, 200);
    ++answered;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GT(answered, 20);
  EXPECT_GT(hook_->request_count(), 0u) << "the webhook was tried during the outage";
  hook_->SetOutage(std::nullopt);
  jira_->SetOutage(std::nullopt);
  jira_->ReleaseHangs();

  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& id : events) {
          if (!DeliveriesIn("event_id=" + id, "delivered", 2)) return false;
        }
        return true;
      },
      90s))
      << Logs();
  auto accepted = hook_->webhook_ids_accepted();
  EXPECT_EQ(accepted.size(), events.size());
  for (const auto& [id, n] : accepted) EXPECT_EQ(n, 1) << id;
  // Jira: one issue per asset problem, however many times the create was tried.
  EXPECT_EQ(jira_->jira_issues().size(), 3u);
  for (const auto& r : hook_->requests()) EXPECT_TRUE(r.problems.empty());
}

// Verifies late answers across processes: the webhook receiver stalls (one io thread, hung on
// the first request; the later requests wait unread on their connections) past the requests'
// 1 s timeout, then recovers and reads what was queued. The notifier kept the timed-out
// requests open: it records their late 200s as delivered instead of sending retries, and the
// hung request's late 503 lets its retry go. Every webhook-id is accepted exactly once.
TEST_F(NotifierE2e, StalledReceiverLateAnswersAcceptEveryWebhookOnce) {
  auto stalled = ProviderReceiver::Start(
      {.provider = Provider::kWebhook, .webhook_secret = kWhsec, .io_threads = 1});
  ASSERT_TRUE(stalled.has_value()) << stalled.error().message;
  hook_ = std::move(*stalled);
  {
    std::ofstream out(routes_file_, std::ios::trunc);
    out << "channels:\n"
        << "  - name: hook\n"
        << "    type: webhook\n"
        << "    url: " << hook_->url("/hook") << "\n"
        << "    secret_env: E2E_WEBHOOK_SECRET\n"
        << "    timeout: 1s\n"
        << "routes:\n"
        << "  - name: posture-to-hook\n"
        << "    event_types: [posture.changed]\n"
        << "    channels: [hook]\n"
        << "    repeat_interval: 0\n";
  }
  hook_->SetOutage(ScriptedReply::Hang());
  StartNotifier();
  std::vector<std::string> events;
  for (const char* asset : {"web-1", "web-2", "web-3"}) {
    events.push_back(PostureChanged(asset, "up", "down"));
  }
  ASSERT_TRUE(hook_->WaitForRequests(1, 20s)) << Logs();
  std::this_thread::sleep_for(3s);  // every request timed out; their retries were due
  hook_->SetOutage(std::nullopt);
  hook_->ReleaseHangs();
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& id : events) {
          if (!DeliveriesIn("event_id=" + id, "delivered", 1)) return false;
        }
        return true;
      },
      60s))
      << Logs();
  std::this_thread::sleep_for(1s);  // several sweeps: no retry follows
  auto accepted = hook_->webhook_ids_accepted();
  EXPECT_EQ(accepted.size(), events.size());
  for (const auto& [id, n] : accepted) EXPECT_EQ(n, 1) << id;
  for (const auto& r : hook_->requests()) EXPECT_TRUE(r.problems.empty());
}

}  // namespace
}  // namespace secplat::testing
