#include "tests/support/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace secplat::testing {
namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// "+PONG" from a fresh connection; false while the server is not up (or still loading).
bool Ping(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const char kPing[] = "PING\r\n";
    if (::write(fd, kPing, sizeof(kPing) - 1) == static_cast<ssize_t>(sizeof(kPing) - 1)) {
      char buf[64] = {};
      ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
      ok = n >= 5 && std::string(buf, 5) == "+PONG";
    }
  }
  ::close(fd);
  return ok;
}

std::string ReadLog(const std::string& dir) {
  std::ifstream in(dir + "/redis.log");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

}  // namespace

Result<std::unique_ptr<RedisServer>> RedisServer::Start(bool aof) {
  if (::access(kRedisServer, X_OK) != 0) {
    return Unexpected(ErrorCode::kUnavailable, std::string(kRedisServer) + " not found");
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/secplat-redis-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return Unexpected(ErrorCode::kUnavailable, "mkdtemp failed");
  }
  std::string dir(buf.data());
  Status last = OkStatus();
  // Another process may take the port between FreePort() and the bind: try a few ports.
  for (int attempt = 0; attempt < 5; ++attempt) {
    int port = FreePort();
    if (port <= 0) continue;
    std::unique_ptr<RedisServer> server(new RedisServer(dir, port, aof));
    last = server->Launch();
    if (last.has_value()) return server;
    server->dir_.clear();  // keep the dir for the next attempt
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return Unexpected(last.error());
}

Status RedisServer::Launch() {
  std::string port = std::to_string(port_);
  std::string log = dir_ + "/redis.log";
  std::vector<std::string> args = {kRedisServer,
                                   "--port",
                                   port,
                                   "--bind",
                                   "127.0.0.1",
                                   "--dir",
                                   dir_,
                                   "--save",
                                   "",
                                   "--appendonly",
                                   aof_ ? "yes" : "no",
                                   "--hz",
                                   "100",
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   log,
                                   "--protected-mode",
                                   "no"};
  if (aof_) {
    args.push_back("--appendfsync");
    args.push_back("always");
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Unexpected(ErrorCode::kUnavailable, "fork failed");
  if (pid == 0) {
    // If the test process dies (crash, SIGKILL, timeout), the server goes with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
      ::dup2(devnull, 2);
    }
    ::execv(kRedisServer, argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Unexpected(ErrorCode::kUnavailable,
                        "redis-server exited during startup: " + ReadLog(dir_));
    }
    if (Ping(port_)) return OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (void)Stop(/*hard=*/true);
  return Unexpected(ErrorCode::kUnavailable, "redis-server did not answer PING: " + ReadLog(dir_));
}

Status RedisServer::Stop(bool hard) {
  if (pid_ <= 0) return OkStatus();
  ::kill(pid_, hard ? SIGKILL : SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return OkStatus();
}

Status RedisServer::Restart(bool hard) {
  SECPLAT_RETURN_IF_ERROR(Stop(hard));
  return Launch();
}

RedisServer::~RedisServer() {
  (void)Stop();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace secplat::testing
