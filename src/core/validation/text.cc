#include "core/validation/text.h"

#include <cstdint>
#include <string>

namespace secplat::core::validation {

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      len = 2;
      cp = b0 & 0x1f;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      cp = b0 & 0x0f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return false;  // continuation byte, 0xc0/0xc1 (overlong) or 0xf5.. (beyond U+10FFFF)
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

Status CheckText(std::string_view field, std::string_view value, size_t min_chars,
                 size_t max_chars) {
  auto fail = [&](std::string why) {
    return Unexpected(ErrorCode::kInvalidArgument, std::string(field) + ": " + why);
  };
  if (!IsValidUtf8(value)) return fail("must be valid UTF-8");
  if (value.find('\0') != std::string_view::npos) return fail("must not contain NUL characters");
  size_t n = CountCodePoints(value);
  if (n < min_chars || n > max_chars) {
    if (min_chars == 0) return fail("must be at most " + std::to_string(max_chars) + " characters");
    return fail("must be " + std::to_string(min_chars) + " to " + std::to_string(max_chars) +
                " characters");
  }
  return OkStatus();
}

}  // namespace secplat::core::validation
