#include "core/validation/field_path.h"

namespace secplat::core::validation {
namespace {

bool IsPlainKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string QuotedKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr size_t kMaxShown = 64;
  std::string out = "[\"";
  for (size_t i = 0; i < key.size() && i < kMaxShown; ++i) {
    auto b = static_cast<unsigned char>(key[i]);
    if (b == '"' || b == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(b));
    } else if (b < 0x20 || b >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 0xf]);
    } else {
      out.push_back(static_cast<char>(b));
    }
  }
  if (key.size() > kMaxShown) out += "...";
  out += "\"]";
  return out;
}

}  // namespace

std::string JoinPath(std::string_view parent, std::string_view key) {
  if (!IsPlainKey(key)) return std::string(parent) + QuotedKey(key);
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out.push_back('.');
  out.append(key);
  return out;
}

std::string IndexPath(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string FieldMessage(std::string_view path, std::string_view message) {
  std::string out = path.empty() ? std::string("body") : std::string(path);
  out += ": ";
  out.append(message);
  return out;
}

}  // namespace secplat::core::validation
