// Jira Cloud REST v3 channel, idempotent by label (after Alertmanager's Jira receiver). Each
// problem carries the label "secplat-<ProblemFingerprint(problem_key)>". One delivery:
//   1. search  GET  /rest/api/3/search/jql?jql=project = "KEY" AND labels = "secplat-…" AND
//                   resolution is EMPTY ORDER BY created DESC&maxResults=1&fields=summary,status
//   2. firing:   found → POST /rest/api/3/issue/{key}/comment (ADF body)          → 201
//                none  → POST /rest/api/3/issue {fields: project, summary, issuetype,
//                        description (ADF), labels}                                → 201 {key}
//      resolved: found → comment, GET /rest/api/3/issue/{key}/transitions, pick the configured
//                        resolve transition by name, POST {"transition":{"id"}} → 204
//                none  → nothing to do (delivered)
// Because the search comes first, a retry after a crash between "created" and "recorded" finds
// the issue and comments on it: it never opens a second issue. Basic auth email:api_token.
// Rate-limit key "jira:<host>" (default 5/s).
//
//   auto jira = JiraChannel::Make("jira", {.base_url = url, .email = "bot@example.com",
//                                          .api_token = Secret(t), .project_key = "SEC"});
//   DeliveryResult r = (*jira)->Deliver(event, ctx, sender);  // r.external_ref == "SEC-1"
#ifndef SECPLAT_ADAPTERS_NOTIFY_JIRA_CHANNEL_H_
#define SECPLAT_ADAPTERS_NOTIFY_JIRA_CHANNEL_H_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/model/notification.h"
#include "ports/notification_channel.h"

namespace secplat::adapters::notify {

struct JiraOptions {
  std::string base_url;  // https://your-site.atlassian.net
  std::string email;
  core::model::Secret api_token;
  std::string project_key;                      // "SEC"
  std::string issue_type = "Task";              // by name
  std::string resolve_transition = "Done";      // transition name, case-insensitive
  std::vector<std::string> extra_labels;        // added on create (no spaces)
  Duration timeout = std::chrono::seconds(10);  // per request
};

class JiraChannel : public ports::NotificationChannel {
 public:
  // Errors: kInvalidArgument (bad base_url, empty email/token/issue_type/resolve_transition,
  // project key not [A-Z][A-Z0-9_]+, a label with whitespace).
  static Result<std::unique_ptr<JiraChannel>> Make(std::string name, JiraOptions options);

  const std::string& name() const override { return name_; }
  core::model::ChannelKind kind() const override { return core::model::ChannelKind::kJira; }
  std::string rate_limit_key() const override;
  // The first step: the search by label.
  Result<ports::OutboundRequest> Render(const core::model::NotifyEvent& event,
                                        const ports::DeliveryContext& ctx) const override;
  // The whole flow (see the header comment). The outcome is that of the first step that did
  // not succeed, or ok with external_ref = the issue key. Thread-safe when the sender is.
  ports::DeliveryResult Deliver(const core::model::NotifyEvent& event,
                                const ports::DeliveryContext& ctx,
                                ports::HttpSender& sender) const override;

  // The single steps, pure, for tests.
  ports::OutboundRequest RenderSearch(const core::model::NotifyEvent& event) const;
  ports::OutboundRequest RenderCreate(const core::model::NotifyEvent& event) const;
  ports::OutboundRequest RenderComment(std::string_view issue_key,
                                       const core::model::NotifyEvent& event) const;
  ports::OutboundRequest RenderGetTransitions(std::string_view issue_key) const;
  ports::OutboundRequest RenderTransition(std::string_view issue_key,
                                          std::string_view transition_id) const;

 private:
  JiraChannel(std::string name, JiraOptions options)
      : name_(std::move(name)), options_(std::move(options)) {}
  ports::OutboundRequest Base(std::string method, std::string path_and_query) const;

  std::string name_;
  JiraOptions options_;
};

// "secplat-" + ProblemFingerprint(problem_key).
std::string JiraDedupLabel(std::string_view problem_key);
// The JQL of the search step.
std::string JiraSearchJql(std::string_view project_key, std::string_view label);
// The ADF document for an event (issue description and comments).
std::string RenderJiraAdf(const core::model::NotifyEvent& event);

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_JIRA_CHANNEL_H_
