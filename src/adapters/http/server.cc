// The only translation unit with Beast/Asio (one Beast TU costs tens of seconds to compile).
#include "adapters/http/server.h"

// Boost 1.74 Asio under C++20 needs <utility> before any Asio header (server.h has it too).
// clang-format off
#include <utility>
// clang-format on

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

namespace secplat::adapters::http {
namespace {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

// How long in-flight requests may run on after Stop() before their connections are closed.
constexpr auto kStopGrace = std::chrono::seconds(5);
// After a response with `Connection: close` the server half-closes and reads (and discards)
// what the client still sends for at most this long before closing. Closing a socket with
// unread input makes the kernel send RST, which can destroy the response in flight (e.g. a 413
// sent while the client is still uploading). nginx calls this "lingering close".
constexpr auto kLingerTime = std::chrono::seconds(1);
// Pause before accepting again after an accept error (EMFILE), so we do not spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);
constexpr size_t kReadChunk = 4096;

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerAscii(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

// True when a comma-separated header value holds `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 9110 token characters: what a header name may contain.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos) continue;
    return false;
  }
  return true;
}

// Header values must not smuggle a line break (response splitting) or NUL.
bool IsSafeValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::string FormatEndpoint(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string ip = addr.to_string();
  if (addr.is_v6()) ip = "[" + ip + "]";
  return ip + ":" + std::to_string(ep.port());
}

class Session;

// State shared by the server and its sessions. Sessions hold it by shared_ptr, so it outlives
// every session however the io_context tears down.
struct Shared {
  ServerOptions options;
  Handler handler;
  RejectionResponder reject;
  std::atomic<bool> stopping{false};

  std::mutex mu;
  std::condition_variable sessions_changed;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mu

  // Calls the RejectionResponder; never throws.
  Response Reject(int status, std::string_view message, const Request& partial) const {
    if (reject) {
      try {
        return reject(status, message, partial);
      } catch (...) {
        // Fall through to the plain response below.
      }
    }
    Response r;
    r.status = status;
    r.content_type = "text/plain";
    r.body = std::string(message);
    return r;
  }
};

// One connection. Every member runs on the socket's strand (the socket and timer share it), so
// no locking is needed inside a session.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<Shared> shared, std::string remote)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        shared_(std::move(shared)),
        remote_(std::move(remote)) {}

