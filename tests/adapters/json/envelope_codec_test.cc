// The envelope codec against the contract files: the schema, the 12 examples, and the shared
// valid/ and invalid/ corpora that tests/core/contracts/validate_examples.py also checks with a
// real JSON Schema validator. Together they keep schema and code from drifting apart.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/json/codec.h"
#include "core/contracts/envelope.h"

namespace secplat::adapters::json {
namespace {

namespace fs = std::filesystem;
using core::model::Envelope;
using core::model::EventType;

const fs::path kContracts = fs::path(SECPLAT_SOURCE_DIR) / "docs" / "contracts";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> JsonFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".json") out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<EventType> AllEventTypes() {
  std::vector<EventType> out;
  for (int i = 0; i < 12; ++i) out.push_back(static_cast<EventType>(i));
  return out;
}

nlohmann::json Schema() {
  return nlohmann::json::parse(ReadFile(kContracts / "event-envelope.schema.json"));
}

// Verifies the schema's enums, required list and members are exactly what the code knows.
TEST(EnvelopeSchema, EnumsAndMembersMatchTheModel) {
  nlohmann::json s = Schema();
  std::set<std::string> types;
  for (EventType t : AllEventTypes()) types.insert(std::string(core::model::EventTypeName(t)));
  EXPECT_EQ(types.size(), 12u);
  EXPECT_EQ(s["properties"]["event_type"]["enum"].get<std::set<std::string>>(), types);
  std::set<std::string> severities;
  for (int i = 0; i < 5; ++i)
    severities.insert(
        std::string(core::model::SeverityName(static_cast<core::model::Severity>(i))));
  EXPECT_EQ(s["properties"]["severity"]["enum"].get<std::set<std::string>>(), severities);
  EXPECT_EQ(s["required"].get<std::set<std::string>>(),
            (std::set<std::string>{"event_id", "event_type", "ts", "org_id"}));
  std::set<std::string> members;
  for (const auto& [k, v] : s["properties"].items()) members.insert(k);
  EXPECT_EQ(members, (std::set<std::string>{"event_id", "event_type", "ts", "org_id", "request_id",
                                            "asset_key", "severity", "payload"}));
  EXPECT_EQ(s["additionalProperties"], false);
  EXPECT_EQ(s["$schema"], "http://json-schema.org/draft-07/schema#");
}

// Verifies the schema's patterns are, character for character, the ones core/contracts
// implements (tests/core/contracts/envelope_test.cc checks the implementations against them).
TEST(EnvelopeSchema, PatternsMatchCoreContracts) {
  nlohmann::json p = Schema()["properties"];
  EXPECT_EQ(p["event_id"]["pattern"], core::contracts::kUuidPattern);
  EXPECT_EQ(p["event_id"]["format"], "uuid");
  EXPECT_EQ(p["ts"]["pattern"], core::contracts::kTimestampPattern);
  EXPECT_EQ(p["ts"]["format"], "date-time");
  EXPECT_EQ(p["org_id"]["pattern"], core::contracts::kOrgIdPattern);
  EXPECT_EQ(p["org_id"]["default"], core::contracts::kDefaultOrgId);
  EXPECT_EQ(p["request_id"]["pattern"], core::contracts::kRequestIdPattern);
  EXPECT_EQ(p["asset_key"]["pattern"], core::contracts::kAssetKeyPattern);
  EXPECT_EQ(p["payload"]["type"], "object");
  EXPECT_EQ(Envelope{}.org_id, core::contracts::kDefaultOrgId);
}

// Verifies there is one example per event type, each decodes as its own type and re-encodes to
// the same JSON value.
TEST(EnvelopeExamples, EachDecodesAndReencodesToTheSameValue) {
  std::set<std::string> seen;
  for (const fs::path& file : JsonFiles(kContracts / "examples")) {
    std::string text = ReadFile(file);
    auto e = DecodeEnvelope(text);
    ASSERT_TRUE(e.has_value()) << file.filename() << ": " << e.error().message;
    EXPECT_EQ(core::model::EventTypeName(e->event_type), file.stem().string());
    EXPECT_FALSE(e->payload_json.empty()) << file.filename();
    EXPECT_EQ(nlohmann::json::parse(EncodeEnvelope(*e)), nlohmann::json::parse(text))
        << file.filename();
    seen.insert(file.stem().string());
  }
  std::set<std::string> want;
  for (EventType t : AllEventTypes()) want.insert(std::string(core::model::EventTypeName(t)));
  EXPECT_EQ(seen, want);
}

// Verifies every file in valid/ (edge cases the schema accepts) decodes.
TEST(EnvelopeCorpus, AcceptsEveryValidCase) {
  auto files = JsonFiles(kContracts / "valid");
  EXPECT_GE(files.size(), 10u);
  for (const fs::path& file : files) {
    auto e = DecodeEnvelope(ReadFile(file));
    EXPECT_TRUE(e.has_value()) << file.filename() << ": " << e.error().message;
  }
}

// Verifies every file in invalid/ (cases the schema rejects) is refused, naming the field its
// name starts with: invalid/<field>--<reason>.json.
TEST(EnvelopeCorpus, RejectsEveryInvalidCaseNamingItsField) {
  auto files = JsonFiles(kContracts / "invalid");
  EXPECT_GE(files.size(), 40u);
  for (const fs::path& file : files) {
    std::string stem = file.stem().string();
    size_t sep = stem.find("--");
    ASSERT_NE(sep, std::string::npos) << file.filename();
    std::string field = stem.substr(0, sep);
    auto e = DecodeEnvelope(ReadFile(file));
    ASSERT_FALSE(e.has_value()) << file.filename() << " was accepted";
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(e.error().message.rfind(field + ": ", 0), 0u)
        << file.filename() << ": " << e.error().message;
  }
}

struct Case {
  const char* why;
  std::string body;
  std::string message;
};

// Verifies the exact message of each envelope rule.
TEST(DecodeEnvelope, RejectsEachRuleWithExactMessage) {
  const std::string head =
      R"({"event_id":"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21","event_type":"scan.requested",)";
  const std::string ok_ts = R"("ts":"2025-11-28T19:30:00.123Z",)";
  const std::vector<Case> cases = {
      // Verifies the required members, in order.
      {"empty object", "{}", "event_id: required"},
      {"no event_type", R"({"event_id":"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21"})",
       "event_type: required"},
      {"no ts", head + R"("org_id":"default"})", "ts: required"},
      {"no org_id", head + R"("ts":"2025-11-28T19:30:00.123Z"})", "org_id: required"},
      // Verifies wrong types.
      {"numeric event_id", R"({"event_id":7})", "event_id: must be a string"},
      {"null org_id", head + ok_ts + R"("org_id":null})", "org_id: must be a string"},
      {"numeric ts", head + R"("ts":1764358200,"org_id":"default"})", "ts: must be a string"},
      // Verifies values.
      {"upper-case uuid",
       R"({"event_id":"3F0C9A52-7D1E-4B8A-9C2F-1A6E5D4B3C21","event_type":"scan.requested"})",
       "event_id: must be a canonical lower-case UUID (8-4-4-4-12 hex digits)"},
      {"unknown event_type",
       R"({"event_id":"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21","event_type":"scan.started"})",
       "event_type: must be one of scan.requested, scan.completed, scan.failed, posture.changed, "
       "finding.created, finding.updated, incident.created, incident.updated, incident.closed, "
       "alert.triggered, notify.sent, notify.failed"},
      {"offset ts", head + R"("ts":"2025-11-28T20:30:00+01:00","org_id":"default"})",
       "ts: must be an RFC 3339 UTC timestamp YYYY-MM-DDTHH:MM:SS[.fraction]Z"},
      {"february 30", head + R"("ts":"2025-02-30T00:00:00Z","org_id":"default"})",
       "ts: invalid RFC 3339 timestamp '2025-02-30T00:00:00Z': day out of range"},
      {"year zero", head + R"("ts":"0000-01-01T00:00:00Z","org_id":"default"})",
       "ts: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"},
      {"bad org_id", head + ok_ts + R"("org_id":"Acme"})",
       "org_id: must match ^[a-z0-9][a-z0-9_-]{0,63}$"},
      {"empty request_id", head + ok_ts + R"("org_id":"default","request_id":""})",
       "request_id: must match ^[A-Za-z0-9._-]{1,128}$"},
      {"bad asset_key", head + ok_ts + R"("org_id":"default","asset_key":"a b"})",
       "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      {"bad severity", head + ok_ts + R"("org_id":"default","severity":"severe"})",
       "severity: must be one of info, low, medium, high, critical"},
      {"array payload", head + ok_ts + R"("org_id":"default","payload":[]})",
       "payload: must be an object"},
      {"unknown member", head + ok_ts + R"("org_id":"default","source":"worker"})",
       "source: unknown field"},
      {"stored-event member", head + ok_ts + R"("org_id":"default","seq":1})",
       "seq: unknown field"},
  };
  for (const auto& c : cases) {
    auto e = DecodeEnvelope(c.body);
    ASSERT_FALSE(e.has_value()) << c.why;
    EXPECT_EQ(e.error().message, c.message) << c.why;
  }
}

