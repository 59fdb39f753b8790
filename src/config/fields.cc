#include "config/fields.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdint>

namespace secplat::config::internal {
namespace {

using Kind = RawValue::Kind;
using Problem = std::optional<std::string>;
// Checks a decoded string; returns the problem message or nullopt.
using StringCheck = Problem (*)(std::string_view text);

std::string Got(const RawValue& v) {
  switch (v.kind) {
    case Kind::kScalar:
      return QuoteForMessage(v.text);
    case Kind::kNull:
      return "null";
    case Kind::kSequence:
      return "a sequence";
    case Kind::kMapping:
      return "a mapping";
  }
  return "?";
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// The authority of "scheme://authority/path?query": [begin, end) offsets, or nullopt.
struct Authority {
  size_t begin;
  size_t end;
};
std::optional<Authority> FindAuthority(std::string_view url) {
  size_t p = url.find("://");
  if (p == std::string_view::npos) return std::nullopt;
  size_t begin = p + 3;
  size_t end = url.find_first_of("/?#", begin);
  if (end == std::string_view::npos) end = url.size();
  return Authority{begin, end};
}

// The password in "scheme://user:password@...": [begin, end) offsets. The userinfo is taken to
// end at the last '@' of the whole URL, not of the authority, so that a password holding an
// unescaped '/', '?' or '#' is still found (a false positive only costs a clear message).
std::optional<std::pair<size_t, size_t>> FindUserinfoPassword(std::string_view url) {
  size_t p = url.find("://");
  if (p == std::string_view::npos) return std::nullopt;
  size_t begin = p + 3;
  size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < begin) return std::nullopt;
  size_t colon = url.substr(begin, at - begin).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::make_pair(begin + colon + 1, at);
}

// The values of every "password=" query parameter, as [begin, end) offsets, in order.
std::vector<std::pair<size_t, size_t>> FindQueryPasswords(std::string_view url) {
  std::vector<std::pair<size_t, size_t>> found;
  size_t q = url.find('?');
  if (q == std::string_view::npos) return found;
  size_t pos = q + 1;
  while (pos <= url.size()) {
    size_t amp = url.find_first_of("&#", pos);
    if (amp == std::string_view::npos) amp = url.size();
    std::string_view param = url.substr(pos, amp - pos);
    if (StartsWith(param, "password=")) found.emplace_back(pos + 9, amp);
    if (amp >= url.size() || url[amp] == '#') break;
    pos = amp + 1;
  }
  return found;
}

bool UrlHasPassword(std::string_view url) {
  return FindUserinfoPassword(url).has_value() || !FindQueryPasswords(url).empty();
}

std::string PasswordProblem(std::string_view section, std::string_view secret_key) {
  return "must not contain a password; set " + EnvName(section, secret_key) + " or " +
         std::string(section) + "." + std::string(secret_key) + "_file";
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

// An IPv4/IPv6 literal, or a DNS name whose last label is not all digits.
bool IsHostOrAddress(std::string_view host) {
  // inet_pton() stops at a NUL: "127.0.0.1\0junk" must not pass as an address.
  if (host.empty() || host.size() > 253 || host.find('\0') != std::string_view::npos) return false;
  std::string h(host);
  unsigned char buf[16];
  if (inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1)
    return true;
  size_t start = 0;
  bool last_all_digits = true;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
      return false;
    last_all_digits = true;
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
        return false;
      if (c < '0' || c > '9') last_all_digits = false;
    }
    start = dot + 1;
  }
  return !last_all_digits;
}

// "host:port" or "[v6]:port"; port 1..65535.
bool IsHostPort(std::string_view hp) {
  std::string_view host;
  std::string_view port;
  if (StartsWith(hp, "[")) {
    size_t close = hp.find(']');
    if (close == std::string_view::npos || close + 1 >= hp.size() || hp[close + 1] != ':')
      return false;
    host = hp.substr(1, close - 1);
    port = hp.substr(close + 2);
    if (host.find('\0') != std::string_view::npos) return false;
    std::string h(host);
    unsigned char buf[16];
    if (inet_pton(AF_INET6, h.c_str(), buf) != 1) return false;
  } else {
    size_t colon = hp.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = hp.substr(0, colon);
    port = hp.substr(colon + 1);
    if (host.empty()) return false;
    for (char c : host) {
      if (!IsHostChar(c)) return false;
    }
  }
  int64_t p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  return ParseInt(port, &p) && p >= 1 && p <= 65535;
}

bool HasSpaceOrControl(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return true;
  }
  return false;
}

