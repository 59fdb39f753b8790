#include "adapters/probe/curl_prober.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <coroutine>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "adapters/probe/error_map.h"
#include "adapters/probe/tls_inspect.h"
#include "core/netpolicy/address.h"

namespace secplat::adapters::probe {

using core::model::HttpProbeRequest;
using core::model::HttpProbeResult;
using core::model::ProbeError;
using core::model::ProbeTimings;
using core::model::RedirectHop;
using core::model::TcpConnectRequest;
using core::model::TcpConnectResult;
using core::model::TlsHandshakeRequest;
using core::model::TlsHandshakeResult;
using core::model::TlsProbeOptions;
using core::model::TlsSessionInfo;
using core::model::TlsVersion;
using core::netpolicy::AddressPolicy;
using core::netpolicy::IpAddress;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kDefaultCaFile = "/etc/ssl/certs/ca-certificates.crt";

enum class Kind { kHttp, kTls, kTcp };

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

Duration Micros(curl_off_t us) {
  return std::chrono::duration_cast<Duration>(std::chrono::microseconds(us < 0 ? 0 : us));
}

// A URL split by curl's own parser (the same one the transfer uses).
struct ParsedUrl {
  std::string scheme;  // lower-case
  std::string host;    // as curl reports it ("[::1]" for IPv6)
  std::string port;
};

std::optional<ParsedUrl> ParseUrl(const std::string& url, std::string* error) {
  CURLU* u = curl_url();
  if (u == nullptr) {
    *error = "out of memory";
    return std::nullopt;
  }
  std::optional<ParsedUrl> out;
  CURLUcode rc = curl_url_set(u, CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK) {
    *error = std::string("invalid URL: ") + curl_url_strerror(rc);
  } else {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = ParsedUrl{Lower(scheme), host, port};
    } else {
      *error = "invalid URL: no host";
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
  return out;
}

std::string Unbracket(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

std::string HostForUrl(const std::string& host) {
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

int OpensslVersion(TlsVersion v) {
  switch (v) {
    case TlsVersion::kTls10:
      return TLS1_VERSION;
    case TlsVersion::kTls11:
      return TLS1_1_VERSION;
    case TlsVersion::kTls12:
      return TLS1_2_VERSION;
    case TlsVersion::kTls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// What one transfer is asked to do.
struct TransferSpec {
  Kind kind = Kind::kHttp;
  std::string url;
  std::string host;      // unbracketed, for the hostname check
  std::string host_key;  // "host:port", the per-host concurrency key
  bool https = false;
  bool host_is_name = false;
  std::string resolve;  // CURLOPT_RESOLVE entry for a static host, or empty
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Duration connect_timeout{};
  Duration timeout{};
  int64_t max_body = 0;
  bool truncate_ok = false;
  TlsProbeOptions tls;
};

// What one transfer produced.
struct Exchange {
  ProbeError error = ProbeError::kNone;
  std::string detail;
  int status = 0;
  std::string http_version;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool body_truncated = false;
  std::string redirect_url;
  std::string remote_ip;
  ProbeTimings timings;
  std::optional<TlsSessionInfo> tls;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
//
// Threads: N EventLoops, each with its own curl multi handle, epoll set and thread. A transfer
// belongs to one loop for its whole life (the loop of the thread that awaited it, or the next
// in turn for other threads): it is admitted, started, finished and resumed there. What spans
// loops is the admission state (per-host and global slots, their FIFOs) under `adm_mu_`: when a
// finishing transfer frees a slot for a transfer of another loop, that one is handed to its own
// loop's inbox. Stop: `stop_requested_` is set under `adm_mu_`, after which nothing is moved
// between queues; each loop then fails its own transfers wherever they wait.

class CurlProber::Impl {
 public:
  class EventLoop;

  struct Transfer {
    Impl* impl = nullptr;
    EventLoop* loop = nullptr;  // the loop that runs and resumes it
    uint64_t id = 0;
    TransferSpec spec;
    CURL* easy = nullptr;
    curl_slist* header_list = nullptr;
    curl_slist* resolve_list = nullptr;
    char errbuf[CURL_ERROR_SIZE] = {};
    int header_lines = 0;
    int64_t header_bytes = 0;
    bool got_status = false;
    bool too_large = false;
    std::string too_large_detail;
    bool blocked = false;
    std::string blocked_reason;
    bool tcp_connected = false;   // a socket of this transfer had a peer when curl closed it
    bool admitted = false;        // holds a per-host and a global slot
    bool running = false;         // handed to curl
    bool handshake_slot = false;  // holds one of its loop's handshake slots
    Exchange out;
    std::coroutine_handle<> waiter;
  };

  // co_await Run(spec): one transfer; resumes on the transfer's loop thread.
  struct RunAwaiter {
    Impl* impl;
    std::unique_ptr<Transfer> transfer;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      transfer->waiter = h;
      impl->Submit(transfer.get());  // may resume `h` on a loop thread at any time from here
    }
    Exchange await_resume() { return std::move(transfer->out); }
  };

  // One event loop: a curl multi handle driven by epoll on its own thread.
  class EventLoop {
   public:
    EventLoop(Impl* impl, int index) : impl_(impl), index_(index) {}
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    Status Init();
    void Start() {
      thread_ = std::thread([this] { Run(); });
    }
    void Join() {
      if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
    }
    bool IsCurrentThread() const { return std::this_thread::get_id() == thread_.get_id(); }

    void Post(std::function<void()> fn);  // thread-safe
    void Wake();                          // thread-safe
    // Hands an admitted transfer of this loop to it from another loop (caller holds adm_mu_).
    void PushInbox(Transfer* t);

    // Loop thread only.
    void Admit(Transfer* t);

   private:
    friend class Impl;
    void Run();
    void RunPosted();
    void DrainInbox();
    void ProcessDone();
    void ResumeReady();
    void StartOrWaitForHandshake(Transfer* t);
    void StartHandshakes();
    void ReleaseHandshake(Transfer* t);
    void Launch(Transfer* t);
    void FailNow(Transfer* t, ProbeError error, std::string detail);
    void Finish(Transfer* t, CURLcode code);
    void Release(Transfer* t);
    void AbortAll();
    bool Idle();

    static int SocketCallback(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
    static int TimerCallback(CURLM* multi, long timeout_ms, void* userp);
    static int CloseSocket(void* clientp, curl_socket_t fd);
    // Replaces OpenSSL's X509_verify_cert in the handshake: the same verification, with its
    // result reused for identical chains within options.verify_cache_ttl.
    static int VerifyChain(X509_STORE_CTX* ctx, void* arg);

    Impl* impl_;
    int index_;
    CURLM* multi_ = nullptr;
    int epoll_fd_ = -1;
    int event_fd_ = -1;
    std::thread thread_;

    // Loop-thread state.
    bool timer_armed_ = false;
    Clock::time_point timer_deadline_{};
    std::vector<Transfer*> running_set_;            // handed to curl (for AbortAll)
    std::unordered_map<uint64_t, Transfer*> live_;  // running transfers by id (TLS callbacks)
    uint64_t next_id_ = 1;
    std::unordered_map<curl_socket_t, uint64_t> socket_owner_;  // open sockets -> transfer id
    std::vector<std::coroutine_handle<>> ready_;
    std::vector<CURL*> idle_easy_;          // reset handles of finished HTTP transfers, for reuse
    int handshakes_ = 0;                    // transfers holding a handshake slot
    std::deque<Transfer*> handshake_wait_;  // admitted, waiting for a handshake slot
    bool handshake_freed_ = false;          // a slot was freed inside a curl callback
    struct Verified {
      int error = X509_V_OK;  // X509_STORE_CTX_get_error after X509_verify_cert
      std::time_t recheck_at = 0;
    };
    // Security level + DER of the served chain -> its verification result.
    std::unordered_map<std::string, Verified> verified_;

    // Cross-thread.
    std::mutex post_mu_;
    std::vector<std::function<void()>> posted_;
    std::vector<Transfer*> inbox_;  // admitted by another loop's release; guarded by post_mu_
    std::atomic<bool> exited_{false};
  };

  Impl(CurlProberOptions options, AddressPolicy policy)
      : options_(std::move(options)), policy_(std::move(policy)) {}
  ~Impl();

  Status Init();
  void Start() {
    for (auto& loop : loops_) loop->Start();
  }

  Task<HttpProbeResult> Http(HttpProbeRequest request);
  Task<TlsHandshakeResult> TlsHandshake(TlsHandshakeRequest request);
  Task<TcpConnectResult> TcpConnect(TcpConnectRequest request);

  RunAwaiter Run(TransferSpec spec) {
    auto t = std::make_unique<Transfer>();
    t->impl = this;
    t->spec = std::move(spec);
    return RunAwaiter{this, std::move(t)};
  }

  void Post(std::function<void()> fn) { NextLoop()->Post(std::move(fn)); }
  void Stop();
  bool OnLoopThread() const { return CurrentLoop() != nullptr; }
  CurlProberStats stats() const;

 private:
  struct HostSlots {
    int reserved = 0;  // admitted + waiting for a global slot
    std::deque<Transfer*> waiting;
  };
  enum class Admission { kStart, kQueued, kStopped };

  friend class CurlProber;

  EventLoop* CurrentLoop() const;
  EventLoop* NextLoop() {
    size_t i = next_loop_.fetch_add(1, std::memory_order_relaxed);
    return loops_[i % loops_.size()].get();
  }
  void Submit(Transfer* t);
  // Per-host and global slots for `t` (any loop thread).
  Admission Admit(Transfer* t);
  // Frees `t`'s slots; transfers of `self` that may start now go to `start_here`, those of other
  // loops to their inboxes.
  void ReleaseSlots(Transfer* t, EventLoop* self, std::vector<Transfer*>* start_here);
  // At stop: removes the transfers of `loop` from the shared FIFOs and its inbox.
  std::vector<Transfer*> TakeWaiting(EventLoop* loop);
  void CountInFlight(int delta);

  static int LoopIndex() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }
  static int IdIndex() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
  }
  static curl_socket_t OpenSocket(void* clientp, curlsocktype purpose, curl_sockaddr* address);
  static size_t HeaderCallback(char* data, size_t size, size_t n, void* userp);
  static size_t WriteCallback(char* data, size_t size, size_t n, void* userp);
  static CURLcode SslCtxCallback(CURL* easy, void* ssl_ctx, void* userp);
  static void InfoCallback(const SSL* ssl, int where, int ret);

  CurlProberOptions options_;
  AddressPolicy policy_;
  std::string ca_file_;
  X509_STORE* ca_store_ = nullptr;
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::atomic<size_t> next_loop_{0};

  // Admission state shared by the loops.
  std::mutex adm_mu_;
  std::unordered_map<std::string, HostSlots> hosts_;
  std::deque<Transfer*> global_waiting_;
  int admitted_ = 0;  // transfers holding a global slot
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> stopped_{false};

  // Stats (relaxed counters; a snapshot may mix moments).
  std::atomic<int64_t> started_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> blocked_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> queued_{0};
  std::atomic<int> peak_in_flight_{0};
  std::atomic<int64_t> verify_cache_hits_{0};
};

namespace {
// The loop whose thread this is (of whichever prober), or null.
thread_local const void* current_loop = nullptr;
}  // namespace

CurlProber::Impl::EventLoop* CurlProber::Impl::CurrentLoop() const {
  auto* loop = static_cast<EventLoop*>(const_cast<void*>(current_loop));
  return loop != nullptr && loop->impl_ == this ? loop : nullptr;
}

CurlProber::Impl::~Impl() {
  loops_.clear();
  if (ca_store_ != nullptr) X509_STORE_free(ca_store_);
}

CurlProber::Impl::EventLoop::~EventLoop() {
  for (CURL* e : idle_easy_) curl_easy_cleanup(e);
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (event_fd_ >= 0) ::close(event_fd_);
}

Status CurlProber::Impl::Init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  ca_file_ = options_.ca_file.empty() ? kDefaultCaFile : options_.ca_file;
  {
    std::ifstream in(ca_file_);
    if (!in)
      return Unexpected(ErrorCode::kInvalidArgument, "CA file '" + ca_file_ + "' is not readable");
  }
  ca_store_ = X509_STORE_new();
  if (ca_store_ == nullptr || X509_STORE_load_file(ca_store_, ca_file_.c_str()) != 1) {
    ERR_clear_error();
    return Unexpected(ErrorCode::kInvalidArgument,
                      "CA file '" + ca_file_ + "' holds no PEM certificate");
  }
  for (const auto& [name, ip] : options_.static_hosts) {
    if (!IpAddress::Parse(ip).has_value()) {
      return Unexpected(ErrorCode::kInvalidArgument,
                        "static_hosts['" + name + "']: '" + ip + "' is not an IP address");
    }
  }
  if (options_.max_connections_per_host < 1 || options_.max_in_flight < 1) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "max_connections_per_host and max_in_flight must be at least 1");
  }
  if (options_.loop_threads < 0 || options_.loop_threads > 64) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "loop_threads must be 0 (one per core) to 64, got " +
                          std::to_string(options_.loop_threads));
  }
  if (options_.max_handshakes_per_loop < 0) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "max_handshakes_per_loop must be 0 (no cap) or more");
  }
  int n = options_.loop_threads;
  if (n == 0) n = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 64);
  for (int i = 0; i < n; ++i) {
    loops_.push_back(std::make_unique<EventLoop>(this, i));
    SECPLAT_RETURN_IF_ERROR(loops_.back()->Init());
  }
  return OkStatus();
}

