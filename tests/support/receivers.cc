#include "tests/support/receivers.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "adapters/http/server.h"

namespace secplat::testing {
namespace {

using json = nlohmann::json;
using adapters::http::Request;
using adapters::http::Response;
using adapters::http::Server;
using adapters::http::ServerOptions;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string B64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Strict: length multiple of 4, standard alphabet. Returns false on anything else.
bool B64Decode(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  for (char c : text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
      return false;
    }
  }
  size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  out.assign(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return false;
  out.resize(static_cast<size_t>(n) - pad);
  return true;
}

bool ValidHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Strict percent-decoding ('+' as space when `form`). False on a malformed escape.
bool PercentDecode(std::string_view in, bool form, std::string& out) {
  out.clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size() || !ValidHex(in[i + 1]) || !ValidHex(in[i + 2])) return false;
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (in[i] == '+' && form) {
      out += ' ';
    } else {
      const unsigned char c = static_cast<unsigned char>(in[i]);
      // Characters a form encoder must escape never appear raw.
      if (form && !(std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '*')) {
        return false;
      }
      out += in[i];
    }
  }
  return true;
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool E164(std::string_view s) {
  if (s.substr(0, 9) == "whatsapp:") s.remove_prefix(9);
  static const std::regex kRe(R"(\+[1-9][0-9]{1,14})");
  return std::regex_match(s.begin(), s.end(), kRe);
}

bool BasicAuthIs(const RecordedRequest& r, const std::string& user, const std::string& pass) {
  return r.Header("authorization") == "Basic " + B64Encode(user + ":" + pass);
}

// Atlassian Document Format: {type: doc, version: 1, content: [...]}; nodes have a type; text
// nodes have non-empty text. Appends problems under `where`.
void CheckAdfNode(const json& n, const std::string& where, std::vector<std::string>& problems,
                  int depth) {
  if (depth > 20) {
    problems.push_back(where + ": ADF nested too deep");
    return;
  }
  if (!n.is_object() || !n.contains("type") || !n["type"].is_string()) {
    problems.push_back(where + ": ADF node without a type");
    return;
  }
  if (n["type"] == "text") {
    if (!n.contains("text") || !n["text"].is_string() || n["text"].get<std::string>().empty()) {
      problems.push_back(where + ": ADF text node without text");
    }
    return;
  }
  if (n.contains("content")) {
    if (!n["content"].is_array()) {
      problems.push_back(where + ": ADF content is not an array");
      return;
    }
    for (size_t i = 0; i < n["content"].size(); ++i) {
      CheckAdfNode(n["content"][i], where + ".content[" + std::to_string(i) + "]", problems,
                   depth + 1);
    }
  }
}

void CheckAdf(const json& doc, const std::string& where, std::vector<std::string>& problems) {
  if (!doc.is_object() || doc.value("type", "") != "doc" || !doc.contains("version") ||
      doc["version"] != 1 || !doc.contains("content") || !doc["content"].is_array() ||
      doc["content"].empty()) {
    problems.push_back(where + ": not an ADF doc (type doc, version 1, content)");
    return;
  }
  CheckAdfNode(doc, where, problems, 0);
}

std::string ContentType(const RecordedRequest& r) {
  std::string ct = Lower(r.Header("content-type"));
  return ct.substr(0, ct.find(';'));
}

}  // namespace

std::string_view RecordedRequest::Header(std::string_view name) const {
  const std::string lower = Lower(name);
  for (const auto& [k, v] : headers) {
    if (k == lower) return v;
  }
  return {};
}

ScriptedReply ScriptedReply::RateLimited(std::string retry_after) {
  ScriptedReply r;
  r.status = 429;
  r.headers = {{"Retry-After", std::move(retry_after)}};
  r.body = R"({"ok":false,"error":"rate_limited"})";
  return r;
}
ScriptedReply ScriptedReply::ServerError(int status) {
  ScriptedReply r;
  r.status = status;
  r.body = R"({"error":"server error"})";
  return r;
}
ScriptedReply ScriptedReply::ClientError(int status, std::string body) {
  ScriptedReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}