// ---- field builders -------------------------------------------------------------------------

template <typename S, typename T>
Field IntField(std::string_view sec, std::string_view key, S Config::*s, T S::*f, int64_t lo,
               int64_t hi) {
  std::string expect =
      "must be an integer between " + std::to_string(lo) + " and " + std::to_string(hi);
  return Field{sec, key, false,
               [=](Config& c, const RawValue& v) -> Problem {
                 int64_t n = 0;
                 if (v.kind != Kind::kScalar || !ParseInt(v.text, &n) || n < lo || n > hi)
                   return expect + ", got " + Got(v);
                 (c.*s).*f = static_cast<T>(n);
                 return std::nullopt;
               },
               [=](const Config& c) { return std::to_string((c.*s).*f); }};
}

template <typename S>
Field BoolField(std::string_view sec, std::string_view key, S Config::*s, bool S::*f) {
  return Field{sec, key, false,
               [=](Config& c, const RawValue& v) -> Problem {
                 if (v.kind == Kind::kScalar && v.text == "true") {
                   (c.*s).*f = true;
                 } else if (v.kind == Kind::kScalar && v.text == "false") {
                   (c.*s).*f = false;
                 } else {
                   return "must be true or false, got " + Got(v);
                 }
                 return std::nullopt;
               },
               [=](const Config& c) { return std::string((c.*s).*f ? "true" : "false"); }};
}

template <typename S>
Field DurationField(std::string_view sec, std::string_view key, S Config::*s, Duration S::*f) {
  return Field{sec, key, false,
               [=](Config& c, const RawValue& v) -> Problem {
                 if (v.kind == Kind::kScalar) {
                   if (auto d = ParseDuration(v.text); d.has_value()) {
                     (c.*s).*f = *d;
                     return std::nullopt;
                   }
                 }
                 return "must be a positive duration like \"500ms\", \"30s\", \"5m\", \"1h\" or "
                        "\"2d\" (at most 365d), got " +
                        Got(v);
               },
               [=](const Config& c) { return FormatDuration((c.*s).*f); }};
}

template <typename S>
Field StringField(std::string_view sec, std::string_view key, S Config::*s, std::string S::*f,
                  StringCheck check, bool is_url = false) {
  return Field{sec, key, false,
               [=](Config& c, const RawValue& v) -> Problem {
                 if (v.kind == Kind::kSequence || v.kind == Kind::kMapping)
                   return "must be a string, got " + Got(v);
                 std::string text = v.kind == Kind::kNull ? std::string() : v.text;
                 // Paths and URLs reach C APIs, which would silently cut them at a NUL.
                 if (text.find('\0') != std::string::npos)
                   return "must not contain NUL bytes, got " + Got(v);
                 if (check != nullptr) {
                   if (Problem p = check(text)) return p;
                 }
                 (c.*s).*f = std::move(text);
                 return std::nullopt;
               },
               [=](const Config& c) {
                 return Quote(is_url ? RedactUrl((c.*s).*f) : std::string((c.*s).*f));
               }};
}

template <typename S>
Field SecretField(std::string_view sec, std::string_view key, S Config::*s, Secret S::*f) {
  return Field{sec, key, true,
               [=](Config& c, const RawValue& v) -> Problem {
                 if (v.from_env) {
                   // An empty variable leaves the secret unset (compose files often write FOO=).
                   (c.*s).*f = Secret(v.text);
                   return std::nullopt;
                 }
                 // Writing nothing (`token: ""`, as DumpEffective prints an unset secret) is fine.
                 if (v.kind == Kind::kNull || (v.kind == Kind::kScalar && v.text.empty()))
                   return std::nullopt;
                 return "secrets cannot be written in the config file; set " + EnvName(sec, key) +
                        " or " + std::string(sec) + "." + std::string(key) + "_file";
               },
               [=](const Config& c) {
                 return ((c.*s).*f).empty() ? std::string("\"\"") : std::string(kRedacted);
               }};
}