Status CurlProber::Impl::EventLoop::Init() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  event_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || event_fd_ < 0)
    return Unexpected(ErrorCode::kInternal, "epoll/eventfd failed");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = event_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, event_fd_, &ev) != 0) {
    return Unexpected(ErrorCode::kInternal, "epoll_ctl failed");
  }
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return Unexpected(ErrorCode::kInternal, "curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &EventLoop::SocketCallback);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &EventLoop::TimerCallback);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // Idle connections kept for reuse (only when reuse_connections; per loop).
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, impl_->options_.reuse_connections ? 256L : 0L);
  return OkStatus();
}

CurlProberStats CurlProber::Impl::stats() const {
  CurlProberStats s;
  s.started = started_.load(std::memory_order_relaxed);
  s.completed = completed_.load(std::memory_order_relaxed);
  s.blocked = blocked_.load(std::memory_order_relaxed);
  s.in_flight = in_flight_.load(std::memory_order_relaxed);
  s.queued = queued_.load(std::memory_order_relaxed);
  s.peak_in_flight = peak_in_flight_.load(std::memory_order_relaxed);
  s.loop_threads = static_cast<int>(loops_.size());
  s.verify_cache_hits = verify_cache_hits_.load(std::memory_order_relaxed);
  return s;
}

