#include "jobqueue/internal/consumer_runtime.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>

#include "jobqueue/envelope_check.h"

namespace secplat::jobqueue::internal {
namespace {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

constexpr Duration kPromotePoll = std::chrono::milliseconds(100);
constexpr Duration kTrimInterval = std::chrono::seconds(1);
constexpr Duration kBackoffMin = std::chrono::milliseconds(20);
constexpr Duration kBackoffMax = std::chrono::seconds(1);

Timestamp WallNow() {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

uint64_t DefaultRandom() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng();
}

Duration NextBackoff(Duration current) {
  return current.count() == 0 ? kBackoffMin : std::min(kBackoffMax, current * 2);
}

class Runtime;

class RuntimeLease final : public LeaseControl {
 public:
  RuntimeLease(Runtime* runtime, const std::string* handle) : runtime_(runtime), handle_(handle) {}
  Status Renew() const override;
  bool StopRequested() const override;

 private:
  Runtime* runtime_;
  const std::string* handle_;
};

class Runtime {
 public:
  Runtime(Session& session, std::string_view group, const AnyHandler& handler,
          const ConsumeOptions& options, std::stop_token stop)
      : session_(session),
        group_(group),
        handler_(handler),
        options_(options),
        stop_(std::move(stop)),
        target_(static_cast<size_t>(std::max(
            options.batch, handler.async != nullptr ? std::min(options.max_in_flight, 10000)
                                                    : options.concurrency))),
        low_water_(std::max<size_t>(1, target_ / 2)) {}

  Status Run() {
    std::stop_callback on_stop(stop_, [this] {
      session_.InterruptFetch();
      std::lock_guard lock(mu_);
      work_cv_.notify_all();
    });
    std::vector<std::jthread> workers;
    if (handler_.async != nullptr) {
      workers.emplace_back([this] { DispatchLoop(); });
    } else {
      for (int i = 0; i < options_.concurrency; ++i) workers.emplace_back([this] { WorkerLoop(); });
    }
    std::jthread maintenance([this] { MaintenanceLoop(); });

    FetchLoop();

    {
      std::lock_guard lock(mu_);
      workers_stop_ = true;
    }
    work_cv_.notify_all();
    workers.clear();  // joins: running handlers finish
    {
      // Async: every message handed out completes before the completions are flushed.
      std::unique_lock lock(mu_);
      in_flight_cv_.wait(lock, [this] { return in_flight_ == 0; });
    }
    {
      std::lock_guard lock(mu_);
      maint_stop_ = true;
    }
    maint_cv_.notify_all();
    maintenance.join();
    FinalFlush();
    session_.Close();
    return OkStatus();
  }

  Status RenewOne(const std::string& handle) {
    {
      std::lock_guard lock(mu_);
      if (lost_.count(handle) != 0) {
        return Unexpected(ErrorCode::kNotFound, "lease lost: another consumer took the message");
      }
    }
    SECPLAT_ASSIGN_OR_RETURN(std::vector<std::string> lost, session_.Renew({handle}));
    if (!lost.empty()) {
      std::lock_guard lock(mu_);
      lost_.insert(handle);
      return Unexpected(ErrorCode::kNotFound, "lease lost: another consumer took the message");
    }
    return OkStatus();
  }

  bool StopRequested() const { return stop_.stop_requested(); }

 private:
  void Report(const Error& e) {
    if (options_.on_error) options_.on_error(e);
  }

  // Sleeps up to `d`, returning early when stop is requested.
  void SleepFor(Duration d) {
    std::mutex m;
    std::condition_variable_any cv;
    std::unique_lock lock(m);
    cv.wait_for(lock, stop_, d, [] { return false; });
  }

  // `reclaimed`: skip what we already hold (a message we run is ours, whatever the backend says).
  void Enqueue(std::vector<Delivery> deliveries, bool reclaimed = false) {
    if (deliveries.empty()) return;
    std::lock_guard lock(mu_);
    for (Delivery& d : deliveries) {
      if (!held_.insert(d.handle).second && reclaimed) continue;
      queue_.push_back(std::move(d));
    }
    work_cv_.notify_all();
  }

  void FetchLoop() {
    Duration backoff{0};
    bool prepared = false;
    while (!stop_.stop_requested()) {
      if (!prepared) {
        Status s = session_.Prepare();
        if (!s.has_value()) {
          Report(s.error());
          backoff = NextBackoff(backoff);
          SleepFor(backoff);
          continue;
        }
        prepared = true;
      }
      size_t room = 0;
      {
        std::unique_lock lock(mu_);
        room_cv_.wait(lock, stop_, [this] { return queue_.size() < low_water_; });
        if (stop_.stop_requested()) break;
        room = target_ - queue_.size();
      }
      auto fetched = session_.Fetch(static_cast<int>(room), options_.block);
      if (!fetched.has_value()) {
        if (stop_.stop_requested()) break;
        Report(fetched.error());
        backoff = NextBackoff(backoff);
        SleepFor(backoff);
        continue;
      }
      backoff = Duration(0);
      Enqueue(std::move(fetched).value());
    }
  }

