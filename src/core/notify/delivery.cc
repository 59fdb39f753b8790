#include "core/notify/delivery.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "core/contracts/sha256.h"

namespace secplat::core::notify {
namespace {

using model::DeliveryState;
using model::ResponseClass;
using model::TransportError;

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Non-negative decimal integer, all digits, at most 18 of them.
std::optional<int64_t> ParseDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

std::optional<int> ParseFixed(std::string_view s, size_t pos, size_t len) {
  if (pos + len > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

std::optional<unsigned> MonthIndex(std::string_view m) {
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i) {
    if (m == kMonths[i]) return i + 1;
  }
  return std::nullopt;
}

Result<Timestamp> MakeTime(int year, unsigned month, int day, int hh, int mm, int ss) {
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year(year), std::chrono::month(month),
                           std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok() || hh > 23 || mm > 59 || ss > 60) {
    return Unexpected(ErrorCode::kInvalidArgument, "HTTP-date out of range");
  }
  return Timestamp(time_point_cast<milliseconds>(sys_days(ymd) + hours(hh) + minutes(mm) +
                                                 seconds(std::min(ss, 59))));
}

// "HH:MM:SS" at `pos`.
bool ParseClock(std::string_view s, size_t pos, int& hh, int& mm, int& ss) {
  auto h = ParseFixed(s, pos, 2), m = ParseFixed(s, pos + 3, 2), sec = ParseFixed(s, pos + 6, 2);
  if (!h || !m || !sec || s.size() < pos + 8 || s[pos + 2] != ':' || s[pos + 5] != ':') {
    return false;
  }
  hh = *h;
  mm = *m;
  ss = *sec;
  return true;
}

Duration Seconds(int64_t s) {
  return std::chrono::duration_cast<Duration>(std::chrono::seconds(s));
}

std::string Ms(Duration d) { return std::to_string(d.count()) + " ms"; }

// Reads Retry-After, then X-RateLimit-Reset. Appends notes about unusable values to `detail`.
std::optional<Duration> RetryAfter(const HeaderList& headers, Timestamp now, std::string& detail) {
  if (auto ra = FindHeader(headers, "Retry-After")) {
    const std::string_view v = Trim(*ra);
    if (auto secs = ParseDigits(v)) return Seconds(std::min<int64_t>(*secs, 10LL * 365 * 86400));
    if (auto when = ParseHttpDate(v); when.has_value()) {
      return std::max(Duration::zero(), *when - now);
    }
    detail += "; unparsable Retry-After ignored";
  }
  if (auto reset = FindHeader(headers, "X-RateLimit-Reset")) {
    const std::string_view v = Trim(*reset);
    if (auto n = ParseDigits(v)) {
      // Epoch seconds (Jira-style ISO is handled below); some APIs send a delta in seconds.
      // Anything below ~2001-09-09 (1e9 s) cannot be an epoch time of a current reset.
      if (*n >= 1000000000) {
        return std::max(Duration::zero(), FromUnixMillis(*n * 1000) - now);
      }
      return Seconds(*n);
    }
    if (auto when = ParseRfc3339(v); when.has_value()) {
      return std::max(Duration::zero(), *when - now);
    }
    detail += "; unparsable X-RateLimit-Reset ignored";
  }
  return std::nullopt;
}

}  // namespace

std::string DeliveryIdempotencyKey(std::string_view event_id, std::string_view channel) {
  // Length-prefixed, so no (event_id, channel) pair can collide with another by moving a
  // separator character from one part into the other.
  std::string input = std::to_string(event_id.size());
  input += ':';
  input += event_id;
  input += channel;
  return "ntf_" + contracts::Sha256Hex(input).substr(0, 32);
}

std::string ProblemFingerprint(std::string_view problem_key) {
  return contracts::Sha256Hex(problem_key).substr(0, 16);
}

Result<Timestamp> ParseHttpDate(std::string_view text) {
  const std::string_view s = Trim(text);
  auto bad = [&] {
    return Unexpected(ErrorCode::kInvalidArgument, "not an HTTP-date: '" + std::string(s) + "'");
  };
  int hh = 0, mm = 0, ss = 0;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 chars).
  if (s.size() == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' && s[16] == ' ' &&
      s.substr(25) == " GMT") {
    auto day = ParseFixed(s, 5, 2);
    auto month = MonthIndex(s.substr(8, 3));
    auto year = ParseFixed(s, 12, 4);
    if (!day || !month || !year || !ParseClock(s, 17, hh, mm, ss)) return bad();
    return MakeTime(*year, *month, *day, hh, mm, ss);
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".
  if (size_t comma = s.find(", "); comma != std::string_view::npos && comma >= 6 &&
                                   s.size() == comma + 24 && s.substr(s.size() - 4) == " GMT") {
    const size_t p = comma + 2;
    auto day = ParseFixed(s, p, 2);
    auto month = MonthIndex(s.substr(p + 3, 3));
    auto yy = ParseFixed(s, p + 7, 2);
    if (!day || !month || !yy || s[p + 2] != '-' || s[p + 6] != '-' || s[p + 9] != ' ' ||
        !ParseClock(s, p + 10, hh, mm, ss)) {
      return bad();
    }
    // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
    const int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
    return MakeTime(year, *month, *day, hh, mm, ss);
  }
  // asctime: "Sun Nov  6 08:49:37 1994" (24 chars; day space-padded).
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
    auto month = MonthIndex(s.substr(4, 3));
    std::optional<int> day = s[8] == ' ' ? ParseFixed(s, 9, 1) : ParseFixed(s, 8, 2);
    auto year = ParseFixed(s, 20, 4);
    if (!day || !month || !year || !ParseClock(s, 11, hh, mm, ss)) return bad();
    return MakeTime(*year, *month, *day, hh, mm, ss);
  }
  return bad();
}

