// A real redis-server (Debian's /usr/bin/redis-server) for integration tests: 127.0.0.1, a
// random free port, a temp dir, --save '', --hz 100, optional AOF (appendfsync always), not
// daemonized; started by fork+exec so the recorded PID is the listening process, and stopped by
// that PID (SIGTERM, then SIGKILL after 5 s). The server gets SIGKILL if the thread that started
// it dies (PR_SET_PDEATHSIG), so a crashed test leaves no server behind.
//
//   auto server = RedisServer::Start(/*aof=*/false);
//   if (!server.has_value()) GTEST_SKIP() << server.error().message;
//   auto queue = RedisStreamsQueue::Connect({.url = (*server)->url()});
#ifndef SECPLAT_TESTS_SUPPORT_REDIS_SERVER_H_
#define SECPLAT_TESTS_SUPPORT_REDIS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/common/result.h"

namespace secplat::testing {

class RedisServer {
 public:
  // Starts a server and waits (up to 10 s) until it answers PING. Errors: kUnavailable when
  // redis-server is missing or does not come up (its log is quoted).
  static Result<std::unique_ptr<RedisServer>> Start(bool aof);

  ~RedisServer();  // stops the server and removes the temp dir
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }

  // Stops the server (SIGTERM; SIGKILL when `hard`) and starts it again on the same port and
  // dir (with AOF, the data survives). Errors as Start.
  Status Restart(bool hard = false);
  // Stops the server by PID. Idempotent.
  Status Stop(bool hard = false);

 private:
  RedisServer(std::string dir, int port, bool aof) : dir_(std::move(dir)), port_(port), aof_(aof) {}
  Status Launch();

  std::string dir_;
  int port_;
  bool aof_;
  pid_t pid_ = -1;
};

}  // namespace secplat::testing

#endif  // SECPLAT_TESTS_SUPPORT_REDIS_SERVER_H_
