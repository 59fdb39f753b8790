#include "core/outbox/messages.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "core/contracts/envelope.h"

namespace secplat::core::outbox {
namespace {

using model::EventType;

const Timestamp kTs = FromUnixMillis(1764358200123);  // 2025-11-28T19:30:00.123Z

model::ScanJob Job() {
  model::ScanJob j;
  j.id = 412;
  j.idempotency_key = "tls_headers+web-shop+490099";
  j.scan_type = "tls_headers";
  j.asset_key = "web-shop";
  j.requested_by = "scheduler";
  j.request_id = "req-8f14e45fceea167a";
  j.created_at = kTs;
  j.updated_at = kTs;
  return j;
}

model::Envelope Event(EventType type) {
  model::Envelope e;
  e.event_id = "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21";
  e.event_type = type;
  e.ts = kTs;
  e.request_id = "req-1";
  e.asset_key = "web-shop";
  e.severity = model::Severity::kHigh;
  e.payload_json = R"({"from":"healthy","to":"degraded"})";
  return e;
}

// Verifies the derived UUID is SHA-256 based with version 5 and RFC 4122 variant bits (golden
// values computed independently with Python's hashlib).
TEST(DeterministicUuid, IsTruncatedSha256WithVersionAndVariantBits) {
  EXPECT_EQ(DeterministicUuid(""), "e3b0c442-98fc-5c14-9afb-f4c8996fb924");
  EXPECT_EQ(DeterministicUuid("abc"), "ba7816bf-8f01-5fea-8141-40de5dae2223");
  EXPECT_TRUE(contracts::IsUuid(DeterministicUuid("anything at all \xff")));
}

// Verifies the scan.requested event id depends on the idempotency key alone, with the 0x1F
// separator after the event type name.
TEST(ScanRequestedEventId, IsDerivedFromTheIdempotencyKey) {
  EXPECT_EQ(ScanRequestedEventId("tls_headers+web-shop+490099"),
            "30884491-d4bc-5a0b-a75a-ba7ae4eaceea");
  EXPECT_EQ(ScanRequestedEventId("tls_headers+web-shop+490099"),
            DeterministicUuid(std::string("scan.requested\x1f") + "tls_headers+web-shop+490099"));
  EXPECT_NE(ScanRequestedEventId("tls_headers+web-shop+490099"),
            ScanRequestedEventId("tls_headers+web-shop+490100"));
}

// Verifies a new scan job yields a valid scan.requested envelope on the scan stream with the
// job's time, request id, asset key and a canonical payload.
TEST(MessageForNewScanJob, BuildsScanRequestedOnTheScanStream) {
  auto m = MessageForNewScanJob(Job());
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->stream, "secplat.jobs.scan");
  const model::Envelope& e = m->envelope;
  EXPECT_EQ(e.event_id, "30884491-d4bc-5a0b-a75a-ba7ae4eaceea");
  EXPECT_EQ(e.event_type, EventType::kScanRequested);
  EXPECT_EQ(e.ts, kTs);
  EXPECT_EQ(e.org_id, "default");
  EXPECT_EQ(e.request_id, "req-8f14e45fceea167a");
  EXPECT_EQ(e.asset_key, "web-shop");
  EXPECT_FALSE(e.severity.has_value());
  EXPECT_EQ(e.payload_json,
            R"({"asset_key":"web-shop","idempotency_key":"tls_headers+web-shop+490099",)"
            R"("job_id":412,"scan_type":"tls_headers"})");
  auto valid = contracts::ValidateEnvelope(e);
  EXPECT_TRUE(valid.has_value()) << valid.error().message;
}

// Verifies the payload is canonical JSON (what nlohmann-json's dump of the parsed text gives).
TEST(MessageForNewScanJob, PayloadIsCanonicalJson) {
  auto m = MessageForNewScanJob(Job());
  ASSERT_TRUE(m.has_value());
  auto parsed = nlohmann::json::parse(m->envelope.payload_json, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed.dump(), m->envelope.payload_json);
  EXPECT_EQ(parsed["job_id"], 412);
}

// Verifies the same job asked for twice yields the same message (a retried write cannot make a
// second distinct message).
TEST(MessageForNewScanJob, IsDeterministic) {
  auto a = MessageForNewScanJob(Job());
  auto b = MessageForNewScanJob(Job());
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->envelope.event_id, b->envelope.event_id);
  EXPECT_EQ(a->envelope.payload_json, b->envelope.payload_json);
}