void CurlProber::Impl::CountInFlight(int delta) {
  int now = in_flight_.fetch_add(delta, std::memory_order_relaxed) + delta;
  int peak = peak_in_flight_.load(std::memory_order_relaxed);
  while (now > peak && !peak_in_flight_.compare_exchange_weak(peak, now)) {
  }
}

// ------------------------------- callbacks (loop thread) -------------------------------------

int CurlProber::Impl::EventLoop::SocketCallback(CURL*, curl_socket_t s, int what, void* userp,
                                                void* socketp) {
  auto* self = static_cast<EventLoop*>(userp);
  if (what == CURL_POLL_REMOVE) {
    ::epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, s, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = s;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
  if (socketp == nullptr) {
    if (::epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, s, &ev) != 0 && errno == EEXIST) {
      ::epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev);
    }
    curl_multi_assign(self->multi_, s, self);  // marks "registered"
  } else if (::epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, s, &ev) != 0 && errno == ENOENT) {
    ::epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, s, &ev);
  }
  return 0;
}

int CurlProber::Impl::EventLoop::TimerCallback(CURLM*, long timeout_ms, void* userp) {
  auto* self = static_cast<EventLoop*>(userp);
  if (timeout_ms < 0) {
    self->timer_armed_ = false;
  } else {
    self->timer_armed_ = true;
    self->timer_deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

curl_socket_t CurlProber::Impl::OpenSocket(void* clientp, curlsocktype purpose,
                                           curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(clientp);
  if (purpose != CURLSOCKTYPE_IPCXN || address == nullptr) return CURL_SOCKET_BAD;
  std::optional<IpAddress> ip;
  if (address->family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &address->addr, sizeof(sin));
    const auto* b = reinterpret_cast<const uint8_t*>(&sin.sin_addr.s_addr);
    ip = IpAddress::V4(b[0], b[1], b[2], b[3]);
  } else if (address->family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &address->addr, sizeof(sin6));
    std::array<uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &sin6.sin6_addr, 16);
    ip = IpAddress::V6(bytes);
  }
  if (!ip) {
    t->blocked = true;
    t->blocked_reason = "address family " + std::to_string(address->family) + " is not IP";
    return CURL_SOCKET_BAD;
  }
  core::netpolicy::Verdict v = t->impl->policy_.Check(*ip);
  if (!v.allowed) {
    t->blocked = true;
    t->blocked_reason = v.reason;
    t->impl->blocked_.fetch_add(1, std::memory_order_relaxed);
    return CURL_SOCKET_BAD;
  }
  curl_socket_t fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd != CURL_SOCKET_BAD) t->loop->socket_owner_[fd] = t->id;
  return fd;
}

// curl closes a socket: remember whether it had connected (getpeername works only then). The
// connect timer alone cannot tell: curl 7.88 reports 0 for it when the TLS step then fails.
int CurlProber::Impl::EventLoop::CloseSocket(void* clientp, curl_socket_t fd) {
  auto* self = static_cast<EventLoop*>(clientp);
  auto owner = self->socket_owner_.find(fd);
  if (owner != self->socket_owner_.end()) {
    auto it = self->live_.find(owner->second);
    // A response header means it had connected; otherwise ask the socket.
    if (it != self->live_.end() && !it->second->got_status && !it->second->tcp_connected) {
      sockaddr_storage peer{};
      socklen_t len = sizeof(peer);
      if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
        it->second->tcp_connected = true;
      }
    }
    self->socket_owner_.erase(owner);
  }
  return ::close(fd);
}

namespace {

std::time_t AsnTimeT(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return ::timegm(&tm);
}

// Appends the DER of `cert` to `out`; false if it cannot be encoded.
bool AppendDer(X509* cert, std::string& out) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return false;
  size_t at = out.size();
  out.resize(at + static_cast<size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(out.data() + at);
  return i2d_X509(cert, &p) == len;
}

}  // namespace

