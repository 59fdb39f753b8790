// HTTP client: a small synchronous libcurl client for tests and for service roles calling the
// api. One HttpClient keeps its connections open between calls (keep-alive). It follows no
// redirects, uses no proxy (not even one from http_proxy in the environment), never sends
// `Expect: 100-continue`, and caps a response body at 64 MiB.
//
//   HttpClient client;
//   auto reply = client.Send({.method = "POST", .url = Url(**server, "/v1/echo"),
//                             .headers = {{"Content-Type", "application/json"}},
//                             .body = "{\"a\":1}"});
//   EXPECT_EQ(reply->status, 201);
// (from tests/adapters/http/server_test.cc, HttpServer.RoundTripsPostWithBody)
#ifndef SECPLAT_ADAPTERS_HTTP_CLIENT_H_
#define SECPLAT_ADAPTERS_HTTP_CLIENT_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/common/time.h"

namespace secplat::adapters::http {

// A request. Headers are sent as given (in order); when no Content-Type is given none is sent.
struct ClientRequest {
  std::string method = "GET";  // any token; "HEAD" asks for no body
  std::string url;             // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Length when non-empty or when method is POST/PUT/PATCH
  Duration timeout = std::chrono::seconds(10);  // whole exchange, connect included
};

// The final response (interim 1xx responses are skipped).
struct ClientResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;

  // First header with that (case-insensitive) name, or empty. The view points into `headers`.
  std::string_view Header(std::string_view name) const;
};

// One instance per thread; reuses connections (keep-alive). Not thread-safe.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request and waits for the whole response (any status is a value, not an error).
  // Errors: kUnavailable (connect failed/refused, DNS), kDeadlineExceeded (timeout),
  // kResourceExhausted (response body over 64 MiB), kInvalidArgument (malformed URL, unsupported
  // scheme, CR/LF in a header), kInternal (other curl errors). Messages carry curl's text.
  Result<ClientResponse> Send(const ClientRequest& request);

 private:
  void* curl_ = nullptr;  // CURL*; libcurl stays out of this header
};

}  // namespace secplat::adapters::http

#endif  // SECPLAT_ADAPTERS_HTTP_CLIENT_H_