Field LogLevelField() {
  return Field{"log", "level", false,
               [](Config& c, const RawValue& v) -> Problem {
                 if (v.kind == Kind::kScalar) {
                   for (const char* level : {"debug", "info", "warn", "error"}) {
                     if (v.text == level) {
                       c.log.level = level;
                       return std::nullopt;
                     }
                   }
                 }
                 return "must be one of debug, info, warn, error, got " + Got(v);
               },
               [](const Config& c) { return c.log.level; }};
}

// ---- string checks --------------------------------------------------------------------------

Problem CheckListenAddress(std::string_view text) {
  if (IsHostOrAddress(text)) return std::nullopt;
  return "must be an IP address or host name, got " + QuoteForMessage(text);
}

Problem CheckNotEmpty(std::string_view text) {
  if (text.empty()) return "must not be empty";
  return std::nullopt;
}

Problem CheckDatabaseUrl(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (StartsWith(text, "sqlite:") && text.size() > 7) return std::nullopt;
  if (StartsWith(text, "postgres://") || StartsWith(text, "postgresql://")) {
    if (UrlHasPassword(text)) return PasswordProblem("storage", "database_password");
    return std::nullopt;
  }
  return "must be empty, \"sqlite:<path>\", \"postgres://...\" or \"postgresql://...\", got " +
         QuoteForMessage(RedactUrl(text));
}

Problem CheckQueueUrl(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string bad =
      "must be empty or \"redis://host:port[/db]\", got " + QuoteForMessage(RedactUrl(text));
  if (!StartsWith(text, "redis://")) return bad;
  if (UrlHasPassword(text)) return PasswordProblem("queue", "password");
  std::string_view rest = text.substr(8);
  size_t slash = rest.find('/');
  std::string_view hostport = rest.substr(0, slash);
  if (!IsHostPort(hostport)) return bad;
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (db.empty() || db.size() > 5) return bad;
    for (char c : db) {
      if (c < '0' || c > '9') return bad;
    }
  }
  return std::nullopt;
}

Problem CheckApiUrl(std::string_view text) {
  std::string bad =
      "must be an http:// or https:// URL with a host, got " + QuoteForMessage(RedactUrl(text));
  if (!(StartsWith(text, "http://") || StartsWith(text, "https://")) || HasSpaceOrControl(text))
    return bad;
  if (UrlHasPassword(text)) return PasswordProblem("platform", "token");
  auto a = FindAuthority(text);
  std::string_view authority = text.substr(a->begin, a->end - a->begin);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.empty() || authority.front() == ':') return bad;
  return std::nullopt;
}

// Empty, or a URL as CheckApiUrl wants it (links in notifications).
Problem CheckOptionalHttpUrl(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (UrlHasPassword(text)) return "must not carry credentials (it is shown in messages)";
  return CheckApiUrl(text);
}

// A comma-separated list of IPv4/IPv6 CIDRs ("10.0.0.0/8, fd00::/8"); empty is fine.
Problem CheckCidrList(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    size_t slash = item.find('/');
    std::string addr(item.substr(0, slash));
    unsigned char buf[16];
    int bits = 0;
    bool v4 = inet_pton(AF_INET, addr.c_str(), buf) == 1;
    bool v6 = !v4 && inet_pton(AF_INET6, addr.c_str(), buf) == 1;
    int64_t prefix = 0;
    bool prefix_ok =
        slash != std::string_view::npos && ParseInt(item.substr(slash + 1), &prefix) && prefix >= 0;
    bits = v4 ? 32 : 128;
    if (item.empty() || (!v4 && !v6) || !prefix_ok || prefix > bits ||
        addr.find('\0') != std::string::npos) {
      return "must be a comma-separated list of CIDRs like 10.0.0.0/8 or fd00::/8, got " +
             QuoteForMessage(item);
    }
    pos = comma + 1;
  }
  return std::nullopt;
}

// "name=ip, name=ip" with DNS names and IP literals; empty is fine.
Problem CheckStaticHosts(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    size_t eq = item.find('=');
    std::string ip(eq == std::string_view::npos ? "" : item.substr(eq + 1));
    unsigned char buf[16];
    bool ip_ok = ip.find('\0') == std::string::npos && (inet_pton(AF_INET, ip.c_str(), buf) == 1 ||
                                                        inet_pton(AF_INET6, ip.c_str(), buf) == 1);
    if (eq == std::string_view::npos || !IsHostOrAddress(item.substr(0, eq)) || !ip_ok) {
      return "must be a comma-separated list of name=ip like site.test=127.0.0.1, got " +
             QuoteForMessage(item);
    }
    pos = comma + 1;
  }
  return std::nullopt;
}

