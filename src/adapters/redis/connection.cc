#include "adapters/redis/connection.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

namespace secplat::adapters::redis {
namespace {

timeval ToTimeval(Duration d) {
  auto ms = std::max<int64_t>(1, d.count());
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  return tv;
}

bool ParseInt(std::string_view s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out.push_back(static_cast<char>(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// hiredis writes with write(2): a peer that went away (Redis restarting) would raise SIGPIPE
// and kill the process. Ignore SIGPIPE once, unless the application installed its own handler;
// the failed write then returns EPIPE and the connection reconnects.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      ::signal(SIGPIPE, SIG_IGN);
    }
  });
}

Unexpected Unavailable(std::string message) {
  return Unexpected(ErrorCode::kUnavailable, "redis: " + std::move(message));
}

}  // namespace

Result<Endpoint> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  auto bad = [&](const char* why) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "invalid redis url '" + std::string(url.substr(0, 128)) + "': " + why);
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("scheme must be redis://");
  std::string_view rest = url.substr(kScheme.size());
  Endpoint ep;
  ep.host.clear();
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      ep.password = PercentDecode(userinfo);  // redis://secret@host: password only
    } else {
      ep.user = PercentDecode(userinfo.substr(0, colon));
      ep.password = PercentDecode(userinfo.substr(colon + 1));
    }
  }
  std::string_view hostport = rest;
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && (!ParseInt(db, &ep.db) || ep.db < 0)) return bad("bad database number");
  }
  size_t colon = hostport.rfind(':');
  if (colon != std::string_view::npos && hostport.find(']') == std::string_view::npos) {
    if (!ParseInt(hostport.substr(colon + 1), &ep.port) || ep.port <= 0 || ep.port > 65535) {
      return bad("bad port");
    }
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return bad("empty host");
  ep.host = std::string(hostport);
  return ep;
}

// --- Reply -----------------------------------------------------------------------------------

Reply::Type Reply::type() const {
  switch (node_->type) {
    case REDIS_REPLY_STRING:
      return Type::kString;
    case REDIS_REPLY_ARRAY:
      return Type::kArray;
    case REDIS_REPLY_INTEGER:
      return Type::kInteger;
    case REDIS_REPLY_STATUS:
      return Type::kStatus;
    case REDIS_REPLY_ERROR:
      return Type::kError;
    default:
      return Type::kNil;
  }
}

std::string_view Reply::str() const {
  switch (node_->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string_view(node_->str, node_->len);
    default:
      return {};
  }
}

int64_t Reply::integer() const {
  if (node_->type == REDIS_REPLY_INTEGER) return node_->integer;
  if (node_->type == REDIS_REPLY_STRING) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(node_->str, node_->str + node_->len, v);
    if (ec == std::errc()) return v;
  }
  return 0;
}

size_t Reply::size() const { return node_->type == REDIS_REPLY_ARRAY ? node_->elements : 0; }

Reply Reply::operator[](size_t i) const {
  SECPLAT_CHECK(i < size(), "Reply index out of range");
  return Reply(root_, node_->element[i]);
}

// --- Connection ------------------------------------------------------------------------------

Connection::Connection(RedisOptions options, Endpoint endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

Connection::~Connection() { Drop(); }

Result<std::unique_ptr<Connection>> Connection::Create(const RedisOptions& options) {
  SECPLAT_ASSIGN_OR_RETURN(Endpoint ep, ParseRedisUrl(options.url));
  if (!options.password.empty()) ep.password = options.password;
  return std::unique_ptr<Connection>(new Connection(options, std::move(ep)));
}

Result<std::unique_ptr<Connection>> Connection::Connect(const RedisOptions& options) {
  SECPLAT_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn, Create(options));
  SECPLAT_RETURN_IF_ERROR(conn->ConnectNow());
  return conn;
}

void Connection::Drop() {
  if (ctx_ == nullptr) return;
  {
    std::lock_guard lock(fd_mu_);
    fd_ = -1;
  }
  redisFree(ctx_);
  ctx_ = nullptr;
}

