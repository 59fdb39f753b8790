// Job queue: the interface every SecPlat role uses to publish and consume work, plus the retry
// policy. Two implementations share one contract suite (tests/jobqueue/job_queue_contract.h):
// RedisStreamsQueue (redis_streams_queue.h) and EmbeddedQueue (embedded_queue.h, SQLite).
//
// Semantics, identical in both backends:
//   - at-least-once delivery to each consumer group; within a group one consumer gets a message
//     at a time (a lease); handlers must be idempotent (Message::idempotency_key helps);
//   - the handler returns Done, Retry(reason[, after]) or Fail(reason); retries wait
//     BackoffDelay() (exponential, full jitter) or `after`; after RetryPolicy::max_attempts or
//     a Fail the message moves atomically to DeadLetterStream(stream) with its error history;
//   - a payload that fails ConsumeOptions::validate goes straight to the dead letters with
//     reason kReasonMalformed and never reaches the handler;
//   - a consumer that dies loses its lease after ConsumeOptions::lease and the message is
//     delivered again (attempt + 1); a live consumer renews the leases of the messages it holds
//     from a background thread every lease/3, so long jobs are not stolen;
//   - Publish with an idempotency key publishes at most once per key and TTL;
//   - not_before and retries wait outside the stream and enter it when due.
//
// Example (from tests/jobqueue/job_queue_contract.h, DeliversEveryPublishedMessage):
//   auto pub = queue->Publish(stream, R"({"event_id":"e1","event_type":"scan.requested"})", {});
//   queue->Consume(stream, "workers",
//                  [&](const Message& m, const LeaseControl&) { Record(m); return Outcome::Done();
//                  }, options, stop.get_token());  // blocks until stop is requested
#ifndef SECPLAT_JOBQUEUE_JOB_QUEUE_H_
#define SECPLAT_JOBQUEUE_JOB_QUEUE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::jobqueue {

// The streams SecPlat uses; each has a dead-letter stream DeadLetterStream(name).
inline constexpr std::string_view kScanStream = "secplat.jobs.scan";
inline constexpr std::string_view kDeriveStream = "secplat.jobs.derive";
inline constexpr std::string_view kNotifyStream = "secplat.events.notify";
inline constexpr std::string_view kDeadLetterSuffix = ".dlq";

// The consumer group of the role that owns each stream (health and metrics report these).
inline constexpr std::string_view kScanGroup = "workers";
inline constexpr std::string_view kDeriveGroup = "deriver";
inline constexpr std::string_view kNotifyGroup = "notifier";

// "<stream>.dlq".
std::string DeadLetterStream(std::string_view stream);

// Dead-letter reasons (DeadLetter::reason).
inline constexpr std::string_view kReasonMalformed = "malformed";       // failed validation
inline constexpr std::string_view kReasonFailed = "failed";             // Outcome::Fail
inline constexpr std::string_view kReasonMaxAttempts = "max_attempts";  // retries exhausted

// One delivery of a message to a handler.
struct Message {
  std::string id;                   // job id: stable across retries, replays and dead-lettering
  std::string stream;               // the stream it was published to
  std::string payload;              // the event envelope JSON (untrusted)
  std::string idempotency_key;      // from PublishOptions; empty when none
  std::string request_id;           // from PublishOptions; empty when none
  int attempt = 0;                  // 1 on first delivery
  std::vector<std::string> errors;  // history of previous failures, oldest first
  Timestamp enqueued_at{};          // publish time (publisher's clock)
};

struct PublishOptions {
  std::string idempotency_key;  // non-empty: publish at most once per key within the TTL
  Duration idempotency_ttl = std::chrono::hours(24);
  std::optional<Timestamp> not_before;  // deliver no earlier than this
  std::string request_id;               // travels with the message
};

// What Publish did.
struct PublishResult {
  std::string id;          // the job id (the existing one when duplicate)
  bool duplicate = false;  // true: the key was already published within its TTL; nothing sent
};

// One message of a PublishBatch.
struct PublishRequest {
  std::string payload;
  PublishOptions options;
};

// What a handler decided.
struct Outcome {
  enum Kind { kDone, kRetry, kFail };
  Kind kind = kDone;
  std::string reason;                   // kRetry/kFail: recorded in the error history
  std::optional<Duration> retry_after;  // kRetry: overrides the backoff delay

