#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapters/json/codec.h"
#include "core/contracts/keys.h"

namespace secplat::adapters::json {
namespace {

using core::model::Finding;
using core::model::FindingObservation;
using core::model::FindingStatus;
using core::model::Severity;

struct Case {
  const char* why;
  std::string body;
  std::string message;
};

const std::string kObs = R"({"asset_key":"web-1","source":"tls_headers","check_id":"hsts_missing",)"
                         R"("title":"HSTS missing","severity":"medium")";

// Verifies a full observation decodes, evidence becomes canonical, observed_at is parsed.
TEST(DecodeObservation, ReadsEveryMember) {
  auto o = DecodeObservation(R"({
    "finding_key": "custom:key-1", "asset_key": "web-1", "source": "tls_headers",
    "check_id": "hsts_missing", "location": "Strict-Transport-Security", "category": "headers",
    "title": "HSTS missing", "severity": "high",
    "evidence": {"status": 200, "headers": {"server": "nginx", "age": "0"}},
    "observed_at": "2025-11-28T20:30:00.123+01:00"})");
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->finding_key, "custom:key-1");
  EXPECT_EQ(o->location, "Strict-Transport-Security");
  EXPECT_EQ(o->category, "headers");
  EXPECT_EQ(o->severity, Severity::kHigh);
  EXPECT_EQ(o->evidence_json, R"({"headers":{"age":"0","server":"nginx"},"status":200})");
  ASSERT_TRUE(o->observed_at.has_value());
  EXPECT_EQ(*o->observed_at, FromUnixMillis(1764358200123));
}

// Verifies the optional members default: no key (the API derives it), empty evidence, no time.
TEST(DecodeObservation, LeavesOptionalMembersEmpty) {
  auto o = DecodeObservation(kObs + "}");
  ASSERT_TRUE(o.has_value()) << o.error().message;
  EXPECT_EQ(o->finding_key, "");
  EXPECT_EQ(o->location, "");
  EXPECT_EQ(o->evidence_json, "{}");
  EXPECT_FALSE(o->observed_at.has_value());
  EXPECT_EQ(core::contracts::DeriveFindingKey(o->asset_key, o->source, o->check_id, o->location),
            core::contracts::DeriveFindingKey("web-1", "tls_headers", "hsts_missing", ""));
}

// Verifies every refusal with its exact message.
TEST(DecodeObservation, RejectsBadBodiesWithExactMessages) {
  const std::vector<Case> cases = {
      {"no asset_key", R"({"source":"s"})", "asset_key: required"},
      {"no source", R"({"asset_key":"web-1"})", "source: required"},
      {"no check_id", R"({"asset_key":"web-1","source":"s"})", "check_id: required"},
      {"no title", R"({"asset_key":"web-1","source":"s","check_id":"c"})", "title: required"},
      {"no severity", R"({"asset_key":"web-1","source":"s","check_id":"c","title":"t"})",
       "severity: required"},
      {"unknown member", kObs + R"(,"status":"open"})", "status: unknown field"},
      {"unknown severity",
       R"({"asset_key":"web-1","source":"s","check_id":"c","title":"t",)"
       R"("severity":"severe"})",
       "severity: must be one of info, low, medium, high, critical"},
      {"numeric title", R"({"asset_key":"web-1","source":"s","check_id":"c","title":7})",
       "title: must be a string"},
      {"array evidence", kObs + R"(,"evidence":["a"]})", "evidence: must be an object"},
      {"null evidence", kObs + R"(,"evidence":null})", "evidence: must be an object"},
      {"string evidence", kObs + R"(,"evidence":"{}"})", "evidence: must be an object"},
      {"bad observed_at", kObs + R"(,"observed_at":"yesterday"})",
       "observed_at: invalid RFC 3339 timestamp 'yesterday': too short"},
      {"observed_at without offset", kObs + R"(,"observed_at":"2025-11-28T19:30:00.5"})",
       "observed_at: invalid RFC 3339 timestamp '2025-11-28T19:30:00.5': missing UTC offset ('Z' "
       "or +HH:MM)"},
      {"numeric observed_at", kObs + R"(,"observed_at":1764358200})",
       "observed_at: must be a string"},
      {"bad finding_key", kObs + R"(,"finding_key":"a/b"})",
       "finding_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      {"upper-case check_id",
       R"({"asset_key":"web-1","source":"s","check_id":"HSTS","title":"t",)"
       R"("severity":"low"})",
       "check_id: must match ^[a-z0-9][a-z0-9_.-]{0,63}$"},
      {"long title",
       R"({"asset_key":"web-1","source":"s","check_id":"c","title":")" + std::string(501, 't') +
           R"(","severity":"low"})",
       "title: must be 1 to 500 characters"},
      {"evidence over 64 KiB", kObs + R"(,"evidence":{"x":")" + std::string(65530, 'e') + R"("}})",
       "evidence: must be at most 65536 bytes"},
      {"evidence too deep",
       kObs + R"(,"evidence":)" + std::string(32, '[') + std::string(32, ']') + "}",
       "body: nesting deeper than 32 levels"},
      {"duplicate in evidence", kObs + R"(,"evidence":{"a":1,"a":1}})",
       "evidence.a: duplicate key"},
  };
  for (const auto& c : cases) {
    auto o = DecodeObservation(c.body);
    ASSERT_FALSE(o.has_value()) << c.why;
    EXPECT_EQ(o.error().code, ErrorCode::kInvalidArgument) << c.why;
    EXPECT_EQ(o.error().message, c.message) << c.why;
  }
  // Verifies evidence nested to the depth limit (body 1 + evidence 2..32) is accepted.
  auto deepest = DecodeObservation(kObs + R"(,"evidence":{"a":)" + std::string(30, '[') +
                                   std::string(30, ']') + "}}");
  EXPECT_TRUE(deepest.has_value()) << deepest.error().message;
}

