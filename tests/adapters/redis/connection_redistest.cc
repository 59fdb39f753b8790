// Connection against a real redis-server started by the test.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "adapters/redis/connection.h"
#include "tests/support/redis_server.h"

namespace secplat::adapters::redis {
namespace {

using namespace std::chrono_literals;

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = testing::RedisServer::Start(/*aof=*/false);
    if (!s.has_value()) GTEST_SKIP() << s.error().message;
    server_ = std::move(s).value();
  }
  std::unique_ptr<testing::RedisServer> server_;
};

// Verifies commands, binary-safe values, nil, integers and arrays come back as sent.
TEST_F(ConnectionTest, RunsCommandsAndReadsReplies) {
  auto c = Connection::Connect({.url = server_->url()});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  auto pong = (*c)->Command({"PING"});
  ASSERT_TRUE(pong.has_value());
  EXPECT_EQ(pong->str(), "PONG");
  std::string binary("a\0b\r\n", 5);
  ASSERT_TRUE((*c)->Command({"SET", "k", binary}).has_value());
  auto got = (*c)->Command({"GET", "k"});
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->str(), binary);
  auto missing = (*c)->Command({"GET", "nope"});
  ASSERT_TRUE(missing.has_value());
  EXPECT_TRUE(missing->is_nil());
  auto n = (*c)->Command({"RPUSH", "l", "x", "y"});
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->integer(), 2);
  auto l = (*c)->Command({"LRANGE", "l", "0", "-1"});
  ASSERT_TRUE(l.has_value());
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[1].str(), "y");
}

// Verifies a server error becomes an Error with the server's text, and pipelines keep errors
// per command.
TEST_F(ConnectionTest, ReportsServerErrors) {
  auto c = Connection::Connect({.url = server_->url()});
  ASSERT_TRUE(c.has_value());
  auto bad = (*c)->Command({"XGROUP", "CREATE", "nostream", "g", "0"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInternal);
  auto replies =
      (*c)->Pipeline({{"SET", "a", "1"}, {"INCR", "nostream-but-string-a", "x"}, {"GET", "a"}});
  ASSERT_TRUE(replies.has_value());
  ASSERT_EQ(replies->size(), 3u);
  EXPECT_TRUE((*replies)[1].is_error());
  EXPECT_EQ((*replies)[2].str(), "1");
}

// Verifies the connection comes back by itself after the server restarts.
TEST_F(ConnectionTest, ReconnectsAfterServerRestart) {
  auto c =
      Connection::Connect({.url = server_->url(), .reconnect_min = 10ms, .reconnect_max = 50ms});
  ASSERT_TRUE(c.has_value());
  uint64_t gen = (*c)->generation();
  ASSERT_TRUE(server_->Restart().has_value());
  bool ok = false;
  for (int i = 0; i < 100 && !ok; ++i) {
    ok = (*c)->Command({"PING"}).has_value();
    if (!ok) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(ok);
  EXPECT_GT((*c)->generation(), gen);
}

// Verifies while the server is down calls fail fast with kUnavailable (backoff, no hang).
TEST_F(ConnectionTest, FailsFastWhileServerIsDown) {
  auto c = Connection::Connect({.url = server_->url()});
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(server_->Stop().has_value());
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto r = (*c)->Command({"PING"});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// Verifies Interrupt() from another thread ends a blocking command promptly.
TEST_F(ConnectionTest, InterruptEndsABlockingCommand) {
  auto c = Connection::Connect({.url = server_->url(), .io_timeout = 30s});
  ASSERT_TRUE(c.has_value());
  std::jthread interrupter([&] {
    std::this_thread::sleep_for(200ms);
    (*c)->Interrupt();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = (*c)->Command({"BLPOP", "never", "20"});
  EXPECT_FALSE(r.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace secplat::adapters::redis