int CurlProber::Impl::EventLoop::VerifyChain(X509_STORE_CTX* ctx, void* arg) {
  auto* self = static_cast<EventLoop*>(arg);
  constexpr size_t kMaxEntries = 4096;
  std::string key(
      1, static_cast<char>('0' + X509_VERIFY_PARAM_get_auth_level(X509_STORE_CTX_get0_param(ctx))));
  STACK_OF(X509)* served = X509_STORE_CTX_get0_untrusted(ctx);  // the peer's chain, leaf first
  bool keyed = true;
  if (served != nullptr && sk_X509_num(served) > 0) {
    for (int i = 0; i < sk_X509_num(served) && keyed; ++i) {
      keyed = AppendDer(sk_X509_value(served, i), key);
    }
  } else {
    keyed =
        X509_STORE_CTX_get0_cert(ctx) != nullptr && AppendDer(X509_STORE_CTX_get0_cert(ctx), key);
  }
  std::time_t now = std::time(nullptr);
  if (keyed) {
    auto it = self->verified_.find(key);
    if (it != self->verified_.end()) {
      if (now < it->second.recheck_at) {
        self->impl_->verify_cache_hits_.fetch_add(1, std::memory_order_relaxed);
        X509_STORE_CTX_set_error(ctx, it->second.error);
        return it->second.error == X509_V_OK ? 1 : 0;
      }
      self->verified_.erase(it);
    }
  }
  int ok = X509_verify_cert(ctx);
  if (!keyed) return ok;
  Verified v{.error = X509_STORE_CTX_get_error(ctx)};
  auto ttl =
      std::chrono::duration_cast<std::chrono::seconds>(self->impl_->options_.verify_cache_ttl);
  v.recheck_at = now + static_cast<std::time_t>(ttl.count());
  // Never past the moment a certificate involved expires or becomes valid.
  auto bound = [&](STACK_OF(X509) * certs) {
    for (int i = 0; certs != nullptr && i < sk_X509_num(certs); ++i) {
      X509* c = sk_X509_value(certs, i);
      std::time_t not_after = AsnTimeT(X509_get0_notAfter(c));
      std::time_t not_before = AsnTimeT(X509_get0_notBefore(c));
      v.recheck_at = std::min(v.recheck_at, not_after + 1);
      if (not_before > now) v.recheck_at = std::min(v.recheck_at, not_before);
    }
  };
  bound(served);
  bound(X509_STORE_CTX_get0_chain(ctx));
  if (v.recheck_at > now) {
    if (self->verified_.size() >= kMaxEntries) self->verified_.clear();
    self->verified_.emplace(std::move(key), v);
  }
  return ok;
}

size_t CurlProber::Impl::HeaderCallback(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t len = size * n;
  const CurlProberOptions& opt = t->impl->options_;
  t->header_bytes += static_cast<int64_t>(len);
  if (t->header_bytes > opt.max_header_bytes) {
    t->too_large = true;
    t->too_large_detail =
        "response headers exceed " + std::to_string(opt.max_header_bytes) + " bytes";
    return 0;
  }
  std::string_view line(data, len);
  if (line.substr(0, 5) == "HTTP/") {
    // A new status line (after a 1xx interim response too): start the header list afresh.
    t->got_status = true;
    t->out.headers.clear();
    return len;
  }
  std::string_view trimmed = Trim(line);
  if (trimmed.empty()) return len;  // end of the block
  if (line.front() == ' ' || line.front() == '\t') {
    if (!t->out.headers.empty()) {  // obsolete line folding
      t->out.headers.back().second += " ";
      t->out.headers.back().second += trimmed;
    }
    return len;
  }
  if (++t->header_lines > opt.max_header_count) {
    t->too_large = true;
    t->too_large_detail = "more than " + std::to_string(opt.max_header_count) + " response headers";
    return 0;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;  // not a header; curl decides on validity
  t->out.headers.emplace_back(Lower(Trim(line.substr(0, colon))),
                              std::string(Trim(line.substr(colon + 1))));
  return len;
}

size_t CurlProber::Impl::WriteCallback(char* data, size_t size, size_t n, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t len = size * n;
  int64_t room = t->spec.max_body - static_cast<int64_t>(t->out.body.size());
  if (static_cast<int64_t>(len) <= room) {
    t->out.body.append(data, len);
    return len;
  }
  if (room > 0) t->out.body.append(data, static_cast<size_t>(room));
  t->out.body_truncated = true;
  if (!t->spec.truncate_ok) {
    t->too_large = true;
    t->too_large_detail = "response body exceeds " + std::to_string(t->spec.max_body) + " bytes";
  }
  return 0;  // stop the transfer (an error curl reports as CURLE_WRITE_ERROR)
}

CURLcode CurlProber::Impl::SslCtxCallback(CURL*, void* ssl_ctx, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  const TlsProbeOptions& tls = t->spec.tls;
  if (tls.permissive) {
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
    SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT);
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  }
  if (tls.exact_version) {
    int v = OpensslVersion(*tls.exact_version);
    SSL_CTX_set_min_proto_version(ctx, v);
    SSL_CTX_set_max_proto_version(ctx, v);
  }
  // Read every certificate; the chain is judged after the handshake (SSL_get_verify_result)
  // against our CA store, which curl does not load when peer verification is off. One store,
  // parsed once, shared by every connection (reference-counted).
  SSL_CTX_set1_cert_store(ctx, t->impl->ca_store_);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  // Idle connections (waiting for a slow server) hold no TLS buffers: ~34 KiB each.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  // curl makes one SSL_CTX per connection: tag it with the transfer for InfoCallback.
  SSL_CTX_set_ex_data(ctx, LoopIndex(), t->loop);
  SSL_CTX_set_ex_data(ctx, IdIndex(), reinterpret_cast<void*>(static_cast<uintptr_t>(t->id)));
  SSL_CTX_set_info_callback(ctx, &Impl::InfoCallback);
  if (t->impl->options_.verify_cache_ttl > Duration(0)) {
    SSL_CTX_set_cert_verify_callback(ctx, &EventLoop::VerifyChain, t->loop);
  }
  return CURLE_OK;
}

// The handshake's end, while the connection is certainly alive: read the session here (works
// for CONNECT_ONLY too, where curl no longer exposes the SSL* once the transfer is done), and
// free the transfer's handshake slot.
void CurlProber::Impl::InfoCallback(const SSL* ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_DONE) == 0) return;
  SSL_CTX* ctx = SSL_get_SSL_CTX(ssl);
  auto* loop = static_cast<EventLoop*>(SSL_CTX_get_ex_data(ctx, LoopIndex()));
  auto id = reinterpret_cast<uintptr_t>(SSL_CTX_get_ex_data(ctx, IdIndex()));
  if (loop == nullptr) return;
  auto it = loop->live_.find(id);  // the transfer may be gone (a reused connection)
  if (it == loop->live_.end()) return;
  Transfer* t = it->second;
  if (!t->out.tls.has_value()) t->out.tls = InspectSession(ssl, t->spec.host);
  if (t->handshake_slot) {
    loop->ReleaseHandshake(t);
    loop->handshake_freed_ = true;  // start the next one once curl has returned
  }
}

// ------------------------------- admission (any loop thread) ---------------------------------

void CurlProber::Impl::Submit(Transfer* t) {
  if (EventLoop* current = CurrentLoop()) {
    t->loop = current;
    current->Admit(t);
    return;
  }
  EventLoop* loop = NextLoop();
  t->loop = loop;
  loop->Post([loop, t] { loop->Admit(t); });
}

