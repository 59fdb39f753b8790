// Internal: the consumer machinery both backends share. A backend supplies a Session (its
// storage operations for one stream, group and consumer); RunConsumer runs the threads:
//
//   - the calling thread fetches (Session::Fetch, blocking up to ConsumeOptions::block) while
//     fewer than half of max(batch, concurrency) messages are buffered;
//   - `concurrency` worker threads validate each delivery and run the handler, turning the
//     outcome into a Completion (Decide());
//   - one maintenance thread writes completions in batches (Session::Complete), renews the
//     leases of every held message every lease/3, reclaims expired leases of dead consumers,
//     promotes due delayed messages (at the earliest known due time, else every 100 ms) and
//     trims the stream every second.
//
// On stop: running handlers finish, buffered messages are released back to the group, pending
// completions are flushed (for at most min(lease, 5 s)) and Session::Close() runs.
#ifndef SECPLAT_JOBQUEUE_INTERNAL_CONSUMER_RUNTIME_H_
#define SECPLAT_JOBQUEUE_INTERNAL_CONSUMER_RUNTIME_H_

#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "jobqueue/job_queue.h"

namespace secplat::jobqueue::internal {

// One message as fetched from the backend.
struct Delivery {
  std::string handle;        // backend position (Redis entry id, embedded sequence number)
  Message message;           // attempt = this delivery's attempt number
  std::string target_group;  // non-empty: only this group handles it (a retry); others skip it
  std::string decode_error;  // non-empty: the stored entry could not be decoded
};

// What to do with a delivery, as handed to Session::Complete.
struct Completion {
  enum class Kind {
    kAck,         // handled: acknowledge (counted as acked)
    kSkip,        // not for this group: acknowledge silently
    kRetry,       // acknowledge and schedule a copy after `delay` (attempts = attempt)
    kDeadLetter,  // move to the dead letters with `reason` and `error`
    kRelease,     // never handled: give back to the group unchanged (attempts = attempt - 1)
  };
  Kind kind = Kind::kAck;
  Delivery delivery;
  Duration delay{0};
  std::string reason;  // kDeadLetter: kReasonMalformed / kReasonFailed / kReasonMaxAttempts
  std::string error;   // kRetry / kDeadLetter: appended to the error history
  Timestamp at{};      // when the decision was made
};

// A backend's operations for one (stream, group, consumer). Fetch runs on the fetch thread only
// and InterruptFetch may be called from any thread; every other method may be called from
// several threads and must serialise internally.
class Session {
 public:
  virtual ~Session() = default;
  // Creates the group if needed. Errors: kUnavailable.
  virtual Status Prepare() = 0;
  // New messages for the group, at most `max`, waiting up to `block` when there are none.
  virtual Result<std::vector<Delivery>> Fetch(int max, Duration block) = 0;
  // Makes a blocked Fetch return soon (best effort).
  virtual void InterruptFetch() = 0;
  // Applies the completions; idempotent, so a failed batch can be applied again. Retries,
  // dead letters and releases only apply while this consumer still owns the message.
  virtual Status Complete(const std::vector<Completion>& batch) = 0;
  // Extends the leases this consumer still owns; returns the handles it no longer owns.
  virtual Result<std::vector<std::string>> Renew(const std::vector<std::string>& handles) = 0;
  // Takes over up to `max` messages whose lease expired (another consumer died).
  virtual Result<std::vector<Delivery>> Reclaim(int max) = 0;
  // Moves due delayed messages into the stream; returns the time until the next one is due.
  virtual Result<std::optional<Duration>> PromoteDue() = 0;
  // Drops stream entries every group has finished with.
  virtual Status Trim() = 0;
  // Called once at the end of Consume (forget this consumer if it holds nothing).
  virtual void Close() = 0;
};

// Checks the options Consume and ConsumeAsync accept. Errors: kInvalidArgument.
Status ValidateConsumeOptions(const ConsumeOptions& options);

// Exactly one of the two is set: Consume's handler or ConsumeAsync's.
struct AnyHandler {
  const Handler* sync = nullptr;
  const AsyncHandler* async = nullptr;
};

// Runs the consumer until `stop` is requested (see the header comment). `group` is only used to
// skip retries addressed to other groups. With an async handler, one dispatcher thread hands
// out up to options.max_in_flight messages and completions arrive from any thread; on stop it
// waits for every started message to complete. Errors: kInvalidArgument (options).
Status RunConsumer(Session& session, std::string_view group, const AnyHandler& handler,
                   const ConsumeOptions& options, std::stop_token stop);

// Appends `error` to the history of the delivery's message (for retries and dead letters).
std::vector<std::string> HistoryWith(const Completion& completion);

}  // namespace secplat::jobqueue::internal

#endif  // SECPLAT_JOBQUEUE_INTERNAL_CONSUMER_RUNTIME_H_