// Verifies a request id or asset key the envelope schema refuses is left out of the envelope
// (the payload still names the asset), so the envelope stays valid.
TEST(MessageForNewScanJob, LeavesOutFieldsTheSchemaWouldRefuse) {
  model::ScanJob j = Job();
  j.request_id = "has space";
  j.asset_key = "-bad";
  auto m = MessageForNewScanJob(j);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->envelope.request_id, "");
  EXPECT_EQ(m->envelope.asset_key, "");
  EXPECT_NE(m->envelope.payload_json.find(R"("asset_key":"-bad")"), std::string::npos);
  auto valid = contracts::ValidateEnvelope(m->envelope);
  EXPECT_TRUE(valid.has_value()) << valid.error().message;

  j.request_id = "";
  m = MessageForNewScanJob(j);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->envelope.request_id, "");
}

// Verifies strings in the payload are escaped, so any text yields valid JSON.
TEST(MessageForNewScanJob, EscapesPayloadStrings) {
  model::ScanJob j = Job();
  j.scan_type = "a\"b\\c\n\x01\xff";
  auto m = MessageForNewScanJob(j);
  ASSERT_TRUE(m.has_value());
  auto parsed = nlohmann::json::parse(m->envelope.payload_json, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << m->envelope.payload_json;
  EXPECT_EQ(parsed["scan_type"], "a\"b\\c\n\x01\xEF\xBF\xBD");
}

// Verifies each event type the notifier consumes goes to the notify stream unchanged.
TEST(MessageForNewEvent, NotifierEventsGoToTheNotifyStreamUnchanged) {
  for (EventType t :
       {EventType::kPostureChanged, EventType::kAlertTriggered, EventType::kIncidentCreated,
        EventType::kIncidentUpdated, EventType::kIncidentClosed, EventType::kFindingCreated}) {
    auto m = MessageForNewEvent(Event(t));
    ASSERT_TRUE(m.has_value()) << model::EventTypeName(t);
    EXPECT_EQ(m->stream, "secplat.events.notify");
    EXPECT_EQ(m->envelope.event_id, Event(t).event_id);
    EXPECT_EQ(m->envelope.event_type, t);
    EXPECT_EQ(m->envelope.ts, kTs);
    EXPECT_EQ(m->envelope.request_id, "req-1");
    EXPECT_EQ(m->envelope.asset_key, "web-shop");
    EXPECT_EQ(m->envelope.severity, model::Severity::kHigh);
    EXPECT_EQ(m->envelope.payload_json, Event(t).payload_json);
  }
}

// Verifies scan results go, unchanged, to the deriver's stream (they are the derive request).
TEST(MessageForNewEvent, ScanResultsAskTheDeriver) {
  for (EventType t : {EventType::kScanCompleted, EventType::kScanFailed}) {
    auto m = MessageForNewEvent(Event(t));
    ASSERT_TRUE(m.has_value()) << model::EventTypeName(t);
    EXPECT_EQ(m->stream, "secplat.jobs.derive");
    EXPECT_EQ(m->envelope.event_id, Event(t).event_id);
    EXPECT_EQ(m->envelope.payload_json, Event(t).payload_json);
    EXPECT_TRUE(DeriverConsumes(t));
    EXPECT_FALSE(NotifierConsumes(t));
  }
}

// Verifies every other event type causes no message.
TEST(MessageForNewEvent, OtherEventsCauseNoMessage) {
  for (EventType t : {EventType::kScanRequested, EventType::kFindingUpdated, EventType::kNotifySent,
                      EventType::kNotifyFailed}) {
    EXPECT_FALSE(MessageForNewEvent(Event(t)).has_value()) << model::EventTypeName(t);
    EXPECT_FALSE(NotifierConsumes(t)) << model::EventTypeName(t);
    EXPECT_FALSE(DeriverConsumes(t)) << model::EventTypeName(t);
  }
}

// Verifies the escaper matches nlohmann-json's output for control characters and quotes.
TEST(AppendJsonString, MatchesNlohmannDump) {
  const std::string samples[] = {
      "", "plain", "q\"b\\s", "\b\f\n\r\t", std::string("\x00\x1f", 2), "\x7f", "é✓😀", "/"};
  for (const std::string& s : samples) {
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(out, nlohmann::json(s).dump()) << s;
  }
}

}  // namespace
}  // namespace secplat::core::outbox