std::vector<Field> BuildFields() {
  using C = Config;
  using Srv = ServerConfig;
  using Sto = StorageConfig;
  using Que = QueueConfig;
  using Pla = PlatformConfig;
  using Wrk = WorkerConfig;
  using Ntf = NotifierConfig;
  return {
      StringField("server", "listen_address", &C::server, &Srv::listen_address,
                  &CheckListenAddress),
      IntField("server", "port", &C::server, &Srv::port, 0, 65535),
      IntField("server", "io_threads", &C::server, &Srv::io_threads, 1, 64),
      IntField("server", "max_body_bytes", &C::server, &Srv::max_body_bytes, 1024, 67108864),
      DurationField("server", "read_timeout", &C::server, &Srv::read_timeout),
      DurationField("server", "idle_timeout", &C::server, &Srv::idle_timeout),
      IntField("server", "max_connections", &C::server, &Srv::max_connections, 1, 100000),

      StringField("storage", "data_dir", &C::storage, &Sto::data_dir, &CheckNotEmpty),
      StringField("storage", "database_url", &C::storage, &Sto::database_url, &CheckDatabaseUrl,
                  /*is_url=*/true),
      SecretField("storage", "database_password", &C::storage, &Sto::database_password),
      StringField("storage", "database_password_file", &C::storage, &Sto::database_password_file,
                  nullptr),
      DurationField("storage", "busy_timeout", &C::storage, &Sto::busy_timeout),

      StringField("queue", "url", &C::queue, &Que::url, &CheckQueueUrl, /*is_url=*/true),
      SecretField("queue", "password", &C::queue, &Que::password),
      StringField("queue", "password_file", &C::queue, &Que::password_file, nullptr),

      LogLevelField(),

      StringField("platform", "api_url", &C::platform, &Pla::api_url, &CheckApiUrl,
                  /*is_url=*/true),
      SecretField("platform", "token", &C::platform, &Pla::token),
      StringField("platform", "token_file", &C::platform, &Pla::token_file, nullptr),

      BoolField("auth", "bootstrap_admin", &C::auth, &AuthConfig::bootstrap_admin),
      IntField("auth", "failed_auth_burst", &C::auth, &AuthConfig::failed_auth_burst, 1, 1000000),
      IntField("auth", "failed_auth_per_minute", &C::auth, &AuthConfig::failed_auth_per_minute, 1,
               1000000),

      IntField("worker", "max_in_flight", &C::worker, &Wrk::max_in_flight, 1, 100000),
      IntField("worker", "api_threads", &C::worker, &Wrk::api_threads, 1, 64),
      IntField("worker", "probe_threads", &C::worker, &Wrk::probe_threads, 0, 64),
      IntField("worker", "per_host_connections", &C::worker, &Wrk::per_host_connections, 1, 1000),
      DurationField("worker", "lease", &C::worker, &Wrk::lease),
      BoolField("worker", "allow_loopback", &C::worker, &Wrk::allow_loopback),
      BoolField("worker", "allow_private", &C::worker, &Wrk::allow_private),
      StringField("worker", "allow_cidrs", &C::worker, &Wrk::allow_cidrs, &CheckCidrList),
      StringField("worker", "deny_cidrs", &C::worker, &Wrk::deny_cidrs, &CheckCidrList),
      StringField("worker", "ca_file", &C::worker, &Wrk::ca_file, nullptr),
      StringField("worker", "static_hosts", &C::worker, &Wrk::static_hosts, &CheckStaticHosts),

      DurationField("scheduler", "interval", &C::scheduler, &SchedulerConfig::interval),

      DurationField("deriver", "sweep_interval", &C::deriver, &DeriverConfig::sweep_interval),
      IntField("deriver", "concurrency", &C::deriver, &DeriverConfig::concurrency, 1, 64),
      IntField("deriver", "sweep_batch", &C::deriver, &DeriverConfig::sweep_batch, 1, 1000),
      IntField("deriver", "sweep_in_flight", &C::deriver, &DeriverConfig::sweep_in_flight, 1, 16),

      IntField("posture", "fail_threshold", &C::posture, &PostureConfig::fail_threshold, 1, 100),
      IntField("posture", "recover_threshold", &C::posture, &PostureConfig::recover_threshold, 1,
               100),
      DurationField("posture", "debounce_window", &C::posture, &PostureConfig::debounce_window),
      IntField("posture", "flap_window", &C::posture, &PostureConfig::flap_window, 2, 64),
      IntField("posture", "flap_low_percent", &C::posture, &PostureConfig::flap_low_percent, 1,
               100),
      IntField("posture", "flap_high_percent", &C::posture, &PostureConfig::flap_high_percent, 1,
               100),

      StringField("notifier", "routes_file", &C::notifier, &Ntf::routes_file, nullptr),
      IntField("notifier", "concurrency", &C::notifier, &Ntf::concurrency, 1, 64),
      IntField("notifier", "sender_threads", &C::notifier, &Ntf::sender_threads, 1, 64),
      IntField("notifier", "handle_batch", &C::notifier, &Ntf::handle_batch, 1, 1000),
      DurationField("notifier", "batch_wait", &C::notifier, &Ntf::batch_wait),
      IntField("notifier", "batch_workers", &C::notifier, &Ntf::batch_workers, 1, 64),
      IntField("notifier", "send_batch", &C::notifier, &Ntf::send_batch, 1, 1000),
      DurationField("notifier", "sweep_interval", &C::notifier, &Ntf::sweep_interval),
      DurationField("notifier", "claim_lease", &C::notifier, &Ntf::claim_lease),
      IntField("notifier", "max_attempts", &C::notifier, &Ntf::max_attempts, 1, 100),
      StringField("notifier", "external_url", &C::notifier, &Ntf::external_url,
                  &CheckOptionalHttpUrl, /*is_url=*/true),
      DurationField("notifier", "retention", &C::notifier, &Ntf::retention),
  };
}

}  // namespace

