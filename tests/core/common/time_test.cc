#include "core/common/time.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>

namespace secplat {
namespace {

// Verifies formatting is UTC with exactly three fraction digits.
TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1764358200123)), "2025-11-28T19:30:00.123Z");
}

// The reference the hand-written formatter must match: the snprintf format FormatRfc3339 is
// specified by.
std::string Reference(Timestamp t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{duration_cast<milliseconds>(t - day)};
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf;
}

// Verifies AppendRfc3339 (and so FormatRfc3339) writes the reference text for random instants
// across 0000..9999, before 1970 included, and for years outside 0..9999; and that it appends.
TEST(Rfc3339, AppendMatchesTheReferenceFormat) {
  std::mt19937_64 rng(20261207);
  // 0000-01-01 .. 9999-12-31 in Unix milliseconds.
  std::uniform_int_distribution<int64_t> ms(-62167219200000LL, 253402300799999LL);
  for (int i = 0; i < 200000; ++i) {
    const Timestamp t = FromUnixMillis(ms(rng));
    ASSERT_EQ(FormatRfc3339(t), Reference(t)) << ToUnixMillis(t);
  }
  for (int64_t edge : {-62167219200001LL, -62167219200000LL, 253402300799999LL, 253402300800000LL,
                       -1LL, 0LL, 951868800000LL}) {
    const Timestamp t = FromUnixMillis(edge);
    EXPECT_EQ(FormatRfc3339(t), Reference(t)) << edge;
  }
  std::string out = "at ";
  AppendRfc3339(out, FromUnixMillis(1764358200123));
  EXPECT_EQ(out, "at 2025-11-28T19:30:00.123Z");
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
