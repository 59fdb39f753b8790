// JobQueue on Redis Streams (Redis >= 7.0). Keys for a stream S:
//   S             the stream; one consumer group per consuming role
//   S.dlq         dead letters (a stream; never trimmed, purge through PurgeDeadLetters)
//   S.delayed     ZSET of delayed entries (not_before and retries) scored by due time (ms)
//   S.counters    HASH: published, acked, retried, dead_lettered
//   S.idem:<key>  idempotency keys (SET NX PX ttl, value = job id)
//
// How the semantics of job_queue.h map onto Redis:
//   - delivery: XREADGROUP GROUP g <consumer> COUNT n BLOCK ms STREAMS S > on a connection of
//     its own whose socket timeout exceeds BLOCK; acknowledgements are batched into one XACK;
//   - lease: an entry idle in the PEL longer than ConsumeOptions::lease is taken over by another
//     consumer: XPENDING IDLE <lease> lists expired entries with owner and delivery count, and
//     XCLAIM in its full form (not JUSTID, so the delivery count increases) claims those of
//     other consumers; the count gives the attempt number and decides dead-lettering. (Not
//     XAUTOCLAIM: it would also take back the caller's own expired entries.) Live consumers
//     renew what they hold with XCLAIM ... JUSTID to themselves (resets idle, does not count a
//     delivery) after checking, in the same script, that they still own it;
//   - retry: one script acknowledges the entry and adds a copy (attempts, error history, and the
//     group in field g so that other groups skip it) to S.delayed; a script moves due entries
//     to S (XADD + ZREM) using the server's clock; the consumers run it at the earliest due time
//     they know of and every 100 ms otherwise (no busy loops);
//   - dead letter: one script { XADD S.dlq; XACK S } (atomic); retries, dead letters and
//     releases only apply while the consumer still owns the entry (XPENDING owner check);
//   - idempotent publish: one script { SET S.idem:<key> <job id> NX PX ttl; XADD or ZADD };
//   - trimming: every second each consumer runs XTRIM S MINID ~ <m>, where m is the smallest,
//     over every group of S, of the group's oldest pending id (or its last-delivered id when it
//     has nothing pending). Entries below m were delivered to and acknowledged by every group,
//     so no unprocessed message is ever dropped. A stream with no group is never trimmed, and a
//     group nobody consumes any more holds trimming back: delete it (XGROUP DESTROY). The same
//     script forgets consumers that hold nothing and were idle for an hour;
//   - outages: every connection reconnects with exponential backoff; a group lost with the
//     server's data is created again (from the start of whatever the stream holds); scripts
//     are reloaded when the server answers NOSCRIPT.
//
//   SECPLAT_ASSIGN_OR_RETURN(auto queue, RedisStreamsQueue::Connect({.url = server->url()}));
//   SECPLAT_ASSIGN_OR_RETURN(PublishResult r, queue->Publish(kScanStream, envelope_json, {}));
#ifndef SECPLAT_JOBQUEUE_REDIS_STREAMS_QUEUE_H_
#define SECPLAT_JOBQUEUE_REDIS_STREAMS_QUEUE_H_

#include <memory>

#include "adapters/redis/connection.h"
#include "jobqueue/job_queue.h"

namespace secplat::jobqueue {

namespace internal {
struct AnyHandler;
}  // namespace internal

using RedisOptions = adapters::redis::RedisOptions;

class RedisStreamsQueue final : public JobQueue {
 public:
  // Checks the url and tries to connect. Errors: kInvalidArgument (bad url), kUnauthenticated
  // (password refused). When the server is unreachable the queue is still returned and every
  // call fails with kUnavailable until it answers (Consume keeps retrying).
  static Result<std::unique_ptr<RedisStreamsQueue>> Connect(const RedisOptions& options);

  ~RedisStreamsQueue() override;

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
  explicit RedisStreamsQueue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace secplat::jobqueue

#endif  // SECPLAT_JOBQUEUE_REDIS_STREAMS_QUEUE_H_
