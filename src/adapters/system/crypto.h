// Randomness and hashing from libsodium: token material, UUIDs, constant-time comparison.
//
//   auto t = NewApiTokenSecret();          // t.plaintext == "spt_" + t.id + "_" + secret
//   EXPECT_TRUE(ConstantTimeEquals(HashTokenSecret(secret_part), t.secret_hash));
#ifndef SECPLAT_ADAPTERS_SYSTEM_CRYPTO_H_
#define SECPLAT_ADAPTERS_SYSTEM_CRYPTO_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace secplat::adapters::system {

// Initialises libsodium once; safe to call from any thread, any number of times.
// Errors: kInternal when libsodium cannot initialise (no entropy source).
Status InitCrypto();

// `n` bytes from the OS CSPRNG, hex-encoded (2n characters).
std::string RandomHex(size_t n);
// A uniformly random 64-bit value from the CSPRNG.
uint64_t RandomU64();
// Random version-4 UUID, canonical lower-case form.
std::string NewUuidV4();
// Lower-case hex SHA-256.
std::string Sha256Hex(std::string_view data);
// Compares in time independent of where the inputs differ (length leaks, content does not).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// A freshly generated API token. `plaintext` is shown once and never stored.
struct GeneratedToken {
  std::string id;           // 16 hex chars (64 random bits), public, the lookup key
  std::string secret_hash;  // Sha256Hex(secret), stored
  std::string plaintext;    // "spt_<id>_<secret>", secret = 64 hex chars (256 random bits)
};
GeneratedToken NewApiToken();

// Splits "spt_<id>_<secret>" into id and secret. Errors: kUnauthenticated (malformed token).
struct TokenParts {
  std::string id;
  std::string secret;
};
Result<TokenParts> SplitApiToken(std::string_view plaintext);

}  // namespace secplat::adapters::system

#endif  // SECPLAT_ADAPTERS_SYSTEM_CRYPTO_H_
