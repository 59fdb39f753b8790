// Unit tests for ParseRedisUrl.
#include <gtest/gtest.h>

#include "adapters/redis/connection.h"

namespace secplat::adapters::redis {
namespace {

// Verifies host, port, credentials and db are read, with defaults for what is left out.
TEST(ParseRedisUrl, ReadsEveryPart) {
  auto e = ParseRedisUrl("redis://127.0.0.1:6380");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 6380);
  EXPECT_EQ(e->db, 0);
  EXPECT_TRUE(e->password.empty());

  e = ParseRedisUrl("redis://:s%40cret@redis.internal/3");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->host, "redis.internal");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(e->password, "s@cret");
  EXPECT_EQ(e->db, 3);

  e = ParseRedisUrl("redis://worker:pw@h:1");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->user, "worker");
  EXPECT_EQ(e->password, "pw");
}

// Verifies malformed urls are rejected with kInvalidArgument.
TEST(ParseRedisUrl, RejectsMalformedUrls) {
  for (const char* url : {"http://h:1", "redis://", "redis://h:0", "redis://h:99999",
                          "redis://h:port", "redis://h:1/x", "redis://h:1/-1", ""}) {
    auto e = ParseRedisUrl(url);
    ASSERT_FALSE(e.has_value()) << url;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace secplat::adapters::redis
