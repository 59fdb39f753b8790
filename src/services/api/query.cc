#include "services/api/query.h"

#include <charconv>

namespace secplat::services::api {
namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<std::string> PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Unexpected(ErrorCode::kInvalidArgument, "bad percent-escape");
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return Unexpected(ErrorCode::kInvalidArgument, "NUL byte not allowed");
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<std::multimap<std::string, std::string>> ParseQuery(std::string_view raw) {
  std::multimap<std::string, std::string> out;
  if (raw.size() > 8192)
    return Unexpected(ErrorCode::kInvalidArgument, "query: longer than 8192 bytes");
  size_t pos = 0;
  while (pos <= raw.size() && !raw.empty()) {
    size_t amp = raw.find('&', pos);
    std::string_view part = raw.substr(pos, amp == std::string_view::npos ? raw.npos : amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      auto key = PercentDecode(part.substr(0, eq), true);
      if (!key) return Unexpected(ErrorCode::kInvalidArgument, "query: " + key.error().message);
      std::string value;
      if (eq != std::string_view::npos) {
        auto v = PercentDecode(part.substr(eq + 1), true);
        if (!v) return Unexpected(ErrorCode::kInvalidArgument, *key + ": " + v.error().message);
        value = std::move(*v);
      }
      out.emplace(std::move(*key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  return out;
}

std::string EncodeCursor(int64_t after) { return "c1." + std::to_string(after); }

Result<int64_t> DecodeCursor(std::string_view cursor) {
  if (cursor.size() < 4 || cursor.size() > 24 || cursor.substr(0, 3) != "c1.")
    return Unexpected(ErrorCode::kInvalidArgument, "cursor: invalid");
  int64_t v = 0;
  auto digits = cursor.substr(3);
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || p != digits.data() + digits.size() || v <= 0)
    return Unexpected(ErrorCode::kInvalidArgument, "cursor: invalid");
  return v;
}

}  // namespace secplat::services::api