// Verifies the payload is stored canonically: compact, keys sorted at every level.
TEST(DecodeEnvelope, StoresPayloadAsCanonicalJson) {
  auto e = DecodeEnvelope(R"({"event_id":"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21",
      "event_type":"scan.completed","ts":"2025-11-28T19:30:00Z","org_id":"default",
      "payload": { "z": 1, "a": {"y": [true, null], "b": "x"} }})");
  ASSERT_TRUE(e.has_value()) << e.error().message;
  EXPECT_EQ(e->payload_json, R"({"a":{"b":"x","y":[true,null]},"z":1})");
  EXPECT_EQ(e->ts, FromUnixMillis(1764358200000));
  EXPECT_TRUE(e->request_id.empty());
  EXPECT_FALSE(e->severity.has_value());
}

// Verifies absent optional members are omitted (not null), so the output validates against the
// schema; and the member order is the documented one.
TEST(EncodeEnvelope, OmitsAbsentOptionalMembers) {
  Envelope e;
  e.event_id = "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21";
  e.event_type = EventType::kNotifySent;
  e.ts = FromUnixMillis(1764358200123);
  EXPECT_EQ(EncodeEnvelope(e),
            R"({"event_id":"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21","event_type":"notify.sent",)"
            R"("ts":"2025-11-28T19:30:00.123Z","org_id":"default"})");
  e.request_id = "req-1";
  e.asset_key = "web-1";
  e.severity = core::model::Severity::kHigh;
  e.payload_json = R"({"a":1})";
  EXPECT_EQ(EncodeEnvelope(e),
            R"({"event_id":"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21","event_type":"notify.sent",)"
            R"("ts":"2025-11-28T19:30:00.123Z","org_id":"default","request_id":"req-1",)"
            R"("asset_key":"web-1","severity":"high","payload":{"a":1}})");
}