CurlProber::Impl::Admission CurlProber::Impl::Admit(Transfer* t) {
  std::lock_guard<std::mutex> lock(adm_mu_);
  if (stop_requested_.load()) return Admission::kStopped;
  HostSlots& slots = hosts_[t->spec.host_key];
  if (slots.reserved >= options_.max_connections_per_host) {
    slots.waiting.push_back(t);
    queued_.fetch_add(1, std::memory_order_relaxed);
    return Admission::kQueued;
  }
  ++slots.reserved;
  if (admitted_ >= options_.max_in_flight) {
    global_waiting_.push_back(t);
    queued_.fetch_add(1, std::memory_order_relaxed);
    return Admission::kQueued;
  }
  ++admitted_;
  t->admitted = true;
  return Admission::kStart;
}

void CurlProber::Impl::ReleaseSlots(Transfer* t, EventLoop* self,
                                    std::vector<Transfer*>* start_here) {
  std::lock_guard<std::mutex> lock(adm_mu_);
  if (!t->admitted) return;
  t->admitted = false;
  --admitted_;
  bool stopping = stop_requested_.load();
  auto hit = hosts_.find(t->spec.host_key);
  if (hit != hosts_.end()) {
    HostSlots& slots = hit->second;
    --slots.reserved;
    if (!slots.waiting.empty() && !stopping) {
      Transfer* next = slots.waiting.front();
      slots.waiting.pop_front();
      ++slots.reserved;
      global_waiting_.push_back(next);
    } else if (slots.reserved == 0 && slots.waiting.empty()) {
      hosts_.erase(hit);
    }
  }
  while (!stopping && admitted_ < options_.max_in_flight && !global_waiting_.empty()) {
    Transfer* next = global_waiting_.front();
    global_waiting_.pop_front();
    queued_.fetch_sub(1, std::memory_order_relaxed);
    ++admitted_;
    next->admitted = true;
    if (next->loop == self) {
      start_here->push_back(next);
    } else {
      next->loop->PushInbox(next);
    }
  }
}

std::vector<CurlProber::Impl::Transfer*> CurlProber::Impl::TakeWaiting(EventLoop* loop) {
  std::vector<Transfer*> mine;
  std::lock_guard<std::mutex> lock(adm_mu_);
  auto take = [&](std::deque<Transfer*>& q) {
    for (auto it = q.begin(); it != q.end();) {
      if ((*it)->loop == loop) {
        mine.push_back(*it);
        it = q.erase(it);
      } else {
        ++it;
      }
    }
  };
  take(global_waiting_);
  for (auto& [key, slots] : hosts_) take(slots.waiting);
  queued_.fetch_sub(static_cast<int>(mine.size()), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> inbox_lock(loop->post_mu_);
    mine.insert(mine.end(), loop->inbox_.begin(), loop->inbox_.end());
    loop->inbox_.clear();
  }
  return mine;
}

// ------------------------------- scheduling (loop thread) ------------------------------------

void CurlProber::Impl::EventLoop::Admit(Transfer* t) {
  switch (impl_->Admit(t)) {
    case Admission::kStopped:
      FailNow(t, ProbeError::kProbeError, "prober stopped");
      break;
    case Admission::kQueued:
      break;
    case Admission::kStart:
      StartOrWaitForHandshake(t);
      break;
  }
}

void CurlProber::Impl::EventLoop::StartOrWaitForHandshake(Transfer* t) {
  bool tls = t->spec.https || t->spec.kind == Kind::kTls;
  int cap = impl_->options_.max_handshakes_per_loop;
  if (tls && cap > 0) {
    if (handshakes_ >= cap) {
      handshake_wait_.push_back(t);
      impl_->queued_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    ++handshakes_;
    t->handshake_slot = true;
  }
  Launch(t);
}

void CurlProber::Impl::EventLoop::ReleaseHandshake(Transfer* t) {
  if (!t->handshake_slot) return;
  t->handshake_slot = false;
  --handshakes_;
}

// Starts waiting handshakes while slots are free (never inside a curl callback).
void CurlProber::Impl::EventLoop::StartHandshakes() {
  handshake_freed_ = false;
  int cap = impl_->options_.max_handshakes_per_loop;
  while (!handshake_wait_.empty() && (cap == 0 || handshakes_ < cap) &&
         !impl_->stop_requested_.load()) {
    Transfer* t = handshake_wait_.front();
    handshake_wait_.pop_front();
    impl_->queued_.fetch_sub(1, std::memory_order_relaxed);
    ++handshakes_;
    t->handshake_slot = true;
    Launch(t);
  }
}

void CurlProber::Impl::EventLoop::FailNow(Transfer* t, ProbeError error, std::string detail) {
  t->out.error = error;
  t->out.detail = std::move(detail);
  ready_.push_back(t->waiter);
  Wake();  // ResumeReady runs in the loop, never inside the caller's await_suspend
}

// Frees `t`'s slots and starts whoever waits for them.
void CurlProber::Impl::EventLoop::Release(Transfer* t) {
  live_.erase(t->id);
  if (t->running) {
    t->running = false;
    impl_->CountInFlight(-1);
    auto it = std::find(running_set_.begin(), running_set_.end(), t);
    if (it != running_set_.end()) {
      *it = running_set_.back();
      running_set_.pop_back();
    }
  }
  ReleaseHandshake(t);
  std::vector<Transfer*> start_here;
  impl_->ReleaseSlots(t, this, &start_here);
  for (Transfer* next : start_here) StartOrWaitForHandshake(next);
  StartHandshakes();
}

void CurlProber::Impl::EventLoop::Launch(Transfer* t) {
  const CurlProberOptions& opt = impl_->options_;
  CURL* e = nullptr;
  if (!idle_easy_.empty()) {
    e = idle_easy_.back();  // reset when it was put back
    idle_easy_.pop_back();
  } else {
    e = curl_easy_init();
  }
  if (e == nullptr) {
    Release(t);
    FailNow(t, ProbeError::kProbeError, "curl_easy_init failed");
    return;
  }
  t->easy = e;
  t->id = next_id_++;
  const TransferSpec& s = t->spec;
  curl_easy_setopt(e, CURLOPT_PRIVATE, t);
  curl_easy_setopt(e, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  // 16 KiB by default per handle; probes read small pages, and a thousand in flight add up.
  curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 8192L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, &Impl::OpenSocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, &EventLoop::CloseSocket);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, s.connect_timeout.count())));
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, s.timeout.count())));
  if (!opt.reuse_connections || s.kind != Kind::kHttp) {
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    // CONNECT_ONLY keeps its connection with the handle until cleanup (we read the TLS
    // session there); closing it at "done" would lose the SSL*.
    if (s.kind == Kind::kHttp) curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  if (!s.resolve.empty()) {
    t->resolve_list = curl_slist_append(nullptr, s.resolve.c_str());
    curl_easy_setopt(e, CURLOPT_RESOLVE, t->resolve_list);
  }
  if (s.https) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(e, CURLOPT_CAINFO, impl_->ca_file_.c_str());
    curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);  // a CA path disables the CA store cache
    curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 86400L);
    curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);  // full handshake every time
    curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, &Impl::SslCtxCallback);
    curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, t);
    if (!s.tls.permissive && !s.tls.exact_version) {
      curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    }
  }
  if (s.kind != Kind::kHttp) {
    curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_USERAGENT, opt.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::HeaderCallback);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::WriteCallback);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    if (!s.truncate_ok)
      curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(s.max_body));
    t->header_list = curl_slist_append(t->header_list, "Expect:");
    for (const auto& [name, value] : s.headers) {
      std::string line = name + ": " + value;
      t->header_list = curl_slist_append(t->header_list, line.c_str());
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->header_list);
    if (s.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (s.method != "GET" || !s.body.empty()) {
      if (!s.body.empty() || s.method == "POST" || s.method == "PUT" || s.method == "PATCH") {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(s.body.size()));
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, s.body.c_str());
      }
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, s.method.c_str());
    }
  }
  CURLMcode rc = curl_multi_add_handle(multi_, e);
  if (rc != CURLM_OK) {
    Release(t);
    curl_easy_cleanup(e);
    t->easy = nullptr;
    FailNow(t, ProbeError::kProbeError,
            std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc));
    return;
  }
  t->running = true;
  running_set_.push_back(t);
  live_[t->id] = t;
  impl_->started_.fetch_add(1, std::memory_order_relaxed);
  impl_->CountInFlight(1);
}

