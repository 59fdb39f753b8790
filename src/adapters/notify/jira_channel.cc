#include "adapters/notify/jira_channel.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "adapters/notify/channel_common.h"
#include "adapters/notify/encoding.h"
#include "core/notify/delivery.h"

namespace secplat::adapters::notify {
namespace {

using json = nlohmann::ordered_json;
using core::model::ResponseClass;

// Jira's summary limit.
constexpr size_t kSummaryMax = 255;

json Text(std::string_view s) { return json{{"type", "text"}, {"text", std::string(s)}}; }

json Paragraph(json content) {
  return json{{"type", "paragraph"}, {"content", std::move(content)}};
}

json BulletItem(std::string_view label, std::string_view value) {
  // ADF text nodes must not be empty.
  const std::string v = value.empty() ? "-" : std::string(value);
  return json{
      {"type", "listItem"},
      {"content",
       json::array({Paragraph(json::array({json{{"type", "text"},
                                                {"text", std::string(label) + ": "},
                                                {"marks", json::array({json{{"type", "strong"}}})}},
                                           Text(v)}))})}};
}

json AdfDoc(const core::model::NotifyEvent& e) {
  json items = json::array(
      {BulletItem("Asset", e.asset_key), BulletItem("Status", internal::StatusWord(e)),
       BulletItem("State", e.state), BulletItem("Severity", core::model::SeverityName(e.severity)),
       BulletItem("Since", internal::SinceText(e)), BulletItem("Environment", e.environment),
       BulletItem("Event", e.event_type + " " + e.event_id)});
  for (const auto& [k, v] : e.details) items.push_back(BulletItem(k, v));
  json content = json::array({Paragraph(json::array({Text(internal::OneLine(e))})),
                              json{{"type", "bulletList"}, {"content", std::move(items)}}});
  if (!e.link.empty()) {
    content.push_back(Paragraph(json::array(
        {json{{"type", "text"},
              {"text", "Open in SecPlat"},
              {"marks", json::array({json{{"type", "link"}, {"attrs", {{"href", e.link}}}}})}}})));
  }
  return json{{"type", "doc"}, {"version", 1}, {"content", std::move(content)}};
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool HasSpace(std::string_view s) {
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) return true;
  }
  return s.empty();
}

// Sends one step and appends it to `out`. Returns true when it succeeded (2xx).
bool Step(ports::HttpSender& sender, const ports::OutboundRequest& request, std::string action,
          Timestamp now, ports::DeliveryResult& out, ports::SendResult& sent) {
  sent = sender.Send(request);
  core::notify::Classification c = core::notify::ClassifyResponse(
      sent.status, sent.headers, sent.transport_error, now + out.latency + sent.latency);
  out.latency += sent.latency;
  out.steps.push_back({action, sent.status, c.response_class, sent.latency});
  out.status = sent.status;
  if (c.response_class != ResponseClass::kOk) {
    std::string detail = "jira " + action + ": " + c.detail;
    if (sent.transport_error != core::model::TransportError::kNone) {
      detail += ": " + sent.error_message;
    }
    c.detail = detail;
    out.classification = c;
    out.detail = detail;
    return false;
  }
  out.classification = c;
  return true;
}

// A 2xx whose body is not what Jira documents: retry (a proxy or a partial outage).
void BadBody(ports::DeliveryResult& out, const std::string& action) {
  out.classification = {ResponseClass::kServerError, true, std::nullopt,
                        "jira " + action + ": unexpected response body"};
  out.detail = out.classification.detail;
}

}  // namespace

std::string JiraDedupLabel(std::string_view problem_key) {
  return "secplat-" + core::notify::ProblemFingerprint(problem_key);
}

std::string JiraSearchJql(std::string_view project_key, std::string_view label) {
  return "project = \"" + std::string(project_key) + "\" AND labels = \"" + std::string(label) +
         "\" AND resolution is EMPTY ORDER BY created DESC";
}

std::string RenderJiraAdf(const core::model::NotifyEvent& event) { return Dump(AdfDoc(event)); }