const std::vector<Field>& Fields() {
  static const auto* const kFields = new std::vector<Field>(BuildFields());
  return *kFields;
}

const std::vector<std::string_view>& Sections() {
  static const auto* const kSections = new std::vector<std::string_view>{
      "server", "storage",   "queue",   "log",     "platform", "auth",
      "worker", "scheduler", "deriver", "posture", "notifier"};
  return *kSections;
}

const std::vector<SecretSlot>& SecretSlots() {
  static const auto* const kSlots = new std::vector<SecretSlot>{
      {"storage", "database_password", "database_password_file",
       [](Config& c) -> Secret& { return c.storage.database_password; },
       [](Config& c) -> std::string& { return c.storage.database_password_file; }},
      {"queue", "password", "password_file", [](Config& c) -> Secret& { return c.queue.password; },
       [](Config& c) -> std::string& { return c.queue.password_file; }},
      {"platform", "token", "token_file", [](Config& c) -> Secret& { return c.platform.token; },
       [](Config& c) -> std::string& { return c.platform.token_file; }},
  };
  return *kSlots;
}

std::string EnvName(std::string_view section, std::string_view key) {
  return "SECPLAT_" + Upper(section) + "_" + Upper(key);
}

std::string Quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kMax = 64;
  if (text.size() <= kMax) return Quote(text);
  return Quote(text.substr(0, kMax)) + "...";
}

std::string RedactUrl(std::string_view url) {
  if (url.find("://") == std::string_view::npos) {
    size_t at = url.rfind('@');
    if (at != std::string_view::npos) return std::string(kRedacted) + std::string(url.substr(at));
    return std::string(url);
  }
  std::string out(url);
  // Query first, back to front, so earlier offsets stay valid; then the userinfo before them.
  auto query = FindQueryPasswords(url);
  for (auto it = query.rbegin(); it != query.rend(); ++it) {
    out.replace(it->first, it->second - it->first, kRedacted);
  }
  if (auto userinfo = FindUserinfoPassword(out)) {
    out.replace(userinfo->first, userinfo->second - userinfo->first, kRedacted);
  }
  return out;
}

}  // namespace secplat::config::internal