void CurlProber::Impl::EventLoop::Finish(Transfer* t, CURLcode code) {
  CURL* e = t->easy;
  Exchange& out = t->out;
  curl_off_t nl = 0, conn = 0, app = 0, pre = 0, start = 0, total = 0;
  curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &nl);
  curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &conn);
  curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &app);
  curl_easy_getinfo(e, CURLINFO_PRETRANSFER_TIME_T, &pre);
  curl_easy_getinfo(e, CURLINFO_STARTTRANSFER_TIME_T, &start);
  curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
  out.timings.dns = Micros(nl);
  out.timings.connect = conn > 0 ? Micros(conn - nl) : Duration{};
  out.timings.tls = app > 0 ? Micros(app - conn) : Duration{};
  out.timings.first_byte = start > 0 ? Micros(start - std::max(pre, app)) : Duration{};
  out.timings.transfer = start > 0 ? Micros(total - start) : Duration{};
  out.timings.total = Micros(total);
  char* ip = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip != nullptr)
    out.remote_ip = ip;
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  out.status = static_cast<int>(status);
  long version = 0;
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
  switch (version) {
    case CURL_HTTP_VERSION_1_0:
      out.http_version = "1.0";
      break;
    case CURL_HTTP_VERSION_1_1:
      out.http_version = "1.1";
      break;
    case CURL_HTTP_VERSION_2_0:
      out.http_version = "2";
      break;
    case CURL_HTTP_VERSION_3:
      out.http_version = "3";
      break;
    default:
      break;
  }
  char* redirect = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redirect) == CURLE_OK && redirect != nullptr) {
    out.redirect_url = redirect;
  }
  long os_errno = 0;
  curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);

  bool truncated_ok = code == CURLE_WRITE_ERROR && out.body_truncated && !t->too_large;
  TransferFacts facts{.curl_code = truncated_ok ? 0 : static_cast<int>(code),
                      .os_errno = os_errno,
                      .blocked = t->blocked,
                      .too_large = t->too_large,
                      .https = t->spec.https,
                      .host_is_name = t->spec.host_is_name,
                      .resolved = nl > 0 || conn > 0,
                      .connected = conn > 0 || t->tcp_connected,
                      .tls_done = app > 0,
                      .header_received = t->got_status};
  out.error = ClassifyTransfer(facts);
  if (out.error == ProbeError::kBlockedByPolicy) {
    out.detail = t->blocked_reason;
  } else if (out.error == ProbeError::kTooLarge && !t->too_large_detail.empty()) {
    out.detail = t->too_large_detail;
  } else if (out.error != ProbeError::kNone) {
    out.detail = "curl error " + std::to_string(static_cast<int>(code)) + " (" +
                 curl_easy_strerror(code) + ")";
    if (t->errbuf[0] != '\0') out.detail += ": " + std::string(t->errbuf);
    if (os_errno != 0) out.detail += " [errno " + std::to_string(os_errno) + "]";
  }
  if (out.error != ProbeError::kNone && t->spec.kind != Kind::kHttp) out.tls.reset();

  curl_multi_remove_handle(multi_, e);
  // Keep the handle for the next transfer (saves its allocation and set-up). CONNECT_ONLY
  // handles are not kept: their connection stays with the handle until cleanup.
  constexpr size_t kMaxIdleHandles = 256;
  if (t->spec.kind == Kind::kHttp && idle_easy_.size() < kMaxIdleHandles) {
    curl_easy_reset(e);
    idle_easy_.push_back(e);
  } else {
    curl_easy_cleanup(e);
  }
  t->easy = nullptr;
  curl_slist_free_all(t->header_list);
  curl_slist_free_all(t->resolve_list);
  t->header_list = nullptr;
  t->resolve_list = nullptr;
  Release(t);
  ready_.push_back(t->waiter);
  impl_->completed_.fetch_add(1, std::memory_order_relaxed);
}

// ------------------------------------ the loop -----------------------------------------------

void CurlProber::Impl::EventLoop::Wake() {
  uint64_t one = 1;
  ssize_t n = ::write(event_fd_, &one, sizeof(one));
  (void)n;
}

void CurlProber::Impl::EventLoop::Post(std::function<void()> fn) {
  if (impl_->stopped_.load() || exited_.load()) return;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    posted_.push_back(std::move(fn));
  }
  Wake();
}

void CurlProber::Impl::EventLoop::PushInbox(Transfer* t) {
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    inbox_.push_back(t);
  }
  Wake();
}

void CurlProber::Impl::EventLoop::RunPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void CurlProber::Impl::EventLoop::DrainInbox() {
  std::vector<Transfer*> batch;
  {
    std::lock_guard<std::mutex> lock(post_mu_);
    batch.swap(inbox_);
  }
  for (Transfer* t : batch) StartOrWaitForHandshake(t);
}

void CurlProber::Impl::EventLoop::ProcessDone() {
  std::vector<std::pair<Transfer*, CURLcode>> done;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    Transfer* t = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
    if (t != nullptr) done.emplace_back(t, msg->data.result);
  }
  for (auto& [t, code] : done) Finish(t, code);
}

