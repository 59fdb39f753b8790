// Embedded-specific behaviour beyond the contract: durability across SIGKILL of the publisher
// and of a consumer mid-job (real child processes), and reopening the data dir.
#include "jobqueue/embedded_queue.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "tests/jobqueue/queue_test_util.h"

namespace secplat::jobqueue {
namespace {

using namespace std::chrono_literals;
using contract::Envelope;
using contract::Recorder;
using contract::Running;

class EmbeddedQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "secplat-equeue-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
};

ConsumeOptions Fast() {
  ConsumeOptions o;
  o.block = 100ms;
  o.lease = 300ms;
  return o;
}

// Verifies messages whose Publish returned survive a SIGKILL of the publishing process.
TEST_F(EmbeddedQueueTest, PublishedMessagesSurviveSigkillOfPublisher) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto q = EmbeddedQueue::Open(dir_);
    if (!q.has_value()) ::_exit(1);
    for (int i = 0; i < 100; ++i) {
      if (!(*q)->Publish("s", Envelope(i), {}).has_value()) ::_exit(2);
    }
    (void)!::write(fds[1], "x", 1);
    ::pause();  // killed here, database still open
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(fds[0], &c, 1), 1);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(fds[0]);
  ::close(fds[1]);

  auto q = EmbeddedQueue::Open(dir_);
  ASSERT_TRUE(q.has_value()) << q.error().message;
  Recorder rec;
  Running r(
      **q, "s", "g",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return Outcome::Done();
      },
      Fast());
  ASSERT_TRUE(rec.WaitForCount(100));
}

// Verifies a job whose consumer process is SIGKILLed mid-job is redelivered after the lease.
TEST_F(EmbeddedQueueTest, JobOfKilledConsumerProcessIsRedelivered) {
  {
    auto q = EmbeddedQueue::Open(dir_);
    ASSERT_TRUE(q.has_value());
    ASSERT_TRUE((*q)->Publish("s", Envelope(1), {}).has_value());
  }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto q = EmbeddedQueue::Open(dir_);
    if (!q.has_value()) ::_exit(1);
    std::stop_source stop;
    (void)(*q)->Consume(
        "s", "g",
        [&](const Message&, const LeaseControl&) {
          (void)!::write(fds[1], "x", 1);
          ::pause();
          return Outcome::Done();
        },
        Fast(), stop.get_token());
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(fds[0], &c, 1), 1);  // the child is mid-job
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(fds[0]);
  ::close(fds[1]);

  auto q = EmbeddedQueue::Open(dir_);
  ASSERT_TRUE(q.has_value());
  Recorder rec;
  Running r(
      **q, "s", "g",
      [&](const Message& m, const LeaseControl&) {
        rec.Add(m);
        return Outcome::Done();
      },
      Fast());
  ASSERT_TRUE(rec.WaitForCount(1, 5s));
  EXPECT_EQ(rec.seen()[0].message.attempt, 2);
}

// Verifies dead letters, delayed messages and counters persist across reopening the dir.
TEST_F(EmbeddedQueueTest, StatePersistsAcrossReopen) {
  {
    auto q = EmbeddedQueue::Open(dir_);
    ASSERT_TRUE(q.has_value());
    ASSERT_TRUE((*q)->Publish("s", "garbage", {}).has_value());
    ASSERT_TRUE(
        (*q)->Publish("s", Envelope(1), {.not_before = contract::WallNow() + 1h}).has_value());
    Recorder rec;
    {
      Running r(
          **q, "s", "g",
          [&](const Message& m, const LeaseControl&) {
            rec.Add(m);
            return Outcome::Done();
          },
          Fast());
      auto deadline = std::chrono::steady_clock::now() + 5s;
      while (std::chrono::steady_clock::now() < deadline) {
        auto s = (*q)->Stats("s", "g");
        if (s.has_value() && s->dead_letters == 1) break;
        std::this_thread::sleep_for(20ms);
      }
    }
  }
  auto q = EmbeddedQueue::Open(dir_);
  ASSERT_TRUE(q.has_value());
  auto s = (*q)->Stats("s", "g");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->dead_letters, 1);
  EXPECT_EQ(s->delayed, 1);
  EXPECT_EQ(s->published, 2);
  EXPECT_EQ(s->dead_lettered, 1);
}

// Verifies Open reports a directory that cannot be created.
TEST(EmbeddedQueue, OpenFailsForUncreatableDir) {
  auto q = EmbeddedQueue::Open("/proc/secplat-cannot-exist/queue");
  ASSERT_FALSE(q.has_value());
  EXPECT_EQ(q.error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace secplat::jobqueue
