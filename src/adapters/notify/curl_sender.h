// CurlSender: the HttpSender the notifier uses, over one libcurl multi handle. SendBatch runs up
// to `max_in_flight` exchanges at once on the calling thread and reuses keep-alive connections
// across calls (the multi handle's connection cache); Send is a batch of one. No redirects, no
// proxy (not even from the environment), no `Expect: 100-continue`; connect and total timeouts;
// the response body is kept up to `max_body_excerpt` bytes (the rest is read and dropped, so the
// connection stays reusable). Errors are values: status 0 plus a TransportError class.
//
// Late answers: a request with `may_linger` that is still unanswered at its timeout, but was
// already sent (connected, request under way), is reported as a timeout at once (its SendResult
// carries a linger_id) and its connection is kept open ("lingering") for up to `linger` more:
// closing it would not take the request back (a receiver that was stalled still reads it and
// may act on it). PollLate drives lingering exchanges (call it every few ms while Lingering() >
// 0; SendBatch drives them too) and returns each one's end once: the late answer, a closed
// connection, or a timeout when the linger ran out. Beyond `max_lingering` the oldest is
// abandoned (its connection closed; reported as a connection failure). The destructor abandons
// all (reports nothing). A request that never left (still connecting) is not kept.
//
//   auto sender = CurlSender::Make({.max_in_flight = 128});
//   std::vector<SendResult> results = (*sender)->SendBatch(requests);  // same order as requests
//   if (results[0].linger_id != 0) { ... later: for (LateResult& l : (*sender)->PollLate()) ... }
#ifndef SECPLAT_ADAPTERS_NOTIFY_CURL_SENDER_H_
#define SECPLAT_ADAPTERS_NOTIFY_CURL_SENDER_H_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/common/result.h"
#include "ports/notification_channel.h"

namespace secplat::adapters::notify {

struct CurlSenderOptions {
  Duration connect_timeout = std::chrono::seconds(5);  // capped by each request's timeout
  int max_in_flight = 256;                             // concurrent exchanges in SendBatch
  size_t max_body_excerpt = 8192;                      // bytes of response body kept
  int max_connections_per_host = 0;                    // 0: no cap beyond max_in_flight
  // How long a timed-out request with may_linger stays open for a late answer (0: never; it is
  // abandoned at its timeout like any other request).
  Duration linger = std::chrono::minutes(2);
  int max_lingering = 256;  // lingering exchanges kept at most; beyond, the oldest is abandoned
};

namespace detail {
struct CurlTransfer;  // one exchange (curl_sender.cc)
}  // namespace detail

// Thread-safe: concurrent calls are serialised (one multi handle). For parallel senders on
// several threads, make one CurlSender per thread.
class CurlSender : public ports::HttpSender {
 public:
  // Errors: kInvalidArgument (max_in_flight < 1, non-positive connect timeout, negative linger,
  // max_lingering < 1), kInternal (libcurl could not initialise).
  static Result<std::unique_ptr<CurlSender>> Make(CurlSenderOptions options);
  ~CurlSender() override;
  CurlSender(const CurlSender&) = delete;
  CurlSender& operator=(const CurlSender&) = delete;

  ports::SendResult Send(const ports::OutboundRequest& request) override;
  std::vector<ports::SendResult> SendBatch(
      std::span<const ports::OutboundRequest> requests) override;
  std::vector<ports::LateResult> PollLate() override;
  size_t Lingering() const override { return lingering_count_.load(std::memory_order_relaxed); }

 private:
  explicit CurlSender(CurlSenderOptions options);
  void* AcquireEasy();  // CURL*
  void ReleaseEasy(void* easy);
  // Reads finished exchanges off the multi handle: lingering ones go to late_, the others to
  // `on_batch` (their easy handle already removed from the multi handle). Caller holds mu_.
  template <typename OnBatch>
  void ReadDone(OnBatch&& on_batch);
  // Keeps `t` open past its timeout; abandons the oldest beyond max_lingering. Caller holds mu_.
  uint64_t StartLingering(std::unique_ptr<detail::CurlTransfer> t);
  // Ends a lingering exchange: its result goes to late_ (unless `report` is false). Caller holds
  // mu_.
  void EndLingering(detail::CurlTransfer* t, bool report);
  void Dispose(detail::CurlTransfer& t);  // removes and frees its handles

  CurlSenderOptions options_;
  std::mutex mu_;
  void* multi_ = nullptr;                                        // CURLM*
  std::vector<void*> idle_easy_;                                 // CURL* handles kept for reuse
  std::deque<std::unique_ptr<detail::CurlTransfer>> lingering_;  // oldest first
  std::vector<ports::LateResult> late_;                          // ended, not yet polled
  uint64_t next_linger_id_ = 1;
  std::atomic<size_t> lingering_count_{0};
};

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_CURL_SENDER_H_
