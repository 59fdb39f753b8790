#include "adapters/notify/curl_sender.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

namespace secplat::adapters::notify {

namespace detail {
// Per-exchange state: owned by SendBatch, then by the sender while it lingers.
struct CurlTransfer {
  size_t index = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  ports::SendResult result;
  size_t excerpt_cap = 0;
  bool invalid = false;
  bool may_linger = false;
  std::string body;  // a copy of the request body when it may outlive the request (lingering)
  std::chrono::steady_clock::time_point deadline{};  // the request's own timeout
  uint64_t linger_id = 0;                            // non-zero while lingering
};
}  // namespace detail

namespace {

using core::model::TransportError;
using Transfer = detail::CurlTransfer;

void GlobalInit() {
  // curl_global_init is not thread-safe; a function-local static runs it once.
  static const CURLcode kInit = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)kInit;
}

size_t OnBody(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  std::string& body = t->result.body_excerpt;
  if (body.size() < t->excerpt_cap) body.append(data, std::min(n, t->excerpt_cap - body.size()));
  return n;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  std::string_view line(data, n);
  if (line.substr(0, 5) == "HTTP/") {  // a new (possibly interim) response: start over
    t->result.headers.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (t->result.headers.size() < 200) t->result.headers.emplace_back(name, std::string(value));
  return n;
}

TransportError ClassOf(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return TransportError::kTimeout;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return TransportError::kInvalidRequest;
    default:
      return TransportError::kConnection;
  }
}

bool HasCrLf(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos ||
         s.find('\0') != std::string_view::npos;
}

// Configures `t.easy` for `r`. Returns false (and marks the transfer invalid) when the request
// cannot be sent safely.
bool Setup(Transfer& t, const ports::OutboundRequest& r, const CurlSenderOptions& o) {
  CURL* e = t.easy;
  curl_easy_reset(e);
  auto add_header = [&](const std::string& name, const std::string& value) {
    if (HasCrLf(name) || HasCrLf(value) || name.empty()) return false;
    const std::string line = name + ": " + value;
    curl_slist* next = curl_slist_append(t.headers, line.c_str());
    if (next == nullptr) return false;
    t.headers = next;
    return true;
  };
  for (const auto& [k, v] : r.headers) {
    if (!add_header(k, v)) {
      t.result.error_message = "header '" + k + "' contains CR, LF or NUL";
      return false;
    }
  }
  for (const auto& [k, v] : r.secret_headers) {
    if (!add_header(k, v.Reveal())) {
      t.result.error_message = "secret header '" + k + "' contains CR, LF or NUL";
      return false;
    }
  }
  if (curl_slist* next = curl_slist_append(t.headers, "Expect:")) t.headers = next;
  const std::string& url = r.url.Reveal();
  if (HasCrLf(url) || url.find(' ') != std::string::npos) {
    t.result.error_message = "URL contains whitespace or control characters";
    return false;
  }
  const long request_ms = std::max<long>(1, static_cast<long>(r.timeout.count()));
  const long connect_ms = std::min<long>(request_ms, static_cast<long>(o.connect_timeout.count()));
  // A request that may linger gets curl's hard timeout only at the end of the linger; SendBatch
  // reports it at its own timeout.
  t.may_linger = r.may_linger && o.linger > Duration::zero();
  const long total_ms =
      t.may_linger ? request_ms + static_cast<long>(o.linger.count()) : request_ms;
  t.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(request_ms);
  bool ok = true;
  ok &= curl_easy_setopt(e, CURLOPT_URL, url.c_str()) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_PROXY, "") == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) == CURLE_OK;
  // Debian's libcurl has a default CA path: with it set, curl re-parses the bundle for every
  // connection (~45 ms CPU). The CA file alone is cached. (platform-notes "Traps")
  ok &= curl_easy_setopt(e, CURLOPT_CAPATH, nullptr) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, total_ms) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &OnBody) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_WRITEDATA, &t) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &OnHeader) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_HEADERDATA, &t) == CURLE_OK;
  ok &= curl_easy_setopt(e, CURLOPT_PRIVATE, &t) == CURLE_OK;
  if (r.method == "GET") {
    ok &= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) == CURLE_OK;
  } else {
    if (r.method != "POST") {
      ok &= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str()) == CURLE_OK;
    }
    ok &= curl_easy_setopt(e, CURLOPT_POST, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                           static_cast<curl_off_t>(r.body.size())) == CURLE_OK;
    // curl reads the body from the caller's memory: a lingering exchange outlives the request.
    if (t.may_linger) t.body = r.body;
    ok &= curl_easy_setopt(e, CURLOPT_POSTFIELDS, t.may_linger ? t.body.data() : r.body.data()) ==
          CURLE_OK;
  }
  if (!ok) t.result.error_message = "libcurl rejected an option";
  return ok;
}

