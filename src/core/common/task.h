// Task<T>: a lazy C++20 coroutine returning T, awaited with co_await. Scanners are written as
// straight-line code over awaitable probes, and one event-loop thread runs hundreds of them at
// once (no thread per check): a probe suspends its caller, the prober resumes it when the
// network answers.
//
//   Task<int> Answer() { co_return 42; }
//   Task<int> Twice() { int a = co_await Answer(); co_return 2 * a; }
//   std::optional<int> got;
//   StartTask(Twice(), [&](int v) { got = v; });   // runs until the first real suspension
//   // got == 84 here, since nothing above waited on I/O.
//
// Rules: a Task starts only when awaited (or passed to StartTask) and is awaited at most once.
// Resumption happens on whatever thread resumes the innermost awaited operation, so an
// event-loop prober makes every coroutine it serves run on its loop thread. Exceptions are not
// used in this code base: an exception escaping a coroutine terminates the process.
#ifndef SECPLAT_CORE_COMMON_TASK_H_
#define SECPLAT_CORE_COMMON_TASK_H_

#include <coroutine>
#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

namespace secplat {

template <typename T>
class Task;

namespace internal {

// At the end of a task, resume whoever awaited it (symmetric transfer: no stack growth).
struct TaskFinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <typename Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) const noexcept {
    std::coroutine_handle<> next = h.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

struct TaskPromiseBase {
  std::coroutine_handle<> continuation;
  std::suspend_always initial_suspend() const noexcept { return {}; }
  TaskFinalAwaiter final_suspend() const noexcept { return {}; }
  [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }
};

template <typename T>
struct TaskPromise : TaskPromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T Take() { return std::move(*value); }
};

template <>
struct TaskPromise<void> : TaskPromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void Take() const noexcept {}
};

}  // namespace internal

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = internal::TaskPromise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      Destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { Destroy(); }

  // co_await task: starts it and resumes the awaiting coroutine with its result.
  auto operator co_await() && noexcept {
    struct Awaiter {
      Handle handle;
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
        handle.promise().continuation = awaiting;
        return handle;
      }
      T await_resume() { return handle.promise().Take(); }
    };
    return Awaiter{handle_};
  }

 private:
  friend struct internal::TaskPromise<T>;
  explicit Task(Handle h) noexcept : handle_(h) {}
  void Destroy() noexcept {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  Handle handle_;
};

namespace internal {

template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}

// A fire-and-forget coroutine frame that frees itself when done.
struct DetachedTask {
  struct promise_type {
    DetachedTask get_return_object() const noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    std::suspend_never final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    [[noreturn]] void unhandled_exception() const noexcept { std::terminate(); }
  };
};

template <typename T>
DetachedTask RunDetached(Task<T> task, std::function<void(T)> done) {
  done(co_await std::move(task));
}
inline DetachedTask RunDetached(Task<void> task, std::function<void()> done) {
  co_await std::move(task);
  done();
}

}  // namespace internal

// Starts `task` now on the calling thread; `done` is called with its result on the thread that
// finishes it (the caller's, if the task never suspends). The task owns itself until then.
template <typename T>
void StartTask(Task<T> task, std::function<void(std::type_identity_t<T>)> done) {
  internal::RunDetached(std::move(task), std::move(done));
}
inline void StartTask(Task<void> task, std::function<void()> done) {
  internal::RunDetached(std::move(task), std::move(done));
}

// A ready value as a Task, for fakes and for code paths that need no I/O.
template <typename T>
Task<T> ReadyTask(T value) {
  co_return value;
}

}  // namespace secplat

#endif  // SECPLAT_CORE_COMMON_TASK_H_
