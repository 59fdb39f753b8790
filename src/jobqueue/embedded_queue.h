// JobQueue in a SQLite database (<dir>/queue.db, WAL, synchronous=NORMAL) for `secplat up`:
// the same semantics as RedisStreamsQueue, durable in the data dir. A committed Publish survives
// a crash of the process (SIGKILL); with synchronous=NORMAL the last transactions before a
// power loss may be lost.
//
// Tables: messages (the log, per stream, ordered by seq), groups (per group: last seq handed
// out), pending (delivered, unacknowledged: consumer, visible_after_ms = lease end, delivery
// count), delayed (not_before and retries, by due time), dead_letters, idempotency (key, job
// id, expiry), counters, consumers (last seen, for Stats).
//
//   - a lease is visible_after_ms; a consumer whose lease ran out loses the message to any
//     consumer of the group (delivery count + 1); live consumers push visible_after_ms forward
//     every lease/3;
//   - retries and dead letters are one transaction each with the acknowledgement;
//   - trimming deletes log rows below the smallest, over every group, of its oldest pending seq
//     or its last seq + 1, so no unprocessed message is dropped; a stream without a group is not
//     trimmed;
//   - consumers in one process are woken by a condition variable on publish; other processes
//     sharing the directory are noticed by polling (1 ms doubling to at most 50 ms while idle).
//
//   SECPLAT_ASSIGN_OR_RETURN(auto queue, EmbeddedQueue::Open(data_dir + "/queue"));
//   SECPLAT_ASSIGN_OR_RETURN(PublishResult r, queue->Publish(kScanStream, envelope_json, {}));
#ifndef SECPLAT_JOBQUEUE_EMBEDDED_QUEUE_H_
#define SECPLAT_JOBQUEUE_EMBEDDED_QUEUE_H_

#include <memory>
#include <string>

#include "jobqueue/job_queue.h"

namespace secplat::jobqueue {

namespace internal {
struct AnyHandler;
}  // namespace internal

class EmbeddedQueue final : public JobQueue {
 public:
  // Creates `dir` if needed and opens (or creates) <dir>/queue.db. Several EmbeddedQueue
  // objects, in one or several processes, may open the same directory. Errors: kUnavailable
  // (cannot create or open the database), kInternal (schema).
  static Result<std::unique_ptr<EmbeddedQueue>> Open(const std::string& dir);

  ~EmbeddedQueue() override;

  using JobQueue::Publish;
  Result<std::vector<PublishResult>> PublishBatch(
      std::string_view stream, const std::vector<PublishRequest>& requests) override;
  Status Consume(std::string_view stream, std::string_view group, const Handler& handler,
                 const ConsumeOptions& options, std::stop_token stop) override;
  Status ConsumeAsync(std::string_view stream, std::string_view group, const AsyncHandler& handler,
                      const ConsumeOptions& options, std::stop_token stop) override;
  Result<std::vector<DeadLetter>> ListDeadLetters(std::string_view stream, std::string_view after,
                                                  int limit) override;
  Result<DeadLetter> GetDeadLetter(std::string_view stream, std::string_view id) override;
  Result<std::string> ReplayDeadLetter(std::string_view stream, std::string_view id) override;
  Result<int64_t> PurgeDeadLetters(std::string_view stream,
                                   std::optional<std::string_view> id) override;
  Result<StreamStats> Stats(std::string_view stream, std::string_view group) override;

  class Impl;  // public for the .cc's helpers; opaque to users

 private:
  Status ConsumeWith(std::string_view stream, std::string_view group,
                     const internal::AnyHandler& handler, const ConsumeOptions& options,
                     std::stop_token stop);
  explicit EmbeddedQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace secplat::jobqueue

#endif  // SECPLAT_JOBQUEUE_EMBEDDED_QUEUE_H_
