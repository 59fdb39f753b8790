// HTTP/1.1 server: an asynchronous Boost.Beast server behind a pimpl (this header includes no
// Boost). Requests are read on a small pool of io threads, each connection on its own strand, and
// handed to one synchronous Handler. The server itself rejects requests it cannot or will not
// read (400, 408, 413, 431) and handler exceptions (500), building those responses through a
// RejectionResponder so the caller controls the error body.
//
//   auto server = Server::Start(
//       ServerOptions{},  // 127.0.0.1, port 0: a free port
//       [&](const Request& r) {
//         return Response{.status = 200, .body = "{\"path\":\"" + r.path + "\"}"};
//       },
//       RejectWithJson);
//   HttpClient client;
//   auto reply = client.Send({.url = Url(**server, "/v1/assets?limit=5&q=a%20b"),
//                             .headers = {{"X-Custom-Thing", "Value 1"}}});
//   EXPECT_EQ(reply->body, "{\"path\":\"/v1/assets\"}");  // and r.query == "limit=5&q=a%20b"
// (from tests/adapters/http/server_test.cc, HttpServer.RoundTripsGetWithQueryAndHeaders)
#ifndef SECPLAT_ADAPTERS_HTTP_SERVER_H_
#define SECPLAT_ADAPTERS_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::adapters::http {

// One parsed request, as the handler sees it. Owned by the server for the handler call only.
struct Request {
  std::string method;  // as sent, upper-case e.g. "GET"
  std::string target;  // raw request-target
  std::string path;    // target without query, NOT percent-decoded
  std::string query;   // raw query string without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;
  std::string remote_address;  // "ip:port" ("[ip]:port" for IPv6)

  // First header with that (case-insensitive) name, or empty. The view points into `headers`.
  std::string_view Header(std::string_view name) const;
};

// What the handler returns. The server sets Content-Length (and Connection) itself; extra
// headers named Content-Length, Transfer-Encoding or Connection are not copied, but a
// `Connection: close` among them closes the connection after the response. Headers whose name or
// value contains CR, LF or NUL are dropped. A status outside 100..999 is sent as 500.
struct Response {
  int status = 200;
  std::string content_type = "application/json";             // empty: no Content-Type header
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;
};

// Called on an io thread, possibly from several threads at once (one call per connection at a
// time). It may block briefly; it blocks only its own connection and one io thread. Exceptions
// are caught by the server and answered through the RejectionResponder with status 500.
using Handler = std::function<Response(const Request&)>;

// Builds the response for a request the server rejects itself (400 unparsable request, 408 too
// slow, 413 body over the limit, 431 headers too large, 500 handler threw). `partial` holds
// whatever was parsed (method/target/headers may be empty; body is always empty for 400, 408,
// 413 and 431). May be empty (a plain-text body is sent then); exceptions it throws are caught.
using RejectionResponder =
    std::function<Response(int status, std::string_view message, const Request& partial)>;

struct ServerOptions {
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 0;                  // 0: pick a free port (see Server::port())
  int io_threads = 4;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 * 1024;               // request line plus header fields
  Duration read_timeout = std::chrono::seconds(30);  // whole request from its first byte; also
                                                     // bounds writing each response
  Duration idle_timeout = std::chrono::seconds(60);  // keep-alive connection with no request
  int max_connections = 10000;  // above it new connections are accepted and closed at once
};

// A running server. Thread-safe: port() and Stop() may be called from any thread except an io
// thread (never call Stop() from inside a Handler: it would wait for itself).
class Server {
 public:
  // Binds and starts serving on options.io_threads threads. Errors: kUnavailable (bind or
  // listen failed; the message says why), kInvalidArgument (unparsable address, io_threads or
  // max_connections below 1, empty handler).
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler handler,
                                               RejectionResponder reject);

  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the chosen one when options.port was 0).
  uint16_t port() const;

  // Stops accepting, closes idle keep-alive connections, lets in-flight requests finish (their
  // responses carry `Connection: close`; bounded at ~5 s, then connections are closed), and
  // joins the io threads. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace secplat::adapters::http

#endif  // SECPLAT_ADAPTERS_HTTP_SERVER_H_
