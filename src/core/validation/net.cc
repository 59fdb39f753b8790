#include "core/validation/net.h"

#include <algorithm>
#include <vector>

namespace secplat::core::validation {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Groups of 1..4 hex digits separated by ':'; an empty string is zero groups.
bool HexGroups(std::string_view s, size_t* count) {
  *count = 0;
  if (s.empty()) return true;
  for (std::string_view g : Split(s, ':')) {
    if (g.empty() || g.size() > 4 || !std::all_of(g.begin(), g.end(), IsHex)) return false;
    ++*count;
  }
  return true;
}

Unexpected UrlError(std::string_view why) {
  return Unexpected(ErrorCode::kInvalidArgument, "url: " + std::string(why));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

bool IsIpv4Literal(std::string_view s) {
  auto parts = Split(s, '.');
  if (parts.size() != 4) return false;
  for (std::string_view p : parts) {
    if (p.empty() || p.size() > 3 || !std::all_of(p.begin(), p.end(), IsDigit)) return false;
    if (p.size() > 1 && p[0] == '0') return false;
    int v = 0;
    for (char c : p) v = v * 10 + (c - '0');
    if (v > 255) return false;
  }
  return true;
}

bool IsIpv6Literal(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  // A trailing dotted IPv4 counts as two groups.
  size_t extra = 0;
  if (size_t last_colon = s.rfind(':');
      last_colon != std::string_view::npos && s.find('.', last_colon) != std::string_view::npos) {
    if (!IsIpv4Literal(s.substr(last_colon + 1))) return false;
    extra = 2;
    s = s.substr(0, last_colon + 1);
    // "::1.2.3.4" leaves "::"; "64:ff9b::1.2.3.4" leaves "64:ff9b::"; "1:2:3:4:5:6:1.2.3.4"
    // leaves "1:2:3:4:5:6:" whose trailing ':' must go unless it belongs to "::".
    if (!s.ends_with("::")) s.remove_suffix(1);
  }
  size_t dc = s.find("::");
  if (dc == std::string_view::npos) {
    size_t n;
    return HexGroups(s, &n) && n + extra == 8;
  }
  if (s.find("::", dc + 1) != std::string_view::npos) return false;  // two "::"
  size_t left, right;
  if (!HexGroups(s.substr(0, dc), &left) || !HexGroups(s.substr(dc + 2), &right)) return false;
  return left + right + extra <= 7;
}

bool IsHostname(std::string_view s) {
  if (s.empty() || s.size() > kMaxHostLength) return false;
  auto labels = Split(s, '.');
  for (std::string_view l : labels) {
    if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
    for (char c : l)
      if (!IsAlpha(c) && !IsDigit(c) && c != '-' && c != '_') return false;
  }
  std::string_view last = labels.back();
  return !std::all_of(last.begin(), last.end(), IsDigit);
}

bool IsValidHost(std::string_view s) {
  return IsIpv4Literal(s) || IsIpv6Literal(s) || IsHostname(s);
}

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (url.size() > kMaxUrlLength) return UrlError("must be at most 2048 characters");
  for (char c : url) {
    auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7f)
      return UrlError("must not contain spaces, control or non-ASCII characters");
  }
  HttpUrl out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return UrlError("must be an absolute http or https URL");
  out.scheme = Lower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https")
    return UrlError("must be an absolute http or https URL");
  std::string_view rest = url.substr(sep + 3);
  size_t auth_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, auth_end);
  out.path = std::string(rest.substr(auth_end));
  if (authority.find('@') != std::string_view::npos) return UrlError("must not contain userinfo");
  if (authority.empty()) return UrlError("must be an absolute http or https URL");

  std::string_view host, port;
  bool has_port = false;
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return UrlError("host must be a hostname or an IP address");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return UrlError("host must be a hostname or an IP address");
      port = after.substr(1);
      has_port = true;
    }
    if (!IsIpv6Literal(host)) return UrlError("host must be a hostname or an IP address");
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (!IsIpv4Literal(host) && !IsHostname(host))
      return UrlError("host must be a hostname or an IP address");
  }
  out.host = Lower(host);
  if (has_port) {
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), IsDigit))
      return UrlError("port must be between 1 and 65535");
    int p = 0;
    for (char c : port) p = p * 10 + (c - '0');
    if (p < 1 || p > 65535) return UrlError("port must be between 1 and 65535");
    out.port = p;
    out.explicit_port = true;
  } else {
    out.port = out.scheme == "https" ? 443 : 80;
  }
  return out;
}

}  // namespace secplat::core::validation
