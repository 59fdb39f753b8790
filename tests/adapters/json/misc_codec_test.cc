// Scan jobs, tokens, audit entries, errors and lists.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/json/codec.h"

namespace secplat::adapters::json {
namespace {

using core::model::ScanJobStatus;

struct Case {
  const char* why;
  std::string body;
  std::string message;
};

template <typename Fn>
void ExpectRefusals(const std::vector<Case>& cases, Fn decode) {
  for (const auto& c : cases) {
    auto r = decode(c.body);
    ASSERT_FALSE(r.has_value()) << c.why;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << c.why;
    EXPECT_EQ(r.error().message, c.message) << c.why;
  }
}

// Verifies a scan request decodes with and without an idempotency key, and round-trips.
TEST(DecodeScanRequest, ReadsMembers) {
  auto r = DecodeScanRequest(R"({"asset_key":"web-1","scan_type":"tls_headers"})");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->asset_key, "web-1");
  EXPECT_EQ(r->scan_type, "tls_headers");
  EXPECT_EQ(r->idempotency_key, "");
  auto k = DecodeScanRequest(
      R"({"asset_key":"web-1","scan_type":"health_http","idempotency_key":"deploy-2025-11-28.1"})");
  ASSERT_TRUE(k.has_value()) << k.error().message;
  EXPECT_EQ(k->idempotency_key, "deploy-2025-11-28.1");
  EXPECT_EQ(
      EncodeScanRequest(*k),
      R"({"asset_key":"web-1","scan_type":"health_http","idempotency_key":"deploy-2025-11-28.1"})");
  EXPECT_EQ(EncodeScanRequest(*r), R"({"asset_key":"web-1","scan_type":"tls_headers"})");
}

// Verifies scan request refusals, and that every scan type named in the message is known.
TEST(DecodeScanRequest, RejectsWithExactMessages) {
  ExpectRefusals(
      {
          {"no asset_key", R"({"scan_type":"tls_headers"})", "asset_key: required"},
          {"no scan_type", R"({"asset_key":"web-1"})", "scan_type: required"},
          {"unknown scan type", R"({"asset_key":"web-1","scan_type":"nmap"})",
           "scan_type: must be one of health_http, tls_headers, web_exposure"},
          {"bad asset_key", R"({"asset_key":"web 1","scan_type":"tls_headers"})",
           "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
          {"bad idempotency_key",
           R"({"asset_key":"web-1","scan_type":"tls_headers","idempotency_key":"a b"})",
           "idempotency_key: must match ^[A-Za-z0-9][A-Za-z0-9._:+-]{0,255}$"},
          {"numeric idempotency_key",
           R"({"asset_key":"web-1","scan_type":"tls_headers","idempotency_key":5})",
           "idempotency_key: must be a string"},
          {"unknown member", R"({"asset_key":"web-1","scan_type":"tls_headers","priority":1})",
           "priority: unknown field"},
      },
      DecodeScanRequest);
  for (const char* t : {"health_http", "tls_headers", "web_exposure"})
    EXPECT_TRUE(core::model::IsKnownScanType(t)) << t;
}

// Verifies status updates decode and round-trip.
// Verifies the scan.requested payload the outbox writes decodes, and hostile ones do not.
TEST(DecodeScanRequestedPayload, ReadsTheOutboxPayload) {
  auto p = DecodeScanRequestedPayload(
      R"({"asset_key":"web-1","idempotency_key":"health_http+web-1+7","job_id":42,)"
      R"("scan_type":"health_http"})");
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->job_id, 42);
  EXPECT_EQ(p->asset_key, "web-1");
  EXPECT_EQ(p->scan_type, "health_http");
  EXPECT_EQ(p->idempotency_key, "health_http+web-1+7");
  for (const char* bad :
       {R"({})",
        R"({"asset_key":"web-1","idempotency_key":"k","job_id":0,"scan_type":"health_http"})",
        R"({"asset_key":"web-1","idempotency_key":"k","job_id":"1","scan_type":"health_http"})",
        R"({"asset_key":"web 1","idempotency_key":"k","job_id":1,"scan_type":"health_http"})",
        R"({"asset_key":"web-1","idempotency_key":"k","job_id":1,"scan_type":"nmap"})",
        R"({"asset_key":"web-1","idempotency_key":"k","job_id":1,"scan_type":"health_http","x":1})",
        "[1]", "not json"}) {
    EXPECT_FALSE(DecodeScanRequestedPayload(bad).has_value()) << bad;
  }
}

TEST(DecodeScanStatusUpdate, ReadsStatusAndError) {
  auto u = DecodeScanStatusUpdate(R"({"status":"failed","error":"connect timed out"})");
  ASSERT_TRUE(u.has_value()) << u.error().message;
  EXPECT_EQ(u->status, ScanJobStatus::kFailed);
  EXPECT_EQ(u->error, "connect timed out");
  EXPECT_EQ(EncodeScanStatusUpdate(*u), R"({"status":"failed","error":"connect timed out"})");
  auto r = DecodeScanStatusUpdate(R"({"status":"running"})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error, "");
  EXPECT_EQ(EncodeScanStatusUpdate(*r), R"({"status":"running"})");
}

// Verifies status update refusals.
TEST(DecodeScanStatusUpdate, RejectsWithExactMessages) {
  ExpectRefusals(
      {
          {"no status", R"({"error":"x"})", "status: required"},
          {"unknown status", R"({"status":"cancelled"})",
           "status: must be one of queued, running, done, failed, dead"},
          {"long error", R"({"status":"failed","error":")" + std::string(4097, 'e') + R"("})",
           "error: must be at most 4096 characters"},
          {"object error", R"({"status":"failed","error":{}})", "error: must be a string"},
          {"unknown member", R"({"status":"done","attempts":2})", "attempts: unknown field"},
      },
      DecodeScanStatusUpdate);
}

// Verifies log appends of 1..65536 bytes, counted in bytes.
TEST(DecodeLogAppend, AcceptsOneToSixtyFourKibibytes) {
  auto t = DecodeLogAppend(R"({"text":"line 1\nline 2\n"})");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(*t, "line 1\nline 2\n");
  EXPECT_TRUE(DecodeLogAppend(R"({"text":")" + std::string(65536, 'x') + R"("})").has_value());
  EXPECT_EQ(*DecodeLogAppend(EncodeLogAppend("a\"b\\c\td")), "a\"b\\c\td");
  ExpectRefusals(
      {
          {"empty text", R"({"text":""})", "text: must be 1 to 65536 bytes"},
          {"too long", R"({"text":")" + std::string(65537, 'x') + R"("})",
           "text: must be 1 to 65536 bytes"},
          // 65535 characters but 65537 bytes: the limit is in bytes.
          {"multi-byte over limit", R"({"text":")" + std::string(65534, 'x') + "\xe2\x82\xac\"}",
           "text: must be 1 to 65536 bytes"},
          {"no text", "{}", "text: required"},
          {"array text", R"({"text":["a"]})", "text: must be a string"},
          {"unknown member", R"({"text":"a","stream":"stderr"})", "stream: unknown field"},
      },
      DecodeLogAppend);
}

core::model::ScanJob SampleJob() {
  core::model::ScanJob j;
  j.id = 412;
  j.idempotency_key = "tls_headers+web-1+490099";
  j.scan_type = "tls_headers";
  j.asset_key = "web-1";
  j.status = ScanJobStatus::kDone;
  j.attempts = 1;
  j.requested_by = "scheduler";
  j.request_id = "req-1";
  j.log_output = "connected\n";
  j.created_at = FromUnixMillis(1764358200123);
  j.updated_at = FromUnixMillis(1764358202957);
  j.started_at = FromUnixMillis(1764358201000);
  j.finished_at = FromUnixMillis(1764358202957);
  return j;
}

// Verifies the scan job resource's exact encoding and its round trip.
TEST(EncodeScanJob, WritesTheDocumentedShapeAndRoundTrips) {
  EXPECT_EQ(EncodeScanJob(SampleJob()),
            R"({"id":412,"idempotency_key":"tls_headers+web-1+490099","scan_type":"tls_headers",)"
            R"("asset_key":"web-1","status":"done","attempts":1,"requested_by":"scheduler",)"
            R"("request_id":"req-1","log_output":"connected\n","last_error":"",)"
            R"("created_at":"2025-11-28T19:30:00.123Z","updated_at":"2025-11-28T19:30:02.957Z",)"
            R"("started_at":"2025-11-28T19:30:01.000Z","finished_at":"2025-11-28T19:30:02.957Z"})");
  core::model::ScanJob queued = SampleJob();
  queued.status = ScanJobStatus::kQueued;
  queued.started_at.reset();
  queued.finished_at.reset();
  EXPECT_NE(EncodeScanJob(queued).find(R"("started_at":null,"finished_at":null)"),
            std::string::npos);
  for (const auto& j : {SampleJob(), queued}) {
    auto back = DecodeScanJob(EncodeScanJob(j));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(EncodeScanJob(*back), EncodeScanJob(j));
  }
  EXPECT_EQ(DecodeScanJob(R"({"scan_type":"x"})").error().message, "id: required");
}

// Verifies invalid UTF-8 in stored text (e.g. scanner output) is replaced, never thrown on.
TEST(EncodeScanJob, ReplacesInvalidUtf8InStoredText) {
  core::model::ScanJob j = SampleJob();
  j.log_output = "bad \xff byte";
  EXPECT_NE(EncodeScanJob(j).find("\"log_output\":\"bad \xef\xbf\xbd byte\""), std::string::npos);
}

// Verifies token creation requests decode and are refused with exact messages.
TEST(DecodeTokenCreate, ReadsNameAndRole) {
  auto t = DecodeTokenCreate(R"({"name":"ci deploy","role":"service"})");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  EXPECT_EQ(t->name, "ci deploy");
  EXPECT_EQ(t->role, core::model::Role::kService);
  ExpectRefusals(
      {
          {"no name", R"({"role":"admin"})", "name: required"},
          {"no role", R"({"name":"x"})", "role: required"},
          {"empty name", R"({"name":"","role":"admin"})", "name: must be 1 to 100 characters"},
          {"long name", R"({"name":")" + std::string(101, 'n') + R"(","role":"admin"})",
           "name: must be 1 to 100 characters"},
          {"unknown role", R"({"name":"x","role":"root"})",
           "role: must be one of viewer, analyst, admin, service"},
          {"unknown member", R"({"name":"x","role":"admin","expires":"never"})",
           "expires: unknown field"},
      },
      DecodeTokenCreate);
}

// Verifies tokens encode without their hash, and the created form adds the plaintext once.
TEST(EncodeToken, WritesPublicFieldsOnly) {
  core::model::ApiToken t;
  t.id = "9f86d081884c7d65";
  t.name = "alice";
  t.role = core::model::Role::kAnalyst;
  t.secret_hash = "deadbeef";
  t.created_by = "cli";
  t.created_at = FromUnixMillis(1764358200123);
  EXPECT_EQ(EncodeToken(t),
            R"({"id":"9f86d081884c7d65","name":"alice","role":"analyst","created_by":"cli",)"
            R"("created_at":"2025-11-28T19:30:00.123Z","revoked_at":null})");
  EXPECT_EQ(EncodeTokenCreated(t, "spt_9f86d081884c7d65_s3cret"),
            R"({"id":"9f86d081884c7d65","name":"alice","role":"analyst","created_by":"cli",)"
            R"("created_at":"2025-11-28T19:30:00.123Z","revoked_at":null,)"
            R"("token":"spt_9f86d081884c7d65_s3cret"})");
  t.revoked_at = FromUnixMillis(1764358300000);
  EXPECT_EQ(EncodeToken(t).find("deadbeef"), std::string::npos);
  EXPECT_NE(EncodeToken(t).find(R"("revoked_at":"2025-11-28T19:31:40.000Z")"), std::string::npos);
}

// Verifies audit before/after are embedded as JSON when they parse, strings when not, null when
// empty.
TEST(EncodeAuditEntry, EmbedsBeforeAndAfter) {
  core::model::AuditEntry e;
  e.id = 9;
  e.ts = FromUnixMillis(1764358200123);
  e.actor = "token:alice/9f86d081884c7d65";
  e.action = "asset.update";
  e.target = "asset:web-1";
  e.before_json = R"({"name":"Old","port":443})";
  e.after_json = "not json";
  e.request_id = "req-1";
  EXPECT_EQ(EncodeAuditEntry(e),
            R"({"id":9,"ts":"2025-11-28T19:30:00.123Z","actor":"token:alice/9f86d081884c7d65",)"
            R"("action":"asset.update","target":"asset:web-1","before":{"name":"Old","port":443},)"
            R"("after":"not json","request_id":"req-1"})");
  e.before_json.clear();
  e.after_json = std::string(40, '[') + std::string(40, ']');  // too deep to embed
  std::string out = EncodeAuditEntry(e);
  EXPECT_NE(out.find(R"("before":null)"), std::string::npos);
  EXPECT_NE(out.find(R"("after":")" + std::string(40, '[')), std::string::npos);
}

// Verifies the error body's exact shape and its response decoder.
TEST(EncodeError, WritesTheErrorObject) {
  std::string body = EncodeError("invalid_argument", "port: must be an integer", false, "req-1");
  EXPECT_EQ(body, R"({"error":{"code":"invalid_argument","message":"port: must be an integer",)"
                  R"("retryable":false,"request_id":"req-1"}})");
  auto back = DecodeError(body);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->code, "invalid_argument");
  EXPECT_EQ(back->message, "port: must be an integer");
  EXPECT_FALSE(back->retryable);
  EXPECT_EQ(back->request_id, "req-1");
  EXPECT_EQ(
      EncodeError("unavailable", "db \"down\"", true, ""),
      R"({"error":{"code":"unavailable","message":"db \"down\"","retryable":true,"request_id":""}})");
  EXPECT_EQ(DecodeError("{}").error().message, "error: required");
}

// Verifies lists insert items verbatim, write a null cursor on the last page, and decode back.
TEST(EncodeList, InsertsItemsVerbatim) {
  EXPECT_EQ(EncodeList({R"({"a":1})", R"({"b":2})"}, "c_42"),
            R"({"items":[{"a":1},{"b":2}],"next_cursor":"c_42"})");
  EXPECT_EQ(EncodeList({}, ""), R"({"items":[],"next_cursor":null})");
  auto page = DecodeList(R"({"items":[{"b":2, "a":1}],"next_cursor":"c_42"})");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->items, (std::vector<std::string>{R"({"a":1,"b":2})"}));
  EXPECT_EQ(page->next_cursor, "c_42");
  auto last = DecodeList(EncodeList({}, ""));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->next_cursor, "");
  EXPECT_EQ(DecodeList(R"({"items":{}})").error().message, "items: must be an array");
  EXPECT_EQ(DecodeList(R"({"items":[],"next_cursor":5})").error().message,
            "next_cursor: must be a string or null");
}

}  // namespace
}  // namespace secplat::adapters::json