Status Connection::ConnectNow() {
  IgnoreSigpipeOnce();
  Drop();
  redisContext* ctx = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                              ToTimeval(options_.connect_timeout));
  if (ctx == nullptr) return Unavailable("cannot allocate a context");
  if (ctx->err != 0) {
    std::string why = ctx->errstr;
    redisFree(ctx);
    return Unavailable("connect to " + endpoint_.host + ":" + std::to_string(endpoint_.port) +
                       ": " + why);
  }
  if (redisSetTimeout(ctx, ToTimeval(options_.io_timeout)) != REDIS_OK) {
    redisFree(ctx);
    return Unavailable("cannot set the socket timeout");
  }
  ctx_ = ctx;
  {
    std::lock_guard lock(fd_mu_);
    fd_ = ctx->fd;
  }
  ++generation_;
  if (!endpoint_.password.empty()) {
    Args auth = endpoint_.user.empty() ? Args{"AUTH", endpoint_.password}
                                       : Args{"AUTH", endpoint_.user, endpoint_.password};
    auto r = Command(auth);
    if (!r.has_value()) {
      Drop();
      if (r.error().code == ErrorCode::kUnavailable) return Unexpected(r.error());
      return Unexpected(ErrorCode::kUnauthenticated, r.error().message);
    }
  }
  if (endpoint_.db != 0) {
    std::string db = std::to_string(endpoint_.db);
    auto r = Command({"SELECT", db});
    if (!r.has_value()) {
      Drop();
      return Unexpected(r.error());
    }
  }
  return OkStatus();
}

Status Connection::Reconnect() {
  backoff_ = Duration(0);
  return ConnectNow();
}

Status Connection::EnsureConnected() {
  if (ctx_ != nullptr) return OkStatus();
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) {
    auto wait = std::chrono::duration_cast<Duration>(next_attempt_ - now);
    return Unavailable("not connected; next attempt in " + std::to_string(wait.count()) + " ms");
  }
  Status s = ConnectNow();
  if (s.has_value()) {
    backoff_ = Duration(0);
    return s;
  }
  // Exponential backoff with jitter in [backoff/2, backoff] so that many clients restarting
  // together do not reconnect in lockstep.
  backoff_ = backoff_.count() == 0 ? options_.reconnect_min
                                   : std::min(options_.reconnect_max, backoff_ * 2);
  thread_local std::mt19937_64 rng(std::random_device{}());
  auto half = backoff_.count() / 2;
  auto jittered = Duration(half + static_cast<int64_t>(rng() % static_cast<uint64_t>(half + 1)));
  next_attempt_ = now + jittered;
  return s;
}

Result<std::vector<Reply>> Connection::Pipeline(const std::vector<Args>& commands) {
  SECPLAT_RETURN_IF_ERROR(EnsureConnected());
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (const Args& args : commands) {
    argv.clear();
    argvlen.clear();
    for (std::string_view a : args) {
      argv.push_back(a.data());
      argvlen.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), argvlen.data()) !=
        REDIS_OK) {
      std::string why = ctx_->errstr;
      Drop();
      return Unavailable("append: " + why);
    }
  }
  std::vector<Reply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      std::string why = ctx_->err != 0 ? ctx_->errstr : "no reply";
      Drop();
      return Unavailable(why);
    }
    std::shared_ptr<redisReply> root(static_cast<redisReply*>(raw),
                                     [](redisReply* r) { freeReplyObject(r); });
    const redisReply* node = root.get();
    replies.push_back(Reply(std::move(root), node));
  }
  return replies;
}

Result<Reply> Connection::Command(const Args& args) {
  SECPLAT_ASSIGN_OR_RETURN(std::vector<Reply> replies, Pipeline({args}));
  Reply r = std::move(replies[0]);
  if (r.is_error()) {
    std::string_view msg = r.str();
    bool transient = msg.starts_with("LOADING") || msg.starts_with("BUSY ") ||
                     msg.starts_with("MASTERDOWN") || msg.starts_with("TRYAGAIN");
    return Unexpected(transient ? ErrorCode::kUnavailable : ErrorCode::kInternal, std::string(msg));
  }
  return r;
}

void Connection::Interrupt() {
  std::lock_guard lock(fd_mu_);
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

Status Connection::SetIoTimeout(Duration timeout) {
  options_.io_timeout = timeout;
  if (ctx_ != nullptr && redisSetTimeout(ctx_, ToTimeval(timeout)) != REDIS_OK) {
    Drop();
    return Unavailable("cannot set the socket timeout");
  }
  return OkStatus();
}

}  // namespace secplat::adapters::redis