// Verifies a batch decodes in order.
TEST(DecodeObservationBatch, DecodesItemsInOrder) {
  std::string body = R"({"findings":[)" + kObs +
                     R"(},{"asset_key":"web-1","source":"tls_headers",)"
                     R"("check_id":"csp_missing","title":"CSP missing","severity":"low"}]})";
  auto batch = DecodeObservationBatch(body, 10);
  ASSERT_TRUE(batch.has_value()) << batch.error().message;
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].check_id, "hsts_missing");
  EXPECT_EQ((*batch)[1].check_id, "csp_missing");
  EXPECT_EQ((*batch)[1].severity, Severity::kLow);
}

// Verifies batch refusals name the item by index.
TEST(DecodeObservationBatch, RejectsWithItemPaths) {
  const std::string ok = kObs + "}";
  const std::vector<Case> cases = {
      {"no findings", "{}", "findings: required"},
      {"findings not array", R"({"findings":{}})", "findings: must be an array"},
      {"empty batch", R"({"findings":[]})", "findings: must contain 1 to 3 items"},
      {"too many", R"({"findings":[)" + ok + "," + ok + "," + ok + "," + ok + "]}",
       "findings: must contain 1 to 3 items"},
      {"unknown member", R"({"findings":[)" + ok + R"(],"dry_run":true})",
       "dry_run: unknown field"},
      {"item not object", R"({"findings":[)" + ok + R"(,"x"]})", "findings[1]: must be an object"},
      {"item unknown enum",
       R"({"findings":[)" + ok + "," + ok + "," +
           R"({"asset_key":"web-1","source":"s","check_id":"c","title":"t",)"
           R"("severity":"severe"}]})",
       "findings[2].severity: must be one of info, low, medium, high, critical"},
      {"item unknown member", R"({"findings":[)" + kObs + R"(,"foo":1}]})",
       "findings[0].foo: unknown field"},
      {"item missing member", R"({"findings":[)" + ok + R"(,{"asset_key":"web-1"}]})",
       "findings[1].source: required"},
      {"item validation",
       R"({"findings":[)" + ok +
           R"(,{"asset_key":"web-1","source":"S",)"
           R"("check_id":"c","title":"t","severity":"low"}]})",
       "findings[1].source: must match ^[a-z0-9][a-z0-9_.-]{0,63}$"},
      {"item duplicate key", R"({"findings":[)" + ok + R"(,{"title":"a","title":"b"}]})",
       "findings[1].title: duplicate key"},
      {"item wrong type", R"({"findings":[{"asset_key":["web-1"]}]})",
       "findings[0].asset_key: must be a string"},
  };
  for (const auto& c : cases) {
    auto b = DecodeObservationBatch(c.body, 3);
    ASSERT_FALSE(b.has_value()) << c.why;
    EXPECT_EQ(b.error().message, c.message) << c.why;
  }
}

// Verifies the request encoders produce what the decoders accept (for API clients).
TEST(EncodeObservation, RoundTripsThroughTheDecoders) {
  FindingObservation o;
  o.asset_key = "web-1";
  o.source = "web_exposure";
  o.check_id = "admin_panel";
  o.location = "/admin";
  o.title = "Admin panel exposed";
  o.severity = Severity::kHigh;
  o.evidence_json = R"({"status":200})";
  o.observed_at = FromUnixMillis(1764358200123);
  EXPECT_EQ(EncodeObservation(o),
            R"({"asset_key":"web-1","source":"web_exposure","check_id":"admin_panel",)"
            R"("location":"/admin","title":"Admin panel exposed","severity":"high",)"
            R"("evidence":{"status":200},"observed_at":"2025-11-28T19:30:00.123Z"})");
  auto back = DecodeObservation(EncodeObservation(o));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(EncodeObservation(*back), EncodeObservation(o));
  std::vector<FindingObservation> batch{o, o};
  batch[1].check_id = "login_panel";
  auto decoded = DecodeObservationBatch(EncodeObservationBatch(batch), 2);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message;
  EXPECT_EQ((*decoded)[1].check_id, "login_panel");
}