  ~Session() {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->sessions.erase(this);
    }
    shared_->sessions_changed.notify_all();
  }

  // Registers the session and starts reading. Called once, from the acceptor.
  void Start() {
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->sessions.emplace(this, weak_from_this());
    }
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

  // Server is stopping: an idle connection is closed now; a request being read or handled is
  // finished and answered with `Connection: close`.
  void PostStop() {
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      if (self->phase_ == Phase::kIdle) self->Close();
    });
  }

  // Grace period over: close whatever is still open.
  void PostForceClose() {
    net::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

 private:
  enum class Phase {
    kIdle,
    kReadingHeader,
    kReadingBody,
    kHandling,
    kWriting,
    kLingering,
    kClosed
  };

  void WaitForRequest() {
    if (shared_->stopping.load()) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(shared_->options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(static_cast<std::uint64_t>(shared_->options.max_body_bytes));
    timed_out_ = false;
    version_ = 11;
    if (buffer_.size() > 0) return BeginRequest();  // pipelined bytes already here
    // Idle until the first byte arrives: the idle timeout applies, not the read timeout.
    phase_ = Phase::kIdle;
    ArmTimer(shared_->options.idle_timeout);
    socket_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](error_code ec, size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->BeginRequest();
                            });
  }

  void BeginRequest() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kReadingHeader;
    ArmTimer(shared_->options.read_timeout);  // the whole request from its first byte
    bhttp::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (ec || timed_out_) return OnReadError(ec);
    version_ = parser_->get().version();
    phase_ = Phase::kReadingBody;
    if (parser_->is_done()) return Dispatch();
    // A client that asked for 100-continue waits for it before sending the body. The declared
    // Content-Length was already checked against the limit by the parser.
    auto expect = parser_->get().find(bhttp::field::expect);
    if (version_ >= 11 && expect != parser_->get().end() &&
        EqualsIgnoreCase(Sv(expect->value()), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = shared_from_this()](error_code wec, size_t) {
                         if (wec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (phase_ == Phase::kClosed) return;
    bhttp::async_read(socket_, buffer_, *parser_,
                      [self = shared_from_this()](error_code ec, size_t) {
                        if (self->phase_ == Phase::kClosed) return;
                        if (ec || self->timed_out_) return self->OnReadError(ec);
                        self->Dispatch();
                      });
  }

  void OnReadError(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    if (timed_out_) return Reject(408, "request not received within the read timeout");
    if (ec == bhttp::error::body_limit) {
      return Reject(413, "request body exceeds " + std::to_string(shared_->options.max_body_bytes) +
                             " bytes");
    }
    if (ec == bhttp::error::header_limit) {
      return Reject(431, "request header section exceeds " +
                             std::to_string(shared_->options.max_header_bytes) + " bytes");
    }
    // end_of_stream: closed between requests; partial_message: gone halfway. Nobody to answer.
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return Close();
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
      return Reject(400, "malformed HTTP request: " + ec.message());
    }
    Close();  // socket errors: reset, aborted by Stop(), ...
  }

  // Whatever the parser has seen so far, for the RejectionResponder.
  Request PartialRequest() const {
    Request r;
    r.remote_address = remote_;
    // Beast fills the message as it parses: the start line once it is valid, then each valid
    // field. After a header_limit error nothing is there; after a Content-Length over the limit
    // everything is.
    if (parser_) FillHead(parser_->get(), r);
    return r;
  }

  static void FillHead(const bhttp::request<bhttp::string_body>& msg, Request& r) {
    r.method = std::string(Sv(msg.method_string()));
    r.target = std::string(Sv(msg.target()));
    const size_t q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    r.headers.reserve(static_cast<size_t>(std::distance(msg.begin(), msg.end())));
    for (const auto& f : msg) {
      r.headers.emplace_back(ToLower(Sv(f.name_string())), std::string(Sv(f.value())));
    }
  }

  void Reject(int status, std::string message) {
    Request partial = PartialRequest();
    Response response = shared_->Reject(status, message, partial);
    // The stream position is unknown after a rejected read: never reuse the connection.
    Write(std::move(response), /*keep_alive=*/false, /*head=*/false);
  }

  void Dispatch() {
    phase_ = Phase::kHandling;
    CancelTimer();
    Request request;
    request.remote_address = remote_;
    bool keep_alive = false;
    bool head = false;
    try {
      auto& msg = parser_->get();
      FillHead(msg, request);
      request.body = std::move(msg.body());
      keep_alive = msg.keep_alive() && !shared_->stopping.load();
      head = msg.method() == bhttp::verb::head;
    } catch (...) {  // allocation failure while copying: answer without the handler
      Write(shared_->Reject(500, "out of memory building the request", request), false, false);
      return;
    }
    Response response;
    try {
      response = shared_->handler(request);
    } catch (const std::exception& e) {
      response = shared_->Reject(500, std::string("handler threw: ") + e.what(), request);
    } catch (...) {
      response = shared_->Reject(500, "handler threw a non-standard exception", request);
    }
    // The message was read completely, so the connection stays usable after a 500.
    Write(std::move(response), keep_alive && !shared_->stopping.load(), head);
  }

  void Write(Response response, bool keep_alive, bool head) {
    try {
      response_.emplace(BuildResponse(std::move(response), keep_alive, head));
    } catch (...) {
      // Only Beast's own checks or allocation can throw here; send a minimal 500.
      response_.emplace(bhttp::status::internal_server_error, version_);
      response_->keep_alive(false);
      response_->prepare_payload();
    }
    keep_alive = response_->keep_alive();
    phase_ = Phase::kWriting;
    ArmTimer(shared_->options.read_timeout);  // a client that does not read is cut too
    bhttp::async_write(socket_, *response_,
                       [self = shared_from_this(), keep_alive](error_code ec, size_t) {
                         self->response_.reset();
                         if (ec || self->phase_ == Phase::kClosed) return self->Close();
                         if (!keep_alive) return self->Linger();
                         self->WaitForRequest();
                       });
  }

  bhttp::response<bhttp::string_body> BuildResponse(Response r, bool keep_alive, bool head) {
    bhttp::response<bhttp::string_body> res;
    res.version(version_ == 10 ? 10 : 11);
    const int status = (r.status >= 100 && r.status <= 999) ? r.status : 500;
    res.result(static_cast<unsigned>(status));
    if (!r.content_type.empty() && IsSafeValue(r.content_type)) {
      res.set(bhttp::field::content_type, r.content_type);
    }
    for (auto& [name, value] : r.headers) {
      if (!IsToken(name) || !IsSafeValue(value)) continue;
      if (EqualsIgnoreCase(name, "connection")) {
        if (HasToken(value, "close")) keep_alive = false;
        continue;
      }
      if (EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding")) {
        continue;
      }
      res.insert(name, value);
    }
    // 1xx, 204 and 304 carry no body (Beast's prepare_payload throws on one).
    if (status < 200 || status == 204 || status == 304) r.body.clear();
    const size_t length = r.body.size();
    res.body() = std::move(r.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    if (head && status >= 200 && status != 204 && status != 304) {
      // HEAD: the length of the body a GET would get, and no body.
      res.body().clear();
      res.content_length(length);
    }
    return res;
  }

  // Half-close, then discard input until the client closes or kLingerTime passes.
  void Linger() {
    phase_ = Phase::kLingering;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    ArmTimer(kLingerTime);
    Drain();
  }

  void Drain() {
    socket_.async_read_some(net::buffer(drain_),
                            [self = shared_from_this()](error_code ec, size_t) {
                              if (ec || self->phase_ == Phase::kClosed) return self->Close();
                              self->Drain();
                            });
  }

  void Close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    CancelTimer();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void ArmTimer(Duration d) {
    const uint64_t generation = ++timer_generation_;
    timer_.expires_after(d);
    timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (!ec) self->OnTimer(generation);
    });
  }

  void CancelTimer() {
    ++timer_generation_;  // an expiry already queued is ignored
    timer_.cancel();
  }

  void OnTimer(uint64_t generation) {
    if (generation != timer_generation_) return;
    switch (phase_) {
      case Phase::kReadingHeader:
      case Phase::kReadingBody: {
        // Slow client (slowloris): stop reading; the read completes with operation_aborted and
        // OnReadError answers 408.
        timed_out_ = true;
        error_code ignored;
        socket_.cancel(ignored);
        return;
      }
      case Phase::kIdle:
      case Phase::kWriting:
      case Phase::kLingering:
        return Close();
      case Phase::kHandling:
      case Phase::kClosed:
        return;
    }
  }

  tcp::socket socket_;
  net::steady_timer timer_;
  std::shared_ptr<Shared> shared_;
  const std::string remote_;

  Phase phase_ = Phase::kIdle;
  boost::beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::string_body>> response_;  // alive while being written
  unsigned version_ = 11;
  bool timed_out_ = false;
  uint64_t timer_generation_ = 0;
  std::array<char, kReadChunk> drain_{};
};

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

