#include "core/common/time.h"

#include <gtest/gtest.h>

namespace secplat {
namespace {

// Verifies formatting is UTC with exactly three fraction digits.
TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1764358200123)), "2025-11-28T19:30:00.123Z");
}

// Verifies offsets are applied and fractions truncated to milliseconds.
TEST(Rfc3339, ParsesOffsetsAndFractions) {
  EXPECT_EQ(*ParseRfc3339("2025-11-28T20:30:00.123+01:00"), FromUnixMillis(1764358200123));
  EXPECT_EQ(*ParseRfc3339("2025-11-28T19:30:00.123456789Z"), FromUnixMillis(1764358200123));
  EXPECT_EQ(*ParseRfc3339("2025-11-28t19:30:00z"), FromUnixMillis(1764358200000));
}

// Verifies a round trip through format and parse is exact.
TEST(Rfc3339, RoundTrips) {
  for (int64_t ms : {0LL, 1LL, 951782400000LL, 4102444799999LL}) {
    auto t = FromUnixMillis(ms);
    EXPECT_EQ(*ParseRfc3339(FormatRfc3339(t)), t) << ms;
  }
}

// Verifies every malformed form is rejected with kInvalidArgument.
TEST(Rfc3339, RejectsMalformed) {
  for (const char* bad :
       {"", "2025-11-28", "2025-11-28T19:30:00", "2025-13-01T00:00:00Z", "2025-02-30T00:00:00Z",
        "2025-11-28T24:00:00Z", "2025-11-28T19:30:00.Z", "2025-11-28T19:30:00Zjunk",
        "2025-11-28 19:30:00Z", "2025-11-28T19:30:00+0100", "20x5-11-28T19:30:00Z"}) {
    auto r = ParseRfc3339(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace secplat
