// CurlSender's late answers against a real loopback HTTP server (the Slack receiver): a request
// with may_linger that is unanswered at its timeout is reported as a timeout at once and kept
// open; its late answer comes from PollLate, or a timeout when the linger runs out. Requests
// without may_linger are abandoned at their timeout as before.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "adapters/notify/curl_sender.h"
#include "adapters/notify/slack_channel.h"
#include "tests/support/receivers.h"

namespace secplat::adapters::notify {
namespace {

using core::model::NotifyEvent;
using core::model::ProblemStatus;
using core::model::Secret;
using core::model::Severity;
using core::model::TransportError;
using std::chrono::milliseconds;
using ::testing::HasSubstr;
using testing::Provider;
using testing::ProviderReceiver;
using testing::ReceiverOptions;
using testing::ScriptedReply;
using Clock = std::chrono::steady_clock;

NotifyEvent Event() {
  NotifyEvent e;
  e.event_id = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b";
  e.event_type = "posture.changed";
  e.ts = FromUnixMillis(1764358320000);
  e.asset_key = "web-shop";
  e.severity = Severity::kHigh;
  e.problem_key = "web-shop/health";
  e.status = ProblemStatus::kFiring;
  e.state = "down";
  e.summary = "HTTP health down";
  return e;
}

class CurlSenderLinger : public ::testing::Test {
 protected:
  void SetUp() override {
    auto rx = ProviderReceiver::Start({.provider = Provider::kSlack});
    ASSERT_TRUE(rx.has_value()) << rx.error().message;
    rx_ = std::move(rx).value();
  }

  // A valid Slack request to the receiver, with a short timeout.
  ports::OutboundRequest Request(Duration timeout, bool may_linger) {
    ReceiverOptions d;
    auto slack = SlackChannel::Make(
        "slack-ops", {.webhook_url = Secret(rx_->url(d.slack_path)), .timeout = timeout});
    EXPECT_TRUE(slack.has_value());
    auto r = (*slack)->Render(Event(), {.idempotency_key = "k", .attempt = 1, .now = {}});
    EXPECT_TRUE(r.has_value());
    r->may_linger = may_linger;
    return *r;
  }

  static std::unique_ptr<CurlSender> Sender(CurlSenderOptions o) {
    auto s = CurlSender::Make(o);
    EXPECT_TRUE(s.has_value());
    return s.has_value() ? std::move(s).value() : nullptr;
  }

  // Polls until a late result arrives (or `within` passes).
  static std::vector<ports::LateResult> WaitLate(CurlSender& s, Duration within) {
    const auto end = Clock::now() + within;
    while (Clock::now() < end) {
      auto late = s.PollLate();
      if (!late.empty()) return late;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return {};
  }

  std::unique_ptr<ProviderReceiver> rx_;
};

// Verifies an answer that comes after the request's timeout but within the linger is reported
// late with its 2xx: the timeout at once (with a linger id), then the 200 from PollLate.
TEST_F(CurlSenderLinger, AnswerAfterTimeoutWithinLingerIsReportedLate) {
  auto sender = Sender({.linger = std::chrono::seconds(5)});
  ASSERT_NE(sender, nullptr);
  rx_->Script({ScriptedReply::Delayed(milliseconds(1000))});
  const auto start = Clock::now();
  ports::SendResult r = sender->Send(Request(milliseconds(300), true));
  const auto reported = Clock::now() - start;
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.transport_error, TransportError::kTimeout);
  EXPECT_NE(r.linger_id, 0u);
  EXPECT_EQ(r.linger, std::chrono::seconds(5));
  EXPECT_GE(reported, milliseconds(300));
  EXPECT_LT(reported, milliseconds(800));  // reported at its own timeout, not at the answer
  EXPECT_EQ(sender->Lingering(), 1u);

  std::vector<ports::LateResult> late = WaitLate(*sender, std::chrono::seconds(5));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].linger_id, r.linger_id);
  EXPECT_EQ(late[0].result.status, 200);
  EXPECT_EQ(late[0].result.transport_error, TransportError::kNone);
  EXPECT_EQ(late[0].result.body_excerpt, "ok");
  EXPECT_GE(late[0].result.latency, milliseconds(950));
  EXPECT_EQ(sender->Lingering(), 0u);
  EXPECT_TRUE(sender->PollLate().empty());  // each end is reported once
  EXPECT_EQ(rx_->request_count(), 1u);      // the request was sent once
}