class Server::Impl {
 public:
  explicit Impl(std::shared_ptr<Shared> shared)
      : shared_(std::move(shared)),
        ioc_(shared_->options.io_threads),
        accept_strand_(net::make_strand(ioc_)),
        acceptor_(accept_strand_),
        accept_retry_(accept_strand_),
        work_(net::make_work_guard(ioc_)) {}

  ~Impl() { Stop(); }

  Status Listen() {
    error_code ec;
    const auto address = net::ip::make_address(shared_->options.address, ec);
    if (ec) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "invalid listen address '" + shared_->options.address + "'");
    }
    const tcp::endpoint endpoint(address, shared_->options.port);
    const std::string where =
        shared_->options.address + ":" + std::to_string(shared_->options.port);
    if (acceptor_.open(endpoint.protocol(), ec); ec) {
      return Unexpected(ErrorCode::kUnavailable, "open socket for " + where + ": " + ec.message());
    }
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (acceptor_.bind(endpoint, ec); ec) {
      return Unexpected(ErrorCode::kUnavailable, "bind " + where + ": " + ec.message());
    }
    if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec) {
      return Unexpected(ErrorCode::kUnavailable, "listen on " + where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return Unexpected(ErrorCode::kUnavailable, "local endpoint: " + ec.message());
    return OkStatus();
  }

  void Run() {
    net::post(accept_strand_, [this] { Accept(); });
    for (int i = 0; i < shared_->options.io_threads; ++i) {
      threads_.emplace_back([this] {
        // Handlers catch what they can; anything left (bad_alloc) must not kill the process.
        for (;;) {
          try {
            ioc_.run();
            return;
          } catch (...) {
          }
        }
      });
    }
  }

  uint16_t port() const { return port_; }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      if (stopped_) return;
      stopped_ = true;
    }
    shared_->stopping.store(true);
    net::post(accept_strand_, [this] {
      error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
    });
    for (auto& session : Snapshot()) session->PostStop();
    std::unique_lock<std::mutex> lock(shared_->mu);
    const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
    shared_->sessions_changed.wait_until(lock, deadline, [&] { return shared_->sessions.empty(); });
    lock.unlock();
    for (auto& session : Snapshot()) session->PostForceClose();
    lock.lock();
    shared_->sessions_changed.wait_for(lock, std::chrono::milliseconds(500),
                                       [&] { return shared_->sessions.empty(); });
    lock.unlock();
    work_.reset();
    ioc_.stop();  // whatever is left is destroyed with the io_context
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::vector<std::shared_ptr<Session>> Snapshot() {
    std::vector<std::shared_ptr<Session>> out;
    std::lock_guard<std::mutex> lock(shared_->mu);
    out.reserve(shared_->sessions.size());
    for (auto& [ptr, weak] : shared_->sessions) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
      OnAccept(ec, std::move(socket));
    });
  }

  void OnAccept(error_code ec, tcp::socket socket) {
    if (!acceptor_.is_open() || shared_->stopping.load()) return;
    if (ec) {
      // Out of descriptors or a connection reset before accept: try again shortly.
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](error_code wec) {
        if (!wec && acceptor_.is_open()) Accept();
      });
      return;
    }
    error_code ignored;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) {  // reset by the peer already
      socket.close(ignored);
      return Accept();
    }
    socket.set_option(tcp::no_delay(true), ignored);
    bool full = false;
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      full = shared_->sessions.size() >= static_cast<size_t>(shared_->options.max_connections);
    }
    if (full) {
      socket.close(ignored);
    } else {
      std::make_shared<Session>(std::move(socket), shared_, FormatEndpoint(remote))->Start();
    }
    Accept();
  }

  std::shared_ptr<Shared> shared_;
  net::io_context ioc_;
  net::strand<net::io_context::executor_type> accept_strand_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_retry_;
  // Keeps run() from returning while the server is up: once the acceptor is closed and the last
  // connection ends, the io_context runs out of work, and without this the threads would exit
  // and strand posts from Stop() (or anything later) would never run.
  net::executor_work_guard<net::io_context::executor_type> work_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::mutex stop_mu_;
  bool stopped_ = false;
};

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler handler,
                                              RejectionResponder reject) {
  if (options.io_threads < 1) {
    return Unexpected(ErrorCode::kInvalidArgument, "io_threads must be at least 1");
  }
  if (options.max_connections < 1) {
    return Unexpected(ErrorCode::kInvalidArgument, "max_connections must be at least 1");
  }
  if (!handler) return Unexpected(ErrorCode::kInvalidArgument, "handler is empty");
  try {
    auto shared = std::make_shared<Shared>();
    shared->options = options;
    shared->handler = std::move(handler);
    shared->reject = std::move(reject);
    auto impl = std::make_unique<Impl>(std::move(shared));
    SECPLAT_RETURN_IF_ERROR(impl->Listen());
    impl->Run();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  } catch (const std::exception& e) {  // thread creation, allocation
    return Unexpected(ErrorCode::kUnavailable, std::string("start server: ") + e.what());
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace secplat::adapters::http
