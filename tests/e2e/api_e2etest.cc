// End-to-end: the real `secplat api` binary on port 0 with a temp data dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "jobqueue/embedded_queue.h"
#include "tests/e2e/harness.h"

namespace secplat::testing {
namespace {

using nlohmann::json;

class ApiE2e : public ::testing::Test {
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
  static int Count(const std::string& list_path) {
    auto r = h_->Call("GET", list_path, "", h_->admin_token);
    return static_cast<int>(Body(r)["items"].size());
  }
  static void CreateAsset(const std::string& key) {
    auto r = h_->Call("POST", "/api/v1/assets",
                      json{{"asset_key", key},
                           {"kind", "web"},
                           {"url", "https://" + key + ".example.test/"},
                           {"labels", {{"team", "payments"}}},
                           {"environment", "production"}}
                          .dump(),
                      h_->analyst_token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  static Harness* h_;
};
Harness* ApiE2e::h_ = nullptr;

// One representative request per route class, and which roles may make it.
struct RouteCase {
  std::string method, path, body;
  std::set<std::string> allowed;  // roles allowed; others get 403
};

std::vector<RouteCase> RouteCases() {
  const std::set<std::string> all{"viewer", "analyst", "admin", "service"};
  const std::set<std::string> analyst_admin{"analyst", "admin"};
  const std::set<std::string> ingest{"service", "analyst", "admin"};
  const std::set<std::string> service_admin{"service", "admin"};
  const std::set<std::string> admin{"admin"};
  return {
      {"GET", "/api/v1/assets", "", all},
      {"POST", "/api/v1/assets", R"({"asset_key":"rbac-x","kind":"web","url":"https://x.test/"})",
       analyst_admin},
      {"GET", "/api/v1/assets/rbac-none", "", all},
      {"PATCH", "/api/v1/assets/rbac-none", R"({"name":"n"})", analyst_admin},
      {"DELETE", "/api/v1/assets/rbac-none", "", analyst_admin},
      {"GET", "/api/v1/findings", "", all},
      {"POST", "/api/v1/findings",
       R"({"asset_key":"rbac-none","source":"manual","check_id":"x","title":"t","severity":"low"})",
       ingest},
      {"POST", "/api/v1/findings/batch",
       R"({"findings":[{"asset_key":"rbac-none","source":"manual","check_id":"x","title":"t","severity":"low"}]})",
       ingest},
      {"GET", "/api/v1/findings/none", "", all},
      {"POST", "/api/v1/findings/none/status", R"({"status":"resolved"})", analyst_admin},
      {"GET", "/api/v1/events", "", all},
      {"POST", "/api/v1/events", R"({"event_id":"not-a-uuid"})", service_admin},
      {"GET", "/api/v1/scans", "", all},
      {"POST", "/api/v1/scans", R"({"asset_key":"rbac-none","scan_type":"health_http"})", ingest},
      {"GET", "/api/v1/scans/999999", "", all},
      {"POST", "/api/v1/scans/999999/status", R"({"status":"running"})", service_admin},
      {"POST", "/api/v1/scans/999999/log", R"({"text":"x"})", service_admin},
      {"GET", "/api/v1/tokens", "", admin},
      {"POST", "/api/v1/tokens", R"({"name":"","role":"viewer"})", admin},
      {"DELETE", "/api/v1/tokens/0000000000000000", "", admin},
      {"GET", "/api/v1/audit", "", admin},
      {"GET", "/api/v1/me", "", all},
      {"GET", "/api/v1/openapi.json", "", all},
      {"GET", "/api/v1/queue/health", "", all},
      {"GET", "/api/v1/queue/secplat.jobs.scan/dead-letters", "", admin},
      {"GET", "/api/v1/queue/secplat.jobs.scan/dead-letters/0-1", "", admin},
      {"POST", "/api/v1/queue/secplat.jobs.scan/dead-letters/0-1/replay", "", admin},
      {"DELETE", "/api/v1/queue/secplat.jobs.scan/dead-letters/0-1", "", admin},
      {"DELETE", "/api/v1/queue/secplat.jobs.derive/dead-letters", "", admin},
      {"GET", "/api/v1/posture", "", all},
      {"GET", "/api/v1/posture/rbac-none", "", all},
      {"PUT", "/api/v1/posture/rbac-none", R"({"expected_version":0})", service_admin},
      {"GET", "/api/v1/posture-due", "", all},
      {"GET", "/api/v1/finding-counts", "", all},
  };
}

// Verifies every route answers 401 without a token, with a malformed token and with an unknown
// one — with the standard error body and a WWW-Authenticate header.
TEST_F(ApiE2e, EveryRouteNeedsAToken) {
  const std::string unknown =
      "spt_0123456789abcdef_0000000000000000000000000000000000000000000000000000000000000000";
  for (const auto& c : RouteCases()) {
    for (const std::string& token : {std::string(), std::string("garbage"), unknown}) {
      auto r = h_->Call(c.method, c.path, c.body, token);
      EXPECT_EQ(r.status, 401) << c.method << " " << c.path << " token=" << token;
      auto b = Body(r);
      EXPECT_EQ(b["error"]["code"], "unauthenticated") << r.body;
      EXPECT_EQ(b["error"]["retryable"], false);
      EXPECT_FALSE(r.Header("www-authenticate").empty());
    }
  }
}

// Verifies each role gets 403 exactly on the routes its role does not allow, and never 401.
TEST_F(ApiE2e, RolesAreEnforcedPerRouteClass) {
  const std::map<std::string, std::string> tokens{{"viewer", h_->viewer_token},
                                                  {"analyst", h_->analyst_token},
                                                  {"admin", h_->admin_token},
                                                  {"service", h_->service_token}};
  for (const auto& c : RouteCases()) {
    for (const auto& [role, token] : tokens) {
      auto r = h_->Call(c.method, c.path, c.body, token);
      EXPECT_NE(r.status, 401) << role << " " << c.method << " " << c.path;
      if (c.allowed.count(role)) {
        EXPECT_NE(r.status, 403) << role << " " << c.method << " " << c.path << " " << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << role << " " << c.method << " " << c.path << " " << r.body;
        EXPECT_EQ(Body(r)["error"]["code"], "permission_denied");
      }
    }
  }
}

// Verifies create, get, list with filters and pagination, update and soft delete of assets.
TEST_F(ApiE2e, AssetCrud) {
  CreateAsset("crud-1");
  CreateAsset("crud-2");
  auto dup =
      h_->Call("POST", "/api/v1/assets",
               R"({"asset_key":"crud-1","kind":"web","url":"https://a.test/"})", h_->analyst_token);
  EXPECT_EQ(dup.status, 409) << dup.body;

  auto got = h_->Call("GET", "/api/v1/assets/crud-1", "", h_->viewer_token);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got)["labels"]["team"], "payments");
  EXPECT_EQ(Body(got)["kind"], "web");

  auto page1 =
      h_->Call("GET", "/api/v1/assets?label=team%3Dpayments&limit=1", "", h_->viewer_token);
  ASSERT_EQ(page1.status, 200) << page1.body;
  ASSERT_EQ(Body(page1)["items"].size(), 1u);
  std::string cursor = Body(page1)["next_cursor"];
  auto page2 = h_->Call("GET", "/api/v1/assets?label=team%3Dpayments&limit=1&cursor=" + cursor, "",
                        h_->viewer_token);
  ASSERT_EQ(page2.status, 200) << page2.body;
  EXPECT_NE(Body(page2)["items"][0]["asset_key"], Body(page1)["items"][0]["asset_key"]);

  auto upd = h_->Call("PATCH", "/api/v1/assets/crud-1", R"({"owner":"alice","criticality":"high"})",
                      h_->analyst_token);
  ASSERT_EQ(upd.status, 200) << upd.body;
  EXPECT_EQ(Body(upd)["owner"], "alice");
  EXPECT_EQ(Body(upd)["criticality"], "high");

  auto del = h_->Call("DELETE", "/api/v1/assets/crud-2", "", h_->analyst_token);
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_FALSE(Body(del)["deleted_at"].is_null());
  EXPECT_EQ(h_->Call("GET", "/api/v1/assets/crud-2", "", h_->viewer_token).status, 404);
}

// Verifies the same finding key posted twice gives 201 then 200 with one row and 2 occurrences,
// and a key derived from (asset, source, check, location) when none is given.
TEST_F(ApiE2e, FindingUpsertIsIdempotent) {
  CreateAsset("idem-1");
  json f = {{"finding_key", "idem-key-1"},      {"asset_key", "idem-1"},
            {"source", "tls_headers"},          {"check_id", "hsts_missing"},
            {"title", "HSTS missing"},          {"severity", "medium"},
            {"evidence", {{"header", nullptr}}}};
  auto first = h_->Call("POST", "/api/v1/findings", f.dump(), h_->service_token);
  ASSERT_EQ(first.status, 201) << first.body;
  auto second = h_->Call("POST", "/api/v1/findings", f.dump(), h_->service_token);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(Body(second)["occurrences"], 2);
  EXPECT_EQ(Count("/api/v1/findings?asset_key=idem-1"), 1);

  json nokey = f;
  nokey.erase("finding_key");
  nokey["location"] = "Strict-Transport-Security";
  auto a = h_->Call("POST", "/api/v1/findings", nokey.dump(), h_->service_token);
  nokey["title"] = "HSTS header missing (reworded)";
  auto b = h_->Call("POST", "/api/v1/findings", nokey.dump(), h_->service_token);
  ASSERT_EQ(a.status, 201) << a.body;
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(Body(a)["finding_key"], Body(b)["finding_key"]);
  EXPECT_THAT(Body(a)["finding_key"].get<std::string>(), ::testing::StartsWith("f_"));
}

// Verifies 50 concurrent posts of one new key produce exactly one row: one 201, forty-nine 200.
TEST_F(ApiE2e, ConcurrentPostsOfOneNewKeyMakeOneRow) {
  CreateAsset("race-1");
  json f = {{"finding_key", "race-key"}, {"asset_key", "race-1"}, {"source", "manual"},
            {"check_id", "race"},        {"title", "race"},       {"severity", "low"}};
  std::atomic<int> created{0}, updated{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i)
    threads.emplace_back([&] {
      auto r = h_->Call("POST", "/api/v1/findings", f.dump(), h_->service_token);
      (r.status == 201 ? created : r.status == 200 ? updated : other)++;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(updated, 49);
  EXPECT_EQ(other, 0);
  auto list = h_->Call("GET", "/api/v1/findings?asset_key=race-1", "", h_->viewer_token);
  ASSERT_EQ(Body(list)["items"].size(), 1u);
  EXPECT_EQ(Body(list)["items"][0]["occurrences"], 50);
}

// Verifies a corpus of malformed and oversized requests: each a 4xx with the error shape, the
// server still up afterwards, and no row written anywhere.
TEST_F(ApiE2e, MalformedBodiesAreRejectedWithoutWrites) {
  CreateAsset("bad-1");
  int assets_before = Count("/api/v1/assets?limit=1000");
  int findings_before = Count("/api/v1/findings?limit=1000");
  int events_before = Count("/api/v1/events?limit=1000");
  int scans_before = Count("/api/v1/scans?limit=1000");
  struct Bad {
    std::string method, path, body, content_type;
    int status;
  };
  std::string deep(100000, '[');
  std::string big(2 * 1024 * 1024, ' ');
  big[0] = '{';
  std::vector<Bad> corpus = {
      {"POST", "/api/v1/assets", "{", "application/json", 400},
      {"POST", "/api/v1/assets", "", "application/json", 400},
      {"POST", "/api/v1/assets", "[]", "application/json", 400},
      {"POST", "/api/v1/assets", "null", "application/json", 400},
      {"POST", "/api/v1/assets",
       R"({"asset_key":"x","kind":"web","url":"https://x.test/","extra":1})", "application/json",
       400},
      {"POST", "/api/v1/assets", R"({"asset_key":"x","kind":"spaceship","url":"https://x.test/"})",
       "application/json", 400},
      {"POST", "/api/v1/assets", R"({"asset_key":7,"kind":"web","url":"https://x.test/"})",
       "application/json", 400},
      {"POST", "/api/v1/assets",
       R"({"asset_key":"has space","kind":"web","url":"https://x.test/"})", "application/json",
       400},
      {"POST", "/api/v1/assets", R"({"asset_key":"x","kind":"web","url":"file:///etc/passwd"})",
       "application/json", 400},
      {"POST", "/api/v1/assets", R"({"asset_key":"x","kind":"web","url":"https://x.test/"})",
       "text/plain", 415},
      {"POST", "/api/v1/assets", deep, "application/json", 400},
      {"POST", "/api/v1/assets", big, "application/json", 413},
      {"POST", "/api/v1/assets", std::string("{\"asset_key\":\"\xff\xfe\",\"kind\":\"web\"}"),
       "application/json", 400},
      {"POST", "/api/v1/findings",
       R"({"asset_key":"bad-1","source":"manual","check_id":"x","title":"t","severity":"catastrophic"})",
       "application/json", 400},
      {"POST", "/api/v1/findings",
       R"({"asset_key":"bad-1","source":"manual","check_id":"x","title":"t"})", "application/json",
       400},
      {"POST", "/api/v1/findings",
       R"({"asset_key":"bad-1","source":"manual","check_id":"x","title":"t","severity":"low","evidence":"not an object"})",
       "application/json", 400},
      {"POST", "/api/v1/findings",
       R"({"asset_key":"no-such-asset","source":"manual","check_id":"x","title":"t","severity":"low"})",
       "application/json", 404},
      {"POST", "/api/v1/findings/batch", R"({"findings":[]})", "application/json", 400},
      {"POST", "/api/v1/findings/batch",
       R"({"findings":[{"asset_key":"bad-1","source":"manual","check_id":"a","title":"t","severity":"low"},{"asset_key":"bad-1","source":"manual","check_id":"b","title":"t","severity":"nope"}]})",
       "application/json", 400},
      {"POST", "/api/v1/findings/batch",
       R"({"findings":[{"asset_key":"bad-1","source":"manual","check_id":"a","title":"t","severity":"low"},{"asset_key":"missing-asset","source":"manual","check_id":"b","title":"t","severity":"low"}]})",
       "application/json", 404},
      {"POST", "/api/v1/events",
       R"({"event_id":"not-a-uuid","event_type":"scan.completed","ts":"2026-11-28T10:00:00Z","org_id":"default"})",
       "application/json", 400},
      {"POST", "/api/v1/events",
       R"({"event_id":"6f1c1c1e-7a8b-4c1d-9e2f-0a1b2c3d4e5f","event_type":"scan.exploded","ts":"2026-11-28T10:00:00Z","org_id":"default"})",
       "application/json", 400},
      {"POST", "/api/v1/events",
       R"({"event_id":"6f1c1c1e-7a8b-4c1d-9e2f-0a1b2c3d4e5f","event_type":"scan.completed","ts":"yesterday","org_id":"default"})",
       "application/json", 400},
      {"POST", "/api/v1/scans", R"({"asset_key":"bad-1","scan_type":"port_knock"})",
       "application/json", 400},
      {"POST", "/api/v1/scans", R"({"asset_key":"bad-1"})", "application/json", 400},
      {"GET", "/api/v1/findings?severity=apocalyptic", "", "", 400},
      {"GET", "/api/v1/findings?limit=0", "", "", 400},
      {"GET", "/api/v1/findings?cursor=garbage", "", "", 400},
      {"GET", "/api/v1/findings?sevrity=low", "", "", 400},
      {"GET", "/api/v1/events?since=not-a-time", "", "", 400},
      {"PUT", "/api/v1/assets", "{}", "application/json", 405},
      {"GET", "/api/v1/nothing-here", "", "", 404},
  };
  for (const auto& c : corpus) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!c.content_type.empty()) headers.emplace_back("Content-Type", c.content_type);
    auto r = h_->Call(c.method, c.path, c.body, h_->admin_token, headers);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.path << " " << c.body.substr(0, 120)
                                  << " -> " << r.body;
    auto b = Body(r);
    ASSERT_TRUE(b.contains("error")) << r.body;
    EXPECT_FALSE(b["error"]["message"].get<std::string>().empty());
    EXPECT_FALSE(b["error"]["request_id"].get<std::string>().empty());
    ASSERT_TRUE(h_->Running()) << "server died on " << c.path;
  }
  EXPECT_EQ(h_->Call("GET", "/healthz", "", "").status, 200);
  EXPECT_EQ(Count("/api/v1/assets?limit=1000"), assets_before);
  EXPECT_EQ(Count("/api/v1/findings?limit=1000"), findings_before);
  EXPECT_EQ(Count("/api/v1/events?limit=1000"), events_before);
  EXPECT_EQ(Count("/api/v1/scans?limit=1000"), scans_before);
}

// Verifies a well-formed X-Request-Id is echoed and lands in the JSON log line; a malformed one
// is replaced by a generated id.
TEST_F(ApiE2e, RequestIdIsEchoedAndLogged) {
  auto r =
      h_->Call("GET", "/api/v1/assets", "", h_->viewer_token, {{"X-Request-Id", "e2e-req.42_x"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-request-id"), "e2e-req.42_x");
  auto bad = h_->Call("GET", "/api/v1/assets", "", h_->viewer_token,
                      {{"X-Request-Id", "has spaces and ; semicolons"}});
  std::string replaced(bad.Header("x-request-id"));
  EXPECT_NE(replaced, "has spaces and ; semicolons");
  EXPECT_EQ(replaced.size(), 36u);  // a UUID
  auto err = h_->Call("GET", "/api/v1/assets/none-such", "", h_->viewer_token,
                      {{"X-Request-Id", "e2e-err-1"}});
  EXPECT_EQ(Body(err)["error"]["request_id"], "e2e-err-1");

  bool found = false;
  std::istringstream log(h_->LogText());
  for (std::string line; std::getline(log, line);) {
    auto j = json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    for (const char* k : {"timestamp", "level", "service", "request_id", "asset_key", "action",
                          "status", "message"})
      ASSERT_TRUE(j.contains(k)) << k << " missing in " << line;
    if (j["request_id"] == "e2e-req.42_x" && j["action"] == "http.request") {
      found = true;
      EXPECT_EQ(j["status"], "200");
      EXPECT_EQ(j["service"], "api");
    }
  }
  EXPECT_TRUE(found) << "no log line carried the request id";
  EXPECT_EQ(h_->LogText().find(h_->viewer_token), std::string::npos) << "a token reached the log";
}

// Verifies the OpenAPI document lists exactly the routes the server serves: every documented
// operation answers (no 404 "no route", no 405) and every route class is documented.
TEST_F(ApiE2e, OpenApiCoversEveryRoute) {
  auto r = h_->Call("GET", "/api/v1/openapi.json", "", h_->viewer_token);
  ASSERT_EQ(r.status, 200);
  auto doc = Body(r);
  ASSERT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (auto& [path, ops] : doc["paths"].items()) {
    for (auto& [method, op] : ops.items()) {
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(c));
      documented.insert(m + " " + path);
      std::string concrete = path;
      for (auto [from, to] : {std::pair{"{asset_key}", "oa-none"},
                              {"{finding_key}", "oa-none"},
                              {"{id}", "424242"}}) {
        auto pos = concrete.find(from);
        if (pos != std::string::npos) concrete.replace(pos, std::string(from).size(), to);
      }
      auto resp = h_->Call(m, concrete, m == "GET" || m == "DELETE" ? "" : "{}", h_->admin_token);
      EXPECT_NE(resp.status, 405) << m << " " << concrete;
      if (resp.status == 404) {
        EXPECT_EQ(Body(resp)["error"]["message"].get<std::string>().find("no route"),
                  std::string::npos)
            << m << " " << concrete;
      }
    }
  }
  for (const auto& c : RouteCases()) {
    bool covered = false;
    for (const auto& d : documented) {
      // Compare by method and path shape (parameters replaced).
      auto sp = d.find(' ');
      std::string m = d.substr(0, sp), p = d.substr(sp + 1);
      if (m != c.method) continue;
      std::string a = p, b = c.path;
      auto seg = [](const std::string& s) {
        std::vector<std::string> v;
        std::stringstream ss(s);
        for (std::string x; std::getline(ss, x, '/');) v.push_back(x);
        return v;
      };
      auto va = seg(a), vb = seg(b);
      if (va.size() != vb.size()) continue;
      bool eq = true;
      for (size_t i = 0; i < va.size(); ++i)
        if (!(va[i] == vb[i] || (!va[i].empty() && va[i][0] == '{'))) eq = false;
      covered = covered || eq;
    }
    EXPECT_TRUE(covered) << c.method << " " << c.path << " is not documented";
  }
}

// Verifies a revoked token stops working immediately and token secrets are never listed.
TEST_F(ApiE2e, RevokedTokenIsRefusedAtOnce) {
  auto created = h_->Call("POST", "/api/v1/tokens", R"({"name":"short-lived","role":"viewer"})",
                          h_->admin_token);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string token = Body(created)["token"];
  std::string id = Body(created)["id"];
  EXPECT_EQ(h_->Call("GET", "/api/v1/me", "", token).status, 200);
  auto list = h_->Call("GET", "/api/v1/tokens", "", h_->admin_token);
  EXPECT_EQ(list.body.find(token.substr(21)), std::string::npos) << "secret listed";
  ASSERT_EQ(h_->Call("DELETE", "/api/v1/tokens/" + id, "", h_->admin_token).status, 200);
  EXPECT_EQ(h_->Call("GET", "/api/v1/me", "", token).status, 401);
}

// Verifies writes are audited with the acting token and request id.
TEST_F(ApiE2e, WritesAreAudited) {
  auto r = h_->Call("POST", "/api/v1/assets",
                    R"({"asset_key":"audited-1","kind":"host","host":"10.0.0.5"})",
                    h_->analyst_token, {{"X-Request-Id", "audit-req-1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  bool found = false;
  std::string cursor;
  for (int page = 0; page < 50 && !found; ++page) {
    auto a =
        h_->Call("GET", "/api/v1/audit?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor),
                 "", h_->admin_token);
    ASSERT_EQ(a.status, 200);
    json page_body = Body(a);
    for (auto& e : page_body["items"])
      if (e["request_id"] == "audit-req-1") {
        found = true;
        EXPECT_EQ(e["action"], "asset.create");
        EXPECT_THAT(e["actor"].get<std::string>(), ::testing::HasSubstr("e2e-analyst"));
      }
    if (page_body["next_cursor"].is_null()) break;
    cursor = page_body["next_cursor"];
  }
  EXPECT_TRUE(found);
}

// Verifies /metrics needs a token, has request counters and passes `promtool check metrics`.
TEST_F(ApiE2e, MetricsAreAuthenticatedAndValid) {
  EXPECT_EQ(h_->Call("GET", "/metrics", "", "").status, 401);
  auto r = h_->Call("GET", "/metrics", "", h_->viewer_token);
  ASSERT_EQ(r.status, 200);
  EXPECT_THAT(r.body, ::testing::HasSubstr("secplat_http_requests_total"));
  EXPECT_THAT(r.body, ::testing::HasSubstr("secplat_http_request_duration_seconds_bucket"));
  EXPECT_THAT(r.body, ::testing::HasSubstr("secplat_store_operation_duration_seconds"));
  std::string path = h_->dir + "/metrics.txt";
  std::ofstream(path) << r.body;
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/promtool")) << "promtool not installed";
  int rc = std::system(
      ("/usr/bin/promtool check metrics < " + path + " > " + h_->dir + "/promtool.out 2>&1")
          .c_str());
  std::ifstream out(h_->dir + "/promtool.out");
  std::string text((std::istreambuf_iterator<char>(out)), {});
  EXPECT_EQ(rc, 0) << text;
}

// Verifies dead letters can be listed, inspected, replayed and purged through the API by an
// admin, that each change is audited, and that queue health reports the stream.
TEST_F(ApiE2e, DeadLettersCanBeListedInspectedReplayedAndPurged) {
  // The api process and this test share the embedded queue in the data dir.
  auto queue = jobqueue::EmbeddedQueue::Open(h_->dir + "/data/queue");
  ASSERT_TRUE(queue.has_value()) << queue.error().message;
  const std::string stream(jobqueue::kDeriveStream);
  ASSERT_TRUE((*queue)->PurgeDeadLetters(stream, std::nullopt).has_value());
  ASSERT_TRUE((*queue)->Publish(stream, "this is not an envelope", {}).has_value());
  ASSERT_TRUE(
      (*queue)
          ->Publish(stream,
                    R"({"event_id":"0b6c8a52-7f0e-4d7b-9a31-5d2f0c1e9a77","event_type":)"
                    R"("scan.completed","ts":"2026-11-28T10:00:00.000Z","org_id":"default"})",
                    {})
          .has_value());
  {
    std::stop_source stop;
    std::jthread consumer([&] {
      jobqueue::ConsumeOptions opts;
      opts.block = std::chrono::milliseconds(50);
      (void)(*queue)->Consume(
          stream, jobqueue::kDeriveGroup,
          [](const jobqueue::Message&, const jobqueue::LeaseControl&) {
            return jobqueue::Outcome::Fail("derivation rule rejected it");
          },
          opts, stop.get_token());
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto st = (*queue)->Stats(stream, jobqueue::kDeriveGroup);
      if (st && st->dead_letters == 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop.request_stop();
  }
  const std::string base = "/api/v1/queue/" + stream + "/dead-letters";
  auto list = h_->Call("GET", base, "", h_->admin_token);
  ASSERT_EQ(list.status, 200) << list.body;
  json items = Body(list)["items"];
  ASSERT_EQ(items.size(), 2u) << list.body;
  std::map<std::string, std::string> id_by_reason;
  for (auto& d : items) id_by_reason[d["reason"]] = d["id"];
  ASSERT_EQ(id_by_reason.count("malformed"), 1u);
  ASSERT_EQ(id_by_reason.count("failed"), 1u);

  auto one = h_->Call("GET", base + "/" + id_by_reason["failed"], "", h_->admin_token);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Body(one)["last_error"], "derivation rule rejected it");
  EXPECT_EQ(Body(one)["message"]["payload"]["event_type"], "scan.completed");
  EXPECT_EQ(h_->Call("GET", base, "", h_->analyst_token).status, 403);

  auto replay = h_->Call("POST", base + "/" + id_by_reason["failed"] + "/replay", "",
                         h_->admin_token, {{"X-Request-Id", "dlq-replay-1"}});
  ASSERT_EQ(replay.status, 200) << replay.body;
  auto purge = h_->Call("DELETE", base + "/" + id_by_reason["malformed"], "", h_->admin_token);
  ASSERT_EQ(purge.status, 200) << purge.body;
  EXPECT_EQ(Body(purge)["purged"], 1);
  EXPECT_EQ(Body(h_->Call("GET", base, "", h_->admin_token))["items"].size(), 0u);
  EXPECT_EQ(h_->Call("GET", base + "/" + id_by_reason["malformed"], "", h_->admin_token).status,
            404);

  auto health = h_->Call("GET", "/api/v1/queue/health", "", h_->viewer_token);
  ASSERT_EQ(health.status, 200) << health.body;
  json hb = Body(health);
  EXPECT_EQ(hb["backend"], "embedded");
  bool saw = false;
  for (auto& st : hb["streams"])
    if (st["stream"] == stream) {
      saw = true;
      EXPECT_GE(st["published"].get<int64_t>(), 2);  // the two publishes (a replay is not one)
      EXPECT_EQ(st["dead_letters"], 0);
    }
  EXPECT_TRUE(saw);

  auto audit = Body(h_->Call("GET", "/api/v1/audit?limit=1000", "", h_->admin_token));
  bool replay_audited = false;
  for (auto& e : audit["items"])
    replay_audited =
        replay_audited || (e["action"] == "queue.replay" && e["request_id"] == "dlq-replay-1");
  EXPECT_TRUE(replay_audited);

  auto metrics = h_->Call("GET", "/metrics", "", h_->viewer_token);
  EXPECT_THAT(metrics.body, ::testing::HasSubstr("secplat_queue_dead_letters{"));
  EXPECT_THAT(metrics.body, ::testing::HasSubstr("secplat_queue_published_total{"));
}

// Verifies /healthz and /readyz answer without a token.
TEST_F(ApiE2e, HealthEndpointsAreOpen) {
  EXPECT_EQ(h_->Call("GET", "/healthz", "", "").status, 200);
  auto ready = h_->Call("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.body, R"({"status":"ready","store":"ok","queue":"ok"})");
}

// Verifies `secplat up` on an empty data dir issues one admin token into a 0600 file that works,
// keeps the data dir private, and a restart does not issue another.
TEST(UpE2e, FirstStartCreatesAdminTokenFile) {
  auto h = Harness::Create();
  // A fresh data dir without the tokens Create() made (inside h->dir, so it is cleaned up).
  std::string base = h->dir;
  h->dir = base + "/fresh";
  std::filesystem::create_directories(h->dir);
  h->Start("up");
  std::string path = h->dir + "/data/admin.token";
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The data dir and the database are private to the user running SecPlat.
  ASSERT_EQ(stat((h->dir + "/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((h->dir + "/data/secplat.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  auto me = h->Call("GET", "/api/v1/me", "", token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(nlohmann::json::parse(me.body)["role"], "admin");
  EXPECT_EQ(h->LogText().find(token), std::string::npos) << "the admin token reached the log";
  h->Stop();
  h->Start("up");
  std::ifstream again(path);
  std::string token2;
  std::getline(again, token2);
  EXPECT_EQ(token, token2);
  auto list = h->Call("GET", "/api/v1/tokens", "", token);
  // The admin token and the internal service token of the in-process roles; a restart reuses
  // both (no token per start).
  auto items = nlohmann::json::parse(list.body)["items"];
  ASSERT_EQ(items.size(), 2u) << list.body;
  std::set<std::string> roles;
  for (auto& t : items) roles.insert(t["role"]);
  EXPECT_EQ(roles, (std::set<std::string>{"admin", "service"}));
  ASSERT_EQ(stat((h->dir + "/data/service.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  h->Stop();
  h->dir = base;
}

// Verifies an address that keeps failing authentication is refused with 429 and Retry-After
// before its credentials are checked (so even a valid token waits), and that the budget is per
// address: the refusal does not spill onto other failures' accounting.
TEST(AuthThrottleE2e, RepeatedFailuresAreThrottledBeforeCredentialsAreChecked) {
  auto h = Harness::Create();
  h->Start("api",
           {{"SECPLAT_AUTH_FAILED_AUTH_BURST", "3"}, {"SECPLAT_AUTH_FAILED_AUTH_PER_MINUTE", "1"}});
  const std::string bad =
      "spt_0123456789abcdef_0000000000000000000000000000000000000000000000000000000000000000";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h->Call("GET", "/api/v1/me", "", bad).status, 401) << i;
  auto refused = h->Call("GET", "/api/v1/me", "", bad);
  EXPECT_EQ(refused.status, 429);
  auto body = nlohmann::json::parse(refused.body);
  EXPECT_EQ(body["error"]["code"], "resource_exhausted");
  EXPECT_EQ(body["error"]["retryable"], true);
  EXPECT_FALSE(refused.Header("retry-after").empty());
  // Rate limiting comes before the credential check: a correct token from that address waits.
  EXPECT_EQ(h->Call("GET", "/api/v1/me", "", h->viewer_token).status, 429);
  auto metrics_refused = h->Call("GET", "/metrics", "", h->viewer_token);
  EXPECT_EQ(metrics_refused.status, 429);
  h->Stop();
}

// Verifies check-config prints every problem and exits 2, and prints the redacted effective
// config and exits 0 when all is well.
TEST(CheckConfigE2e, ReportsProblemsAndRedactsSecrets) {
  std::string dir = std::filesystem::temp_directory_path() / "secplat-cc-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::ofstream(dir + "/bad.yaml") << "server:\n  prot: 1\n  port: nope\nlog:\n  level: loud\n";
  auto bad = RunSecplat({"check-config", "--config", dir + "/bad.yaml"}, {});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, ::testing::HasSubstr("server.prot: unknown key"));
  EXPECT_THAT(bad.err, ::testing::HasSubstr("server.port"));
  EXPECT_THAT(bad.err, ::testing::HasSubstr("log.level"));
  auto good = RunSecplat({"check-config"}, {{"SECPLAT_PLATFORM_TOKEN", "super-secret-value"}});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.out.find("super-secret-value"), std::string::npos);
  EXPECT_THAT(good.out, ::testing::HasSubstr("<secret>"));
  std::filesystem::remove_all(dir);
}

// Verifies --help works for the binary and each subcommand.
TEST(CliE2e, HelpEverywhere) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--help"},
                                        {"api", "--help"},
                                        {"up", "--help"},
                                        {"migrate", "--help"},
                                        {"check-config", "--help"},
                                        {"token", "--help"},
                                        {"token", "create", "--help"},
                                        {"version", "--help"}}) {
    auto r = RunSecplat(args, {});
    EXPECT_EQ(r.exit_code, 0) << args[0];
    EXPECT_THAT(r.out, ::testing::HasSubstr("Usage")) << args[0];
  }
  auto v = RunSecplat({"version"}, {});
  EXPECT_THAT(v.out, ::testing::StartsWith("secplat "));
  EXPECT_EQ(RunSecplat({"no-such-command"}, {}).exit_code, 2);
}

}  // namespace
}  // namespace secplat::testing