ScriptedReply ScriptedReply::Hang() {
  ScriptedReply r;
  r.hang = true;
  return r;
}
ScriptedReply ScriptedReply::AcceptThenHang() {
  ScriptedReply r;
  r.accept_then_hang = true;
  return r;
}
ScriptedReply ScriptedReply::Delayed(Duration delay) {
  ScriptedReply r;
  r.pass = true;
  r.delay = delay;
  return r;
}
ScriptedReply ScriptedReply::Pass() {
  ScriptedReply r;
  r.pass = true;
  return r;
}

ProviderReceiver::ProviderReceiver(ReceiverOptions options) : options_(std::move(options)) {}

ProviderReceiver::~ProviderReceiver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    ++hang_generation_;
  }
  cv_.notify_all();
  if (server_) server_->Stop();
}

Result<std::unique_ptr<ProviderReceiver>> ProviderReceiver::Start(ReceiverOptions options) {
  std::unique_ptr<ProviderReceiver> rx(new ProviderReceiver(std::move(options)));
  if (rx->options_.provider == Provider::kWebhook) {
    std::string_view s = rx->options_.webhook_secret;
    if (s.substr(0, 6) == "whsec_") s.remove_prefix(6);
    if (!B64Decode(s, rx->webhook_key_)) {
      return Unexpected(ErrorCode::kInvalidArgument, "receiver: webhook_secret is not whsec_+b64");
    }
  }
  ServerOptions so;
  so.io_threads = rx->options_.io_threads;
  ProviderReceiver* self = rx.get();
  auto server = Server::Start(
      so,
      [self](const Request& req) {
        RecordedRequest r;
        r.received_at = std::chrono::steady_clock::now();
        r.received_wall = std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
        r.method = req.method;
        r.path = req.path;
        r.query = req.query;
        r.headers = req.headers;
        r.body = req.body;
        const int active = self->active_.fetch_add(1) + 1;
        for (int seen = self->max_active_.load(); active > seen;) {
          if (self->max_active_.compare_exchange_weak(seen, active)) break;
        }
        Reply reply = self->Handle(r);
        self->active_.fetch_sub(1);
        Response resp;
        resp.status = reply.status;
        resp.content_type = reply.content_type;
        resp.headers = std::move(reply.headers);
        resp.body = std::move(reply.body);
        return resp;
      },
      nullptr);
  if (!server.has_value()) return Unexpected(std::move(server).error());
  rx->server_ = std::move(server).value();
  return rx;
}

std::string ProviderReceiver::base_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}
std::string ProviderReceiver::url(std::string_view path) const {
  return base_url() + std::string(path);
}

void ProviderReceiver::Script(std::vector<ScriptedReply> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& r : replies) script_.push_back(std::move(r));
}

void ProviderReceiver::SetOutage(std::optional<ScriptedReply> reply) {
  std::lock_guard<std::mutex> lock(mu_);
  outage_ = std::move(reply);
}

std::map<std::string, int> ProviderReceiver::webhook_ids_accepted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return webhook_ids_accepted_;
}

void ProviderReceiver::ReleaseHangs() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++hang_generation_;
  }
  cv_.notify_all();
}

std::vector<RecordedRequest> ProviderReceiver::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}
size_t ProviderReceiver::request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}
size_t ProviderReceiver::invalid_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return invalid_;
}
bool ProviderReceiver::WaitForRequests(size_t n, Duration timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
}
std::map<std::string, int> ProviderReceiver::webhook_ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  return webhook_ids_;
}
std::vector<JiraIssue> ProviderReceiver::jira_issues() const {
  std::lock_guard<std::mutex> lock(mu_);
  return issues_;
}

