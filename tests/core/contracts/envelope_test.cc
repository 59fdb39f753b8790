#include "core/contracts/envelope.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <regex>
#include <string>
#include <vector>

namespace secplat::core::contracts {
namespace {

using model::Envelope;
using model::EventType;

const Timestamp kTs = FromUnixMillis(1764358200123);  // 2025-11-28T19:30:00.123Z

Envelope Valid(EventType type = EventType::kScanRequested) {
  Envelope e;
  e.event_id = "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21";
  e.event_type = type;
  e.ts = kTs;
  return e;
}

// Verifies a minimal envelope of every event type is valid.
TEST(ValidateEnvelope, AcceptsEveryEventType) {
  const EventType all[] = {
      EventType::kScanRequested,   EventType::kScanCompleted,   EventType::kScanFailed,
      EventType::kPostureChanged,  EventType::kFindingCreated,  EventType::kFindingUpdated,
      EventType::kIncidentCreated, EventType::kIncidentUpdated, EventType::kIncidentClosed,
      EventType::kAlertTriggered,  EventType::kNotifySent,      EventType::kNotifyFailed};
  for (EventType t : all) {
    auto s = ValidateEnvelope(Valid(t));
    EXPECT_TRUE(s.has_value()) << model::EventTypeName(t) << ": " << s.error().message;
  }
}

// Verifies an envelope with every optional field set is valid.
TEST(ValidateEnvelope, AcceptsAllOptionalFields) {
  Envelope e = Valid(EventType::kFindingCreated);
  e.org_id = "acme_eu-1";
  e.request_id = "req-8f14e45f.ceea_167a";
  e.asset_key = "db-01.internal:5432";
  e.severity = model::Severity::kCritical;
  e.payload_json = R"({"k":1})";
  EXPECT_TRUE(ValidateEnvelope(e).has_value());
}

struct BadCase {
  const char* why;
  std::function<void(Envelope&)> mutate;
  const char* message;
};

// Verifies each broken rule is reported with the field it concerns.
TEST(ValidateEnvelope, RejectsEachBrokenRuleNamingTheField) {
  const std::vector<BadCase> cases = {
      // Verifies an empty event_id is refused.
      {"empty event_id", [](Envelope& e) { e.event_id = ""; },
       "event_id: must be a canonical lower-case UUID (8-4-4-4-12 hex digits)"},
      // Verifies an upper-case UUID is not canonical.
      {"upper-case event_id",
       [](Envelope& e) { e.event_id = "3F0C9A52-7D1E-4B8A-9C2F-1A6E5D4B3C21"; },
       "event_id: must be a canonical lower-case UUID (8-4-4-4-12 hex digits)"},
      // Verifies a UUID without dashes is refused.
      {"compact event_id", [](Envelope& e) { e.event_id = "3f0c9a527d1e4b8a9c2f1a6e5d4b3c21"; },
       "event_id: must be a canonical lower-case UUID (8-4-4-4-12 hex digits)"},
      // Verifies an out-of-range enumerator is refused (a corrupted or newer value).
      {"unknown event_type", [](Envelope& e) { e.event_type = static_cast<EventType>(99); },
       "event_type: must be one of scan.requested, scan.completed, scan.failed, posture.changed, "
       "finding.created, finding.updated, incident.created, incident.updated, incident.closed, "
       "alert.triggered, notify.sent, notify.failed"},
      // Verifies absurd times are refused without calendar overflow.
      {"ts at int64 max",
       [](Envelope& e) { e.ts = FromUnixMillis(std::numeric_limits<int64_t>::max()); },
       "ts: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"},
      {"ts at int64 min",
       [](Envelope& e) { e.ts = FromUnixMillis(std::numeric_limits<int64_t>::min()); },
       "ts: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"},
      // Verifies a time before year 1 cannot be written in the schema's form.
      {"ts before year 1", [](Envelope& e) { e.ts = FromUnixMillis(-62135596800001); },
       "ts: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"},
      // Verifies a time after year 9999 cannot be written in the schema's form.
      {"ts after 9999", [](Envelope& e) { e.ts = FromUnixMillis(253402300800000); },
       "ts: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z"},
      // Verifies org_id is required (the struct's default is "default").
      {"empty org_id", [](Envelope& e) { e.org_id = ""; },
       "org_id: must match ^[a-z0-9][a-z0-9_-]{0,63}$"},
      // Verifies org_id is lower-case.
      {"upper-case org_id", [](Envelope& e) { e.org_id = "Acme"; },
       "org_id: must match ^[a-z0-9][a-z0-9_-]{0,63}$"},
      // Verifies org_id is at most 64 characters.
      {"long org_id", [](Envelope& e) { e.org_id = std::string(65, 'a'); },
       "org_id: must match ^[a-z0-9][a-z0-9_-]{0,63}$"},
      // Verifies request_id refuses spaces.
      {"request_id with space", [](Envelope& e) { e.request_id = "req 1"; },
       "request_id: must match ^[A-Za-z0-9._-]{1,128}$"},
      // Verifies request_id is at most 128 characters.
      {"long request_id", [](Envelope& e) { e.request_id = std::string(129, 'r'); },
       "request_id: must match ^[A-Za-z0-9._-]{1,128}$"},
      // Verifies asset_key must start with a letter or digit.
      {"asset_key leading dash", [](Envelope& e) { e.asset_key = "-web"; },
       "asset_key: must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"},
      // Verifies an out-of-range severity enumerator is refused.
      {"unknown severity", [](Envelope& e) { e.severity = static_cast<model::Severity>(42); },
       "severity: must be one of info, low, medium, high, critical"},
      // Verifies a payload that is not an object is refused.
      {"array payload", [](Envelope& e) { e.payload_json = "[1]"; },
       "payload: must be a JSON object"},
  };
  for (const auto& c : cases) {
    Envelope e = Valid();
    c.mutate(e);
    auto s = ValidateEnvelope(e);
    ASSERT_FALSE(s.has_value()) << c.why;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << c.why;
    EXPECT_EQ(s.error().message, c.message) << c.why;
  }
}

// Verifies the boundary years themselves are accepted.
TEST(ValidateEnvelope, AcceptsBoundaryYears) {
  Envelope e = Valid();
  e.ts = FromUnixMillis(-62135596800000);  // 0001-01-01T00:00:00.000Z
  EXPECT_TRUE(ValidateEnvelope(e).has_value());
  e.ts = FromUnixMillis(253402300799999);  // 9999-12-31T23:59:59.999Z
  EXPECT_TRUE(ValidateEnvelope(e).has_value());
}

// Verifies each hand-written matcher agrees with the schema's regular expression (std::regex,
// ECMAScript, the dialect JSON Schema uses) on a probe list of edge cases.
TEST(Patterns, HandWrittenMatchersAgreeWithSchemaRegexes) {
  struct Matcher {
    std::string_view pattern;
    std::function<bool(std::string_view)> fn;
    std::vector<std::string> probes;
  };
  const std::vector<Matcher> matchers = {
      {kUuidPattern,
       IsUuid,
       {"3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21", "3F0C9A52-7D1E-4B8A-9C2F-1A6E5D4B3C21",
        "00000000-0000-0000-0000-000000000000", "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c2",
        "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c211", "3f0c9a52x7d1e-4b8a-9c2f-1a6e5d4b3c21",
        "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c2g", "3f0c9a52-7d1e-4b8a-9c2f-1a6e5d4b3c21\n", ""}},
      {kTimestampPattern,
       IsUtcTimestampText,
       {"2025-11-28T19:30:00Z",
        "2025-11-28T19:30:00.123Z",
        "2025-11-28T19:30:00.123456789Z",
        "2025-11-28T19:30:00.1234567890Z",
        "2025-11-28T19:30:00.Z",
        "2025-11-28t19:30:00Z",
        "2025-11-28T19:30:00z",
        "2025-11-28T19:30:00+00:00",
        "2025-13-28T19:30:00Z",
        "2025-00-28T19:30:00Z",
        "2025-11-00T19:30:00Z",
        "2025-11-32T19:30:00Z",
        "2025-02-30T19:30:00Z",
        "2025-11-28T24:00:00Z",
        "2025-11-28T23:60:00Z",
        "2025-11-28T23:59:60Z",
        "0000-01-01T00:00:00Z",
        "25-11-28T19:30:00Z",
        "2025-11-28 19:30:00Z",
        "2025-11-28T19:30:00Z\n",
        ""}},
      {kOrgIdPattern,
       IsValidOrgId,
       {"default", "a", "0", "acme_eu-1", "Acme", "-acme", "_acme", "acme.eu", std::string(64, 'a'),
        std::string(65, 'a'), "", "acme\n"}},
      {kRequestIdPattern,
       IsValidRequestId,
       {"r", "req-1", "A._-", ".", std::string(128, 'r'), std::string(129, 'r'), "", "req 1",
        "req/1", "req:1", "r\n"}},
      {kAssetKeyPattern,
       IsValidAssetKey,
       {"web-1", "db-01.internal:5432", "W", "9", "-web", ".web", ":web", "web/1", "web 1", "web_1",
        std::string(128, 'a'), std::string(129, 'a'), "", "web\n", "w\xc3\xa9"}},
  };
  for (const auto& m : matchers) {
    std::regex re{std::string(m.pattern)};
    for (const auto& probe : m.probes) {
      EXPECT_EQ(m.fn(probe), std::regex_search(probe, re)) << m.pattern << " on '" << probe << "'";
    }
  }
}

// Verifies the example in envelope.h's banner.
TEST(ValidateEnvelope, HeaderExampleHolds) {
  model::Envelope e{.event_id = "0b7e6f1c-9a52-4c1e-8f00-3d4a5b6c7d8e",
                    .event_type = model::EventType::kScanRequested,
                    .ts = FromUnixMillis(1764358200123)};
  EXPECT_TRUE(ValidateEnvelope(e).has_value());
  e.event_id = "0B7E6F1C-9A52-4C1E-8F00-3D4A5B6C7D8E";  // upper case: not canonical
  EXPECT_EQ(ValidateEnvelope(e).error().message,
            "event_id: must be a canonical lower-case UUID (8-4-4-4-12 hex digits)");
}

}  // namespace
}  // namespace secplat::core::contracts