  void WorkerLoop() {
    while (true) {
      Delivery d;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(
            lock, [this] { return workers_stop_ || stop_.stop_requested() || !queue_.empty(); });
        if (workers_stop_ || stop_.stop_requested()) return;
        d = std::move(queue_.front());
        queue_.pop_front();
        if (queue_.size() < low_water_) room_cv_.notify_all();
      }
      Completion c = Process(std::move(d));
      Push(std::move(c));
    }
  }

  void Push(Completion c) {
    std::lock_guard lock(mu_);
    if (c.kind == Completion::Kind::kRetry) {
      SteadyTime due = SteadyClock::now() + c.delay;
      if (!next_due_.has_value() || due < *next_due_) next_due_ = due;
    }
    bool was_empty = completions_.empty();
    completions_.push_back(std::move(c));
    if (was_empty) maint_cv_.notify_all();
  }

  // The completion for a delivery that must not reach the handler (malformed, for another
  // group, out of attempts), or nullopt when the handler should run.
  std::optional<Completion> PreCheck(Delivery& d) {
    Completion c;
    c.at = WallNow();
    auto dead = [&](std::string_view reason, std::string error) {
      c.kind = Completion::Kind::kDeadLetter;
      c.reason = std::string(reason);
      c.error = std::move(error);
    };
    if (!d.decode_error.empty()) {
      dead(kReasonMalformed, "malformed: " + d.decode_error);
    } else if (!d.target_group.empty() && d.target_group != group_) {
      c.kind = Completion::Kind::kSkip;
    } else if (d.message.attempt > options_.retry.max_attempts) {
      // The previous deliveries ended without an outcome (their consumers died).
      dead(kReasonMaxAttempts, "lease expired on the last attempt");
    } else {
      Status valid = Validate(d.message.payload);
      if (valid.has_value()) return std::nullopt;
      dead(kReasonMalformed, "malformed: " + valid.error().message);
    }
    c.delivery = std::move(d);
    return c;
  }

  // The completion for a handler's outcome.
  Completion Finish(Delivery d, const Outcome& outcome) {
    Completion c;
    c.at = WallNow();
    uint64_t random = options_.random ? options_.random() : DefaultRandom();
    Disposition disp = Decide(outcome, d.message.attempt, options_.retry, random);
    switch (disp.kind) {
      case Disposition::kAck:
        c.kind = Completion::Kind::kAck;
        break;
      case Disposition::kRetry:
        c.kind = Completion::Kind::kRetry;
        c.delay = disp.delay;
        c.error = std::move(disp.error);
        break;
      case Disposition::kDeadLetter:
        c.kind = Completion::Kind::kDeadLetter;
        c.reason = std::move(disp.reason);
        c.error = std::move(disp.error);
        break;
    }
    c.delivery = std::move(d);
    return c;
  }

  Completion Process(Delivery d) {
    if (auto early = PreCheck(d)) return std::move(*early);
    Outcome outcome = RunHandler(d);
    return Finish(std::move(d), outcome);
  }

  // ConsumeAsync: one message handed to the async handler, alive until `done` runs.
  struct AsyncCall {
    AsyncCall(Runtime* runtime, Delivery d)
        : delivery(std::move(d)), lease(runtime, &delivery.handle) {}
    Delivery delivery;
    RuntimeLease lease;
    std::atomic<bool> completed{false};
  };

  void DispatchLoop() {
    const int64_t limit = std::clamp(options_.max_in_flight, 1, 100000);
    while (true) {
      Delivery d;
      {
        std::unique_lock lock(mu_);
        work_cv_.wait(lock, [&] {
          return workers_stop_ || stop_.stop_requested() || (!queue_.empty() && in_flight_ < limit);
        });
        if (workers_stop_ || stop_.stop_requested()) return;
        d = std::move(queue_.front());
        queue_.pop_front();
        if (queue_.size() < low_water_) room_cv_.notify_all();
      }
      if (auto early = PreCheck(d)) {
        Push(std::move(*early));
        continue;
      }
      auto call = std::make_shared<AsyncCall>(this, std::move(d));
      {
        std::lock_guard lock(mu_);
        ++in_flight_;
      }
      std::shared_ptr<const LeaseControl> lease(call, &call->lease);
      CompletionCallback done = [this, call](Outcome outcome) { CompleteAsync(call, outcome); };
      try {
        (*handler_.async)(call->delivery.message, std::move(lease), std::move(done));
      } catch (const std::exception& e) {
        CompleteAsync(call, Outcome::Retry(std::string("handler threw: ") + e.what()));
      } catch (...) {
        CompleteAsync(call, Outcome::Retry("handler threw a non-standard exception"));
      }
    }
  }