ProviderReceiver::Reply ProviderReceiver::Handle(RecordedRequest& r) {
  // Stateless providers validate outside the lock (the benchmark's receiver is on the clock).
  std::optional<Reply> normal;
  switch (options_.provider) {
    case Provider::kSlack:
      normal = Slack(r);
      break;
    case Provider::kTwilio:
      normal = Twilio(r);
      break;
    case Provider::kWebhook:
      normal = Webhook(r);
      break;
    case Provider::kJira:
      break;
  }
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<ScriptedReply> scripted;
  if (outage_) {
    scripted = *outage_;
  } else if (!script_.empty()) {
    scripted = std::move(script_.front());
    script_.pop_front();
  }
  const Duration delay = scripted ? scripted->delay : Duration::zero();
  // A scripted pass answers normally; accept-then-hang acts normally but withholds the answer.
  if (scripted && scripted->pass) scripted.reset();
  const bool accept_then_hang = scripted && scripted->accept_then_hang;
  if (accept_then_hang) scripted.reset();
  // Jira is stateful: run under the lock, and only when its answer (or effect) is wanted.
  if (!normal && !scripted) normal = Jira(r);
  if (options_.provider == Provider::kWebhook) {
    const std::string id(r.Header("webhook-id"));
    if (!id.empty()) ++webhook_ids_[id];
  }
  ++count_;
  if (!r.problems.empty()) ++invalid_;
  Reply reply;
  if (scripted) {
    reply.status = scripted->status;
    reply.content_type = scripted->content_type;
    reply.headers = scripted->headers;
    reply.body = scripted->body;
  } else {
    reply = *normal;
  }
  const bool hang = accept_then_hang || (scripted && scripted->hang);
  r.answered_status = hang ? 503 : reply.status;
  if (options_.provider == Provider::kWebhook && r.answered_status / 100 == 2) {
    const std::string id(r.Header("webhook-id"));
    if (!id.empty()) ++webhook_ids_accepted_[id];
  }
  if (options_.record_requests) requests_.push_back(r);
  cv_.notify_all();
  if (hang) {
    const uint64_t gen = hang_generation_;
    cv_.wait_for(lock, options_.hang_max, [&] { return hang_generation_ != gen || stopping_; });
    return Reply{503, "application/json", {}, R"({"error":"released"})"};
  }
  if (delay > Duration::zero()) cv_.wait_for(lock, delay, [&] { return stopping_; });
  return reply;
}

ProviderReceiver::Reply ProviderReceiver::Slack(RecordedRequest& r) {
  auto& p = r.problems;
  if (r.path != options_.slack_path) {
    p.push_back("path " + r.path + " is not the webhook path");
    return {404, "text/plain", {}, "no_service"};
  }
  if (r.method != "POST") p.push_back("method " + r.method + ", want POST");
  if (ContentType(r) != "application/json") p.push_back("content-type is not application/json");
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object()) {
    p.push_back("body is not a JSON object");
  } else {
    const bool has_text = body.contains("text") && body["text"].is_string() &&
                          !body["text"].get<std::string>().empty();
    if (!has_text && !body.contains("blocks")) p.push_back("neither text nor blocks");
    if (!has_text) p.push_back("no text fallback");
    if (body.contains("blocks")) {
      if (!body["blocks"].is_array() || body["blocks"].empty() || body["blocks"].size() > 50) {
        p.push_back("blocks is not an array of 1..50 blocks");
      } else {
        for (size_t i = 0; i < body["blocks"].size(); ++i) {
          const json& b = body["blocks"][i];
          const std::string where = "blocks[" + std::to_string(i) + "]";
          if (!b.is_object() || !b.contains("type") || !b["type"].is_string()) {
            p.push_back(where + ": no type");
            continue;
          }
          if (b["type"] == "header") {
            if (!b.contains("text") || b["text"].value("type", "") != "plain_text" ||
                CodePoints(b["text"].value("text", "")) > 150) {
              p.push_back(where + ": header needs plain_text of at most 150 characters");
            }
          }
          if (b["type"] == "section" && b.contains("fields") &&
              (!b["fields"].is_array() || b["fields"].size() > 10)) {
            p.push_back(where + ": more than 10 fields");
          }
        }
      }
    }
  }
  if (!p.empty()) return {400, "text/plain", {}, "invalid_payload"};
  return {200, "text/plain", {}, "ok"};
}

