#include "services/api/query.h"

#include <gtest/gtest.h>

namespace secplat::services::api {
namespace {

// Verifies query strings split and decode, '+' meaning space.
TEST(Query, ParsesAndDecodes) {
  auto q = ParseQuery("label=team%3Dops&limit=5&q=a+b&flag");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->find("label")->second, "team=ops");
  EXPECT_EQ(q->find("limit")->second, "5");
  EXPECT_EQ(q->find("q")->second, "a b");
  EXPECT_EQ(q->find("flag")->second, "");
}

// Verifies bad escapes and NUL bytes are rejected with the parameter named.
TEST(Query, RejectsBadEscapes) {
  EXPECT_EQ(ParseQuery("a=%4").error().message, "a: bad percent-escape");
  EXPECT_EQ(ParseQuery("a=%00").error().message, "a: NUL byte not allowed");
}

// Verifies cursors round-trip and garbage is refused.
TEST(Query, CursorsRoundTripAndRejectGarbage) {
  EXPECT_EQ(*DecodeCursor(EncodeCursor(42)), 42);
  for (const char* bad : {"", "c1.", "c1.-3", "c1.0", "x1.5", "c1.5x", "c1.99999999999999999999"})
    EXPECT_FALSE(DecodeCursor(bad).has_value()) << bad;
}

}  // namespace
}  // namespace secplat::services::api