  static Outcome Done();
  static Outcome Retry(std::string reason, std::optional<Duration> after = {});
  static Outcome Fail(std::string reason);
};

// Given to a handler for the message it is handling. Valid only during the handler call.
class LeaseControl {
 public:
  virtual ~LeaseControl() = default;
  // Extends the lease to ConsumeOptions::lease from now (leases are also renewed
  // automatically every lease/3 while the message is held). Errors: kNotFound when the lease
  // was lost (another consumer took the message over); kUnavailable when the backend is down.
  virtual Status Renew() const = 0;
  // True once Consume was asked to stop: a long handler should wrap up (or return Retry).
  virtual bool StopRequested() const = 0;
};

// Called on a worker thread, possibly concurrently (ConsumeOptions::concurrency). An exception
// thrown by the handler counts as Retry with the exception's text.
using Handler = std::function<Outcome(const Message&, const LeaseControl&)>;

// The asynchronous form, for consumers that run many jobs at once without a thread each (the
// scan worker runs hundreds of scans on one event loop). The handler starts the work and
// returns; `done` is called exactly once, from any thread, with the outcome (later calls are
// ignored). `lease` stays valid until then. At most ConsumeOptions::max_in_flight messages are
// handed out and not yet done; the handler itself runs on one dispatcher thread, so it must not
// block.
using CompletionCallback = std::function<void(Outcome)>;
using AsyncHandler = std::function<void(const Message&, std::shared_ptr<const LeaseControl> lease,
                                        CompletionCallback done)>;

// Retries: delay before attempt n+1 is uniform in [0, min(cap, base * 2^(n-1))].
struct RetryPolicy {
  Duration base = std::chrono::seconds(1);
  Duration cap = std::chrono::minutes(5);
  int max_attempts = 5;  // deliveries in all, including the first
};

// Exponential backoff with full jitter: `random` (uniform over uint64) maps linearly onto
// [0, min(cap, base * 2^(attempt-1))] ms, so random = UINT64_MAX gives the ceiling and 0 gives
// 0. `attempt` is the attempt that just failed (1-based; values < 1 count as 1). Pure.
Duration BackoffDelay(const RetryPolicy& policy, int attempt, uint64_t random);

// What a consumer does with a delivery once the handler returned. Pure.
struct Disposition {
  enum Kind { kAck, kRetry, kDeadLetter };
  Kind kind = kAck;
  Duration delay{0};   // kRetry
  std::string reason;  // kDeadLetter: kReasonFailed or kReasonMaxAttempts
  std::string error;   // kRetry/kDeadLetter: the text appended to the error history
};
Disposition Decide(const Outcome& outcome, int attempt, const RetryPolicy& policy, uint64_t random);

struct ConsumeOptions {
  std::string consumer;     // unique per process; empty: DefaultConsumerName()
  int concurrency = 1;      // worker threads running the handler (Consume)
  int max_in_flight = 256;  // ConsumeAsync: messages handed out and not yet done (1..100000)
  int batch = 32;           // messages fetched per read (and kept buffered, at most)
  Duration block = std::chrono::seconds(1);   // longest wait of one blocking read
  Duration lease = std::chrono::seconds(30);  // visibility timeout
  RetryPolicy retry;
  // Returns an error for a payload that must not reach the handler; it then goes to the dead
  // letters with reason kReasonMalformed. Empty: the minimal check (a JSON object with string
  // event_id and event_type, see envelope_check.h). Called on worker threads.
  std::function<Status(std::string_view payload)> validate;
  // Random source for the retry jitter; empty: a per-thread PRNG. Called on worker threads.
  std::function<uint64_t()> random;
  // Renew leases of held messages automatically every lease/3. false: only LeaseControl::Renew
  // extends them (tests use it to simulate a consumer that died).
  bool auto_renew = true;
  // Told about backend errors the consumer recovers from by itself (Redis down, ...), for
  // logs and metrics. Called from the consumer's threads.
  std::function<void(const Error&)> on_error;
};

// "<hostname>-<pid>-<6 hex random>".
std::string DefaultConsumerName();

// A new random job id (32 lower-case hex characters).
std::string NewJobId();

