// Tests for the Beast server and the curl client, against real loopback sockets on port 0.
// Raw POSIX sockets stand in for the client wherever curl would hide the behaviour under test.
#include "adapters/http/server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adapters/http/client.h"

namespace secplat::adapters::http {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string Url(const Server& server, std::string_view path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + std::string(path);
}

// The RejectionResponder of every test: the status and message, so tests can assert both.
Response RejectWithJson(int status, std::string_view message, const Request& /*partial*/) {
  Response r;
  r.status = status;
  r.body =
      "{\"rejected\":" + std::to_string(status) + ",\"message\":\"" + std::string(message) + "\"}";
  return r;
}

Response Ok(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

std::unique_ptr<Server> MustStart(const ServerOptions& options, Handler handler) {
  auto server = Server::Start(options, std::move(handler), RejectWithJson);
  if (!server.has_value()) {
    ADD_FAILURE() << "Start: " << server.error().message;
    return nullptr;
  }
  return std::move(server).value();
}

Handler PathHandler() {
  return [](const Request& r) { return Ok("{\"path\":\"" + r.path + "\"}"); };
}

// ---- raw socket helpers ----------------------------------------------------------------------

// A connected blocking socket whose reads give up after `recv_timeout`.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port, milliseconds recv_timeout = milliseconds(5000)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_sec = recv_timeout.count() / 1000;
    tv.tv_usec = static_cast<suseconds_t>((recv_timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response (head + Content-Length body). Returns "" on timeout or EOF before it.
  std::string ReadResponse() {
    for (;;) {
      const size_t head_end = pending_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::string head = pending_.substr(0, head_end + 4);
        size_t length = 0;
        const size_t cl = Lower(head).find("\r\ncontent-length: ");
        if (cl != std::string::npos) length = std::stoul(head.substr(cl + 18));
        if (pending_.size() >= head.size() + length) {
          std::string out = pending_.substr(0, head.size() + length);
          pending_.erase(0, out.size());
          return out;
        }
      }
      if (!ReadMore()) return "";
    }
  }

  // Reads until the peer closes. Returns false when the receive timeout hit first.
  bool ReadUntilEof(std::string* out) {
    while (ReadMore()) {
    }
    *out = std::move(pending_);
    pending_.clear();
    return eof_;
  }

 private:
  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  bool ReadMore() {
    char buf[8192];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) eof_ = true;
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string pending_;
};

int StatusOf(const std::string& response) {
  if (response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string BodyOf(const std::string& response) {
  const size_t head_end = response.find("\r\n\r\n");
  return head_end == std::string::npos ? "" : response.substr(head_end + 4);
}

// Asserts the server still answers an ordinary request (`body` is what its handler returns).
void ExpectStillServes(const Server& server, std::string_view body = "{\"path\":\"/health\"}") {
  HttpClient client;
  ClientRequest request;
  request.url = Url(server, "/health");
  auto reply = client.Send(request);
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, body);
}

// ---- round trips -----------------------------------------------------------------------------

// Verifies a GET reaches the handler with method, target, path, query, lower-cased headers and
// the peer address, and the handler's response comes back with Content-Type and Content-Length.
TEST(HttpServer, RoundTripsGetWithQueryAndHeaders) {
  std::mutex mu;
  Request seen;
  auto server = Server::Start(
      ServerOptions{},
      [&](const Request& r) {
        std::lock_guard<std::mutex> lock(mu);
        seen = r;
        return Response{.status = 200, .body = "{\"path\":\"" + r.path + "\"}"};
      },
      RejectWithJson);
  ASSERT_TRUE(server.has_value()) << server.error().message;
  HttpClient client;
  auto reply = client.Send({.url = Url(**server, "/v1/assets?limit=5&q=a%20b"),
                            .headers = {{"X-Custom-Thing", "Value 1"}}});
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "{\"path\":\"/v1/assets\"}");
  EXPECT_EQ(reply->Header("Content-Type"), "application/json");
  EXPECT_EQ(reply->Header("content-length"), "21");

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/v1/assets?limit=5&q=a%20b");
  EXPECT_EQ(seen.path, "/v1/assets");
  EXPECT_EQ(seen.query, "limit=5&q=a%20b");
  EXPECT_EQ(seen.body, "");
  EXPECT_EQ(seen.Header("X-CUSTOM-THING"), "Value 1");
  EXPECT_EQ(seen.Header("absent"), "");
  bool found_lower_case_name = false;
  for (const auto& [name, value] : seen.headers) {
    if (name == "x-custom-thing") found_lower_case_name = true;
  }
  EXPECT_TRUE(found_lower_case_name);
  EXPECT_EQ(seen.headers.front().first, "host");
  EXPECT_EQ(seen.remote_address.rfind("127.0.0.1:", 0), 0u) << seen.remote_address;
  EXPECT_NE(seen.remote_address, "127.0.0.1:" + std::to_string((*server)->port()));
}

// Verifies a POST body reaches the handler intact and the handler's status, body and extra
// headers reach the client; the client sends no Expect header and no invented Content-Type.
TEST(HttpServer, RoundTripsPostWithBody) {
  std::mutex mu;
  Request seen;
  std::vector<std::string> expect_headers;
  auto server = Server::Start(
      ServerOptions{},
      [&](const Request& r) {
        std::lock_guard<std::mutex> lock(mu);
        seen = r;
        expect_headers.emplace_back(r.Header("expect"));
        Response response;
        response.status = 201;
        response.content_type = std::string(r.Header("content-type"));
        response.headers = {{"X-Request-Id", "req-7"}};
        response.body = r.body;
        return response;
      },
      RejectWithJson);
  ASSERT_TRUE(server.has_value()) << server.error().message;
  HttpClient client;
  auto reply = client.Send({.method = "POST",
                            .url = Url(**server, "/v1/echo"),
                            .headers = {{"Content-Type", "application/json"}},
                            .body = "{\"a\":1}"});
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, "{\"a\":1}");
  EXPECT_EQ(reply->Header("content-type"), "application/json");
  EXPECT_EQ(reply->Header("x-request-id"), "req-7");
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.path, "/v1/echo");
    EXPECT_EQ(seen.query, "");
    EXPECT_EQ(seen.body, "{\"a\":1}");
    EXPECT_EQ(seen.Header("content-length"), "7");
  }

  // A 100 KiB PUT without Content-Type: curl would add Expect: 100-continue and a form type.
  const std::string big(100 * 1024, 'x');
  auto put = client.Send({.method = "PUT", .url = Url(**server, "/v1/blob"), .body = big});
  ASSERT_TRUE(put.has_value()) << put.error().message;
  EXPECT_EQ(put->status, 201);
  EXPECT_EQ(put->body.size(), big.size());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.body, big);
  EXPECT_EQ(seen.Header("content-type"), "");
  EXPECT_EQ(expect_headers, (std::vector<std::string>{"", ""}));
}