ProviderReceiver::Reply ProviderReceiver::Twilio(RecordedRequest& r) {
  auto& p = r.problems;
  auto error = [](int status, int code, std::string message) {
    json j{{"code", code},
           {"message", std::move(message)},
           {"more_info", "https://www.twilio.com/docs/errors/" + std::to_string(code)},
           {"status", status}};
    return Reply{status, "application/json", {}, j.dump()};
  };
  const std::string want_path =
      "/2010-04-01/Accounts/" + options_.twilio_account_sid + "/Messages.json";
  if (r.path != want_path) {
    p.push_back("path " + r.path + ", want " + want_path);
    return error(404, 20404, "The requested resource was not found");
  }
  if (r.method != "POST") p.push_back("method " + r.method + ", want POST");
  if (!BasicAuthIs(r, options_.twilio_account_sid, options_.twilio_auth_token)) {
    p.push_back("Basic auth is not AccountSid:AuthToken");
    return error(401, 20003, "Authenticate");
  }
  if (ContentType(r) != "application/x-www-form-urlencoded") {
    p.push_back("content-type is not application/x-www-form-urlencoded");
  }
  size_t start = 0;
  while (start <= r.body.size() && !r.body.empty()) {
    size_t end = r.body.find('&', start);
    if (end == std::string::npos) end = r.body.size();
    std::string_view pair(r.body.data() + start, end - start);
    const size_t eq = pair.find('=');
    std::string k, v;
    if (eq == std::string_view::npos || !PercentDecode(pair.substr(0, eq), true, k) ||
        !PercentDecode(pair.substr(eq + 1), true, v)) {
      p.push_back("malformed form pair '" + std::string(pair) + "'");
    } else {
      if (r.form.contains(k)) p.push_back("form field " + k + " repeated");
      r.form[k] = v;
    }
    start = end + 1;
  }
  if (!r.form.contains("To")) {
    p.push_back("To missing");
    return error(400, 21604, "A 'To' phone number is required.");
  }
  if (!E164(r.form["To"])) {
    p.push_back("To is not E.164");
    return error(400, 21211, "Invalid 'To' Phone Number");
  }
  if (!r.form.contains("From") && !r.form.contains("MessagingServiceSid")) {
    p.push_back("neither From nor MessagingServiceSid");
    return error(400, 21603, "A 'From' phone number is required.");
  }
  if (r.form.contains("From") && !E164(r.form["From"])) p.push_back("From is not E.164");
  if (!r.form.contains("Body") || r.form["Body"].empty()) {
    p.push_back("Body missing");
    return error(400, 21602, "Message body is required.");
  }
  if (CodePoints(r.form["Body"]) > 1600) {
    p.push_back("Body longer than 1600 characters");
    return error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
  }
  if (!p.empty()) return error(400, 21601, "Invalid request");
  static std::atomic<uint64_t> next_sid{1};
  char sid[35];
  std::snprintf(sid, sizeof sid, "SM%032llx",
                static_cast<unsigned long long>(next_sid.fetch_add(1)));
  json j{{"sid", sid},          {"status", "queued"},
         {"to", r.form["To"]},  {"body", r.form["Body"]},
         {"num_segments", "1"}, {"error_code", nullptr}};
  return {201, "application/json", {}, j.dump()};
}

ProviderReceiver::Reply ProviderReceiver::Webhook(RecordedRequest& r) {
  auto& p = r.problems;
  if (r.path != options_.webhook_path) {
    p.push_back("path " + r.path + ", want " + options_.webhook_path);
    return {404, "application/json", {}, R"({"error":"not found"})"};
  }
  if (r.method != "POST") p.push_back("method " + r.method + ", want POST");
  if (ContentType(r) != "application/json") p.push_back("content-type is not application/json");
  const std::string id(r.Header("webhook-id"));
  const std::string ts(r.Header("webhook-timestamp"));
  const std::string sigs(r.Header("webhook-signature"));
  if (id.empty()) p.push_back("webhook-id missing");
  bool ts_ok = !ts.empty() && ts.size() <= 12 &&
               std::all_of(ts.begin(), ts.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ts_ok) {
    p.push_back("webhook-timestamp is not Unix seconds");
  } else {
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    const int64_t skew = std::llabs(now_s - std::stoll(ts));
    if (skew * 1000 > options_.timestamp_tolerance.count()) {
      p.push_back("webhook-timestamp " + std::to_string(skew) + " s off");
      ts_ok = false;
    }
  }
  bool verified = false;
  if (ts_ok && !id.empty()) {
    const std::string content = id + "." + ts + "." + r.body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), webhook_key_.data(), static_cast<int>(webhook_key_.size()),
         reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &len);
    const std::string expected(reinterpret_cast<const char*>(mac), len);
    // Space-separated list; any v1 entry that matches verifies (key rotation).
    size_t start = 0;
    while (start < sigs.size()) {
      size_t end = sigs.find(' ', start);
      if (end == std::string::npos) end = sigs.size();
      std::string_view entry(sigs.data() + start, end - start);
      std::string raw;
      if (entry.substr(0, 3) == "v1," && B64Decode(entry.substr(3), raw) &&
          raw.size() == expected.size() &&
          CRYPTO_memcmp(raw.data(), expected.data(), raw.size()) == 0) {
        verified = true;
      }
      start = end + 1;
    }
    if (!verified) p.push_back("webhook-signature does not verify");
  }
  if (!verified) return {401, "application/json", {}, R"({"error":"bad signature"})"};
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object() || body.value("version", "") != "4" ||
      !(body.value("status", "") == "firing" || body.value("status", "") == "resolved") ||
      !body.contains("alerts") || !body["alerts"].is_array() || body["alerts"].empty()) {
    p.push_back("body is not a v4 webhook payload (version, status, alerts)");
  } else {
    for (const json& a : body["alerts"]) {
      if (!a.is_object() || !a.contains("labels") || !a["labels"].is_object() ||
          !a.contains("fingerprint") || !a.contains("startsAt") || !a.contains("status")) {
        p.push_back("alert without status, labels, startsAt or fingerprint");
      }
    }
  }
  if (!p.empty()) return {400, "application/json", {}, R"({"error":"bad payload"})"};
  return {200, "application/json", {}, "{}"};
}

