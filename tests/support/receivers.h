// Loopback provider receivers for notifier tests: a real HTTP server (adapters/http Beast
// server) on 127.0.0.1, port 0, that checks each provider's documented request and answers like
// the provider, or as scripted (200, 429 + Retry-After, 500, 4xx, or hang).
//   - Slack: POST {slack_path}, application/json, `text` and/or `blocks` (types, header ≤150,
//     ≤10 fields) → 200 "ok"; bad payload → 400 "invalid_payload"; other path → 404 "no_service".
//   - Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json, Basic sid:token (else 401, code
//     20003), form-urlencoded with strict percent-decoding, To (E.164), From or
//     MessagingServiceSid, Body ≤ 1600 characters (else 400, code 21617) → 201 {sid, status}.
//   - Jira: Basic email:token; an in-memory Jira: GET /rest/api/3/search/jql (labels = "…" AND
//     resolution is EMPTY), POST /rest/api/3/issue (project, summary, issuetype, ADF description,
//     labels), POST …/issue/{key}/comment (ADF), GET/POST …/issue/{key}/transitions.
//   - Webhook: POST {webhook_path}, application/json, Standard Webhooks headers with the HMAC
//     verified against the secret and the timestamp within 5 minutes (else 401), v4-like body.
// Every request is recorded (arrival time, method, path, headers, body, validation problems).
//
//   auto rx = ProviderReceiver::Start({.provider = Provider::kWebhook, .webhook_secret = s});
//   (*rx)->Script({ScriptedReply::RateLimited("2")});   // next request: 429, Retry-After: 2
//   ... send ...
//   EXPECT_THAT((*rx)->requests()[0].problems, IsEmpty());
#ifndef SECPLAT_TESTS_SUPPORT_RECEIVERS_H_
#define SECPLAT_TESTS_SUPPORT_RECEIVERS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::adapters::http {
class Server;
}

namespace secplat::testing {

enum class Provider { kSlack, kTwilio, kJira, kWebhook };

// One request as received.
struct RecordedRequest {
  std::chrono::steady_clock::time_point received_at;
  Timestamp received_wall{};
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::map<std::string, std::string> form;  // Twilio: decoded form fields
  std::vector<std::string> problems;        // deviations from the provider's documented request
  int answered_status = 0;

  std::string_view Header(std::string_view name) const;
};

// A scripted answer for the next request.
struct ScriptedReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
  bool hang = false;  // hold the request until ReleaseHangs(), Stop or hang_max
  // Act as the provider normally would (a Jira issue is created), then hang instead of
  // answering: the provider accepted, the answer was lost (a sender killed mid-send).
  bool accept_then_hang = false;
  bool pass = false;  // answer as the provider normally would (skips a request in a script)
  // Answer (as scripted, or normally with pass) only after this long: the io thread waits (Stop
  // ends the wait). A late answer: the client may have timed out meanwhile.
  Duration delay{};

  static ScriptedReply RateLimited(std::string retry_after);
  static ScriptedReply ServerError(int status = 500);
  static ScriptedReply ClientError(int status, std::string body = "{}");
  static ScriptedReply Hang();
  static ScriptedReply AcceptThenHang();
  static ScriptedReply Pass();
  // Answers as the provider normally would, after `delay`.
  static ScriptedReply Delayed(Duration delay);
};

struct ReceiverOptions {
  Provider provider = Provider::kWebhook;
  std::string slack_path = "/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX";
  std::string twilio_account_sid = "AC00000000000000000000000000000000";
  std::string twilio_auth_token = "twilio-test-token";
  std::string jira_email = "bot@example.com";
  std::string jira_token = "jira-test-token";
  std::string jira_project = "SEC";
  std::string webhook_path = "/hook";
  std::string webhook_secret;  // "whsec_" + base64; required for kWebhook
  Duration timestamp_tolerance = std::chrono::minutes(5);
  Duration hang_max = std::chrono::seconds(30);
  int io_threads = 4;
  bool record_requests = true;  // false: only counts (benchmarks)
};

// The in-memory Jira's issues.
struct JiraIssue {
  std::string id;
  std::string key;
  std::string summary;
  std::vector<std::string> labels;
  std::string status = "To Do";
  std::string resolution;             // empty: unresolved
  std::vector<std::string> comments;  // ADF bodies, as JSON text
};

class ProviderReceiver {
 public:
  // Errors: kInvalidArgument (webhook without a valid secret), kUnavailable (server start).
  static Result<std::unique_ptr<ProviderReceiver>> Start(ReceiverOptions options);
  ~ProviderReceiver();  // releases hung requests, stops the server
  ProviderReceiver(const ProviderReceiver&) = delete;
  ProviderReceiver& operator=(const ProviderReceiver&) = delete;

  // "http://127.0.0.1:<port>".
  std::string base_url() const;
  // base_url() + path.
  std::string url(std::string_view path) const;

  // Answers the next requests with these replies, in order (after recording and validating);
  // then the provider's normal behaviour resumes.
  void Script(std::vector<ScriptedReply> replies);
  // While set, every request gets `reply` (a hang, a 500, ...), ahead of any script: an outage
  // of any length. nullopt ends it.
  void SetOutage(std::optional<ScriptedReply> reply);
  // Ends every hang now (hung requests then get a 503).
  void ReleaseHangs();

  std::vector<RecordedRequest> requests() const;
  size_t request_count() const;
  size_t invalid_count() const;  // requests with at least one problem
  // Waits until at least `n` requests arrived; false on timeout.
  bool WaitForRequests(size_t n, Duration timeout) const;
  // Webhook: how often each webhook-id arrived.
  std::map<std::string, int> webhook_ids() const;
  // Webhook: how often each webhook-id was answered with a 2xx (accepted as delivered).
  std::map<std::string, int> webhook_ids_accepted() const;
  std::vector<JiraIssue> jira_issues() const;
  // The most requests that were being handled at the same time (at most io_threads).
  int max_concurrent() const { return max_active_.load(); }

 private:
  struct Reply {
    int status = 200;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
  };
  explicit ProviderReceiver(ReceiverOptions options);
  Reply Handle(RecordedRequest& r);
  Reply Slack(RecordedRequest& r);
  Reply Twilio(RecordedRequest& r);
  Reply Jira(RecordedRequest& r);
  Reply Webhook(RecordedRequest& r);

  ReceiverOptions options_;
  std::string webhook_key_;
  std::unique_ptr<adapters::http::Server> server_;
  std::atomic<int> active_{0};      // requests in Handle now
  std::atomic<int> max_active_{0};  // the most at once
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<ScriptedReply> script_;
  std::vector<RecordedRequest> requests_;
  size_t count_ = 0;
  size_t invalid_ = 0;
  uint64_t hang_generation_ = 0;
  bool stopping_ = false;
  std::map<std::string, int> webhook_ids_;
  std::map<std::string, int> webhook_ids_accepted_;
  std::optional<ScriptedReply> outage_;
  std::vector<JiraIssue> issues_;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_RECEIVERS_H_
