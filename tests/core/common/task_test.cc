#include "core/common/task.h"

#include <gtest/gtest.h>

#include <coroutine>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace secplat {
namespace {

Task<int> Answer() { co_return 42; }

Task<int> Twice() {
  int a = co_await Answer();
  co_return 2 * a;
}

TEST(Task, RunsSynchronouslyWhenNothingSuspends) {
  std::optional<int> got;
  StartTask(Twice(), [&](int v) { got = v; });
  EXPECT_EQ(got, 84);
}

TEST(Task, DoesNotStartUntilAwaited) {
  bool ran = false;
  auto body = [&]() -> Task<void> {
    ran = true;
    co_return;
  };
  {
    Task<void> t = body();
    EXPECT_FALSE(ran);
  }  // destroyed unstarted: no leak (ASan checks), no run
  EXPECT_FALSE(ran);
}

// A manual event: awaiting it suspends until Fire() resumes the waiter, like a prober
// resuming a scanner when the network answers.
struct ManualEvent {
  std::coroutine_handle<> waiter;
  int value = 0;
  auto Wait() {
    struct Awaiter {
      ManualEvent& e;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<> h) noexcept { e.waiter = h; }
      int await_resume() const noexcept { return e.value; }
    };
    return Awaiter{*this};
  }
  void Fire(int v) {
    value = v;
    std::exchange(waiter, {}).resume();
  }
};

Task<std::string> Chain(ManualEvent& a, ManualEvent& b) {
  int x = co_await a.Wait();
  int y = co_await b.Wait();
  co_return std::to_string(x) + "+" + std::to_string(y);
}

TEST(Task, ResumesWhereTheEventFires) {
  ManualEvent a, b;
  std::optional<std::string> got;
  StartTask(Chain(a, b), [&](std::string v) { got = std::move(v); });
  EXPECT_FALSE(got.has_value());
  a.Fire(1);
  EXPECT_FALSE(got.has_value());
  b.Fire(2);
  EXPECT_EQ(got, "1+2");
}

TEST(Task, ManyConcurrentTasksOnOneThread) {
  std::vector<ManualEvent> events(500);
  int done = 0;
  auto one = [](ManualEvent& e) -> Task<int> { co_return co_await e.Wait() * 2; };
  for (auto& e : events) StartTask(one(e), [&](int v) { done += v; });
  EXPECT_EQ(done, 0);
  for (auto& e : events) e.Fire(1);
  EXPECT_EQ(done, 1000);
}

TEST(Task, MoveOnlyResults) {
  auto make = []() -> Task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
  auto outer = [&]() -> Task<int> {
    auto p = co_await make();
    co_return *p;
  };
  std::optional<int> got;
  StartTask(outer(), [&](int v) { got = v; });
  EXPECT_EQ(got, 7);
}

TEST(Task, ReadyTaskYieldsItsValue) {
  std::optional<std::string> got;
  StartTask(ReadyTask(std::string("x")), [&](std::string v) { got = v; });
  EXPECT_EQ(got, "x");
}

}  // namespace
}  // namespace secplat