ProviderReceiver::Reply ProviderReceiver::Jira(RecordedRequest& r) {
  auto& p = r.problems;
  auto error = [](int status, std::string message) {
    json j{{"errorMessages", json::array({std::move(message)})}, {"errors", json::object()}};
    return Reply{status, "application/json", {}, j.dump()};
  };
  if (!BasicAuthIs(r, options_.jira_email, options_.jira_token)) {
    p.push_back("Basic auth is not email:api_token");
    return error(401, "Client must be authenticated to access this resource.");
  }
  static const std::regex kIssuePath(
      R"(/rest/api/3/issue/([A-Z][A-Z0-9_]*-[0-9]+)/(comment|transitions))");
  auto find_issue = [&](const std::string& key) -> JiraIssue* {
    for (auto& i : issues_) {
      if (i.key == key) return &i;
    }
    return nullptr;
  };
  auto parse_body = [&]() -> json {
    if (ContentType(r) != "application/json") p.push_back("content-type is not application/json");
    json body = json::parse(r.body, nullptr, false);
    if (body.is_discarded()) p.push_back("body is not JSON");
    return body;
  };
  std::smatch m;
  if (r.path == "/rest/api/3/search/jql") {
    if (r.method != "GET") p.push_back("search method " + r.method + ", want GET");
    std::string jql;
    for (size_t start = 0; start < r.query.size();) {
      size_t end = r.query.find('&', start);
      if (end == std::string::npos) end = r.query.size();
      std::string_view kv(r.query.data() + start, end - start);
      if (kv.substr(0, 4) == "jql=" && !PercentDecode(kv.substr(4), false, jql)) {
        p.push_back("jql is not properly percent-encoded");
      }
      start = end + 1;
    }
    static const std::regex kLabel(R"(labels\s*=\s*\"([^\"]+)\")");
    std::smatch lm;
    if (!std::regex_search(jql, lm, kLabel)) p.push_back("jql has no labels = \"...\" clause");
    if (jql.find("resolution is EMPTY") == std::string::npos) {
      p.push_back("jql does not exclude resolved issues");
    }
    if (!p.empty()) return error(400, "Invalid JQL");
    const std::string label = lm[1];
    json issues = json::array();
    for (auto it = issues_.rbegin(); it != issues_.rend(); ++it) {  // created DESC
      if (it->resolution.empty() &&
          std::find(it->labels.begin(), it->labels.end(), label) != it->labels.end()) {
        issues.push_back(
            {{"id", it->id},
             {"key", it->key},
             {"fields", {{"summary", it->summary}, {"status", {{"name", it->status}}}}}});
      }
    }
    return {200, "application/json", {}, json{{"issues", issues}, {"isLast", true}}.dump()};
  }
  if (r.path == "/rest/api/3/issue") {
    if (r.method != "POST") p.push_back("create method " + r.method + ", want POST");
    json body = parse_body();
    const json* f = body.is_object() && body.contains("fields") ? &body["fields"] : nullptr;
    if (f == nullptr || !f->is_object()) {
      p.push_back("no fields object");
      return error(400, "fields missing");
    }
    if (!f->contains("project") || (*f)["project"].value("key", "") != options_.jira_project) {
      p.push_back("fields.project.key is not " + options_.jira_project);
    }
    const std::string summary = f->value("summary", "");
    if (summary.empty() || CodePoints(summary) > 255 || summary.find('\n') != std::string::npos) {
      p.push_back("fields.summary empty, over 255 characters or multi-line");
    }
    if (!f->contains("issuetype") || !(*f)["issuetype"].is_object() ||
        !((*f)["issuetype"].contains("name") || (*f)["issuetype"].contains("id"))) {
      p.push_back("fields.issuetype needs a name or id");
    }
    if (!f->contains("description")) {
      p.push_back("fields.description missing");
    } else {
      CheckAdf((*f)["description"], "fields.description", p);
    }
    std::vector<std::string> labels;
    if (!f->contains("labels") || !(*f)["labels"].is_array()) {
      p.push_back("fields.labels missing");
    } else {
      for (const json& l : (*f)["labels"]) {
        if (!l.is_string() || l.get<std::string>().empty() ||
            l.get<std::string>().find(' ') != std::string::npos) {
          p.push_back("label empty or with a space");
        } else {
          labels.push_back(l.get<std::string>());
        }
      }
    }
    if (std::none_of(labels.begin(), labels.end(),
                     [](const std::string& l) { return l.rfind("secplat-", 0) == 0; })) {
      p.push_back("no secplat-<fingerprint> dedupe label");
    }
    if (!p.empty()) return error(400, "invalid issue");
    JiraIssue issue;
    issue.id = std::to_string(10000 + issues_.size() + 1);
    issue.key = options_.jira_project + "-" + std::to_string(issues_.size() + 1);
    issue.summary = summary;
    issue.labels = labels;
    issues_.push_back(issue);
    return {201,
            "application/json",
            {},
            json{{"id", issue.id},
                 {"key", issue.key},
                 {"self", base_url() + "/rest/api/3/issue/" + issue.id}}
                .dump()};
  }
  if (std::regex_match(r.path, m, kIssuePath)) {
    JiraIssue* issue = find_issue(m[1]);
    if (issue == nullptr) {
      return error(404, "Issue does not exist or you do not have permission to see it.");
    }
    if (m[2] == "comment") {
      if (r.method != "POST") p.push_back("comment method " + r.method + ", want POST");
      json body = parse_body();
      if (!body.is_object() || !body.contains("body")) {
        p.push_back("comment without body");
      } else {
        CheckAdf(body["body"], "body", p);
      }
      if (!p.empty()) return error(400, "invalid comment");
      issue->comments.push_back(body["body"].dump());
      return {
          201, "application/json", {}, json{{"id", std::to_string(issue->comments.size())}}.dump()};
    }
    // transitions
    if (r.method == "GET") {
      json t = json::array({{{"id", "11"}, {"name", "To Do"}},
                            {{"id", "21"}, {"name", "In Progress"}},
                            {{"id", "31"}, {"name", "Done"}}});
      return {200, "application/json", {}, json{{"transitions", t}}.dump()};
    }
    json body = parse_body();
    const std::string id =
        body.is_object() && body.contains("transition") && body["transition"].is_object()
            ? body["transition"].value("id", "")
            : "";
    static const std::map<std::string, std::string> kTargets = {
        {"11", "To Do"}, {"21", "In Progress"}, {"31", "Done"}};
    if (!kTargets.contains(id)) {
      p.push_back("transition id '" + id + "' not offered");
      return error(400, "Transition id '" + id + "' is not valid for this issue.");
    }
    issue->status = kTargets.at(id);
    issue->resolution = id == "31" ? "Done" : "";
    return {204, "", {}, ""};
  }
  p.push_back("unknown path " + r.method + " " + r.path);
  return error(404, "not found");
}

}  // namespace secplat::testing
