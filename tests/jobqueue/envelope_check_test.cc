// Unit tests for the minimal envelope check and the internal list codec.
#include "jobqueue/envelope_check.h"

#include <gtest/gtest.h>

#include "jobqueue/internal/codec.h"

namespace secplat::jobqueue {
namespace {

// Verifies a JSON object with string event_id and event_type passes, whatever else it holds.
TEST(CheckMinimalEnvelope, AcceptsObjectWithStringIdAndType) {
  EXPECT_TRUE(CheckMinimalEnvelope(R"({"event_id":"e1","event_type":"scan.requested"})").ok());
  EXPECT_TRUE(
      CheckMinimalEnvelope(
          R"({"payload":{"event_id":1},"event_id":"e1","x":[1,{"a":null}],"event_type":"t"})")
          .ok());
}

// Verifies each kind of bad payload is rejected with a reason (never a crash).
TEST(CheckMinimalEnvelope, RejectsEverythingElseWithAReason) {
  struct Case {
    std::string payload;
    std::string reason;
  };
  std::vector<Case> cases = {
      // Verifies garbage is invalid JSON.
      {"not json", "invalid JSON"},
      // Verifies an empty payload is invalid JSON.
      {"", "invalid JSON"},
      // Verifies a truncated object is invalid JSON.
      {R"({"event_id":"e1")", "invalid JSON"},
      // Verifies trailing garbage is invalid JSON.
      {R"({"event_id":"e1","event_type":"t"} x)", "invalid JSON"},
      // Verifies arrays are not envelopes.
      {"[1,2]", "not a JSON object"},
      // Verifies scalars are not envelopes.
      {"\"text\"", "not a JSON object"},
      // Verifies a numeric event_id is rejected.
      {R"({"event_id":5,"event_type":"t"})", "event_id"},
      // Verifies a missing event_type is rejected.
      {R"({"event_id":"e1"})", "event_type"},
      // Verifies a nested event_id does not count.
      {R"({"inner":{"event_id":"e1","event_type":"t"}})", "event_id"},
      // Verifies deep nesting is rejected without exhausting the stack.
      {std::string(200000, '['), "invalid JSON"},
      // Verifies invalid UTF-8 is rejected.
      {"{\"event_id\":\"\xff\",\"event_type\":\"t\"}", "invalid JSON"},
  };
  for (const Case& c : cases) {
    Status s = CheckMinimalEnvelope(c.payload);
    ASSERT_FALSE(s.ok()) << c.payload.substr(0, 40);
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find(c.reason), std::string::npos) << s.error().message;
  }
}

// Verifies the list codec round-trips binary strings and rejects corrupt input.
TEST(Codec, RoundTripsAndRejectsCorruptInput) {
  std::vector<std::string> items = {"a", "", std::string("b\0:c", 4), "12:34"};
  auto back = internal::DecodeList(internal::EncodeList(items));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, items);
  EXPECT_EQ(internal::EncodeList({"a", "bc"}), "1:a2:bc");
  EXPECT_TRUE(internal::DecodeList("")->empty());
  EXPECT_FALSE(internal::DecodeList("5:abc").has_value());
  EXPECT_FALSE(internal::DecodeList("x:a").has_value());
  EXPECT_FALSE(internal::DecodeList(":a").has_value());
  EXPECT_FALSE(internal::DecodeList("99999999999999999999:a").has_value());
}

}  // namespace
}  // namespace secplat::jobqueue
