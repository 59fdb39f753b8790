#include "adapters/system/crypto.h"

#include <sodium.h>

#include <mutex>
#include <vector>

namespace secplat::adapters::system {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data, n);
  out.pop_back();
  return out;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

Status InitCrypto() {
  static int rc = sodium_init();  // thread-safe static init; sodium_init is idempotent
  if (rc < 0) return Unexpected(ErrorCode::kInternal, "libsodium failed to initialise");
  return OkStatus();
}

std::string RandomHex(size_t n) {
  (void)InitCrypto();
  std::vector<unsigned char> buf(n);
  randombytes_buf(buf.data(), n);
  return Hex(buf.data(), n);
}

uint64_t RandomU64() {
  (void)InitCrypto();
  uint64_t v;
  randombytes_buf(&v, sizeof v);
  return v;
}

std::string NewUuidV4() {
  (void)InitCrypto();
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  std::string h = Hex(b, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string Sha256Hex(std::string_view data) {
  (void)InitCrypto();
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hex(out, sizeof out);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

GeneratedToken NewApiToken() {
  GeneratedToken t;
  t.id = RandomHex(8);
  std::string secret = RandomHex(32);
  t.secret_hash = Sha256Hex(secret);
  t.plaintext = "spt_" + t.id + "_" + secret;
  return t;
}

Result<TokenParts> SplitApiToken(std::string_view p) {
  // Fixed shape: "spt_" + 16 hex + "_" + 64 hex = 85 characters.
  if (p.size() != 85 || p.substr(0, 4) != "spt_" || p[20] != '_')
    return Unexpected(ErrorCode::kUnauthenticated, "malformed bearer token");
  TokenParts parts{std::string(p.substr(4, 16)), std::string(p.substr(21))};
  if (!IsLowerHex(parts.id) || !IsLowerHex(parts.secret))
    return Unexpected(ErrorCode::kUnauthenticated, "malformed bearer token");
  return parts;
}

}  // namespace secplat::adapters::system