// Verifies 100 sequential requests from one client reuse one keep-alive connection.
TEST(HttpServer, ReusesOneConnectionForSequentialRequests) {
  std::mutex mu;
  std::set<std::string> peers;
  int calls = 0;
  auto server = MustStart(ServerOptions{}, [&](const Request& r) {
    std::lock_guard<std::mutex> lock(mu);
    peers.insert(r.remote_address);
    ++calls;
    return Ok("{}");
  });
  ASSERT_NE(server, nullptr);
  HttpClient client;
  for (int i = 0; i < 100; ++i) {
    auto reply = client.Send({.url = Url(*server, "/n/" + std::to_string(i))});
    ASSERT_TRUE(reply.has_value()) << reply.error().message;
    ASSERT_EQ(reply->status, 200);
  }
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(calls, 100);
  EXPECT_EQ(peers.size(), 1u);
}

// Verifies two requests written back to back (pipelined) get two responses, in order.
TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  auto server = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.connected());
  ASSERT_TRUE(s.Send("GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\n"));
  const std::string first = s.ReadResponse();
  const std::string second = s.ReadResponse();
  EXPECT_EQ(BodyOf(first), "{\"path\":\"/one\"}");
  EXPECT_EQ(BodyOf(second), "{\"path\":\"/two\"}");
}

