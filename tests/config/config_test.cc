#include "config/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

#include "config/defaults.h"

namespace secplat::config {
namespace {

// Verifies streaming a Secret prints <secret> and never the text.
TEST(Secret, StreamsAsRedacted) {
  Secret s("hunter2");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "<secret>");
  EXPECT_EQ(s.Reveal(), "hunter2");
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(Secret().empty());
}

// Verifies fmt (and so spdlog) formats a Secret as <secret>.
TEST(Secret, FormatsAsRedacted) {
  EXPECT_EQ(fmt::format("token={}", Secret("tok-123")), "token=<secret>");
  EXPECT_EQ(fmt::format("[{:>10}]", Secret("tok-123")), "[  <secret>]");
}

// Verifies gtest's printer, used in failure messages, goes through operator<< too.
TEST(Secret, TestFailureMessagesAreRedacted) {
  EXPECT_EQ(::testing::PrintToString(Secret("tok-123")), "<secret>");
}

// Verifies every unit parses and formats back to the same text.
TEST(Duration, ParsesEveryUnit) {
  using namespace std::chrono;
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("30s"), seconds(30));
  EXPECT_EQ(*ParseDuration("5m"), minutes(5));
  EXPECT_EQ(*ParseDuration("1h"), hours(1));
  EXPECT_EQ(*ParseDuration("2d"), hours(48));
  EXPECT_EQ(*ParseDuration("365d"), hours(365 * 24));
  for (const char* text : {"500ms", "30s", "5m", "1h", "2d", "90s", "1500ms", "365d"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

// Verifies FormatDuration picks the largest exact unit.
TEST(Duration, FormatsWithLargestExactUnit) {
  using namespace std::chrono;
  EXPECT_EQ(FormatDuration(seconds(60)), "1m");
  EXPECT_EQ(FormatDuration(hours(24)), "1d");
  EXPECT_EQ(FormatDuration(milliseconds(1001)), "1001ms");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0ms");
}

// Verifies anything but a positive integer and a unit is rejected as kInvalidArgument.
TEST(Duration, RejectsEverythingElse) {
  for (const char* bad :
       {"", "30", "0s", "0ms", "-5s", "+5s", "1.5s", " 5s", "5s ", "5 s", "5S", "5sec", "5us", "1w",
        "s", "366d", "99999999999999999999ms", "31536000001ms", "1e3ms"}) {
    auto r = ParseDuration(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

// Verifies the empty database URL resolves to the SQLite file under data_dir.
TEST(EffectiveDatabaseUrl, DefaultsToSqliteUnderDataDir) {
  StorageConfig s = DefaultConfig().storage;
  s.data_dir = "/var/lib/secplat";
  EXPECT_EQ(EffectiveDatabaseUrl(s), "sqlite:/var/lib/secplat/secplat.db");
  s.database_url = "postgres://db/secplat";
  EXPECT_EQ(EffectiveDatabaseUrl(s), "postgres://db/secplat");
}

}  // namespace
}  // namespace secplat::config
