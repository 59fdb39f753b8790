#include "core/netpolicy/address.h"

#include <vector>

namespace secplat::core::netpolicy {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict dotted decimal into out[0..3].
bool ParseV4(std::string_view s, uint8_t* out) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    size_t start = i;
    int value = 0;
    while (i < s.size() && IsDigit(s[i])) {
      value = value * 10 + (s[i] - '0');
      if (value > 255) return false;
      ++i;
    }
    size_t len = i - start;
    if (len == 0 || len > 3) return false;
    if (len > 1 && s[start] == '0') return false;  // no octal-looking parts
    out[part++] = static_cast<uint8_t>(value);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

bool ParseV6(std::string_view s, std::array<uint8_t, 16>& out) {
  if (s.size() < 2) return false;
  std::vector<uint16_t> head, tail;
  bool seen_gap = false;
  bool has_v4 = false;
  uint8_t v4[4] = {};
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    seen_gap = true;
    i = 2;
  } else if (s[0] == ':') {
    return false;
  }
  while (i < s.size()) {
    std::vector<uint16_t>& groups = seen_gap ? tail : head;
    size_t start = i;
    while (i < s.size() && HexValue(s[i]) >= 0) ++i;
    if (i < s.size() && s[i] == '.') {
      // An embedded IPv4 tail: must be the last thing.
      if (!ParseV4(s.substr(start), v4)) return false;
      has_v4 = true;
      i = s.size();
      break;
    }
    size_t len = i - start;
    if (len == 0 || len > 4) return false;
    uint16_t value = 0;
    for (size_t k = start; k < i; ++k) value = static_cast<uint16_t>(value * 16 + HexValue(s[k]));
    groups.push_back(value);
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (seen_gap) return false;  // a second "::"
      seen_gap = true;
      ++i;
    } else if (i == s.size()) {
      return false;  // trailing single ':'
    }
  }
  size_t groups = head.size() + tail.size() + (has_v4 ? 2 : 0);
  if (seen_gap ? groups > 7 : groups != 8) return false;
  std::vector<uint16_t> all = head;
  if (seen_gap) all.resize(8 - tail.size() - (has_v4 ? 2 : 0), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  for (size_t g = 0; g < all.size(); ++g) {
    out[2 * g] = static_cast<uint8_t>(all[g] >> 8);
    out[2 * g + 1] = static_cast<uint8_t>(all[g] & 0xff);
  }
  if (has_v4) {
    for (int k = 0; k < 4; ++k) out[12 + k] = v4[k];
  }
  return true;
}

std::string Hex16(uint16_t v) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    int d = (v >> shift) & 0xf;
    if (d != 0 || started || shift == 0) {
      out += kHex[d];
      started = true;
    }
  }
  return out;
}

bool ParsePrefix(std::string_view s, int max, int* out) {
  if (s.empty() || s.size() > 3) return false;
  int v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  if (s.size() > 1 && s[0] == '0') return false;
  if (v > max) return false;
  *out = v;
  return true;
}

}  // namespace

IpAddress IpAddress::V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes_[0] = a;
  ip.bytes_[1] = b;
  ip.bytes_[2] = c;
  ip.bytes_[3] = d;
  return ip;
}

IpAddress IpAddress::V6(const std::array<uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.v6_ = true;
  ip.bytes_ = bytes;
  return ip;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
    if (text.find(':') == std::string_view::npos) return std::nullopt;
  }
  if (text.empty() || text.size() > 45) return std::nullopt;
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    if (!ParseV4(text, ip.bytes_.data())) return std::nullopt;
    return ip;
  }
  ip.v6_ = true;
  if (!ParseV6(text, ip.bytes_)) return std::nullopt;
  return ip;
}

std::optional<IpAddress> IpAddress::EmbeddedIpv4() const {
  if (!v6_) return std::nullopt;
  const auto& b = bytes_;
  auto zero = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      if (b[i] != 0) return false;
    }
    return true;
  };
  auto tail = [&] { return V4(b[12], b[13], b[14], b[15]); };
  // ::ffff:a.b.c.d (IPv4-mapped)
  if (zero(0, 10) && b[10] == 0xff && b[11] == 0xff) return tail();
  // ::a.b.c.d (IPv4-compatible, deprecated) but not :: and ::1
  if (zero(0, 12) && !(zero(12, 15) && (b[15] == 0 || b[15] == 1))) return tail();
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(4, 12)) return tail();
  // 2002:AABB:CCDD::/48 (6to4)
  if (b[0] == 0x20 && b[1] == 0x02) return V4(b[2], b[3], b[4], b[5]);
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  const auto& b = bytes_;
  auto v4 = [](uint8_t a0, uint8_t a1, uint8_t a2, uint8_t a3) {
    return std::to_string(a0) + "." + std::to_string(a1) + "." + std::to_string(a2) + "." +
           std::to_string(a3);
  };
  if (!v6_) return v4(b[0], b[1], b[2], b[3]);
  bool mapped = true;
  for (int i = 0; i < 10; ++i) mapped = mapped && b[i] == 0;
  if (mapped && b[10] == 0xff && b[11] == 0xff) return "::ffff:" + v4(b[12], b[13], b[14], b[15]);
  uint16_t g[8];
  for (int i = 0; i < 8; ++i) g[i] = static_cast<uint16_t>((b[2 * i] << 8) | b[2 * i + 1]);
  // RFC 5952: the longest run (>= 2) of zero groups becomes "::" (the first one on ties).
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    if (g[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len && j - i >= 2) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  std::string out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    out += Hex16(g[i]);
  }
  return out;
}

Result<Cidr> Cidr::Parse(std::string_view text) {
  std::string_view addr = text;
  std::optional<std::string_view> prefix_text;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    prefix_text = text.substr(slash + 1);
  }
  std::optional<IpAddress> ip = IpAddress::Parse(addr);
  if (!ip) {
    return Unexpected(ErrorCode::kInvalidArgument,
                      "'" + std::string(text) + "' is not an IP address or CIDR block");
  }
  int max = ip->is_v4() ? 32 : 128;
  int prefix = max;
  if (prefix_text && !ParsePrefix(*prefix_text, max, &prefix)) {
    return Unexpected(
        ErrorCode::kInvalidArgument,
        "'" + std::string(text) + "' has an invalid prefix length (0-" + std::to_string(max) + ")");
  }
  // Host bits must be zero: "10.0.0.1/8" is almost always a typo.
  std::array<uint8_t, 16> masked = ip->bytes();
  int bytes = max / 8;
  for (int i = 0; i < bytes; ++i) {
    int bits = prefix - 8 * i;
    uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits));
    masked[i] = static_cast<uint8_t>(masked[i] & mask);
  }
  if (masked != ip->bytes()) {
    IpAddress base = ip->is_v4() ? IpAddress::V4(masked[0], masked[1], masked[2], masked[3])
                                 : IpAddress::V6(masked);
    return Unexpected(ErrorCode::kInvalidArgument,
                      "'" + std::string(text) + "' has host bits set (did you mean " +
                          base.ToString() + "/" + std::to_string(prefix) + "?)");
  }
  return Cidr(*ip, prefix);
}

bool Cidr::Contains(const IpAddress& address) const {
  if (address.is_v4() != base_.is_v4()) return false;
  const auto& a = address.bytes();
  const auto& b = base_.bytes();
  int full = prefix_ / 8;
  for (int i = 0; i < full; ++i) {
    if (a[i] != b[i]) return false;
  }
  int rest = prefix_ % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

std::string Cidr::ToString() const { return base_.ToString() + "/" + std::to_string(prefix_); }

}  // namespace secplat::core::netpolicy