Classification ClassifyResponse(int status, const HeaderList& headers,
                                TransportError transport_error, Timestamp now) {
  Classification c;
  if (status <= 0 || transport_error != TransportError::kNone) {
    switch (transport_error) {
      case TransportError::kTimeout:
        c = {ResponseClass::kTimeout, true, std::nullopt, "no response in time"};
        break;
      case TransportError::kInvalidRequest:
        c = {ResponseClass::kClientError, false, std::nullopt, "request could not be sent"};
        break;
      case TransportError::kConnection:
      case TransportError::kNone:  // status 0 without an error: treat as a broken exchange
        c = {ResponseClass::kConnection, true, std::nullopt, "connection failed"};
        break;
    }
    return c;
  }
  const std::string code = std::to_string(status);
  if (status >= 200 && status < 300) {
    return {ResponseClass::kOk, false, std::nullopt, code + " ok"};
  }
  if (status == 429 || status == 425) {
    c = {ResponseClass::kRateLimited, true, std::nullopt, code + " rate limited"};
  } else if (status == 408) {
    c = {ResponseClass::kTimeout, true, std::nullopt, code + " request timeout"};
  } else if (status >= 500 && status < 600) {
    c = {ResponseClass::kServerError, true, std::nullopt, code + " server error"};
  } else if (status == 401 || status == 403) {
    return {ResponseClass::kAuthError, false, std::nullopt, code + " auth error"};
  } else if (status >= 300 && status < 400) {
    return {ResponseClass::kClientError, false, std::nullopt,
            code + " redirect (not followed; check the URL)"};
  } else {
    return {ResponseClass::kClientError, false, std::nullopt, code + " client error"};
  }
  c.retry_after = RetryAfter(headers, now, c.detail);
  if (c.retry_after) c.detail += "; retry-after " + Ms(*c.retry_after);
  return c;
}

AttemptOutcome NextAttempt(int attempts, const Classification& c, const RetryPolicy& policy,
                           double random01, Timestamp now) {
  AttemptOutcome o;
  if (c.response_class == ResponseClass::kOk) {
    o.state = DeliveryState::kDelivered;
    o.reason = "delivered";
    return o;
  }
  if (!c.retryable) {
    o.state = DeliveryState::kFailedPermanent;
    o.reason = "permanent failure: " + std::string(model::ResponseClassName(c.response_class));
    return o;
  }
  if (attempts >= policy.max_attempts) {
    o.state = DeliveryState::kDead;
    o.reason = "dead after " + std::to_string(attempts) +
               " attempts (last: " + std::string(model::ResponseClassName(c.response_class)) + ")";
    return o;
  }
  Duration delay{};
  std::string why;
  if (c.retry_after) {
    delay = std::min(*c.retry_after, policy.max_retry_after);
    why = *c.retry_after > policy.max_retry_after ? "retry-after, capped" : "retry-after";
  } else {
    // Exponential cap without overflow: stop doubling once past max_delay.
    Duration cap = std::max(policy.base_delay, Duration(1));
    for (int i = 1; i < attempts && cap < policy.max_delay; ++i) cap *= 2;
    cap = std::min(cap, policy.max_delay);
    const double r = std::clamp(std::isnan(random01) ? 0.0 : random01, 0.0, 1.0);
    delay = Duration(static_cast<int64_t>(r * static_cast<double>(cap.count())));
    delay = std::max(delay, policy.min_delay);
    why = "backoff";
  }
  o.state = DeliveryState::kRetrying;
  o.delay = delay;
  o.next_attempt_at = now + delay;
  o.reason = "retry in " + Ms(delay) + " (" + why + ")";
  return o;
}

model::DeliveryRecord NewDelivery(const model::NotifyEvent& event, std::string_view channel,
                                  Timestamp now) {
  model::DeliveryRecord r;
  r.idempotency_key = DeliveryIdempotencyKey(event.event_id, channel);
  r.event_id = event.event_id;
  r.channel = std::string(channel);
  r.problem_key = event.problem_key;
  r.state = DeliveryState::kPending;
  r.created_at = now;
  r.next_attempt_at = now;
  return r;
}

bool IsTerminal(DeliveryState s) {
  return s == DeliveryState::kDelivered || s == DeliveryState::kFailedPermanent ||
         s == DeliveryState::kDead;
}

Result<model::DeliveryRecord> RecordAttempt(model::DeliveryRecord record, int status,
                                            const Classification& c, const RetryPolicy& policy,
                                            double random01, Timestamp now) {
  if (IsTerminal(record.state)) {
    return Unexpected(ErrorCode::kConflict,
                      "delivery " + record.idempotency_key + " is already " +
                          std::string(model::DeliveryStateName(record.state)));
  }
  record.attempts += 1;
  record.last_attempt_at = now;
  record.last_response = model::LastResponse{.status = status,
                                             .response_class = c.response_class,
                                             .detail = c.detail,
                                             .retry_after = c.retry_after};
  AttemptOutcome o = NextAttempt(record.attempts, c, policy, random01, now);
  record.state = o.state;
  record.next_attempt_at = o.next_attempt_at;
  if (o.state == DeliveryState::kDelivered) record.delivered_at = now;
  return record;
}

}  // namespace secplat::core::notify
