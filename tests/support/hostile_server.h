// HostileServer: a small misbehaving peer on 127.0.0.1 (random port) for prober tests: slow,
// endless, malformed, oversized, silent, or not TLS at all. One thread accepts, one thread per
// connection answers; every wait checks a stop flag, so the destructor returns promptly.
//
//   auto server = HostileServer::Start(HostileServer::Mode::kSlowHeaders);
//   ASSERT_TRUE(server.has_value()) << server.error().message;
//   prober.Http({.url = (*server)->Url("/"), .timeout = 1s});   // -> kTimeoutTotal in ~1 s
#ifndef SECPLAT_TESTS_SUPPORT_HOSTILE_SERVER_H_
#define SECPLAT_TESTS_SUPPORT_HOSTILE_SERVER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/common/result.h"

namespace secplat::testing {

class HostileServer {
 public:
  enum class Mode {
    kSlowHeaders,      // status line, then one header byte per second, never finishing the headers
    kEndlessBody,      // 200 without Content-Length, then body bytes forever (as fast as possible)
    kMalformedStatus,  // "HTTP/1.1 abc Broken" status line, then close
    kManyHeaders,      // 200 with 10,000 header lines (about 150 KiB), Content-Length: 0
    kHugeHeader,       // 200 with one 200 KiB header line
    kNeverAnswer,      // accepts, reads, never writes a byte
    kGarbageTls,       // reads the ClientHello, answers 1 KiB of bytes that are no TLS record
    kSlowOk,           // waits `delay`, then a valid 200 "ok" with Connection: close
  };

  struct Options {
    std::chrono::milliseconds delay{200};  // kSlowOk only
  };

  static Result<std::unique_ptr<HostileServer>> Start(Mode mode) { return Start(mode, Options()); }
  static Result<std::unique_ptr<HostileServer>> Start(Mode mode, Options options);

  ~HostileServer();  // closes every connection and joins the threads
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  int port() const { return port_; }
  // "http://<host>:<port><path>" (host 127.0.0.1 by default).
  std::string Url(std::string_view path = "/", std::string_view host = "127.0.0.1") const;

  int connections_accepted() const { return accepted_.load(); }
  // Most connections open at the same time so far.
  int peak_concurrent() const { return peak_.load(); }

 private:
  HostileServer(Mode mode, Options options) : mode_(mode), options_(options) {}
  void AcceptLoop();
  void Serve(int fd);
  bool SendAll(int fd, std::string_view data);
  bool Sleep(std::chrono::milliseconds d);  // false when stopping
  bool ReadRequest(int fd);                 // reads up to the blank line; false on EOF/stop

  Mode mode_;
  Options options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> open_{0};
  std::atomic<int> peak_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_HOSTILE_SERVER_H_