Result<std::unique_ptr<JiraChannel>> JiraChannel::Make(std::string name, JiraOptions options) {
  if (name.empty()) return Unexpected(ErrorCode::kInvalidArgument, "jira channel: empty name");
  const std::string f = "notifier.channels." + name + ".";
  SECPLAT_RETURN_IF_ERROR(internal::CheckHttpUrl(options.base_url, f + "base_url"));
  if (options.email.empty())
    return Unexpected(ErrorCode::kInvalidArgument, f + "email: must be set");
  if (options.api_token.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "api_token: must be set");
  }
  const std::string& key = options.project_key;
  bool key_ok = !key.empty() && key[0] >= 'A' && key[0] <= 'Z';
  for (char c : key)
    key_ok = key_ok && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (!key_ok) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "project_key: want [A-Z][A-Z0-9_]*");
  }
  if (options.issue_type.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "issue_type: must be set");
  }
  if (options.resolve_transition.empty()) {
    return Unexpected(ErrorCode::kInvalidArgument, f + "resolve_transition: must be set");
  }
  for (size_t i = 0; i < options.extra_labels.size(); ++i) {
    if (HasSpace(options.extra_labels[i])) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        f + "labels[" + std::to_string(i) + "]: empty or contains whitespace");
    }
  }
  options.base_url = internal::TrimSlash(options.base_url);
  return std::unique_ptr<JiraChannel>(new JiraChannel(std::move(name), std::move(options)));
}

std::string JiraChannel::rate_limit_key() const {
  return "jira:" + internal::UrlHost(options_.base_url);
}

ports::OutboundRequest JiraChannel::Base(std::string method, std::string path_and_query) const {
  ports::OutboundRequest r;
  r.method = std::move(method);
  const std::string url = options_.base_url + path_and_query;
  r.url = core::model::Secret(url);
  r.redacted_url = ports::RedactUrl(url);
  r.headers = {{"Accept", "application/json"}};
  if (r.method == "POST") r.headers.emplace_back("Content-Type", "application/json");
  r.secret_headers = {
      {"Authorization", core::model::Secret("Basic " + Base64Encode(options_.email + ":" +
                                                                    options_.api_token.Reveal()))}};
  r.timeout = options_.timeout;
  return r;
}

ports::OutboundRequest JiraChannel::RenderSearch(const core::model::NotifyEvent& event) const {
  const std::string jql = JiraSearchJql(options_.project_key, JiraDedupLabel(event.problem_key));
  return Base("GET", "/rest/api/3/search/jql?jql=" + QueryEncode(jql) +
                         "&maxResults=1&fields=summary,status");
}

ports::OutboundRequest JiraChannel::RenderCreate(const core::model::NotifyEvent& event) const {
  json labels = json::array({"secplat", JiraDedupLabel(event.problem_key)});
  for (const auto& l : options_.extra_labels) labels.push_back(l);
  std::string summary = "[secplat] " + event.asset_key;
  if (!event.summary.empty()) summary += ": " + event.summary;
  for (char& c : summary) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  json fields;
  fields["project"] = {{"key", options_.project_key}};
  fields["summary"] = TruncateUtf8(summary, kSummaryMax);
  fields["issuetype"] = {{"name", options_.issue_type}};
  fields["description"] = AdfDoc(event);
  fields["labels"] = std::move(labels);
  ports::OutboundRequest r = Base("POST", "/rest/api/3/issue");
  r.body = Dump(json{{"fields", std::move(fields)}});
  return r;
}

ports::OutboundRequest JiraChannel::RenderComment(std::string_view issue_key,
                                                  const core::model::NotifyEvent& event) const {
  ports::OutboundRequest r =
      Base("POST", "/rest/api/3/issue/" + QueryEncode(issue_key) + "/comment");
  r.body = Dump(json{{"body", AdfDoc(event)}});
  return r;
}

ports::OutboundRequest JiraChannel::RenderGetTransitions(std::string_view issue_key) const {
  return Base("GET", "/rest/api/3/issue/" + QueryEncode(issue_key) + "/transitions");
}