// Verifies an answer beyond the linger is abandoned: PollLate reports a timeout when the linger
// runs out, long before the server would have answered.
TEST_F(CurlSenderLinger, AnswerBeyondLingerIsAbandoned) {
  auto sender = Sender({.linger = milliseconds(500)});
  ASSERT_NE(sender, nullptr);
  rx_->Script({ScriptedReply::Delayed(std::chrono::seconds(4))});
  const auto start = Clock::now();
  ports::SendResult r = sender->Send(Request(milliseconds(300), true));
  ASSERT_NE(r.linger_id, 0u);
  std::vector<ports::LateResult> late = WaitLate(*sender, std::chrono::seconds(3));
  const auto ended = Clock::now() - start;
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].linger_id, r.linger_id);
  EXPECT_EQ(late[0].result.status, 0);
  EXPECT_EQ(late[0].result.transport_error, TransportError::kTimeout);
  EXPECT_THAT(late[0].result.error_message, HasSubstr("linger ran out"));
  EXPECT_GE(ended, milliseconds(750));   // timeout + linger
  EXPECT_LT(ended, milliseconds(2500));  // not the server's 4 s
  EXPECT_EQ(sender->Lingering(), 0u);
}

// Verifies a request without may_linger is abandoned at its timeout, as before: no linger id,
// nothing lingers, nothing is reported late.
TEST_F(CurlSenderLinger, RequestWithoutMayLingerIsAbandonedAtTimeout) {
  auto sender = Sender({.linger = std::chrono::seconds(5)});
  ASSERT_NE(sender, nullptr);
  rx_->Script({ScriptedReply::Delayed(milliseconds(800))});
  ports::SendResult r = sender->Send(Request(milliseconds(300), false));
  EXPECT_EQ(r.transport_error, TransportError::kTimeout);
  EXPECT_EQ(r.linger_id, 0u);
  EXPECT_EQ(sender->Lingering(), 0u);
  std::this_thread::sleep_for(milliseconds(900));
  EXPECT_TRUE(sender->PollLate().empty());
}

// Verifies a lingering request does not hold up later sends: the next request is answered at
// once while the first still lingers, and the first's late answer still arrives.
TEST_F(CurlSenderLinger, LingeringDoesNotBlockLaterSends) {
  auto sender = Sender({.linger = std::chrono::seconds(5)});
  ASSERT_NE(sender, nullptr);
  rx_->Script({ScriptedReply::Delayed(milliseconds(1500))});
  ports::SendResult first = sender->Send(Request(milliseconds(300), true));
  ASSERT_NE(first.linger_id, 0u);
  const auto start = Clock::now();
  ports::SendResult second = sender->Send(Request(std::chrono::seconds(5), true));
  EXPECT_EQ(second.status, 200);
  EXPECT_LT(Clock::now() - start, milliseconds(500));
  std::vector<ports::LateResult> late = WaitLate(*sender, std::chrono::seconds(5));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].linger_id, first.linger_id);
  EXPECT_EQ(late[0].result.status, 200);
}

// Verifies the cap: beyond max_lingering the oldest lingering request is abandoned and reported
// as a connection failure; the newer one still gets its late answer.
TEST_F(CurlSenderLinger, OldestAbandonedBeyondCap) {
  auto sender = Sender({.linger = std::chrono::seconds(5), .max_lingering = 1});
  ASSERT_NE(sender, nullptr);
  rx_->Script(
      {ScriptedReply::Delayed(milliseconds(1000)), ScriptedReply::Delayed(milliseconds(1000))});
  std::vector<ports::OutboundRequest> reqs = {Request(milliseconds(300), true),
                                              Request(milliseconds(400), true)};
  std::vector<ports::SendResult> r = sender->SendBatch(reqs);
  ASSERT_EQ(r.size(), 2u);
  ASSERT_NE(r[0].linger_id, 0u);
  ASSERT_NE(r[1].linger_id, 0u);
  EXPECT_EQ(sender->Lingering(), 1u);
  std::vector<ports::LateResult> abandoned = sender->PollLate();
  ASSERT_EQ(abandoned.size(), 1u);
  EXPECT_EQ(abandoned[0].linger_id, r[0].linger_id);
  EXPECT_EQ(abandoned[0].result.transport_error, TransportError::kConnection);
  EXPECT_THAT(abandoned[0].result.error_message, HasSubstr("abandoned"));
  std::vector<ports::LateResult> late = WaitLate(*sender, std::chrono::seconds(5));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].linger_id, r[1].linger_id);
  EXPECT_EQ(late[0].result.status, 200);
}

}  // namespace
}  // namespace secplat::adapters::notify
