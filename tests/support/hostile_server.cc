#include "tests/support/hostile_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace secplat::testing {

Result<std::unique_ptr<HostileServer>> HostileServer::Start(Mode mode, Options options) {
  std::unique_ptr<HostileServer> server(new HostileServer(mode, options));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unexpected(ErrorCode::kUnavailable, "socket failed");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, 1024) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return Unexpected(ErrorCode::kUnavailable, "bind/listen on 127.0.0.1:0 failed");
  }
  server->listen_fd_ = fd;
  server->port_ = ntohs(addr.sin_port);
  server->acceptor_ = std::thread([s = server.get()] { s->AcceptLoop(); });
  return server;
}

HostileServer::~HostileServer() {
  stop_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(connections_);
  }
  for (std::thread& t : threads) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string HostileServer::Url(std::string_view path, std::string_view host) const {
  return "http://" + std::string(host) + ":" + std::to_string(port_) + std::string(path);
}

void HostileServer::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++accepted_;
    int now_open = ++open_;
    int peak = peak_.load();
    while (now_open > peak && !peak_.compare_exchange_weak(peak, now_open)) {
    }
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back([this, fd] {
      Serve(fd);
      if (mode_ != Mode::kSlowOk) --open_;  // kSlowOk releases it before answering
      ::close(fd);
    });
  }
}

bool HostileServer::Sleep(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (!stop_) {
    auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
  }
  return false;
}

bool HostileServer::SendAll(int fd, std::string_view data) {
  while (!data.empty() && !stop_) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    if ((p.revents & (POLLERR | POLLHUP)) != 0) return false;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return data.empty();
}

bool HostileServer::ReadRequest(int fd) {
  std::string got;
  char buf[4096];
  while (!stop_ && got.size() < (1 << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    got.append(buf, static_cast<size_t>(n));
    if (mode_ == Mode::kGarbageTls) return true;  // any ClientHello bytes will do
    if (got.find("\r\n\r\n") != std::string::npos) return true;
  }
  return false;
}

// Keeps reading (and dropping) until the peer closes or the server stops.
static void Drain(int fd, const std::atomic<bool>& stop) {
  char buf[4096];
  while (!stop) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    if (::recv(fd, buf, sizeof(buf), 0) <= 0) return;
  }
}

void HostileServer::Serve(int fd) {
  if (!ReadRequest(fd)) return;
  switch (mode_) {
    case Mode::kSlowHeaders: {
      if (!SendAll(fd, "HTTP/1.1 200 OK\r\nX-Slow: ")) return;
      while (Sleep(std::chrono::seconds(1))) {
        if (!SendAll(fd, "a")) return;
      }
      return;
    }
    case Mode::kEndlessBody: {
      if (!SendAll(fd,
                   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")) {
        return;
      }
      std::string chunk(16 * 1024, 'x');
      while (SendAll(fd, chunk)) {
      }
      return;
    }
    case Mode::kMalformedStatus:
      (void)SendAll(fd, "HTTP/1.1 abc Broken\r\nContent-Length: 0\r\n\r\n");
      return;
    case Mode::kManyHeaders: {
      std::string resp = "HTTP/1.1 200 OK\r\n";
      for (int i = 0; i < 10000; ++i) resp += "X-Header-" + std::to_string(i) + ": value\r\n";
      resp += "Content-Length: 0\r\n\r\n";
      if (SendAll(fd, resp)) Drain(fd, stop_);
      return;
    }
    case Mode::kHugeHeader: {
      std::string resp = "HTTP/1.1 200 OK\r\nX-Huge: " + std::string(200 * 1024, 'h') +
                         "\r\nContent-Length: 0\r\n\r\n";
      if (SendAll(fd, resp)) Drain(fd, stop_);
      return;
    }
    case Mode::kNeverAnswer:
      Drain(fd, stop_);
      return;
    case Mode::kGarbageTls: {
      std::string garbage;
      for (int i = 0; i < 1024; ++i) garbage += static_cast<char>('A' + (i * 7) % 26);
      if (SendAll(fd, garbage)) Drain(fd, stop_);
      return;
    }
    case Mode::kSlowOk: {
      bool slept = Sleep(options_.delay);
      // No longer counted as open once the answer is about to go out: the client opens its
      // next connection only after reading it, so peak_concurrent() never counts a connection
      // the client has already finished with.
      --open_;
      if (slept) {
        (void)SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
      }
      return;
    }
  }
}

}  // namespace secplat::testing
