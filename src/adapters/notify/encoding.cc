#include "adapters/notify/encoding.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/common/json_string.h"

namespace secplat::adapters::notify {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(std::string_view s, bool space_as_plus) {
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (Unreserved(c)) {
      out += ch;
    } else if (c == ' ' && space_as_plus) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

// Length of the sequence at s[i]: a valid UTF-8 sequence, or 1 for an invalid byte.
size_t StepAt(std::string_view s, size_t i) {
  const size_t n = Utf8SequenceLength(s, i);
  return n == 0 ? 1 : n;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Unexpected(ErrorCode::kInvalidArgument, "base64 length is not a multiple of 4");
  }
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=';
    if (!ok) return Unexpected(ErrorCode::kInvalidArgument, "invalid base64 character");
  }
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++pad;
  if (text.substr(0, text.size() - pad).find('=') != std::string_view::npos) {
    return Unexpected(ErrorCode::kInvalidArgument, "base64 padding inside the text");
  }
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Unexpected(ErrorCode::kInvalidArgument, "invalid base64");
  // EVP_DecodeBlock counts padding bytes as zeros; drop them.
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string FormEncode(std::string_view s) { return PercentEncode(s, true); }
std::string QueryEncode(std::string_view s) { return PercentEncode(s, false); }

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += FormEncode(k);
    out += '=';
    out += FormEncode(v);
  }
  return out;
}

size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += StepAt(s, i)) ++n;
  return n;
}

std::string TruncateUtf8(std::string_view s, size_t max_code_points) {
  if (max_code_points == 0) max_code_points = 1;
  size_t count = 0;
  size_t cut = std::string_view::npos;  // byte offset after max_code_points - 1 code points
  for (size_t i = 0; i < s.size(); i += StepAt(s, i)) {
    if (count == max_code_points - 1) cut = i;
    ++count;
    if (count > max_code_points) break;
  }
  if (count <= max_code_points) return std::string(s);
  std::string out(s.substr(0, cut));
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
  return out;
}

}  // namespace secplat::adapters::notify
