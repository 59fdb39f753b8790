// A RAII Redis connection over hiredis (0.14, RESP2): one socket, used by one thread at a time,
// with lazy reconnect and exponential backoff after the server goes away, pipelining, and an
// Interrupt() that another thread may call to abort a blocking command (XREADGROUP BLOCK).
//
//   SECPLAT_ASSIGN_OR_RETURN(auto conn, Connection::Connect({.url = server->url()}));
//   SECPLAT_ASSIGN_OR_RETURN(Reply pong, conn->Command({"PING"}));
//   EXPECT_EQ(pong.str(), "PONG");
//
// Thread-safety: Command/Pipeline/Reconnect from one thread at a time; Interrupt from any thread.
// The first connection sets SIGPIPE to SIG_IGN if it still has its default disposition (a
// server that goes away must not kill the process).
#ifndef SECPLAT_ADAPTERS_REDIS_CONNECTION_H_
#define SECPLAT_ADAPTERS_REDIS_CONNECTION_H_

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

struct redisContext;
struct redisReply;

namespace secplat::adapters::redis {

// Where and how to connect. The socket timeout (io_timeout) must exceed any BLOCK a caller
// issues on the connection; RedisStreamsQueue raises it for its blocking reader.
struct RedisOptions {
  std::string url = "redis://127.0.0.1:6379";  // redis://[[user]:password@]host[:port][/db]
  std::string password;                        // overrides the url's password when non-empty
  Duration connect_timeout = std::chrono::seconds(2);
  Duration io_timeout = std::chrono::seconds(5);
  Duration reconnect_min =
      std::chrono::milliseconds(50);                 // first backoff after a failed (re)connect
  Duration reconnect_max = std::chrono::seconds(2);  // backoff cap
};

// A parsed redis:// url.
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
};

// Parses "redis://[[user]:password@]host[:port][/db]". Errors: kInvalidArgument (other schemes,
// bad port or db, empty host).
Result<Endpoint> ParseRedisUrl(std::string_view url);

// A read-only view of one node of a reply tree; copies share ownership of the whole tree.
class Reply {
 public:
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };

  Type type() const;
  bool is_nil() const { return type() == Type::kNil; }
  bool is_error() const { return type() == Type::kError; }
  bool is_array() const { return type() == Type::kArray; }
  // Bytes of a string, status or error reply ("" for the other types).
  std::string_view str() const;
  // Value of an integer reply; a string reply holding a decimal integer is converted; else 0.
  int64_t integer() const;
  // Number of elements of an array reply (0 for the other types).
  size_t size() const;
  // Element i of an array reply; SECPLAT_CHECKs i < size().
  Reply operator[](size_t i) const;

 private:
  friend class Connection;
  Reply(std::shared_ptr<redisReply> root, const redisReply* node)
      : root_(std::move(root)), node_(node) {}
  std::shared_ptr<redisReply> root_;
  const redisReply* node_ = nullptr;
};

using Args = std::vector<std::string_view>;

class Connection {
 public:
  // Connects now (and authenticates, selects the db). Errors: kInvalidArgument (bad url),
  // kUnavailable (cannot connect), kUnauthenticated (AUTH refused).
  static Result<std::unique_ptr<Connection>> Connect(const RedisOptions& options);

  // Like Connect, but does not connect yet: the first command does. Errors: kInvalidArgument.
  static Result<std::unique_ptr<Connection>> Create(const RedisOptions& options);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one command and waits for its reply. A server error reply becomes an Error whose
  // message starts with the server's text ("NOGROUP ...", "NOSCRIPT ..."): kUnavailable for
  // LOADING/BUSY/MASTERDOWN/TRYAGAIN, else kInternal. Transport failures: kUnavailable (the
  // connection is dropped and re-established by a later call, after the backoff).
  Result<Reply> Command(const Args& args);
  Result<Reply> Command(std::initializer_list<std::string_view> args) {
    return Command(Args(args));
  }

  // Sends every command, then reads every reply. Server errors stay in the returned replies;
  // only transport failures (kUnavailable) fail the call, in which case any prefix of the
  // commands may have been executed.
  Result<std::vector<Reply>> Pipeline(const std::vector<Args>& commands);

  // Drops the socket and connects again now, ignoring the backoff. Errors as Connect.
  Status Reconnect();

  // Thread-safe: shuts the socket down so that a command blocked in another thread returns
  // kUnavailable promptly. The next call reconnects.
  void Interrupt();

  // Sets the socket read/write timeout for this and later sockets.
  Status SetIoTimeout(Duration timeout);

  // Increases each time a new socket is established (scripts must be reloaded after a
  // server restart; callers compare generations).
  uint64_t generation() const { return generation_; }
  bool connected() const { return ctx_ != nullptr; }

 private:
  Connection(RedisOptions options, Endpoint endpoint);
  Status EnsureConnected();
  Status ConnectNow();
  void Drop();

  RedisOptions options_;
  Endpoint endpoint_;
  redisContext* ctx_ = nullptr;
  uint64_t generation_ = 0;
  Duration backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
  std::mutex fd_mu_;  // guards fd_ against Interrupt() racing with Drop()/ConnectNow()
  int fd_ = -1;
};

}  // namespace secplat::adapters::redis

#endif  // SECPLAT_ADAPTERS_REDIS_CONNECTION_H_