void CurlProber::Impl::EventLoop::ResumeReady() {
  // Resuming may start new transfers and complete others; drain until quiet.
  while (!ready_.empty()) {
    std::vector<std::coroutine_handle<>> batch;
    batch.swap(ready_);
    for (std::coroutine_handle<> h : batch) h.resume();
  }
}

// At stop: fails this loop's transfers, running or waiting anywhere (stop_requested_ is set, so
// no other loop hands this one anything from now on).
void CurlProber::Impl::EventLoop::AbortAll() {
  std::vector<Transfer*> all;
  all.swap(running_set_);
  live_.clear();
  for (Transfer* t : all) {
    curl_multi_remove_handle(multi_, t->easy);
    curl_easy_cleanup(t->easy);
    t->easy = nullptr;
    curl_slist_free_all(t->header_list);
    curl_slist_free_all(t->resolve_list);
    t->header_list = nullptr;
    t->resolve_list = nullptr;
    t->running = false;
    impl_->CountInFlight(-1);
    t->out = Exchange{};
    t->out.error = ProbeError::kProbeError;
    t->out.detail = "prober stopped";
    ready_.push_back(t->waiter);
  }
  handshakes_ = 0;
  for (Transfer* t : handshake_wait_) {
    impl_->queued_.fetch_sub(1, std::memory_order_relaxed);
    FailNow(t, ProbeError::kProbeError, "prober stopped");
  }
  handshake_wait_.clear();
  for (Transfer* t : impl_->TakeWaiting(this)) {
    FailNow(t, ProbeError::kProbeError, "prober stopped");
  }
}

bool CurlProber::Impl::EventLoop::Idle() {
  std::lock_guard<std::mutex> lock(post_mu_);
  return posted_.empty() && inbox_.empty() && ready_.empty() && running_set_.empty() &&
         handshake_wait_.empty();
}

void CurlProber::Impl::EventLoop::Run() {
  current_loop = this;
  std::vector<epoll_event> events(1024);
  while (true) {
    int wait_ms = -1;
    if (timer_armed_) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(timer_deadline_ - Clock::now());
      wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    if (!ready_.empty()) wait_ms = 0;
    int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), wait_ms);
    int still_running = 0;
    for (int i = 0; i < n; ++i) {
      int fd = events[static_cast<size_t>(i)].data.fd;
      uint32_t ev = events[static_cast<size_t>(i)].events;
      if (fd == event_fd_) {
        uint64_t count = 0;
        ssize_t r = ::read(event_fd_, &count, sizeof(count));
        (void)r;
        continue;
      }
      int mask = 0;
      if ((ev & EPOLLIN) != 0) mask |= CURL_CSELECT_IN;
      if ((ev & EPOLLOUT) != 0) mask |= CURL_CSELECT_OUT;
      if ((ev & (EPOLLERR | EPOLLHUP)) != 0) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(multi_, fd, mask, &still_running);
    }
    if (timer_armed_ && Clock::now() >= timer_deadline_) {
      timer_armed_ = false;
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &still_running);
    }
    ProcessDone();
    if (handshake_freed_) StartHandshakes();
    DrainInbox();
    RunPosted();
    ResumeReady();
    if (impl_->stop_requested_.load()) {
      AbortAll();
      ResumeReady();
      RunPosted();
      if (Idle()) break;
    }
  }
  exited_.store(true);
  current_loop = nullptr;
}

void CurlProber::Impl::Stop() {
  {
    std::lock_guard<std::mutex> lock(adm_mu_);
    stop_requested_.store(true);
  }
  for (auto& loop : loops_) loop->Wake();
  bool on_loop = false;
  for (auto& loop : loops_) {
    if (loop->IsCurrentThread()) {
      on_loop = true;  // Stop from a loop closure: that loop ends after the closure returns
    } else {
      loop->Join();
    }
  }
  if (!on_loop) stopped_.store(true);
}

// --------------------------------- the probes ------------------------------------------------

namespace {

// Fills the URL-derived fields of `spec`; an error message when the URL is not usable.
std::optional<std::string> PrepareTarget(const std::string& url, const CurlProberOptions& opt,
                                         TransferSpec* spec, bool redirect_hop) {
  std::string error;
  std::optional<ParsedUrl> parsed = ParseUrl(url, &error);
  if (!parsed) return error;
  if (parsed->scheme != "http" && parsed->scheme != "https") {
    return (redirect_hop ? "redirect to a non-HTTP(S) URL: " : "unsupported URL scheme: ") +
           parsed->scheme;
  }
  spec->url = url;
  spec->https = parsed->scheme == "https";
  spec->host = Unbracket(parsed->host);
  std::string host_lower = Lower(spec->host);
  spec->host_key = host_lower + ":" + parsed->port;
  auto it = opt.static_hosts.find(host_lower);
  if (it != opt.static_hosts.end()) {
    spec->resolve = parsed->host + ":" + parsed->port + ":" + HostForUrl(it->second);
    spec->host_is_name = false;
  } else {
    spec->host_is_name = !IpAddress::Parse(spec->host).has_value();
  }
  return std::nullopt;
}

void AddTimings(ProbeTimings& sum, const ProbeTimings& t) {
  sum.dns += t.dns;
  sum.connect += t.connect;
  sum.tls += t.tls;
  sum.first_byte += t.first_byte;
  sum.transfer += t.transfer;
}

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool ValidToken(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= 32 || c >= 127 || c == ':') return false;
  }
  return true;
}

}  // namespace