// Fills `t.result` from a finished exchange.
void Complete(Transfer& t, CURL* easy, CURLcode code) {
  curl_off_t total_us = 0;
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
  t.result.latency = std::chrono::duration_cast<Duration>(std::chrono::microseconds(total_us));
  if (code == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    t.result.status = static_cast<int>(status);
  } else {
    // curl_easy_strerror is generic text: never the URL, so never a secret in it.
    t.result.transport_error = ClassOf(code);
    t.result.error_message = curl_easy_strerror(code);
    t.result.status = 0;
    t.result.headers.clear();
  }
}

// True once curl is past connecting: the request is (being) sent, so the provider may act on it.
bool RequestLeft(CURL* easy) {
  curl_off_t pretransfer_us = 0;
  return curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer_us) == CURLE_OK &&
         pretransfer_us > 0;
}

}  // namespace

CurlSender::CurlSender(CurlSenderOptions options) : options_(options) {}

Result<std::unique_ptr<CurlSender>> CurlSender::Make(CurlSenderOptions options) {
  if (options.max_in_flight < 1) {
    return Unexpected(ErrorCode::kInvalidArgument, "curl sender: max_in_flight must be >= 1");
  }
  if (options.connect_timeout <= Duration::zero()) {
    return Unexpected(ErrorCode::kInvalidArgument, "curl sender: connect_timeout must be > 0");
  }
  if (options.linger < Duration::zero() || options.max_lingering < 1) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "curl sender: linger must be >= 0 and max_lingering >= 1");
  }
  GlobalInit();
  std::unique_ptr<CurlSender> sender(new CurlSender(options));
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return Unexpected(ErrorCode::kInternal, "curl_multi_init failed");
  sender->multi_ = multi;
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.max_in_flight));
  if (options.max_connections_per_host > 0) {
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options.max_connections_per_host));
  }
  return sender;
}

CurlSender::~CurlSender() {
  // Stopping abandons what still lingers: the connections close, nothing is reported.
  while (!lingering_.empty()) EndLingering(lingering_.front().get(), false);
  for (void* e : idle_easy_) curl_easy_cleanup(static_cast<CURL*>(e));
  if (multi_ != nullptr) curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void* CurlSender::AcquireEasy() {
  if (!idle_easy_.empty()) {
    void* e = idle_easy_.back();
    idle_easy_.pop_back();
    return e;
  }
  return curl_easy_init();
}

void CurlSender::ReleaseEasy(void* easy) {
  if (idle_easy_.size() < static_cast<size_t>(options_.max_in_flight)) {
    idle_easy_.push_back(easy);
  } else {
    curl_easy_cleanup(static_cast<CURL*>(easy));
  }
}

ports::SendResult CurlSender::Send(const ports::OutboundRequest& request) {
  return std::move(SendBatch(std::span<const ports::OutboundRequest>(&request, 1)).front());
}

void CurlSender::Dispose(Transfer& t) {
  if (t.easy != nullptr) {
    curl_multi_remove_handle(static_cast<CURLM*>(multi_), t.easy);  // closes an open exchange
    ReleaseEasy(t.easy);
    t.easy = nullptr;
  }
  if (t.headers != nullptr) curl_slist_free_all(t.headers);
  t.headers = nullptr;
}

uint64_t CurlSender::StartLingering(std::unique_ptr<Transfer> t) {
  const uint64_t id = next_linger_id_++;
  t->linger_id = id;
  lingering_.push_back(std::move(t));
  while (lingering_.size() > static_cast<size_t>(options_.max_lingering)) {
    Transfer* oldest = lingering_.front().get();
    oldest->result = {};
    oldest->result.transport_error = TransportError::kConnection;
    oldest->result.error_message = "abandoned: too many lingering requests";
    EndLingering(oldest, true);
  }
  lingering_count_.store(lingering_.size(), std::memory_order_relaxed);
  return id;
}

void CurlSender::EndLingering(Transfer* t, bool report) {
  auto it = std::find_if(lingering_.begin(), lingering_.end(),
                         [&](const std::unique_ptr<Transfer>& p) { return p.get() == t; });
  if (it == lingering_.end()) return;
  std::unique_ptr<Transfer> owned = std::move(*it);
  lingering_.erase(it);
  lingering_count_.store(lingering_.size(), std::memory_order_relaxed);
  Dispose(*owned);
  if (report) late_.push_back({owned->linger_id, std::move(owned->result)});
}

template <typename OnBatch>
void CurlSender::ReadDone(OnBatch&& on_batch) {
  CURLM* multi = static_cast<CURLM*>(multi_);
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    const CURLcode code = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    Complete(*t, easy, code);
    if (t->linger_id != 0) {
      if (code == CURLE_OPERATION_TIMEDOUT) t->result.error_message += " (linger ran out)";
      EndLingering(t, true);
    } else {
      curl_multi_remove_handle(multi, easy);
      on_batch(*t);
    }
  }
}