Finding SampleFinding() {
  Finding f;
  f.finding_key = "f_1aa02491227baf4077ac91268acd1205";
  f.asset_key = "web-1";
  f.source = "tls_headers";
  f.check_id = "hsts_missing";
  f.location = "strict-transport-security";
  f.category = "headers";
  f.title = "HSTS missing";
  f.severity = Severity::kMedium;
  f.status = FindingStatus::kAccepted;
  f.evidence_json = R"({"status":200})";
  f.first_seen = FromUnixMillis(1764358200123);
  f.last_seen = FromUnixMillis(1764361800000);
  f.occurrences = 2;
  f.accepted_until = FromUnixMillis(1769817600000);
  f.accepted_by = "token:alice/9f86d081884c7d65";
  f.status_reason = "legacy clients";
  f.updated_at = FromUnixMillis(1764361800000);
  return f;
}

// Verifies the finding resource's exact encoding.
TEST(EncodeFinding, WritesTheDocumentedShape) {
  EXPECT_EQ(EncodeFinding(SampleFinding()),
            R"({"finding_key":"f_1aa02491227baf4077ac91268acd1205","asset_key":"web-1",)"
            R"("source":"tls_headers","check_id":"hsts_missing",)"
            R"("location":"strict-transport-security","category":"headers","title":"HSTS missing",)"
            R"("severity":"medium","status":"accepted","evidence":{"status":200},)"
            R"("first_seen":"2025-11-28T19:30:00.123Z","last_seen":"2025-11-28T20:30:00.000Z",)"
            R"("occurrences":2,"resolved_at":null,"accepted_until":"2026-01-31T00:00:00.000Z",)"
            R"("accepted_by":"token:alice/9f86d081884c7d65","status_reason":"legacy clients",)"
            R"("updated_at":"2025-11-28T20:30:00.000Z"})");
  // Verifies corrupt stored evidence still yields valid JSON (embedded as a string).
  Finding bad = SampleFinding();
  bad.evidence_json = "{not json";
  EXPECT_NE(EncodeFinding(bad).find(R"("evidence":"{not json")"), std::string::npos);
}

// Verifies the response decoder reads back what EncodeFinding wrote.
TEST(DecodeFinding, RoundTripsTheResource) {
  Finding resolved = SampleFinding();
  resolved.status = FindingStatus::kResolved;
  resolved.accepted_until.reset();
  resolved.resolved_at = FromUnixMillis(1764361900000);
  for (const Finding& f : {SampleFinding(), resolved}) {
    auto back = DecodeFinding(EncodeFinding(f));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(EncodeFinding(*back), EncodeFinding(f));
  }
  EXPECT_EQ(DecodeFinding(R"({"finding_key":"k"})").error().message, "asset_key: required");
}

// Verifies the batch outcome counts and lists each result in input order.
TEST(EncodeBatchOutcome, CountsCreatedAndUpdated) {
  Finding a = SampleFinding();
  Finding b = SampleFinding();
  b.finding_key = "f_2";
  b.status = FindingStatus::kOpen;
  b.occurrences = 1;
  std::vector<ports::store::UpsertOutcome> outcomes{{a, false}, {b, true}};
  EXPECT_EQ(EncodeBatchOutcome(outcomes),
            R"({"created":1,"updated":1,"results":[)"
            R"({"finding_key":"f_1aa02491227baf4077ac91268acd1205","created":false,)"
            R"("status":"accepted","occurrences":2},)"
            R"({"finding_key":"f_2","created":true,"status":"open","occurrences":1}]})");
}

// Verifies status changes decode, leaving actor for the caller.
TEST(DecodeStatusChange, ReadsStatusReasonAndExpiry) {
  auto c = DecodeStatusChange(
      R"({"status":"accepted","reason":"legacy clients","accepted_until":"2026-01-31T00:00:00Z"})");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->to, FindingStatus::kAccepted);
  EXPECT_EQ(c->reason, "legacy clients");
  EXPECT_EQ(c->accepted_until, FromUnixMillis(1769817600000));
  EXPECT_EQ(c->actor, "");
  auto r = DecodeStatusChange(R"({"status":"resolved"})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->to, FindingStatus::kResolved);
  EXPECT_FALSE(r->accepted_until.has_value());
}

// Verifies status change refusals with exact messages.
TEST(DecodeStatusChange, RejectsWithExactMessages) {
  const std::vector<Case> cases = {
      {"no status", R"({"reason":"x"})", "status: required"},
      {"unknown status", R"({"status":"closed"})",
       "status: must be one of open, resolved, accepted, false_positive"},
      {"unknown member", R"({"status":"open","actor":"me"})", "actor: unknown field"},
      {"numeric reason", R"({"status":"open","reason":1})", "reason: must be a string"},
      {"long reason", R"({"status":"open","reason":")" + std::string(1001, 'r') + R"("})",
       "reason: must be at most 1000 characters"},
      {"bad expiry", R"({"status":"accepted","reason":"x","accepted_until":"2026-01-31"})",
       "accepted_until: invalid RFC 3339 timestamp '2026-01-31': too short"},
  };
  for (const auto& c : cases) {
    auto s = DecodeStatusChange(c.body);
    ASSERT_FALSE(s.has_value()) << c.why;
    EXPECT_EQ(s.error().message, c.message) << c.why;
  }
}

}  // namespace
}  // namespace secplat::adapters::json
