#include "core/contracts/keys.h"

#include <algorithm>

#include "core/contracts/sha256.h"

namespace secplat::core::contracts {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool IsTchar(char c) {
  if (IsAlpha(c) || IsDigit(c)) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

// Rule 3, for a string that starts with '/' (or is empty, from a URL without a path).
std::string NormalisePath(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  std::string out;
  out.reserve(path.size() + 1);
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  if (out.empty()) return "/";
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

// Length of a URL scheme followed by "://" at the start of `s`, or 0.
size_t SchemeLength(std::string_view s) {
  if (s.empty() || !IsAlpha(s[0])) return 0;
  size_t i = 1;
  while (i < s.size() &&
         (IsAlpha(s[i]) || IsDigit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
    ++i;
  return s.substr(i, 3) == "://" ? i : 0;
}

std::string NormaliseUrl(std::string_view s, size_t scheme_len) {
  std::string scheme = LowerAscii(s.substr(0, scheme_len));
  std::string_view rest = s.substr(scheme_len + 3);
  size_t auth_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, auth_end);
  if (size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  std::string host = LowerAscii(authority);
  auto drop_port = [&host](std::string_view port) {
    if (host.size() > port.size() && host.ends_with(port)) host.resize(host.size() - port.size());
  };
  if (scheme == "http") drop_port(":80");
  if (scheme == "https") drop_port(":443");
  std::string_view path = rest.substr(auth_end);
  // A URL whose path part starts with '?' or '#' has an empty path.
  if (!path.empty() && path[0] != '/') path = std::string_view();
  return scheme + "://" + host + NormalisePath(path);
}

}  // namespace

std::string NormaliseLocation(std::string_view location) {
  while (!location.empty() && IsSpace(location.front())) location.remove_prefix(1);
  while (!location.empty() && IsSpace(location.back())) location.remove_suffix(1);
  if (location.empty()) return std::string();
  if (size_t n = SchemeLength(location); n > 0) return NormaliseUrl(location, n);
  if (location[0] == '/') return NormalisePath(location);
  if (std::all_of(location.begin(), location.end(), IsTchar)) return LowerAscii(location);
  return std::string(location);
}

std::string DeriveFindingKey(std::string_view asset_key, std::string_view source,
                             std::string_view check_id, std::string_view location) {
  std::string material;
  std::string loc = NormaliseLocation(location);
  material.reserve(asset_key.size() + source.size() + check_id.size() + loc.size() + 3);
  material.append(asset_key).push_back('\x1f');
  material.append(source).push_back('\x1f');
  material.append(check_id).push_back('\x1f');
  material.append(loc);
  return "f_" + Sha256Hex(material).substr(0, 32);
}

int64_t PeriodBucket(Timestamp now, Duration interval) {
  auto floor_div = [](int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  };
  int64_t unix_seconds = floor_div(ToUnixMillis(now), 1000);
  int64_t interval_seconds = std::max<int64_t>(1, interval.count() / 1000);
  return floor_div(unix_seconds, interval_seconds);
}

std::string ScanIdempotencyKey(std::string_view scan_type, std::string_view asset_key,
                               Timestamp now, Duration interval) {
  std::string key;
  key.append(scan_type).push_back('+');
  key.append(asset_key).push_back('+');
  key.append(std::to_string(PeriodBucket(now, interval)));
  return key;
}

bool IsValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 256 || !(IsAlpha(key[0]) || IsDigit(key[0]))) return false;
  for (char c : key) {
    if (!(IsAlpha(c) || IsDigit(c) || c == '.' || c == '_' || c == ':' || c == '+' || c == '-'))
      return false;
  }
  return true;
}

}  // namespace secplat::core::contracts
