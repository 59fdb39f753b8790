#include "adapters/http/client.h"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>

namespace secplat::adapters::http {
namespace {

constexpr size_t kMaxResponseBody = size_t{64} << 20;  // 64 MiB

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

void GlobalInitOnce() {
  static std::once_flag once;
  // curl_global_init is not thread-safe in 7.88; the once_flag serialises it. Never cleaned
  // up: other threads may still be using curl at exit.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What the curl callbacks write into during one Send().
struct Exchange {
  ClientResponse response;
  bool body_too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (exchange->response.body.size() + n > kMaxResponseBody) {
    exchange->body_too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  exchange->response.body.append(data, n);
  return n;
}

// Called once per header line, status lines of interim (1xx) responses included.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  auto& headers = exchange->response.headers;
  if (line.substr(0, 5) == "HTTP/") {
    headers.clear();  // a new response begins (after a 100 Continue, say)
    return n;
  }
  if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    // obs-fold continuation of the previous field
    if (!headers.empty()) {
      headers.back().second.append(" ");
      headers.back().second.append(Trim(line));
    }
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;  // the blank line ending the header
  std::string name(Trim(line.substr(0, colon)));
  for (char& c : name) c = LowerAscii(c);
  headers.emplace_back(std::move(name), std::string(Trim(line.substr(colon + 1))));
  if (headers.back().first == "content-length") {
    // Sized once for the announced body (a posture batch is several MB), never beyond the
    // cap; a wrong announcement only wastes or lacks the reservation.
    uint64_t length = 0;
    const std::string& v = headers.back().second;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), length);
    if (ec == std::errc() && end == v.data() + v.size() && length <= kMaxResponseBody) {
      exchange->response.body.reserve(static_cast<size_t>(length));
    }
  }
  return n;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

std::string_view ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HttpClient::HttpClient() {
  GlobalInitOnce();
  curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Result<ClientResponse> HttpClient::Send(const ClientRequest& request) {
  CURL* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return Unexpected(ErrorCode::kInternal, "curl_easy_init failed");

  std::unique_ptr<curl_slist, SlistDeleter> header_list;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    if (name.find_first_of(std::string_view(":\r\n\0", 4)) != std::string::npos ||
        value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos || name.empty()) {
      return Unexpected(ErrorCode::kInvalidArgument, "invalid header '" + name + "'");
    }
    if (EqualsIgnoreCase(name, "content-type")) has_content_type = true;
    // "Name;" is curl's way to send a header with an empty value ("Name:" would remove it).
    const std::string line = value.empty() ? name + ";" : name + ": " + value;
    curl_slist* next = curl_slist_append(header_list.get(), line.c_str());
    if (next == nullptr) return Unexpected(ErrorCode::kInternal, "out of memory");
    header_list.release();
    header_list.reset(next);
  }
  // Remove the headers curl would add on its own: Expect: 100-continue (a round trip per POST)
  // and the form Content-Type it assumes for POSTFIELDS.
  for (const char* removal : {"Expect:", has_content_type ? nullptr : "Content-Type:"}) {
    if (removal == nullptr) continue;
    curl_slist* next = curl_slist_append(header_list.get(), removal);
    if (next == nullptr) return Unexpected(ErrorCode::kInternal, "out of memory");
    header_list.release();
    header_list.reset(next);
  }

  Exchange exchange;
  char error_buffer[CURL_ERROR_SIZE] = {0};
  const long timeout_ms = std::max<long>(1, static_cast<long>(request.timeout.count()));

  // reset keeps the connection cache, so keep-alive connections survive between calls.
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts in threads
  // Debian's libcurl has a default CA path; while one is set, curl re-parses the whole CA store
  // for every connection (~45 ms CPU). The bundle file alone is enough.
  curl_easy_setopt(curl, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROXY, "");  // ignore http_proxy & co. from the environment
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(kMaxResponseBody));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list.get());

  const std::string& method = request.method;
  const bool sends_body =
      !request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (sends_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  const CURLcode code = curl_easy_perform(curl);
  // The options point at locals; drop them before returning.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

  if (code != CURLE_OK) {
    std::string message = std::string(curl_easy_strerror(code));
    if (error_buffer[0] != '\0') message += ": " + std::string(error_buffer);
    message = request.method + " " + request.url + ": " + message;
    switch (code) {
      case CURLE_COULDNT_CONNECT:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
        return Unexpected(ErrorCode::kUnavailable, std::move(message));
      case CURLE_OPERATION_TIMEDOUT:
        return Unexpected(ErrorCode::kDeadlineExceeded, std::move(message));
      case CURLE_FILESIZE_EXCEEDED:
        return Unexpected(ErrorCode::kResourceExhausted,
                          request.url + ": response body exceeds 64 MiB");
      case CURLE_WRITE_ERROR:
        if (exchange.body_too_large) {
          return Unexpected(ErrorCode::kResourceExhausted,
                            request.url + ": response body exceeds 64 MiB");
        }
        return Unexpected(ErrorCode::kInternal, std::move(message));
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return Unexpected(ErrorCode::kInvalidArgument, std::move(message));
      default:
        return Unexpected(ErrorCode::kInternal, std::move(message));
    }
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  exchange.response.status = static_cast<int>(status);
  return std::move(exchange.response);
}

}  // namespace secplat::adapters::http