// Verifies HTTP/1.0 is answered in HTTP/1.0 and the connection closed after the response.
TEST(HttpServer, AnswersHttp10AndCloses) {
  auto server = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send("GET /old HTTP/1.0\r\n\r\n"));
  std::string all;
  ASSERT_TRUE(s.ReadUntilEof(&all));
  EXPECT_EQ(all.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << all;
  EXPECT_EQ(BodyOf(all), "{\"path\":\"/old\"}");
}

// Verifies `Connection: close` from an HTTP/1.1 client is echoed and the connection closed.
TEST(HttpServer, HonoursConnectionClose) {
  auto server = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send("GET /bye HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  std::string all;
  ASSERT_TRUE(s.ReadUntilEof(&all));
  EXPECT_EQ(StatusOf(all), 200);
  EXPECT_NE(all.find("\r\nConnection: close\r\n"), std::string::npos) << all;
  EXPECT_EQ(BodyOf(all), "{\"path\":\"/bye\"}");
}

// Verifies HEAD gets the headers a GET would get (Content-Length included) and no body, and the
// connection stays in sync for the next request.
TEST(HttpServer, AnswersHeadWithoutBody) {
  auto server = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(
      s.Send("HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n"
             "GET /g HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  std::string all;
  ASSERT_TRUE(s.ReadUntilEof(&all));
  EXPECT_EQ(all,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            "Content-Length: 13\r\n\r\n{\"path\":\"/g\"}");
}

// Verifies a client sending `Expect: 100-continue` gets the interim response before its body.
TEST(HttpServer, SendsContinueWhenAskedBeforeReadingBody) {
  auto server = MustStart(ServerOptions{}, [](const Request& r) { return Ok(r.body); });
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(
      s.Send("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(s.ReadResponse(), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(s.Send("hello"));
  const std::string reply = s.ReadResponse();
  EXPECT_EQ(StatusOf(reply), 200);
  EXPECT_EQ(BodyOf(reply), "hello");
}

// ---- many connections --------------------------------------------------------------------------

// Verifies 300 idle keep-alive connections do not starve a new client, even on one io thread.
TEST(HttpServer, ServesNewClientWhile300KeepAliveConnectionsIdle) {
  ServerOptions options;
  options.io_threads = 1;
  auto server = MustStart(options, PathHandler());
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<RawSocket>> idle;
  for (int i = 0; i < 300; ++i) {
    auto s = std::make_unique<RawSocket>(server->port());
    ASSERT_TRUE(s->connected()) << i;
    ASSERT_TRUE(s->Send("GET /idle HTTP/1.1\r\nHost: a\r\n\r\n"));
    ASSERT_EQ(StatusOf(s->ReadResponse()), 200) << i;
    idle.push_back(std::move(s));
  }
  const auto start = Clock::now();
  HttpClient client;
  auto reply = client.Send({.url = Url(*server, "/fresh"), .timeout = milliseconds(1000)});
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "{\"path\":\"/fresh\"}");
  EXPECT_LT(elapsed, milliseconds(1000));
}

// Verifies connections above max_connections are accepted and closed without a response.
TEST(HttpServer, ClosesConnectionsAboveMaxConnections) {
  ServerOptions options;
  options.max_connections = 2;
  auto server = MustStart(options, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket a(server->port());
  RawSocket b(server->port());
  for (RawSocket* s : {&a, &b}) {
    ASSERT_TRUE(s->Send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
    ASSERT_EQ(StatusOf(s->ReadResponse()), 200);
  }
  RawSocket c(server->port());  // sends nothing: closing with unread input would be a reset
  std::string all;
  EXPECT_TRUE(c.ReadUntilEof(&all));
  EXPECT_EQ(all, "");
}

// Verifies a keep-alive connection that sends nothing is closed after idle_timeout.
TEST(HttpServer, ClosesIdleKeepAliveConnectionAfterIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  auto server = MustStart(options, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port(), milliseconds(3000));
  ASSERT_TRUE(s.Send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_EQ(StatusOf(s.ReadResponse()), 200);
  const auto start = Clock::now();
  std::string rest;
  EXPECT_TRUE(s.ReadUntilEof(&rest));
  EXPECT_EQ(rest, "");
  EXPECT_LT(Clock::now() - start, milliseconds(1500));
}

// ---- rejections --------------------------------------------------------------------------------

// Verifies a Content-Length above max_body_bytes is answered 413 from the headers alone (the
// body is never sent), the handler is not called, and the connection is closed.
TEST(HttpServer, RejectsDeclaredBodyOverLimitWith413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  std::atomic<int> calls{0};
  std::mutex mu;
  Request partial;
  auto started = Server::Start(
      options,
      [&](const Request& r) {
        ++calls;
        return Ok("{\"path\":\"" + r.path + "\"}");
      },
      [&](int status, std::string_view message, const Request& seen) {
        std::lock_guard<std::mutex> lock(mu);
        partial = seen;
        return RejectWithJson(status, message, seen);
      });
  ASSERT_TRUE(started.has_value()) << started.error().message;
  auto& server = *started;
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 1025\r\n\r\n"));
  std::string all;
  ASSERT_TRUE(s.ReadUntilEof(&all));
  EXPECT_EQ(StatusOf(all), 413);
  EXPECT_NE(all.find("\r\nConnection: close\r\n"), std::string::npos) << all;
  EXPECT_EQ(BodyOf(all), "{\"rejected\":413,\"message\":\"request body exceeds 1024 bytes\"}");
  EXPECT_EQ(calls.load(), 0);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(partial.method, "POST");
    EXPECT_EQ(partial.path, "/big");
    EXPECT_EQ(partial.Header("content-length"), "1025");
    EXPECT_EQ(partial.body, "");
    EXPECT_EQ(partial.remote_address.rfind("127.0.0.1:", 0), 0u);
  }
  ExpectStillServes(*server);
}

// Verifies a chunked body growing past max_body_bytes is answered 413, while a chunked body
// under the limit is decoded and served.
TEST(HttpServer, RejectsChunkedBodyOverLimitWith413) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  auto server = MustStart(options, [](const Request& r) { return Ok(r.body); });
  ASSERT_NE(server, nullptr);
  {
    RawSocket small(server->port());
    ASSERT_TRUE(
        small.Send("POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    const std::string reply = small.ReadResponse();
    EXPECT_EQ(StatusOf(reply), 200);
    EXPECT_EQ(BodyOf(reply), "hello world");
  }
  RawSocket s(server->port());
  std::string request = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) request += "200\r\n" + std::string(512, 'z') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(s.Send(request));
  std::string all;
  ASSERT_TRUE(s.ReadUntilEof(&all));
  EXPECT_EQ(StatusOf(all), 413) << all;
  EXPECT_EQ(BodyOf(all), "{\"rejected\":413,\"message\":\"request body exceeds 1024 bytes\"}");
  ExpectStillServes(*server, "");
}

// Verifies a header section above max_header_bytes is answered 431 and the connection closed.
TEST(HttpServer, RejectsOversizedHeadersWith431) {
  auto server = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(
      s.Send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  std::string all;
  ASSERT_TRUE(s.ReadUntilEof(&all));
  EXPECT_EQ(StatusOf(all), 431) << all.substr(0, 200);
  EXPECT_EQ(BodyOf(all),
            "{\"rejected\":431,\"message\":\"request header section exceeds 16384 bytes\"}");
  ExpectStillServes(*server);
}

// Verifies bytes that are not HTTP are answered 400 and the connection closed.
TEST(HttpServer, RejectsGarbageWith400) {
  auto server = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port());
  ASSERT_TRUE(s.Send("\x01\x02 NOT HTTP\r\n\r\n"));
  std::string all;
  ASSERT_TRUE(s.ReadUntilEof(&all));
  EXPECT_EQ(StatusOf(all), 400) << all;
  EXPECT_EQ(BodyOf(all), "{\"rejected\":400,\"message\":\"malformed HTTP request: bad method\"}");
  ExpectStillServes(*server);
}

// Verifies a client trickling its headers (slowloris) is answered 408 and cut at read_timeout,
// although every byte arrives well within any per-read timeout.
TEST(HttpServer, CutsSlowClientAtReadTimeoutWith408) {
  ServerOptions options;
  options.read_timeout = milliseconds(500);
  auto server = MustStart(options, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port(), milliseconds(3000));
  std::atomic<bool> done{false};
  const auto start = Clock::now();
  std::thread trickle([&] {
    const std::string request = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + std::string(100, 'a');
    for (char c : request) {
      if (done.load() || !s.Send(std::string_view(&c, 1))) return;
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  std::string all;
  const bool closed = s.ReadUntilEof(&all);
  const auto elapsed = Clock::now() - start;
  done.store(true);
  trickle.join();
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, milliseconds(450));
  EXPECT_LT(elapsed, milliseconds(1500));
  EXPECT_EQ(StatusOf(all), 408) << all;
  EXPECT_EQ(BodyOf(all),
            "{\"rejected\":408,\"message\":\"request not received within the read timeout\"}");
  ExpectStillServes(*server);
}

// Verifies an exception from the handler becomes the responder's 500 and the same connection
// keeps serving.
TEST(HttpServer, AnswersHandlerExceptionWith500AndKeepsServing) {
  auto server = MustStart(ServerOptions{}, [](const Request& r) -> Response {
    if (r.path == "/throw") throw std::runtime_error("boom");
    return Ok("{\"path\":\"" + r.path + "\"}");
  });
  ASSERT_NE(server, nullptr);
  HttpClient client;
  auto failed = client.Send({.url = Url(*server, "/throw")});
  ASSERT_TRUE(failed.has_value()) << failed.error().message;
  EXPECT_EQ(failed->status, 500);
  EXPECT_EQ(failed->body, "{\"rejected\":500,\"message\":\"handler threw: boom\"}");
  auto next = client.Send({.url = Url(*server, "/after")});
  ASSERT_TRUE(next.has_value()) << next.error().message;
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "{\"path\":\"/after\"}");
}

// Verifies a handler status outside 100..999 and CR/LF in a header value cannot corrupt the
// response: 500 is sent instead and the unsafe header dropped.
TEST(HttpServer, SanitisesInvalidStatusAndHeaders) {
  auto server = MustStart(ServerOptions{}, [](const Request&) {
    Response r;
    r.status = 42;
    r.headers = {{"X-Evil", "a\r\nSet-Cookie: x=1"}, {"X-Fine", "yes"}};
    r.body = "{}";
    return r;
  });
  ASSERT_NE(server, nullptr);
  HttpClient client;
  auto reply = client.Send({.url = Url(*server, "/")});
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_EQ(reply->status, 500);
  EXPECT_EQ(reply->Header("x-evil"), "");
  EXPECT_EQ(reply->Header("set-cookie"), "");
  EXPECT_EQ(reply->Header("x-fine"), "yes");
}

// ---- lifecycle ---------------------------------------------------------------------------------

// Verifies Start reports a port already in use as kUnavailable.
TEST(HttpServer, ReportsBindFailureAsUnavailable) {
  auto first = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(first, nullptr);
  ServerOptions options;
  options.port = first->port();
  auto second = Server::Start(options, PathHandler(), RejectWithJson);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("Address already in use"), std::string::npos)
      << second.error().message;
}

// Verifies Stop() waits for a request whose handler is running, which still gets its response
// (with Connection: close), and then returns.
TEST(HttpServer, StopLetsInFlightRequestFinish) {
  std::promise<void> entered;
  auto server = MustStart(ServerOptions{}, [&](const Request& r) {
    entered.set_value();
    std::this_thread::sleep_for(milliseconds(200));
    return Ok("{\"path\":\"" + r.path + "\"}");
  });
  ASSERT_NE(server, nullptr);
  const std::string url = Url(*server, "/slow");
  auto reply = std::async(std::launch::async, [url] {
    HttpClient client;
    return client.Send({.url = url});
  });
  entered.get_future().wait();
  const auto start = Clock::now();
  server->Stop();
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
  auto result = reply.get();
  ASSERT_TRUE(result.has_value()) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "{\"path\":\"/slow\"}");
  EXPECT_EQ(result->Header("connection"), "close");
  server->Stop();  // idempotent
}

// Verifies Stop() closes idle keep-alive connections at once instead of waiting for them.
TEST(HttpServer, StopClosesIdleKeepAliveConnectionsPromptly) {
  auto server = MustStart(ServerOptions{}, PathHandler());
  ASSERT_NE(server, nullptr);
  RawSocket s(server->port(), milliseconds(3000));
  ASSERT_TRUE(s.Send("GET /x HTTP/1.1\r\nHost: a\r\n\r\n"));
  ASSERT_EQ(StatusOf(s.ReadResponse()), 200);
  const auto start = Clock::now();
  server->Stop();
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  std::string rest;
  EXPECT_TRUE(s.ReadUntilEof(&rest));
  EXPECT_EQ(rest, "");
}

// ---- client ------------------------------------------------------------------------------------

// Verifies a handler slower than the client's timeout gives kDeadlineExceeded.
TEST(HttpClient, ReportsDeadlineExceededWhenServerIsTooSlow) {
  auto server = MustStart(ServerOptions{}, [](const Request&) {
    std::this_thread::sleep_for(milliseconds(500));
    return Ok("{}");
  });
  ASSERT_NE(server, nullptr);
  HttpClient client;
  const auto start = Clock::now();
  auto reply = client.Send({.url = Url(*server, "/slow"), .timeout = milliseconds(100)});
  EXPECT_LT(Clock::now() - start, milliseconds(450));
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::kDeadlineExceeded) << reply.error().message;
}

// Verifies a refused connection (nothing listens on the port) gives kUnavailable.
TEST(HttpClient, ReportsUnavailableWhenConnectionRefused) {
  // Take a free port and release it again: nothing listens there afterwards.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  HttpClient client;
  auto reply =
      client.Send({.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/"});
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable) << reply.error().message;
}

// Verifies a response body declared above 64 MiB is refused with kResourceExhausted.
TEST(HttpClient, RefusesResponseBodyAbove64MiB) {
  auto server = MustStart(
      ServerOptions{}, [](const Request&) { return Ok(std::string((size_t{64} << 20) + 1, 'x')); });
  ASSERT_NE(server, nullptr);
  HttpClient client;
  auto reply = client.Send({.url = Url(*server, "/huge")});
  ASSERT_FALSE(reply.has_value());
  EXPECT_EQ(reply.error().code, ErrorCode::kResourceExhausted) << reply.error().message;
}

// Verifies an unsupported scheme and a header with CR/LF are kInvalidArgument, not sent.
TEST(HttpClient, RejectsUnsupportedSchemeAndHeaderInjection) {
  HttpClient client;
  auto ftp = client.Send({.url = "ftp://127.0.0.1/x"});
  ASSERT_FALSE(ftp.has_value());
  EXPECT_EQ(ftp.error().code, ErrorCode::kInvalidArgument) << ftp.error().message;
  auto injected = client.Send({.url = "http://127.0.0.1:1/", .headers = {{"X", "a\r\nY: b"}}});
  ASSERT_FALSE(injected.has_value());
  EXPECT_EQ(injected.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace secplat::adapters::http