std::vector<ports::LateResult> CurlSender::PollLate() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!lingering_.empty()) {
    int still = 0;
    curl_multi_perform(static_cast<CURLM*>(multi_), &still);
    ReadDone([](Transfer&) {});  // no batch runs outside SendBatch
  }
  return std::exchange(late_, {});
}

std::vector<ports::SendResult> CurlSender::SendBatch(
    std::span<const ports::OutboundRequest> requests) {
  std::lock_guard<std::mutex> lock(mu_);
  CURLM* multi = static_cast<CURLM*>(multi_);
  std::vector<std::unique_ptr<Transfer>> transfers(requests.size());
  std::vector<ports::SendResult> out(requests.size());
  size_t next = 0, running = 0, done = 0;

  auto finish = [&](Transfer& t) {
    if (t.headers != nullptr) curl_slist_free_all(t.headers);
    t.headers = nullptr;
    out[t.index] = std::move(t.result);
    if (t.easy != nullptr) ReleaseEasy(t.easy);
    t.easy = nullptr;
    ++done;
  };
  auto start_more = [&] {
    while (next < requests.size() && running < static_cast<size_t>(options_.max_in_flight)) {
      transfers[next] = std::make_unique<Transfer>();
      Transfer& t = *transfers[next];
      t.index = next;
      t.excerpt_cap = options_.max_body_excerpt;
      ++next;
      t.easy = static_cast<CURL*>(AcquireEasy());
      if (t.easy == nullptr) {
        t.result.transport_error = TransportError::kConnection;
        t.result.error_message = "curl_easy_init failed";
        finish(t);
        continue;
      }
      if (!Setup(t, requests[t.index], options_) ||
          curl_multi_add_handle(multi, t.easy) != CURLM_OK) {
        t.result.transport_error = TransportError::kInvalidRequest;
        if (t.result.error_message.empty()) t.result.error_message = "could not start transfer";
        finish(t);
        continue;
      }
      ++running;
    }
  };
  // Requests that may linger and reached their own timeout: reported now as timeouts, kept open
  // (or, when the request never left, abandoned as curl would have at the timeout).
  auto linger_overdue = [&] {
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < next; ++i) {
      std::unique_ptr<Transfer>& p = transfers[i];
      if (p == nullptr || !p->may_linger || p->easy == nullptr || now < p->deadline) continue;
      const size_t index = p->index;
      ports::SendResult timeout;
      timeout.transport_error = TransportError::kTimeout;
      timeout.latency =
          std::chrono::duration_cast<Duration>(now - p->deadline + requests[index].timeout);
      --running;
      ++done;
      if (RequestLeft(p->easy)) {
        timeout.error_message = "timed out; waiting for a late answer";
        timeout.linger = options_.linger;
        timeout.linger_id = StartLingering(std::move(p));
      } else {
        timeout.error_message = curl_easy_strerror(CURLE_OPERATION_TIMEDOUT);
        Dispose(*p);
      }
      out[index] = std::move(timeout);
      p.reset();
    }
  };

  start_more();
  while (done < requests.size()) {
    int still = 0;
    curl_multi_perform(multi, &still);
    ReadDone([&](Transfer& t) {
      --running;
      finish(t);
    });
    linger_overdue();
    start_more();
    if (done < requests.size() && running > 0) {
      // Wake for the nearest own timeout of a request that may linger (curl's timeout is later).
      int wait_ms = 100;
      const auto now = std::chrono::steady_clock::now();
      for (size_t i = 0; i < next; ++i) {
        const std::unique_ptr<Transfer>& p = transfers[i];
        if (p == nullptr || !p->may_linger || p->easy == nullptr) continue;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(p->deadline - now).count();
        wait_ms = std::clamp(static_cast<int>(left) + 1, 0, wait_ms);
      }
      curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
  }
  return out;
}

}  // namespace secplat::adapters::notify