ports::OutboundRequest JiraChannel::RenderTransition(std::string_view issue_key,
                                                     std::string_view transition_id) const {
  ports::OutboundRequest r =
      Base("POST", "/rest/api/3/issue/" + QueryEncode(issue_key) + "/transitions");
  r.body = Dump(json{{"transition", {{"id", std::string(transition_id)}}}});
  return r;
}

Result<ports::OutboundRequest> JiraChannel::Render(const core::model::NotifyEvent& event,
                                                   const ports::DeliveryContext& /*ctx*/) const {
  SECPLAT_RETURN_IF_ERROR(internal::CheckEvent(event));
  return RenderSearch(event);
}

ports::DeliveryResult JiraChannel::Deliver(const core::model::NotifyEvent& event,
                                           const ports::DeliveryContext& ctx,
                                           ports::HttpSender& sender) const {
  ports::DeliveryResult out;
  if (auto st = internal::CheckEvent(event); !st.has_value()) {
    out.classification = {ResponseClass::kClientError, false, std::nullopt,
                          "render failed: " + st.error().message};
    out.detail = out.classification.detail;
    return out;
  }
  ports::SendResult sent;
  if (!Step(sender, RenderSearch(event), "search", ctx.now, out, sent)) return out;
  const json found = json::parse(sent.body_excerpt, nullptr, false);
  if (!found.is_object() || !found.contains("issues") || !found["issues"].is_array()) {
    BadBody(out, "search");
    return out;
  }
  std::string key;
  if (!found["issues"].empty()) {
    const json& issue = found["issues"][0];
    if (!issue.is_object() || !issue.contains("key") || !issue["key"].is_string()) {
      BadBody(out, "search");
      return out;
    }
    key = issue["key"].get<std::string>();
  }
  const bool firing = event.status == core::model::ProblemStatus::kFiring;
  if (firing && key.empty()) {
    if (!Step(sender, RenderCreate(event), "create", ctx.now, out, sent)) return out;
    const json created = json::parse(sent.body_excerpt, nullptr, false);
    if (!created.is_object() || !created.contains("key") || !created["key"].is_string()) {
      // The issue probably exists; the retry's search will find it and comment instead.
      BadBody(out, "create");
      return out;
    }
    out.external_ref = created["key"].get<std::string>();
    out.detail = "created " + out.external_ref;
    return out;
  }
  if (key.empty()) {  // resolved, nothing open
    out.detail = "no open issue for " + JiraDedupLabel(event.problem_key) + "; nothing to resolve";
    return out;
  }
  out.external_ref = key;
  if (!Step(sender, RenderComment(key, event), "comment", ctx.now, out, sent)) return out;
  if (firing) {
    out.detail = "commented on " + key;
    return out;
  }
  if (!Step(sender, RenderGetTransitions(key), "transitions", ctx.now, out, sent)) return out;
  const json transitions = json::parse(sent.body_excerpt, nullptr, false);
  if (!transitions.is_object() || !transitions.contains("transitions") ||
      !transitions["transitions"].is_array()) {
    BadBody(out, "transitions");
    return out;
  }
  std::string id, available;
  for (const json& t : transitions["transitions"]) {
    if (!t.is_object() || !t.contains("name") || !t["name"].is_string() || !t.contains("id") ||
        !t["id"].is_string()) {
      continue;
    }
    const std::string tname = t["name"].get<std::string>();
    if (!available.empty()) available += ", ";
    available += tname;
    if (id.empty() && IEquals(tname, options_.resolve_transition)) id = t["id"].get<std::string>();
  }
  if (id.empty()) {
    // A workflow without the configured transition: retrying cannot help; flag the channel.
    out.classification = {ResponseClass::kClientError, false, std::nullopt,
                          "jira transitions: '" + options_.resolve_transition +
                              "' not offered for " + key + " (available: " + available + ")"};
    out.detail = out.classification.detail;
    return out;
  }
  if (!Step(sender, RenderTransition(key, id), "transition", ctx.now, out, sent)) return out;
  out.detail = "commented on and resolved " + key;
  return out;
}

}  // namespace secplat::adapters::notify
