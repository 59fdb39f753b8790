// CurlSender: the HttpSender the notifier uses, over one libcurl multi handle. SendBatch runs up
// to `max_in_flight` exchanges at once on the calling thread and reuses keep-alive connections
// across calls (the multi handle's connection cache); Send is a batch of one. No redirects, no
// proxy (not even from the environment), no `Expect: 100-continue`; connect and total timeouts;
// the response body is kept up to `max_body_excerpt` bytes (the rest is read and dropped, so the
// connection stays reusable). Errors are values: status 0 plus a TransportError class.
//
//   auto sender = CurlSender::Make({.max_in_flight = 128});
//   std::vector<SendResult> results = (*sender)->SendBatch(requests);  // same order as requests
#ifndef SECPLAT_ADAPTERS_NOTIFY_CURL_SENDER_H_
#define SECPLAT_ADAPTERS_NOTIFY_CURL_SENDER_H_

#include <chrono>
#include <cstddef>
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
};

// Thread-safe: concurrent calls are serialised (one multi handle). For parallel senders on
// several threads, make one CurlSender per thread.
class CurlSender : public ports::HttpSender {
 public:
  // Errors: kInvalidArgument (max_in_flight < 1, non-positive connect timeout), kInternal
  // (libcurl could not initialise).
  static Result<std::unique_ptr<CurlSender>> Make(CurlSenderOptions options);
  ~CurlSender() override;
  CurlSender(const CurlSender&) = delete;
  CurlSender& operator=(const CurlSender&) = delete;

  ports::SendResult Send(const ports::OutboundRequest& request) override;
  std::vector<ports::SendResult> SendBatch(
      std::span<const ports::OutboundRequest> requests) override;

 private:
  explicit CurlSender(CurlSenderOptions options) : options_(options) {}
  void* AcquireEasy();  // CURL*
  void ReleaseEasy(void* easy);

  CurlSenderOptions options_;
  std::mutex mu_;
  void* multi_ = nullptr;         // CURLM*
  std::vector<void*> idle_easy_;  // CURL* handles kept for reuse
};

}  // namespace secplat::adapters::notify

#endif  // SECPLAT_ADAPTERS_NOTIFY_CURL_SENDER_H_
