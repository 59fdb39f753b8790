// End-to-end: the posture routes and the finding counts on the real `secplat api` binary, and
// HttpPlatform's PostureGateway against it; the batch routes of the deriver's sweep
// (POST /api/v1/posture-batch/get, PUT /api/v1/posture-batch, POST /api/v1/events/batch) and
// HttpPlatform's batch methods.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/api_client/http_platform.h"
#include "adapters/json/codec.h"
#include "adapters/json/posture_codec.h"
#include "core/posture/derive.h"
#include "core/posture/score.h"
#include "tests/e2e/harness.h"

namespace secplat::testing {
namespace {

using core::model::CheckOutcome;
using core::model::PostureState;
using nlohmann::json;
using ports::platform::PostureRecord;

const Timestamp kT0 = FromUnixMillis(1'764'358'200'000);  // 2025-11-28T19:30:00Z

class PostureE2e : public ::testing::Test {
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
  static void CreateAsset(const std::string& key) {
    auto r = h_->Call(
        "POST", "/api/v1/assets",
        json{{"asset_key", key}, {"kind", "web"}, {"url", "https://" + key + ".test/"}}.dump(),
        h_->analyst_token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // The record the deriver would write after `outcomes` (one minute apart) on `key`.
  static PostureRecord Derive(const std::string& key, const std::vector<CheckOutcome>& outcomes) {
    std::vector<core::model::CheckResult> rs;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      core::model::CheckResult r;
      r.event_id = key + "-" + std::to_string(i);
      r.asset_key = key;
      r.scan_type = "health_http";
      r.observed_at = kT0 + Duration(60'000 * static_cast<int64_t>(i));
      r.outcome = outcomes[i];
      if (r.outcome == CheckOutcome::kDown) r.failure_reason = "connect_refused";
      rs.push_back(r);
    }
    auto step = core::posture::DerivePosture(
        {}, rs, {}, kT0 + Duration(60'000 * static_cast<int64_t>(outcomes.size())));
    PostureRecord rec;
    rec.status = step.status;
    rec.recent_transitions = step.transitions;
    rec.score = core::posture::ScorePosture(rec.status.current.state, {}, std::nullopt);
    rec.check_by = *rec.status.current.last_result_at + Duration(210'000);
    return rec;
  }
  static adapters::http::ClientResponse Put(const std::string& key, const std::string& body,
                                            const std::string& token) {
    return h_->Call("PUT", "/api/v1/posture/" + key, body, token,
                    {{"Content-Type", "application/json"}});
  }
  static int64_t StoredVersion(const std::string& key) {
    auto r = h_->Call("GET", "/api/v1/posture/" + key, "", h_->viewer_token);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["version"].get<int64_t>();
  }
  // PUT /api/v1/posture-batch requests answered 200 so far (the api's request counter).
  static int BatchPutRequests() {
    std::istringstream in(h_->Call("GET", "/metrics", "", h_->viewer_token).body);
    int n = 0;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("secplat_http_requests_total{", 0) != 0 ||
          line.find("route=\"putPostureBatch\"") == std::string::npos ||
          line.find("status=\"200\"") == std::string::npos)
        continue;
      n += std::stoi(line.substr(line.rfind(' ') + 1));
    }
    return n;
  }
  static Harness* h_;
};
Harness* PostureE2e::h_ = nullptr;

const std::vector<CheckOutcome> kDown4 = {CheckOutcome::kDown, CheckOutcome::kDown,
                                          CheckOutcome::kDown, CheckOutcome::kDown};
const std::vector<CheckOutcome> kUp3 = {CheckOutcome::kUp, CheckOutcome::kUp, CheckOutcome::kUp};

// Verifies the service writes a record (201, version 1) and a viewer reads it back in the
// detail (state, status, inputs, transitions, score reasons) and in the list with its counts
// and filters; an asset never derived is listed and detailed as unknown.
TEST_F(PostureE2e, ServiceWritesViewerReads) {
  CreateAsset("pe-down");
  CreateAsset("pe-never");
  PostureRecord rec = Derive("pe-down", kDown4);
  ASSERT_EQ(rec.status.current.state, PostureState::kDown);
  auto put = Put("pe-down", adapters::json::EncodePosturePut(rec, 0), h_->service_token);
  ASSERT_EQ(put.status, 201) << put.body;
  EXPECT_EQ(Body(put)["version"], 1);

  auto got = h_->Call("GET", "/api/v1/posture/pe-down", "", h_->viewer_token);
  ASSERT_EQ(got.status, 200) << got.body;
  json d = Body(got);
  EXPECT_EQ(d["state"], "down");
  EXPECT_EQ(d["status_num"], -2);
  EXPECT_EQ(d["grade"], rec.score.grade);
  EXPECT_EQ(d["inputs"].size(), 4u);
  EXPECT_EQ(d["inputs"][0]["failure_reason"], "connect_refused");
  ASSERT_FALSE(d["recent_transitions"].empty());
  EXPECT_EQ(d["recent_transitions"].back()["reason"], "consecutive_failures");
  EXPECT_EQ(d["score_reasons"][0]["code"], "state_down");
  auto decoded = adapters::json::DecodePostureStatus(d["status"].dump());
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ(*decoded, rec.status);

  auto never = h_->Call("GET", "/api/v1/posture/pe-never", "", h_->viewer_token);
  ASSERT_EQ(never.status, 200) << never.body;
  EXPECT_EQ(Body(never)["state"], "unknown");
  EXPECT_TRUE(Body(never)["status"].is_null());
  EXPECT_EQ(Body(never)["version"], 0);
  EXPECT_EQ(h_->Call("GET", "/api/v1/posture/pe-absent", "", h_->viewer_token).status, 404);

  auto list = h_->Call("GET", "/api/v1/posture?state=down", "", h_->viewer_token);
  ASSERT_EQ(list.status, 200) << list.body;
  json l = Body(list);
  ASSERT_EQ(l["items"].size(), 1u);
  EXPECT_EQ(l["items"][0]["asset_key"], "pe-down");
  EXPECT_GE(l["counts"]["down"].get<int>(), 1);
  EXPECT_GE(l["counts"]["unknown"].get<int>(), 1);
  auto unknown = h_->Call("GET", "/api/v1/posture?state=unknown&limit=1000", "", h_->viewer_token);
  const json unknown_body = Body(unknown);
  bool listed = false;
  for (auto& item : unknown_body["items"]) listed = listed || item["asset_key"] == "pe-never";
  EXPECT_TRUE(listed) << unknown.body;
  EXPECT_EQ(h_->Call("GET", "/api/v1/posture?state=sideways", "", h_->viewer_token).status, 400);
  EXPECT_EQ(h_->Call("GET", "/api/v1/posture?grade=E", "", h_->viewer_token).status, 400);
  EXPECT_EQ(h_->Call("GET", "/api/v1/posture?colour=red", "", h_->viewer_token).status, 400);
}

// Verifies the compare-and-set over HTTP: a repeated expected_version gets 409 and leaves the
// record; the current one gets 200 and the next version.
TEST_F(PostureE2e, VersionConflictsAre409) {
  CreateAsset("pe-cas");
  PostureRecord up = Derive("pe-cas", kUp3);
  ASSERT_EQ(Put("pe-cas", adapters::json::EncodePosturePut(up, 0), h_->service_token).status, 201);
  PostureRecord down = Derive("pe-cas", kDown4);
  auto stale = Put("pe-cas", adapters::json::EncodePosturePut(down, 0), h_->service_token);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(Body(stale)["error"]["code"], "conflict");
  EXPECT_EQ(StoredVersion("pe-cas"), 1);
  auto next = Put("pe-cas", adapters::json::EncodePosturePut(down, 1), h_->admin_token);
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(Body(next)["version"], 2);
  EXPECT_EQ(Body(next)["state"], "down");

  // Each state change is audited, the rewrite without a change is not.
  ASSERT_EQ(Put("pe-cas", adapters::json::EncodePosturePut(down, 2), h_->service_token).status,
            200);
  auto audit = h_->Call("GET", "/api/v1/audit?limit=1000", "", h_->admin_token);
  ASSERT_EQ(audit.status, 200) << audit.body;
  const json audit_body = Body(audit);
  int rows = 0;
  for (auto& a : audit_body["items"]) rows += a["target"] == "posture:pe-cas" ? 1 : 0;
  EXPECT_EQ(rows, 2);
}

// Verifies analyst and viewer get 403 on PUT and nothing is written.
TEST_F(PostureE2e, OnlyServiceAndAdminWrite) {
  CreateAsset("pe-rbac");
  const std::string body = adapters::json::EncodePosturePut(Derive("pe-rbac", kUp3), 0);
  for (const std::string& token : {h_->analyst_token, h_->viewer_token}) {
    auto r = Put("pe-rbac", body, token);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(Body(r)["error"]["code"], "permission_denied");
  }
  EXPECT_EQ(StoredVersion("pe-rbac"), 0);
}

// Verifies malformed bodies get 400 naming the field, and write nothing; unknown and deleted
// assets get 404.
TEST_F(PostureE2e, MalformedBodiesAre400WithNoWrite) {
  CreateAsset("pe-bad");
  json good = json::parse(adapters::json::EncodePosturePut(Derive("pe-bad", kUp3), 0));
  struct Case {
    std::string body;
    std::string message_prefix;
  };
  auto edit = [&good](auto f) {
    json j = good;
    f(j);
    return j.dump();
  };
  const std::vector<Case> cases = {
      {"", "body: must not be empty"},
      {"{\"expected_version\":0", "body: invalid JSON"},
      {"[]", "body: must be a JSON object"},
      {edit([](json& j) { j.erase("expected_version"); }), "expected_version: required"},
      {edit([](json& j) { j["colour"] = 1; }), "colour: unknown field"},
      {edit([](json& j) { j["status"]["current"]["state"] = "sideways"; }),
       "status.current.state: must be one of"},
      {edit([](json& j) { j["status"]["ring"][0]["observed_at"] = "noon"; }),
       "status.ring[0].observed_at: invalid RFC 3339 timestamp"},
      {edit([](json& j) { j["status"]["asset_key"] = "someone-else"; }),
       "status.asset_key: must be empty or 'pe-bad'"},
      {edit([](json& j) { j["recent_transitions"][0]["asset_key"] = "someone-else"; }),
       "recent_transitions[0].asset_key: must be empty or 'pe-bad'"},
      {edit([](json& j) { j["score"]["score"] = 101; }), "score.score: must be an integer"},
  };
  for (const Case& c : cases) {
    auto r = Put("pe-bad", c.body, h_->service_token);
    EXPECT_EQ(r.status, 400) << c.message_prefix << ": " << r.body;
    std::string message = Body(r)["error"]["message"].get<std::string>();
    EXPECT_EQ(message.rfind(c.message_prefix, 0), 0u) << message;
  }
  EXPECT_EQ(StoredVersion("pe-bad"), 0);
  auto wrong_type = h_->Call("PUT", "/api/v1/posture/pe-bad", good.dump(), h_->service_token,
                             {{"Content-Type", "text/plain"}});
  EXPECT_EQ(wrong_type.status, 415);

  EXPECT_EQ(Put("pe-absent", adapters::json::EncodePosturePut(Derive("pe-absent", kUp3), 0),
                h_->service_token)
                .status,
            404);
  CreateAsset("pe-deleted");
  ASSERT_EQ(h_->Call("DELETE", "/api/v1/assets/pe-deleted", "", h_->analyst_token).status, 200);
  json for_deleted = json::parse(adapters::json::EncodePosturePut(Derive("pe-deleted", kUp3), 0));
  EXPECT_EQ(Put("pe-deleted", for_deleted.dump(), h_->service_token).status, 404);
  EXPECT_EQ(StoredVersion("pe-bad"), 0);
}

// Verifies finding counts per severity with the asset and status filters.
TEST_F(PostureE2e, FindingCounts) {
  CreateAsset("pe-findings");
  for (auto [check, severity] : std::vector<std::pair<std::string, std::string>>{
           {"a", "high"}, {"b", "high"}, {"c", "critical"}, {"d", "low"}}) {
    auto r = h_->Call("POST", "/api/v1/findings",
                      json{{"asset_key", "pe-findings"},
                           {"source", "manual"},
                           {"check_id", check},
                           {"title", "t"},
                           {"severity", severity}}
                          .dump(),
                      h_->service_token);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  auto r = h_->Call("GET", "/api/v1/finding-counts?asset_key=pe-findings&status=open", "",
                    h_->viewer_token);
  ASSERT_EQ(r.status, 200) << r.body;
  json c = Body(r);
  EXPECT_EQ(c["total"], 4);
  EXPECT_EQ(c["by_severity"]["high"], 2);
  EXPECT_EQ(c["by_severity"]["critical"], 1);
  EXPECT_EQ(c["by_severity"]["low"], 1);
  EXPECT_EQ(c["by_severity"]["medium"], 0);
  auto resolved = h_->Call("GET", "/api/v1/finding-counts?asset_key=pe-findings&status=resolved",
                           "", h_->viewer_token);
  EXPECT_EQ(Body(resolved)["total"], 0);
  EXPECT_EQ(h_->Call("GET", "/api/v1/finding-counts?severity=high", "", h_->viewer_token).status,
            400);
}

// Verifies HttpPlatform's PostureGateway against the api: read nothing, write, read back equal,
// conflict as kConflict, the due list paged with cursors, and open finding counts.
TEST_F(PostureE2e, HttpPlatformPostureGateway) {
  adapters::api_client::HttpPlatform api(
      {.base_url = "http://127.0.0.1:" + std::to_string(h_->port), .token = h_->service_token});
  for (const char* k : {"pg-1", "pg-2", "pg-3"}) CreateAsset(k);
  auto none = api.GetPosture("pg-1");
  ASSERT_TRUE(none.has_value()) << none.error().message;
  EXPECT_FALSE(none->has_value());
  auto missing = api.GetPosture("pg-absent");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  PostureRecord rec = Derive("pg-1", kDown4);
  auto stored = api.PutPosture(rec, 0);
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(stored->version, 1);
  auto back = api.GetPosture("pg-1");
  ASSERT_TRUE(back.has_value() && back->has_value());
  EXPECT_EQ((*back)->status, rec.status);
  EXPECT_EQ((*back)->score, rec.score);
  EXPECT_EQ((*back)->recent_transitions, rec.recent_transitions);
  EXPECT_EQ((*back)->check_by, rec.check_by);
  EXPECT_EQ((*back)->version, 1);
  EXPECT_EQ((*back)->updated_at, stored->updated_at);
  auto conflict = api.PutPosture(rec, 0);
  ASSERT_FALSE(conflict.has_value());
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);

  ASSERT_TRUE(api.PutPosture(Derive("pg-2", kUp3), 0).has_value());
  ASSERT_TRUE(api.PutPosture(Derive("pg-3", kUp3), 0).has_value());
  // All three are due 210 s after their last result; pg-1's last result is the latest.
  std::vector<std::string> due;
  std::string cursor;
  for (int guard = 0; guard < 10; ++guard) {
    auto page = api.ListPostureDue(kT0 + Duration(3'600'000), cursor, 1);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    for (auto& k : page->asset_keys)
      if (k.rfind("pg-", 0) == 0) due.push_back(k);
    if (page->next_cursor.empty()) break;
    cursor = page->next_cursor;
  }
  EXPECT_EQ(due, (std::vector<std::string>{"pg-2", "pg-3", "pg-1"}));
  auto early = api.ListPostureDue(kT0, "", 100);
  ASSERT_TRUE(early.has_value());
  for (auto& k : early->asset_keys) EXPECT_NE(k.rfind("pg-", 0), 0u) << k;

  auto counts = api.CountOpenFindings("pg-1");
  ASSERT_TRUE(counts.has_value()) << counts.error().message;
  EXPECT_EQ(*counts, core::model::OpenFindingCounts{});
}

// ---- Batch routes ---------------------------------------------------------------------------

// A posture.changed envelope with a fresh id (k-th of a test) for `asset`.
core::model::Envelope ChangedEvent(const std::string& asset, int k) {
  core::model::Envelope e;
  char id[40];
  std::snprintf(id, sizeof id, "5e1ec7ed-0000-4000-8000-%012d", k);
  e.event_id = id;
  e.event_type = core::model::EventType::kPostureChanged;
  e.ts = kT0;
  e.org_id = "default";
  e.asset_key = asset;
  e.payload_json = R"({"from":"up","to":"stale"})";
  return e;
}

// Verifies the batch read answers one item per key in request order: the asset, its open
// findings and its record with the documents; never derived: posture null; unknown and deleted
// assets: an item error not_found (the request still 200). Readable by a viewer.
TEST_F(PostureE2e, BatchGetAnswersEveryKeyInOrder) {
  for (const char* k : {"bg-derived", "bg-never", "bg-deleted"}) CreateAsset(k);
  PostureRecord rec = Derive("bg-derived", kDown4);
  ASSERT_EQ(Put("bg-derived", adapters::json::EncodePosturePut(rec, 0), h_->service_token).status,
            201);
  auto finding = h_->Call("POST", "/api/v1/findings",
                          json{{"asset_key", "bg-derived"},
                               {"source", "manual"},
                               {"check_id", "x"},
                               {"title", "t"},
                               {"severity", "critical"}}
                              .dump(),
                          h_->service_token);
  ASSERT_EQ(finding.status, 201) << finding.body;
  ASSERT_EQ(h_->Call("DELETE", "/api/v1/assets/bg-deleted", "", h_->analyst_token).status, 200);

  const std::string body =
      json{{"asset_keys", {"bg-never", "bg-derived", "bg-absent", "bg-deleted"}}}.dump();
  auto r = h_->Call("POST", "/api/v1/posture-batch/get", body, h_->viewer_token);
  ASSERT_EQ(r.status, 200) << r.body;
  json items = Body(r)["items"];
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0]["asset_key"], "bg-never");
  EXPECT_TRUE(items[0]["error"].is_null());
  EXPECT_EQ(items[0]["asset"]["asset_key"], "bg-never");
  EXPECT_TRUE(items[0]["posture"].is_null());
  EXPECT_EQ(items[1]["open_findings"]["critical"], 1);
  EXPECT_EQ(items[1]["posture"]["version"], 1);
  EXPECT_EQ(items[1]["posture"]["status"]["current"]["state"], "down");
  EXPECT_EQ(items[2]["error"]["code"], "not_found");
  EXPECT_TRUE(items[2]["asset"].is_null());
  EXPECT_EQ(items[3]["error"]["code"], "not_found");

  // The client's decoder gives back what was written.
  auto decoded = adapters::json::DecodePostureInputs(r.body);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  ASSERT_TRUE((*decoded)[1].record.has_value());
  EXPECT_EQ((*decoded)[1].record->status, rec.status);
  EXPECT_EQ((*decoded)[1].record->recent_transitions, rec.recent_transitions);
  EXPECT_EQ((*decoded)[1].record->check_by, rec.check_by);
  EXPECT_EQ((*decoded)[1].open_findings.critical, 1);
  EXPECT_EQ((*decoded)[2].status.error().code, ErrorCode::kNotFound);

  EXPECT_EQ(h_->Call("POST", "/api/v1/posture-batch/get", body, "").status, 401);
}

// Verifies the batch write: each item its own compare-and-set with its own outcome (created,
// updated, conflict, not_found) in one request; analyst and viewer get 403 and nothing is
// written.
TEST_F(PostureE2e, BatchPutGivesEachItemItsOutcome) {
  for (const char* k : {"bp-new", "bp-update", "bp-stale"}) CreateAsset(k);
  ASSERT_EQ(Put("bp-update", adapters::json::EncodePosturePut(Derive("bp-update", kUp3), 0),
                h_->service_token)
                .status,
            201);
  ASSERT_EQ(Put("bp-stale", adapters::json::EncodePosturePut(Derive("bp-stale", kUp3), 0),
                h_->service_token)
                .status,
            201);
  auto item = [](const std::string& key, const std::vector<CheckOutcome>& o, int64_t v) {
    return json::parse(adapters::json::EncodePostureBatchPutItem({Derive(key, o), v}));
  };
  const std::string body = json{{"items",
                                 {item("bp-new", kDown4, 0), item("bp-update", kDown4, 1),
                                  item("bp-stale", kDown4, 7), item("bp-absent", kUp3, 0)}}}
                               .dump();
  for (const std::string& token : {h_->analyst_token, h_->viewer_token}) {
    auto denied = h_->Call("PUT", "/api/v1/posture-batch", body, token,
                           {{"Content-Type", "application/json"}});
    EXPECT_EQ(denied.status, 403) << denied.body;
  }
  EXPECT_EQ(StoredVersion("bp-new"), 0);

  auto r = h_->Call("PUT", "/api/v1/posture-batch", body, h_->service_token,
                    {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json out = Body(r);
  ASSERT_EQ(out["items"].size(), 4u);
  EXPECT_EQ(out["items"][0]["outcome"], "created");
  EXPECT_EQ(out["items"][0]["version"], 1);
  EXPECT_EQ(out["items"][1]["outcome"], "updated");
  EXPECT_EQ(out["items"][1]["version"], 2);
  EXPECT_EQ(out["items"][2]["outcome"], "conflict");
  EXPECT_EQ(out["items"][2]["error"]["code"], "conflict");
  EXPECT_TRUE(out["items"][2]["version"].is_null());
  EXPECT_EQ(out["items"][3]["outcome"], "not_found");
  EXPECT_EQ(out["counts"],
            (json{{"created", 1}, {"updated", 1}, {"conflict", 1}, {"not_found", 1}}));
  EXPECT_EQ(StoredVersion("bp-new"), 1);
  EXPECT_EQ(StoredVersion("bp-update"), 2);
  EXPECT_EQ(StoredVersion("bp-stale"), 1);
  auto detail = h_->Call("GET", "/api/v1/posture/bp-update", "", h_->viewer_token);
  EXPECT_EQ(Body(detail)["state"], "down");
}

// Verifies bad batches are 400 naming the item and write nothing: no items, too many, a
// duplicate, a malformed member, a record for another asset; for events a duplicate event_id
// and a bad timestamp.
TEST_F(PostureE2e, BatchRoutesRejectBadInputNamingTheItem) {
  CreateAsset("bb-1");
  CreateAsset("bb-2");
  auto item = [](const std::string& key) {
    return json::parse(adapters::json::EncodePostureBatchPutItem({Derive(key, kUp3), 0}));
  };
  std::vector<std::string> many(1001);
  for (size_t i = 0; i < many.size(); ++i) many[i] = "k-" + std::to_string(i);
  json wrong_state = item("bb-2");
  wrong_state["status"]["current"]["state"] = "sideways";
  json other_asset = item("bb-1");
  other_asset["asset_key"] = "bb-2";
  struct Case {
    std::string method, path, body, message_prefix;
  };
  const std::vector<Case> cases = {
      {"POST", "/api/v1/posture-batch/get", R"({"asset_keys":[]})",
       "asset_keys: must contain 1 to 1000 items"},
      {"POST", "/api/v1/posture-batch/get", json{{"asset_keys", many}}.dump(),
       "asset_keys: must contain 1 to 1000 items"},
      {"POST", "/api/v1/posture-batch/get", R"({"asset_keys":["bb-1","bb-2","bb-1"]})",
       "asset_keys[2]: duplicate of asset_keys[0]"},
      {"POST", "/api/v1/posture-batch/get", R"({"asset_keys":["bb-1","no spaces"]})",
       "asset_keys[1]: must match"},
      {"PUT", "/api/v1/posture-batch", R"({"items":[]})", "items: must contain 1 to 1000 items"},
      {"PUT", "/api/v1/posture-batch", json{{"items", {item("bb-1"), item("bb-1")}}}.dump(),
       "items[1].asset_key: duplicate of items[0].asset_key"},
      {"PUT", "/api/v1/posture-batch", json{{"items", {item("bb-1"), wrong_state}}}.dump(),
       "items[1].status.current.state: must be one of"},
      {"PUT", "/api/v1/posture-batch", json{{"items", {other_asset}}}.dump(),
       "items[0].status.asset_key: must be empty or 'bb-2'"},
      {"POST", "/api/v1/events/batch", R"({"events":[]})", "events: must contain 1 to 1000 items"},
      {"POST", "/api/v1/events/batch",
       "{\"events\":[" + adapters::json::EncodeEnvelope(ChangedEvent("bb-1", 1)) + "," +
           adapters::json::EncodeEnvelope(ChangedEvent("bb-1", 1)) + "]}",
       "events[1].event_id: duplicate of events[0].event_id"},
      {"POST", "/api/v1/events/batch",
       "{\"events\":[" + adapters::json::EncodeEnvelope(ChangedEvent("bb-1", 2)) +
           R"(,{"event_id":"5e1ec7ed-0000-4000-8000-000000000003","event_type":"posture.changed","ts":"noon","org_id":"default"}]})",
       "events[1].ts: must be an RFC 3339 UTC timestamp"},
  };
  for (const Case& c : cases) {
    auto r = h_->Call(c.method, c.path, c.body, h_->service_token,
                      {{"Content-Type", "application/json"}});
    EXPECT_EQ(r.status, 400) << c.message_prefix << ": " << r.body;
    std::string message = Body(r)["error"]["message"].get<std::string>();
    EXPECT_EQ(message.rfind(c.message_prefix, 0), 0u) << message;
  }
  EXPECT_EQ(StoredVersion("bb-1"), 0);
  EXPECT_EQ(StoredVersion("bb-2"), 0);
  auto events = h_->Call("GET", "/api/v1/events?asset_key=bb-1", "", h_->viewer_token);
  EXPECT_TRUE(Body(events)["items"].empty()) << events.body;
  // Events batch needs ingest_events, as the single route.
  auto denied =
      h_->Call("POST", "/api/v1/events/batch",
               "{\"events\":[" + adapters::json::EncodeEnvelope(ChangedEvent("bb-1", 4)) + "]}",
               h_->viewer_token, {{"Content-Type", "application/json"}});
  EXPECT_EQ(denied.status, 403) << denied.body;
}

// Verifies HttpPlatform's batch methods against the api, with requests split by size (a
// 16 KiB request limit here): inputs in order with not-found items, per-write outcomes across
// several requests (kConflict, kNotFound, versions), and events recorded once however often
// they are sent.
TEST_F(PostureE2e, HttpPlatformBatchMethods) {
  adapters::api_client::HttpPlatform api(
      {.base_url = "http://127.0.0.1:" + std::to_string(h_->port),
       .token = h_->service_token,
       .max_request_bytes = 16 * 1024});
  std::vector<std::string> keys;
  for (int i = 0; i < 12; ++i) {
    keys.push_back("hb-" + std::to_string(i));
    CreateAsset(keys.back());
  }
  std::vector<ports::platform::PostureWrite> writes;
  for (const auto& k : keys) writes.push_back({Derive(k, kDown4), 0});
  writes.push_back({Derive("hb-absent", kUp3), 0});
  const int puts_before = BatchPutRequests();
  auto first = api.PutPostureBatch(writes);
  EXPECT_GT(BatchPutRequests() - puts_before, 1);  // split: 13 records do not fit in 16 KiB
  ASSERT_TRUE(first.has_value()) << first.error().message;
  ASSERT_EQ(first->size(), writes.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    ASSERT_TRUE((*first)[i].has_value()) << (*first)[i].error().message;
    EXPECT_EQ(*(*first)[i], 1);
  }
  ASSERT_FALSE(first->back().has_value());
  EXPECT_EQ(first->back().error().code, ErrorCode::kNotFound);
  auto again = api.PutPostureBatch(std::span(writes).first(2));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ((*again)[0].error().code, ErrorCode::kConflict);

  std::vector<std::string> read = keys;
  read.insert(read.begin() + 3, "hb-absent");
  auto inputs = api.GetPostureInputs(read);
  ASSERT_TRUE(inputs.has_value()) << inputs.error().message;
  ASSERT_EQ(inputs->size(), read.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ((*inputs)[i].asset_key, read[i]);
    if (read[i] == "hb-absent") {
      EXPECT_EQ((*inputs)[i].status.error().code, ErrorCode::kNotFound);
      continue;
    }
    ASSERT_TRUE((*inputs)[i].status.has_value()) << (*inputs)[i].status.error().message;
    EXPECT_EQ((*inputs)[i].asset.asset_key, read[i]);
    ASSERT_TRUE((*inputs)[i].record.has_value());
    EXPECT_EQ((*inputs)[i].record->version, 1);
    EXPECT_EQ((*inputs)[i].record->status, writes[i < 3 ? i : i - 1].record.status);
  }

  std::vector<core::model::Envelope> events;
  for (int i = 0; i < 60; ++i)
    events.push_back(ChangedEvent("hb-" + std::to_string(i % 12), 100 + i));
  ASSERT_TRUE(api.RecordEvents(events).has_value());
  ASSERT_TRUE(api.RecordEvents(events).has_value());  // idempotent on event_id
  int stored = 0;
  std::string cursor;
  do {
    auto page = h_->Call("GET",
                         "/api/v1/events?type=posture.changed&limit=1000" +
                             (cursor.empty() ? std::string() : "&cursor=" + cursor),
                         "", h_->viewer_token);
    ASSERT_EQ(page.status, 200) << page.body;
    json p = Body(page);
    for (auto& e : p["items"])
      stored += e["event_id"].get<std::string>().rfind("5e1ec7ed-0000-4000-8000-0000000001", 0) == 0
                    ? 1
                    : 0;
    cursor = p["next_cursor"].is_string() ? p["next_cursor"].get<std::string>() : "";
  } while (!cursor.empty());
  EXPECT_EQ(stored, 60);
}

}  // namespace
}  // namespace secplat::testing