  void CompleteAsync(const std::shared_ptr<AsyncCall>& call, const Outcome& outcome) {
    if (call->completed.exchange(true)) return;  // `done` runs once
    Push(Finish(call->delivery, outcome));
    std::lock_guard lock(mu_);
    --in_flight_;
    work_cv_.notify_all();
    in_flight_cv_.notify_all();
  }

  Status Validate(std::string_view payload) {
    if (!options_.validate) return CheckMinimalEnvelope(payload);
    try {
      return options_.validate(payload);
    } catch (const std::exception& e) {
      return Unexpected(ErrorCode::kInvalidArgument, std::string("validator threw: ") + e.what());
    } catch (...) {
      return Unexpected(ErrorCode::kInvalidArgument, "validator threw");
    }
  }

  Outcome RunHandler(const Delivery& d) {
    RuntimeLease lease(this, &d.handle);
    try {
      return (*handler_.sync)(d.message, lease);
    } catch (const std::exception& e) {
      return Outcome::Retry(std::string("handler threw: ") + e.what());
    } catch (...) {
      return Outcome::Retry("handler threw a non-standard exception");
    }
  }

  void MaintenanceLoop() {
    const Duration renew_every = std::max(Duration(10), options_.lease / 3);
    const Duration reclaim_every =
        std::clamp(options_.lease / 4, Duration(20), Duration(std::chrono::seconds(1)));
    SteadyTime now = SteadyClock::now();
    SteadyTime next_renew = now + renew_every;
    SteadyTime next_reclaim = now;
    SteadyTime next_promote = now;
    SteadyTime next_trim = now + kTrimInterval;
    SteadyTime flush_not_before = now;
    Duration flush_backoff{0};
    Duration op_backoff{0};
    SteadyTime ops_not_before = now;

    while (true) {
      std::vector<Completion> batch;
      {
        std::unique_lock lock(mu_);
        SteadyTime wake = std::min({next_reclaim, next_promote, next_trim});
        if (options_.auto_renew) wake = std::min(wake, next_renew);
        if (next_due_.has_value()) wake = std::min(wake, *next_due_);
        wake = std::max(wake, ops_not_before);
        if (!completions_.empty()) wake = std::min(wake, flush_not_before);
        maint_cv_.wait_until(lock, wake, [&] {
          return maint_stop_ || (!completions_.empty() && SteadyClock::now() >= flush_not_before);
        });
        if (maint_stop_) return;
        if (SteadyClock::now() >= flush_not_before) batch.swap(completions_);
      }
      if (!batch.empty()) {
        Status s = session_.Complete(batch);
        std::lock_guard lock(mu_);
        if (s.has_value()) {
          for (const Completion& c : batch) {
            held_.erase(c.delivery.handle);
            lost_.erase(c.delivery.handle);
          }
          flush_backoff = Duration(0);
        } else {
          Report(s.error());
          // Keep them, oldest first, and try again after a backoff.
          for (Completion& c : completions_) batch.push_back(std::move(c));
          completions_ = std::move(batch);
          flush_backoff = NextBackoff(flush_backoff);
          flush_not_before = SteadyClock::now() + flush_backoff;
        }
      }

      now = SteadyClock::now();
      if (now < ops_not_before) continue;
      bool failed = false;
      if (options_.auto_renew && now >= next_renew) {
        next_renew = now + renew_every;
        std::vector<std::string> handles;
        {
          std::lock_guard lock(mu_);
          handles.assign(held_.begin(), held_.end());
        }
        if (!handles.empty()) {
          auto lost = session_.Renew(handles);
          if (lost.has_value()) {
            std::lock_guard lock(mu_);
            for (std::string& h : *lost) lost_.insert(std::move(h));
          } else {
            Report(lost.error());
            failed = true;
          }
        }
      }
      if (!failed && now >= next_reclaim) {
        next_reclaim = now + reclaim_every;
        size_t room = 1;
        {
          std::lock_guard lock(mu_);
          if (queue_.size() < target_) room = std::max<size_t>(1, target_ - queue_.size());
        }
        auto reclaimed = session_.Reclaim(static_cast<int>(room));
        if (reclaimed.has_value()) {
          Enqueue(std::move(reclaimed).value(), /*reclaimed=*/true);
        } else {
          Report(reclaimed.error());
          failed = true;
        }
      }
      bool due_known = false;
      {
        std::lock_guard lock(mu_);
        due_known = next_due_.has_value() && *next_due_ <= now;
      }
      if (!failed && (now >= next_promote || due_known)) {
        auto next = session_.PromoteDue();
        if (next.has_value()) {
          std::lock_guard lock(mu_);
          next_promote = SteadyClock::now() + kPromotePoll;
          if (next->has_value()) {
            next_due_ = SteadyClock::now() + std::max(Duration(0), **next);
          } else {
            next_due_.reset();
          }
        } else {
          Report(next.error());
          failed = true;
        }
      }
      if (!failed && now >= next_trim) {
        next_trim = now + kTrimInterval;
        Status s = session_.Trim();
        if (!s.has_value()) {
          Report(s.error());
          failed = true;
        }
      }
      if (failed) {
        op_backoff = NextBackoff(op_backoff);
        ops_not_before = SteadyClock::now() + op_backoff;
      } else {
        op_backoff = Duration(0);
      }
    }
  }