Task<HttpProbeResult> CurlProber::Impl::Http(HttpProbeRequest request) {
  HttpProbeResult result;
  result.final_url = request.url;
  auto started = Clock::now();
  Duration timeout = std::clamp(request.timeout, Duration(1), options_.max_timeout);
  auto deadline = started + timeout;
  int max_redirects = std::clamp(request.max_redirects, 0, options_.max_redirects);
  int64_t max_body = std::clamp<int64_t>(request.max_body_bytes, 0, options_.max_body_bytes);
  std::string method = request.method.empty() ? "GET" : request.method;
  std::string body = request.body;
  for (char c : method) {
    if (!std::isupper(static_cast<unsigned char>(c))) {
      result.error = ProbeError::kProbeError;
      result.error_detail = "invalid HTTP method '" + method + "'";
      co_return result;
    }
  }
  for (const auto& [name, value] : request.headers) {
    if (!ValidToken(name) || value.find_first_of("\r\n") != std::string::npos) {
      result.error = ProbeError::kProbeError;
      result.error_detail = "invalid request header '" + name + "'";
      co_return result;
    }
  }
  std::set<std::string> visited;
  std::string url = request.url;
  while (true) {
    visited.insert(url);
    TransferSpec spec;
    if (auto error = PrepareTarget(url, options_, &spec, !result.hops.empty())) {
      result.error = result.hops.empty() ? ProbeError::kProbeError : ProbeError::kBlockedByPolicy;
      result.error_detail = *error;
      break;
    }
    auto left = std::chrono::duration_cast<Duration>(deadline - Clock::now());
    if (left <= Duration(0)) {
      result.error = ProbeError::kTimeoutTotal;
      result.error_detail =
          "deadline reached after " + std::to_string(result.hops.size()) + " redirects";
      break;
    }
    spec.kind = Kind::kHttp;
    spec.method = method;
    spec.headers = request.headers;
    spec.body = body;
    spec.timeout = left;
    spec.connect_timeout = std::min(request.connect_timeout, left);
    spec.max_body = max_body;
    spec.truncate_ok = request.truncate_body_ok;
    spec.tls = request.tls;
    Exchange ex = co_await Run(std::move(spec));
    AddTimings(result.timings, ex.timings);
    result.status = ex.status;
    result.http_version = std::move(ex.http_version);
    result.headers = std::move(ex.headers);
    result.body = std::move(ex.body);
    result.body_truncated = ex.body_truncated;
    result.remote_ip = std::move(ex.remote_ip);
    result.tls = std::move(ex.tls);
    if (ex.error != ProbeError::kNone) {
      result.error = ex.error;
      result.error_detail = result.hops.empty()
                                ? std::move(ex.detail)
                                : "redirect hop " + std::to_string(result.hops.size()) + " to " +
                                      url + ": " + ex.detail;
      break;
    }
    if (!IsRedirect(result.status) || ex.redirect_url.empty() || max_redirects == 0) break;
    if (static_cast<int>(result.hops.size()) >= max_redirects) {
      result.error = ProbeError::kTooManyRedirects;
      result.error_detail = "more than " + std::to_string(max_redirects) + " redirects";
      break;
    }
    result.hops.push_back(RedirectHop{url, result.status, ex.redirect_url});
    if (visited.count(ex.redirect_url) > 0) {
      result.error = ProbeError::kTooManyRedirects;
      result.error_detail = "redirect loop: " + ex.redirect_url + " was already visited";
      break;
    }
    if (result.status == 303 ? method != "HEAD" : (result.status <= 302 && method == "POST")) {
      method = "GET";
      body.clear();
    }
    url = ex.redirect_url;
    result.final_url = url;
  }
  result.timings.total = std::chrono::duration_cast<Duration>(Clock::now() - started);
  co_return result;
}

Task<TlsHandshakeResult> CurlProber::Impl::TlsHandshake(TlsHandshakeRequest request) {
  TlsHandshakeResult result;
  TransferSpec spec;
  std::string url =
      "https://" + HostForUrl(request.host) + ":" + std::to_string(request.port) + "/";
  if (request.port <= 0 || request.port > 65535) {
    result.error = ProbeError::kProbeError;
    result.error_detail = "invalid port " + std::to_string(request.port);
    co_return result;
  }
  if (auto error = PrepareTarget(url, options_, &spec, false)) {
    result.error = ProbeError::kProbeError;
    result.error_detail = *error;
    co_return result;
  }
  spec.kind = Kind::kTls;
  spec.tls = request.tls;
  spec.timeout = std::clamp(request.timeout, Duration(1), options_.max_timeout);
  spec.connect_timeout = spec.timeout;
  Exchange ex = co_await Run(std::move(spec));
  result.error = ex.error;
  result.error_detail = std::move(ex.detail);
  result.remote_ip = std::move(ex.remote_ip);
  result.duration = ex.timings.total;
  if (ex.error == ProbeError::kNone) result.session = std::move(ex.tls);
  if (ex.error == ProbeError::kNone && !result.session) {
    result.error = ProbeError::kProbeError;
    result.error_detail = "handshake completed but no TLS session was readable";
  }
  co_return result;
}

Task<TcpConnectResult> CurlProber::Impl::TcpConnect(TcpConnectRequest request) {
  TcpConnectResult result;
  if (request.port <= 0 || request.port > 65535) {
    result.error = ProbeError::kProbeError;
    result.error_detail = "invalid port " + std::to_string(request.port);
    co_return result;
  }
  TransferSpec spec;
  std::string url = "http://" + HostForUrl(request.host) + ":" + std::to_string(request.port) + "/";
  if (auto error = PrepareTarget(url, options_, &spec, false)) {
    result.error = ProbeError::kProbeError;
    result.error_detail = *error;
    co_return result;
  }
  spec.kind = Kind::kTcp;
  spec.timeout = std::clamp(request.timeout, Duration(1), options_.max_timeout);
  spec.connect_timeout = spec.timeout;
  Exchange ex = co_await Run(std::move(spec));
  result.error = ex.error;
  result.error_detail = std::move(ex.detail);
  result.remote_ip = std::move(ex.remote_ip);
  result.duration = ex.timings.total;
  co_return result;
}

// --------------------------------- public facade ---------------------------------------------

Result<std::unique_ptr<CurlProber>> CurlProber::Create(CurlProberOptions options) {
  SECPLAT_ASSIGN_OR_RETURN(AddressPolicy policy, AddressPolicy::Compile(options.policy));
  // Host names compare lower-case.
  std::map<std::string, std::string> hosts;
  for (const auto& [name, ip] : options.static_hosts) hosts[Lower(name)] = ip;
  options.static_hosts = std::move(hosts);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(policy));
  SECPLAT_RETURN_IF_ERROR(impl->Init());
  impl->Start();
  return std::unique_ptr<CurlProber>(new CurlProber(std::move(impl)));
}

CurlProber::CurlProber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CurlProber::~CurlProber() { impl_->Stop(); }

Task<HttpProbeResult> CurlProber::Http(HttpProbeRequest request) {
  return impl_->Http(std::move(request));
}

Task<TlsHandshakeResult> CurlProber::TlsHandshake(TlsHandshakeRequest request) {
  return impl_->TlsHandshake(std::move(request));
}

Task<TcpConnectResult> CurlProber::TcpConnect(TcpConnectRequest request) {
  return impl_->TcpConnect(std::move(request));
}

void CurlProber::Post(std::function<void()> fn) { impl_->Post(std::move(fn)); }

void CurlProber::Stop() { impl_->Stop(); }

CurlProberStats CurlProber::stats() const { return impl_->stats(); }

bool CurlProber::OnLoopThread() const { return impl_->OnLoopThread(); }

}  // namespace secplat::adapters::probe