// Verifies a stored event encodes as the envelope plus seq and received_at, and decodes back.
TEST(EncodeStoredEvent, AddsSeqAndReceivedAtAndRoundTrips) {
  core::model::StoredEvent ev;
  ev.seq = 42;
  ev.envelope.event_id = "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21";
  ev.envelope.event_type = EventType::kIncidentClosed;
  ev.envelope.ts = FromUnixMillis(1764358200123);
  ev.envelope.asset_key = "web-1";
  ev.envelope.payload_json = R"({"reason":"resolved"})";
  ev.received_at = FromUnixMillis(1764358201000);
  std::string text = EncodeStoredEvent(ev);
  EXPECT_EQ(
      text,
      R"({"event_id":"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21","event_type":"incident.closed",)"
      R"("ts":"2025-11-28T19:30:00.123Z","org_id":"default","asset_key":"web-1",)"
      R"("payload":{"reason":"resolved"},"seq":42,"received_at":"2025-11-28T19:30:01.000Z"})");
  auto back = DecodeStoredEvent(text);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->seq, 42);
  EXPECT_EQ(back->received_at, ev.received_at);
  EXPECT_EQ(EncodeStoredEvent(*back), text);
  // Verifies a stored event needs its seq.
  EXPECT_EQ(DecodeStoredEvent(EncodeEnvelope(ev.envelope)).error().message, "seq: required");
}

}  // namespace
}  // namespace secplat::adapters::json