// A dead-lettered message.
struct DeadLetter {
  std::string id;          // position in the dead-letter stream (the ListDeadLetters cursor)
  Message message;         // original id, stream, payload, key, request id; attempt = attempts
                           // made; errors = full history including the last error
  std::string group;       // consumer group that gave up
  std::string reason;      // kReasonMalformed, kReasonFailed or kReasonMaxAttempts
  std::string last_error;  // the final error text
  Timestamp dead_at{};     // when it was dead-lettered (consumer's clock)
};

struct StreamStats {
  int64_t length = 0;               // entries in the stream (processed ones are trimmed lazily)
  int64_t pending = 0;              // delivered to the group, not yet acknowledged
  int64_t consumers = 0;            // consumers of the group active in the last minute
  int64_t lag = 0;                  // entries not yet delivered to the group
  int64_t delayed = 0;              // waiting for their due time (retries and not_before)
  int64_t dead_letters = 0;         // entries in the dead-letter stream
  Duration oldest_pending_idle{0};  // idle time of the oldest pending entry
  // Counters since the backend's data was created (per stream, all groups).
  int64_t published = 0;
  int64_t acked = 0;
  int64_t retried = 0;
  int64_t dead_lettered = 0;
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Publishes one message; thread-safe. With an idempotency key already published within its
  // TTL, publishes nothing and returns the existing job id with duplicate = true.
  // Errors: kInvalidArgument (bad stream name), kUnavailable (backend down; the message may or
  // may not have been published unless it has an idempotency key).
  // The default is a batch of one; a backend overrides it only if it can do better.
  virtual Result<PublishResult> Publish(std::string_view stream, std::string_view payload,
                                        const PublishOptions& options);

  // Publishes several messages in one round trip; results in order. Errors as Publish; on
  // kUnavailable any prefix may have been published.
  virtual Result<std::vector<PublishResult>> PublishBatch(
      std::string_view stream, const std::vector<PublishRequest>& requests) = 0;

  // Runs `handler` on messages of `stream` for consumer group `group` (created when missing,
  // from the beginning of the stream) until `stop` is requested; then finishes the running
  // handlers, hands buffered messages back to the group and returns. Backend outages are
  // retried with backoff (reported via options.on_error). Errors: kInvalidArgument (bad names
  // or options).
  virtual Status Consume(std::string_view stream, std::string_view group, const Handler& handler,
                         const ConsumeOptions& options, std::stop_token stop) = 0;
  // As Consume, with an AsyncHandler: up to options.max_in_flight messages run at once
  // (options.concurrency is ignored). On stop, waits for every started message's `done`.
  virtual Status ConsumeAsync(std::string_view stream, std::string_view group,
                              const AsyncHandler& handler, const ConsumeOptions& options,
                              std::stop_token stop) = 0;

  // Dead letters of `stream`, oldest first, strictly after cursor `after` ("" = from the
  // start), at most `limit`. Errors: kInvalidArgument (bad cursor), kUnavailable.
  virtual Result<std::vector<DeadLetter>> ListDeadLetters(std::string_view stream,
                                                          std::string_view after, int limit) = 0;

  // One dead letter. Errors: kNotFound, kInvalidArgument (malformed id), kUnavailable.
  virtual Result<DeadLetter> GetDeadLetter(std::string_view stream, std::string_view id) = 0;

  // Atomically removes the dead letter and re-publishes it to `stream` for its group with the
  // attempt count reset (the error history is kept). Returns the job id.
  // Errors: kNotFound, kInvalidArgument, kUnavailable.
  virtual Result<std::string> ReplayDeadLetter(std::string_view stream, std::string_view id) = 0;

  // Deletes one dead letter (id) or all of them (nullopt); returns how many were deleted.
  // Errors: kInvalidArgument, kUnavailable.
  virtual Result<int64_t> PurgeDeadLetters(std::string_view stream,
                                           std::optional<std::string_view> id) = 0;

  // Depth, lag and counters of `stream` as seen by `group`. Errors: kInvalidArgument,
  // kUnavailable.
  virtual Result<StreamStats> Stats(std::string_view stream, std::string_view group) = 0;
};

// kInvalidArgument unless `name` is 1..200 printable ASCII characters without spaces.
Status ValidateName(std::string_view what, std::string_view name);

}  // namespace secplat::jobqueue

#endif  // SECPLAT_JOBQUEUE_JOB_QUEUE_H_
