// Helpers for queue tests: a thread-safe recorder of handler calls, a gate, and Consume() on a
// thread that stops when it goes out of scope.
#ifndef SECPLAT_TESTS_JOBQUEUE_QUEUE_TEST_UTIL_H_
#define SECPLAT_TESTS_JOBQUEUE_QUEUE_TEST_UTIL_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobqueue/job_queue.h"

namespace secplat::jobqueue::contract {

using namespace std::chrono_literals;  // NOLINT: test header, included by test files only
using SteadyTime = std::chrono::steady_clock::time_point;

inline std::string Envelope(int i) {
  return R"({"event_id":"e)" + std::to_string(i) + R"(","event_type":"scan.requested"})";
}

inline Timestamp WallNow() {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

// One handler call, as seen by the test.
struct Seen {
  Message message;
  SteadyTime at;
  std::string consumer;
};

// Thread-safe log of handler calls with a bounded wait.
class Recorder {
 public:
  void Add(const Message& m, std::string consumer = "") {
    std::lock_guard lock(mu_);
    seen_.push_back(Seen{m, std::chrono::steady_clock::now(), std::move(consumer)});
    cv_.notify_all();
  }
  // Waits until `pred(seen)` holds or `timeout` passes; returns whether it held.
  bool WaitFor(const std::function<bool(const std::vector<Seen>&)>& pred, Duration timeout = 10s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(seen_); });
  }
  bool WaitForCount(size_t n, Duration timeout = 10s) {
    return WaitFor([n](const std::vector<Seen>& s) { return s.size() >= n; }, timeout);
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Seen> seen_;
};

// A gate handlers can wait on (bounded, so a broken test cannot hang).
class Gate {
 public:
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait(Duration timeout = 20s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Consume() on a thread; stopped and joined on destruction.
class Running {
 public:
  Running(JobQueue& queue, std::string stream, std::string group, Handler handler,
          ConsumeOptions options)
      : handler_(std::move(handler)),
        options_(std::move(options)),
        thread_([&queue, stream = std::move(stream), group = std::move(group),
                 this](std::stop_token stop) {
          Status s = queue.Consume(stream, group, handler_, options_, stop);
          std::lock_guard lock(mu_);
          status_ = s;
          done_ = true;
        }) {}
  ~Running() { Stop(); }
  void Stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  Handler handler_;
  ConsumeOptions options_;
  std::mutex mu_;
  Status status_;
  bool done_ = false;
  std::jthread thread_;
};

// ConsumeAsync on a thread until destroyed (the async twin of Running).
class RunningAsync {
 public:
  RunningAsync(JobQueue& queue, std::string stream, std::string group, AsyncHandler handler,
               ConsumeOptions options)
      : handler_(std::move(handler)),
        options_(std::move(options)),
        thread_([&queue, stream = std::move(stream), group = std::move(group),
                 this](std::stop_token stop) {
          Status s = queue.ConsumeAsync(stream, group, handler_, options_, stop);
          std::lock_guard lock(mu_);
          status_ = s;
        }) {}
  ~RunningAsync() { Stop(); }
  void Stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  AsyncHandler handler_;
  ConsumeOptions options_;
  std::mutex mu_;
  Status status_;
  std::jthread thread_;
};

}  // namespace secplat::jobqueue::contract

#endif  // SECPLAT_TESTS_JOBQUEUE_QUEUE_TEST_UTIL_H_
