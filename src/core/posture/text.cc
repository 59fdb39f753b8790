#include "core/posture/text.h"

#include <charconv>
#include <cstdint>

namespace secplat::core::posture {

std::string FormatSpan(Duration d) {
  int64_t ms = d.count();
  if (ms <= 0) return "0s";
  const int64_t h = ms / 3'600'000;
  const int64_t m = (ms / 60'000) % 60;
  const int64_t s = (ms / 1000) % 60;
  const int64_t rest = ms % 1000;
  std::string out;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::to_string(s);
  if (rest > 0) {
    // Milliseconds without trailing zeros: 1500 ms -> "1.5s".
    std::string frac = std::to_string(rest + 1000).substr(1);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  out += "s";
  return out;
}

std::string FormatRatio(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, 2);
  if (ec != std::errc()) return "?";
  return std::string(buf, end);
}

}  // namespace secplat::core::posture