  void FinalFlush() {
    std::vector<Completion> batch;
    {
      std::lock_guard lock(mu_);
      for (Delivery& d : queue_) {
        Completion c;
        c.kind = Completion::Kind::kRelease;
        c.at = WallNow();
        c.delivery = std::move(d);
        completions_.push_back(std::move(c));
      }
      queue_.clear();
      batch.swap(completions_);
    }
    if (batch.empty()) return;
    const Duration budget = std::min(options_.lease, Duration(std::chrono::seconds(5)));
    SteadyTime deadline = SteadyClock::now() + budget;
    Duration backoff{0};
    while (true) {
      Status s = session_.Complete(batch);
      if (s.has_value()) return;
      Report(s.error());
      backoff = NextBackoff(backoff);
      if (SteadyClock::now() + backoff > deadline) return;  // leases expire; others take over
      std::this_thread::sleep_for(backoff);
    }
  }

  Session& session_;
  std::string group_;
  const AnyHandler& handler_;
  const ConsumeOptions& options_;
  std::stop_token stop_;
  const size_t target_;     // buffered messages we aim to hold
  const size_t low_water_;  // fetch again when fewer are buffered

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable_any room_cv_;
  std::condition_variable maint_cv_;
  std::condition_variable in_flight_cv_;
  int64_t in_flight_ = 0;  // async messages handed out, not yet done
  std::deque<Delivery> queue_;
  std::vector<Completion> completions_;
  std::unordered_set<std::string> held_;  // buffered, running or completed-but-unwritten
  std::unordered_set<std::string> lost_;  // handles another consumer took over
  std::optional<SteadyTime> next_due_;    // earliest known delayed due time
  bool workers_stop_ = false;
  bool maint_stop_ = false;
};

Status RuntimeLease::Renew() const { return runtime_->RenewOne(*handle_); }
bool RuntimeLease::StopRequested() const { return runtime_->StopRequested(); }

}  // namespace

Status ValidateConsumeOptions(const ConsumeOptions& options) {
  auto bad = [](const char* why) { return Unexpected(ErrorCode::kInvalidArgument, why); };
  if (options.concurrency < 1 || options.concurrency > 1024) {
    return bad("concurrency must be 1 to 1024");
  }
  if (options.batch < 1 || options.batch > 10000) return bad("batch must be 1 to 10000");
  if (options.max_in_flight < 1 || options.max_in_flight > 100000) {
    return bad("max_in_flight must be 1 to 100000");
  }
  if (options.block < Duration(1)) return bad("block must be at least 1 ms");
  if (options.lease < Duration(30)) return bad("lease must be at least 30 ms");
  if (options.retry.max_attempts < 1) return bad("retry.max_attempts must be at least 1");
  if (options.retry.base < Duration(0) || options.retry.cap < Duration(0)) {
    return bad("retry delays must not be negative");
  }
  return OkStatus();
}

Status RunConsumer(Session& session, std::string_view group, const AnyHandler& handler,
                   const ConsumeOptions& options, std::stop_token stop) {
  SECPLAT_RETURN_IF_ERROR(ValidateConsumeOptions(options));
  const bool has_sync = handler.sync != nullptr && *handler.sync;
  const bool has_async = handler.async != nullptr && *handler.async;
  if (has_sync == has_async) {
    return Unexpected(ErrorCode::kInvalidArgument, "exactly one handler must be given");
  }
  Runtime runtime(session, group, handler, options, std::move(stop));
  return runtime.Run();
}

std::vector<std::string> HistoryWith(const Completion& completion) {
  std::vector<std::string> errors = completion.delivery.message.errors;
  if (!completion.error.empty()) errors.push_back(completion.error);
  return errors;
}

}  // namespace secplat::jobqueue::internal
